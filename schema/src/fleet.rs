//! `analyze DIR` (or several inputs): `fleet.csv`, one row per input, and what `fleet.md` shows.

use serde::{Deserialize, Serialize};

/// Columns of `fleet.csv`, in file order (the fields of [`FleetRow`]).
pub const FLEET_COLUMNS: [&str; 15] = [
    "trace_id",
    "input",
    "status",
    "error",
    "gpu",
    "devices",
    "kernels",
    "kernel_ns",
    "busy_pct",
    "attributed_pct",
    "top_class",
    "phases",
    "decode_step_p50_ns",
    "seconds",
    "outlier",
];

/// One input of a fleet analysis.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FleetRow {
    /// The input's trace id: its folder under `--out` and its Parquet partition.
    pub trace_id: String,
    /// The input's path, as found.
    pub input: String,
    /// `ok`, `up-to-date` (its analysis was newer than the input and complete: reused) or `failed`.
    pub status: String,
    /// Why it failed, in one line ("" otherwise).
    pub error: String,
    /// GPU name(s) with work, `;`-separated ("" when none).
    pub gpu: String,
    /// Devices with GPU work.
    pub devices: u64,
    /// Kernel executions.
    pub kernels: u64,
    /// Kernel time, ns.
    pub kernel_ns: i64,
    /// Busy share of the devices' spans (Σ busy ÷ Σ span), %.
    pub busy_pct: f64,
    /// Kernel time launched inside NVTX ranges, %.
    pub attributed_pct: f64,
    /// The class with the most GPU time ("" when none).
    pub top_class: String,
    /// Phases found, `;`-separated.
    pub phases: String,
    /// Median wall time of a measured decode step, ns (the decode row with the most steps; empty without steps).
    pub decode_step_p50_ns: Option<i64>,
    /// Seconds the analysis of this input took (0 when reused).
    pub seconds: f64,
    /// Why this input stands out from the fleet (`busy_pct`, `decode_step_p50_ns` more than 2 MAD from the
    /// median), "" when it does not.
    pub outlier: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_header_is_the_declared_columns() {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.serialize(FleetRow::default()).unwrap();
        let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
        assert_eq!(text.lines().next().unwrap().split(',').collect::<Vec<_>>(), FLEET_COLUMNS);
    }
}
