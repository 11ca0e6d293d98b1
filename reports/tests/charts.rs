//! Every chart type rendered from fixture data: the files exist, are non-empty, and are valid SVG and PNG.

use latency_anatomy_reports::charts::{write_figure, write_roofline, write_stacked_bars, Marker, Panel, RoofPoint, Series, Stack};

fn check(paths: &[std::path::PathBuf]) {
    assert_eq!(paths.len(), 2);
    let svg = std::fs::read_to_string(&paths[0]).unwrap();
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"), "{}", &svg[..svg.len().min(80)]);
    assert!(svg.contains("<text"), "axis labels are drawn");
    let png = std::fs::read(&paths[1]).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert!(png.len() > 5_000);
}

#[test]
fn line_panels_stacked_bars_and_roofline() {
    let dir = std::env::var_os("CHART_DIR").map(std::path::PathBuf::from).unwrap_or_else(|| tempfile::tempdir().unwrap().keep());
    let seq = [128.0, 256.0, 512.0, 1024.0, 2048.0, 4096.0];
    let panels = vec![
        Panel {
            title: "Prefill latency".into(),
            x_label: "prompt length (tokens)".into(),
            y_label: "p50 (ms)".into(),
            series: vec![Series { name: "p50".into(), points: seq.iter().map(|&s| (s, s * s / 1e4)).collect() }],
            log_x: true,
            log_y: true,
            ..Default::default()
        },
        Panel {
            title: "Throughput vs latency".into(),
            x_label: "decode p50 (ms/token)".into(),
            y_label: "total tok/s".into(),
            series: vec![Series { name: "batch 1..64".into(), points: vec![(26.0, 180.0), (27.0, 350.0), (28.0, 650.0), (31.0, 1880.0), (40.0, 2500.0), (64.0, 2840.0)] }],
            markers: vec![Marker { x: 31.0, y: 1880.0, label: "knee: batch 16".into() }],
            hlines: vec![(2000.0, "target".into())],
            ..Default::default()
        },
    ];
    check(&write_figure(&dir, "panels", "Sequence regime", &panels, 2).unwrap());
    let stacks = vec![
        Stack { name: "gemm".into(), values: vec![60.0, 40.0], color: None },
        Stack { name: "attention".into(), values: vec![25.0, 35.0], color: None },
        Stack { name: "elementwise".into(), values: vec![15.0, 25.0], color: None },
    ];
    check(&write_stacked_bars(&dir, "classes", "GPU time by class", &["prefill".into(), "decode".into()], &stacks, "share of phase time (%)").unwrap());
    let pts = vec![
        RoofPoint { ai: 1.0, gflops: 344.0, label: "gemv".into(), bound: "latency-bound".into() },
        RoofPoint { ai: 0.9, gflops: 1500.0, label: "copy".into(), bound: "memory-bound".into() },
        RoofPoint { ai: 120.0, gflops: 80000.0, label: "gemm".into(), bound: "compute-bound".into() },
    ];
    check(&write_roofline(&dir, "roofline", "Roofline", &pts, 93_568.0, 1_756.0).unwrap());
}

