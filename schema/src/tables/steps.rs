//! `steps.csv` (and `.parquet`): see the doc of [`StepRow`].

crate::table! {
    /// `steps.csv`: one row per step instance: a phase range instance that holds no step range (a `prefill`), or
    /// a step range (`step_*`, or `--step-pattern`) and its place in the capture's nesting. A step's ops are
    /// those launched from inside it (the launch rule of `nvtx_ranges.csv`; an op in nested steps belongs to the
    /// innermost). The GPU window runs from the first op's start to the last op's end; `gpu_busy_ns +
    /// gpu_idle_ns + host_only_ns = wall_ns + gpu_overhang_ns`, and `gpu_overhang_ns` is 0 unless the step's work
    /// runs past its CPU end (asynchronous launches).
    pub struct StepRow in steps {
        file: "steps", per_device: false, optional: false, ncu_input: false,
    }
    /// Enclosing sweep point range (`s{seq}_b{batch}`), "" when none.
    point: String [""],
    /// Enclosing run range (`rep_i` measured, `warmup_i` not), "" when none.
    rep: String [""],
    /// Phase: the step's own phase or its innermost enclosing phase range's; `other` when none.
    phase: String [""],
    /// The step's range name, without its domain (`prefill`, `step_3`).
    step: String [""],
    /// Thread id (TID) of the range.
    thread: i64 [""],
    /// Range start on the CPU, ns.
    cpu_start_ns: i64 ["ns"],
    /// Range end on the CPU, ns (a never-closed range ends at the last NVTX timestamp).
    cpu_end_ns: i64 ["ns"],
    /// `cpu_end_ns - cpu_start_ns`, ns.
    wall_ns: i64 ["ns"],
    /// Start of the first op launched in the step, ns (empty when none).
    gpu_start_ns: Option<i64> ["ns"],
    /// End of the last op launched in the step, ns (empty when none).
    gpu_end_ns: Option<i64> ["ns"],
    /// Union of the step's op intervals (kernels, copies, sets; overlap counted once), ns.
    gpu_busy_ns: i64 ["ns"],
    /// GPU window not busy with this step's ops: the GPU starved between launches, ns.
    gpu_idle_ns: i64 ["ns"],
    /// Wall time outside the GPU window (before the first op, after the last), ns.
    host_only_ns: i64 ["ns"],
    /// Part of the GPU window outside the step's CPU range (work that outlives its step), ns.
    gpu_overhang_ns: i64 ["ns"],
    /// Kernel executions (CUDA graph replays of a graph-level trace included).
    kernels: u64 ["count"],
    /// memcpy/memset operations.
    memops: u64 ["count"],
    /// Bytes those memcpy/memset operations moved or set.
    copy_bytes: i64 ["bytes"],
    /// API calls that launched the step's ops (one per graph launch).
    launch_calls: u64 ["count"],
    /// Of those, CUDA graph launches (`cudaGraphLaunch`, `cuGraphLaunch`).
    graph_launches: u64 ["count"],
    /// Kernels launched by those graph launches (node-level: the graph's kernels; graph-level: one op per replay).
    graph_kernels: u64 ["count"],
    /// CPU time inside those launch calls, ns.
    launch_api_ns: i64 ["ns"],
    /// CPU time in synchronizing API calls (`*Synchronize*`) on the step's thread within the step, ns.
    sync_api_ns: i64 ["ns"],
    /// Class with the most busy time ("" when no ops).
    top_class: String [""],
    /// GPU busy time of class `gemm` ops (overlap goes to the op that started first, so the classes sum to `gpu_busy_ns`), ns.
    busy_gemm_ns: i64 ["ns"],
    /// GPU busy time of class `attention` ops (overlap goes to the op that started first, so the classes sum to `gpu_busy_ns`), ns.
    busy_attention_ns: i64 ["ns"],
    /// GPU busy time of class `normalization` ops (overlap goes to the op that started first, so the classes sum to `gpu_busy_ns`), ns.
    busy_normalization_ns: i64 ["ns"],
    /// GPU busy time of class `elementwise` ops (overlap goes to the op that started first, so the classes sum to `gpu_busy_ns`), ns.
    busy_elementwise_ns: i64 ["ns"],
    /// GPU busy time of class `softmax` ops (overlap goes to the op that started first, so the classes sum to `gpu_busy_ns`), ns.
    busy_softmax_ns: i64 ["ns"],
    /// GPU busy time of class `reduction` ops (overlap goes to the op that started first, so the classes sum to `gpu_busy_ns`), ns.
    busy_reduction_ns: i64 ["ns"],
    /// GPU busy time of class `rotary` ops (overlap goes to the op that started first, so the classes sum to `gpu_busy_ns`), ns.
    busy_rotary_ns: i64 ["ns"],
    /// GPU busy time of class `copy_cast` ops (overlap goes to the op that started first, so the classes sum to `gpu_busy_ns`), ns.
    busy_copy_cast_ns: i64 ["ns"],
    /// GPU busy time of class `memory` ops (overlap goes to the op that started first, so the classes sum to `gpu_busy_ns`), ns.
    busy_memory_ns: i64 ["ns"],
    /// GPU busy time of class `communication` ops (overlap goes to the op that started first, so the classes sum to `gpu_busy_ns`), ns.
    busy_communication_ns: i64 ["ns"],
    /// GPU busy time of class `graph` ops (overlap goes to the op that started first, so the classes sum to `gpu_busy_ns`), ns.
    busy_graph_ns: i64 ["ns"],
    /// GPU busy time of class `other` ops (overlap goes to the op that started first, so the classes sum to `gpu_busy_ns`), ns.
    busy_other_ns: i64 ["ns"],
}
