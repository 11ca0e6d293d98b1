//! `fleet.md` and `fleet.csv`: many inputs analyzed at once, one row each, the fleet-wide top kernels and classes,
//! and the inputs that stand out (a straggler rank, a slow node).
//!
//! **Outliers:** for `busy_pct` and `decode_step_p50_ns` over the inputs that have them (at least three), an input
//! is an outlier when it lies more than [`MAD_LIMIT`] median absolute deviations from the median; the MAD is taken
//! as at least 1 % of the median, so that a fleet of identical values does not flag a rounding difference.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};

use schema::fleet::{FleetRow, FLEET_COLUMNS};
use schema::Tables;

use crate::error::{ReportError, Result};
use crate::markdown::{escape_cell, table};
use crate::units::{fmt_ns, fmt_pct};

/// Distance from the median, in MADs, beyond which an input is an outlier.
pub const MAD_LIMIT: f64 = 2.0;

/// The fleet row of an analyzed input (status `ok` or `up-to-date`).
pub fn row_of(trace_id: &str, input: &str, status: &str, t: &Tables, seconds: f64) -> FleetRow {
    let used: Vec<i64> = t.timeline.iter().map(|d| d.device).collect();
    // Nsight Compute data alone: its session's GPUs and its profiled launches.
    let ncu = t.is_ncu_only();
    let mut gpus: Vec<String> = t.info.gpus.iter().filter(|g| ncu || used.contains(&g.device)).map(|g| g.name.clone()).collect();
    gpus.sort();
    gpus.dedup();
    let (busy, span): (i64, i64) = t.timeline.iter().fold((0, 0), |(b, s), d| (b + d.busy_ns, s + d.span_ns));
    let top = t.classes.iter().filter(|c| c.phase == "all").max_by_key(|c| c.total_ns).map(|c| c.class.clone()).unwrap_or_default();
    let decode = t.step_summary.iter().filter(|s| s.phase == schema::phase::DECODE).max_by_key(|s| s.steps).map(|s| s.wall_p50_ns);
    FleetRow {
        trace_id: trace_id.into(),
        input: input.into(),
        status: status.into(),
        error: String::new(),
        gpu: gpus.join(";"),
        devices: t.timeline.len() as u64,
        kernels: if ncu { t.ncu_kernels.len() as u64 } else { t.summary.kernels },
        kernel_ns: if ncu { t.ncu_kernels.iter().filter_map(|k| k.duration_ns).sum::<f64>().round() as i64 } else { t.summary.kernel_ns },
        busy_pct: if span > 0 { (busy as f64 * 10000.0 / span as f64).round() / 100.0 } else { 0.0 },
        attributed_pct: t.summary.attributed_pct,
        top_class: top,
        phases: t.summary.phases.join(";"),
        decode_step_p50_ns: decode,
        seconds: (seconds * 100.0).round() / 100.0,
        outlier: String::new(),
    }
}

/// The fleet row of an input that could not be analyzed.
pub fn failed_row(trace_id: &str, input: &str, error: &str) -> FleetRow {
    FleetRow { trace_id: trace_id.into(), input: input.into(), status: "failed".into(), error: error.into(), ..Default::default() }
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 }
}

/// Marks the outliers of `rows` (see the module docs): each gets its reasons in `outlier`.
pub fn mark_outliers(rows: &mut [FleetRow]) {
    type Metric = fn(&FleetRow) -> Option<f64>;
    let metrics: [(&str, Metric); 2] = [
        ("busy_pct", |r| (r.status != "failed" && r.devices > 0).then_some(r.busy_pct)),
        ("decode_step_p50_ns", |r| r.decode_step_p50_ns.map(|v| v as f64)),
    ];
    for (name, get) in metrics {
        let mut v: Vec<f64> = rows.iter().filter_map(get).collect();
        if v.len() < 3 {
            continue;
        }
        let m = median(&mut v);
        let mut dev: Vec<f64> = v.iter().map(|x| (x - m).abs()).collect();
        let mad = median(&mut dev).max(m.abs() * 0.01);
        if mad <= 0.0 {
            continue;
        }
        for r in rows.iter_mut() {
            let Some(x) = get(r) else { continue };
            let z = (x - m) / mad;
            if z.abs() > MAD_LIMIT {
                let why = format!("{name} {:.1} MAD {} the median", z.abs(), if z > 0.0 { "above" } else { "below" });
                if !r.outlier.is_empty() {
                    r.outlier.push_str("; ");
                }
                r.outlier.push_str(&why);
            }
        }
    }
}

