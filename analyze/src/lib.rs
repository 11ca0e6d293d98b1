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
#[cfg(feature = "parquet")]
pub mod parquet;
pub mod stats;
pub mod tables;
pub mod timeline;
pub mod traffic;
pub mod trace;

use std::path::Path;

pub use error::{AnalyzeError, Result};
pub use tables::Tables;

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

/// Output formats of [`write_tables`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One CSV file per table.
    Csv,
    /// `tables.json` with every table.
    Json,
    /// One Parquet file per table (see the `parquet` module; needs the `parquet` feature, on by default).
    Parquet,
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

/// Writes `bytes` to `path` through a temporary file and a rename, so that no half-written file is left
/// looking complete.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    // A name unique to this process and call: two writers of the same file never share a temporary file.
    let tmp = fsutil::temp_beside(path);
    std::fs::write(&tmp, bytes).map_err(|source| {
        let _ = std::fs::remove_file(&tmp);
        AnalyzeError::Write { path: path.to_path_buf(), source }
    })?;
    std::fs::rename(&tmp, path).map_err(|source| {
        let _ = std::fs::remove_file(&tmp);
        AnalyzeError::Write { path: path.to_path_buf(), source }
    })
}

fn csv_bytes<T: serde::Serialize>(rows: &[T], path: &Path, header: &[&str]) -> Result<Vec<u8>> {
    let ser = |e: csv::Error| AnalyzeError::Serialize { path: path.to_path_buf(), detail: e.to_string() };
    let mut w = csv::WriterBuilder::new().has_headers(!rows.is_empty()).from_writer(Vec::new());
    if rows.is_empty() {
        // An empty table still has its header, so scripts can read it.
        w.write_record(header).map_err(ser)?;
    }
    for r in rows {
        w.serialize(r).map_err(ser)?;
    }
    w.into_inner().map_err(|e| AnalyzeError::Serialize { path: path.to_path_buf(), detail: e.to_string() })
}

/// The CSV files [`write_tables`] writes, with their headers.
pub const CSV_FILES: [(&str, &[&str]); 6] = [
    ("kernels.csv", &["device", "name", "short_name", "class", "instances", "total_ns", "pct_gpu_time", "avg_ns", "med_ns", "min_ns", "max_ns", "stddev_ns"]),
    ("nvtx_ranges.csv", &["range", "style", "instances", "cpu_total_ns", "cpu_avg_ns", "gpu_total_ns", "gpu_inclusive_ns", "kernels", "kernels_innermost", "gpu_proj_total_ns", "gpu_proj_instances"]),
    ("classes.csv", &["phase", "class", "instances", "total_ns", "pct_phase_time"]),
    ("memory.csv", &["device", "kind", "operation", "count", "bytes", "total_ns", "avg_ns", "min_ns", "max_ns", "achieved_gb_s", "peak_gb_s"]),
    ("timeline.csv", &["device", "gpu", "kernels", "memops", "first_start_ns", "last_end_ns", "span_ns", "busy_ns", "kernel_busy_ns", "kernel_sum_ns", "memop_sum_ns", "utilization_pct", "idle_ns", "idle_gaps", "largest_gap_ns", "launch_api_ns", "launch_latency_med_ns", "short_kernels", "short_kernel_ns", "short_kernel_api_ns"]),
    ("gaps.csv", &["device", "rank", "start_ns", "end_ns", "gap_ns", "before", "after"]),
];

/// Names of every file [`write_tables`] and the report may write into an output folder (tables in every format,
/// `tables.json`, `report.md`): an input with one of these names in that folder would be overwritten.
pub const OUTPUT_FILES: [&str; 23] = [
    "kernels.csv", "nvtx_ranges.csv", "classes.csv", "memory.csv", "timeline.csv", "gaps.csv", "ncu_kernels.csv", "ncu_phases.csv", "traffic.csv",
    "kernels.parquet", "nvtx_ranges.parquet", "classes.parquet", "memory.parquet", "timeline.parquet", "gaps.parquet", "ncu_kernels.parquet",
    "ncu_phases.parquet", "traffic.parquet", "tables.json", "report.md", "charts", "ncu_metrics.csv", "ncu_metrics.parquet",
];

/// Refuses an output folder in which writing the tables would overwrite one of `inputs`.
pub fn check_output_dir(dir: &Path, inputs: &[&Path]) -> Result<()> {
    for name in OUTPUT_FILES {
        fsutil::refuse_overwrite(&dir.join(name), inputs, "--out (another folder)")?;
    }
    Ok(())
}

