//! `diff.md`: two analyses compared, from a [`DiffReport`].

use std::fmt::Write;
use std::path::{Path, PathBuf};

use schema::diff::{DiffReport, DiffRow};

use crate::error::{ReportError, Result};
use crate::markdown::{escape_cell, table};
use crate::units::{fmt_ns, fmt_pct};

/// Kernel rows shown in `diff.md` (all of them are in `diff.csv`).
pub const KERNEL_ROWS: usize = 25;

fn value(r: &DiffRow, v: f64) -> String {
    if r.unit == "ns" { fmt_ns(v) } else { format!("{v:.0}") }
}

fn signed(r: &DiffRow) -> String {
    let s = if r.delta > 0.0 { "+" } else if r.delta < 0.0 { "−" } else { "" };
    format!("{s}{}", value(r, r.delta.abs()))
}

fn rows_table(out: &mut String, rows: &[&DiffRow], key: &str, with_share: bool) {
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let mut v = vec![
                escape_cell(&r.key, 90),
                if r.only_in == "b" { "–".into() } else { value(r, r.a) },
                if r.only_in == "a" { "–".into() } else { value(r, r.b) },
                signed(r),
                r.delta_pct.map(|p| format!("{p:+.2}%")).unwrap_or_else(|| "–".into()),
                if r.instances_a + r.instances_b > 0 { format!("{} / {}", r.instances_a, r.instances_b) } else { "–".into() },
                match (r.significant.as_str(), r.t_stat) {
                    ("yes", Some(t)) => format!("yes (t = {t:.1})"),
                    ("no", Some(t)) => format!("no (t = {t:.1})"),
                    (s, _) => s.to_string(),
                },
            ];
            if with_share {
                v.push(r.share_of_delta_pct.map(fmt_pct).unwrap_or_else(|| "–".into()));
            }
            if !r.only_in.is_empty() {
                v[0] = format!("{} (only in {})", v[0], r.only_in.to_uppercase());
            }
            v
        })
        .collect();
    let mut head = vec![key, "A", "B", "Δ", "Δ %", "Instances A / B", "Beyond noise"];
    let mut align = vec![false, true, true, true, true, true, false];
    if with_share {
        head.push("Share of Δ kernel time");
        align.push(true);
    }
    table(out, &head, &align, &body);
}

/// Renders `diff.md`.
pub fn render_diff(r: &DiffReport) -> String {
    let mut out = String::new();
    let name = |p: &str| std::path::Path::new(p).file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_else(|| p.to_string());
    let _ = writeln!(out, "# Diff — {} (A) vs {} (B)\n", escape_cell(&name(&r.a), 120), escape_cell(&name(&r.b), 120));
    let _ = writeln!(out, "**{}**\n", escape_cell(&r.verdict_line, 600));
    let _ = writeln!(out, "- **A:** `{}`\n- **B:** `{}`\n- **Kernels matched by:** {}\n", escape_cell(&r.a, 300).replace('`', "'"), escape_cell(&r.b, 300).replace('`', "'"), r.matched_by);
    let _ = writeln!(out, "## Comparability\n");
    let body: Vec<Vec<String>> = r.checks.iter().map(|c| vec![escape_cell(&c.name, 40), format!("**{}**", c.status), escape_cell(&c.detail, 400)]).collect();
    table(&mut out, &["Check", "Status", "Detail"], &[false, false, false], &body);
    let h = &r.headline;
    let _ = writeln!(
        out,
        "Verdict from the {}: A {}, B {} ({}{}). `incomparable` when a check fails; `same` when the change is within run-to-run noise (Welch's |t| < 3; without a noise estimate, under 1 %).\n",
        h.metric,
        fmt_ns(h.a_ns),
        fmt_ns(h.b_ns),
        h.delta_pct.map(|p| format!("{p:+.2}%")).unwrap_or_else(|| "n/a".into()),
        h.t_stat.map(|t| format!(", t = {t:.1}")).unwrap_or_default()
    );
    let level = |l: &str| r.rows.iter().filter(|x| x.level == l).collect::<Vec<_>>();
    let _ = writeln!(out, "## Totals\n");
    rows_table(&mut out, &level("total"), "Total", false);
    let steps = level("step");
    if !steps.is_empty() {
        let _ = writeln!(out, "## Steps (mean measured step)\n");
        rows_table(&mut out, &steps, "Step", false);
    }
    let phases = level("phase");
    if !phases.is_empty() {
        let _ = writeln!(out, "## Phases\n");
        rows_table(&mut out, &phases, "Phase", false);
    }
    let classes = level("class");
    if !classes.is_empty() {
        let _ = writeln!(out, "## Kernel classes\n");
        rows_table(&mut out, &classes, "Class", true);
    }
    let kernels = level("kernel");
    if !kernels.is_empty() {
        let _ = writeln!(out, "## Kernels (by |Δ|)\n");
        rows_table(&mut out, &kernels.iter().take(KERNEL_ROWS).copied().collect::<Vec<_>>(), "Kernel", true);
        if kernels.len() > KERNEL_ROWS {
            let _ = writeln!(out, "{} more kernel rows in `diff.csv`.\n", kernels.len() - KERNEL_ROWS);
        }
        let only = |s: &str| kernels.iter().filter(|k| k.only_in == s).count();
        let _ = writeln!(out, "Kernels only in A: {}; only in B: {}.\n", only("a"), only("b"));
    }
    let _ = writeln!(out, "Tables: `diff.csv`, `diff.json`.");
    out
}

/// Writes `diff.csv`, `diff.json` and `diff.md` into `out` (created when missing); returns their paths.
pub fn write_diff(r: &DiffReport, out: &Path) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(out).map_err(|e| ReportError::Serialize { path: out.to_path_buf(), detail: format!("cannot create the folder: {e}") })?;
    let csv = crate::run::rows_csv(&out.join("diff.csv"), &schema::diff::DIFF_COLUMNS, &r.rows)?;
    let json = serde_json::to_string_pretty(r).map_err(|e| ReportError::Serialize { path: out.join("diff.json"), detail: e.to_string() })? + "\n";
    let mut written = Vec::new();
    for (name, bytes) in [("diff.csv", csv), ("diff.json", json.into_bytes()), ("diff.md", render_diff(r).into_bytes())] {
        schema::io::write_atomic(&out.join(name), &bytes)?;
        written.push(out.join(name));
    }
    Ok(written)
}
