//! Re-rendering a run folder from its files alone (`latency-anatomy report DIR`):
//! - a capture run (`manifest.json`): `sweep.md` (tables, figures, findings), each `analysis/<point>/report.md`
//!   with its charts, `comparison.md` of the profiled points, and `index.md` linking everything;
//! - an analysis folder (`tables.json`): its `report.md` with charts.
//!
//! Charts are SVG (linked from the markdown by relative paths, so the reports render on GitHub) plus PNG.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use schema::phase::{DECODE, PREFILL};
use schema::{Manifest, Tables};

use crate::error::{ReportError, Result};

use crate::charts::{write_roofline, write_stacked_bars, RoofPoint, Stack};
use crate::markdown::{escape_cell, render_markdown, ReportOptions};
use crate::sweep::{read_sweep_lenient, render_sweep, SweepRow};
use crate::units::{fmt_bytes, fmt_ns, fmt_pct};

/// Options of a run report.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct RunOptions {
    /// Rows of the top tables. Default is 15.
    pub top: usize,
    /// Per-token latency budget (ms) for the best-batch finding. Default is none.
    pub latency_budget_ms: Option<f64>,
}

impl RunOptions {
    /// Options with `top` rows and an optional latency budget.
    pub fn new(top: usize, latency_budget_ms: Option<f64>) -> Self {
        RunOptions { top, latency_budget_ms }
    }
}

fn write(path: &Path, text: &str) -> Result<()> {
    Ok(schema::io::write_atomic(path, text.as_bytes())?)
}

/// The CSV of `rows` (serde's header; `header` alone when there is no row), for the file at `path` (named in
/// errors).
pub(crate) fn rows_csv<T: serde::Serialize>(path: &Path, header: &[&str], rows: &[T]) -> Result<Vec<u8>> {
    let ser = |e: String| ReportError::Serialize { path: path.to_path_buf(), detail: e };
    let mut w = csv::Writer::from_writer(Vec::new());
    if rows.is_empty() {
        w.write_record(header).map_err(|e| ser(e.to_string()))?;
    }
    for row in rows {
        w.serialize(row).map_err(|e| ser(e.to_string()))?;
    }
    w.into_inner().map_err(|e| ser(e.to_string()))
}

fn read_tables(dir: &Path) -> Result<Tables> {
    Ok(schema::io::read_tables(&dir.join("tables.json"))?)
}

/// The first row of the sweep CSV beside a profiled point's export (`nsys/<point>.csv`), when there is one.
fn point_sweep_row(run: &Path, label: &str) -> Option<SweepRow> {
    schema::sweep::first_row(&run.join("nsys").join(format!("{label}.csv")))
}

