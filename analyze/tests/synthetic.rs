//! Edge cases on a tiny export built from `tests/data/synthetic.sql`; every expected figure is derived by hand
//! from the rows of that file (see its comments).

use test_support as common;


use latency_anatomy_analyze::{analyze_file, Options, Tables};

use common::build_db;

fn synthetic() -> (tempfile::TempDir, Tables) {
    let dir = tempfile::tempdir().unwrap();
    let p = build_db(dir.path(), "synthetic.sqlite", common::SYNTHETIC_SQL);
    let t = analyze_file(&p, &Options::default()).unwrap();
    (dir, t)
}

fn range<'a>(t: &'a Tables, name: &str) -> &'a latency_anatomy_analyze::tables::RangeRow {
    t.nvtx_ranges.iter().find(|r| r.range == name).unwrap_or_else(|| panic!("no range {name}: {:?}", t.nvtx_ranges))
}

#[test]
fn metadata_and_kernels() {
    let (_d, t) = synthetic();
    assert_eq!(t.info.nsys_version, "2099.1.0");
    assert_eq!(t.info.gpus.len(), 2);
    assert_eq!(t.summary.kernels, 7);
    // 500 + 100 + 200 + 0 + 50 + 100 + 100
    assert_eq!(t.summary.kernel_ns, 1050);
    let gemm = t.kernels.iter().find(|k| k.short_name == "gemm_kernel").unwrap();
    assert_eq!((gemm.instances, gemm.total_ns, gemm.min_ns, gemm.max_ns), (2, 700, 200, 500));
    assert_eq!(gemm.med_ns, 350.0);
    assert_eq!(gemm.class, "gemm");
    // device 0 total = 1050 - 100 (K7 on device 1) = 950; 700/950
    assert_eq!(gemm.pct_gpu_time, 73.68);
    let mystery: Vec<_> = t.kernels.iter().filter(|k| k.short_name == "mystery_op").collect();
    assert_eq!(mystery.len(), 2, "one row per device");
}

#[test]
fn nvtx_attribution_inclusive_and_innermost() {
    let (_d, t) = synthetic();
    // Domain names prefix ranges of domain 1; textId names resolve through StringIds.
    let prefill = range(&t, "latency_anatomy:prefill");
    assert_eq!(prefill.gpu_inclusive_ns, 600); // K1 500 + K2 100
    assert_eq!(prefill.gpu_total_ns, 100); // K1's innermost range is `layer`
    assert_eq!((prefill.kernels, prefill.kernels_innermost), (2, 1));
    assert_eq!(prefill.gpu_proj_total_ns, 600); // 300 .. 900
    let layer = range(&t, "latency_anatomy:layer");
    assert_eq!((layer.gpu_inclusive_ns, layer.gpu_total_ns), (500, 500));
    let decode = range(&t, "latency_anatomy:decode");
    assert_eq!(decode.gpu_inclusive_ns, 200); // K3; the memcpy is not a kernel
    assert_eq!(decode.gpu_proj_total_ns, 400); // K3 1300 .. M1 1700
    // Ended on another thread: no GPU work, but its CPU time counts.
    let asy = range(&t, "async");
    assert_eq!((asy.gpu_inclusive_ns, asy.cpu_total_ns, asy.style.as_str()), (0, 4850, "StartEnd"));
    // Never closed: ends at the last NVTX timestamp (5000, the end of `async`), so it holds K5.
    let open = range(&t, "open");
    assert_eq!((open.cpu_total_ns, open.gpu_inclusive_ns), (2500, 50));
    // Same correlation id in another process: K7 goes to process 200's range, not to c1's.
    assert_eq!(range(&t, "other_proc").gpu_inclusive_ns, 100);
    assert_eq!(range(&t, "idle_cpu").gpu_inclusive_ns, 0);
    // Attributed: 500 + 100 + 200 + 50 + 100; K4 (0 ns, cross-thread range only) and K6 (no API) are not.
    assert_eq!(t.summary.attributed_ns, 950);
    assert_eq!(t.summary.kernels_with_launch, 6);
    // Innermost times sum to the attributed total.
    assert_eq!(t.nvtx_ranges.iter().map(|r| r.gpu_total_ns).sum::<i64>(), 950);
    assert!(t.info.notes.iter().any(|n| n.contains("never closed")));
    assert!(t.info.notes.iter().any(|n| n.contains("another thread")));
    assert!(t.info.notes.iter().any(|n| n.contains("backtrace")));
    assert!(t.info.notes.iter().any(|n| n.contains("1 of 7 kernel(s) have no matching")));
}

