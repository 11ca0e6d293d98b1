//! Numbers that must add up, on every real export and on random synthetic traces (proptest):
//! class times sum to the kernel time; attributed ≤ total; busy time ≤ span and ≥ the longest op;
//! 0 ≤ utilization ≤ 100 %; time in which only a copy runs is busy, not idle; innermost range times sum to the
//! attributed time and never exceed the inclusive ones.

use test_support as common;

use latency_anatomy_analyze::stats::{covered, union};
use latency_anatomy_analyze::model::{ApiCall, Kernel, MemKind, MemOp, NvtxRange, RangeStyle, Trace};
use latency_anatomy_analyze::{analyze_file, analyze_trace, Options, Tables};
use proptest::prelude::*;

fn check(t: &Tables, ops: &[(i64, i64, i64, bool)], ctx: &str) {
    let s = &t.summary;
    let class_kernels: i64 = t.classes.iter().filter(|c| c.phase == "all" && c.class != "memory").map(|c| c.total_ns).sum();
    let class_mem: i64 = t.classes.iter().filter(|c| c.phase == "all" && c.class == "memory").map(|c| c.total_ns).sum();
    assert_eq!(class_kernels, s.kernel_ns, "{ctx}: classes vs kernel time");
    assert_eq!(class_mem, s.memop_ns, "{ctx}: memory class vs memops");
    // Every phase label partitions the same ops again.
    let phased: i64 = t.classes.iter().filter(|c| c.phase != "all").map(|c| c.total_ns).sum();
    if !s.phases.is_empty() {
        assert_eq!(phased, s.kernel_ns + s.memop_ns, "{ctx}: phases partition the ops");
    }
    assert!(s.attributed_ns <= s.kernel_ns, "{ctx}: attributed ≤ total");
    assert!((0.0..=100.0).contains(&s.attributed_pct), "{ctx}");
    assert_eq!(t.nvtx_ranges.iter().map(|r| r.gpu_total_ns).sum::<i64>(), s.attributed_ns, "{ctx}: innermost sums");
    for r in &t.nvtx_ranges {
        assert!(r.gpu_total_ns <= r.gpu_inclusive_ns, "{ctx}: {}", r.range);
    }
    assert_eq!(t.kernels.iter().map(|k| k.total_ns).sum::<i64>(), s.kernel_ns, "{ctx}: kernel rows");
    for d in &t.timeline {
        let mine: Vec<_> = ops.iter().filter(|o| o.2 == d.device).collect();
        let longest = mine.iter().map(|o| o.1 - o.0).max().unwrap_or(0);
        let mut copies: Vec<(i64, i64)> = mine.iter().filter(|o| !o.3).map(|o| (o.0, o.1)).collect();
        // Exactly the unions computed the plain way (sort everything, merge).
        let mut all: Vec<(i64, i64)> = mine.iter().map(|o| (o.0, o.1)).collect();
        let mut kern: Vec<(i64, i64)> = mine.iter().filter(|o| o.3).map(|o| (o.0, o.1)).collect();
        let busy = union(&mut all);
        assert_eq!(d.busy_ns, covered(&busy), "{ctx}: busy = union of all ops");
        assert_eq!(d.kernel_busy_ns, covered(&union(&mut kern)), "{ctx}: kernel busy = union of kernels");
        assert_eq!(d.idle_gaps, busy.len().saturating_sub(1) as u64, "{ctx}: gaps between busy intervals");
        let largest = busy.windows(2).map(|w| w[1].0 - w[0].1).max().unwrap_or(0);
        assert_eq!(d.largest_gap_ns, largest, "{ctx}: largest gap");
        assert!(d.busy_ns <= d.span_ns, "{ctx}: busy ≤ span");
        assert!(d.busy_ns >= longest, "{ctx}: busy ≥ longest op");
        assert!(d.busy_ns >= covered(&union(&mut copies)), "{ctx}: copy-only time is busy");
        assert!(d.busy_ns >= d.kernel_busy_ns, "{ctx}");
        assert!((0.0..=100.0).contains(&d.utilization_pct), "{ctx}: utilization {}", d.utilization_pct);
        assert_eq!(d.idle_ns, d.span_ns - d.busy_ns, "{ctx}");
    }
}

