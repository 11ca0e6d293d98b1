//! `bench` arguments.

use std::path::PathBuf;

use clap::Subcommand;

use ::analyze::read::directio::ReadMode;

use super::IoArg;

/// The export `bench analyze` tiles unless told otherwise: PyTorch `emit_nvtx` ranges around a small model, beside
/// the checkout (see `../shared/realdata/SOURCES.md`).
pub const DEFAULT_FROM: &str = "../shared/realdata/MohanadOdema+DLProf/nsys_profile.sqlite";

/// The PyTorch-profiler trace `bench kineto` tiles unless told otherwise: SGLang's 15,360-token prefill on an
/// MI300X (the largest shared trace, with the most Python events per kernel, as serving traces have).
pub const DEFAULT_KINETO: &str = "../shared/realdata/kineto/tracelens_mi300x_sglang_qwen3-8b_extend_15360.json.gz";

/// A size in bytes: a number, optionally followed by K, M or G (powers of 10).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let (num, mul) = match t.chars().last().map(|c| c.to_ascii_uppercase()) {
        Some('K') => (&t[..t.len() - 1], 1e3),
        Some('M') => (&t[..t.len() - 1], 1e6),
        Some('G') => (&t[..t.len() - 1], 1e9),
        _ => (t, 1.0),
    };
    match num.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v * mul < 1e13 => Ok((v * mul).round() as u64),
        _ => Err(format!("'{s}' is not a size (bytes, or a number with K, M or G: 500M, 1G)")),
    }
}

/// `bench` subcommands.
#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Build a large export from a real one by tiling its rows in time (fresh correlation ids per tile).
    MakeTrace {
        /// The real export to tile.
        #[arg(long)]
        from: PathBuf,
        /// Kernel executions wanted (rounded up to whole tiles).
        #[arg(long)]
        kernels: u64,
        /// The export to write (overwritten).
        #[arg(long)]
        out: PathBuf,
    },
    /// For each size: (a) a bare scan of exactly the columns the analysis reads, (b) the full `analyze`; each in
    /// its own process, reporting wall time, CPU time, peak RSS and the ratio b/a.
    Analyze {
        /// The real export to tile (default: the PyTorch emit_nvtx export in ../shared/realdata).
        #[arg(long, default_value = DEFAULT_FROM)]
        from: PathBuf,
        /// Kernel counts to measure.
        #[arg(long, value_delimiter = ',', default_value = "50000,500000,5000000")]
        sizes: Vec<u64>,
        /// Where the generated exports are kept (reused when present).
        #[arg(long, default_value = "results/bench")]
        dir: PathBuf,
        /// Measure with a warm page cache instead of dropping it before every step (dropping needs root; without
        /// it the run says so and measures warm).
        #[arg(long)]
        warm: bool,
        /// Runs of each step per size; the run with the median wall time is reported.
        #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=20))]
        runs: u32,
        /// How both steps read the export (as `analyze --io`).
        #[arg(long, value_enum, default_value = "auto")]
        io: IoArg,
    },
    /// Build a large PyTorch-profiler trace from a real one by repeating its events (shifted in time, fresh
    /// correlation ids per tile) until the JSON holds --bytes bytes; gzip when --out ends in .gz.
    MakeKineto {
        /// The real trace to tile (.json or .json.gz).
        #[arg(long, default_value = DEFAULT_KINETO)]
        from: PathBuf,
        /// Uncompressed JSON size wanted: bytes, or with a unit (500M, 1G; powers of 10).
        #[arg(long, value_parser = parse_size)]
        bytes: u64,
        /// The trace to write (overwritten).
        #[arg(long)]
        out: PathBuf,
        /// Also write what was built (tiles, events, JSON bytes) as JSON to this file.
        #[arg(long)]
        stats: Option<PathBuf>,
    },
    /// For each size of a tiled PyTorch-profiler trace (.json.gz): `gzip -dc FILE > /dev/null` (the floor of any
    /// reader), the full `analyze`, and with --hta Holistic Trace Analysis' `TraceAnalysis(trace_dir=…)` load;
    /// each in its own process, reporting wall time, CPU time, peak RSS and the ratios.
    Kineto {
        /// The real trace to tile.
        #[arg(long, default_value = DEFAULT_KINETO)]
        from: PathBuf,
        /// Uncompressed sizes to measure (500M, 1G, …).
        #[arg(long, value_delimiter = ',', value_parser = parse_size, default_value = "100M,1G")]
        sizes: Vec<u64>,
        /// Where the generated traces are kept (reused when present).
        #[arg(long, default_value = "results/bench")]
        dir: PathBuf,
        /// Runs of each step per size; the run with the median wall time is reported.
        #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=20))]
        runs: u32,
        /// A Python with `holistictraceanalysis` installed: HTA's load is measured too, at sizes up to --hta-max.
        #[arg(long)]
        hta: Option<PathBuf>,
        /// The largest size HTA is run on (it needs many times the trace's size in memory).
        #[arg(long, value_parser = parse_size, default_value = "200M")]
        hta_max: u64,
    },
    /// (internal) Run one measured step in this process and print its figures as JSON.
    #[command(hide = true)]
    RunOne {
        /// `scan` or `analyze`.
        mode: String,
        /// The export.
        file: PathBuf,
        /// Output folder of `analyze`.
        #[arg(long)]
        out: Option<PathBuf>,
        /// How the export is read (as `analyze --io`).
        #[arg(long, value_enum, default_value = "auto")]
        io: IoArg,
    },
}


