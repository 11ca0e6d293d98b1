//! Step anatomy (`steps.csv`, `step_summary.csv`) against a brute-force definition written here from docs/attribution.md
//! (every range against every other, every op against every range: no sweep, no grouping), on random traces
//! (proptest) and on every real export; the summary against sort-and-pick over the step rows; each verdict rule
//! on a constructed case.

use std::collections::BTreeMap;

use test_support as common;

use latency_anatomy_analyze::model::{process_key, tid_of, ApiCall, Kernel, MemKind, MemOp, NvtxRange, RangeStyle, SyncCall, Trace};
use latency_anatomy_analyze::passes::classify::{classify, KernelClass};
use latency_anatomy_analyze::passes::steps::{class_busy, nearest_rank, verdict, VerdictIn};
use latency_anatomy_analyze::tables::{StepRow, StepSummaryRow};
use latency_anatomy_analyze::{analyze_file, analyze_trace, Options, Tables};
use proptest::prelude::*;
use schema::phase::{role_of, Role, StepPattern};

/// `steps.csv` by brute force over an in-memory trace (ranges with known ends).
fn brute_steps(t: &Trace, phases: &[String], pattern: &StepPattern) -> Vec<StepRow> {
    // Ranges the attribution looks at: same-thread, not reversed, in (start, input order) order.
    let mut rs: Vec<(usize, &NvtxRange)> = t.ranges.iter().enumerate().filter(|(_, r)| !r.cross_thread && r.end >= r.start).collect();
    rs.sort_by_key(|(i, r)| (r.start, *i));
    let name = |r: &NvtxRange| t.name(r.name).to_string();
    let phase_of = |r: &NvtxRange| schema::phase::phase_of(&name(r), phases);
    let role = |r: &NvtxRange| role_of(&name(r), pattern);
    let cand = |r: &NvtxRange| phase_of(r).is_some() || role(r) == Role::Step;
    // b comes after a in the sweep and lies inside it (ends no later).
    let inside = |a: (usize, &NvtxRange), b: (usize, &NvtxRange)| {
        a.1.global_tid == b.1.global_tid && (b.1.start, b.0) > (a.1.start, a.0) && b.1.end <= a.1.end
    };
    let base = |r: &NvtxRange| t.name(r.base).to_string();
    // Ops per candidate: the innermost candidate holding the launch call (latest start, earliest end, latest input).
    let mut ops_of: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for op in 0..t.n_ops() {
        let o = t.op(op);
        let (corr, pid) = if o.is_kernel { (t.kernels[o.index].correlation, t.kernels[o.index].global_pid) } else { (t.memops[o.index].correlation, t.memops[o.index].global_pid) };
        let Some(c) = t.api.iter().find(|a| a.correlation == corr && process_key(a.global_tid) == process_key(pid)) else { continue };
        let holder = rs
            .iter()
            .filter(|(_, r)| cand(r) && r.global_tid == c.global_tid && r.start <= c.start && c.end <= r.end)
            .max_by_key(|(i, r)| (r.start, std::cmp::Reverse(r.end), *i));
        if let Some((i, _)) = holder {
            ops_of.entry(*i).or_default().push(op);
        }
    }
    let mut rows = Vec::new();
    for &(i, r) in &rs {
        if !cand(r) || rs.iter().any(|&b| cand(b.1) && inside((i, r), b)) {
            continue;
        }
        let encl = |want: &dyn Fn(&NvtxRange) -> bool| rs.iter().filter(|&&a| want(a.1) && inside(a, (i, r))).max_by_key(|(j, a)| (a.start, *j)).map(|(_, a)| *a);
        let point = encl(&|a| role(a) == Role::Point).map(base).unwrap_or_default();
        let rep = encl(&|a| matches!(role(a), Role::Rep | Role::Warmup)).map(base).unwrap_or_default();
        let phase = phase_of(r).or_else(|| encl(&|a| phase_of(a).is_some()).and_then(phase_of)).map(|p| phases[p].clone()).unwrap_or_else(|| "other".into());
        let ops = ops_of.get(&i).cloned().unwrap_or_default();
        // Busy by class: walk the ops by start; each ns goes to the first op covering it.
        let mut spans: Vec<(i64, i64, usize)> = ops.iter().map(|&op| (t.op(op).start, t.op(op).end, op)).collect();
        spans.sort();
        let mut by_class = [0i64; KernelClass::ALL.len()];
        let mut until = i64::MIN;
        for &(s, e, op) in &spans {
            let o = t.op(op);
            let class = if o.is_kernel { classify(t.name(t.kernels[o.index].name)) } else { KernelClass::Memory };
            let from = s.max(until);
            if e > from {
                by_class[KernelClass::ALL.iter().position(|&c| c == class).unwrap()] += e - from;
            }
            until = until.max(e);
        }
        // Busy as a union, computed separately: one ns at a time would be too slow, so merge sorted intervals.
        let mut iv: Vec<(i64, i64)> = spans.iter().map(|s| (s.0, s.1)).collect();
        let busy = latency_anatomy_analyze::stats::covered(&latency_anatomy_analyze::stats::union(&mut iv));
        assert_eq!(busy, by_class.iter().sum::<i64>());
        let win = (!spans.is_empty()).then(|| (spans.iter().map(|s| s.0).min().unwrap(), spans.iter().map(|s| s.1).max().unwrap()));
        let wall = r.end - r.start;
        let inside_ns = win.map(|(a, b)| (b.min(r.end) - a.max(r.start)).max(0)).unwrap_or(0);
        let window = win.map(|(a, b)| b - a).unwrap_or(0);
        let mut calls: Vec<&ApiCall> = Vec::new();
        for &op in &ops {
            let o = t.op(op);
            let (corr, pid) = if o.is_kernel { (t.kernels[o.index].correlation, t.kernels[o.index].global_pid) } else { (t.memops[o.index].correlation, t.memops[o.index].global_pid) };
            let c = t.api.iter().find(|a| a.correlation == corr && process_key(a.global_tid) == process_key(pid)).unwrap();
            if !calls.iter().any(|x| std::ptr::eq(*x, c)) {
                calls.push(c);
            }
        }
        let graph = calls.iter().filter(|c| t.graph_calls.iter().any(|&g| std::ptr::eq(&t.api[g as usize], **c))).count() as u64;
        let top = (0..by_class.len()).filter(|&c| by_class[c] > 0).max_by_key(|&c| (by_class[c], std::cmp::Reverse(c)));
        let b = |k: KernelClass| by_class[KernelClass::ALL.iter().position(|&c| c == k).unwrap()];
        rows.push((i, StepRow {
            point,
            rep,
            phase,
            step: base(r),
            thread: tid_of(r.global_tid),
            cpu_start_ns: r.start,
            cpu_end_ns: r.end,
            wall_ns: wall,
            gpu_start_ns: win.map(|w| w.0),
            gpu_end_ns: win.map(|w| w.1),
            gpu_busy_ns: busy,
            gpu_idle_ns: window - busy,
            host_only_ns: wall - inside_ns,
            gpu_overhang_ns: window - inside_ns,
            kernels: ops.iter().filter(|&&op| t.op(op).is_kernel).count() as u64,
            memops: ops.iter().filter(|&&op| !t.op(op).is_kernel).count() as u64,
            copy_bytes: ops.iter().filter(|&&op| !t.op(op).is_kernel).map(|&op| t.memops[t.op(op).index].bytes).sum(),
            launch_calls: calls.len() as u64,
            graph_launches: graph,
            graph_kernels: ops
                .iter()
                .filter(|&&op| t.op(op).is_kernel)
                .filter(|&&op| {
                    let k = &t.kernels[t.op(op).index];
                    let c = t.api.iter().find(|a| a.correlation == k.correlation && process_key(a.global_tid) == process_key(k.global_pid)).unwrap();
                    t.graph_calls.iter().any(|&g| std::ptr::eq(&t.api[g as usize], c))
                })
                .count() as u64,
            launch_api_ns: calls.iter().map(|c| c.end - c.start).sum(),
            sync_api_ns: t.syncs.iter().filter(|c| c.global_tid == r.global_tid && c.start >= r.start && c.end <= r.end).map(|c| c.end - c.start).sum(),
            top_class: top.map(|c| KernelClass::ALL[c].as_str().to_string()).unwrap_or_default(),
            busy_gemm_ns: b(KernelClass::Gemm),
            busy_attention_ns: b(KernelClass::Attention),
            busy_normalization_ns: b(KernelClass::Normalization),
            busy_elementwise_ns: b(KernelClass::Elementwise),
            busy_softmax_ns: b(KernelClass::Softmax),
            busy_reduction_ns: b(KernelClass::Reduction),
            busy_rotary_ns: b(KernelClass::Rotary),
            busy_copy_cast_ns: b(KernelClass::CopyCast),
            busy_memory_ns: b(KernelClass::Memory),
            busy_communication_ns: b(KernelClass::Communication),
            busy_graph_ns: b(KernelClass::Graph),
            busy_other_ns: b(KernelClass::Other),
        }));
    }
    rows.sort_by(|(ia, a), (ib, b)| (a.cpu_start_ns, a.thread, ia).cmp(&(b.cpu_start_ns, b.thread, ib)));
    rows.into_iter().map(|(_, r)| r).collect()
}

