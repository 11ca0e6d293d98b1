//! The output tables of `analyze`, one struct per row. Times are integer nanoseconds, sizes integer bytes;
//! derived ratios are rounded floats (ns statistics to 0.1 ns like `nsys stats`, percentages and rates to 0.01).
//! Column names are a contract with users' scripts: change them only by adding columns.

use serde::{Deserialize, Serialize};

use crate::trace::TraceInfo;

/// `kernels.csv`: one row per (device, kernel name).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KernelRow {
    /// CUDA device ordinal.
    pub device: i64,
    /// Demangled kernel name.
    pub name: String,
    /// Base name (nsys `shortName`).
    pub short_name: String,
    /// Kernel class (see `classify`).
    pub class: String,
    /// Number of executions.
    pub instances: u64,
    /// Summed duration, ns.
    pub total_ns: i64,
    /// Share of the device's total kernel time, %.
    pub pct_gpu_time: f64,
    /// Mean duration, ns.
    pub avg_ns: f64,
    /// Median duration, ns.
    pub med_ns: f64,
    /// Shortest execution, ns.
    pub min_ns: i64,
    /// Longest execution, ns.
    pub max_ns: i64,
    /// Sample standard deviation, ns.
    pub stddev_ns: f64,
}

/// `nvtx_ranges.csv`: one row per NVTX range name (`domain:name` when the domain is named).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RangeRow {
    /// Range name.
    pub range: String,
    /// `PushPop`, `StartEnd` or `mixed`.
    pub style: String,
    /// Number of range instances.
    pub instances: u64,
    /// Summed CPU duration of the instances, ns.
    pub cpu_total_ns: i64,
    /// Mean CPU duration, ns.
    pub cpu_avg_ns: f64,
    /// Kernel time whose innermost enclosing range is this one, ns (exclusive attribution: sums to the attributed total).
    pub gpu_total_ns: i64,
    /// Kernel time of every (range instance, kernel) pair where the kernel's launch lies in the instance, ns
    /// (inclusive, as nsys's `nvtxkernsum` counts it).
    pub gpu_inclusive_ns: i64,
    /// Distinct kernel executions launched inside an instance.
    pub kernels: u64,
    /// Kernel executions whose innermost range is this one.
    pub kernels_innermost: u64,
    /// Summed GPU projection of the instances: first launched op's start to last op's end (kernels, memcpy, memset), ns.
    pub gpu_proj_total_ns: i64,
    /// Instances that launched at least one GPU op.
    pub gpu_proj_instances: u64,
}

/// `classes.csv`: GPU time per (phase, class). Phase `all` covers the whole trace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassRow {
    /// `all`, or a phase name (`prefill`, `decode`, ...), `other` (in a range but no phase) or `unattributed`.
    pub phase: String,
    /// Class name.
    pub class: String,
    /// Number of GPU ops.
    pub instances: u64,
    /// Summed duration, ns.
    pub total_ns: i64,
    /// Share of the phase's GPU op time, %.
    pub pct_phase_time: f64,
}

/// `memory.csv`: memcpy/memset per (device, kind).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemoryRow {
    /// CUDA device ordinal.
    pub device: i64,
    /// `HtoD`, `DtoH`, `DtoD`, `PtoP`, ..., `memset`.
    pub kind: String,
    /// Operation name as `nsys stats` prints it.
    pub operation: String,
    /// Number of operations.
    pub count: u64,
    /// Bytes moved (or set).
    pub bytes: i64,
    /// Summed duration, ns.
    pub total_ns: i64,
    /// Mean duration, ns.
    pub avg_ns: f64,
    /// Shortest, ns.
    pub min_ns: i64,
    /// Longest, ns.
    pub max_ns: i64,
    /// Achieved rate, bytes / total time, GB/s (10^9 bytes per second).
    pub achieved_gb_s: f64,
    /// Peak DRAM bandwidth of the device from `TARGET_INFO_GPU`, GB/s; 0 when unknown.
    pub peak_gb_s: f64,
}

