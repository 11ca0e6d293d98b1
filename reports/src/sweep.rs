//! The sweep report: the seed's four tables, combined figures for both regimes, TTFT/ITL vs batch, throughput
//! vs latency with the knee, the best batch under a latency budget, and findings computed from the data.
//!
//! Definitions of the findings:
//! - *per-token prefill efficiency change*: `prefill_ms_per_tok` at the longest prompt vs the shortest, in %.
//! - *saturation*: the first batch whose decode step (ms per token per sequence) is more than
//!   [`SATURATION_RISE`] × the batch-1 step.
//! - *knee*: the point of the throughput-vs-ITL curve farthest from the straight line joining its ends
//!   (the "Kneedle" rule), i.e. where more batch stops buying throughput cheaply.
//! - *best batch under a budget*: the highest total tok/s whose ITL p50 (or p90) is within the budget.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::charts::{write_figure, ChartError, Marker, Panel, Series};
use crate::error::{ReportError, Result};
use crate::markdown::table;

/// A decode step this many times the batch-1 step marks saturation.
pub const SATURATION_RISE: f64 = 1.25;

pub use schema::SweepRow;

/// The columns of a sweep row that `sweep.json` carries (the report's own columns; the CSV has them all).
pub const JSON_COLUMNS: [&str; 16] = [
    "seq_len", "batch", "prefill_p50_ms", "prefill_ms_per_tok", "prefill_tok_s", "decode_p50_ms_per_tok", "decode_tok_s", "total_tok_s", "vram_mb",
    "flag", "ttft_p50_ms", "ttft_p90_ms", "itl_p50_ms", "itl_p90_ms", "kv_cache_mb", "weights_mb",
];

/// A sweep row as `sweep.json` holds it: [`JSON_COLUMNS`] only.
pub fn json_row(r: &SweepRow) -> serde_json::Value {
    let mut v = serde_json::to_value(r).unwrap_or_default();
    if let Some(m) = v.as_object_mut() {
        m.retain(|k, _| JSON_COLUMNS.contains(&k.as_str()));
    }
    v
}

/// Reads a sweep CSV: every row, or an error at the first bad one.
pub fn read_sweep(path: &Path) -> Result<Vec<SweepRow>> {
    let (rows, bad) = read_sweep_lenient(path)?;
    match bad.into_iter().next() {
        Some(b) => Err(ReportError::SweepRow(b)),
        None => Ok(rows),
    }
}

/// Reads a sweep CSV keeping every valid row; each row that cannot be read (garbage, cut short by a kill) is
/// left out and named in the returned messages (`FILE line N: …`). A file without the sweep's header is an error.
pub fn read_sweep_lenient(path: &Path) -> Result<(Vec<SweepRow>, Vec<String>)> {
    schema::io::check_input(path)?;
    let bad = |detail: String| ReportError::Sweep { path: path.to_path_buf(), detail };
    let mut r = csv::ReaderBuilder::new().flexible(true).from_path(path).map_err(|e| bad(e.to_string()))?;
    let headers = r.headers().map_err(|e| bad(format!("not a sweep CSV ({e})")))?.clone();
    for col in ["seq_len", "batch"] {
        if !headers.iter().any(|h| h == col) {
            return Err(bad(format!("not a sweep CSV of `latency-anatomy sweep` (no {col} column)")));
        }
    }
    let (mut rows, mut bad) = (Vec::new(), Vec::new());
    let skipped = |at: Option<&csv::Position>, e: &csv::Error| format!("{} line {}: row skipped ({e})", path.display(), at.map_or(0, |p| p.line()));
    for rec in r.records() {
        match rec {
            Ok(rec) => match rec.deserialize::<SweepRow>(Some(&headers)) {
                Ok(row) => rows.push(row),
                Err(e) => bad.push(skipped(rec.position(), &e)),
            },
            Err(e) => bad.push(skipped(e.position(), &e)),
        }
    }
    Ok((rows, bad))
}

fn f(v: Option<f64>, digits: usize) -> String {
    v.map(|x| format!("{x:.digits$}")).unwrap_or_else(|| "–".into())
}

fn flag(r: &SweepRow) -> String {
    if r.flag.is_empty() { String::new() } else { format!(" ({})", r.flag) }
}

