//! `analyze` arguments.

use std::path::PathBuf;

use clap::ValueEnum;

use super::IoArg;

/// Table formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// One CSV per table.
    Csv,
    /// tables.json with every table.
    Json,
    /// One Parquet file per table, with `trace_id` (and `gpu`) columns for querying many exports together.
    Parquet,
}

/// `analyze` arguments.
#[derive(Debug, clap::Args)]
pub struct AnalyzeArgs {
    /// The nsys SQLite export (`nsys export --type sqlite`) or a .nsys-rep/.qdrep report; a PyTorch profiler
    /// trace (.json or .json.gz from torch.profiler, vLLM or SGLang; told by its content); or Nsight Compute data
    /// alone (a .csv from `ncu --csv`, or a .ncu-rep). Several inputs, or a folder (every .sqlite, .nsys-rep,
    /// .qdrep, .ncu-rep and trace .json/.json.gz under it), are analyzed each into its own folder under --out,
    /// with fleet.md/fleet.csv.
    #[arg(required = true, num_args = 1..)]
    pub inputs: Vec<PathBuf>,
    /// Nsight Compute data of the same run (CSV pages or .ncu-rep), joined to the nsys kernels; repeat the
    /// flag for several exports of one session (e.g. one CSV per section).
    #[arg(long)]
    pub ncu: Vec<PathBuf>,
    /// Output folder. Default is `results/analysis/<input file stem>/`.
    #[arg(long, short)]
    pub out: Option<PathBuf>,
    /// Table formats to write (comma-separated: csv, json, parquet). report.md is always written.
    #[arg(long, value_delimiter = ',', default_value = "csv,json")]
    pub format: Vec<FormatArg>,
    /// Value of the `trace_id` column of the Parquet tables (default: the input's file name without extension).
    /// Give each export of a fleet a distinct id to query their tables together.
    #[arg(long)]
    pub trace_id: Option<String>,
    /// NVTX range names that mark phases (comma-separated). Default is `prefill,decode`.
    #[arg(long, value_delimiter = ',', default_value = "prefill,decode")]
    pub phases: Vec<String>,
    /// Glob naming the step ranges of `steps.csv` (`*` any run of characters, `?` one; matched against the
    /// range name without its domain, case ignored). Phase ranges holding no step range (`prefill`) are steps
    /// too.
    #[arg(long, default_value = schema::phase::DEFAULT_STEP_PATTERN)]
    pub step_pattern: String,
    /// Rows in the report's top-kernel and top-range tables.
    #[arg(long, default_value_t = 15)]
    pub top: usize,
    /// The capture's sweep CSV of this profiled point, for the bytes the model config predicts. Default: the
    /// `.csv` beside the export when a capture wrote one.
    #[arg(long)]
    pub sweep_csv: Option<PathBuf>,
    /// The unprofiled sweep CSV(s) of the same configurations (a capture's `seq_sweep.csv`, `batch_sweep.csv`),
    /// for `points.csv`'s profiled ÷ unprofiled ratio. Default: those of the capture run holding the export
    /// (`<run>/nsys/<export>` with `<run>/manifest.json`).
    #[arg(long, value_delimiter = ',')]
    pub unprofiled_csv: Vec<PathBuf>,
    /// Do not print the summary.
    #[arg(long, short)]
    pub quiet: bool,
    /// Print each loading step with its timing on stderr (by default only when stderr is a terminal).
    #[arg(long, short)]
    pub verbose: bool,
    /// Many inputs: analyses run at once (default: the number of cores; each reads with fewer threads).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Many inputs: how each input's trace id (its folder under --out, its Parquet partition) is made: `path`
    /// (its path below the folder given, `/` as `+`), `parent` (its folder's name) or `stem` (its file name);
    /// made unique with `-2`, `-3`, … when two inputs would share one.
    #[arg(long, value_enum, default_value = "path")]
    pub trace_id_from: TraceIdFrom,
    /// Many inputs: analyze every input again, even those whose analysis is newer than the input and complete.
    #[arg(long)]
    pub force: bool,
    /// Peak DRAM bandwidth of the GPU(s), GB/s (10⁹ B/s), for traffic.csv and the steps' HBM floor: replaces
    /// what the export records or, for a PyTorch profiler trace (which records none), the table of known GPUs.
    #[arg(long, value_parser = parse_peak)]
    pub peak_gb_s: Option<f64>,
    /// How the export is read: `direct` bypasses the page cache (O_DIRECT, large aligned reads with read-ahead),
    /// `buffered` goes through it, `auto` reads directly a file of 64 MiB or more that is mostly not in the page
    /// cache. Same tables either way.
    #[arg(long, value_enum, default_value = "auto")]
    pub io: IoArg,
}

/// How a fleet input's trace id is made from its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TraceIdFrom {
    /// The path below the folder given (`/` as `+`, extension dropped).
    Path,
    /// The name of the input's folder.
    Parent,
    /// The input's file name without extension.
    Stem,
}