#[test]
fn every_real_export_adds_up() {
    let Some(dir) = common::realdata_or_skip("invariants") else { return };
    for file in common::sqlite_files(&dir) {
        let t = analyze_file(&file, &Options::default()).unwrap();
        let trace = latency_anatomy_analyze::read::nsys::load(&file).unwrap();
        let ops: Vec<_> = trace
            .kernels
            .iter()
            .map(|k| (k.start, k.end, k.device as i64, true))
            .chain(trace.memops.iter().map(|m| (m.start, m.end, m.device as i64, false)))
            .collect();
        check(&t, &ops, &file.display().to_string());
    }
}

prop_compose! {
    fn arb_trace()(
        kernels in prop::collection::vec((0i64..10_000, 0i64..500, 0i64..2, 0i64..40, 0u32..4), 0..40),
        copies in prop::collection::vec((0i64..10_000, 0i64..800, 0i64..2, 0i64..40), 0..10),
        calls in prop::collection::vec((0i64..10_000, 0i64..50, 0i64..2), 40),
        ranges in prop::collection::vec((0i64..10_000, 0i64..4_000, 0i64..2, 0u32..4, any::<bool>()), 0..25),
    ) -> Trace {
        let mut t = Trace { names: vec!["gemm_a".into(), "rmsnorm_b".into(), "usilu_c".into(), "prefill".into(), "decode".into(), "decode_step".into(), "misc".into(), "cudaLaunchKernel".into()], ..Default::default() };
        let tid = |x: i64| (1i64 << 24) | (100 + x);
        for (i, (s, d, thread)) in calls.iter().enumerate() {
            t.api.push(ApiCall { start: *s, end: s + d, global_tid: tid(*thread), correlation: i as i64 });
        }
        for (s, d, dev, corr, name) in kernels {
            t.kernels.push(Kernel { start: s, end: s + d, device: dev as i32, stream: 0, correlation: corr, global_pid: 1 << 24, name: name.min(2), short_name: name.min(2), config: 0 });
        }
        for (s, d, dev, corr) in copies {
            t.memops.push(MemOp { start: s, end: s + d, device: dev as i32, stream: 1, correlation: corr, global_pid: 1 << 24, bytes: d * 3, kind: MemKind::Copy(1) });
        }
        for (s, d, thread, name, push) in ranges {
            t.ranges.push(NvtxRange { start: s, end: s + d, open: false, global_tid: tid(thread), cross_thread: false, name: 3 + name, base: 3 + name, style: if push { RangeStyle::PushPop } else { RangeStyle::StartEnd } });
        }
        t
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]
    #[test]
    fn random_traces_add_up(trace in arb_trace()) {
        let t = analyze_trace(&trace, &Options::default());
        let ops: Vec<_> = trace.kernels.iter().map(|k| (k.start, k.end, k.device as i64, true))
            .chain(trace.memops.iter().map(|m| (m.start, m.end, m.device as i64, false))).collect();
        check(&t, &ops, "proptest");
        // The same ops in order of start (as nsys writes them: the unions are then read straight from the tables)
        // give the same timeline as in any order (copied and sorted).
        let mut sorted = trace.clone();
        sorted.kernels.sort_by_key(|k| k.start);
        sorted.memops.sort_by_key(|m| m.start);
        let ts = analyze_trace(&sorted, &Options::default());
        prop_assert_eq!(&ts.timeline, &t.timeline);
        let spans = |t: &Tables| t.gaps.iter().map(|g| (g.device, g.rank, g.start_ns, g.end_ns)).collect::<Vec<_>>();
        prop_assert_eq!(spans(&ts), spans(&t));
        // Attribution against a brute-force containment check.
        let mut brute = 0i64;
        for k in &trace.kernels {
            let call = trace.api.iter().find(|a| a.correlation == k.correlation).unwrap();
            if trace.ranges.iter().any(|r| r.global_tid == call.global_tid && r.start <= call.start && call.end <= r.end) {
                brute += k.end - k.start;
            }
        }
        prop_assert_eq!(t.summary.attributed_ns, brute);
        let mut incl_brute = std::collections::BTreeMap::<String, i64>::new();
        for k in &trace.kernels {
            let call = trace.api.iter().find(|a| a.correlation == k.correlation).unwrap();
            for r in trace.ranges.iter().filter(|r| r.global_tid == call.global_tid && r.start <= call.start && call.end <= r.end) {
                *incl_brute.entry(trace.name(r.name).to_string()).or_default() += k.end - k.start;
            }
        }
        for r in &t.nvtx_ranges {
            prop_assert_eq!(r.gpu_inclusive_ns, incl_brute.get(&r.range).copied().unwrap_or(0), "{}", r.range);
        }
    }
}