#[test]
fn classes_per_phase() {
    let (_d, t) = synthetic();
    assert_eq!(t.summary.phases, vec!["prefill", "decode"]);
    let get = |phase: &str, class: &str| {
        t.classes.iter().find(|c| c.phase == phase && c.class == class).map(|c| (c.instances, c.total_ns))
    };
    assert_eq!(get("all", "gemm"), Some((2, 700)));
    assert_eq!(get("all", "normalization"), Some((1, 100)));
    assert_eq!(get("all", "elementwise"), Some((2, 50)));
    assert_eq!(get("all", "other"), Some((2, 200)));
    assert_eq!(get("all", "memory"), Some((1, 300)));
    assert_eq!(get("prefill", "gemm"), Some((1, 500)));
    assert_eq!(get("prefill", "normalization"), Some((1, 100)));
    assert_eq!(get("decode", "gemm"), Some((1, 200)));
    assert_eq!(get("decode", "memory"), Some((1, 300)));
    assert_eq!(get("other", "elementwise"), Some((1, 50))); // K5 in `open`
    assert_eq!(get("other", "other"), Some((1, 100))); // K7 in `other_proc`
    assert_eq!(get("unattributed", "elementwise"), Some((1, 0))); // K4
    assert_eq!(get("unattributed", "other"), Some((1, 100))); // K6
    // Kernel classes of the whole trace add up to the kernel time.
    let kernel_sum: i64 = t.classes.iter().filter(|c| c.phase == "all" && c.class != "memory").map(|c| c.total_ns).sum();
    assert_eq!(kernel_sum, t.summary.kernel_ns);
}

#[test]
fn timeline_counts_copies_as_busy_and_overlap_once() {
    let (_d, t) = synthetic();
    let d0 = &t.timeline[0];
    assert_eq!((d0.device, d0.first_start_ns, d0.last_end_ns, d0.span_ns), (0, 300, 3100, 2800));
    // [300,900] + [1300,1700] (K3 and the copy overlap; the copy alone runs 1500..1700) + [2700,2750] + [3000,3100]
    assert_eq!(d0.busy_ns, 600 + 400 + 50 + 100);
    assert_eq!(d0.kernel_busy_ns, 600 + 200 + 50 + 100);
    assert_eq!((d0.idle_ns, d0.idle_gaps, d0.largest_gap_ns), (1650, 3, 1000));
    assert_eq!(d0.utilization_pct, 41.07); // 1150 / 2800
    let g1 = t.gaps.iter().find(|g| g.device == 0 && g.rank == 1).unwrap();
    assert_eq!((g1.start_ns, g1.end_ns, g1.before.as_str(), g1.after.as_str()), (1700, 2700, "HtoD", "usilu_bf16"));
    // Launch: c1 10 + c2 10 + c3 10 + c5 10 + c6 10 (K6 has no call); kernels shorter than their call: K4 (0 < 10).
    assert_eq!(d0.launch_api_ns, 50);
    assert_eq!((d0.short_kernels, d0.short_kernel_ns, d0.short_kernel_api_ns), (1, 0, 10));
    let d1 = &t.timeline[1];
    assert_eq!((d1.device, d1.busy_ns, d1.span_ns, d1.utilization_pct), (1, 100, 100, 100.0));
}

#[test]
fn memory_table() {
    let (_d, t) = synthetic();
    assert_eq!(t.memory.len(), 1);
    let m = &t.memory[0];
    assert_eq!((m.kind.as_str(), m.operation.as_str(), m.count, m.bytes, m.total_ns), ("HtoD", "[CUDA memcpy HtoD]", 1, 600, 300));
    assert_eq!(m.achieved_gb_s, 2.0); // 600 B / 300 ns
    assert_eq!(m.peak_gb_s, 1000.0);
}