/// The invariants of every step row and of the summary against the rows (sort-and-pick, sums).
fn check_steps(t: &Tables, ctx: &str) {
    for r in &t.steps {
        assert_eq!(r.gpu_busy_ns + r.gpu_idle_ns + r.host_only_ns, r.wall_ns + r.gpu_overhang_ns, "{ctx}: {r:?}");
        assert_eq!(class_busy(r).iter().sum::<i64>(), r.gpu_busy_ns, "{ctx}: classes sum to busy");
        assert!(r.gpu_busy_ns >= 0 && r.gpu_idle_ns >= 0 && r.host_only_ns >= 0 && r.gpu_overhang_ns >= 0, "{ctx}: {r:?}");
        assert!(r.host_only_ns <= r.wall_ns, "{ctx}");
        match (r.gpu_start_ns, r.gpu_end_ns) {
            (Some(s), Some(e)) => {
                assert!(r.gpu_busy_ns <= e - s, "{ctx}: busy ≤ window");
                if s >= r.cpu_start_ns && e <= r.cpu_end_ns {
                    assert_eq!(r.gpu_overhang_ns, 0, "{ctx}");
                    assert_eq!(r.gpu_busy_ns + r.gpu_idle_ns + r.host_only_ns, r.wall_ns, "{ctx}: window inside the step");
                }
            }
            (None, None) => assert!(r.kernels + r.memops == 0 && r.host_only_ns == r.wall_ns, "{ctx}"),
            _ => panic!("{ctx}: half a window"),
        }
        assert!(r.graph_launches <= r.launch_calls, "{ctx}");
    }
    // One summary row per (point, phase) with measured steps; figures from the rows by sort-and-pick.
    let mut groups: BTreeMap<(String, String), Vec<&StepRow>> = BTreeMap::new();
    for r in t.steps.iter().filter(|r| !r.rep.starts_with("warmup_")) {
        groups.entry((r.point.clone(), r.phase.clone())).or_default().push(r);
    }
    assert_eq!(t.step_summary.len(), groups.len(), "{ctx}");
    for s in &t.step_summary {
        let g = &groups[&(s.point.clone(), s.phase.clone())];
        assert_eq!(s.steps, g.len() as u64, "{ctx}");
        let mut walls: Vec<i64> = g.iter().map(|r| r.wall_ns).collect();
        walls.sort();
        let pick = |v: &[i64], p: f64| v[((p / 100.0 * v.len() as f64).ceil() as usize).max(1) - 1];
        assert_eq!(s.wall_p50_ns, pick(&walls, 50.0), "{ctx}");
        assert_eq!(s.wall_p90_ns, pick(&walls, 90.0), "{ctx}");
        let mut busy: Vec<i64> = g.iter().map(|r| r.gpu_busy_ns).collect();
        busy.sort();
        assert_eq!(s.gpu_busy_p50_ns, pick(&busy, 50.0), "{ctx}");
        let wall: i64 = walls.iter().sum();
        if wall > 0 {
            let pct = |x: i64| (x as f64 * 100.0 / wall as f64 * 100.0).round() / 100.0;
            assert_eq!(s.gpu_busy_pct, pct(g.iter().map(|r| r.gpu_busy_ns).sum()), "{ctx}");
            assert_eq!(s.host_only_pct, pct(g.iter().map(|r| r.host_only_ns).sum()), "{ctx}");
        }
        assert!(["launch-bound", "memory-bound", "compute-bound", "host-bound", "unknown"].contains(&s.bound.as_str()), "{ctx}");
        assert!(!s.bound_reason.is_empty());
    }
}