/// Findings computed from the two regimes.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Findings {
    /// Change of prefill ms/token from the shortest to the longest prompt, %.
    pub prefill_per_token_change_pct: Option<f64>,
    /// Change of decode ms/token from the shortest to the longest prompt, %.
    pub decode_per_token_change_pct: Option<f64>,
    /// First batch where the decode step exceeds SATURATION_RISE × batch 1's.
    pub saturation_batch: Option<u32>,
    /// Total tok/s at the largest batch ÷ at batch 1.
    pub throughput_gain: Option<f64>,
    /// Largest batch.
    pub largest_batch: Option<u32>,
    /// Knee of throughput vs ITL: (batch, ITL p50 ms, total tok/s).
    pub knee: Option<(u32, f64, f64)>,
    /// Best batch under the budget by ITL p50, then by ITL p90: (batch, tok/s).
    pub budget_p50: Option<(u32, f64)>,
    /// As above with p90.
    pub budget_p90: Option<(u32, f64)>,
    /// Flagged configurations: `s128_b64=collapse`.
    pub flagged: Vec<String>,
}

/// The knee of points (x increasing): the point farthest from the chord joining the first and last.
pub fn knee(points: &[(f64, f64)]) -> Option<usize> {
    if points.len() < 3 {
        return None;
    }
    let (x0, y0) = points[0];
    let (x1, y1) = points[points.len() - 1];
    let (sx, sy) = ((x1 - x0).abs().max(1e-12), (y1 - y0).abs().max(1e-12));
    // Normalized coordinates, distance to the chord.
    let d = |&(x, y): &(f64, f64)| {
        let (u, v) = ((x - x0) / sx, (y - y0) / sy);
        let (cu, cv) = ((x1 - x0) / sx, (y1 - y0) / sy);
        (u * cv - v * cu).abs() / (cu * cu + cv * cv).sqrt()
    };
    (1..points.len() - 1).max_by(|&a, &b| d(&points[a]).partial_cmp(&d(&points[b])).unwrap_or(std::cmp::Ordering::Equal))
}

/// Computes the findings; `budget_ms` is a per-token latency budget (ITL).
pub fn findings(seq: &[SweepRow], batch: &[SweepRow], budget_ms: Option<f64>) -> Findings {
    let mut out = Findings::default();
    let ok = |r: &&SweepRow| r.flag != "oom" && r.flag != "error";
    let s: Vec<&SweepRow> = seq.iter().filter(ok).collect();
    if let (Some(a), Some(b)) = (s.first(), s.last()) {
        if s.len() > 1 {
            let ch = |x: Option<f64>, y: Option<f64>| match (x, y) {
                (Some(x), Some(y)) if x > 0.0 => Some((y / x - 1.0) * 100.0),
                _ => None,
            };
            out.prefill_per_token_change_pct = ch(a.prefill_ms_per_tok, b.prefill_ms_per_tok);
            out.decode_per_token_change_pct = ch(a.decode_p50_ms_per_tok, b.decode_p50_ms_per_tok);
        }
    }
    let b: Vec<&SweepRow> = batch.iter().filter(ok).collect();
    if let Some(first) = b.first() {
        if let Some(d1) = first.decode_p50_ms_per_tok {
            out.saturation_batch = b.iter().find(|r| r.decode_p50_ms_per_tok.is_some_and(|d| d > SATURATION_RISE * d1)).map(|r| r.batch);
        }
        if let Some(last) = b.last().filter(|_| b.len() > 1) {
            out.largest_batch = Some(last.batch);
            out.throughput_gain = match (first.total_tok_s, last.total_tok_s) {
                (Some(x), Some(y)) if x > 0.0 => Some(y / x),
                _ => None,
            };
        }
        let pts: Vec<(&SweepRow, f64, f64)> = b.iter().filter_map(|r| Some((*r, r.itl_p50_ms.or(r.decode_p50_ms_per_tok)?, r.total_tok_s?))).collect();
        if let Some(k) = knee(&pts.iter().map(|p| (p.1, p.2)).collect::<Vec<_>>()) {
            out.knee = Some((pts[k].0.batch, pts[k].1, pts[k].2));
        }
        if let Some(budget) = budget_ms {
            let best = |lat: fn(&SweepRow) -> Option<f64>| {
                b.iter()
                    .filter(|r| lat(r).is_some_and(|l| l <= budget))
                    .filter_map(|r| Some((r.batch, r.total_tok_s?)))
                    .max_by(|x, y| x.1.partial_cmp(&y.1).unwrap_or(std::cmp::Ordering::Equal))
            };
            out.budget_p50 = best(|r| r.itl_p50_ms.or(r.decode_p50_ms_per_tok));
            out.budget_p90 = best(|r| r.itl_p90_ms);
        }
    }
    for r in seq.iter().chain(batch) {
        if !r.flag.is_empty() {
            out.flagged.push(format!("{}={}", r.label(), r.flag));
        }
    }
    out
}

