//! # latency-anatomy-analyze
//!
//! Reads an Nsight Systems SQLite export (`nsys export --type sqlite report.nsys-rep`) and attributes GPU time
//! to kernels, kernel classes, NVTX ranges (prefill vs decode) and memory operations.
//!
//! ```no_run
//! use latency_anatomy_analyze::{analyze_file, write_tables, Options, Format};
//! let tables = analyze_file("report.sqlite".as_ref(), &Options::default())?;
//! println!("{} kernels, {:.1}% of kernel time inside NVTX ranges", tables.summary.kernels, tables.summary.attributed_pct);
//! write_tables(&tables, "out".as_ref(), &[Format::Csv, Format::Json])?;
//! # Ok::<(), latency_anatomy_analyze::AnalyzeError>(())
//! ```
//!
//! The crate in layers, each importing only those above it in this list:
//! - [`model`]: the data model of a loaded trace (the leaf);
//! - [`read`]: one reader per input format ([`read::nsys`], [`read::ncu`], [`read::kineto`]) into the model;
//! - [`passes`]: one analysis per file, each producing its registered table (columns declared in
//!   `schema::tables`, one module per table);
//! - [`pipeline`]: reading and attribution interleaved for large exports;
//! - [`mod@write`]: the tables as CSV, Parquet and `tables.json`, from the registry;
//! - this facade: [`analyze_file`], [`analyze_attributed`], [`analyze_ncu`]; and [`diff`], which compares the
//!   tables of two analyses.
#![deny(missing_docs)]

pub mod bench;
pub mod diff;
pub mod error;
pub mod fsutil;
pub mod model;
pub mod passes;
pub mod pipeline;
pub mod read;
pub mod stats;
pub mod write;

use std::path::Path;

use model::Trace;
use passes::attribution::Attribution;
use passes::{classes, kernels, memory, ncu_kernels, ncu_phases, nvtx, steps, summary, timeline, traffic};
use read::ncu::csv::NcuFile;

pub use error::{AnalyzeError, Result};
pub use fsutil::write_atomic;
/// The analysis tables: declared in the `schema` crate, the contract every stage shares.
pub use schema::tables;
pub use schema::Tables;
pub use write::{check_output_dir, output_files, write_tables, write_tables_as, Format};

/// Options of an analysis.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Options {
    /// NVTX range names that mark phases; kernels are assigned to the innermost enclosing phase range.
    /// Default is `["prefill", "decode"]`.
    pub phases: Vec<String>,
    /// What the model config predicts for each configuration the trace ran (from a capture's sweep CSV), for
    /// `traffic.csv` and the steps' HBM floor. Default is none.
    pub models: Vec<passes::traffic::ModelBytes>,
    /// How the export is read (see [`read::directio`]); the tables do not depend on it. Default is
    /// [`ReadMode::Auto`](read::directio::ReadMode::Auto).
    pub io: read::directio::ReadMode,
    /// Rows of the unprofiled sweep (the capture's `seq_sweep.csv`, `batch_sweep.csv`), for `points.csv`'s
    /// overhead ratio. Default is none.
    pub unprofiled: Vec<schema::SweepRow>,
    /// Glob naming the step ranges of `steps.csv` (see [`schema::phase::StepPattern`]). Default `step_*`.
    pub step_pattern: schema::phase::StepPattern,
    /// Peak DRAM bandwidth of every GPU of the trace, GB/s (10⁹ B/s), replacing what the trace or the table of
    /// known GPUs says (`--peak-gb-s`). Default none.
    pub peak_gb_s: Option<f64>,
}

impl Options {
    /// The phases and step pattern, as the attribution takes them.
    pub fn marks(&self) -> schema::phase::Marks {
        schema::phase::Marks { phases: self.phases.clone(), steps: self.step_pattern.clone() }
    }
}

impl Default for Options {
    fn default() -> Self {
        Options { phases: schema::phase::DEFAULT_PHASES.map(String::from).to_vec(), models: Vec::new(), unprofiled: Vec::new(), io: Default::default(), step_pattern: Default::default(), peak_gb_s: None }
    }
}

/// Runs every analysis on a loaded trace.
pub fn analyze_trace(trace: &Trace, opts: &Options) -> Tables {
    analyze_trace_with_ncu(trace, opts, None)
}

/// Runs every analysis on a loaded trace, joining ncu data of the same run when given.
pub fn analyze_trace_with_ncu(trace: &Trace, opts: &Options, ncu: Option<(&str, &NcuFile)>) -> Tables {
    let attr = Attribution::build(trace, &opts.marks());
    analyze_attributed(trace, &attr, opts, ncu)
}

