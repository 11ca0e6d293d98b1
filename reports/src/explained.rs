//! "Why, point by point": the section of `sweep.md` drawn from each profiled regime's `points.csv`
//! (`analysis/seq_sweep/`, `analysis/batch_sweep/`): how a decode step and a prefill's time per token split into
//! GPU busy by class, GPU idle and host-only time along the regime's axis, the HBM floor ratio along it, the
//! class whose share of GPU time grows the most, and findings generated from those numbers.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use schema::tables::PointRow;

use crate::charts::{write_figure, write_stacked_bars, ChartError, Panel, Series, Stack, HOST, IDLE};
use crate::markdown::{escape_cell, table};
use crate::units::{fmt_ns, fmt_pct};

/// One regime's rows of a phase, in axis order.
fn phase_rows<'a>(rows: &'a [PointRow], phase: &str) -> Vec<&'a PointRow> {
    rows.iter().filter(|r| r.phase == phase).collect()
}

/// The class whose share of the phase's GPU busy time grows the most from the first point to the last:
/// (class, share at the first, share at the last), in %.
pub fn growing_class(rows: &[&PointRow]) -> Option<(&'static str, f64, f64)> {
    let (a, b) = (rows.first()?, rows.last()?);
    let share = |r: &PointRow, i: usize| if r.gpu_busy_ns_per_step > 0.0 { r.class_busy()[i].1 * 100.0 / r.gpu_busy_ns_per_step } else { 0.0 };
    (0..12)
        .map(|i| (a.class_busy()[i].0, share(a, i), share(b, i)))
        .filter(|(_, x, y)| y > x)
        .max_by(|p, q| (p.2 - p.1).total_cmp(&(q.2 - q.1)))
}

/// Findings from the first and last point of a regime, each a sentence built from the numbers.
pub fn findings(axis: &str, rows: &[PointRow]) -> Vec<String> {
    let mut out = Vec::new();
    let x = |r: &PointRow| if axis == "seq" { format!("{} tokens", r.seq_len) } else { format!("batch {}", r.batch) };
    for phase in [schema::phase::DECODE, schema::phase::PREFILL] {
        let v = phase_rows(rows, phase);
        let (Some(a), Some(b)) = (v.first(), v.last()) else { continue };
        if v.len() < 2 {
            continue;
        }
        let what = if phase == schema::phase::DECODE { "the decode step" } else { "a prefill" };
        let gpu = v.iter().any(|r| r.kernels_per_step > 0.0);
        if !gpu {
            out.push(format!(
                "No GPU work was traced in {what} (a CPU run): its wall time goes from {} at {} to {} at {}, all host time.",
                fmt_ns(a.wall_p50_ns as f64),
                x(a),
                fmt_ns(b.wall_p50_ns as f64),
                x(b)
            ));
            continue;
        }
        let verdict = if a.bound == b.bound { format!("{} throughout", a.bound) } else { format!("{} at {} → {} at {}", a.bound, x(a), b.bound, x(b)) };
        out.push(format!(
            "From {} to {}, {what}'s GPU busy share goes from {} to {}, its GPU idle share from {} to {} and host-only from {} to {} ({verdict}).",
            x(a),
            x(b),
            fmt_pct(a.gpu_busy_pct),
            fmt_pct(b.gpu_busy_pct),
            fmt_pct(a.gpu_idle_pct),
            fmt_pct(b.gpu_idle_pct),
            fmt_pct(a.host_only_pct),
            fmt_pct(b.host_only_pct)
        ));
        if let (Some(wa), Some(wb)) = (a.wall_ns_per_token, b.wall_ns_per_token) {
            let per = if phase == schema::phase::DECODE { "generated token" } else { "prompt token" };
            out.push(format!("Time per {per} in {what}: {} at {} → {} at {} ({:+.1} %).", fmt_ns(wa), x(a), fmt_ns(wb), x(b), (wb / wa - 1.0) * 100.0));
        }
        if let Some((class, s0, s1)) = growing_class(&v) {
            out.push(format!("{class} grows the most in {what}'s GPU time: {} of it at {} → {} at {}.", fmt_pct(s0), x(a), fmt_pct(s1), x(b)));
        }
    }
    out
}