fn series(rows: &[SweepRow], x: fn(&SweepRow) -> f64, y: fn(&SweepRow) -> Option<f64>, name: &str) -> Series {
    Series { name: name.into(), points: rows.iter().filter_map(|r| Some((x(r), y(r)?))).filter(|(_, y)| y.is_finite()).collect() }
}

fn regime_panels(rows: &[SweepRow], x: fn(&SweepRow) -> f64, x_label: &str) -> Vec<Panel> {
    let log_x = rows.len() > 1 && rows.iter().map(x).fold(0.0, f64::max) / rows.iter().map(x).fold(f64::MAX, f64::min).max(1e-9) >= 8.0;
    let spans = |vals: Vec<f64>| {
        let v: Vec<f64> = vals.into_iter().filter(|x| *x > 0.0).collect();
        v.len() > 1 && v.iter().cloned().fold(0.0, f64::max) / v.iter().cloned().fold(f64::MAX, f64::min) >= 30.0
    };
    let mk = |title: &str, y_label: &str, ss: Vec<Series>| {
        let log_y = spans(ss.iter().flat_map(|s| s.points.iter().map(|p| p.1)).collect());
        Panel { title: title.into(), x_label: x_label.into(), y_label: y_label.into(), series: ss, log_x, log_y, ..Default::default() }
    };
    vec![
        mk("Prefill latency", "p50 (ms)", vec![series(rows, x, |r| r.prefill_p50_ms, "prefill p50")]),
        mk("Prefill time per token", "ms / prompt token", vec![series(rows, x, |r| r.prefill_ms_per_tok, "prefill")]),
        mk("Prefill throughput", "prompt tokens / s", vec![series(rows, x, |r| r.prefill_tok_s, "prefill")]),
        mk("Decode time per token", "ms / token (p50)", vec![series(rows, x, |r| r.decode_p50_ms_per_tok, "decode step")]),
        mk("Total throughput", "tokens / s (prompt + generated)", vec![series(rows, x, |r| r.total_tok_s, "total")]),
        mk(
            "Memory",
            "MB",
            vec![
                series(rows, x, |r| r.vram_mb, "measured (VRAM or RSS)"),
                series(rows, x, |r| r.kv_cache_mb, "KV cache (config)"),
                series(rows, x, |r| r.weights_mb, "weights (config)"),
            ],
        ),
    ]
}

