//! Command-line arguments (clap derive), one file per subcommand, each turned into a validated plain config
//! (`into_config`) before any work starts; the commands themselves are in `crate::commands`.

pub mod analyze;
pub mod bench;
pub mod capture;
pub mod diff;
pub mod report;

use clap::{Parser, Subcommand, ValueEnum};

pub use self::analyze::{AnalyzeArgs, AnalyzeConfig};
pub use self::bench::BenchCommand;
pub use self::capture::{CaptureArgs, SweepArgs};
pub use self::report::ReportArgs;

/// Explains where LLM inference time goes on a GPU: analyzes Nsight Systems exports and attributes GPU time to
/// kernels, kernel classes, NVTX ranges (prefill vs decode), memory operations and idle time.
#[derive(Debug, Parser)]
#[command(name = "latency-anatomy", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Analyze an nsys export (.sqlite) or report (.nsys-rep/.qdrep, converted with `nsys export`).
    ///
    /// Writes kernels.csv, nvtx_ranges.csv, classes.csv, memory.csv, timeline.csv, gaps.csv, tables.json and
    /// report.md into the output folder and prints a short summary. The input file is never modified.
    #[command(after_help = "Manual: docs/analyze.md (tables: docs/tables.md, rules: docs/attribution.md)")]
    Analyze(AnalyzeArgs),
    /// Re-render reports from files alone: a capture run's index.md, sweep.md (tables, figures, findings),
    /// attribution reports with charts and the regime comparison; or one analysis folder's report.md.
    #[command(after_help = "Manual: docs/report.md")]
    Report(ReportArgs),
    /// Measure a Qwen2-family model over prompt lengths and batch sizes (the seed-compatible sweep).
    ///
    /// Each configuration runs `--warmup` unmeasured and `--reps` measured request batches (prefill plus
    /// `--gen-tokens` decode steps) under NVTX ranges, and appends one row to the CSV as soon as it finishes.
    #[command(after_help = "Manual: docs/capture.md#latency-anatomy-sweep--the-measurement-engine (columns: docs/tables.md)")]
    Sweep(SweepArgs),
    /// The one command: both regimes, nsys and ncu on the canonical points, and the analysis of the exports.
    ///
    /// Writes everything into results/<run-id>/ with a manifest.json rewritten after every step. Missing
    /// profilers are reported at the start and skipped; the sweeps always run.
    #[command(after_help = "Manual: docs/capture.md")]
    Capture(CaptureArgs),
    /// Compare two captures (exports, .nsys-rep or analysis folders) per kernel, class, phase and step, with a
    /// comparability check and a verdict; `--gate PCT` makes the exit code fail a CI job on a slowdown.
    ///
    /// Writes diff.md, diff.csv and diff.json. Exit codes with --gate: 0 not slower by more than PCT, 3 slower,
    /// 4 incomparable.
    #[command(after_help = "Manual: docs/diff.md")]
    Diff(diff::DiffArgs),
    /// Benchmarks: build large exports by tiling a real one, and time the analysis against the bare scan.
    #[command(subcommand, after_help = "Manual: docs/performance.md")]
    Bench(BenchCommand),
}

/// Analysis options from `--phases` (blank names dropped) and `--step-pattern` (checked), the rest default.
pub(crate) fn marked_options(phases: Vec<String>, step_pattern: &str) -> anyhow::Result<::analyze::Options> {
    let mut options = ::analyze::Options::default();
    options.phases = phases.into_iter().map(|p| p.trim().to_string()).filter(|p| !p.is_empty()).collect();
    options.step_pattern = schema::phase::StepPattern::new(step_pattern).map_err(|e| anyhow::anyhow!("--step-pattern: {e}"))?;
    Ok(options)
}

/// How exports are read (see `analyze::read::directio`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum IoArg {
    /// Direct reads for a large file not in the page cache, the page cache otherwise.
    Auto,
    /// Direct reads (O_DIRECT), bypassing the page cache.
    Direct,
    /// Reads through the page cache.
    Buffered,
}

impl IoArg {
    /// The library's read mode.
    pub fn mode(self) -> ::analyze::read::directio::ReadMode {
        match self {
            IoArg::Auto => ::analyze::read::directio::ReadMode::Auto,
            IoArg::Direct => ::analyze::read::directio::ReadMode::Direct,
            IoArg::Buffered => ::analyze::read::directio::ReadMode::Buffered,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn default_out_dir_uses_the_stem() {
        let cli = Cli::try_parse_from(["latency-anatomy", "analyze", "x/report1.sqlite"]).unwrap();
        let Command::Analyze(a) = cli.command else { panic!() };
        let c = a.into_config().unwrap();
        assert_eq!(c.out, std::path::PathBuf::from("results/analysis/report1"));
        assert_eq!(c.options.phases, vec!["prefill", "decode"]);
        assert_eq!(c.formats.len(), 2);
    }
}
