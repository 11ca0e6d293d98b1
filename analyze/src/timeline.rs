//! Timeline (`timeline.csv`, `gaps.csv`): per device, how much of the span the GPU was busy, where it idled,
//! and what launching kernels cost on the CPU.
//!
//! Busy time is the union of kernel *and* copy intervals over all streams: overlap is counted once (so
//! utilization can never exceed 100 %), and a period in which only a copy runs is busy, not idle.

use std::collections::BTreeMap;

use crate::attribution::{Attribution, NONE};
use crate::stats::{covered, pct, summarize, union};
use crate::tables::{r1, r2, GapRow, TimelineRow};
use crate::trace::Trace;

/// How many gaps per device `gaps.csv` lists.
pub const TOP_GAPS: usize = 10;

/// Builds the timeline and gap tables, sorted by device.
pub fn timeline_tables(trace: &Trace, attr: &Attribution) -> (Vec<TimelineRow>, Vec<GapRow>) {
    let mut devices: BTreeMap<i64, Vec<u32>> = BTreeMap::new();
    for i in 0..trace.n_ops() {
        devices.entry(trace.op(i).device).or_default().push(i as u32);
    }
    let mut rows = Vec::new();
    let mut gaps_out = Vec::new();
    for (device, ops) in devices {
        let op_name = |i: u32| -> &str {
            let op = trace.op(i as usize);
            if op.is_kernel {
                trace.name(trace.kernels[op.index].short_name)
            } else {
                trace.memops[op.index].kind.label()
            }
        };
        let span_of = |i: u32| {
            let (s, e, _) = trace.op_span(i as usize);
            (s, e)
        };
        let first = ops.iter().map(|&i| span_of(i).0).min().unwrap_or(0);
        let last = ops.iter().map(|&i| span_of(i).1).max().unwrap_or(0).max(first);
        let kernel_busy = {
            let mut kern: Vec<(i64, i64)> = ops.iter().filter(|&&i| trace.op_span(i as usize).2).map(|&i| span_of(i)).collect();
            covered(&union(&mut kern))
        };
        let busy_iv = {
            let mut all: Vec<(i64, i64)> = ops.iter().map(|&i| span_of(i)).collect();
            union(&mut all)
        };
        let busy = covered(&busy_iv);
        // Gaps between merged busy intervals.
        let mut gaps: Vec<(i64, i64)> = busy_iv.windows(2).map(|w| (w[0].1, w[1].0)).collect();
        drop(busy_iv);
        let idle_gaps = gaps.len() as u64;
        gaps.sort_by(|a, b| (b.1 - b.0).cmp(&(a.1 - a.0)).then(a.0.cmp(&b.0)));
        gaps.truncate(TOP_GAPS);
        for (rank, (s, e)) in gaps.iter().enumerate() {
            // The op that ended at s and the one that started at e (lowest index on ties, for determinism).
            let before = ops.iter().copied().filter(|&i| span_of(i).1 == *s).min().map(op_name).unwrap_or("");
            let after = ops.iter().copied().filter(|&i| span_of(i).0 == *e).min().map(op_name).unwrap_or("");
            gaps_out.push(GapRow {
                device,
                rank: rank as u32 + 1,
                start_ns: *s,
                end_ns: *e,
                gap_ns: e - s,
                before: before.to_string(),
                after: after.to_string(),
            });
        }
        let mut kernels = 0u64;
        let mut kernel_sum = 0i64;
        let mut memop_sum = 0i64;
        let mut launch_api = 0i64;
        let mut latencies = Vec::new();
        let (mut short, mut short_ns, mut short_api) = (0u64, 0i64, 0i64);
        for &i in &ops {
            let (start, end, is_kernel) = trace.op_span(i as usize);
            let d = end - start;
            if !is_kernel {
                memop_sum += d;
                continue;
            }
            kernels += 1;
            kernel_sum += d;
            let a = attr.launch[i as usize];
            if a != NONE {
                let call = &trace.api[a as usize];
                let api_d = call.end - call.start;
                launch_api += api_d;
                latencies.push(start - call.start);
                if d < api_d {
                    short += 1;
                    short_ns += d;
                    short_api += api_d;
                }
            }
        }
        let span = last - first;
        rows.push(TimelineRow {
            device,
            gpu: trace.info.gpus.iter().find(|g| g.device == device).map(|g| g.name.clone()).unwrap_or_default(),
            kernels,
            memops: ops.len() as u64 - kernels,
            first_start_ns: first,
            last_end_ns: last,
            span_ns: span,
            busy_ns: busy,
            kernel_busy_ns: kernel_busy,
            kernel_sum_ns: kernel_sum,
            memop_sum_ns: memop_sum,
            utilization_pct: r2(pct(busy as i128, span as i128)),
            idle_ns: span - busy,
            idle_gaps,
            largest_gap_ns: gaps.first().map(|g| g.1 - g.0).unwrap_or(0),
            launch_api_ns: launch_api,
            launch_latency_med_ns: r1(summarize(&mut latencies).med),
            short_kernels: short,
            short_kernel_ns: short_ns,
            short_kernel_api_ns: short_api,
        });
    }
    (rows, gaps_out)
}
