//! The NVTX attribution (range nesting by containment, sweep over calls) on arbitrary traces built from bytes:
//! no panic, and the numbers add up (attributed ≤ total, innermost sums to attributed, utilization ≤ 100 %; each
//! step's busy + idle + host-only = wall + overhang, its classes sum to busy).
#![no_main]

use latency_anatomy_analyze::model::{ApiCall, Kernel, MemKind, MemOp, NvtxRange, RangeStyle, Trace};
use latency_anatomy_analyze::{analyze_trace, Options};
use libfuzzer_sys::fuzz_target;

fn take(d: &mut &[u8]) -> i64 {
    if d.len() < 2 {
        *d = &[];
        return 0;
    }
    let v = i16::from_le_bytes([d[0], d[1]]) as i64;
    *d = &d[2..];
    v
}

fuzz_target!(|data: &[u8]| {
    let mut d = data;
    let mut t = Trace::default();
    t.names = vec!["k".into(), "prefill".into(), "decode".into(), "step_1".into(), "s8_b1".into(), "rep_0".into(), "api".into()];
    let mut corr = 0;
    while d.len() >= 12 {
        let kind = take(&mut d).rem_euclid(4);
        let (a, b, c) = (take(&mut d), take(&mut d), take(&mut d));
        let tid = (1i64 << 24) | c.rem_euclid(3);
        match kind {
            0 => t.ranges.push(NvtxRange { start: a, end: a + b, open: false, global_tid: tid, cross_thread: c % 7 == 0, name: 1 + (c.rem_euclid(5) as u32), base: 1 + (c.rem_euclid(5) as u32), style: if c % 2 == 0 { RangeStyle::PushPop } else { RangeStyle::StartEnd } }),
            1 => {
                corr += 1;
                t.api.push(ApiCall { start: a, end: a + b.abs() % 50, global_tid: tid, correlation: corr });
                t.kernels.push(Kernel { start: a + 10, end: a + 10 + b.abs(), device: c.rem_euclid(2) as i32, stream: 0, correlation: corr, global_pid: 1 << 24, name: 0, short_name: 0, config: 0 });
            }
            2 => t.kernels.push(Kernel { start: a, end: a + b, device: 0, stream: 1, correlation: -c, global_pid: 1 << 24, name: 0, short_name: 0, config: 0 }),
            _ => t.memops.push(MemOp { start: a, end: a + b.abs(), device: 0, stream: 2, correlation: -1, global_pid: 1 << 24, bytes: c.abs(), kind: MemKind::Copy(1) }),
        }
    }
    t.sanitize();
    let tables = analyze_trace(&t, &Options::default());
    let s = &tables.summary;
    assert!(0 <= s.attributed_ns && s.attributed_ns <= s.kernel_ns);
    assert_eq!(tables.nvtx_ranges.iter().map(|r| r.gpu_total_ns).sum::<i64>(), s.attributed_ns);
    for d in &tables.timeline {
        assert!(d.busy_ns <= d.span_ns.max(0));
        assert!(d.utilization_pct <= 100.0);
    }
    for r in &tables.steps {
        assert_eq!(r.gpu_busy_ns + r.gpu_idle_ns + r.host_only_ns, r.wall_ns + r.gpu_overhang_ns);
        assert_eq!(latency_anatomy_analyze::passes::steps::class_busy(r).iter().sum::<i64>(), r.gpu_busy_ns);
        assert!(r.host_only_ns >= 0 && r.gpu_idle_ns >= 0 && r.gpu_overhang_ns >= 0);
    }
});