/// One measured step of `bench analyze`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunMode {
    /// The bare scan of the columns the analysis reads.
    Scan,
    /// The whole `analyze` (tables and report).
    Analyze,
}

impl RunMode {
    /// The name `run-one` takes.
    pub fn name(self) -> &'static str {
        match self {
            RunMode::Scan => "scan",
            RunMode::Analyze => "analyze",
        }
    }
}

/// Validated `bench` configuration.
#[derive(Debug)]
pub enum BenchConfig {
    /// See [`BenchCommand::MakeTrace`].
    MakeTrace { from: PathBuf, kernels: u64, out: PathBuf },
    /// See [`BenchCommand::Analyze`].
    Analyze { from: PathBuf, sizes: Vec<u64>, dir: PathBuf, warm: bool, runs: u32, io: ReadMode },
    /// See [`BenchCommand::RunOne`].
    RunOne { mode: RunMode, file: PathBuf, out: PathBuf, io: ReadMode },
    /// See [`BenchCommand::MakeKineto`].
    MakeKineto { from: PathBuf, bytes: u64, out: PathBuf, stats: Option<PathBuf> },
    /// See [`BenchCommand::Kineto`].
    Kineto { from: PathBuf, sizes: Vec<u64>, dir: PathBuf, runs: u32, hta: Option<PathBuf>, hta_max: u64 },
}

impl BenchCommand {
    /// Checks the arguments and fills in defaults.
    pub fn into_config(self) -> anyhow::Result<BenchConfig> {
        Ok(match self {
            // make_trace checks its own arguments (`--kernels 0`, `--out` the same file as `--from`).
            BenchCommand::MakeTrace { from, kernels, out } => BenchConfig::MakeTrace { from, kernels, out },
            BenchCommand::Analyze { from, sizes, dir, warm, runs, io } => {
                if let Some(z) = sizes.iter().find(|&&n| n == 0) {
                    anyhow::bail!("--sizes {z}: every size must be at least 1 kernel");
                }
                BenchConfig::Analyze { from, sizes, dir, warm, runs, io: io.mode() }
            }
            BenchCommand::MakeKineto { from, bytes, out, stats } => BenchConfig::MakeKineto { from, bytes, out, stats },
            BenchCommand::Kineto { from, sizes, dir, runs, hta, hta_max } => BenchConfig::Kineto { from, sizes, dir, runs, hta, hta_max },
            BenchCommand::RunOne { mode, file, out, io } => {
                let mode = match mode.as_str() {
                    "scan" => RunMode::Scan,
                    "analyze" => RunMode::Analyze,
                    other => anyhow::bail!("run-one: unknown mode {other:?} (scan or analyze)"),
                };
                let out = out.unwrap_or_else(|| std::env::temp_dir().join("latency-anatomy-bench"));
                BenchConfig::RunOne { mode, file, out, io: io.mode() }
            }
        })
    }
}
