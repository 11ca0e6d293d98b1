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