/// Draws the charts of one analysis into `dir/charts` and returns (title, relative path) pairs.
pub fn attribution_charts(t: &Tables, dir: &Path) -> Result<Vec<(String, String)>> {
    let charts = dir.join("charts");
    // The charts of an earlier analysis in this folder go first: a chart this one does not draw (a roofline
    // without ncu data) must not stay beside its report.
    for name in ["classes.svg", "classes.png", "roofline.svg", "roofline.png", "steps.svg", "steps.png"] {
        let path = charts.join(name);
        if std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) {
            std::fs::remove_file(&path).map_err(|source| ReportError::Replace { path: path.clone(), source })?;
        }
    }
    let mut out = Vec::new();
    // Kernel classes per phase, as % of each phase's GPU time.
    let mut phases: Vec<String> = Vec::new();
    for c in &t.classes {
        if !phases.contains(&c.phase) {
            phases.push(c.phase.clone());
        }
    }
    let shown: Vec<String> = if phases.len() > 1 { phases.iter().filter(|p| *p != "all").cloned().collect() } else { phases.clone() };
    if !shown.is_empty() {
        let mut classes: Vec<String> = Vec::new();
        for c in &t.classes {
            if shown.contains(&c.phase) && !classes.contains(&c.class) {
                classes.push(c.class.clone());
            }
        }
        let stacks: Vec<Stack> = classes
            .iter()
            .map(|cl| Stack {
                name: cl.clone(),
                values: shown.iter().map(|p| t.classes.iter().find(|c| &c.phase == p && &c.class == cl).map_or(0.0, |c| c.pct_phase_time)).collect(),
                color: None,
            })
            .collect();
        let p = write_stacked_bars(&charts, "classes", "GPU time by kernel class and phase", &shown, &stacks, "share of the phase's GPU time (%)")?;
        out.push(("Kernel classes per phase".to_string(), "charts/classes.svg".to_string()));
        let _ = p;
    }
    // Where each step's time goes: per point and phase, the mean step's wall time as GPU busy by class, GPU
    // idle inside the GPU window and host-only time, in % of the mean wall time.
    if !t.step_summary.is_empty() {
        let cats: Vec<String> = t.step_summary.iter().map(crate::markdown::step_label).collect();
        let pct = |r: &schema::tables::StepSummaryRow, v: f64| if r.wall_mean_ns > 0.0 { v * 100.0 / r.wall_mean_ns } else { 0.0 };
        let mut stacks: Vec<Stack> = Vec::new();
        for (i, (class, _)) in t.step_summary[0].class_busy().iter().enumerate() {
            let values: Vec<f64> = t.step_summary.iter().map(|r| pct(r, r.class_busy()[i].1)).collect();
            if values.iter().any(|&v| v > 0.0) {
                stacks.push(Stack { name: format!("busy: {class}"), values, color: None });
            }
        }
        stacks.push(Stack { name: "GPU idle (between ops)".into(), values: t.step_summary.iter().map(|r| pct(r, r.gpu_idle_ns_per_step)).collect(), color: Some(crate::charts::IDLE) });
        stacks.push(Stack { name: "host-only".into(), values: t.step_summary.iter().map(|r| pct(r, r.host_only_ns_per_step)).collect(), color: Some(crate::charts::HOST) });
        write_stacked_bars(&charts, "steps", "Where each step's time goes (mean step)", &cats, &stacks, "share of the step's wall time (%)")?;
        out.push(("Where each step's time goes".to_string(), "charts/steps.svg".to_string()));
    }
    // Roofline of the profiled kernels.
    let peak_f = t.ncu_kernels.iter().find_map(|k| k.peak_fp32_gflop_s);
    let peak_b = t.ncu_kernels.iter().find_map(|k| k.peak_dram_gb_s);
    let pts: Vec<RoofPoint> = t
        .ncu_kernels
        .iter()
        .filter_map(|k| Some(RoofPoint { ai: k.arithmetic_intensity?, gflops: k.gflop_s?, label: format!("#{} {}", k.id, k.base_name.chars().take(24).collect::<String>()), bound: k.bound.clone() }))
        .collect();
    if let (Some(f), Some(b), false) = (peak_f, peak_b, pts.is_empty()) {
        write_roofline(&charts, "roofline", "Roofline of the profiled kernels (FP32 roof)", &pts, f, b)?;
        out.push(("Roofline".to_string(), "charts/roofline.svg".to_string()));
    }
    Ok(out)
}

/// The markdown of one analysis with its charts.
pub fn analysis_markdown(t: &Tables, dir: &Path, o: &ReportOptions) -> Result<String> {
    let charts = attribution_charts(t, dir)?;
    let mut md = render_markdown(t, o);
    // The step chart sits in its section; the others under "Charts".
    let (steps, charts): (Vec<_>, Vec<_>) = charts.into_iter().partition(|(_, p)| p == "charts/steps.svg");
    let steps_img = steps.first().map(|(title, path)| format!("![{title}]({path})")).unwrap_or_default();
    md = md.replace(crate::markdown::STEPS_CHART_MARK, &steps_img);
    if !charts.is_empty() {
        let mut s = String::from("## Charts\n\n");
        for (title, path) in &charts {
            let _ = writeln!(s, "![{title}]({path})\n");
        }
        // Before the closing "Tables:" line.
        match md.rfind("Tables: ") {
            Some(i) => md.insert_str(i, &s),
            None => md.push_str(&s),
        }
    }
    Ok(md)
}

/// Writes `dir/report.md` (and its charts) for the tables of one analysis; returns the report's path.
pub fn write_analysis_report(t: &Tables, dir: &Path, o: &ReportOptions) -> Result<PathBuf> {
    let md = analysis_markdown(t, dir, o)?;
    let out = dir.join("report.md");
    write(&out, &md)?;
    Ok(out)
}

/// Re-renders `dir/report.md` (and its charts) from `dir/tables.json`.
pub fn render_analysis_dir(dir: &Path, o: &ReportOptions) -> Result<PathBuf> {
    write_analysis_report(&read_tables(dir)?, dir, o)
}

