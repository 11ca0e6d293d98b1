//! `ncu_phases.csv` (and `.parquet`): see the doc of [`PhaseBoundRow`].

crate::table! {
    /// `ncu_phases.csv`: per NVTX phase, GPU time by ncu verdict and the memory traffic it implies.
    pub struct PhaseBoundRow in ncu_phases {
        file: "ncu_phases", per_device: false, optional: true, ncu_input: false,
    }
    /// Phase (`all` when the trace has no phases).
    phase: String [""],
    /// `memory-bound`, `compute-bound`, `latency-bound`, `unknown`, or `unprofiled` (no ncu data for that kernel).
    bound: String [""],
    /// Kernel executions (nsys).
    kernels: u64 ["count"],
    /// Their GPU time, ns (nsys).
    total_ns: i64 ["ns"],
    /// Share of the phase's kernel time, %.
    pct_phase_time: f64 ["%"],
    /// DRAM bytes these executions moved, estimated as the ncu bytes of the same kernel × executions.
    dram_bytes_est: f64 ["bytes"],
    /// Time-weighted mean of ncu's DRAM bandwidth % of peak over the profiled kernels.
    dram_pct_of_peak: Option<f64> ["%"],
}
