//! Timeline (`timeline.csv`, `gaps.csv`): per device, how much of the span the GPU was busy, where it idled,
//! and what launching kernels cost on the CPU.
//!
//! Busy time is the union of kernel *and* copy intervals over all streams: overlap is counted once (so
//! utilization can never exceed 100 %), and a period in which only a copy runs is busy, not idle.

use std::collections::BTreeSet;

use crate::attribution::{Attribution, NONE};
use crate::stats::{covered, for_each_merged, median, pct, union_in_place};
use crate::tables::{r1, r2, GapRow, TimelineRow};
use crate::trace::Trace;

/// How many gaps per device `gaps.csv` lists.
pub const TOP_GAPS: usize = 10;

/// Builds the timeline and gap tables, sorted by device.
pub fn timeline_tables(trace: &Trace, attr: &Attribution) -> (Vec<TimelineRow>, Vec<GapRow>) {
    let devices: BTreeSet<i64> =
        trace.kernels.iter().map(|k| k.device as i64).chain(trace.memops.iter().map(|m| m.device as i64)).collect();
    let nk = trace.kernels.len();
    let mut rows = Vec::new();
    let mut gaps_out = Vec::new();
    // Interval buffers, reused across devices: kernels and memory operations.
    let mut kv: Vec<(i64, i64)> = Vec::new();
    let mut mv: Vec<(i64, i64)> = Vec::new();
    for device in devices {
        // Op indices of the device: kernels first, then memory operations (the order of `Trace::op`).
        let ops = || {
            let k = trace.kernels.iter().enumerate().filter(move |(_, k)| k.device as i64 == device).map(|(i, _)| i);
            let m = trace.memops.iter().enumerate().filter(move |(_, m)| m.device as i64 == device).map(move |(j, _)| nk + j);
            k.chain(m)
        };
        let op_name = |i: usize| -> &str {
            let op = trace.op(i);
            if op.is_kernel {
                trace.name(trace.kernels[op.index].short_name)
            } else {
                trace.memops[op.index].kind.label()
            }
        };
        kv.clear();
        kv.extend(trace.kernels.iter().filter(|k| k.device as i64 == device).map(|k| (k.start, k.end)));
        mv.clear();
        mv.extend(trace.memops.iter().filter(|m| m.device as i64 == device).map(|m| (m.start, m.end)));
        let first = kv.iter().chain(&mv).map(|x| x.0).min().unwrap_or(0);
        let last = kv.iter().chain(&mv).map(|x| x.1).max().unwrap_or(0).max(first);
        let n_ops = (kv.len() + mv.len()) as u64;
        // Busy time: the kernels' union, the copies' union, then the two merged (no sort of every op together).
        union_in_place(&mut kv);
        let kernel_busy = covered(&kv);
        union_in_place(&mut mv);
        // Busy time and the gaps between busy intervals: count them, keep the largest.
        let mut busy = 0i64;
        let mut idle_gaps = 0u64;
        let mut gaps: Vec<(i64, i64)> = Vec::with_capacity(TOP_GAPS + 1);
        let bigger = |a: &(i64, i64), b: &(i64, i64)| (b.1 - b.0).cmp(&(a.1 - a.0)).then(a.0.cmp(&b.0));
        let mut prev_end: Option<i64> = None;
        for_each_merged(&kv, &mv, |(s, e)| {
            busy += e - s;
            if let Some(pe) = prev_end {
                idle_gaps += 1;
                let g = (pe, s);
                if gaps.len() < TOP_GAPS || bigger(&g, gaps.last().expect("full")) == std::cmp::Ordering::Less {
                    let at = gaps.partition_point(|x| bigger(x, &g) != std::cmp::Ordering::Greater);
                    gaps.insert(at, g);
                    gaps.truncate(TOP_GAPS);
                }
            }
            prev_end = Some(e);
        });
        // The op that ended at each gap's start and the one that started at its end (lowest index on ties).
        let mut before = vec![usize::MAX; gaps.len()];
        let mut after = vec![usize::MAX; gaps.len()];
        for i in ops() {
            let (s, e, _) = trace.op_span(i);
            for (g, (gs, ge)) in gaps.iter().enumerate() {
                if e == *gs && before[g] == usize::MAX {
                    before[g] = i;
                }
                if s == *ge && after[g] == usize::MAX {
                    after[g] = i;
                }
            }
        }
        for (rank, (s, e)) in gaps.iter().enumerate() {
            let name = |i: usize| if i == usize::MAX { "" } else { op_name(i) };
            gaps_out.push(GapRow {
                device,
                rank: rank as u32 + 1,
                start_ns: *s,
                end_ns: *e,
                gap_ns: e - s,
                before: name(before[rank]).to_string(),
                after: name(after[rank]).to_string(),
            });
        }
        let mut kernels = 0u64;
        let mut kernel_sum = 0i64;
        let mut memop_sum = 0i64;
        let mut launch_api = 0i64;
        let mut latencies = Vec::new();
        let (mut short, mut short_ns, mut short_api) = (0u64, 0i64, 0i64);
        for i in ops() {
            let (start, end, is_kernel) = trace.op_span(i);
            let d = end - start;
            if !is_kernel {
                memop_sum += d;
                continue;
            }
            kernels += 1;
            kernel_sum += d;
            let a = attr.launch[i];
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
            memops: n_ops - kernels,
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
            launch_latency_med_ns: r1(median(&mut latencies)),
            short_kernels: short,
            short_kernel_ns: short_ns,
            short_kernel_api_ns: short_api,
        });
    }
    (rows, gaps_out)
}
