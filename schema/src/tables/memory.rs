//! `memory.csv` (and `.parquet`): see the doc of [`MemoryRow`].

crate::table! {
    /// `memory.csv`: memcpy/memset per (device, kind).
    pub struct MemoryRow in memory {
        file: "memory", per_device: true, optional: false, ncu_input: false,
    }
    /// CUDA device ordinal.
    device: i64 [""],
    /// `HtoD`, `DtoH`, `DtoD`, `PtoP`, ..., `memset`.
    kind: String [""],
    /// Operation name as `nsys stats` prints it.
    operation: String [""],
    /// Number of operations.
    count: u64 ["count"],
    /// Bytes moved (or set).
    bytes: i64 ["bytes"],
    /// Summed duration, ns.
    total_ns: i64 ["ns"],
    /// Mean duration, ns.
    avg_ns: f64 ["ns"],
    /// Shortest, ns.
    min_ns: i64 ["ns"],
    /// Longest, ns.
    max_ns: i64 ["ns"],
    /// Achieved rate, bytes / total time, GB/s (10^9 bytes per second).
    achieved_gb_s: f64 ["GB/s"],
    /// Peak DRAM bandwidth of the device from `TARGET_INFO_GPU`, GB/s; 0 when unknown.
    peak_gb_s: f64 ["GB/s"],
}
