//! `step_summary.csv` (and `.parquet`): see the doc of [`StepSummaryRow`].

crate::table! {
    /// `step_summary.csv`: one row per (`point`, `phase`) over the measured steps of `steps.csv` (steps inside a
    /// `warmup_i` range are left out), with the verdict on what bounds them. Percentiles are nearest-rank over
    /// the steps (the value at rank ⌈p/100 × n⌉ of the sorted values); percentages are of the summed wall time.
    pub struct StepSummaryRow in step_summary {
        file: "step_summary", per_device: false, optional: false, ncu_input: false,
    }
    /// Sweep point (`s{seq}_b{batch}`), "" when the steps are in none.
    point: String [""],
    /// Phase.
    phase: String [""],
    /// Measured steps.
    steps: u64 ["count"],
    /// Median wall time of a step, ns.
    wall_p50_ns: i64 ["ns"],
    /// 90th percentile wall time, ns.
    wall_p90_ns: i64 ["ns"],
    /// Mean wall time, ns.
    wall_mean_ns: f64 ["ns"],
    /// Median GPU busy time of a step, ns.
    gpu_busy_p50_ns: i64 ["ns"],
    /// Summed `gpu_busy_ns` ÷ summed `wall_ns`, %.
    gpu_busy_pct: f64 ["%"],
    /// Summed `gpu_idle_ns` ÷ summed `wall_ns`, %.
    gpu_idle_pct: f64 ["%"],
    /// Summed `host_only_ns` ÷ summed `wall_ns`, %.
    host_only_pct: f64 ["%"],
    /// Summed `gpu_overhang_ns` ÷ summed `wall_ns`, % (busy + idle + host-only = 100 + this).
    gpu_overhang_pct: f64 ["%"],
    /// Mean `gpu_busy_ns`, ns per step.
    gpu_busy_ns_per_step: f64 ["ns"],
    /// Mean `gpu_idle_ns`, ns per step.
    gpu_idle_ns_per_step: f64 ["ns"],
    /// Mean `host_only_ns`, ns per step.
    host_only_ns_per_step: f64 ["ns"],
    /// Mean kernel executions per step.
    kernels_per_step: f64 ["count"],
    /// Mean launch calls per step.
    launches_per_step: f64 ["count"],
    /// Mean CUDA graph launches per step.
    graph_launches_per_step: f64 ["count"],
    /// Summed `graph_kernels` ÷ summed `graph_launches`: kernels per CUDA graph replay (empty without graph launches).
    kernels_per_replay: Option<f64> ["count"],
    /// Summed `launch_api_ns` ÷ summed `launch_calls`, ns.
    launch_api_ns_per_launch: f64 ["ns"],
    /// Mean `sync_api_ns`, ns per step.
    sync_api_ns_per_step: f64 ["ns"],
    /// Mean `busy_gemm_ns` of the steps, ns per step.
    busy_gemm_ns: f64 ["ns"],
    /// Mean `busy_attention_ns` of the steps, ns per step.
    busy_attention_ns: f64 ["ns"],
    /// Mean `busy_normalization_ns` of the steps, ns per step.
    busy_normalization_ns: f64 ["ns"],
    /// Mean `busy_elementwise_ns` of the steps, ns per step.
    busy_elementwise_ns: f64 ["ns"],
    /// Mean `busy_softmax_ns` of the steps, ns per step.
    busy_softmax_ns: f64 ["ns"],
    /// Mean `busy_reduction_ns` of the steps, ns per step.
    busy_reduction_ns: f64 ["ns"],
    /// Mean `busy_rotary_ns` of the steps, ns per step.
    busy_rotary_ns: f64 ["ns"],
    /// Mean `busy_copy_cast_ns` of the steps, ns per step.
    busy_copy_cast_ns: f64 ["ns"],
    /// Mean `busy_memory_ns` of the steps, ns per step.
    busy_memory_ns: f64 ["ns"],
    /// Mean `busy_communication_ns` of the steps, ns per step.
    busy_communication_ns: f64 ["ns"],
    /// Mean `busy_graph_ns` of the steps, ns per step.
    busy_graph_ns: f64 ["ns"],
    /// Mean `busy_other_ns` of the steps, ns per step.
    busy_other_ns: f64 ["ns"],
    /// DRAM bytes the model config predicts for one step: weights + the KV cache read (decode) or written
    /// (prefill); empty without the capture's sweep CSV beside the export, or for another point or phase.
    predicted_bytes_per_step: Option<i64> ["bytes"],
    /// `predicted_bytes_per_step` at the GPU's peak DRAM bandwidth, ns (empty when either is unknown).
    hbm_floor_ns: Option<i64> ["ns"],
    /// `wall_p50_ns ÷ hbm_floor_ns`.
    floor_ratio: Option<f64> ["x"],
    /// `launch-bound`, `memory-bound`, `compute-bound`, `host-bound` or `unknown` (rules in docs/attribution.md).
    bound: String [""],
    /// Why, in words, with the numbers that decided it.
    bound_reason: String [""],
}
