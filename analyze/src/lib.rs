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
//! One analysis per module, each producing one documented table ([`tables`]):
//! [`kernels`] (`kernels.csv`), [`nvtx`] (`nvtx_ranges.csv`), [`classes`] (`classes.csv`), [`memory`]
//! (`memory.csv`), [`timeline`] (`timeline.csv`, `gaps.csv`). All of them share one launch [`attribution`]
//! (GPU op → API call → NVTX ranges), built once per trace.
#![deny(missing_docs)]

pub mod attribution;
pub mod bench;
pub mod classes;
pub mod classify;
mod correlate;
mod dense;
pub mod directio;
pub mod error;
pub mod fsutil;
pub mod kernels;
pub mod memory;
pub mod ncu;
pub mod nvtx;
mod parscan;
pub mod stats;
pub mod timeline;
pub mod traffic;
pub mod trace;
pub mod write;

use std::path::Path;

pub use error::{AnalyzeError, Result};
pub use fsutil::{read_tables, write_atomic};
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
    /// What the model config predicts (from a capture's sweep CSV), for `traffic.csv`. Default is none.
    pub model: Option<traffic::ModelBytes>,
}

impl Default for Options {
    fn default() -> Self {
        Options { phases: vec!["prefill".into(), "decode".into()], model: None }
    }
}

/// Runs every analysis on a loaded trace.
pub fn analyze_trace(trace: &trace::Trace, opts: &Options) -> Tables {
    analyze_trace_with_ncu(trace, opts, None)
}

/// Runs every analysis on a loaded trace, joining ncu data of the same run when given.
pub fn analyze_trace_with_ncu(trace: &trace::Trace, opts: &Options, ncu: Option<(&str, &ncu::csv::NcuFile)>) -> Tables {
    let attr = attribution::Attribution::build(trace, &opts.phases);
    analyze_attributed(trace, &attr, opts, ncu)
}

/// Runs every analysis on a trace whose ops are already attributed (from [`trace::load_attributed`] or
/// [`attribution::Attribution::build`] with `opts.phases`), joining ncu data of the same run when given.
pub fn analyze_attributed(
    trace: &trace::Trace,
    attr: &attribution::Attribution,
    opts: &Options,
    ncu: Option<(&str, &ncu::csv::NcuFile)>,
) -> Tables {
    // ncu rows first (the traffic table reads them).
    let mut ncu_rows = Vec::new();
    let mut ncu_phases = Vec::new();
    if let Some((name, file)) = ncu {
        let peak = trace.info.gpus.iter().map(|g| g.memory_bandwidth_bps as f64).find(|&b| b > 0.0);
        ncu_rows = ncu::kernels::kernel_rows(name, file, peak);
        ncu_phases = ncu::join::join(&mut ncu_rows, trace, attr);
    }
    // The per-op passes are independent: the timeline (the largest) runs on a second thread.
    let n_kernels = trace.kernels.len();
    let ((kernels, classes, memory, traffic, summary), (nvtx_ranges, (timeline, gaps))) = std::thread::scope(|s| {
        let h = s.spawn(|| (nvtx::range_table(attr), timeline::timeline_tables(trace, attr)));
        let traffic = if trace.n_ops() > 0 { traffic::traffic_table(trace, attr, &ncu_rows, opts.model) } else { Vec::new() };
        // Sums in 128 bits, clamped: no count of rows can make them wrap.
        let clamp = |v: i128| v.clamp(i64::MIN as i128, i64::MAX as i128) as i64;
        let kernel_ns = clamp(trace.kernels.iter().map(|k| (k.end - k.start) as i128).sum());
        let attributed_ns =
            clamp(trace.kernels.iter().enumerate().filter(|(i, _)| attr.attributed(*i)).map(|(_, k)| (k.end - k.start) as i128).sum());
        let summary = tables::Summary {
            kernels: n_kernels as u64,
            kernel_names: {
                let mut seen = vec![false; trace.names.len()];
                trace.kernels.iter().filter(|k| !std::mem::replace(&mut seen[k.name as usize], true)).count() as u64
            },
            kernel_ns,
            memops: trace.memops.len() as u64,
            memop_ns: clamp(trace.memops.iter().map(|m| (m.end - m.start) as i128).sum()),
            nvtx_ranges: attr.range_instances,
            kernels_with_launch: attr.launch[..n_kernels].iter().filter(|&&l| l != attribution::NONE).count() as u64,
            attributed_ns,
            attributed_pct: tables::r2(stats::pct(attributed_ns as i128, kernel_ns as i128)),
            phases: attr.phases_found.clone(),
        };
        let here = (kernels::kernel_table(trace), classes::class_table(trace, attr, &opts.phases), memory::memory_table(trace), traffic, summary);
        (here, h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
    });
    let mut info = trace.info.clone();
    let missing = n_kernels as u64 - summary.kernels_with_launch;
    if missing > 0 && trace.api_rows > 0 {
        info.notes.push(format!(
            "{missing} of {n_kernels} kernel(s) have no matching CUDA API call (same correlationId and process); they count in every table but cannot be attributed to NVTX ranges"
        ));
    }
    let mut t = Tables { schema: tables::TABLES_SCHEMA, input_kind: "nsys".into(), info, summary, kernels, nvtx_ranges, classes, memory, timeline, gaps, traffic, ..Default::default() };
    if let Some((_, file)) = ncu {
        set_session_info(&mut t.info, file);
        t.ncu_phases = ncu_phases;
        t.ncu_kernels = ncu_rows;
        t.ncu_metrics = ncu::kernels::metric_rows(file);
        t.ncu_notes = file.notes.clone();
    }
    t
}

/// Analyzes ncu data alone (no nsys export): `ncu_kernels` and `ncu_metrics`, and a `.ncu-rep`'s session details
/// (GPU names, versions, command line) in `info`.
pub fn analyze_ncu(name: &str, file: &ncu::csv::NcuFile) -> Tables {
    let mut t = Tables { schema: tables::TABLES_SCHEMA, input_kind: "ncu".into(), ..Default::default() };
    t.info.file = name.to_string();
    t.info.nsys_version = "n/a (Nsight Compute input)".into();
    t.info.schema_version = "n/a".into();
    set_session_info(&mut t.info, file);
    t.ncu_kernels = ncu::kernels::kernel_rows(name, file, None);
    t.ncu_metrics = ncu::kernels::metric_rows(file);
    t.ncu_notes = file.notes.clone();
    t
}

/// Copies the session details of a `.ncu-rep` into `info` (GPUs only when the export named none).
fn set_session_info(info: &mut trace::TraceInfo, file: &ncu::csv::NcuFile) {
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
            .map(|(i, n)| trace::GpuInfo { device: i as i64, name: n.clone(), memory_bandwidth_bps: 0, sm_count: 0, total_memory_bytes: 0, compute_capability: String::new() })
            .collect();
    }
}

/// Loads and analyzes the nsys SQLite export at `path`.
pub fn analyze_file(path: &Path, opts: &Options) -> Result<Tables> {
    let (trace, attr) = trace::load_attributed(path, &opts.phases)?;
    Ok(analyze_attributed(&trace, &attr, opts, None))
}
