//! `kernels.csv` (and `.parquet`): see the doc of [`KernelRow`].

crate::table! {
    /// `kernels.csv`: one row per (device, kernel name).
    pub struct KernelRow in kernels {
        file: "kernels", per_device: true, optional: false, ncu_input: false,
    }
    /// CUDA device ordinal.
    device: i64 [""],
    /// Demangled kernel name.
    name: String [""],
    /// Base name (nsys `shortName`).
    short_name: String [""],
    /// Kernel class (see `classify`).
    class: String [""],
    /// Number of executions.
    instances: u64 ["count"],
    /// Summed duration, ns.
    total_ns: i64 ["ns"],
    /// Share of the device's total kernel time, %.
    pct_gpu_time: f64 ["%"],
    /// Mean duration, ns.
    avg_ns: f64 ["ns"],
    /// Median duration, ns.
    med_ns: f64 ["ns"],
    /// Shortest execution, ns.
    min_ns: i64 ["ns"],
    /// Longest execution, ns.
    max_ns: i64 ["ns"],
    /// Sample standard deviation, ns.
    stddev_ns: f64 ["ns"],
}
