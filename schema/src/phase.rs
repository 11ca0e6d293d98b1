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

/// Name of the range of measured rep `i` (0-based).
pub fn rep_range(i: u32) -> String {
    format!("rep_{i}")
}

/// Name of the range of unmeasured warmup run `i` (0-based).
pub fn warmup_range(i: u32) -> String {
    format!("warmup_{i}")
}

/// Phase of a range name, if it is one of `phases`: the name without its domain (`latency_anatomy:decode`),
/// case-insensitive, equal to a phase or starting with it when no letter follows (`decode_step_3`, `Decode 12`;
/// not `decoder_layer`).
pub fn phase_of(range_name: &str, phases: &[String]) -> Option<usize> {
    let base = range_name.rsplit(':').next().unwrap_or(range_name).trim().to_ascii_lowercase();
    phases.iter().position(|p| {
        let p = p.to_ascii_lowercase();
        base == p || (base.starts_with(&p) && !base[p.len()..].starts_with(|c: char| c.is_ascii_alphabetic()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phase_names() {
        let ph = vec!["prefill".to_string(), "decode".to_string()];
        assert_eq!(phase_of("latency_anatomy:prefill", &ph), Some(0));
        assert_eq!(phase_of("decode", &ph), Some(1));
        assert_eq!(phase_of("decode_step_3", &ph), Some(1));
        assert_eq!(phase_of("Decode 12", &ph), Some(1));
        assert_eq!(phase_of("decoder_layer", &ph), None);
        assert_eq!(phase_of("s128_b1", &ph), None);
    }
}