/// One input of a fleet analysis.
#[derive(Debug, Clone)]
pub struct FleetInput {
    pub path: PathBuf,
    pub trace_id: String,
}

/// Validated configuration of an analysis of many inputs.
#[derive(Debug)]
pub struct FleetConfig {
    pub inputs: Vec<FleetInput>,
    pub out: PathBuf,
    pub formats: Vec<::analyze::Format>,
    pub options: ::analyze::Options,
    pub top: usize,
    pub jobs: usize,
    pub force: bool,
    pub quiet: bool,
    /// Things said about the inputs (ids made unique, duplicates skipped).
    pub notes: Vec<String>,
}

/// One input or many.
#[derive(Debug)]
pub enum AnalyzeRun {
    /// One export or ncu input (with its own --out).
    One(AnalyzeConfig),
    /// Several inputs or a folder of them.
    Many(FleetConfig),
}

/// Validated `analyze` configuration.
#[derive(Debug)]
pub struct AnalyzeConfig {
    pub input: PathBuf,
    pub ncu: Vec<PathBuf>,
    pub out: PathBuf,
    pub formats: Vec<::analyze::Format>,
    pub trace_id: String,
    pub options: ::analyze::Options,
    pub top: usize,
    pub quiet: bool,
    pub verbose: bool,
}

/// Input files of a fleet under `dir`: `.sqlite`, `.nsys-rep`, `.qdrep`, `.ncu-rep` (a report beside an export
/// of the same name is left for the export) and PyTorch-profiler traces (`.json`, `.json.gz` whose content holds
/// trace events; other JSON is not an input), sorted; nothing below `skip` (the output folder).
fn inputs_under(dir: &std::path::Path, skip: &std::path::Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let skip_c = skip.canonicalize().ok();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        let meta = std::fs::symlink_metadata(&p)?;
        if meta.is_dir() {
            if skip_c.is_some() && p.canonicalize().ok() == skip_c {
                continue;
            }
            inputs_under(&p, skip, out)?;
        } else if meta.is_file() {
            let ext = p.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
            let report = ext == "nsys-rep" || ext == "qdrep";
            if ((ext == "sqlite" || report || ext == "ncu-rep") && !(report && p.with_extension("sqlite").is_file())) || (::analyze::read::kineto::has_trace_name(&p) && ::analyze::read::kineto::holds_trace_events(&p)) {
                out.push(p);
            }
        }
    }
    Ok(())
}

/// `--peak-gb-s`: a positive finite number of GB/s.
fn parse_peak(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v < 1e6 => Ok(v),
        _ => Err(format!("'{s}' is not a peak bandwidth in GB/s (a positive number such as 3350)")),
    }
}

/// A trace id safe as a folder name: letters, digits, `.`, `_`, `+`, `-`; anything else `_`; no leading `.`.
fn safe_id(s: &str) -> String {
    let t: String = s.chars().map(|c| if c.is_ascii_alphanumeric() || "._+-".contains(c) { c } else { '_' }).collect();
    let t = t.trim_start_matches('.').to_string();
    if t.is_empty() { "trace".into() } else { t }
}

