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

/// Bytes of memory a new allocation can get without swapping: on CUDA the device's free memory (from the
/// driver), on CPU `MemAvailable` of `/proc/meminfo`, lowered to the cgroup's limit minus its usage when the
/// process runs in a memory-limited cgroup. None when unknown.
pub fn available_bytes(device: &candle_core::Device) -> Option<u64> {
    if let Some(b) = cuda_free_bytes(device) {
        return Some(b);
    }
    if !matches!(device, candle_core::Device::Cpu) {
        return None;
    }
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let avail_kb: u64 = info.lines().find(|l| l.starts_with("MemAvailable:"))?.split_whitespace().nth(1)?.parse().ok()?;
    let mut avail = avail_kb.saturating_mul(1024);
    let read = |p: &str| std::fs::read_to_string(p).ok().and_then(|v| v.trim().parse::<u64>().ok());
    if let (Some(max), Some(cur)) = (read("/sys/fs/cgroup/memory.max"), read("/sys/fs/cgroup/memory.current")) {
        avail = avail.min(max.saturating_sub(cur));
    }
    Some(avail)
}

#[cfg(feature = "cuda")]
fn cuda_free_bytes(device: &candle_core::Device) -> Option<u64> {
    match device {
        candle_core::Device::Cuda(_) => {
            let (free, _) = candle_core::cuda_backend::cudarc::driver::result::mem_get_info().ok()?;
            Some(free as u64)
        }
        _ => None,
    }
}

#[cfg(not(feature = "cuda"))]
fn cuda_free_bytes(_device: &candle_core::Device) -> Option<u64> {
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

    #[test]
    fn cpu_available_memory_is_known() {
        let b = super::available_bytes(&candle_core::Device::Cpu).unwrap();
        assert!(b > 1 << 20, "{b}");
    }
}
