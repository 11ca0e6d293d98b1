//! The sweep's "Why, point by point" on a synthetic batch regime of known step compositions
//! (`analyze/tests/data/regime.sql`, whose header derives every figure): `points.csv` and the findings
//! generated from it.

use analyze::{analyze_file, Options};
use latency_anatomy_reports::explained::{findings, render_explained};

#[test]
fn findings_of_a_known_batch_regime() {
    let dir = tempfile::tempdir().unwrap();
    let p = test_support::build_db(dir.path(), "regime.sqlite", include_str!("../../analyze/tests/data/regime.sql"));
    let t = analyze_file(&p, &Options::default()).unwrap();
    let decode: Vec<(u32, f64, f64, f64)> = t.points.iter().filter(|r| r.phase == "decode").map(|r| (r.batch, r.gpu_busy_pct, r.gpu_idle_pct, r.host_only_pct)).collect();
    assert_eq!(decode, [(1, 10.0, 72.0, 18.0), (2, 50.0, 36.0, 14.0), (4, 89.0, 4.5, 6.5)]);
    let f = findings("batch", &t.points);
    assert_eq!(
        f,
        [
            "From batch 1 to batch 4, the decode step's GPU busy share goes from 10.0% to 89.0%, its GPU idle share from 72.0% to 4.5% and host-only from 18.0% to 6.5% (launch-bound at batch 1 → unknown at batch 4).",
            "Time per generated token in the decode step: 20.00 µs at batch 1 → 5.00 µs at batch 4 (-75.0 %).",
            "attention grows the most in the decode step's GPU time: 10.0% of it at batch 1 → 14.0% at batch 4.",
            "From batch 1 to batch 4, a prefill's GPU busy share goes from 90.0% to 90.0%, its GPU idle share from 0.0% to 0.0% and host-only from 10.0% to 10.0% (unknown throughout).",
            "Time per prompt token in a prefill: 625 ns at batch 1 → 156 ns at batch 4 (-75.0 %).",
        ]
    );
    let (md, files) = render_explained(&[], &t.points, &dir.path().join("charts"), dir.path()).unwrap();
    assert!(md.contains("| s16\\_b4 | 156 ns | 20.00 µs | 89.0% / 4.5% / 6.5% | 10.0 |"), "{md}");
    assert_eq!(files.len(), 4, "decode and prefill anatomy; no floor without a model config");
}
