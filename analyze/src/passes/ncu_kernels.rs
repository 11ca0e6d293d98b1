//! `ncu_kernels.csv`: per profiled launch, time, memory traffic, FLOPs, arithmetic intensity and a roofline
//! verdict.
//!
//! - FLOPs from the SASS thread-instruction counters, an FMA counted as 2:
//!   `fp32 = fadd + fmul + 2·ffma`, `fp64 = dadd + dmul + 2·dfma`, `fp16 = hadd + hmul + 2·hfma`
//!   (`sm__sass_thread_inst_executed_op_*_pred_on.sum`). Tensor-core work is reported apart, as ncu counts it:
//!   `tensor_ops` = Σ `sm__ops_path_tensor_src_*_dst_*.sum`, `tensor_inst` = `sm__inst_executed_pipe_tensor.sum`.
//! - Peaks from ncu's roofline section when present: DRAM bandwidth = "Theoretical DRAM Bytes Accessible"
//!   (byte/cycle) × "DRAM Frequency"; FP32 = "Theoretical Predicated-On FFMA Operations" (per cycle) × SM
//!   frequency. Otherwise the DRAM peak is inferred from the achieved bandwidth and ncu's DRAM throughput %, or
//!   taken from the caller (the nsys export's `TARGET_INFO_GPU`).
//! - Verdict from ncu's Speed Of Light: a kernel using ≥ 60 % of peak memory or compute throughput is
//!   memory-bound or compute-bound (whichever is higher); below that it is latency-bound (neither unit is
//!   busy: launch overhead, dependencies, low occupancy). The 60 % line is the one Nsight Compute's own rules use.

pub use schema::tables::{NcuKernelRow, NcuMetricRow};

use crate::read::ncu::csv::{Launch, NcuFile};

/// SOL threshold (%) above which a unit counts as the bound.
pub const SOL_BOUND_PCT: f64 = 60.0;


/// Every metric of every launch, in launch order then metric name order.
pub fn metric_rows(f: &NcuFile) -> Vec<NcuMetricRow> {
    let mut rows = Vec::new();
    for l in &f.launches {
        for (name, ms) in &l.metrics {
            for m in ms {
                rows.push(NcuMetricRow {
                    launch_id: l.id,
                    kernel_name: l.kernel_name.clone(),
                    metric: name.clone(),
                    unit: m.raw_unit.clone(),
                    // The number as written, where the reader kept the value (not text, not out of range).
                    value: m.value.and(crate::read::ncu::units::parse_number(&m.raw)),
                    text: m.raw.clone(),
                    instance: None,
                });
                for (i, v) in m.instances.iter().enumerate() {
                    rows.push(NcuMetricRow {
                        launch_id: l.id,
                        kernel_name: l.kernel_name.clone(),
                        metric: name.clone(),
                        unit: m.raw_unit.clone(),
                        value: crate::read::ncu::units::parse_number(v),
                        text: v.clone(),
                        instance: Some(i as u32),
                    });
                }
            }
        }
    }
    rows
}


fn dims(d: Option<[u64; 3]>) -> String {
    d.map(|[x, y, z]| format!("{x},{y},{z}")).unwrap_or_default()
}

fn sum_opt(vals: &[Option<f64>]) -> Option<f64> {
    if vals.iter().all(Option::is_none) {
        None
    } else {
        Some(vals.iter().flatten().sum())
    }
}

fn flops(l: &Launch, p: char) -> Option<f64> {
    let g = |op: &str| l.get(&format!("sm__sass_thread_inst_executed_op_{p}{op}_pred_on.sum"), None);
    let (a, m, f) = (g("add"), g("mul"), g("fma"));
    if a.is_none() && m.is_none() && f.is_none() {
        return None;
    }
    Some(a.unwrap_or(0.0) + m.unwrap_or(0.0) + 2.0 * f.unwrap_or(0.0))
}

fn achieved_from_roofline(l: &Launch, label: &str, fma: &str, add: &str, mul: &str, duration_s: Option<f64>) -> Option<f64> {
    let fma_ops = l.get_labeled(&format!("Predicated-On {fma} Operations Per Cycle"), label)?;
    let add = l.get_labeled(&format!("Predicated-On {add} Thread Instructions Executed Per Cycle"), label).unwrap_or(0.0);
    let mul = l.get_labeled(&format!("Predicated-On {mul} Thread Instructions Executed Per Cycle"), label).unwrap_or(0.0);
    let hz = l.get_labeled("SM Frequency", label)?;
    Some((fma_ops + add + mul) * hz * duration_s?)
}