#[test]
fn nearest_rank_picks_a_real_value() {
    assert_eq!(nearest_rank(&[], 50.0), 0);
    assert_eq!(nearest_rank(&[7], 90.0), 7);
    assert_eq!(nearest_rank(&[1, 2, 3, 4], 50.0), 2);
    assert_eq!(nearest_rank(&[1, 2, 3, 4, 5], 50.0), 3);
    assert_eq!(nearest_rank(&(1..=10).collect::<Vec<_>>(), 90.0), 9);
    assert_eq!(nearest_rank(&(1..=10).collect::<Vec<_>>(), 100.0), 10);
}

#[test]
fn every_real_export_satisfies_the_step_invariants() {
    let Some(dir) = common::realdata_or_skip("steps") else { return };
    for file in common::sqlite_files(&dir) {
        let t = analyze_file(&file, &Options::default()).unwrap();
        check_steps(&t, &file.display().to_string());
        // Against brute force over the same export loaded in memory; with a pattern that makes steps of the
        // real exports' own ranges (none of them uses our names), so the comparison is not vacuous.
        let trace = latency_anatomy_analyze::read::nsys::load(&file).unwrap();
        for pat in ["step_*", "?*"] {
            let mut o = Options::default();
            o.step_pattern = StepPattern::new(pat).unwrap();
            let mem = analyze_trace(&trace, &o);
            check_steps(&mem, &file.display().to_string());
            // Brute force is quadratic in the ranges: the 13,513-range export takes minutes in a debug build.
            if trace.ranges.len() <= 2_000 {
                assert_eq!(mem.steps, brute_steps(&trace, &o.phases, &o.step_pattern), "{}", file.display());
            }
            let streamed = analyze_file(&file, &o).unwrap();
            assert_eq!(streamed.steps, mem.steps, "{}: streaming vs in memory", file.display());
            assert_eq!(streamed.step_summary, mem.step_summary, "{}", file.display());
        }
    }
}

