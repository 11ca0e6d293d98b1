//! Command-line arguments (clap derive), turned into validated plain configs before any work starts.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

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
    Analyze(AnalyzeArgs),
    /// Re-render report.md from the tables.json of an earlier analysis (no trace needed).
    Report(ReportArgs),
}

/// Table formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// One CSV per table.
    Csv,
    /// tables.json with every table.
    Json,
}

/// `analyze` arguments.
#[derive(Debug, clap::Args)]
pub struct AnalyzeArgs {
    /// The nsys SQLite export (`nsys export --type sqlite`) or a .nsys-rep/.qdrep report.
    pub input: PathBuf,
    /// Output folder. Default is `results/analysis/<input file stem>/`.
    #[arg(long, short)]
    pub out: Option<PathBuf>,
    /// Table formats to write (comma-separated). report.md is always written. Default is `csv,json`.
    #[arg(long, value_delimiter = ',', default_value = "csv,json")]
    pub format: Vec<FormatArg>,
    /// NVTX range names that mark phases (comma-separated). Default is `prefill,decode`.
    #[arg(long, value_delimiter = ',', default_value = "prefill,decode")]
    pub phases: Vec<String>,
    /// Rows in the report's top-kernel and top-range tables.
    #[arg(long, default_value_t = 15)]
    pub top: usize,
    /// Do not print the summary.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `report` arguments.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// A folder written by `latency-anatomy analyze` (holding tables.json).
    pub dir: PathBuf,
    /// Rows in the report's top-kernel and top-range tables.
    #[arg(long, default_value_t = 15)]
    pub top: usize,
}

/// Validated `analyze` configuration.
#[derive(Debug)]
pub struct AnalyzeConfig {
    pub input: PathBuf,
    pub out: PathBuf,
    pub formats: Vec<analyze::Format>,
    pub options: analyze::Options,
    pub top: usize,
    pub quiet: bool,
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
        let out = self.out.unwrap_or_else(|| PathBuf::from("results").join("analysis").join(stem));
        let phases: Vec<String> = self.phases.into_iter().map(|p| p.trim().to_string()).filter(|p| !p.is_empty()).collect();
        if self.top == 0 {
            anyhow::bail!("--top must be at least 1");
        }
        let mut options = analyze::Options::default();
        options.phases = phases;
        let mut formats: Vec<analyze::Format> = self
            .format
            .iter()
            .map(|f| match f {
                FormatArg::Csv => analyze::Format::Csv,
                FormatArg::Json => analyze::Format::Json,
            })
            .collect();
        formats.dedup();
        Ok(AnalyzeConfig { input: self.input, out, formats, options, top: self.top, quiet: self.quiet })
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
        assert_eq!(c.out, PathBuf::from("results/analysis/report1"));
        assert_eq!(c.options.phases, vec!["prefill", "decode"]);
        assert_eq!(c.formats.len(), 2);
    }
}