/// `timeline.csv`: per device utilization, idle time and launch overhead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineRow {
    /// CUDA device ordinal.
    pub device: i64,
    /// GPU name ("" when unknown).
    pub gpu: String,
    /// Kernel executions.
    pub kernels: u64,
    /// memcpy/memset operations.
    pub memops: u64,
    /// First GPU op start, ns.
    pub first_start_ns: i64,
    /// Last GPU op end, ns.
    pub last_end_ns: i64,
    /// `last_end_ns - first_start_ns`, ns.
    pub span_ns: i64,
    /// Union of kernel and copy intervals, ns (overlap across streams counted once).
    pub busy_ns: i64,
    /// Union of kernel intervals alone, ns.
    pub kernel_busy_ns: i64,
    /// Summed kernel durations, ns (exceeds `kernel_busy_ns` when streams overlap).
    pub kernel_sum_ns: i64,
    /// Summed memcpy/memset durations, ns.
    pub memop_sum_ns: i64,
    /// `busy_ns / span_ns`, %.
    pub utilization_pct: f64,
    /// `span_ns - busy_ns`: time with nothing running, ns.
    pub idle_ns: i64,
    /// Number of gaps with nothing running.
    pub idle_gaps: u64,
    /// Longest gap, ns.
    pub largest_gap_ns: i64,
    /// Summed CPU duration of the API calls that launched this device's kernels, ns.
    pub launch_api_ns: i64,
    /// Median of kernel start − launch call start, ns.
    pub launch_latency_med_ns: f64,
    /// Kernels that ran shorter than their launch call took on the CPU (launch-bound).
    pub short_kernels: u64,
    /// Summed duration of those kernels, ns.
    pub short_kernel_ns: i64,
    /// Summed launch-call duration of those kernels, ns.
    pub short_kernel_api_ns: i64,
}

/// `gaps.csv`: the largest idle gaps per device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GapRow {
    /// CUDA device ordinal.
    pub device: i64,
    /// 1 = largest.
    pub rank: u32,
    /// Gap start (end of the op before), ns.
    pub start_ns: i64,
    /// Gap end (start of the op after), ns.
    pub end_ns: i64,
    /// Gap length, ns.
    pub gap_ns: i64,
    /// Name of the op that ended before the gap.
    pub before: String,
    /// Name of the op that started after the gap.
    pub after: String,
}

/// Headline figures of one analysis.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Kernel executions.
    pub kernels: u64,
    /// Distinct kernel names.
    pub kernel_names: u64,
    /// Summed kernel time, ns.
    pub kernel_ns: i64,
    /// memcpy/memset operations.
    pub memops: u64,
    /// Summed memcpy/memset time, ns.
    pub memop_ns: i64,
    /// NVTX range instances.
    pub nvtx_ranges: u64,
    /// Kernel executions whose launch call was found.
    pub kernels_with_launch: u64,
    /// Kernel time launched inside at least one NVTX range, ns.
    pub attributed_ns: i64,
    /// `attributed_ns / kernel_ns`, %.
    pub attributed_pct: f64,
    /// Phase names found in the NVTX ranges (e.g. prefill, decode).
    pub phases: Vec<String>,
}

/// Everything `analyze` produces, as written to `tables.json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Tables {
    /// Version of this layout.
    pub schema: u32,
    /// What was analyzed: `nsys` (an export, maybe with ncu data) or `ncu` (Nsight Compute data alone).
    #[serde(default = "default_input_kind")]
    pub input_kind: String,
    /// About the input export.
    pub info: TraceInfo,
    /// Headline figures.
    pub summary: Summary,
    /// `kernels.csv`.
    pub kernels: Vec<KernelRow>,
    /// `nvtx_ranges.csv`.
    pub nvtx_ranges: Vec<RangeRow>,
    /// `classes.csv`.
    pub classes: Vec<ClassRow>,
    /// `memory.csv`.
    pub memory: Vec<MemoryRow>,
    /// `timeline.csv`.
    pub timeline: Vec<TimelineRow>,
    /// `gaps.csv`.
    pub gaps: Vec<GapRow>,
    /// `ncu_kernels.csv` (when ncu data was given).
    #[serde(default)]
    pub ncu_kernels: Vec<crate::ncu::kernels::NcuKernelRow>,
    /// `ncu_phases.csv` (when ncu data was joined to an nsys export).
    #[serde(default)]
    pub ncu_phases: Vec<crate::ncu::join::PhaseBoundRow>,
    /// Notes about the ncu input.
    #[serde(default)]
    pub ncu_notes: Vec<String>,
    /// `ncu_metrics.csv` (and `.parquet`): every metric of every launch. Not in `tables.json` (tens of
    /// thousands of rows for a `--set full` report); the CSV and Parquet files hold it.
    #[serde(skip)]
    pub ncu_metrics: Vec<crate::ncu::kernels::NcuMetricRow>,
    /// `traffic.csv`: memory traffic per phase.
    #[serde(default)]
    pub traffic: Vec<crate::traffic::TrafficRow>,
}

fn default_input_kind() -> String {
    "nsys".into()
}

/// Current layout version of [`Tables`].
pub const TABLES_SCHEMA: u32 = 1;

/// Rounds to one decimal, as `nsys stats` prints ns statistics.
pub fn r1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Rounds to two decimals.
pub fn r2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}