/// Writes the tables into `dir` (created if needed) in the given formats; the Parquet `trace_id` is the input's
/// file name without extension.
pub fn write_tables(t: &Tables, dir: &Path, formats: &[Format]) -> Result<()> {
    let stem = Path::new(&t.info.file).file_stem().map(|s| s.to_string_lossy().into_owned());
    write_tables_as(t, dir, formats, stem.as_deref().unwrap_or("trace"))
}

/// [`write_tables`] with the `trace_id` of the Parquet tables given. Table files an earlier run left in `dir`
/// that this one does not write (an `ncu_kernels.csv` from a run with `--ncu`, Parquet files from a run with
/// `--format parquet`) are removed, so the folder holds one run's tables; other files are left alone.
pub fn write_tables_as(t: &Tables, dir: &Path, formats: &[Format], trace_id: &str) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|source| AnalyzeError::Write { path: dir.to_path_buf(), source })?;
    let mut written: Vec<String> = Vec::new();
    if formats.contains(&Format::Csv) {
        let nsys_tables: &[(&str, &[&str])] = if t.input_kind == "ncu" { &[] } else { &CSV_FILES };
        for &(file, header) in nsys_tables {
            let path = dir.join(file);
            let bytes = match file {
                "kernels.csv" => csv_bytes(&t.kernels, &path, header)?,
                "nvtx_ranges.csv" => csv_bytes(&t.nvtx_ranges, &path, header)?,
                "classes.csv" => csv_bytes(&t.classes, &path, header)?,
                "memory.csv" => csv_bytes(&t.memory, &path, header)?,
                "timeline.csv" => csv_bytes(&t.timeline, &path, header)?,
                "gaps.csv" => csv_bytes(&t.gaps, &path, header)?,
                other => return Err(AnalyzeError::Serialize { path, detail: format!("no table for {other}") }),
            };
            write_atomic(&path, &bytes)?;
            written.push(file.to_string());
        }
        let optional: [(&str, Option<Vec<u8>>); 4] = [
            ("ncu_kernels.csv", (!t.ncu_kernels.is_empty()).then(|| csv_bytes(&t.ncu_kernels, &dir.join("ncu_kernels.csv"), &[])).transpose()?),
            ("ncu_phases.csv", (!t.ncu_phases.is_empty()).then(|| csv_bytes(&t.ncu_phases, &dir.join("ncu_phases.csv"), &[])).transpose()?),
            ("ncu_metrics.csv", (!t.ncu_metrics.is_empty()).then(|| csv_bytes(&t.ncu_metrics, &dir.join("ncu_metrics.csv"), &[])).transpose()?),
            ("traffic.csv", (!t.traffic.is_empty()).then(|| csv_bytes(&t.traffic, &dir.join("traffic.csv"), &[])).transpose()?),
        ];
        for (file, bytes) in optional {
            if let Some(bytes) = bytes {
                write_atomic(&dir.join(file), &bytes)?;
                written.push(file.to_string());
            }
        }
    }
    if formats.contains(&Format::Parquet) {
        #[cfg(feature = "parquet")]
        written.extend(parquet::write_parquet(t, dir, trace_id)?);
        #[cfg(not(feature = "parquet"))]
        return Err(AnalyzeError::Serialize {
            path: dir.to_path_buf(),
            detail: format!("this build has no Parquet support (trace {trace_id}); build with the `parquet` feature"),
        });
    }
    if formats.contains(&Format::Json) {
        let path = dir.join("tables.json");
        let mut bytes = serde_json::to_vec_pretty(t)
            .map_err(|e| AnalyzeError::Serialize { path: path.clone(), detail: e.to_string() })?;
        bytes.push(b'\n');
        write_atomic(&path, &bytes)?;
        written.push("tables.json".into());
    }
    // Stale tables of an earlier run: removed (regular files with our table names only).
    for name in OUTPUT_FILES.iter().filter(|n| n.ends_with(".csv") || n.ends_with(".parquet") || **n == "tables.json") {
        let path = dir.join(name);
        if !written.iter().any(|w| w == name) && std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) {
            std::fs::remove_file(&path).map_err(|source| AnalyzeError::Write { path, source })?;
        }
    }
    Ok(())
}

/// Reads a `tables.json` written by [`write_tables`].
pub fn read_tables(path: &Path) -> Result<Tables> {
    fsutil::check_input(path)?;
    let bytes = std::fs::read(path).map_err(|source| AnalyzeError::Unreadable { path: path.to_path_buf(), source })?;
    serde_json::from_slice(&bytes).map_err(|e| AnalyzeError::BadInput {
        path: path.to_path_buf(),
        detail: format!(
            "is not a complete tables.json written by `latency-anatomy analyze` ({e}{}); analyze the export again to rewrite it",
            if e.is_eof() { ": the file ends early, it was cut" } else { "" }
        ),
    })
}