const NAMES: [&str; 13] = [
    "gemm_a",
    "rmsnorm_b",
    "cudaLaunchKernel",
    "s128_b1",
    "rep_0",
    "warmup_0",
    "latency_anatomy:prefill",
    "decode",
    "step_0",
    "latency_anatomy:step_1",
    "misc",
    "s64_b2",
    "decode_step_9",
];

prop_compose! {
    fn arb_trace()(
        kernels in prop::collection::vec((0i64..10_000, 0i64..400, 0i64..40, 0u32..2), 0..40),
        copies in prop::collection::vec((0i64..10_000, 0i64..300, 0i64..40), 0..8),
        calls in prop::collection::vec((0i64..10_000, 0i64..50, 0i64..2, any::<bool>()), 40),
        syncs in prop::collection::vec((0i64..10_000, 0i64..300, 0i64..2), 0..6),
        ranges in prop::collection::vec((0i64..10_000, 0i64..5_000, 0i64..3, 3u32..13, any::<bool>(), 0u8..20), 0..30),
    ) -> Trace {
        let mut t = Trace { names: NAMES.iter().map(|s| s.to_string()).collect(), ..Default::default() };
        let bases: Vec<String> = NAMES.iter().map(|n| n.rsplit(':').next().unwrap().to_string()).collect();
        for b in &bases {
            t.names.push(b.clone());
        }
        let tid = |x: i64| (1i64 << 24) | (100 + x);
        for (i, (s, d, thread, graph)) in calls.iter().enumerate() {
            t.api.push(ApiCall { start: *s, end: s + d, global_tid: tid(*thread), correlation: i as i64 });
            if *graph && i % 5 == 0 {
                t.graph_calls.push(i as u32);
            }
        }
        for (s, d, corr, name) in kernels {
            t.kernels.push(Kernel { start: s, end: s + d, device: 0, stream: 0, correlation: corr, global_pid: 1 << 24, name, short_name: name, config: 0 });
        }
        for (s, d, corr) in copies {
            t.memops.push(MemOp { start: s, end: s + d, device: 0, stream: 1, correlation: corr, global_pid: 1 << 24, bytes: 8, kind: MemKind::Copy(1) });
        }
        for (s, d, thread) in syncs {
            t.syncs.push(SyncCall { start: s, end: s + d, global_tid: tid(thread) });
        }
        t.syncs.sort();
        for (s, d, thread, name, push, weird) in ranges {
            // Mostly nested-looking ranges; a few cross-thread or reversed.
            let (end, cross) = match weird {
                0 => (s - 1, false),
                1 => (s + d, true),
                _ => (s + d, false),
            };
            t.ranges.push(NvtxRange { start: s, end, open: false, global_tid: tid(thread), cross_thread: cross, name, base: NAMES.len() as u32 + name, style: if push { RangeStyle::PushPop } else { RangeStyle::StartEnd } });
        }
        t
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]
    #[test]
    fn random_traces_match_brute_force(trace in arb_trace()) {
        let o = Options::default();
        let t = analyze_trace(&trace, &o);
        check_steps(&t, "proptest");
        let brute = brute_steps(&trace, &o.phases, &o.step_pattern);
        prop_assert_eq!(&t.steps, &brute);
        // Another pattern: every phase-like and decode_step_* range.
        let mut o2 = Options::default();
        o2.step_pattern = StepPattern::new("*step_?").unwrap();
        let t2 = analyze_trace(&trace, &o2);
        check_steps(&t2, "proptest, *step_?");
        prop_assert_eq!(&t2.steps, &brute_steps(&trace, &o2.phases, &o2.step_pattern));
    }
}

