//! Memory traffic per phase (`traffic.csv`): the bytes kernels moved through DRAM (from ncu, extrapolated to
//! every execution nsys saw), the bytes copies moved (nsys memcpy/memset), the achieved bandwidth against the
//! peak, and — when the capture's sweep CSV is next to the export — the bytes the model config predicts:
//! a decode step reads every weight once plus the KV cache so far; a prefill reads the weights once and writes
//! the prompt's KV cache (seed 003's formula: `2 × layers × kv_heads × head_dim × tokens × bytes`).
//! `predicted_min_ns` is the time those bytes need at peak bandwidth; `explained_pct` compares it with the
//! phase's GPU time: near 100 % means the phase is explained by bytes ÷ bandwidth.

use std::collections::BTreeMap;
use std::path::Path;

pub use schema::tables::TrafficRow;

use crate::passes::attribution::Attribution;
use crate::passes::ncu_phases::{KeyMaker, NcuIndex};
use crate::passes::ncu_kernels::NcuKernelRow;
use crate::model::Trace;

/// What the model config predicts, read from a capture's sweep CSV row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ModelBytes {
    /// Prompt length.
    pub seq_len: f64,
    /// Batch size.
    pub batch: f64,
    /// Decode steps per run.
    pub gen_tokens: f64,
    /// Runs in the trace (warmup + reps).
    pub runs: f64,
    /// Weight bytes.
    pub weights_bytes: f64,
    /// KV-cache bytes per token per sequence.
    pub kv_bytes_per_token: f64,
}

impl ModelBytes {
    /// Every configuration of a sweep CSV written by `latency-anatomy sweep` ([`schema::SweepRow`]) that has the
    /// figures the prediction needs (a profiled point's CSV has one row, a profiled regime's one per point);
    /// `None` when the file is missing or unreadable, or no row has them.
    pub fn from_sweep_csv(path: &Path) -> Option<Vec<ModelBytes>> {
        let rows = schema::sweep::read_rows(path).ok()?;
        let v: Vec<ModelBytes> = rows.iter().filter_map(ModelBytes::from_row).collect();
        (!v.is_empty()).then_some(v)
    }

    /// What one sweep row predicts (`None` when it lacks a figure the prediction needs).
    pub fn from_row(row: &schema::SweepRow) -> Option<ModelBytes> {
        let (seq, batch, gen) = (f64::from(row.seq_len), f64::from(row.batch), f64::from(row.gen_tokens?));
        let kv_mb = row.kv_cache_mb?;
        Some(ModelBytes {
            seq_len: seq,
            batch,
            gen_tokens: gen,
            runs: f64::from(row.runs()?),
            weights_bytes: row.weights_mb? * 1e6,
            kv_bytes_per_token: kv_mb * 1e6 / ((seq + gen) * batch),
        })
    }

    /// The sweep CSV a capture writes beside a profiled export (`nsys/s128_b32.csv` for `nsys/s128_b32.sqlite`
    /// or `.nsys-rep`, `nsys/seq_sweep.csv` for a profiled regime): its configurations, none when there is none.
    pub fn beside(export: &Path) -> Vec<ModelBytes> {
        ModelBytes::from_sweep_csv(&export.with_extension("csv")).unwrap_or_default()
    }

    /// The sweep point this configuration is (`s128_b32`).
    pub fn label(&self) -> String {
        schema::phase::point_label(self.seq_len as u32, self.batch as u32)
    }

    /// Predicted DRAM bytes of all runs' prefills: weights once + writing the prompt's KV cache.
    pub fn prefill_bytes(&self) -> f64 {
        self.runs * (self.weights_bytes + self.kv_bytes_per_token * self.seq_len * self.batch)
    }

    /// Predicted DRAM bytes of all runs' decode steps: each step reads the weights and the KV cache so far
    /// (prompt + k generated tokens) and writes one token's KV.
    pub fn decode_bytes(&self) -> f64 {
        let steps = self.gen_tokens as u64;
        let kv: f64 = (0..steps).map(|k| self.kv_bytes_per_token * self.batch * (self.seq_len + k as f64 + 1.0)).sum();
        self.runs * (steps as f64 * self.weights_bytes + kv)
    }
}


/// Peak DRAM bandwidth, bytes/s: ncu's (measured on the profiled GPU) when ncu data was joined, else the first
/// known one of `TARGET_INFO_GPU`; `None` when neither knows it.
pub fn peak_bps(trace: &Trace, ncu: &[NcuKernelRow]) -> Option<f64> {
    ncu.iter()
        .filter_map(|k| k.peak_dram_gb_s)
        .map(|g| g * 1e9)
        .next()
        .or_else(|| trace.info.gpus.iter().map(|g| g.memory_bandwidth_bps as f64).find(|&b| b > 0.0))
}

