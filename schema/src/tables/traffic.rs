//! `traffic.csv` (and `.parquet`): see the doc of [`TrafficRow`].

crate::table! {
    /// One row of `traffic.csv`.
    pub struct TrafficRow in traffic {
        file: "traffic", per_device: false, optional: true, ncu_input: false,
    }
    /// Phase (`all` when the trace has no phase ranges).
    phase: String [""],
    /// Kernel GPU time, ns (nsys).
    kernel_ns: i64 ["ns"],
    /// Kernel time of kernels ncu profiled, ns.
    profiled_ns: i64 ["ns"],
    /// DRAM bytes of the profiled kernels (ncu bytes per launch × executions); None without ncu data.
    kernel_dram_bytes: Option<f64> ["bytes"],
    /// Achieved DRAM bandwidth of the profiled kernels, GB/s.
    kernel_gb_s: Option<f64> ["GB/s"],
    /// memcpy/memset bytes (nsys).
    copy_bytes: i64 ["bytes"],
    /// memcpy/memset time, ns.
    copy_ns: i64 ["ns"],
    /// Peak DRAM bandwidth, GB/s (0 when unknown).
    peak_gb_s: f64 ["GB/s"],
    /// Bytes the model config predicts for this phase (None without the capture's sweep CSV).
    predicted_bytes: Option<f64> ["bytes"],
    /// `predicted_bytes` at peak bandwidth, ns.
    predicted_min_ns: Option<f64> ["ns"],
    /// `predicted_min_ns / kernel_ns`, %.
    explained_pct: Option<f64> ["%"],
}
