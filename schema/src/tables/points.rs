//! `points.csv` (and `.parquet`): see the doc of [`PointRow`].

crate::table! {
    /// `points.csv`: one row per sweep point × phase of an export that holds several points (a profiled regime)
    /// or one (a profiled canonical point): the step summary of its measured steps, per step and per token,
    /// with the unprofiled sweep's median beside it (the profiler's overhead as a ratio). Written only when the
    /// steps are inside `s{seq}_b{batch}` ranges.
    pub struct PointRow in points {
        file: "points", per_device: false, optional: true, ncu_input: false,
    }
    /// Sweep point (`s{seq}_b{batch}`).
    point: String [""],
    /// Prompt length, tokens.
    seq_len: u32 ["tokens"],
    /// Batch size.
    batch: u32 ["count"],
    /// Phase.
    phase: String [""],
    /// Measured steps.
    steps: u64 ["count"],
    /// Tokens one step processes: `seq_len × batch` for a prefill, `batch` for a decode step (others: 0).
    tokens_per_step: u64 ["tokens"],
    /// Median wall time of a step, ns.
    wall_p50_ns: i64 ["ns"],
    /// 90th percentile wall time of a step, ns.
    wall_p90_ns: i64 ["ns"],
    /// `wall_p50_ns ÷ tokens_per_step`, ns (empty without tokens).
    wall_ns_per_token: Option<f64> ["ns"],
    /// GPU busy share of the steps' wall time, %.
    gpu_busy_pct: f64 ["%"],
    /// GPU idle share (between the steps' own ops), %.
    gpu_idle_pct: f64 ["%"],
    /// Host-only share (outside the GPU window), %.
    host_only_pct: f64 ["%"],
    /// Mean wall time of a step, ns.
    wall_mean_ns: f64 ["ns"],
    /// Mean GPU busy time per step, ns.
    gpu_busy_ns_per_step: f64 ["ns"],
    /// Mean GPU idle time per step, ns.
    gpu_idle_ns_per_step: f64 ["ns"],
    /// Mean host-only time per step, ns.
    host_only_ns_per_step: f64 ["ns"],
    /// `gpu_busy_ns_per_step ÷ tokens_per_step`, ns (empty without tokens).
    gpu_busy_ns_per_token: Option<f64> ["ns"],
    /// Mean kernel executions per step.
    kernels_per_step: f64 ["count"],
    /// Mean launch calls per step.
    launches_per_step: f64 ["count"],
    /// Mean memcpy/memset bytes per step.
    copy_bytes_per_step: f64 ["bytes"],
    /// Mean GPU busy time of class `gemm` per step, ns.
    busy_gemm_ns: f64 ["ns"],
    /// Mean GPU busy time of class `attention` per step, ns.
    busy_attention_ns: f64 ["ns"],
    /// Mean GPU busy time of class `normalization` per step, ns.
    busy_normalization_ns: f64 ["ns"],
    /// Mean GPU busy time of class `elementwise` per step, ns.
    busy_elementwise_ns: f64 ["ns"],
    /// Mean GPU busy time of class `softmax` per step, ns.
    busy_softmax_ns: f64 ["ns"],
    /// Mean GPU busy time of class `reduction` per step, ns.
    busy_reduction_ns: f64 ["ns"],
    /// Mean GPU busy time of class `rotary` per step, ns.
    busy_rotary_ns: f64 ["ns"],
    /// Mean GPU busy time of class `copy_cast` per step, ns.
    busy_copy_cast_ns: f64 ["ns"],
    /// Mean GPU busy time of class `memory` per step, ns.
    busy_memory_ns: f64 ["ns"],
    /// Mean GPU busy time of class `communication` per step, ns.
    busy_communication_ns: f64 ["ns"],
    /// Mean GPU busy time of class `graph` per step, ns.
    busy_graph_ns: f64 ["ns"],
    /// Mean GPU busy time of class `other` per step, ns.
    busy_other_ns: f64 ["ns"],
    /// `busy_gemm_ns ÷ tokens_per_step`, ns per token (empty without tokens).
    busy_gemm_ns_per_token: Option<f64> ["ns"],
    /// `busy_attention_ns ÷ tokens_per_step`, ns per token (empty without tokens).
    busy_attention_ns_per_token: Option<f64> ["ns"],
    /// `busy_normalization_ns ÷ tokens_per_step`, ns per token (empty without tokens).
    busy_normalization_ns_per_token: Option<f64> ["ns"],
    /// `busy_elementwise_ns ÷ tokens_per_step`, ns per token (empty without tokens).
    busy_elementwise_ns_per_token: Option<f64> ["ns"],
    /// `busy_softmax_ns ÷ tokens_per_step`, ns per token (empty without tokens).
    busy_softmax_ns_per_token: Option<f64> ["ns"],
    /// `busy_reduction_ns ÷ tokens_per_step`, ns per token (empty without tokens).
    busy_reduction_ns_per_token: Option<f64> ["ns"],
    /// `busy_rotary_ns ÷ tokens_per_step`, ns per token (empty without tokens).
    busy_rotary_ns_per_token: Option<f64> ["ns"],
    /// `busy_copy_cast_ns ÷ tokens_per_step`, ns per token (empty without tokens).
    busy_copy_cast_ns_per_token: Option<f64> ["ns"],
    /// `busy_memory_ns ÷ tokens_per_step`, ns per token (empty without tokens).
    busy_memory_ns_per_token: Option<f64> ["ns"],
    /// `busy_communication_ns ÷ tokens_per_step`, ns per token (empty without tokens).
    busy_communication_ns_per_token: Option<f64> ["ns"],
    /// `busy_graph_ns ÷ tokens_per_step`, ns per token (empty without tokens).
    busy_graph_ns_per_token: Option<f64> ["ns"],
    /// `busy_other_ns ÷ tokens_per_step`, ns per token (empty without tokens).
    busy_other_ns_per_token: Option<f64> ["ns"],
    /// HBM floor of a step (model config at peak bandwidth), ns.
    hbm_floor_ns: Option<i64> ["ns"],
    /// `wall_p50_ns ÷ hbm_floor_ns`.
    floor_ratio: Option<f64> ["x"],
    /// The step verdict (see `step_summary.csv`).
    bound: String [""],
    /// The unprofiled sweep's median for this point and phase (`prefill_p50_ms`, `decode_p50_ms_per_tok`), ns;
    /// empty when no unprofiled sweep CSV is known.
    unprofiled_p50_ns: Option<i64> ["ns"],
    /// `wall_p50_ns ÷ unprofiled_p50_ns`: the profiled run's step against the clean one (the profiler's overhead).
    profiled_over_unprofiled: Option<f64> ["x"],
}

impl PointRow {
    /// Sets every `busy_<class>_ns_per_token`, in [`super::BUSY_CLASSES`] order.
    pub fn set_class_busy_per_token(&mut self, v: [Option<f64>; 12]) {
        [self.busy_gemm_ns_per_token, self.busy_attention_ns_per_token, self.busy_normalization_ns_per_token, self.busy_elementwise_ns_per_token, self.busy_softmax_ns_per_token, self.busy_reduction_ns_per_token, self.busy_rotary_ns_per_token, self.busy_copy_cast_ns_per_token, self.busy_memory_ns_per_token, self.busy_communication_ns_per_token, self.busy_graph_ns_per_token, self.busy_other_ns_per_token] = v;
    }
}