#[test]
fn deep_nesting_and_hostile_names() {
    // 10,000 nested push/pop ranges on one thread (range i spans 10000+i .. 30000-i), one kernel launched by a
    // call at 19999..20000 inside all of them; names with markdown/HTML
    // breakers and bytes that are not UTF-8.
    let dir = tempfile::tempdir().unwrap();
    let mut sql = String::from(common::SYNTHETIC_SQL);
    sql.push_str("INSERT INTO StringIds VALUES (50, 'evil|name`<script>alert(1)</script>\nline2'), (51, CAST(X'66FF6F' AS TEXT));\n");
    // A 100 KB kernel name and an NVTX range that ends before it starts.
    sql.push_str("INSERT INTO StringIds VALUES (52, 'huge_' || hex(zeroblob(50000)));\n");
    sql.push_str("INSERT INTO CUPTI_ACTIVITY_KIND_KERNEL VALUES (40000, 40010, 0, 1, 7, 501, 100 << 24, 52, 52, 1,1,1,1,1,1);\n");
    sql.push_str("INSERT INTO NVTX_EVENTS VALUES (900, 800, 59, NULL, NULL, NULL, 'backwards', (100 << 24) | 100, NULL, NULL, 0);\n");
    sql.push_str("INSERT INTO CUPTI_ACTIVITY_KIND_KERNEL VALUES (20000, 20100, 0, 1, 7, 500, 100 << 24, 50, 51, 1,1,1,1,1,1);\n");
    sql.push_str("INSERT INTO CUPTI_ACTIVITY_KIND_RUNTIME VALUES (19999, 20000, 0, (100 << 24) | 100, 500, 3, 0, NULL);\n");
    sql.push_str("WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 9999) INSERT INTO NVTX_EVENTS SELECT 10000 + i, 30000 - i, 59, NULL, NULL, NULL, 'level', (100 << 24) | 100, NULL, NULL, 0 FROM n;\n");
    let p = build_db(dir.path(), "deep.sqlite", &sql);
    let t = analyze_file(&p, &Options::default()).unwrap();
    let level = range(&t, "level");
    assert_eq!(level.instances, 10_000);
    assert_eq!(level.gpu_inclusive_ns, 100 * 10_000); // inclusive: once per enclosing instance
    assert_eq!(level.gpu_total_ns, 100); // innermost: once
    assert_eq!(level.kernels, 1);
    let evil = t.kernels.iter().find(|k| k.name.starts_with("evil")).unwrap();
    assert_eq!(evil.short_name, "f\u{FFFD}o");
    let huge = t.kernels.iter().find(|k| k.name.starts_with("huge_")).unwrap();
    assert_eq!(huge.name.len(), 100_005);
    assert!(t.info.notes.iter().any(|n| n.contains("1 NVTX range(s) end before they start")), "{:?}", t.info.notes);
    assert_eq!(range(&t, "backwards").gpu_inclusive_ns, 0);
}

#[test]
fn input_is_never_modified() {
    let Some(dir) = common::realdata() else { return };
    let tmp = tempfile::tempdir().unwrap();
    // Work on a writable copy so that a write would be possible, and check bytes and mtime.
    let src = dir.join("NVIDIA+Fuser/ce15be9f/report1.sqlite");
    let p = tmp.path().join("copy.sqlite");
    std::fs::copy(&src, &p).unwrap();
    let before = (std::fs::read(&p).unwrap(), std::fs::metadata(&p).unwrap().modified().unwrap());
    analyze_file(&p, &Options::default()).unwrap();
    let after = (std::fs::read(&p).unwrap(), std::fs::metadata(&p).unwrap().modified().unwrap());
    assert!(before == after, "the export changed");
    let names: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names.len(), 1, "no journal or lock file left beside the export: {names:?}");
}

/// ncu data joined to the synthetic export: launches match nsys kernels by base name + grid + block (base name
/// alone when no shape matches), inherit the phase, and GPU time per phase is split by verdict.
#[test]
fn ncu_join_carries_phases() {
    let dir = tempfile::tempdir().unwrap();
    let p = build_db(dir.path(), "synthetic.sqlite", common::SYNTHETIC_SQL);
    // ncu 2025 style names (no namespaces); launch 0 is K1's shape (grid 1, block 128); DRAM 85 % of peak.
    let ncu = "\"ID\",\"Kernel Name\",\"Block Size\",\"Grid Size\",\"gpu__time_duration.sum\",\"dram__bytes.sum\",\"sm__throughput.avg.pct_of_peak_sustained_elapsed\",\"gpu__compute_memory_throughput.avg.pct_of_peak_sustained_elapsed\",\"dram__throughput.avg.pct_of_peak_sustained_elapsed\"\n\
               \"\",\"\",\"\",\"\",\"nsecond\",\"byte\",\"%\",\"%\",\"%\"\n\
               \"0\",\"void gemm_kernel<float>(Params)\",\"(128, 1, 1)\",\"(1, 1, 1)\",\"500\",\"425,000\",\"20\",\"85\",\"85\"\n";
    let ncu_path = dir.path().join("n.csv");
    std::fs::write(&ncu_path, ncu).unwrap();
    let file = latency_anatomy_analyze::read::ncu::csv::read(&ncu_path).unwrap();
    let trace = latency_anatomy_analyze::read::nsys::load(&p).unwrap();
    let t = latency_anatomy_analyze::analyze_trace_with_ncu(&trace, &Options::default(), Some(("n.csv", &file)));
    assert_eq!(t.ncu_kernels.len(), 1);
    let k = &t.ncu_kernels[0];
    assert_eq!((k.bound.as_str(), k.phase.as_str(), k.nsys_kernel.as_str()), ("memory-bound", "prefill", "void gemm_kernel<float>(Params)"));
    // 425,000 B / 500 ns = 850 GB/s of the 1,000 GB/s TARGET_INFO_GPU peak
    assert_eq!((k.dram_gb_s, k.peak_dram_gb_s, k.dram_pct_of_peak), (Some(850.0), Some(1000.0), Some(85.0)));
    let get = |phase: &str, bound: &str| t.ncu_phases.iter().find(|r| r.phase == phase && r.bound == bound).map(|r| (r.kernels, r.total_ns, r.pct_phase_time));
    // prefill: K1 (500 ns, profiled shape) memory-bound; K2 rmsnorm (100 ns) unprofiled.
    assert_eq!(get("prefill", "memory-bound"), Some((1, 500, 83.33)));
    assert_eq!(get("prefill", "unprofiled"), Some((1, 100, 16.67)));
    // decode: K3 has another grid; it matches by base name.
    assert_eq!(get("decode", "memory-bound"), Some((1, 200, 100.0)));
    // all: 700 ns of 1050 memory-bound; DRAM bytes estimated as 425,000 per execution.
    let all = t.ncu_phases.iter().find(|r| r.phase == "all" && r.bound == "memory-bound").unwrap();
    assert_eq!((all.kernels, all.total_ns, all.dram_bytes_est), (2, 700, 850_000.0));
}