fn vin(busy: f64, idle: f64, host: f64) -> VerdictIn {
    VerdictIn {
        steps: 10,
        ops: 4000,
        wall_p50_ns: 14_100_000,
        busy_p50_ns: (14_100_000.0 * busy / 100.0) as i64,
        busy_pct: busy,
        idle_pct: idle,
        host_pct: host,
        launches_per_step: 412.0,
        api_ns_per_launch: 9_000.0,
        top_class: "gemm".into(),
        floor_ns: None,
        ncu_memory_compute_ns: None,
    }
}

#[test]
fn verdict_rule_1_no_gpu_work_is_unknown_and_says_so() {
    let mut v = vin(0.0, 0.0, 100.0);
    v.ops = 0;
    v.floor_ns = Some(1_000_000);
    let (b, why) = verdict(&v);
    assert_eq!(b, "unknown");
    assert!(why.contains("no GPU work was traced"), "{why}");
}

#[test]
fn verdict_rule_2_gpu_busy_splits_by_ncu_then_by_floor() {
    // ncu decides when joined, whatever the floor says.
    let mut v = vin(92.0, 5.0, 3.0);
    v.floor_ns = Some(13_000_000);
    v.ncu_memory_compute_ns = Some((100, 300));
    assert_eq!(verdict(&v).0, "compute-bound");
    v.ncu_memory_compute_ns = Some((300, 100));
    let (b, why) = verdict(&v);
    assert_eq!(b, "memory-bound");
    assert!(why.contains("Nsight Compute") && why.contains("75.0 %"), "{why}");
    // Without ncu: busy ≤ 1.5 × floor is memory-bound, above is compute-bound.
    v.ncu_memory_compute_ns = None;
    v.floor_ns = Some(v.busy_p50_ns * 2 / 3 + 1);
    assert_eq!(verdict(&v).0, "memory-bound");
    v.floor_ns = Some(v.busy_p50_ns / 3);
    let (b, why) = verdict(&v);
    assert_eq!(b, "compute-bound");
    assert!(why.contains("3.00× the HBM floor"), "{why}");
    // Exactly at the threshold of busy time: still GPU-bound.
    let mut v = vin(80.0, 10.0, 10.0);
    let (b, why) = verdict(&v);
    assert_eq!(b, "unknown");
    assert!(why.contains("needs the model config"), "{why}");
    v.floor_ns = Some(v.busy_p50_ns);
    assert_eq!(verdict(&v).0, "memory-bound");
}

#[test]
fn verdict_rule_3_a_starved_gpu_is_host_or_launch_bound() {
    // The seed's decode step: 5.2 ms busy, 7.9 ms idle between launches, 1.0 ms host-only of 14.1 ms.
    let (b, why) = verdict(&vin(36.9, 56.0, 7.1));
    assert_eq!(b, "launch-bound");
    assert!(why.contains("412.0 launches per step at 9.0 µs"), "{why}");
    let mut v = vin(30.0, 20.0, 50.0);
    v.floor_ns = Some(4_700_000);
    let (b, why) = verdict(&v);
    assert_eq!(b, "host-bound");
    assert!(why.contains("50.0 %") && why.contains("3.00× its HBM floor"), "{why}");
    // A tie goes to host-bound (the GPU window is not what is missing).
    assert_eq!(verdict(&vin(40.0, 30.0, 30.0)).0, "host-bound");
    // Just under the GPU-bound threshold.
    assert_eq!(verdict(&vin(79.99, 20.01, 0.0)).0, "launch-bound");
}

