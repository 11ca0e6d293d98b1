//! `report` arguments.

use std::path::PathBuf;

/// `report` arguments.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// A capture run folder (results/<run-id>, with manifest.json or sweep CSVs) or a folder written by
    /// `latency-anatomy analyze` (with tables.json).
    pub dir: PathBuf,
    /// Rows in the report's top-kernel and top-range tables.
    #[arg(long, default_value_t = 15)]
    pub top: usize,
    /// Per-token latency budget in ms: the sweep report picks the best batch whose ITL p50 (and p90) fits.
    #[arg(long)]
    pub latency_budget: Option<f64>,
}


/// What a `report` folder holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportTarget {
    /// A capture run folder (`manifest.json` or sweep CSVs).
    Run,
    /// A folder written by `analyze` (`tables.json`).
    Analysis,
    /// A folder written by `analyze` of many inputs (`fleet.csv`, a folder per input).
    Fleet,
}

/// Validated `report` configuration.
#[derive(Debug)]
pub struct ReportConfig {
    pub dir: PathBuf,
    pub top: usize,
    pub latency_budget: Option<f64>,
    pub target: ReportTarget,
}

impl ReportArgs {
    /// Checks the budget and the folder (it exists, and is a run folder or an analysis folder).
    pub fn into_config(self) -> anyhow::Result<ReportConfig> {
        if let Some(b) = self.latency_budget {
            if b.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
                anyhow::bail!("--latency-budget must be a positive number of milliseconds");
            }
        }
        let dir = self.dir;
        if dir.is_file() {
            anyhow::bail!(
                "'{}' is a file; `report` re-renders a folder (a capture run folder, or an analysis folder with tables.json). To analyze an export or an Nsight Compute file, run `latency-anatomy analyze {}`",
                dir.display(),
                dir.display()
            );
        }
        if !dir.is_dir() {
            anyhow::bail!("'{}' does not exist; give a capture run folder (results/<run-id>) or a folder written by `latency-anatomy analyze`", dir.display());
        }
        let target = if dir.join("manifest.json").is_file() || dir.join("seq_sweep.csv").is_file() || dir.join("batch_sweep.csv").is_file() {
            ReportTarget::Run
        } else if dir.join("tables.json").is_file() {
            ReportTarget::Analysis
        } else if dir.join("fleet.csv").is_file() {
            ReportTarget::Fleet
        } else {
            anyhow::bail!(
                "'{}' is neither a capture run folder (manifest.json, seq_sweep.csv), an analysis folder (tables.json) nor a fleet folder (fleet.csv); run `latency-anatomy capture` or `latency-anatomy analyze EXPORT --out {}` first",
                dir.display(),
                dir.display()
            );
        };
        Ok(ReportConfig { dir, top: self.top, latency_budget: self.latency_budget, target })
    }
}
