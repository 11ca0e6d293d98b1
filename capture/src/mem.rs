//! Memory in use: on CUDA the device's used memory (total − free, from the driver), on CPU the resident memory
//! of this process (`/proc/self/status` VmRSS, peak VmHWM).

/// (current MB, peak MB) of the process's resident memory, from `/proc/self/status`.
pub fn cpu_rss_mb() -> (Option<f64>, Option<f64>) {
    let Ok(s) = std::fs::read_to_string("/proc/self/status") else { return (None, None) };
    let field = |k: &str| {
        s.lines()
            .find(|l| l.starts_with(k))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .map(|kb| kb * 1024.0 / 1e6)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Used device memory in MB (total − free) of the current CUDA context, if this build and device have CUDA.
#[cfg(feature = "cuda")]
pub fn cuda_used_mb(device: &candle_core::Device) -> Option<f64> {
    match device {
        candle_core::Device::Cuda(_) => {
            let (free, total) = candle_core::cuda_backend::cudarc::driver::result::mem_get_info().ok()?;
            Some((total - free) as f64 / 1e6)
        }
        _ => None,
    }
}

/// Used device memory in MB: always None without the `cuda` feature.
#[cfg(not(feature = "cuda"))]
pub fn cuda_used_mb(_device: &candle_core::Device) -> Option<f64> {
    None
}

#[cfg(test)]
mod tests {
    #[test]
    fn rss_is_read() {
        let (cur, peak) = super::cpu_rss_mb();
        assert!(cur.unwrap() > 0.0);
        assert!(peak.unwrap() >= cur.unwrap());
    }
}