/// Writes `fleet.csv` and `fleet.md` into `out` from the rows (outliers already marked) and the tables of the
/// analyzed inputs (for the fleet-wide top kernels and classes); returns their paths.
pub fn write_fleet(rows: &[FleetRow], tables: &[&Tables], out: &Path, top: usize) -> Result<Vec<PathBuf>> {
    let csv = crate::run::rows_csv(&out.join("fleet.csv"), &FLEET_COLUMNS, rows)?;
    schema::io::write_atomic(&out.join("fleet.csv"), &csv)?;
    schema::io::write_atomic(&out.join("fleet.md"), render_fleet(rows, tables, top).as_bytes())?;
    Ok(vec![out.join("fleet.csv"), out.join("fleet.md")])
}

/// The markdown of `fleet.md`.
pub fn render_fleet(rows: &[FleetRow], tables: &[&Tables], top: usize) -> String {
    let mut md = String::new();
    let count = |s: &str| rows.iter().filter(|r| r.status == s).count();
    let _ = writeln!(md, "# Fleet: {} input(s)\n", rows.len());
    let _ = writeln!(md, "{} analyzed, {} up to date (reused), {} failed.\n", count("ok"), count("up-to-date"), count("failed"));
    let outliers: Vec<&FleetRow> = rows.iter().filter(|r| !r.outlier.is_empty()).collect();
    let _ = writeln!(md, "## Outliers\n");
    if outliers.is_empty() {
        let _ = writeln!(md, "None: every input's GPU busy share and decode step are within {MAD_LIMIT} MAD of the fleet's median (or too few inputs have them to tell).\n");
    } else {
        for r in &outliers {
            let _ = writeln!(md, "- **{}** ([report]({}/report.md)): {}.", escape_cell(&r.trace_id, 100), r.trace_id, escape_cell(&r.outlier, 300));
        }
        md.push('\n');
    }
    let _ = writeln!(md, "## Inputs\n");
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                if r.status == "failed" { escape_cell(&r.trace_id, 80) } else { format!("[{}]({}/report.md)", escape_cell(&r.trace_id, 80), r.trace_id) },
                r.status.clone(),
                escape_cell(&r.gpu, 60),
                r.kernels.to_string(),
                fmt_ns(r.kernel_ns as f64),
                fmt_pct(r.busy_pct),
                fmt_pct(r.attributed_pct),
                escape_cell(&r.top_class, 20),
                r.decode_step_p50_ns.map(|v| fmt_ns(v as f64)).unwrap_or_else(|| "–".into()),
                if r.status == "failed" { escape_cell(&r.error, 200) } else { escape_cell(&r.outlier, 120) },
            ]
        })
        .collect();
    table(&mut md, &["Trace", "Status", "GPU", "Kernels", "Kernel time", "Busy", "Attributed", "Top class", "Decode step p50", "Outlier / error"], &[false, false, false, true, true, true, true, false, true, false], &body);
    // Fleet-wide kernels and classes: summed over the analyzed inputs.
    let mut kernels: BTreeMap<&str, (u64, i64, usize)> = BTreeMap::new();
    let mut classes: BTreeMap<&str, i64> = BTreeMap::new();
    for t in tables {
        let mut seen: Vec<&str> = Vec::new();
        for k in &t.kernels {
            let e = kernels.entry(k.name.as_str()).or_default();
            e.0 += k.instances;
            e.1 += k.total_ns;
            if !seen.contains(&k.name.as_str()) {
                e.2 += 1;
                seen.push(&k.name);
            }
        }
        for c in t.classes.iter().filter(|c| c.phase == "all") {
            *classes.entry(c.class.as_str()).or_default() += c.total_ns;
        }
    }
    let total: i64 = classes.values().sum();
    if total > 0 {
        let _ = writeln!(md, "## Fleet-wide classes\n");
        let mut c: Vec<(&str, i64)> = classes.into_iter().collect();
        c.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let body: Vec<Vec<String>> = c.iter().map(|(n, ns)| vec![n.to_string(), fmt_ns(*ns as f64), fmt_pct(*ns as f64 * 100.0 / total as f64)]).collect();
        table(&mut md, &["Class", "GPU time", "Share"], &[false, true, true], &body);
        let _ = writeln!(md, "## Fleet-wide top kernels\n");
        let mut k: Vec<(&str, (u64, i64, usize))> = kernels.into_iter().collect();
        k.sort_by(|a, b| b.1 .1.cmp(&a.1 .1).then(a.0.cmp(b.0)));
        let body: Vec<Vec<String>> = k.iter().take(top.max(1)).map(|(n, (i, ns, traces))| vec![escape_cell(n, 90), traces.to_string(), i.to_string(), fmt_ns(*ns as f64), fmt_pct(*ns as f64 * 100.0 / total as f64)]).collect();
        table(&mut md, &["Kernel", "Inputs", "Executions", "GPU time", "Share of the fleet's GPU time"], &[false, true, true, true, true], &body);
    }
    let _ = writeln!(md, "Tables: `fleet.csv`; each input's tables and report in `<trace_id>/`.");
    md
}