fn anatomy_chart(dir: &Path, stem: &str, title: &str, rows: &[&PointRow], per_token: bool, axis: &str) -> Result<Vec<PathBuf>, ChartError> {
    let cats: Vec<String> = rows.iter().map(|r| if axis == "seq" { r.seq_len.to_string() } else { format!("b{}", r.batch) }).collect();
    let div = |r: &PointRow| if per_token { (r.tokens_per_step.max(1)) as f64 } else { 1.0 } * 1e6;
    let mut stacks: Vec<Stack> = Vec::new();
    for i in 0..12 {
        let values: Vec<f64> = rows.iter().map(|r| r.class_busy()[i].1 / div(r)).collect();
        if values.iter().any(|&v| v > 0.0) {
            stacks.push(Stack { name: format!("busy: {}", rows[0].class_busy()[i].0), values, color: None });
        }
    }
    stacks.push(Stack { name: "GPU idle".into(), values: rows.iter().map(|r| r.gpu_idle_ns_per_step / div(r)).collect(), color: Some(IDLE) });
    stacks.push(Stack { name: "host-only".into(), values: rows.iter().map(|r| r.host_only_ns_per_step / div(r)).collect(), color: Some(HOST) });
    stacks.retain(|s| s.values.iter().any(|&v| v > 0.0));
    let unit = if per_token { "ms per token" } else { "ms per step" };
    write_stacked_bars(dir, stem, title, &cats, &stacks, unit)
}

/// The section of `sweep.md` for the profiled regimes (`seq` and `batch` points; either may be empty), its charts
/// written into `charts_dir` and linked relative to `md_dir`.
pub fn render_explained(seq: &[PointRow], batch: &[PointRow], charts_dir: &Path, md_dir: &Path) -> Result<(String, Vec<PathBuf>), ChartError> {
    let mut md = String::new();
    let mut files = Vec::new();
    if seq.is_empty() && batch.is_empty() {
        return Ok((md, files));
    }
    let rel = |p: &Path| p.strip_prefix(md_dir).unwrap_or(p).display().to_string();
    let _ = writeln!(md, "## Why, point by point\n");
    let _ = writeln!(
        md,
        "Each regime's whole sweep profiled under nsys (apart from the timing runs above) and attributed step by step (`analysis/<regime>/points.csv`). Bars split the mean step's wall time into GPU busy by kernel class, GPU idle between the step's own ops, and host-only time (a bar exceeds the mean wall time when a step's GPU work outlives it).\n"
    );
    for (axis, name, rows, dir) in [("seq", "Sequence regime", seq, "seq_sweep"), ("batch", "Batch regime", batch, "batch_sweep")] {
        if rows.is_empty() {
            continue;
        }
        let _ = writeln!(md, "### {name}\n");
        let lines = findings(axis, rows);
        for l in &lines {
            let _ = writeln!(md, "- {}", escape_cell(l, 400));
        }
        if !lines.is_empty() {
            md.push('\n');
        }
        let dec = phase_rows(rows, schema::phase::DECODE);
        let pre = phase_rows(rows, schema::phase::PREFILL);
        let body: Vec<Vec<String>> = dec
            .iter()
            .map(|d| {
                let p = pre.iter().find(|p| p.point == d.point);
                vec![
                    escape_cell(&d.point, 30),
                    p.and_then(|p| p.wall_ns_per_token).map(fmt_ns).unwrap_or_else(|| "–".into()),
                    fmt_ns(d.wall_p50_ns as f64),
                    format!("{} / {} / {}", fmt_pct(d.gpu_busy_pct), fmt_pct(d.gpu_idle_pct), fmt_pct(d.host_only_pct)),
                    format!("{:.1}", d.launches_per_step),
                    d.floor_ratio.map(|x| format!("{x:.2}×")).unwrap_or_else(|| "–".into()),
                    d.bound.clone(),
                    d.profiled_over_unprofiled.map(|x| format!("{x:.2}")).unwrap_or_else(|| "–".into()),
                ]
            })
            .collect();
        table(
            &mut md,
            &["Point", "Prefill per token", "Decode step (p50)", "Decode busy / idle / host-only", "Launches / step", "Decode wall ÷ HBM floor", "Decode bound", "Profiled ÷ unprofiled"],
            &[false, true, true, true, true, true, false, true],
            &body,
        );
        if !dec.is_empty() {
            let p = anatomy_chart(charts_dir, &format!("{axis}_decode_anatomy"), &format!("{name}: the decode step"), &dec, false, axis)?;
            let _ = writeln!(md, "![{name}: decode step anatomy]({})\n", rel(&p[0]));
            files.extend(p);
        }
        if !pre.is_empty() {
            let p = anatomy_chart(charts_dir, &format!("{axis}_prefill_anatomy"), &format!("{name}: prefill per prompt token"), &pre, true, axis)?;
            let _ = writeln!(md, "![{name}: prefill anatomy per token]({})\n", rel(&p[0]));
            files.extend(p);
        }
        let floors: Vec<Series> = [schema::phase::PREFILL, schema::phase::DECODE]
            .iter()
            .map(|ph| Series {
                name: ph.to_string(),
                points: phase_rows(rows, ph).iter().filter_map(|r| Some((if axis == "seq" { r.seq_len } else { r.batch } as f64, r.floor_ratio?))).collect(),
            })
            .filter(|s| !s.points.is_empty())
            .collect();
        if floors.is_empty() {
            let _ = writeln!(md, "No HBM floor for this regime (it needs the GPU's peak bandwidth and the model config), so no floor-ratio chart.\n");
        } else {
            let panel = Panel {
                title: "Step wall time over its HBM floor".into(),
                x_label: if axis == "seq" { "prompt length (tokens)".into() } else { "batch size (sequences)".into() },
                y_label: "wall ÷ floor".into(),
                series: floors,
                log_x: true,
                hlines: vec![(1.0, "the floor".into())],
                ..Default::default()
            };
            let p = write_figure(charts_dir, &format!("{axis}_floor_ratio"), "", &[panel], 1)?;
            let _ = writeln!(md, "![{name}: wall over HBM floor]({})\n", rel(&p[0]));
            files.extend(p);
        }
        let _ = writeln!(md, "Tables: [points.csv](analysis/{dir}/points.csv), [report](analysis/{dir}/report.md).\n");
    }
    Ok((md, files))
}

