//! `gaps.csv` (and `.parquet`): see the doc of [`GapRow`].

crate::table! {
    /// `gaps.csv`: the largest idle gaps per device.
    pub struct GapRow in gaps {
        file: "gaps", per_device: true, optional: false, ncu_input: false,
    }
    /// CUDA device ordinal.
    device: i64 [""],
    /// 1 = largest.
    rank: u32 [""],
    /// Gap start (end of the op before), ns.
    start_ns: i64 ["ns"],
    /// Gap end (start of the op after), ns.
    end_ns: i64 ["ns"],
    /// Gap length, ns.
    gap_ns: i64 ["ns"],
    /// Name of the op that ended before the gap.
    before: String [""],
    /// Name of the op that started after the gap.
    after: String [""],
}
