//! The analysis tables: everything `analyze` writes, as `tables.json` holds it ([`Tables`]), and one module per
//! output table ([`crate::table!`] declares its columns; [`crate::table::visit`] lists them). Times are integer
//! nanoseconds, sizes integer bytes; derived ratios are rounded floats (ns statistics to 0.1 ns like
//! `nsys stats`, percentages and rates to 0.01). Column names are a contract with users' scripts: change them
//! only by adding columns.

use serde::{Deserialize, Serialize};

mod classes;
mod gaps;
mod kernels;
mod memory;
mod ncu_kernels;
mod ncu_metrics;
mod ncu_phases;
mod nvtx_ranges;
mod points;
mod step_summary;
mod steps;
mod timeline;
mod traffic;

pub use classes::ClassRow;
pub use gaps::GapRow;
pub use kernels::KernelRow;
pub use memory::MemoryRow;
pub use ncu_kernels::NcuKernelRow;
pub use ncu_metrics::NcuMetricRow;
pub use ncu_phases::PhaseBoundRow;
pub use nvtx_ranges::RangeRow;
pub use points::PointRow;
pub use step_summary::StepSummaryRow;
pub use steps::StepRow;
pub use timeline::TimelineRow;
pub use traffic::TrafficRow;

/// One GPU from `TARGET_INFO_GPU`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct GpuInfo {
    /// CUDA device ordinal (`cuDevice`, else `id`).
    pub device: i64,
    /// Marketing name.
    pub name: String,
    /// Peak DRAM bandwidth, bytes/s (0 when unknown).
    pub memory_bandwidth_bps: i64,
    /// SM count (0 when unknown).
    pub sm_count: i64,
    /// Total memory, bytes (0 when unknown).
    pub total_memory_bytes: i64,
    /// Compute capability "major.minor" ("" when unknown).
    pub compute_capability: String,
}

/// What is known about the export itself.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct TraceInfo {
    /// Path of the analyzed file.
    pub file: String,
    /// nsys product version (`EXPORT_PRODUCT_VERSION`), "unknown" when the export has no metadata table.
    pub nsys_version: String,
    /// Export schema version, "unknown" when absent.
    pub schema_version: String,
    /// GPUs of the target.
    pub gpus: Vec<GpuInfo>,
    /// Names of the activity tables present.
    pub tables: Vec<String>,
    /// Remarks about suspect data (open ranges, API calls missing, ...), for the report.
    pub notes: Vec<String>,
    /// Nsight Compute version (from a `.ncu-rep`'s session details), "" otherwise.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub ncu_version: String,
    /// CUDA version of the profiled session (`.ncu-rep`), "" otherwise.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub cuda_version: String,
    /// Display driver version of the profiled session (`.ncu-rep`), "" otherwise.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub driver_version: String,
    /// The profiler's command line (`.ncu-rep`), "" otherwise.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub command_line: String,
    /// Format and versions of an input that is not an nsys export ("PyTorch profiler (Kineto) trace,
    /// schemaVersion 1, CUPTI 22, CUDA runtime 12.4, CUDA driver 12.9"), "" for nsys exports.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub source: String,
    /// Rank of the traced process in a distributed job (a PyTorch-profiler trace's `distributedInfo`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rank: Option<i64>,
    /// Number of ranks of that job.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub world_size: Option<i64>,
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
    pub ncu_kernels: Vec<NcuKernelRow>,
    /// `ncu_phases.csv` (when ncu data was joined to an nsys export).
    #[serde(default)]
    pub ncu_phases: Vec<PhaseBoundRow>,
    /// Notes about the ncu input.
    #[serde(default)]
    pub ncu_notes: Vec<String>,
    /// `ncu_metrics.csv` (and `.parquet`): every metric of every launch. Not in `tables.json` (tens of
    /// thousands of rows for a `--set full` report); the CSV and Parquet files hold it.
    #[serde(skip)]
    pub ncu_metrics: Vec<NcuMetricRow>,
    /// `traffic.csv`: memory traffic per phase.
    #[serde(default)]
    pub traffic: Vec<TrafficRow>,
    /// `steps.csv`: one row per prefill / decode step instance.
    #[serde(default)]
    pub steps: Vec<StepRow>,
    /// `step_summary.csv`: per point and phase, where a step's time goes and what bounds it.
    #[serde(default)]
    pub step_summary: Vec<StepSummaryRow>,
    /// `points.csv`: per sweep point and phase, the step summary per step and per token beside the unprofiled
    /// sweep.
    #[serde(default)]
    pub points: Vec<PointRow>,
}

/// [`Tables::input_kind`] of an nsys export (maybe with ncu data joined).
pub const INPUT_NSYS: &str = "nsys";

/// [`Tables::input_kind`] of Nsight Compute data alone.
pub const INPUT_NCU: &str = "ncu";
/// [`Tables::input_kind`] of a PyTorch-profiler (Kineto) trace.
pub const INPUT_KINETO: &str = "pytorch-profiler";

fn default_input_kind() -> String {
    INPUT_NSYS.into()
}

impl Tables {
    /// True when the input was Nsight Compute data alone (only the ncu tables exist).
    pub fn is_ncu_only(&self) -> bool {
        self.input_kind == INPUT_NCU
    }
}

/// The kernel classes of the per-class busy columns (`busy_<class>_ns`), in column order.
pub const BUSY_CLASSES: [&str; 12] = ["gemm", "attention", "normalization", "elementwise", "softmax", "reduction", "rotary", "copy_cast", "memory", "communication", "graph", "other"];

/// The per-class busy columns of a row (`busy_<class>_ns`, in [`BUSY_CLASSES`] order), declared once for the
/// three tables that have them.
macro_rules! class_busy {
    ($($row:ty => $v:ty),+) => { $(
        impl $row {
            /// Sets every `busy_<class>_ns`, in [`BUSY_CLASSES`] order.
            pub fn set_class_busy(&mut self, v: [$v; 12]) {
                [self.busy_gemm_ns, self.busy_attention_ns, self.busy_normalization_ns, self.busy_elementwise_ns, self.busy_softmax_ns, self.busy_reduction_ns, self.busy_rotary_ns, self.busy_copy_cast_ns, self.busy_memory_ns, self.busy_communication_ns, self.busy_graph_ns, self.busy_other_ns] = v;
            }

            /// (class, `busy_<class>_ns`) for every class, in [`BUSY_CLASSES`] order.
            pub fn class_busy(&self) -> [(&'static str, $v); 12] {
                [("gemm", self.busy_gemm_ns), ("attention", self.busy_attention_ns), ("normalization", self.busy_normalization_ns), ("elementwise", self.busy_elementwise_ns), ("softmax", self.busy_softmax_ns), ("reduction", self.busy_reduction_ns), ("rotary", self.busy_rotary_ns), ("copy_cast", self.busy_copy_cast_ns), ("memory", self.busy_memory_ns), ("communication", self.busy_communication_ns), ("graph", self.busy_graph_ns), ("other", self.busy_other_ns)]
            }
        }
    )+ };
}
class_busy!(StepRow => i64, StepSummaryRow => f64, PointRow => f64);

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
