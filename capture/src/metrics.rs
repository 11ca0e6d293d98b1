//! From per-rep timings to one sweep CSV row: percentiles, per-token figures, throughput and flags.
//!
//! Definitions (also in docs/tables.md):
//! - `prefill`: the prompt's forward pass (batch × seq tokens) until its logits are on the device.
//! - `ttft`: prefill plus choosing the first token (greedy), until its id is on the host.
//! - `itl`: one decode step (forward of batch × 1 tokens + choosing the next token, ids on the host).
//! - `decode_p50_ms_per_tok`: median decode step time; each step yields one token per sequence.
//! - `e2e`: ttft + all `gen_tokens` decode steps of one request batch.
//! - Throughputs count tokens of all sequences: `prefill_tok_s = batch·seq / prefill_p50`,
//!   `decode_tok_s = batch / decode_p50`, `total_tok_s = batch·(seq + gen) / (prefill_p50 + gen·decode_p50)`.
//!
//! Percentiles interpolate linearly between order statistics (numpy's default).

use serde::{Deserialize, Serialize};

/// Timings of one measured rep, ns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RepTiming {
    /// Prompt length.
    pub seq_len: u32,
    /// Batch size.
    pub batch: u32,
    /// Rep index (0-based, measured reps only).
    pub rep: u32,
    /// Prefill forward, ns.
    pub prefill_ns: u64,
    /// Time to first token, ns.
    pub ttft_ns: u64,
    /// Sum of decode steps, ns.
    pub decode_ns: u64,
    /// End to end, ns.
    pub e2e_ns: u64,
    /// Decode steps.
    pub steps: u32,
    /// Each decode step, ns, separated by `;` in the CSV.
    #[serde(with = "steps_csv")]
    pub step_ns: Vec<u64>,
}

mod steps_csv {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[u64], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&v.iter().map(u64::to_string).collect::<Vec<_>>().join(";"))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u64>, D::Error> {
        let s = String::deserialize(d)?;
        s.split(';').filter(|x| !x.is_empty()).map(|x| x.parse().map_err(serde::de::Error::custom)).collect()
    }
}

pub use schema::SweepRow;