/// `x` rounded to `digits` decimals; a value that is not finite (a ratio over a zero duration) is missing, so
/// CSV (empty) and JSON (null) say the same.
fn round(x: Option<f64>, digits: i32) -> Option<f64> {
    let f = 10f64.powi(digits);
    x.filter(|v| v.is_finite()).map(|v| (v * f).round() / f).filter(|v| v.is_finite())
}

/// Builds one row per launch. `peak_dram_bps` is a fallback peak bandwidth (bytes/s), e.g. from nsys.
pub fn kernel_rows(file_name: &str, f: &NcuFile, peak_dram_bps: Option<f64>) -> Vec<NcuKernelRow> {
    f.launches.iter().map(|l| row(file_name, l, peak_dram_bps)).collect()
}

fn row(file_name: &str, l: &Launch, fallback_peak: Option<f64>) -> NcuKernelRow {
    let duration_s = l.get("gpu__time_duration.sum", Some("second")).or_else(|| l.get("Duration", Some("second"))).or_else(|| {
        let cycles = l.get("sm__cycles_elapsed.avg", Some("cycle"))?;
        let hz = l.get("sm__cycles_elapsed.avg.per_second", Some("hz"))?;
        (hz > 0.0).then(|| cycles / hz)
    });
    let read = l.get("dram__bytes_read.sum", Some("byte")).or_else(|| l.get("dram__sectors_read.sum", None).map(|s| s * 32.0));
    let write = l.get("dram__bytes_write.sum", Some("byte")).or_else(|| l.get("dram__sectors_write.sum", None).map(|s| s * 32.0));
    let dram = l.get("dram__bytes.sum", Some("byte")).or_else(|| if read.is_some() || write.is_some() { Some(read.unwrap_or(0.0) + write.unwrap_or(0.0)) } else { None });
    let l2 = l.get("lts__t_bytes.sum", Some("byte"));
    let dram_bps = match (dram, duration_s) {
        (Some(b), Some(t)) if t > 0.0 => Some(b / t),
        _ => None,
    };
    let sm_pct = l.get("sm__throughput.avg.pct_of_peak_sustained_elapsed", Some("%")).or_else(|| l.get("Compute (SM) Throughput", Some("%")));
    let memory_pct = l
        .get("gpu__compute_memory_throughput.avg.pct_of_peak_sustained_elapsed", Some("%"))
        .or_else(|| l.get("Memory Throughput", Some("%")));
    let dram_pct = l
        .get("dram__throughput.avg.pct_of_peak_sustained_elapsed", Some("%"))
        .or_else(|| l.get("gpu__dram_throughput.avg.pct_of_peak_sustained_elapsed", Some("%")))
        .or_else(|| l.get("DRAM Throughput", Some("%")));
    let occupancy = l.get("sm__warps_active.avg.pct_of_peak_sustained_active", Some("%")).or_else(|| l.get("Achieved Occupancy", Some("%")));
    // Peaks from the roofline section.
    let roof_bw = match (l.get("Theoretical DRAM Bytes Accessible", Some("byte/cycle")), l.get("DRAM Frequency", Some("hz"))) {
        (Some(b), Some(hz)) => Some(b * hz),
        _ => None,
    };
    let sm_hz = l.get_labeled("SM Frequency", "Single Precision Roofline").or_else(|| l.get("SM Frequency", Some("hz")));
    let peak_fp32 = match (l.get("Theoretical Predicated-On FFMA Operations", None), sm_hz) {
        (Some(ops), Some(hz)) => Some(ops * hz),
        _ => None,
    };
    let inferred_bw = match (dram_bps, dram_pct) {
        (Some(a), Some(p)) if p > 0.0 => Some(a / (p / 100.0)),
        _ => None,
    };
    let peak_bw = roof_bw.or(fallback_peak).or(inferred_bw);
    let (f16, mut f32_, mut f64_) = (flops(l, 'h'), flops(l, 'f'), flops(l, 'd'));
    // Without the SASS counters (e.g. `--set full` exports), use the roofline section's achieved rates:
    // (FFMA ops + FADD + FMUL) per cycle × the roofline's SM frequency × duration, as ncu plots the point.
    if f32_.is_none() {
        f32_ = achieved_from_roofline(l, "Single Precision Achieved Value", "FFMA", "FADD", "FMUL", duration_s);
    }
    if f64_.is_none() {
        f64_ = achieved_from_roofline(l, "Double Precision Achieved Value", "DFMA", "DADD", "DMUL", duration_s);
    }
    let total = sum_opt(&[f16, f32_, f64_]);
    let tensor_ops = {
        let v: Vec<f64> = l
            .metrics
            .iter()
            .filter(|(k, _)| k.starts_with("sm__ops_path_tensor_src_") && k.ends_with(".sum"))
            .filter_map(|(k, _)| l.get(k, None))
            .collect();
        (!v.is_empty()).then(|| v.iter().sum())
    };
    let ai = match (total, dram) {
        (Some(f), Some(b)) if b > 0.0 => Some(f / b),
        _ => None,
    };
    let (bound, mut reason) = verdict(sm_pct, memory_pct, dram_pct);
    let ridge = match (peak_fp32, peak_bw) {
        (Some(f), Some(b)) if b > 0.0 => Some(f / b),
        _ => None,
    };
    let side = match (ai, ridge) {
        (Some(a), Some(r)) => {
            let side = if a < r { "memory" } else { "compute" };
            reason = format!("{side} side of the FP32 roofline (intensity {a:.2} {} ridge {r:.1} FLOP/byte); {reason}", if a < r { "<" } else { "≥" });
            side
        }
        _ => "",
    };
    NcuKernelRow {
        file: file_name.to_string(),
        id: l.id,
        kernel_name: l.kernel_name.clone(),
        base_name: super::ncu_phases::base_name(&l.kernel_name),
        grid: dims(l.grid),
        block: dims(l.block),
        duration_ns: round(duration_s.map(|s| s * 1e9), 3),
        dram_read_bytes: read,
        dram_write_bytes: write,
        dram_bytes: dram,
        l2_bytes: l2,
        dram_gb_s: round(dram_bps.map(|b| b / 1e9), 3),
        peak_dram_gb_s: round(peak_bw.map(|b| b / 1e9), 3),
        dram_pct_of_peak: round(match (dram_bps, peak_bw) {
            (Some(a), Some(p)) if p > 0.0 => Some(a / p * 100.0),
            _ => None,
        }, 2),
        flops_fp16: f16,
        flops_fp32: f32_,
        flops_fp64: f64_,
        flops: total,
        tensor_ops,
        tensor_inst: l.get("sm__inst_executed_pipe_tensor.sum", None),
        gflop_s: round(match (total, duration_s) {
            (Some(f), Some(t)) if t > 0.0 => Some(f / t / 1e9),
            _ => None,
        }, 3),
        arithmetic_intensity: round(ai, 4),
        peak_fp32_gflop_s: round(peak_fp32.map(|f| f / 1e9), 3),
        ridge_flop_per_byte: round(ridge, 3),
        sm_pct,
        memory_pct,
        dram_pct,
        achieved_occupancy_pct: occupancy,
        roofline_side: side.to_string(),
        bound: bound.to_string(),
        bound_reason: reason,
        phase: String::new(),
        nsys_kernel: String::new(),
    }
}

/// The roofline verdict from Speed-Of-Light percentages.
pub fn verdict(sm: Option<f64>, memory: Option<f64>, dram: Option<f64>) -> (&'static str, String) {
    let mem = match (memory, dram) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    };
    match (sm, mem) {
        (None, None) => ("unknown", "no Speed Of Light metrics in the file".into()),
        (s, m) => {
            let (s, m) = (s.unwrap_or(0.0), m.unwrap_or(0.0));
            let why = format!("memory {m:.1}% / SM {s:.1}% of peak");
            if m.max(s) < SOL_BOUND_PCT {
                ("latency-bound", format!("{why}: both below {SOL_BOUND_PCT:.0}%"))
            } else if m >= s {
                ("memory-bound", why)
            } else {
                ("compute-bound", why)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts() {
        assert_eq!(verdict(Some(9.15), Some(19.66), Some(19.66)).0, "latency-bound");
        assert_eq!(verdict(Some(20.0), Some(85.0), None).0, "memory-bound");
        assert_eq!(verdict(Some(90.0), Some(40.0), Some(30.0)).0, "compute-bound");
        assert_eq!(verdict(None, None, None).0, "unknown");
    }
}
