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
    /// The nsys SQLite export (`nsys export --type sqlite`) or a .nsys-rep/.qdrep report; or Nsight Compute
    /// data alone (a .csv from `ncu --csv`, or a .ncu-rep converted with the ncu on PATH).
    pub input: PathBuf,
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
    /// How the export is read: `direct` bypasses the page cache (O_DIRECT, large aligned reads with read-ahead),
    /// `buffered` goes through it, `auto` reads directly a file of 64 MiB or more that is mostly not in the page
    /// cache. Same tables either way.
    #[arg(long, value_enum, default_value = "auto")]
    pub io: IoArg,
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

impl AnalyzeArgs {
    /// Checks the arguments and fills in defaults.
    pub fn into_config(self) -> anyhow::Result<AnalyzeConfig> {
        let stem = self
            .input
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .filter(|s| !s.is_empty())
            .ok_or_else(|| anyhow::anyhow!("'{}' has no file name; give the path of an nsys export", self.input.display()))?;
        let out = self.out.unwrap_or_else(|| PathBuf::from("results").join("analysis").join(&stem));
        let phases: Vec<String> = self.phases.into_iter().map(|p| p.trim().to_string()).filter(|p| !p.is_empty()).collect();
        if self.top == 0 {
            anyhow::bail!("--top must be at least 1");
        }
        let mut options = ::analyze::Options::default();
        options.phases = phases;
        options.io = self.io.mode();
        options.step_pattern = schema::phase::StepPattern::new(&self.step_pattern).map_err(|e| anyhow::anyhow!("--step-pattern: {e}"))?;
        options.models = match &self.sweep_csv {
            Some(p) => ::analyze::passes::traffic::ModelBytes::from_sweep_csv(p)
                .ok_or_else(|| anyhow::anyhow!("--sweep-csv {}: not a sweep CSV of `latency-anatomy sweep` (needs seq_len, batch, gen_tokens, warmup, reps, weights_mb, kv_cache_mb)", p.display()))?,
            None => ::analyze::passes::traffic::ModelBytes::beside(&self.input),
        };
        options.unprofiled = if self.unprofiled_csv.is_empty() {
            schema::sweep::unprofiled_rows_for(&self.input)
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
        Ok(AnalyzeConfig { input: self.input, ncu: self.ncu, out, formats, trace_id, options, top: self.top, quiet: self.quiet, verbose: self.verbose })
    }
}

