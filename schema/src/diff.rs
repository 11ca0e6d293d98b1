//! `latency-anatomy diff`: what `diff.csv` and `diff.json` hold. The baseline is side A; every delta is B − A.

use serde::{Deserialize, Serialize};

/// Current layout version of [`DiffReport`].
pub const DIFF_SCHEMA: u32 = 1;

/// Columns of `diff.csv`, in file order (the fields of [`DiffRow`]).
pub const DIFF_COLUMNS: [&str; 15] = [
    "level",
    "key",
    "unit",
    "a",
    "b",
    "delta",
    "delta_pct",
    "instances_a",
    "instances_b",
    "mean_a",
    "mean_b",
    "t_stat",
    "significant",
    "share_of_delta_pct",
    "only_in",
];

/// One compared figure.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DiffRow {
    /// `total`, `step`, `phase`, `class` or `kernel`.
    pub level: String,
    /// What is compared: a total's name (`kernel_time`, `busy_time`, `span`, `kernels`, `memop_time`), a step key
    /// (`decode wall`, `s128_b1 decode gpu_busy`), a phase (`decode gpu_time`, `decode wall`), a class, or a kernel's
    /// match key.
    pub key: String,
    /// Unit of `a`, `b` and `delta`: `ns` or `count`.
    pub unit: String,
    /// Value of A (0 when absent from A).
    pub a: f64,
    /// Value of B (0 when absent from B).
    pub b: f64,
    /// `b - a`.
    pub delta: f64,
    /// `delta / a × 100`; empty when `a` is 0.
    pub delta_pct: Option<f64>,
    /// Instances in A (kernel executions, steps, ops).
    pub instances_a: u64,
    /// Instances in B.
    pub instances_b: u64,
    /// Mean per instance in A, ns (empty when not a duration or no instance).
    pub mean_a: Option<f64>,
    /// Mean per instance in B, ns.
    pub mean_b: Option<f64>,
    /// Welch's t of the per-instance means (B − A over the standard error); empty when a side has fewer than
    /// two instances, or when neither side varies (then `significant` says whether the means differ).
    pub t_stat: Option<f64>,
    /// `yes` when the per-instance mean moved beyond run-to-run noise (|t| ≥ 3), `no` when not, `n/a` when it
    /// cannot be told (fewer than two instances on a side).
    pub significant: String,
    /// Share of the kernel-time delta (kernel and class rows), %.
    pub share_of_delta_pct: Option<f64>,
    /// `a` or `b` when the key is on one side only, else "".
    pub only_in: String,
}

/// One comparability check.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Check {
    /// `non_empty`, `gpu_model`, `device_count`, `kernel_overlap`, `phases`, `sweep_point`.
    pub name: String,
    /// `pass`, `warn` or `fail`.
    pub status: String,
    /// Why, with the values compared.
    pub detail: String,
}

/// The headline comparison behind the verdict.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Headline {
    /// What is compared: `step wall time` (both sides have steps of the same keys) or `GPU kernel time`.
    pub metric: String,
    /// A's value, ns.
    pub a_ns: f64,
    /// B's value, ns.
    pub b_ns: f64,
    /// `(b - a) / a × 100`, % (empty when `a` is 0).
    pub delta_pct: Option<f64>,
    /// Welch's t of the difference (empty when no side has a noise estimate, or when neither side varies).
    pub t_stat: Option<f64>,
}

/// Everything `diff` writes to `diff.json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DiffReport {
    /// Version of this layout.
    pub schema: u32,
    /// Side A (the baseline): its input path.
    pub a: String,
    /// Side B: its input path.
    pub b: String,
    /// How kernels were matched: `name`, `base` or `class`.
    pub matched_by: String,
    /// `faster`, `slower`, `same` or `incomparable`.
    pub verdict: String,
    /// The verdict in one line, with its size and the top three contributors.
    pub verdict_line: String,
    /// The comparison behind the verdict.
    pub headline: Headline,
    /// Comparability checks, in order.
    pub checks: Vec<Check>,
    /// Every compared figure (`diff.csv`).
    pub rows: Vec<DiffRow>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_header_is_the_declared_columns() {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.serialize(DiffRow::default()).unwrap();
        let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
        assert_eq!(text.lines().next().unwrap().split(',').collect::<Vec<_>>(), DIFF_COLUMNS);
    }
}