/// Memory traffic per phase: copies from nsys, the model's predicted bytes against the phase's kernel time.
#[test]
fn traffic_per_phase() {
    let dir = tempfile::tempdir().unwrap();
    let p = build_db(dir.path(), "synthetic.sqlite", common::SYNTHETIC_SQL);
    // A sweep CSV as the capture writes it beside the export: seq 4, batch 1, 1 decode step, 1 run;
    // kv_cache_mb for (4 + 1) tokens = 50 B → 10 B per token; weights 1000 B.
    std::fs::write(
        dir.path().join("synthetic.csv"),
        "seq_len,batch,gen_tokens,warmup,reps,weights_mb,kv_cache_mb\n4,1,1,0,1,0.001,0.00005\n",
    )
    .unwrap();
    let mut opts = Options::default();
    opts.models = latency_anatomy_analyze::passes::traffic::ModelBytes::beside(&p);
    assert_eq!(opts.models.len(), 1);
    let t = analyze_file(&p, &opts).unwrap();
    let row = |ph: &str| t.traffic.iter().find(|r| r.phase == ph).unwrap();
    // prefill: kernels K1 + K2 = 600 ns; predicted 1000 + 4 × 10 = 1040 B → 1.04 ns at 1000 GB/s
    let pre = row("prefill");
    assert_eq!((pre.kernel_ns, pre.copy_bytes, pre.predicted_bytes, pre.predicted_min_ns), (600, 0, Some(1040.0), Some(1.0)));
    assert_eq!(pre.explained_pct, Some(0.17)); // 1.04 / 600
    // decode: K3 200 ns; the copy M1 (600 B, 300 ns); predicted 1000 + 5 × 10 = 1050 B
    let dec = row("decode");
    assert_eq!((dec.kernel_ns, dec.copy_bytes, dec.copy_ns, dec.predicted_bytes), (200, 600, 300, Some(1050.0)));
    assert_eq!(dec.peak_gb_s, 1000.0);
    assert!(dec.kernel_dram_bytes.is_none(), "no ncu data");
}

/// Found by fuzzing (fuzz/regressions/nvtx_nesting/negative-duration): a kernel that ends before it starts made
/// the attributed time exceed the total. Such ops now count as 0 ns, with a note.
#[test]
fn ops_ending_before_they_start_count_as_zero() {
    let dir = tempfile::tempdir().unwrap();
    let mut sql = String::from(common::SYNTHETIC_SQL);
    sql.push_str("INSERT INTO CUPTI_ACTIVITY_KIND_KERNEL VALUES (5000, 4000, 0, 1, 7, 98, 100 << 24, 10, 10, 1,1,1,1,1,1);\n");
    let p = build_db(dir.path(), "neg.sqlite", &sql);
    let t = analyze_file(&p, &Options::default()).unwrap();
    assert_eq!(t.summary.kernel_ns, 1050); // unchanged: the reversed kernel adds 0
    assert!(t.summary.attributed_ns <= t.summary.kernel_ns);
    assert!(t.info.notes.iter().any(|n| n.contains("1 GPU operation(s) end before they start")));
    let mystery = t.kernels.iter().find(|k| k.short_name == "mystery_op" && k.device == 0).unwrap();
    assert_eq!((mystery.instances, mystery.min_ns), (2, 0));
}