/// Color of a bound verdict in the grid's verdict heatmap.
pub fn bound_color(bound: &str) -> plotters::style::RGBColor {
    use plotters::style::RGBColor;
    match bound {
        "launch-bound" => RGBColor(230, 159, 0),
        "memory-bound" => RGBColor(0, 114, 178),
        "compute-bound" => RGBColor(0, 158, 115),
        "host-bound" => RGBColor(120, 120, 120),
        _ => RGBColor(215, 215, 215),
    }
}

/// The `--grid` section of `sweep.md`: heatmaps over prompt length × batch of the decode step (ms/token), the
/// total throughput, and — from the profiled grid's `points.csv` — the decode step's GPU busy share and its bound
/// verdict; cells that could not run are shown as such (`OOM`, `error`).
pub fn render_grid(rows: &[schema::SweepRow], points: &[PointRow], charts_dir: &Path, md_dir: &Path) -> Result<(String, Vec<PathBuf>), ChartError> {
    use crate::charts::{write_heatmap, Cell, Heatmap};
    let mut md = String::new();
    let mut files = Vec::new();
    if rows.is_empty() {
        return Ok((md, files));
    }
    let rel = |p: &Path| p.strip_prefix(md_dir).unwrap_or(p).display().to_string();
    let mut seqs: Vec<u32> = rows.iter().map(|r| r.seq_len).collect();
    let mut batches: Vec<u32> = rows.iter().map(|r| r.batch).collect();
    seqs.sort_unstable();
    seqs.dedup();
    batches.sort_unstable();
    batches.dedup();
    let (xl, yl): (Vec<String>, Vec<String>) = (batches.iter().map(|b| b.to_string()).collect(), seqs.iter().map(|s| s.to_string()).collect());
    let map = |title: &str, cells: Vec<Vec<Cell>>| Heatmap { title: title.into(), x_labels: xl.clone(), y_labels: yl.clone(), cells, x_desc: "batch size".into(), y_desc: "prompt length (tokens)".into() };
    let row = |s: u32, b: u32| rows.iter().find(|r| r.seq_len == s && r.batch == b);
    let missing = |r: Option<&schema::SweepRow>| match r.map(|r| r.flag.as_str()) {
        Some("oom") => Cell::Missing("OOM".into()),
        Some("error") => Cell::Missing("error".into()),
        _ => Cell::Missing("–".into()),
    };
    let grid = |f: &dyn Fn(u32, u32) -> Cell| -> Vec<Vec<Cell>> { seqs.iter().map(|&s| batches.iter().map(|&b| f(s, b)).collect()).collect() };
    let _ = writeln!(md, "## Grid: prompt length × batch\n");
    let oom: Vec<String> = rows.iter().filter(|r| r.flag == "oom").map(|r| r.label()).collect();
    let _ = writeln!(
        md,
        "{} configurations ({} prompt lengths × {} batch sizes){}.\n",
        rows.len(),
        seqs.len(),
        batches.len(),
        if oom.is_empty() { String::new() } else { format!("; out of memory: {}", oom.join(", ")) }
    );
    let value = |f: fn(&schema::SweepRow) -> Option<f64>, digits: usize| {
        move |s: u32, b: u32| match row(s, b) {
            Some(r) if !matches!(r.flag.as_str(), "oom" | "error") => match f(r) {
                Some(v) => Cell::Value(v, format!("{v:.digits$}")),
                None => Cell::Missing("–".into()),
            },
            r => missing(r),
        }
    };
    let maps: Vec<(&str, &str, Vec<Vec<Cell>>)> = vec![
        ("grid_decode_ms_per_token", "Decode step, ms per token (p50)", grid(&value(|r| r.decode_p50_ms_per_tok, 3))),
        ("grid_total_tok_s", "Total throughput, tokens/s", grid(&value(|r| r.total_tok_s, 0))),
    ];
    for (stem, title, cells) in maps {
        let p = write_heatmap(charts_dir, stem, &map(title, cells))?;
        let _ = writeln!(md, "![{title}]({})\n", rel(&p[0]));
        files.extend(p);
    }
    let decode = |s: u32, b: u32| points.iter().find(|p| p.phase == schema::phase::DECODE && p.seq_len == s && p.batch == b);
    if points.is_empty() {
        let _ = writeln!(md, "The grid was not profiled under nsys (`--no-profile-sweeps`, or nsys missing): no GPU busy or verdict heatmap.\n");
    } else {
        let busy = grid(&|s, b| match decode(s, b) {
            Some(p) => Cell::Value(p.gpu_busy_pct, format!("{:.0}%", p.gpu_busy_pct)),
            None => missing(row(s, b)),
        });
        let p = write_heatmap(charts_dir, "grid_gpu_busy", &map("Decode step: GPU busy share of its wall time", busy))?;
        let _ = writeln!(md, "![Decode step GPU busy share]({})\n", rel(&p[0]));
        files.extend(p);
        let verdict = grid(&|s, b| match decode(s, b) {
            Some(p) => Cell::Category(bound_color(&p.bound), p.bound.trim_end_matches("-bound").to_string()),
            None => missing(row(s, b)),
        });
        let p = write_heatmap(charts_dir, "grid_bound", &map("Decode step: what bounds it", verdict))?;
        let _ = writeln!(md, "![Decode step verdict]({})\n", rel(&p[0]));
        files.extend(p);
        if points.iter().all(|p| p.kernels_per_step == 0.0) {
            let _ = writeln!(md, "No GPU work was traced (a CPU run): busy is 0 % and the verdict `unknown` everywhere.\n");
        }
    }
    let _ = writeln!(md, "Tables: [grid_sweep.csv](grid_sweep.csv){}.\n", if points.is_empty() { "" } else { ", [points.csv](analysis/grid_sweep/points.csv)" });
    Ok((md, files))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A point: (busy, idle, host-only) %, (gemm, attention) busy ns per step.
    fn pt(seq: u32, batch: u32, phase: &str, (busy, idle, host): (f64, f64, f64), (gemm, attn): (f64, f64), bound: &str) -> PointRow {
        PointRow {
            point: schema::phase::point_label(seq, batch),
            seq_len: seq,
            batch,
            phase: phase.into(),
            steps: 4,
            tokens_per_step: if phase == "prefill" { u64::from(seq * batch) } else { u64::from(batch) },
            wall_p50_ns: 10_000_000,
            wall_ns_per_token: Some(10_000_000.0 / f64::from(if phase == "prefill" { seq * batch } else { batch })),
            gpu_busy_pct: busy,
            gpu_idle_pct: idle,
            host_only_pct: host,
            gpu_busy_ns_per_step: gemm + attn,
            kernels_per_step: 400.0,
            busy_gemm_ns: gemm,
            busy_attention_ns: attn,
            bound: bound.into(),
            ..Default::default()
        }
    }

    #[test]
    fn findings_follow_the_numbers() {
        let rows = vec![pt(1, 1, "decode", (39.0, 54.0, 7.0), (3_000_000.0, 900_000.0), "launch-bound"), pt(1, 64, "decode", (93.0, 4.0, 3.0), (7_000_000.0, 2_300_000.0), "memory-bound")];
        let f = findings("batch", &rows);
        assert_eq!(
            f[0],
            "From batch 1 to batch 64, the decode step's GPU busy share goes from 39.0% to 93.0%, its GPU idle share from 54.0% to 4.0% and host-only from 7.0% to 3.0% (launch-bound at batch 1 → memory-bound at batch 64)."
        );
        // attention: 900/3900 = 23.1 % → 2300/9300 = 24.7 %; gemm falls.
        assert!(f.iter().any(|l| l.starts_with("attention grows the most") && l.contains("23.1%") && l.contains("24.7%")), "{f:?}");
        assert!(f.iter().any(|l| l.contains("per generated token") && l.contains("-98.4 %")), "{f:?}");
    }

    #[test]
    fn a_cpu_run_says_so() {
        let mut a = pt(128, 1, "decode", (0.0, 0.0, 100.0), (0.0, 0.0), "unknown");
        let mut b = pt(4096, 1, "decode", (0.0, 0.0, 100.0), (0.0, 0.0), "unknown");
        a.kernels_per_step = 0.0;
        b.kernels_per_step = 0.0;
        b.wall_p50_ns = 30_000_000;
        let f = findings("seq", &[a, b]);
        assert_eq!(f, ["No GPU work was traced in the decode step (a CPU run): its wall time goes from 10.00 ms at 128 tokens to 30.00 ms at 4096 tokens, all host time."]);
    }
}