/// Linear-interpolation percentile of sorted values (`q` in 0..=100).
pub fn percentile(sorted: &[u64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let pos = (sorted.len() - 1) as f64 * q / 100.0;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    sorted[lo] as f64 + (sorted[hi] as f64 - sorted[lo] as f64) * (pos - lo as f64)
}

fn ms(ns: f64) -> f64 {
    round6(ns / 1e6)
}

/// Rounds to 6 significant decimals, so CSVs are stable and readable.
pub fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// Memory-and-config figures shared by every row of a sweep.
#[derive(Debug, Clone, Copy)]
pub struct RowContext {
    /// Weights, bytes.
    pub weights_bytes: u64,
    /// KV cache bytes per token per sequence.
    pub kv_bytes_per_token: u64,
    /// Warmup runs.
    pub warmup: u32,
    /// Decode steps.
    pub gen_tokens: u32,
}

/// Builds the row of one configuration from its measured reps.
pub fn row_from_reps(seq_len: u32, batch: u32, reps: &[RepTiming], ctx: RowContext, mem: (Option<f64>, Option<f64>)) -> SweepRow {
    let mut prefill: Vec<u64> = reps.iter().map(|r| r.prefill_ns).collect();
    let mut ttft: Vec<u64> = reps.iter().map(|r| r.ttft_ns).collect();
    let mut e2e: Vec<u64> = reps.iter().map(|r| r.e2e_ns).collect();
    let mut steps: Vec<u64> = reps.iter().flat_map(|r| r.step_ns.iter().copied()).collect();
    prefill.sort_unstable();
    ttft.sort_unstable();
    e2e.sort_unstable();
    steps.sort_unstable();
    let tokens = seq_len as f64 * batch as f64;
    let p50 = percentile(&prefill, 50.0);
    let d50 = percentile(&steps, 50.0);
    let gen = ctx.gen_tokens as f64;
    let opt = |x: f64| x.is_finite().then_some(x);
    let total_time_s = (p50 + if steps.is_empty() { 0.0 } else { gen * d50 }) / 1e9;
    SweepRow {
        seq_len,
        batch,
        prefill_p50_ms: opt(ms(p50)),
        prefill_ms_per_tok: opt(round6(p50 / 1e6 / tokens)),
        prefill_tok_s: opt(round6(tokens / (p50 / 1e9))),
        decode_p50_ms_per_tok: opt(ms(d50)),
        decode_tok_s: opt(round6(batch as f64 / (d50 / 1e9))),
        total_tok_s: opt(round6(batch as f64 * (seq_len as f64 + gen) / total_time_s)),
        vram_mb: mem.0.map(round6),
        flag: String::new(),
        prefill_p90_ms: opt(ms(percentile(&prefill, 90.0))),
        prefill_p99_ms: opt(ms(percentile(&prefill, 99.0))),
        ttft_p50_ms: opt(ms(percentile(&ttft, 50.0))),
        ttft_p90_ms: opt(ms(percentile(&ttft, 90.0))),
        itl_p50_ms: opt(ms(d50)),
        itl_p90_ms: opt(ms(percentile(&steps, 90.0))),
        e2e_p50_ms: opt(ms(percentile(&e2e, 50.0))),
        e2e_p90_ms: opt(ms(percentile(&e2e, 90.0))),
        kv_cache_mb: Some(round6((ctx.kv_bytes_per_token * (seq_len as u64 + ctx.gen_tokens as u64) * batch as u64) as f64 / 1e6)),
        weights_mb: Some(round6(ctx.weights_bytes as f64 / 1e6)),
        warmup: Some(ctx.warmup),
        reps: Some(reps.len() as u32),
        vram_peak_mb: mem.1.map(round6),
        gen_tokens: Some(ctx.gen_tokens),
    }
}

/// Flags `row` as `collapse` when its per-token latency (prefill or decode) grew, or its total throughput fell,
/// by more than `factor` relative to the best earlier configuration of the same sweep (seed appendix C).
pub fn collapse(row: &SweepRow, earlier: &[SweepRow], factor: f64) -> bool {
    let ok: Vec<&SweepRow> = earlier.iter().filter(|r| r.flag != "oom" && r.flag != "error").collect();
    let best_min = |f: fn(&SweepRow) -> Option<f64>| ok.iter().filter_map(|r| f(r)).fold(f64::INFINITY, f64::min);
    let best_max = |f: fn(&SweepRow) -> Option<f64>| ok.iter().filter_map(|r| f(r)).fold(0.0, f64::max);
    let worse = |v: Option<f64>, best: f64| v.is_some_and(|v| best.is_finite() && best > 0.0 && v > factor * best);
    worse(row.prefill_ms_per_tok, best_min(|r| r.prefill_ms_per_tok))
        || worse(row.decode_p50_ms_per_tok, best_min(|r| r.decode_p50_ms_per_tok))
        || row.total_tok_s.is_some_and(|t| {
            let b = best_max(|r| r.total_tok_s);
            b > 0.0 && t * factor < b
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rep(prefill: u64, steps: &[u64]) -> RepTiming {
        let decode: u64 = steps.iter().sum();
        RepTiming { seq_len: 128, batch: 2, rep: 0, prefill_ns: prefill, ttft_ns: prefill + 10, decode_ns: decode, e2e_ns: prefill + 10 + decode, steps: steps.len() as u32, step_ns: steps.to_vec() }
    }

    #[test]
    fn percentiles_interpolate() {
        let v = [10, 20, 30, 40];
        assert_eq!(percentile(&v, 50.0), 25.0);
        assert_eq!(percentile(&v, 90.0), 37.0);
        assert_eq!(percentile(&[5], 99.0), 5.0);
    }

    #[test]
    fn row_figures_are_consistent() {
        let reps = [rep(4_000_000, &[1_000_000, 1_000_000]), rep(6_000_000, &[2_000_000, 1_000_000]), rep(5_000_000, &[1_000_000, 3_000_000])];
        let ctx = RowContext { weights_bytes: 2_000_000, kv_bytes_per_token: 1000, warmup: 1, gen_tokens: 2 };
        let r = row_from_reps(128, 2, &reps, ctx, (Some(100.0), Some(120.0)));
        assert_eq!(r.prefill_p50_ms, Some(5.0));
        assert_eq!(r.prefill_ms_per_tok, Some(round6(5.0 / 256.0)));
        assert_eq!(r.prefill_tok_s, Some(51200.0)); // 256 tokens / 5 ms
        assert_eq!(r.decode_p50_ms_per_tok, Some(1.0));
        assert_eq!(r.decode_tok_s, Some(2000.0)); // 2 sequences / 1 ms
        // 2 × (128 + 2) tokens over 5 ms + 2 × 1 ms
        assert_eq!(r.total_tok_s, Some(round6(260.0 / 0.007)));
        assert!(r.prefill_p50_ms <= r.prefill_p90_ms && r.prefill_p90_ms <= r.prefill_p99_ms);
        assert_eq!(r.kv_cache_mb, Some(1000.0 * 130.0 * 2.0 / 1e6));
        assert_eq!(r.reps, Some(3));
    }

    #[test]
    fn collapse_is_relative_to_the_best_earlier_point() {
        let mk = |d: f64, t: f64| SweepRow { decode_p50_ms_per_tok: Some(d), total_tok_s: Some(t), ..Default::default() };
        let earlier = [mk(10.0, 100.0), mk(12.0, 180.0)];
        assert!(!collapse(&mk(19.0, 150.0), &earlier, 2.0));
        assert!(collapse(&mk(21.0, 150.0), &earlier, 2.0)); // > 2 × 10 ms
        assert!(collapse(&mk(11.0, 80.0), &earlier, 2.0)); // < 180 / 2 tok/s
        assert!(!collapse(&mk(100.0, 1.0), &[], 2.0));
    }
}