/// Writes the sweep charts into `charts_dir` and returns the markdown of the sweep report, whose chart links
/// are relative to `md_dir`.
pub fn render_sweep(seq: &[SweepRow], batch: &[SweepRow], budget_ms: Option<f64>, charts_dir: &Path, md_dir: &Path) -> Result<(String, Vec<PathBuf>), ChartError> {
    let mut files = Vec::new();
    let rel = |p: &Path| p.strip_prefix(md_dir).unwrap_or(p).display().to_string();
    let fnd = findings(seq, batch, budget_ms);
    let mut md = String::new();
    let _ = writeln!(md, "# Latency sweep\n");
    let _ = writeln!(md, "## Findings\n");
    let mut lines = Vec::new();
    if let (Some(p), Some(a), Some(b)) = (fnd.prefill_per_token_change_pct, seq.first(), seq.last()) {
        lines.push(format!("Prefill time per prompt token changes by {p:+.1}% from {} to {} tokens{}.", a.seq_len, b.seq_len, fnd.decode_per_token_change_pct.map(|d| format!("; decode time per token by {d:+.1}%")).unwrap_or_default()));
    }
    if let (Some(g), Some(lb)) = (fnd.throughput_gain, fnd.largest_batch) {
        lines.push(format!("Batch {lb} gives {g:.2}× the total throughput of batch 1."));
    }
    match fnd.saturation_batch {
        Some(sb) => lines.push(format!("Decode saturates at batch {sb}: its per-token step is more than {SATURATION_RISE}× batch 1's.")),
        None if !batch.is_empty() => lines.push(format!("Decode per-token latency stays within {SATURATION_RISE}× batch 1's over the whole batch sweep.")),
        None => {}
    }
    if let Some((b, itl, tps)) = fnd.knee {
        lines.push(format!("Knee of throughput vs latency: batch {b} ({tps:.1} tok/s at {itl:.3} ms/token)."));
    }
    match (budget_ms, fnd.budget_p50, fnd.budget_p90) {
        (Some(bud), p50, p90) => {
            let show = |x: Option<(u32, f64)>| x.map(|(b, t)| format!("batch {b} ({t:.1} tok/s)")).unwrap_or_else(|| "no batch".into());
            lines.push(format!("Under a {bud} ms/token budget: best by ITL p50 is {}, by ITL p90 {}.", show(p50), show(p90)));
        }
        (None, _, _) if !batch.is_empty() => lines.push("Give `--latency-budget MS` to pick the best batch under a per-token latency budget.".into()),
        _ => {}
    }
    if fnd.flagged.is_empty() {
        lines.push("No configuration was flagged (collapse/OOM).".into());
    } else {
        lines.push(format!("Flagged configurations: {}.", fnd.flagged.join(", ")));
    }
    for l in lines {
        let _ = writeln!(md, "- {l}");
    }
    md.push('\n');
    for (name, rows, x, xl, key) in [
        ("Sequence regime (batch 1)", seq, (|r: &SweepRow| r.seq_len as f64) as fn(&SweepRow) -> f64, "prompt length (tokens)", "seq"),
        ("Batch regime", batch, (|r: &SweepRow| r.batch as f64) as fn(&SweepRow) -> f64, "batch size (sequences)", "batch"),
    ] {
        if rows.is_empty() {
            continue;
        }
        let _ = writeln!(md, "## {name}\n");
        let label = if key == "seq" { "seq_len" } else { "batch" };
        let keyv = |r: &SweepRow| if key == "seq" { r.seq_len } else { r.batch };
        let key_cell = |r: &SweepRow| format!("{}{}", keyv(r), flag(r));
        let prefill: Vec<Vec<String>> =
            rows.iter().map(|r| vec![key_cell(r), f(r.prefill_p50_ms, 2), f(r.prefill_ms_per_tok, 6), f(r.prefill_tok_s, 1), f(r.vram_mb, 1)]).collect();
        table(&mut md, &[label, "prefill p50 (ms)", "prefill ms/token", "prefill tok/s", "memory (MB)"], &[true; 5], &prefill);
        let decode: Vec<Vec<String>> = rows
            .iter()
            .map(|r| {
                vec![
                    key_cell(r),
                    f(r.decode_p50_ms_per_tok, 3),
                    f(r.decode_tok_s, 2),
                    f(r.total_tok_s, 2),
                    format!("{} / {}", f(r.ttft_p50_ms, 2), f(r.ttft_p90_ms, 2)),
                    format!("{} / {}", f(r.itl_p50_ms, 3), f(r.itl_p90_ms, 3)),
                ]
            })
            .collect();
        table(&mut md, &[label, "decode p50 (ms/token)", "decode tok/s", "total tok/s", "TTFT p50 / p90 (ms)", "ITL p50 / p90 (ms)"], &[true; 6], &decode);
        let stem = format!("{key}_regime");
        let paths = write_figure(charts_dir, &stem, name, &regime_panels(rows, x, xl), 3)?;
        let _ = writeln!(md, "![{name}]({})\n", rel(&paths[0]));
        files.extend(paths);
    }
    if !batch.is_empty() {
        let x = |r: &SweepRow| r.batch as f64;
        let lat = vec![
            Panel {
                title: "Time to first token".into(),
                x_label: "batch size (sequences)".into(),
                y_label: "TTFT (ms)".into(),
                series: vec![series(batch, x, |r| r.ttft_p50_ms, "p50"), series(batch, x, |r| r.ttft_p90_ms, "p90")],
                log_x: true,
                ..Default::default()
            },
            Panel {
                title: "Inter-token latency".into(),
                x_label: "batch size (sequences)".into(),
                y_label: "ITL (ms)".into(),
                series: vec![series(batch, x, |r| r.itl_p50_ms, "p50"), series(batch, x, |r| r.itl_p90_ms, "p90")],
                log_x: true,
                ..Default::default()
            },
        ];
        let p = write_figure(charts_dir, "latency_vs_batch", "Latency vs batch size", &lat, 2)?;
        let _ = writeln!(md, "![TTFT and ITL vs batch]({})\n", rel(&p[0]));
        files.extend(p);
        let pts: Vec<(f64, f64)> = batch.iter().filter_map(|r| Some((r.itl_p50_ms.or(r.decode_p50_ms_per_tok)?, r.total_tok_s?))).collect();
        let mut markers = Vec::new();
        if let Some((b, itl, tps)) = fnd.knee {
            markers.push(Marker { x: itl, y: tps, label: format!("knee: batch {b}") });
        }
        let mut hl = Vec::new();
        if let (Some(bud), Some((b, t))) = (budget_ms, fnd.budget_p50) {
            match markers.iter_mut().find(|m| fnd.knee.is_some_and(|k| k.0 == b) && m.label.starts_with("knee")) {
                Some(m) => m.label = format!("knee = best ≤ {bud} ms: batch {b}"),
                None => {
                    if let Some(r) = batch.iter().find(|r| r.batch == b) {
                        markers.push(Marker { x: r.itl_p50_ms.or(r.decode_p50_ms_per_tok).unwrap_or(bud), y: t, label: format!("best ≤ {bud} ms: batch {b}") });
                    }
                }
            }
            hl.push((t, format!("best throughput within {bud} ms/token")));
        }
        let panel = Panel {
            title: "Throughput vs per-token latency (one point per batch size)".into(),
            x_label: "ITL p50 (ms / token)".into(),
            y_label: "total throughput (tokens / s)".into(),
            series: vec![Series { name: "batch sweep".into(), points: pts }],
            markers,
            hlines: hl,
            legend_lower_right: true,
            ..Default::default()
        };
        let p = write_figure(charts_dir, "throughput_vs_latency", "", &[panel], 1)?;
        let _ = writeln!(md, "![Throughput vs latency]({})\n", rel(&p[0]));
        files.extend(p);
    }
    let _ = writeln!(md, "Definitions of every column: docs/tables.md, *Sweep CSV columns*. Saturation: decode step > {SATURATION_RISE}× batch 1's; knee: the point farthest from the chord of the throughput-vs-ITL curve.");
    Ok((md, files))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(seq: u32, batch: u32, prefill_tok: f64, decode: f64, total: f64) -> SweepRow {
        SweepRow { seq_len: seq, batch, prefill_ms_per_tok: Some(prefill_tok), decode_p50_ms_per_tok: Some(decode), itl_p50_ms: Some(decode), total_tok_s: Some(total), ..Default::default() }
    }

    #[test]
    fn findings_from_the_seed_tables() {
        // The seed's RTX 5070 tables (Qwen2.5-3B fp16).
        let seq = vec![row(128, 1, 0.271821, 26.119, 183.78), row(4096, 1, 0.428849, 36.124, 1417.33)];
        let batch: Vec<SweepRow> = [(1, 26.586, 180.81), (2, 26.943, 352.23), (4, 28.164, 649.29), (8, 28.746, 1154.35), (16, 31.288, 1878.90), (32, 40.461, 2502.82), (64, 64.221, 2842.37)]
            .iter()
            .map(|&(b, d, t)| row(128, b, 0.2, d, t))
            .collect();
        let f = findings(&seq, &batch, Some(35.0));
        assert!((f.prefill_per_token_change_pct.unwrap() - 57.77).abs() < 0.01); // 0.428849 / 0.271821 - 1
        assert!((f.throughput_gain.unwrap() - 2842.37 / 180.81).abs() < 1e-9);
        assert_eq!(f.saturation_batch, Some(32)); // 40.461 > 1.25 × 26.586 = 33.23
        assert_eq!(f.budget_p50, Some((16, 1878.90)));
        assert_eq!(f.knee.map(|k| k.0), Some(16));
    }

    #[test]
    fn knee_of_a_bent_curve() {
        assert_eq!(knee(&[(0.0, 0.0), (1.0, 10.0), (2.0, 11.0), (3.0, 12.0)]), Some(1));
        assert_eq!(knee(&[(0.0, 0.0), (1.0, 1.0)]), None);
    }
}
