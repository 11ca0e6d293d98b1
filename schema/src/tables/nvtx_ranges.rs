//! `nvtx_ranges.csv` (and `.parquet`): see the doc of [`RangeRow`].

crate::table! {
    /// `nvtx_ranges.csv`: one row per NVTX range name (`domain:name` when the domain is named).
    pub struct RangeRow in nvtx_ranges {
        file: "nvtx_ranges", per_device: false, optional: false, ncu_input: false,
    }
    /// Range name.
    range: String [""],
    /// `PushPop`, `StartEnd` or `mixed`.
    style: String [""],
    /// Number of range instances.
    instances: u64 ["count"],
    /// Summed CPU duration of the instances, ns.
    cpu_total_ns: i64 ["ns"],
    /// Mean CPU duration, ns.
    cpu_avg_ns: f64 ["ns"],
    /// Kernel time whose innermost enclosing range is this one, ns (exclusive attribution: sums to the attributed total).
    gpu_total_ns: i64 ["ns"],
    /// Kernel time of every (range instance, kernel) pair where the kernel's launch lies in the instance, ns
    /// (inclusive, as nsys's `nvtxkernsum` counts it).
    gpu_inclusive_ns: i64 ["ns"],
    /// Distinct kernel executions launched inside an instance.
    kernels: u64 ["count"],
    /// Kernel executions whose innermost range is this one.
    kernels_innermost: u64 ["count"],
    /// Summed GPU projection of the instances: first launched op's start to last op's end (kernels, memcpy, memset), ns.
    gpu_proj_total_ns: i64 ["ns"],
    /// Instances that launched at least one GPU op.
    gpu_proj_instances: u64 ["count"],
}