/// True when `id` names one folder inside the fleet's (no separator, not `.` or `..`, not empty): a trace id read
/// back from `fleet.csv` must not lead outside it.
pub fn is_safe_id(id: &str) -> bool {
    !id.is_empty() && id != "." && id != ".." && !id.contains(['/', '\\', '\0'])
}

/// Re-renders a fleet folder from its files alone: every input's `report.md` from its `tables.json`, then
/// `fleet.md` (outliers marked again) from `fleet.csv`. Returns the files written and what was left out.
pub fn render_fleet_dir(dir: &Path, top: usize) -> Result<(Vec<PathBuf>, Vec<String>)> {
    let path = dir.join("fleet.csv");
    let mut r = csv::Reader::from_path(&path).map_err(|e| ReportError::Serialize { path: path.clone(), detail: e.to_string() })?;
    let mut rows: Vec<FleetRow> = Vec::new();
    let mut skipped = Vec::new();
    for (i, row) in r.deserialize::<FleetRow>().enumerate() {
        match row {
            Ok(row) if is_safe_id(&row.trace_id) => rows.push(row),
            Ok(row) => skipped.push(format!("{}:{}: trace id {:?} is not a folder name; row left out", path.display(), i + 2, row.trace_id)),
            Err(e) => skipped.push(format!("{}:{}: {e}; row left out", path.display(), i + 2)),
        }
    }
    let mut written = Vec::new();
    let mut tables: Vec<Tables> = Vec::new();
    for row in rows.iter().filter(|r| r.status != "failed") {
        let sub = dir.join(&row.trace_id);
        match schema::io::read_tables(&sub.join("tables.json")) {
            Ok(t) => {
                written.push(crate::run::write_analysis_report(&t, &sub, &crate::markdown::ReportOptions::with_top(top))?);
                tables.push(t);
            }
            Err(e) => skipped.push(format!("{}: {e}; its report is left as it is", sub.display())),
        }
    }
    for row in &mut rows {
        row.outlier.clear();
    }
    mark_outliers(&mut rows);
    let refs: Vec<&Tables> = tables.iter().collect();
    written.extend(write_fleet(&rows, &refs, dir, top)?);
    Ok((written, skipped))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(id: &str, busy: f64, step: Option<i64>) -> FleetRow {
        FleetRow { trace_id: id.into(), status: "ok".into(), devices: 1, busy_pct: busy, decode_step_p50_ns: step, ..Default::default() }
    }

    #[test]
    fn a_straggler_stands_out() {
        // Seven ranks near 90 % busy and 14 ms per decode step; rank 5 at 61 % and 22 ms.
        let mut rows: Vec<FleetRow> = (0..8)
            .map(|i| if i == 5 { r("rank5", 61.0, Some(22_000_000)) } else { r(&format!("rank{i}"), 90.0 + (i % 3) as f64 * 0.5, Some(14_000_000 + i * 50_000)) })
            .collect();
        mark_outliers(&mut rows);
        let flagged: Vec<&str> = rows.iter().filter(|r| !r.outlier.is_empty()).map(|r| r.trace_id.as_str()).collect();
        assert_eq!(flagged, ["rank5"]);
        assert!(rows[5].outlier.contains("busy_pct") && rows[5].outlier.contains("below") && rows[5].outlier.contains("decode_step_p50_ns") && rows[5].outlier.contains("above"), "{}", rows[5].outlier);
    }

    #[test]
    fn identical_inputs_and_small_fleets_flag_nothing() {
        let mut rows: Vec<FleetRow> = (0..5).map(|i| r(&format!("n{i}"), 80.0, Some(1000))).collect();
        mark_outliers(&mut rows);
        assert!(rows.iter().all(|r| r.outlier.is_empty()));
        let mut two = vec![r("a", 10.0, None), r("b", 90.0, None)];
        mark_outliers(&mut two);
        assert!(two.iter().all(|r| r.outlier.is_empty()), "two inputs cannot tell which is off");
    }
}