#[test]
fn summary_skips_warmups_and_keeps_points_apart() {
    let row = |point: &str, rep: &str, phase: &str, wall: i64| StepRow { point: point.into(), rep: rep.into(), phase: phase.into(), step: "step_0".into(), wall_ns: wall, host_only_ns: wall, ..Default::default() };
    let rows = vec![
        row("s128_b1", "warmup_0", "decode", 1000),
        row("s128_b1", "rep_0", "prefill", 50),
        row("s128_b1", "rep_0", "decode", 10),
        row("s128_b1", "rep_0", "decode", 30),
        row("s128_b1", "rep_1", "decode", 20),
        row("s256_b1", "rep_0", "decode", 7),
    ];
    let phases = vec!["prefill".to_string(), "decode".to_string()];
    let s: Vec<StepSummaryRow> = latency_anatomy_analyze::passes::steps::summarize(&rows, &phases, &[], None, &[]);
    let keys: Vec<(&str, &str, u64, i64)> = s.iter().map(|r| (r.point.as_str(), r.phase.as_str(), r.steps, r.wall_p50_ns)).collect();
    assert_eq!(keys, [("s128_b1", "prefill", 1, 50), ("s128_b1", "decode", 3, 20), ("s256_b1", "decode", 1, 7)]);
    assert_eq!(s[1].wall_p90_ns, 30);
    assert_eq!(s[1].bound, "unknown");
}

/// `data/steps.sql` (its header says what each step holds) analyzed both ways, against brute force and the
/// figures derived by hand in the fixture's comments.
fn fixture(opts: &Options) -> (tempfile::TempDir, Tables) {
    let dir = tempfile::tempdir().unwrap();
    let p = common::build_db(dir.path(), "steps.sqlite", include_str!("data/steps.sql"));
    let t = analyze_file(&p, opts).unwrap();
    let trace = latency_anatomy_analyze::read::nsys::load(&p).unwrap();
    let mem = analyze_trace(&trace, opts);
    assert_eq!(t.steps, mem.steps, "streaming vs in memory");
    assert_eq!(t.step_summary, mem.step_summary);
    assert_eq!(t.steps, brute_steps(&trace, &opts.phases, &opts.step_pattern));
    check_steps(&t, "steps.sql");
    (dir, t)
}

fn model() -> latency_anatomy_analyze::passes::traffic::ModelBytes {
    // seq 16, batch 1, 2 decode steps, 1 run, 8 MB of weights, 1,000 B of KV per token.
    latency_anatomy_analyze::passes::traffic::ModelBytes { seq_len: 16.0, batch: 1.0, gen_tokens: 2.0, runs: 1.0, weights_bytes: 8e6, kv_bytes_per_token: 1000.0 }
}

