//! Snapshot tests of `report.md` on real exports (TensorRT per-layer NVTX, PyTorch `emit_nvtx`, nvFuser) and on
//! a synthetic export with hostile kernel names. Review changes with `cargo insta review`.


use analyze::{analyze_file, Options};
use latency_anatomy_reports::{render_markdown, ReportOptions};

use test_support::realdata;

fn report(rel: &str) -> Option<String> {
    let dir = realdata()?;
    let t = analyze_file(&dir.join(rel), &Options::default()).unwrap();
    Some(render_markdown(&t, &ReportOptions::default()))
}

#[test]
fn tensorrt_per_layer_nvtx() {
    let Some(md) = report("LeiWang1999+memfusion_artifact/report1.sqlite") else { return };
    insta::assert_snapshot!(md);
}

#[test]
fn pytorch_emit_nvtx() {
    let Some(md) = report("MohanadOdema+DLProf/nsys_profile.sqlite") else { return };
    insta::assert_snapshot!(md);
}

#[test]
fn nvfuser() {
    let Some(md) = report("NVIDIA+Fuser/ee4fcf30/report1.sqlite") else { return };
    insta::assert_snapshot!(md);
}

#[test]
fn hostile_names_cannot_break_the_markdown() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("evil.sqlite");
    rusqlite::Connection::open(&p)
        .unwrap()
        .execute_batch(
            "CREATE TABLE StringIds(id INTEGER PRIMARY KEY, value TEXT);
             INSERT INTO StringIds VALUES (1, 'a|b`c` <script>alert(1)</script>
             | --- | injected row |'), (2, '**bold** [link](http://x) # h');
             CREATE TABLE CUPTI_ACTIVITY_KIND_KERNEL(start INTEGER, end INTEGER, deviceId INTEGER, demangledName INTEGER, shortName INTEGER);
             INSERT INTO CUPTI_ACTIVITY_KIND_KERNEL VALUES (0, 100, 0, 1, 1), (200, 250, 0, 2, 2);",
        )
        .unwrap();
    let t = analyze_file(&p, &Options::default()).unwrap();
    let md = render_markdown(&t, &ReportOptions::default());
    // Every row of every table has exactly as many unescaped pipes as the table's header.
    let pipes = |line: &str| line.match_indices('|').filter(|(i, _)| *i == 0 || &line[i - 1..*i] != "\\").count();
    let mut header: Option<usize> = None;
    for line in md.lines() {
        if !line.starts_with('|') {
            header = None;
            continue;
        }
        match header {
            None => header = Some(pipes(line)),
            Some(h) => assert_eq!(pipes(line), h, "{line}"),
        }
    }
    assert!(!md.contains("<script>"));
    assert!(!md.contains("`c`"));
    insta::assert_snapshot!(md);
}

#[test]
fn ncu_roofline_report() {
    let Some(dir) = realdata() else { return };
    let k = dir.join("CodeGandee+llm-perf-opt/ncu-v2/kernel_0005_e67789a8b6cb9adf2cb8d4d3745a9a79");
    let mut files: Vec<_> = std::fs::read_dir(&k).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let merged = analyze::read::ncu::csv::merge(files.iter().map(|p| analyze::read::ncu::csv::read(p).unwrap()).collect());
    let t = analyze::analyze_ncu("kernel_0005", &merged);
    insta::assert_snapshot!(render_markdown(&t, &ReportOptions::default()));
}

/// The sweep report of the seed's published tables (Qwen2.5-3B fp16, RTX 5070; `tests/data/seed_run`, only the
/// seed's columns filled): tables and findings snapshot, figures written as valid SVG and PNG.
#[test]
fn sweep_report_of_the_seed_tables() {
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/seed_run");
    let run = tempfile::tempdir().unwrap();
    for f in ["seq_sweep.csv", "batch_sweep.csv"] {
        std::fs::copy(data.join(f), run.path().join(f)).unwrap();
    }
    let files = latency_anatomy_reports::run::render_run(run.path(), &latency_anatomy_reports::run::RunOptions::new(15, Some(35.0))).unwrap();
    let md = std::fs::read_to_string(run.path().join("sweep.md")).unwrap();
    insta::assert_snapshot!(md);
    for chart in ["seq_regime", "batch_regime", "latency_vs_batch", "throughput_vs_latency"] {
        let svg = std::fs::read_to_string(run.path().join(format!("charts/{chart}.svg"))).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("</svg>"));
        let png = std::fs::read(run.path().join(format!("charts/{chart}.png"))).unwrap();
        assert_eq!(&png[..4], b"\x89PNG");
        assert!(md.contains(&format!("](charts/{chart}.svg)")), "{chart} is linked by a relative path");
    }
    assert!(files.iter().any(|f| f.ends_with("index.md")));
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(run.path().join("sweep.json")).unwrap()).unwrap();
    assert_eq!(json["findings"]["saturation_batch"], 32);
}

/// An attribution report with charts: kernel classes of a real export.
#[test]
fn attribution_report_has_charts() {
    let Some(dir) = realdata() else { return };
    let t = analyze_file(&dir.join("MohanadOdema+DLProf/nsys_profile.sqlite"), &Options::default()).unwrap();
    let out = tempfile::tempdir().unwrap();
    let md = latency_anatomy_reports::run::analysis_markdown(&t, out.path(), &ReportOptions::default()).unwrap();
    assert!(md.contains("![Kernel classes per phase](charts/classes.svg)"));
    assert!(out.path().join("charts/classes.png").is_file());
}

/// The step anatomy section and its chart, on the constructed steps of `analyze/tests/data/steps.sql`.
#[test]
fn step_anatomy_report() {
    let dir = tempfile::tempdir().unwrap();
    let p = test_support::build_db(dir.path(), "steps.sqlite", include_str!("../../analyze/tests/data/steps.sql"));
    let t = analyze_file(&p, &Options::default()).unwrap();
    let out = dir.path().join("out");
    let md = latency_anatomy_reports::run::analysis_markdown(&t, &out, &ReportOptions::default()).unwrap();
    assert!(out.join("charts/steps.png").is_file() && out.join("charts/steps.svg").is_file());
    let section = &md[md.find("## Where each step's time goes").unwrap()..md.find("## Top kernels").unwrap()];
    assert!(section.contains("![Where each step's time goes](charts/steps.svg)"));
    insta::assert_snapshot!(section);
    // Without a chart (bench renders report.md alone), the chart's mark stays an invisible comment.
    assert!(render_markdown(&t, &ReportOptions::default()).contains("<!-- steps chart -->"));
}
