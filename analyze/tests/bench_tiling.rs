//! `bench make-trace`: tiling a real export multiplies kernel time and the kernel ↔ API join exactly by the
//! number of tiles (checked with plain SQL on both files), and the tiled export analyzes like the original.

use test_support as common;

use latency_anatomy_analyze::bench::make_trace;
use latency_anatomy_analyze::{analyze_file, Options};

fn kernel_ns_and_joins(path: &std::path::Path) -> (i64, i64) {
    let c = common::sql(path);
    let ns: i64 = c.query_row("SELECT sum(end - start) FROM CUPTI_ACTIVITY_KIND_KERNEL", [], |r| r.get(0)).unwrap();
    let joins: i64 = c
        .query_row(
            "SELECT count(*) FROM CUPTI_ACTIVITY_KIND_KERNEL k JOIN CUPTI_ACTIVITY_KIND_RUNTIME r
             ON r.correlationId = k.correlationId AND k.globalPid = (r.globalTid & 0xFFFFFFFFFF000000)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    (ns, joins)
}

#[test]
fn tiling_scales_exactly() {
    let Some(dir) = common::realdata_or_skip("bench_tiling") else { return };
    let tmp = tempfile::tempdir().unwrap();
    for from in ["MohanadOdema+DLProf/nsys_profile.sqlite", "LeiWang1999+memfusion_artifact/report1.sqlite"] {
        let src = dir.join(from);
        let (ns, joins) = kernel_ns_and_joins(&src);
        let kernels: i64 = common::sql(&src).query_row("SELECT count(*) FROM CUPTI_ACTIVITY_KIND_KERNEL", [], |r| r.get(0)).unwrap();
        for tiles in [1i64, 3, 7] {
            let out = tmp.path().join(format!("t{tiles}.sqlite"));
            // Asking for one kernel more than (tiles - 1) copies hold rounds up to `tiles`.
            let s = make_trace(&src, ((tiles - 1) * kernels + 1) as u64, &out).unwrap();
            assert_eq!(s.tiles as i64, tiles);
            assert_eq!(kernel_ns_and_joins(&out), (ns * tiles, joins * tiles), "{from} × {tiles}");
            let t = analyze_file(&out, &Options::default()).unwrap();
            let orig = analyze_file(&src, &Options::default()).unwrap();
            assert_eq!(t.summary.kernels, orig.summary.kernels * tiles as u64);
            assert_eq!(t.summary.attributed_ns, orig.summary.attributed_ns * tiles);
            assert_eq!(t.nvtx_ranges.len(), orig.nvtx_ranges.len(), "same range names");
        }
    }
}
