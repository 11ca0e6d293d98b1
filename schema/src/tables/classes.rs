//! `classes.csv` (and `.parquet`): see the doc of [`ClassRow`].

crate::table! {
    /// `classes.csv`: GPU time per (phase, class). Phase `all` covers the whole trace.
    pub struct ClassRow in classes {
        file: "classes", per_device: false, optional: false, ncu_input: false,
    }
    /// `all`, or a phase name (`prefill`, `decode`, ...), `other` (in a range but no phase) or `unattributed`.
    phase: String [""],
    /// Class name.
    class: String [""],
    /// Number of GPU ops.
    instances: u64 ["count"],
    /// Summed duration, ns.
    total_ns: i64 ["ns"],
    /// Share of the phase's GPU op time, %.
    pct_phase_time: f64 ["%"],
}
