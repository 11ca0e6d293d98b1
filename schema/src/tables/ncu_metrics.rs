//! `ncu_metrics.csv` (and `.parquet`): see the doc of [`NcuMetricRow`].

crate::table! {
    /// One row of `ncu_metrics.csv`: one metric value of one launch, every metric the input holds (nothing is lost).
    /// A metric with per-instance values has one more row per instance.
    pub struct NcuMetricRow in ncu_metrics {
        file: "ncu_metrics", per_device: false, optional: true, ncu_input: true,
    }
    /// The launch (`ID` of ncu; a `.ncu-rep`'s results in file order).
    launch_id: u64 [""],
    /// Kernel name (demangled when the input has it).
    kernel_name: String [""],
    /// Metric name as ncu writes it.
    metric: String [""],
    /// Unit as written (CSV) or inferred from the name (`.ncu-rep`, which stores none); "" when unknown.
    unit: String [""],
    /// The numeric value in `unit` (not converted); empty for text and for values out of physical range.
    value: Option<f64> [""],
    /// The value exactly as stored: text, integer in decimal, float in its shortest round-trip form.
    text: String [""],
    /// Instance index for per-instance values; empty for the metric's own value.
    instance: Option<u32> [""],
}