#[test]
fn constructed_steps_say_where_the_time_went() {
    let (_d, t) = fixture(&Options::default());
    let step = |point: &str, rep: &str, name: &str| t.steps.iter().find(|r| r.point == point && r.rep == rep && r.step == name).unwrap_or_else(|| panic!("{point}/{rep}/{name}"));
    // Domains are stripped from the names; the warmup's prefill is a step of its own.
    let w = step("s16_b1", "warmup_0", "prefill");
    assert_eq!((w.phase.as_str(), w.wall_ns, w.kernels, w.host_only_ns, w.gpu_start_ns), ("prefill", 6_900, 0, 6_900, None));
    // Launch-bound decode steps: 10 launches of 1,000 ns; 200-ns kernels every 1,800 ns.
    let s0 = step("s16_b1", "rep_0", "step_0");
    assert_eq!((s0.phase.as_str(), s0.kernels, s0.launch_calls, s0.launch_api_ns, s0.sync_api_ns), ("decode", 10, 10, 10_000, 1_500));
    assert_eq!((s0.gpu_start_ns, s0.gpu_end_ns), (Some(31_000), Some(31_000 + 9 * 1_800 + 200)));
    assert_eq!((s0.gpu_busy_ns, s0.gpu_idle_ns, s0.host_only_ns, s0.gpu_overhang_ns), (2_000, 14_400, 3_600, 0));
    assert_eq!((s0.top_class.as_str(), s0.busy_normalization_ns), ("normalization", 2_000));
    // Work that outlives its step: the gemm [116000, 131000] of step_0 [101000, 121000].
    let a = step("s32_b1", "rep_0", "step_0");
    assert_eq!((a.gpu_busy_ns, a.gpu_idle_ns, a.host_only_ns, a.gpu_overhang_ns, a.wall_ns), (15_000, 0, 15_000, 10_000, 20_000));
    // Nested: step_1 holds step_1_inner, so only the inner one is a step; the op launched outside it is in none.
    assert!(t.steps.iter().all(|r| !(r.point == "s32_b1" && r.step == "step_1")));
    let inner = step("s32_b1", "rep_0", "step_1_inner");
    assert_eq!((inner.phase.as_str(), inner.kernels, inner.gpu_busy_ns, inner.host_only_ns), ("decode", 1, 500, 4_500));
    // Two threads: T2's step has its own point; the overlapping rmsnorm and memcpy split busy time.
    let t2 = step("s8_b2", "rep_0", "step_0");
    assert_eq!((t2.thread, t2.kernels, t2.memops, t2.launch_calls), (101, 1, 1, 2));
    assert_eq!((t2.gpu_busy_ns, t2.busy_normalization_ns, t2.busy_memory_ns, t2.host_only_ns), (1_500, 1_000, 500, 2_500));
    // The summary: warmup left out, a row per (point, phase).
    let sum = |point: &str, phase: &str| t.step_summary.iter().find(|r| r.point == point && r.phase == phase).unwrap_or_else(|| panic!("{point}/{phase}"));
    let d = sum("s16_b1", "decode");
    assert_eq!((d.steps, d.bound.as_str(), d.launches_per_step, d.launch_api_ns_per_launch, d.sync_api_ns_per_step), (2, "launch-bound", 10.0, 1_000.0, 750.0));
    assert_eq!((d.gpu_busy_pct, d.gpu_idle_pct, d.host_only_pct), (10.0, 72.0, 18.0));
    let p = sum("s16_b1", "prefill");
    assert_eq!((p.steps, p.gpu_busy_pct, p.bound.as_str()), (1, 90.0, "unknown"), "GPU-bound, but no model config or ncu data");
    assert!(p.bound_reason.contains("needs the model config"), "{}", p.bound_reason);
    assert_eq!(sum("s32_b1", "decode").gpu_overhang_pct, 40.0);
    assert_eq!(t.step_summary.len(), 4);
}

#[test]
fn the_hbm_floor_decides_a_gpu_bound_step() {
    let mut o = Options::default();
    o.models = vec![model()];
    let (_d, t) = fixture(&o);
    let sum = |point: &str, phase: &str| t.step_summary.iter().find(|r| r.point == point && r.phase == phase).unwrap();
    // Prefill: 8 MB of weights + 16 tokens × 1,000 B of KV written = 8,016,000 B; at 10¹² B/s, 8,016 ns.
    let p = sum("s16_b1", "prefill");
    assert_eq!((p.predicted_bytes_per_step, p.hbm_floor_ns, p.floor_ratio), (Some(8_016_000), Some(8_016), Some(1.25)));
    assert_eq!(p.bound, "memory-bound", "busy 9,000 ns ≤ 1.5 × 8,016 ns");
    // Decode: each step reads the weights and 17, then 18 tokens of KV: 8,017,500 B on average.
    let d = sum("s16_b1", "decode");
    assert_eq!((d.predicted_bytes_per_step, d.hbm_floor_ns), (Some(8_017_500), Some(8_018)));
    assert_eq!(d.bound, "launch-bound");
    assert!(d.bound_reason.contains("2.49× its HBM floor"), "{}", d.bound_reason);
    // The config describes s16_b1 only.
    assert_eq!(sum("s32_b1", "decode").predicted_bytes_per_step, None);
}

#[test]
fn a_step_pattern_for_another_convention() {
    // Steps named `*_inner` only: step_0/step_1 are no longer steps, so the phase ranges around them are.
    let mut o = Options::default();
    o.step_pattern = StepPattern::new("*_INNER").unwrap();
    let (_d, t) = fixture(&o);
    let names: Vec<(&str, &str)> = t.steps.iter().filter(|r| r.point == "s32_b1").map(|r| (r.phase.as_str(), r.step.as_str())).collect();
    assert_eq!(names, [("decode", "step_1_inner")]);
    let names: Vec<&str> = t.steps.iter().filter(|r| r.point == "s16_b1" && r.rep == "rep_0").map(|r| r.step.as_str()).collect();
    assert_eq!(names, ["prefill", "decode"]);
}