impl AnalyzeArgs {
    /// Checks the arguments: one input (a file) is an ordinary analysis, several or a folder a fleet.
    pub fn into_run(self) -> anyhow::Result<AnalyzeRun> {
        if self.inputs.len() == 1 && !self.inputs[0].is_dir() {
            return self.into_config().map(AnalyzeRun::One);
        }
        if !self.ncu.is_empty() {
            anyhow::bail!("--ncu joins Nsight Compute data to one export; give one input, or put the .ncu-rep files in the folder to analyze them alone");
        }
        if self.trace_id.is_some() {
            anyhow::bail!("--trace-id names one input's trace; with several inputs each gets its own (see --trace-id-from)");
        }
        if self.sweep_csv.is_some() || !self.unprofiled_csv.is_empty() {
            anyhow::bail!("--sweep-csv and --unprofiled-csv describe one export; with several inputs each takes the CSVs beside it");
        }
        let out = self.out.clone().unwrap_or_else(|| PathBuf::from("results").join("analysis"));
        let mut found: Vec<(PathBuf, PathBuf)> = Vec::new();
        for i in &self.inputs {
            if i.is_dir() {
                let mut v = Vec::new();
                inputs_under(i, &out, &mut v).map_err(|e| anyhow::anyhow!("{}: {e}", i.display()))?;
                if v.is_empty() {
                    anyhow::bail!("{}: no .sqlite, .nsys-rep, .qdrep, .ncu-rep or PyTorch profiler .json/.json.gz file under it", i.display());
                }
                found.extend(v.into_iter().map(|p| (i.clone(), p)));
            } else {
                ::analyze::fsutil::check_input(i)?;
                found.push((i.parent().map(|p| p.to_path_buf()).unwrap_or_default(), i.clone()));
            }
        }
        let mut notes = Vec::new();
        let mut inputs: Vec<FleetInput> = Vec::new();
        let mut seen_paths = std::collections::BTreeSet::new();
        let mut used = std::collections::BTreeSet::new();
        for (root, p) in found {
            let canon = p.canonicalize().unwrap_or_else(|_| p.clone());
            if !seen_paths.insert(canon) {
                notes.push(format!("{} is given twice; analyzed once", p.display()));
                continue;
            }
            let rel = p.strip_prefix(&root).unwrap_or(&p);
            let rel = if ::analyze::read::kineto::has_trace_name(rel) { ::analyze::read::kineto::trace_stem(rel) } else { rel.with_extension("") };
            let base = match self.trace_id_from {
                TraceIdFrom::Path => rel.iter().map(|c| c.to_string_lossy().into_owned()).collect::<Vec<_>>().join("+"),
                TraceIdFrom::Parent => p.parent().and_then(|d| d.file_name()).map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
                TraceIdFrom::Stem => rel.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
            };
            let base = safe_id(&base);
            let mut id = base.clone();
            let mut k = 2;
            while !used.insert(id.clone()) {
                id = format!("{base}-{k}");
                k += 1;
            }
            if id != base {
                notes.push(format!("{}: trace id {base} is taken; using {id}", p.display()));
            }
            inputs.push(FleetInput { path: p, trace_id: id });
        }
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
        let jobs = match self.jobs {
            Some(0) => anyhow::bail!("--jobs must be at least 1"),
            Some(j) => j,
            None => cores,
        };
        let (force, quiet, top) = (self.force, self.quiet, self.top);
        let one = self.into_config_for(&out)?;
        Ok(AnalyzeRun::Many(FleetConfig { inputs, out, formats: one.formats, options: one.options, top, jobs, force, quiet, notes }))
    }

    /// The shared options of a fleet, validated as for one input.
    fn into_config_for(mut self, out: &std::path::Path) -> anyhow::Result<AnalyzeConfig> {
        self.inputs.truncate(1);
        self.out = Some(out.to_path_buf());
        // A folder has no file stem of its own: any name does for the shared options.
        if self.inputs[0].is_dir() {
            self.inputs[0] = self.inputs[0].join("fleet");
        }
        self.into_config()
    }

    /// Checks the arguments of one input and fills in defaults.
    pub fn into_config(self) -> anyhow::Result<AnalyzeConfig> {
        let input = self.inputs.into_iter().next().expect("clap requires an input");
        let named = if ::analyze::read::kineto::has_trace_name(&input) { ::analyze::read::kineto::trace_stem(&input).file_name().map(|s| s.to_os_string()) } else { input.file_stem().map(|s| s.to_os_string()) };
        let stem = named
            .map(|s| s.to_string_lossy().into_owned())
            .filter(|s| !s.is_empty())
            .ok_or_else(|| anyhow::anyhow!("'{}' has no file name; give the path of an nsys export", input.display()))?;
        let out = self.out.unwrap_or_else(|| PathBuf::from("results").join("analysis").join(&stem));
        if self.top == 0 {
            anyhow::bail!("--top must be at least 1");
        }
        let mut options = super::marked_options(self.phases, &self.step_pattern)?;
        options.peak_gb_s = self.peak_gb_s;
        options.io = self.io.mode();
        options.models = match &self.sweep_csv {
            Some(p) => ::analyze::passes::traffic::ModelBytes::from_sweep_csv(p)
                .ok_or_else(|| anyhow::anyhow!("--sweep-csv {}: not a sweep CSV of `latency-anatomy sweep` (needs seq_len, batch, gen_tokens, warmup, reps, weights_mb, kv_cache_mb)", p.display()))?,
            None => ::analyze::passes::traffic::ModelBytes::beside(&input),
        };
        options.unprofiled = if self.unprofiled_csv.is_empty() {
            schema::sweep::unprofiled_rows_for(&input)
        } else {
            let mut rows = Vec::new();
            for p in &self.unprofiled_csv {
                rows.extend(schema::sweep::read_rows(p).map_err(|e| anyhow::anyhow!("--unprofiled-csv {e}"))?);
            }
            rows
        };
        let mut formats: Vec<::analyze::Format> = self
            .format
            .iter()
            .map(|f| match f {
                FormatArg::Csv => ::analyze::Format::Csv,
                FormatArg::Json => ::analyze::Format::Json,
                FormatArg::Parquet => ::analyze::Format::Parquet,
            })
            .collect();
        formats.sort_by_key(|f| *f as u8);
        formats.dedup();
        let trace_id = match self.trace_id {
            Some(t) if t.trim().is_empty() => anyhow::bail!("--trace-id must not be empty"),
            Some(t) => t,
            None => stem.clone(),
        };
        Ok(AnalyzeConfig { input, ncu: self.ncu, out, formats, trace_id, options, top: self.top, quiet: self.quiet, verbose: self.verbose })
    }
}