fn phase_ns(t: &Tables, phase: &str) -> i64 {
    t.classes.iter().filter(|c| c.phase == phase).map(|c| c.total_ns).sum()
}

fn range_cpu(t: &Tables, phase: &str) -> Option<i64> {
    t.nvtx_ranges.iter().find(|r| r.range.rsplit(':').next() == Some(phase)).map(|r| r.cpu_total_ns)
}

/// The regime comparison of the profiled points of a run (`analysis/<point>/tables.json`, with the sweep CSV
/// of each point in `nsys/<point>.csv` for token counts).
pub fn comparison_markdown(run: &Path, points: &[String]) -> Result<String> {
    struct P {
        label: String,
        t: Tables,
        tokens_prefill: Option<f64>,
        tokens_decode: Option<f64>,
    }
    let mut ps = Vec::new();
    for label in points {
        let t = read_tables(&run.join("analysis").join(label))?;
        // Tokens of all runs in the trace (warmup + reps), from the sweep CSV beside the export.
        let (tp, td) = match point_sweep_row(run, label).and_then(|s| Some((s.runs()?, s))) {
            Some((n, s)) => {
                let (n, gen) = (f64::from(n), f64::from(s.gen_tokens.unwrap_or(0)));
                (Some(n * s.seq_len as f64 * s.batch as f64), Some(n * gen * s.batch as f64))
            }
            None => (None, None),
        };
        ps.push(P { label: label.clone(), t, tokens_prefill: tp, tokens_decode: td });
    }
    let mut md = String::new();
    let _ = writeln!(md, "# Regime comparison\n");
    let _ = writeln!(md, "The profiled points side by side (one column each). Per-token figures divide by every token the profiled run processed: prompt tokens for prefill, generated tokens (all sequences) for decode, over warmup and measured runs alike.\n");
    let head: Vec<String> = ps.iter().map(|p| escape_cell(&p.label, 40)).collect();
    let per_tok = |ns: Option<f64>, tok: Option<f64>| match (ns, tok) {
        (Some(n), Some(t)) if t > 0.0 && n > 0.0 => fmt_ns(n / t),
        _ => "–".to_string(),
    };
    // The point's measured steps of a phase (`step_summary.csv`; the export of a point holds that point only).
    fn step<'a>(p: &'a P, phase: &str) -> Option<&'a schema::tables::StepSummaryRow> {
        p.t.step_summary.iter().find(|r| r.phase == phase && (r.point == p.label || r.point.is_empty()))
    }
    let step_cell = |phase: &'static str, f: fn(&schema::tables::StepSummaryRow) -> String| move |p: &P| step(p, phase).map(f).unwrap_or_else(|| "–".into());
    type Cell<'a> = Box<dyn Fn(&P) -> String + 'a>;
    let rows: Vec<(&str, Cell)> = vec![
        ("prefill step wall time (median)", Box::new(step_cell(PREFILL, |r| fmt_ns(r.wall_p50_ns as f64)))),
        ("decode step wall time (median)", Box::new(step_cell(DECODE, |r| fmt_ns(r.wall_p50_ns as f64)))),
        ("decode step: GPU busy / idle / host-only", Box::new(step_cell(DECODE, |r| format!("{} / {} / {}", fmt_pct(r.gpu_busy_pct), fmt_pct(r.gpu_idle_pct), fmt_pct(r.host_only_pct))))),
        ("decode launches per step (API time each)", Box::new(step_cell(DECODE, |r| if r.launches_per_step > 0.0 { format!("{:.1} ({})", r.launches_per_step, fmt_ns(r.launch_api_ns_per_launch)) } else { "0".into() }))),
        ("decode step HBM floor (wall ÷ floor)", Box::new(step_cell(DECODE, |r| match (r.hbm_floor_ns, r.floor_ratio) { (Some(f), Some(x)) => format!("{} ({x:.2}×)", fmt_ns(f as f64)), _ => "–".into() }))),
        ("prefill bound", Box::new(step_cell(PREFILL, |r| r.bound.clone()))),
        ("decode bound", Box::new(step_cell(DECODE, |r| r.bound.clone()))),
        ("GPU kernels", Box::new(|p: &P| p.t.summary.kernels.to_string())),
        ("prefill GPU time per prompt token", Box::new(move |p: &P| per_tok(Some(phase_ns(&p.t, PREFILL) as f64), p.tokens_prefill))),
        ("decode GPU time per generated token", Box::new(move |p: &P| per_tok(Some(phase_ns(&p.t, DECODE) as f64), p.tokens_decode))),
        ("prefill wall time per prompt token (NVTX)", Box::new(move |p: &P| per_tok(range_cpu(&p.t, PREFILL).map(|v| v as f64), p.tokens_prefill))),
        ("decode wall time per generated token (NVTX)", Box::new(move |p: &P| per_tok(range_cpu(&p.t, DECODE).map(|v| v as f64), p.tokens_decode))),
        ("top decode class", Box::new(|p: &P| p.t.classes.iter().find(|c| c.phase == DECODE).map(|c| format!("{} {}", c.class, fmt_pct(c.pct_phase_time))).unwrap_or_else(|| "–".into()))),
        ("top prefill class", Box::new(|p: &P| p.t.classes.iter().find(|c| c.phase == PREFILL).map(|c| format!("{} {}", c.class, fmt_pct(c.pct_phase_time))).unwrap_or_else(|| "–".into()))),
        (
            "decode DRAM bytes per generated token (ncu)",
            Box::new(move |p: &P| {
                let b = p.t.traffic.iter().find(|r| r.phase == DECODE).and_then(|r| r.kernel_dram_bytes);
                match (b, p.tokens_decode) {
                    (Some(b), Some(t)) if t > 0.0 => fmt_bytes(b / t),
                    _ => "–".into(),
                }
            }),
        ),
        ("decode achieved DRAM bandwidth", Box::new(|p: &P| p.t.traffic.iter().find(|r| r.phase == DECODE).and_then(|r| r.kernel_gb_s).map(|g| format!("{g:.1} GB/s")).unwrap_or_else(|| "–".into()))),
        (
            "decode achieved GFLOP/s (ncu-profiled kernels)",
            Box::new(|p: &P| {
                let ks: Vec<_> = p.t.ncu_kernels.iter().filter(|k| k.phase == DECODE).collect();
                let fl: f64 = ks.iter().filter_map(|k| k.flops).sum();
                let ns: f64 = ks.iter().filter(|k| k.flops.is_some()).filter_map(|k| k.duration_ns).sum();
                if ns > 0.0 { format!("{:.1}", fl / ns) } else { "–".into() }
            }),
        ),
        ("decode explained by model bytes at peak BW", Box::new(|p: &P| p.t.traffic.iter().find(|r| r.phase == DECODE).and_then(|r| r.explained_pct).map(fmt_pct).unwrap_or_else(|| "–".into()))),
        (
            "decode GPU time in memory-bound kernels",
            Box::new(|p: &P| p.t.ncu_phases.iter().find(|r| r.phase == DECODE && r.bound == "memory-bound").map(|r| fmt_pct(r.pct_phase_time)).unwrap_or_else(|| "–".into())),
        ),
    ];
    let table: Vec<Vec<String>> =
        rows.iter().map(|(name, f)| std::iter::once(name.to_string()).chain(ps.iter().map(f)).collect()).collect();
    let md_header: Vec<&str> = std::iter::once("").chain(head.iter().map(String::as_str)).collect();
    let align: Vec<bool> = std::iter::once(false).chain(ps.iter().map(|_| true)).collect();
    crate::markdown::table(&mut md, &md_header, &align, &table);
    // The same table as CSV and JSON, for scripts.
    let mut w = csv::Writer::from_writer(Vec::new());
    let header: Vec<String> = std::iter::once("metric".to_string()).chain(ps.iter().map(|p| p.label.clone())).collect();
    let ser = |e: csv::Error| ReportError::Serialize { path: run.join("comparison.csv"), detail: e.to_string() };
    w.write_record(&header).map_err(ser)?;
    for r in &table {
        w.write_record(r).map_err(ser)?;
    }
    write(&run.join("comparison.csv"), &String::from_utf8_lossy(&w.into_inner().map_err(|e| ReportError::Serialize { path: run.join("comparison.csv"), detail: e.to_string() })?))?;
    let json: Vec<serde_json::Value> = table
        .iter()
        .map(|r| serde_json::Value::Object(header.iter().cloned().zip(r.iter().map(|c| serde_json::Value::String(c.clone()))).collect()))
        .collect();
    write(&run.join("comparison.json"), &(serde_json::to_string_pretty(&json).map_err(|e| ReportError::Serialize { path: run.join("comparison.json"), detail: e.to_string() })? + "\n"))?;
    let _ = writeln!(md, "## What bounds each regime\n");
    for p in &ps {
        let mut why = Vec::new();
        for phase in [PREFILL, DECODE] {
            // (A capture without GPU work says so once, below.)
            if let Some(r) = step(p, phase).filter(|_| p.t.summary.kernels + p.t.summary.memops > 0) {
                why.push(format!("a {phase} step is {} ({})", r.bound, r.bound_reason));
            }
        }
        if p.t.summary.kernels == 0 {
            why.push("no GPU kernels were recorded (a CPU capture): only wall time per phase can be compared".to_string());
        }
        if let Some(r) = p.t.ncu_phases.iter().filter(|r| r.phase == DECODE && r.bound != "unprofiled").max_by_key(|r| r.total_ns) {
            why.push(format!("decode spends {} of its GPU time in {} kernels{}", fmt_pct(r.pct_phase_time), r.bound, r.dram_pct_of_peak.map(|d| format!(" at {} of peak DRAM bandwidth", fmt_pct(d))).unwrap_or_default()));
        }
        if let Some(x) = p.t.traffic.iter().find(|r| r.phase == DECODE).and_then(|r| r.explained_pct) {
            why.push(format!("reading the weights and KV cache at peak bandwidth would take {} of decode's kernel time", fmt_pct(x)));
        }
        if let (Some(pf), Some(dc)) = (range_cpu(&p.t, PREFILL), range_cpu(&p.t, DECODE)) {
            let total = (pf + dc) as f64;
            if total > 0.0 {
                why.push(format!("prefill is {} and decode {} of the measured wall time", fmt_pct(pf as f64 * 100.0 / total), fmt_pct(dc as f64 * 100.0 / total)));
            }
        }
        let _ = writeln!(md, "- **{}**: {}.", escape_cell(&p.label, 40), if why.is_empty() { "not enough data".to_string() } else { why.join("; ") });
    }
    Ok(md)
}