/// Builds `traffic.csv` rows for the ops' phases (from `attr`); `models`: the configurations the trace ran (their
/// predicted bytes add up).
pub fn traffic_table(
    trace: &Trace,
    attr: &Attribution,
    ncu: &[NcuKernelRow],
    models: &[ModelBytes],
) -> Vec<TrafficRow> {
    let peak_bps = peak_bps(trace, ncu).unwrap_or(0.0);
    // Bytes per execution of the ncu rows that measured DRAM bytes, by key (exact shape, else base name).
    let index = NcuIndex::new(ncu.iter().enumerate().filter(|(_, k)| k.dram_bytes.is_some()));
    let mean = |v: &Vec<usize>| v.iter().filter_map(|&r| ncu[r].dram_bytes).sum::<f64>() / v.len() as f64;
    let mut keymaker = KeyMaker::new(trace);
    let have_bytes = ncu.iter().any(|k| k.dram_bytes.is_some());
    #[derive(Default)]
    struct Acc {
        kernel_ns: i64,
        profiled_ns: i64,
        bytes: f64,
        copy_bytes: i64,
        copy_ns: i64,
        ops: u64,
    }
    let mut acc: BTreeMap<String, Acc> = BTreeMap::new();
    let mut by_label: Vec<Acc> = (0..attr.labels.len()).map(|_| Acc::default()).collect();
    // Mean bytes per execution, per kernel key id (looked up once per key).
    let mut key_bytes: Vec<Option<Option<f64>>> = Vec::new();
    for i in 0..trace.n_ops() {
        let op = trace.op(i);
        let d = op.end - op.start;
        let a = &mut by_label[attr.phase[i] as usize];
        a.ops += 1;
        if op.is_kernel {
            a.kernel_ns = a.kernel_ns.saturating_add(d);
            let bytes = if have_bytes {
                let id = keymaker.id(&trace.kernels[op.index]) as usize;
                if key_bytes.len() <= id {
                    key_bytes.resize(id + 1, None);
                }
                *key_bytes[id].get_or_insert_with(|| index.lookup(&keymaker.keys[id]).map(mean))
            } else {
                None
            };
            if let Some(b) = bytes {
                a.profiled_ns = a.profiled_ns.saturating_add(d);
                a.bytes += b;
            }
        } else {
            a.copy_ns = a.copy_ns.saturating_add(d);
            a.copy_bytes = a.copy_bytes.saturating_add(trace.memops[op.index].bytes);
        }
    }
    for (label, a) in attr.labels.iter().zip(by_label) {
        if a.ops > 0 {
            acc.insert(label.clone(), a);
        }
    }
    let have_ncu = !ncu.is_empty();
    acc.into_iter()
        .map(|(phase, a)| {
            let predicted = match phase.as_str() {
                _ if models.is_empty() => None,
                schema::phase::PREFILL => Some(models.iter().map(ModelBytes::prefill_bytes).sum()),
                schema::phase::DECODE => Some(models.iter().map(ModelBytes::decode_bytes).sum()),
                _ => None,
            };
            let min_ns = predicted.filter(|_| peak_bps > 0.0).map(|b| b / peak_bps * 1e9);
            TrafficRow {
                kernel_ns: a.kernel_ns,
                profiled_ns: a.profiled_ns,
                kernel_dram_bytes: have_ncu.then_some(a.bytes),
                kernel_gb_s: (have_ncu && a.profiled_ns > 0).then(|| crate::tables::r2(a.bytes / a.profiled_ns as f64)),
                copy_bytes: a.copy_bytes,
                copy_ns: a.copy_ns,
                peak_gb_s: crate::tables::r2(peak_bps / 1e9),
                predicted_bytes: predicted,
                predicted_min_ns: min_ns.map(crate::tables::r1),
                explained_pct: min_ns.filter(|_| a.kernel_ns > 0).map(|n| crate::tables::r2(n / a.kernel_ns as f64 * 100.0)),
                phase,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn predicted_bytes_follow_the_formula() {
        // 1 run, seq 4, batch 2, 2 decode steps, 1000 B of weights, 10 B of KV per token per sequence.
        let m = ModelBytes { seq_len: 4.0, batch: 2.0, gen_tokens: 2.0, runs: 1.0, weights_bytes: 1000.0, kv_bytes_per_token: 10.0 };
        assert_eq!(m.prefill_bytes(), 1000.0 + 10.0 * 4.0 * 2.0);
        // step 0 reads 5 tokens' KV, step 1 reads 6, for 2 sequences
        assert_eq!(m.decode_bytes(), 2.0 * 1000.0 + 10.0 * 2.0 * (5.0 + 6.0));
    }
}
