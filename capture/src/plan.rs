//! Sweep plans: regimes → points. Pure functions, no model and no device.

use serde::{Deserialize, Serialize};

/// One measured configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SweepPoint {
    /// Prompt length, tokens.
    pub seq_len: u32,
    /// Batch size, sequences.
    pub batch: u32,
}

impl SweepPoint {
    /// The point's label, also the name of its NVTX range: `s{seq}_b{batch}`.
    pub fn label(&self) -> String {
        schema::phase::point_label(self.seq_len, self.batch)
    }
}

/// A regime of the study.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Regime {
    /// Prompt lengths at batch 1.
    SeqSweep {
        /// Prompt lengths, tokens.
        seq_lens: Vec<u32>,
    },
    /// Batch sizes at one prompt length.
    BatchSweep {
        /// Prompt length, tokens.
        seq_len: u32,
        /// Batch sizes.
        batches: Vec<u32>,
    },
    /// Every prompt length at every batch size (`capture --grid`), prompt length by prompt length.
    Grid {
        /// Prompt lengths, tokens.
        seq_lens: Vec<u32>,
        /// Batch sizes.
        batches: Vec<u32>,
    },
}

impl Regime {
    /// The default sequence regime: 128 … 4096 tokens at batch 1.
    pub fn default_seq() -> Regime {
        Regime::SeqSweep { seq_lens: vec![128, 256, 512, 1024, 2048, 3072, 4096] }
    }

    /// The default batch regime: batch 1 … 64 at 128 tokens.
    pub fn default_batch() -> Regime {
        Regime::BatchSweep { seq_len: 128, batches: vec![1, 2, 4, 8, 16, 32, 64] }
    }

    /// The points of this regime, in sweep order (duplicates removed, order kept).
    pub fn points(&self) -> Vec<SweepPoint> {
        let raw: Vec<SweepPoint> = match self {
            Regime::SeqSweep { seq_lens } => seq_lens.iter().map(|&s| SweepPoint { seq_len: s, batch: 1 }).collect(),
            Regime::BatchSweep { seq_len, batches } => {
                batches.iter().map(|&b| SweepPoint { seq_len: *seq_len, batch: b }).collect()
            }
            Regime::Grid { seq_lens, batches } => {
                seq_lens.iter().flat_map(|&s| batches.iter().map(move |&b| SweepPoint { seq_len: s, batch: b })).collect()
            }
        };
        let mut seen = std::collections::BTreeSet::new();
        raw.into_iter().filter(|p| seen.insert(*p)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_regimes() {
        let s = Regime::default_seq().points();
        assert_eq!(s.len(), 7);
        assert!(s.iter().all(|p| p.batch == 1));
        assert_eq!(s.last().unwrap().label(), "s4096_b1");
        let b = Regime::default_batch().points();
        assert_eq!(b.iter().map(|p| p.batch).collect::<Vec<_>>(), vec![1, 2, 4, 8, 16, 32, 64]);
        assert!(b.iter().all(|p| p.seq_len == 128));
    }

    #[test]
    fn a_grid_is_the_cross_product() {
        let g = Regime::Grid { seq_lens: vec![128, 512], batches: vec![1, 8, 1] }.points();
        assert_eq!(g.iter().map(|p| p.label()).collect::<Vec<_>>(), ["s128_b1", "s128_b8", "s512_b1", "s512_b8"]);
    }

    #[test]
    fn duplicates_are_dropped_in_order() {
        let r = Regime::SeqSweep { seq_lens: vec![256, 128, 256] };
        assert_eq!(r.points().iter().map(|p| p.seq_len).collect::<Vec<_>>(), vec![256, 128]);
    }
}