/// A step range never closed ends at the last NVTX timestamp (as in nsys); rows out of time order make the
/// streaming loader sort and replay. Both paths and brute force agree.
#[test]
fn a_never_closed_step_out_of_order() {
    let dir = tempfile::tempdir().unwrap();
    let sql = format!(
        "{}\nINSERT INTO CUPTI_ACTIVITY_KIND_RUNTIME VALUES (13100, 13200, 0, (100 << 24) | 101, 40, 3, 0, NULL);
         INSERT INTO CUPTI_ACTIVITY_KIND_KERNEL VALUES (14000, 15000, 0, 1, 7, 40, 100 << 24, 2, 2, 1, 1, 1, 128, 1, 1);
         INSERT INTO NVTX_EVENTS VALUES (13000, NULL, 59, NULL, NULL, NULL, 'step_9', (100 << 24) | 101, NULL, NULL, 0);",
        include_str!("data/steps.sql")
    );
    let p = common::build_db(dir.path(), "open.sqlite", &sql);
    let o = Options::default();
    let t = analyze_file(&p, &o).unwrap();
    let trace = latency_anatomy_analyze::read::nsys::load(&p).unwrap();
    assert_eq!(t.steps, analyze_trace(&trace, &o).steps);
    assert_eq!(t.steps, brute_steps(&trace, &o.phases, &o.step_pattern));
    check_steps(&t, "open step");
    let c = common::sql(&p);
    let last: i64 = c.query_row("SELECT max(max(start), max(coalesce(end, start))) FROM NVTX_EVENTS", [], |r| r.get(0)).unwrap();
    let s = t.steps.iter().find(|r| r.step == "step_9").expect("the open step");
    assert_eq!((s.cpu_start_ns, s.cpu_end_ns, s.kernels, s.gpu_busy_ns), (13_000, last, 1, 1_000));
}

/// `points.csv` from the fixture's three points, with an unprofiled sweep for two of them.
#[test]
fn points_per_step_and_per_token_beside_the_unprofiled_sweep() {
    let mut o = Options::default();
    o.unprofiled = vec![
        schema::SweepRow { seq_len: 16, batch: 1, prefill_p50_ms: Some(0.008), decode_p50_ms_per_tok: Some(0.016), ..Default::default() },
        schema::SweepRow { seq_len: 8, batch: 2, decode_p50_ms_per_tok: Some(0.002), flag: "oom".into(), ..Default::default() },
    ];
    let (_d, t) = fixture(&o);
    let keys: Vec<(&str, u32, u32, &str)> = t.points.iter().map(|r| (r.point.as_str(), r.seq_len, r.batch, r.phase.as_str())).collect();
    assert_eq!(keys, [("s8_b2", 8, 2, "decode"), ("s16_b1", 16, 1, "prefill"), ("s16_b1", 16, 1, "decode"), ("s32_b1", 32, 1, "decode")], "by prompt length, then batch");
    let p = &t.points[1];
    // The prefill step: 10,000 ns wall for 16 prompt tokens; 9,000 ns busy.
    assert_eq!((p.tokens_per_step, p.wall_p50_ns, p.wall_ns_per_token, p.gpu_busy_ns_per_token), (16, 10_000, Some(625.0), Some(562.5)));
    assert_eq!((p.unprofiled_p50_ns, p.profiled_over_unprofiled), (Some(8_000), Some(1.25)));
    let d = &t.points[2];
    assert_eq!((d.tokens_per_step, d.wall_ns_per_token, d.unprofiled_p50_ns, d.profiled_over_unprofiled), (1, Some(20_000.0), Some(16_000), Some(1.25)));
    // T2's step: 2 sequences decode 1 token each; its memcpy moved 1,000 bytes; the unprofiled row is flagged (oom).
    let t2 = &t.points[0];
    assert_eq!((t2.tokens_per_step, t2.wall_ns_per_token, t2.copy_bytes_per_step, t2.busy_memory_ns), (2, Some(2_000.0), 1_000.0, 500.0));
    assert_eq!(t2.unprofiled_p50_ns, None);
    // The rows carry the step summary's figures.
    for r in &t.points {
        let s = t.step_summary.iter().find(|s| s.point == r.point && s.phase == r.phase).unwrap();
        assert_eq!((r.steps, r.wall_p50_ns, r.gpu_busy_pct, &r.bound), (s.steps, s.wall_p50_ns, s.gpu_busy_pct, &s.bound));
    }
}

#[test]
fn the_busy_columns_follow_the_class_order() {
    let names: Vec<&str> = KernelClass::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(names, schema::tables::BUSY_CLASSES);
}