/// Renders every report of a capture run folder; returns the files written.
pub fn render_run(run: &Path, o: &RunOptions) -> Result<Vec<PathBuf>> {
    render_run_noting(run, o).map(|(files, _)| files)
}

/// [`render_run`], also returning what was left out (each bad sweep CSV row named by file and line, an
/// unreadable sweep CSV); the same messages are listed in `index.md`.
pub fn render_run_noting(run: &Path, o: &RunOptions) -> Result<(Vec<PathBuf>, Vec<String>)> {
    let mut written = Vec::new();
    let ro = ReportOptions::with_top(o.top.max(1));
    // A manifest that cannot be read as one is left out, as if absent (the report still renders the run's files).
    let manifest: Option<Manifest> = std::fs::read(run.join("manifest.json")).ok().and_then(|b| serde_json::from_slice(&b).ok());
    let mut skipped: Vec<String> = Vec::new();
    let mut sweep_rows = |name: &str| -> Vec<SweepRow> {
        let path = run.join(name);
        if !path.exists() {
            return Vec::new();
        }
        match read_sweep_lenient(&path) {
            Ok((rows, bad)) => {
                skipped.extend(bad);
                rows
            }
            Err(e) => {
                skipped.push(format!("{e}; the {} section is left out", name.trim_end_matches(".csv")));
                Vec::new()
            }
        }
    };
    let seq = sweep_rows("seq_sweep.csv");
    let batch = sweep_rows("batch_sweep.csv");
    let grid = sweep_rows("grid_sweep.csv");
    let mut index = String::new();
    let title = manifest.as_ref().map(|m| m.run_id.clone()).unwrap_or_else(|| run.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default());
    let _ = writeln!(index, "# Run {}\n", escape_cell(&title, 100));
    if let Some(m) = &manifest {
        let _ = writeln!(index, "- **Model:** {} ({}, {} weights)", escape_cell(&m.model, 60), m.dtype, m.weights["kind"].as_str().unwrap_or("?"));
        let _ = writeln!(index, "- **Device:** {} — {}", m.device, escape_cell(&m.device_name, 80));
        let _ = writeln!(index, "- **Runs per configuration:** {} warmup + {} measured, {} decode steps", m.warmup, m.reps, m.gen_tokens);
        for (k, v) in &m.tools {
            let _ = writeln!(index, "- **{k}:** {}", escape_cell(v, 100));
        }
        let _ = writeln!(index, "- **Created:** {}", m.created_utc);
        let _ = writeln!(index, "\n## Steps\n\n| step | status | seconds | message |\n|---|---|--:|---|");
        for st in &m.steps {
            let _ = writeln!(index, "| {} | {} | {:.1} | {} |", escape_cell(&st.name, 40), st.status.as_str(), st.seconds, escape_cell(&st.message, 160));
        }
        index.push('\n');
    }
    if !skipped.is_empty() {
        let _ = writeln!(index, "## Left out\n");
        for m in &skipped {
            let _ = writeln!(index, "- {}", escape_cell(m, 300));
        }
        index.push('\n');
    }
    let _ = writeln!(index, "## Reports\n");
    if !seq.is_empty() || !batch.is_empty() || !grid.is_empty() {
        let (mut md, mut files) = if seq.is_empty() && batch.is_empty() {
            ("# Latency sweep\n\n".to_string(), Vec::new())
        } else {
            render_sweep(&seq, &batch, o.latency_budget_ms, &run.join("charts"), run)?
        };
        // The profiled regimes, point by point (when the capture profiled them), and the grid's heatmaps.
        let points = |r: &str| std::fs::read(run.join("analysis").join(r).join("tables.json")).ok().and_then(|b| serde_json::from_slice::<Tables>(&b).ok()).map(|t| t.points).unwrap_or_default();
        let (mut extra, mut more) = crate::explained::render_explained(&points("seq_sweep"), &points("batch_sweep"), &run.join("charts"), run)?;
        let (g, gf) = crate::explained::render_grid(&grid, &points("grid_sweep"), &run.join("charts"), run)?;
        extra.push_str(&g);
        more.extend(gf);
        if !extra.is_empty() {
            // Before the closing definitions line.
            match md.rfind("Definitions of every column") {
                Some(i) => md.insert_str(i, &extra),
                None => md.push_str(&extra),
            }
            files.extend(more);
        }
        write(&run.join("sweep.md"), &md)?;
        written.push(run.join("sweep.md"));
        let json = serde_json::json!({
            "seq_sweep": seq.iter().map(crate::sweep::json_row).collect::<Vec<_>>(),
            "batch_sweep": batch.iter().map(crate::sweep::json_row).collect::<Vec<_>>(),
            "findings": crate::sweep::findings(&seq, &batch, o.latency_budget_ms),
        });
        write(&run.join("sweep.json"), &(serde_json::to_string_pretty(&json).map_err(|e| ReportError::Serialize { path: run.join("sweep.json"), detail: e.to_string() })? + "\n"))?;
        written.push(run.join("sweep.json"));
        written.extend(files);
        let _ = writeln!(index, "- [Latency sweep](sweep.md): tables, figures and findings of both regimes ([seq_sweep.csv](seq_sweep.csv), [batch_sweep.csv](batch_sweep.csv))");
    }
    let mut points: Vec<String> = std::fs::read_dir(run.join("analysis"))
        .map(|rd| rd.filter_map(|e| e.ok()).filter(|e| e.path().join("tables.json").is_file()).map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    points.sort();
    // The profiled regimes (the whole sweep in one export) are explained point by point, not compared as points.
    let regimes: Vec<String> = schema::sweep::REGIMES.iter().map(|r| r.to_string()).filter(|r| points.contains(r)).collect();
    points.retain(|p| !regimes.contains(p));
    for r in &regimes {
        written.push(render_analysis_dir(&run.join("analysis").join(r), &ro)?);
        let _ = writeln!(index, "- [Attribution of the whole `{r}`](analysis/{r}/report.md): every point of the regime profiled under nsys and explained step by step ([points.csv](analysis/{r}/points.csv))");
    }
    for p in &points {
        let dir = run.join("analysis").join(p);
        written.push(render_analysis_dir(&dir, &ro)?);
        let _ = writeln!(index, "- [Attribution of `{p}`](analysis/{p}/report.md): nsys{} analysis of the profiled point", if dir.join("ncu_kernels.csv").is_file() { " + ncu" } else { "" });
    }
    if points.len() >= 2 {
        write(&run.join("comparison.md"), &comparison_markdown(run, &points)?)?;
        written.push(run.join("comparison.md"));
        let _ = writeln!(index, "- [Regime comparison](comparison.md): the profiled points side by side ([csv](comparison.csv), [json](comparison.json))");
    }
    let _ = writeln!(index, "\nEvery table is also in CSV and JSON next to its report; `manifest.json` holds the exact command of every step.");
    write(&run.join("index.md"), &index)?;
    written.push(run.join("index.md"));
    Ok((written, skipped))
}
