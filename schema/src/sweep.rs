//! The sweep CSV (`seq_sweep.csv`, `batch_sweep.csv`, and `nsys/<point>.csv` beside each profiled export): one
//! row per configuration, written by `capture`, read by `reports` (tables, figures) and `analyze` (the bytes the
//! model config predicts, `traffic.csv`). The seed-compatible columns come first; a column an older CSV lacks
//! reads as `None` (serde's rule for a missing `Option` field), and a missing `flag` as unflagged.

use std::path::Path;

use serde::{Deserialize, Serialize};

/// One row of the sweep CSV (seed-compatible columns first).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct SweepRow {
    /// Prompt length, tokens.
    pub seq_len: u32,
    /// Batch size.
    pub batch: u32,
    /// Median prefill latency, ms.
    pub prefill_p50_ms: Option<f64>,
    /// `prefill_p50_ms / (seq × batch)`, ms per prompt token.
    pub prefill_ms_per_tok: Option<f64>,
    /// Prompt tokens per second.
    pub prefill_tok_s: Option<f64>,
    /// Median decode step, ms (one token per sequence).
    pub decode_p50_ms_per_tok: Option<f64>,
    /// Generated tokens per second (all sequences).
    pub decode_tok_s: Option<f64>,
    /// All tokens (prompt + generated) per second.
    pub total_tok_s: Option<f64>,
    /// Device memory in use at steady state, MB (CPU: resident memory of the process).
    pub vram_mb: Option<f64>,
    /// `collapse`, `oom`, `error`, or empty.
    #[serde(default)]
    pub flag: String,
    /// Prefill p90, ms.
    pub prefill_p90_ms: Option<f64>,
    /// Prefill p99, ms.
    pub prefill_p99_ms: Option<f64>,
    /// Time to first token p50, ms.
    pub ttft_p50_ms: Option<f64>,
    /// Time to first token p90, ms.
    pub ttft_p90_ms: Option<f64>,
    /// Inter-token latency p50 over all decode steps, ms.
    pub itl_p50_ms: Option<f64>,
    /// Inter-token latency p90, ms.
    pub itl_p90_ms: Option<f64>,
    /// End-to-end p50, ms.
    pub e2e_p50_ms: Option<f64>,
    /// End-to-end p90, ms.
    pub e2e_p90_ms: Option<f64>,
    /// KV cache of `batch` sequences of `seq + gen` tokens, MB (config formula).
    pub kv_cache_mb: Option<f64>,
    /// Weights, MB (config formula).
    pub weights_mb: Option<f64>,
    /// Unmeasured warmup runs.
    pub warmup: Option<u32>,
    /// Measured reps.
    pub reps: Option<u32>,
    /// Peak device memory over the run so far, MB (CPU: peak resident memory).
    pub vram_peak_mb: Option<f64>,
    /// Decode steps per rep.
    pub gen_tokens: Option<u32>,
}

impl SweepRow {
    /// The configuration's label, also its NVTX range and file names (`s128_b32`).
    pub fn label(&self) -> String {
        crate::phase::point_label(self.seq_len, self.batch)
    }

    /// Runs of the configuration in a trace of it: warmup + measured reps (`None` when the CSV lacks them).
    pub fn runs(&self) -> Option<u32> {
        Some(self.warmup? + self.reps?)
    }
}

/// The regimes of a capture run, as its files name them: `<run>/seq_sweep.csv` (the unprofiled timing run),
/// `<run>/nsys/seq_sweep.{nsys-rep,sqlite,csv}` (the whole regime profiled), and the same for `batch_sweep` and,
/// with `capture --grid` (instead of the other two), `grid_sweep`.
pub const REGIMES: [&str; 3] = ["seq_sweep", "batch_sweep", "grid_sweep"];

/// The unprofiled sweep rows of a capture run, for an export inside it (`<run>/nsys/<name>.sqlite` with
/// `<run>/manifest.json`): the rows of the export's own regime CSV first (for `nsys/seq_sweep.sqlite`,
/// `<run>/seq_sweep.csv`), then the other's. Empty for an export outside a capture run.
pub fn unprofiled_rows_for(export: &Path) -> Vec<SweepRow> {
    let Some(nsys) = export.parent().filter(|d| d.file_name().is_some_and(|n| n == "nsys")) else { return Vec::new() };
    let Some(run) = nsys.parent().filter(|r| r.join("manifest.json").is_file()) else { return Vec::new() };
    let stem = export.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let mut order: Vec<&str> = REGIMES.iter().copied().filter(|r| *r == stem).collect();
    order.extend(REGIMES.iter().copied().filter(|r| *r != stem));
    order.iter().flat_map(|r| read_rows(&run.join(format!("{r}.csv"))).unwrap_or_default()).collect()
}

/// Every row of a sweep CSV; the error names the file, or the file and line of a row that cannot be read.
pub fn read_rows(path: &Path) -> Result<Vec<SweepRow>, String> {
    let mut r = csv::Reader::from_path(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out = Vec::new();
    for (i, row) in r.deserialize::<SweepRow>().enumerate() {
        out.push(row.map_err(|e| format!("{}:{}: {e}", path.display(), i + 2))?);
    }
    Ok(out)
}

/// The first row of a sweep CSV (a profiled point's CSV has one row); `None` when the file is missing or its
/// first row cannot be read as a sweep row.
pub fn first_row(path: &Path) -> Option<SweepRow> {
    let mut r = csv::Reader::from_path(path).ok()?;
    r.deserialize().next()?.ok()
}
