//! Sweep points (`points.csv`): the step summary of every `s{seq}_b{batch}` point of an export, per step and per
//! token, beside the unprofiled sweep's median for the same point (so the profiler's overhead shows as a ratio).
//! A profiled regime (one export holding every point of the sequence or batch sweep) is explained point by point.

pub use schema::tables::PointRow;
use schema::tables::{StepRow, StepSummaryRow};
use schema::SweepRow;

/// (seq_len, batch) of a point label `s{seq}_b{batch}` ([`schema::phase::point_digits`]; `None` past `u32`).
pub fn parse_point(label: &str) -> Option<(u32, u32)> {
    let (seq, batch) = schema::phase::point_digits(label)?;
    Some((seq.parse().ok()?, batch.parse().ok()?))
}

/// The unprofiled sweep's median of `phase` at (`seq`, `batch`), ns: `prefill_p50_ms` or `decode_p50_ms_per_tok`
/// (one decode step: a token per sequence). The first row of that point among `rows` that measured something
/// (rows flagged `oom` or `error` skipped; a `collapse` row's latencies are real).
pub fn unprofiled_p50_ns(rows: &[SweepRow], seq: u32, batch: u32, phase: &str) -> Option<i64> {
    let r = rows.iter().find(|r| r.seq_len == seq && r.batch == batch && !matches!(r.flag.as_str(), "oom" | "error"))?;
    let ms = match phase {
        schema::phase::PREFILL => r.prefill_p50_ms?,
        schema::phase::DECODE => r.decode_p50_ms_per_tok?,
        _ => return None,
    };
    ms.is_finite().then(|| (ms * 1e6).round() as i64)
}

/// `points.csv` from the step rows and their summary: one row per (point, phase) of the summary whose point is a
/// sweep point, ordered by prompt length, batch, then the summary's phase order.
pub fn point_rows(steps: &[StepRow], summary: &[StepSummaryRow], unprofiled: &[SweepRow]) -> Vec<PointRow> {
    let r2 = crate::tables::r2;
    let r1 = crate::tables::r1;
    let mut rows: Vec<PointRow> = summary
        .iter()
        .filter_map(|s| {
            let (seq, batch) = parse_point(&s.point)?;
            let tokens: u64 = match s.phase.as_str() {
                schema::phase::PREFILL => u64::from(seq) * u64::from(batch),
                schema::phase::DECODE => u64::from(batch),
                _ => 0,
            };
            let per_token = |v: f64| (tokens > 0).then(|| r2(v / tokens as f64));
            let measured: Vec<&StepRow> = steps.iter().filter(|r| r.point == s.point && r.phase == s.phase && !r.rep.starts_with("warmup_")).collect();
            let n = measured.len().max(1) as f64;
            let copy = measured.iter().map(|r| r.copy_bytes as f64).sum::<f64>() / n;
            let unprof = unprofiled_p50_ns(unprofiled, seq, batch, &s.phase);
            let mut row = PointRow {
                point: s.point.clone(),
                seq_len: seq,
                batch,
                phase: s.phase.clone(),
                steps: s.steps,
                tokens_per_step: tokens,
                wall_p50_ns: s.wall_p50_ns,
                wall_p90_ns: s.wall_p90_ns,
                wall_ns_per_token: per_token(s.wall_p50_ns as f64),
                gpu_busy_pct: s.gpu_busy_pct,
                gpu_idle_pct: s.gpu_idle_pct,
                host_only_pct: s.host_only_pct,
                wall_mean_ns: s.wall_mean_ns,
                gpu_busy_ns_per_step: s.gpu_busy_ns_per_step,
                gpu_idle_ns_per_step: s.gpu_idle_ns_per_step,
                host_only_ns_per_step: s.host_only_ns_per_step,
                gpu_busy_ns_per_token: per_token(s.gpu_busy_ns_per_step),
                kernels_per_step: s.kernels_per_step,
                launches_per_step: s.launches_per_step,
                copy_bytes_per_step: r1(copy),
                hbm_floor_ns: s.hbm_floor_ns,
                floor_ratio: s.floor_ratio,
                bound: s.bound.clone(),
                unprofiled_p50_ns: unprof,
                profiled_over_unprofiled: unprof.filter(|&u| u > 0).map(|u| r2(s.wall_p50_ns as f64 / u as f64)),
                ..Default::default()
            };
            let busy = s.class_busy().map(|(_, v)| v);
            row.set_class_busy(busy);
            row.set_class_busy_per_token(busy.map(per_token));
            Some(row)
        })
        .collect();
    // The summary's order within a point (phases as given) is kept by the stable sort.
    rows.sort_by_key(|r| (r.seq_len, r.batch));
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn point_labels() {
        assert_eq!(parse_point("s128_b32"), Some((128, 32)));
        assert_eq!(parse_point(&schema::phase::point_label(4096, 1)), Some((4096, 1)));
        assert_eq!(parse_point("s_b1"), None);
        assert_eq!(parse_point("x128_b1"), None);
        assert_eq!(parse_point(""), None);
    }
}
