//! `timeline.csv` (and `.parquet`): see the doc of [`TimelineRow`].

crate::table! {
    /// `timeline.csv`: per device utilization, idle time and launch overhead.
    pub struct TimelineRow in timeline {
        file: "timeline", per_device: true, optional: false, ncu_input: false,
    }
    /// CUDA device ordinal.
    device: i64 [""],
    /// GPU name ("" when unknown).
    gpu: String [""],
    /// Kernel executions.
    kernels: u64 ["count"],
    /// memcpy/memset operations.
    memops: u64 ["count"],
    /// First GPU op start, ns.
    first_start_ns: i64 ["ns"],
    /// Last GPU op end, ns.
    last_end_ns: i64 ["ns"],
    /// `last_end_ns - first_start_ns`, ns.
    span_ns: i64 ["ns"],
    /// Union of kernel and copy intervals, ns (overlap across streams counted once).
    busy_ns: i64 ["ns"],
    /// Union of kernel intervals alone, ns.
    kernel_busy_ns: i64 ["ns"],
    /// Summed kernel durations, ns (exceeds `kernel_busy_ns` when streams overlap).
    kernel_sum_ns: i64 ["ns"],
    /// Summed memcpy/memset durations, ns.
    memop_sum_ns: i64 ["ns"],
    /// `busy_ns / span_ns`, %.
    utilization_pct: f64 ["%"],
    /// `span_ns - busy_ns`: time with nothing running, ns.
    idle_ns: i64 ["ns"],
    /// Number of gaps with nothing running.
    idle_gaps: u64 ["count"],
    /// Longest gap, ns.
    largest_gap_ns: i64 ["ns"],
    /// Summed CPU duration of the API calls that launched this device's kernels, ns.
    launch_api_ns: i64 ["ns"],
    /// Median of kernel start − launch call start, ns.
    launch_latency_med_ns: f64 ["ns"],
    /// Kernels that ran shorter than their launch call took on the CPU (launch-bound).
    short_kernels: u64 ["count"],
    /// Summed duration of those kernels, ns.
    short_kernel_ns: i64 ["ns"],
    /// Summed launch-call duration of those kernels, ns.
    short_kernel_api_ns: i64 ["ns"],
}