/// Runs every analysis on a trace whose ops are already attributed (from [`pipeline::load_attributed`] or
/// [`Attribution::build`] with `opts.marks()`), joining ncu data of the same run when given.
pub fn analyze_attributed(
    trace: &Trace,
    attr: &Attribution,
    opts: &Options,
    ncu: Option<(&str, &NcuFile)>,
) -> Tables {
    // ncu rows first (the traffic table reads them).
    let mut ncu_rows = Vec::new();
    let mut ncu_phases = Vec::new();
    if let Some((name, file)) = ncu {
        let peak = trace.info.gpus.iter().map(|g| g.memory_bandwidth_bps as f64).find(|&b| b > 0.0);
        ncu_rows = ncu_kernels::kernel_rows(name, file, peak);
        ncu_phases = ncu_phases::join(&mut ncu_rows, trace, attr);
    }
    // The per-op passes are independent: the timeline (the largest) runs on a second thread.
    let n_kernels = trace.kernels.len();
    let ((kernels, classes, memory, traffic, summary), (nvtx_ranges, (timeline, gaps))) = std::thread::scope(|s| {
        let h = s.spawn(|| (nvtx::range_table(attr), timeline::timeline_tables(trace, attr)));
        let traffic = if trace.n_ops() > 0 { traffic::traffic_table(trace, attr, &ncu_rows, &opts.models) } else { Vec::new() };
        let summary = summary::summary(trace, attr);
        let here = (kernels::kernel_table(trace), classes::class_table(trace, attr, &opts.phases), memory::memory_table(trace), traffic, summary);
        (here, h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
    });
    let peak_bps = traffic::peak_bps(trace, &ncu_rows);
    let (steps, step_summary) = steps::step_tables(trace, attr, &opts.phases, &opts.models, peak_bps, &ncu_phases);
    let points = passes::points::point_rows(&steps, &step_summary, &opts.unprofiled);
    let mut info = trace.info.clone();
    let missing = n_kernels as u64 - summary.kernels_with_launch;
    if missing > 0 && trace.api_rows > 0 {
        info.notes.push(format!(
            "{missing} of {n_kernels} kernel(s) have no matching CUDA API call (same correlationId and process); they count in every table but cannot be attributed to NVTX ranges"
        ));
    }
    let mut t = Tables { schema: tables::TABLES_SCHEMA, input_kind: tables::INPUT_NSYS.into(), info, summary, kernels, nvtx_ranges, classes, memory, timeline, gaps, traffic, steps, step_summary, points, ..Default::default() };
    if let Some((_, file)) = ncu {
        set_session_info(&mut t.info, file);
        t.ncu_phases = ncu_phases;
        t.ncu_kernels = ncu_rows;
        t.ncu_metrics = ncu_kernels::metric_rows(file);
        t.ncu_notes = file.notes.clone();
    }
    t
}

/// Analyzes ncu data alone (no nsys export): `ncu_kernels` and `ncu_metrics`, and a `.ncu-rep`'s session details
/// (GPU names, versions, command line) in `info`.
pub fn analyze_ncu(name: &str, file: &NcuFile) -> Tables {
    let mut t = Tables { schema: tables::TABLES_SCHEMA, input_kind: tables::INPUT_NCU.into(), ..Default::default() };
    t.info.file = name.to_string();
    t.info.nsys_version = "n/a (Nsight Compute input)".into();
    t.info.schema_version = "n/a".into();
    set_session_info(&mut t.info, file);
    t.ncu_kernels = ncu_kernels::kernel_rows(name, file, None);
    t.ncu_metrics = ncu_kernels::metric_rows(file);
    t.ncu_notes = file.notes.clone();
    t
}

/// Copies the session details of a `.ncu-rep` into `info` (GPUs only when the export named none).
fn set_session_info(info: &mut schema::TraceInfo, file: &NcuFile) {
    let Some(s) = &file.session else { return };
    info.ncu_version = s.ncu_version();
    info.cuda_version = s.version("CUDA Version");
    info.driver_version = s.version("Display Driver Version");
    info.command_line = s.command_line.clone();
    if info.gpus.is_empty() {
        info.gpus = s
            .gpus
            .iter()
            .enumerate()
            .map(|(i, n)| schema::GpuInfo { device: i as i64, name: n.clone(), memory_bandwidth_bps: 0, sm_count: 0, total_memory_bytes: 0, compute_capability: String::new() })
            .collect();
    }
}

/// Sets every GPU's peak DRAM bandwidth to `opts.peak_gb_s` when given (with a note), before the analysis.
pub fn apply_peak(trace: &mut Trace, opts: &Options) {
    let Some(gb_s) = opts.peak_gb_s else { return };
    for g in &mut trace.info.gpus {
        g.memory_bandwidth_bps = (gb_s * 1e9).round() as i64;
    }
    trace.info.notes.push(format!("peak DRAM bandwidth {gb_s} GB/s for every GPU, as given by --peak-gb-s"));
}

/// Loads and analyzes the nsys SQLite export at `path`.
pub fn analyze_file(path: &Path, opts: &Options) -> Result<Tables> {
    let read = read::nsys::ReadOptions { io: opts.io, ..Default::default() };
    let (mut trace, attr) = pipeline::load_attributed_opts(path, &opts.marks(), &|_| {}, &read)?;
    apply_peak(&mut trace, opts);
    Ok(analyze_attributed(&trace, &attr, opts, None))
}

/// Loads and analyzes the PyTorch-profiler (Kineto) trace at `path` (`.json` or `.json.gz`; see
/// [`read::kineto`]): the same tables as an nsys export, `input_kind` [`tables::INPUT_KINETO`].
pub fn analyze_kineto(path: &Path, opts: &Options, progress: read::nsys::Progress<'_>) -> Result<Tables> {
    let mut trace = read::kineto::load(path, progress)?;
    apply_peak(&mut trace, opts);
    let attr = Attribution::build(&trace, &opts.marks());
    let mut t = analyze_attributed(&trace, &attr, opts, None);
    t.input_kind = tables::INPUT_KINETO.into();
    Ok(t)
}

/// Analyzes any trace input: a PyTorch-profiler trace (told by its content) or an nsys SQLite export.
pub fn analyze_any(path: &Path, opts: &Options) -> Result<Tables> {
    if read::kineto::looks_like_trace(path) {
        return analyze_kineto(path, opts, &|_| {});
    }
    analyze_file(path, opts)
}