/// The sweep's point-by-point section from GPU-like fixture points: both anatomy charts and the floor ratio.
#[test]
fn explained_sweep_charts() {
    use schema::tables::PointRow;
    let dir = std::env::var_os("CHARTS_OUT").map(std::path::PathBuf::from).unwrap_or_else(|| tempfile::tempdir().unwrap().keep());
    let pt = |batch: u32, phase: &str, wall: i64, busy: f64, idle: f64, gemm: f64, attn: f64, norm: f64, floor: f64, bound: &str| {
        let tokens = if phase == "prefill" { u64::from(128 * batch) } else { u64::from(batch) };
        PointRow {
            point: schema::phase::point_label(128, batch),
            seq_len: 128,
            batch,
            phase: phase.into(),
            steps: 7,
            tokens_per_step: tokens,
            wall_p50_ns: wall,
            wall_ns_per_token: Some(wall as f64 / tokens as f64),
            gpu_busy_pct: busy,
            gpu_idle_pct: idle,
            host_only_pct: 100.0 - busy - idle,
            wall_mean_ns: wall as f64,
            gpu_busy_ns_per_step: gemm + attn + norm,
            gpu_idle_ns_per_step: wall as f64 * idle / 100.0,
            host_only_ns_per_step: wall as f64 * (100.0 - busy - idle) / 100.0,
            kernels_per_step: 400.0,
            launches_per_step: 412.0,
            busy_gemm_ns: gemm,
            busy_attention_ns: attn,
            busy_normalization_ns: norm,
            floor_ratio: Some(floor),
            bound: bound.into(),
            ..Default::default()
        }
    };
    let batch: Vec<PointRow> = [(1, 14_100_000, 37.0, 56.0, 3.7e6, 0.9e6, 0.6e6, 2.1, "launch-bound"), (8, 16_000_000, 70.0, 25.0, 7.0e6, 3.0e6, 1.2e6, 1.6, "launch-bound"), (64, 30_000_000, 95.0, 3.0, 16.0e6, 10.0e6, 2.5e6, 1.2, "memory-bound")]
        .iter()
        .flat_map(|&(b, w, busy, idle, g, a, n, f, bd)| [pt(b, "prefill", w * 4, 97.0, 1.0, g * 4.0, a * 3.0, n * 4.0, 1.1, "compute-bound"), pt(b, "decode", w, busy, idle, g, a, n, f, bd)])
        .collect();
    let (md, files) = latency_anatomy_reports::explained::render_explained(&[], &batch, &dir.join("charts"), &dir).unwrap();
    assert!(md.contains("launch-bound at batch 1 → memory-bound at batch 64"), "{md}");
    for stem in ["batch_decode_anatomy", "batch_prefill_anatomy", "batch_floor_ratio"] {
        assert!(files.iter().any(|f| f.file_name().unwrap().to_string_lossy() == format!("{stem}.png")), "{stem}: {files:?}");
    }
    for pair in files.chunks(2) {
        check(pair);
    }
}

/// The grid's heatmaps from fixture rows and points: a cell per configuration, OOM cells shown as such, one
/// verdict per cell; and a one-cell grid.
#[test]
fn grid_heatmaps() {
    use schema::tables::PointRow;
    use schema::SweepRow;
    let dir = std::env::var_os("CHARTS_OUT").map(std::path::PathBuf::from).unwrap_or_else(|| tempfile::tempdir().unwrap().keep());
    let mut rows = Vec::new();
    let mut points = Vec::new();
    for (i, s) in [128u32, 1024, 4096].into_iter().enumerate() {
        for (j, b) in [1u32, 8, 64].into_iter().enumerate() {
            let oom = s == 4096 && b == 64;
            rows.push(SweepRow { seq_len: s, batch: b, decode_p50_ms_per_tok: (!oom).then_some(10.0 + 3.0 * i as f64 + 5.0 * j as f64), total_tok_s: (!oom).then_some(100.0 * f64::from(b)), flag: if oom { "oom".into() } else { String::new() }, ..Default::default() });
            if !oom {
                let bound = ["launch-bound", "memory-bound", "compute-bound"][j];
                points.push(PointRow { point: schema::phase::point_label(s, b), seq_len: s, batch: b, phase: "decode".into(), gpu_busy_pct: 30.0 + 30.0 * j as f64, kernels_per_step: 400.0, bound: bound.into(), ..Default::default() });
            }
        }
    }
    let (md, files) = latency_anatomy_reports::explained::render_grid(&rows, &points, &dir.join("charts"), &dir).unwrap();
    assert!(md.contains("out of memory: s4096_b64"), "{md}");
    assert_eq!(files.len(), 8);
    for pair in files.chunks(2) {
        check(pair);
    }
    let svg = std::fs::read_to_string(dir.join("charts/grid_bound.svg")).unwrap();
    for t in ["launch", "memory", "compute", "OOM"] {
        assert!(svg.contains(&format!(">\n{t}\n<")), "{t} drawn in the verdict map");
    }
    let one = tempfile::tempdir().unwrap();
    let (_, f) = latency_anatomy_reports::explained::render_grid(&rows[..1], &[], &one.path().join("charts"), one.path()).unwrap();
    assert_eq!(f.len(), 4, "no GPU maps without points");
}
