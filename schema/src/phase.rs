//! The NVTX ranges a capture pushes, by name: analyses find the phases by these names, and `step_{k}` marks
//! each decode step. Ranges nest per thread:
//! `s{seq}_b{batch}` (one per configuration) > `rep_{i}` (or `warmup_{i}`) > `prefill` | `decode` > `step_{k}`.

/// The NVTX domain of every range a capture pushes (nsys shows `latency_anatomy:prefill`).
pub const NVTX_DOMAIN: &str = "latency_anatomy";

/// The prompt's forward pass.
pub const PREFILL: &str = "prefill";

/// The generation loop (one `step_{k}` range per token).
pub const DECODE: &str = "decode";

/// The phases an analysis looks for unless told otherwise.
pub const DEFAULT_PHASES: [&str; 2] = [PREFILL, DECODE];

/// Name of the range of one sweep configuration, and of its files (`s128_b32`).
pub fn point_label(seq_len: u32, batch: u32) -> String {
    format!("s{seq_len}_b{batch}")
}

/// Name of the range of decode step `k` (0-based).
pub fn step_range(k: u32) -> String {
    format!("step_{k}")
}

/// Name of the range of a run: measured rep `i`, or warmup run `i`.
pub fn run_range(measured: bool, i: u32) -> String {
    if measured { format!("rep_{i}") } else { format!("warmup_{i}") }
}
