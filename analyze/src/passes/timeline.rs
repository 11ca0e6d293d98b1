//! Timeline (`timeline.csv`, `gaps.csv`): per device, how much of the span the GPU was busy, where it idled,
//! and what launching kernels cost on the CPU.
//!
//! Busy time is the union of kernel *and* copy intervals over all streams: overlap is counted once (so
//! utilization can never exceed 100 %), and a period in which only a copy runs is busy, not idle.

use std::collections::BTreeSet;

use crate::passes::attribution::{Attribution, NONE};
use crate::stats::{for_each_merged, median, pct, sorted_union};
use crate::tables::{r1, r2, GapRow, TimelineRow};
use crate::model::Trace;

/// How many gaps per device `gaps.csv` lists.
pub const TOP_GAPS: usize = 10;

/// Builds the timeline and gap tables, sorted by device.
pub fn timeline_tables(trace: &Trace, attr: &Attribution) -> (Vec<TimelineRow>, Vec<GapRow>) {
    // The devices (ops of one device come in long runs: one set insert per run, not per op).
    let mut devices: BTreeSet<i64> = BTreeSet::new();
    let mut last_device = None;
    for d in trace.kernels.iter().map(|k| k.device).chain(trace.memops.iter().map(|m| m.device)) {
        if last_device != Some(d) {
            devices.insert(d as i64);
            last_device = Some(d);
        }
    }
    // nsys writes the op tables in order of start: the unions are then taken straight from them, without a copy
    // or a sort. A table out of order is copied and sorted per device.
    let kernels_sorted = trace.kernels.windows(2).all(|w| w[0].start <= w[1].start);
    let memops_sorted = trace.memops.windows(2).all(|w| w[0].start <= w[1].start);
    let nk = trace.kernels.len();
    let mut rows = Vec::new();
    let mut gaps_out = Vec::new();
    let mut kv: Vec<(i64, i64)> = Vec::new();
    let mut mv: Vec<(i64, i64)> = Vec::new();
    for device in devices {
        let kspans = trace.kernels.iter().filter(|k| k.device as i64 == device).map(|k| (k.start, k.end));
        let mspans = trace.memops.iter().filter(|m| m.device as i64 == device).map(|m| (m.start, m.end));
        let ks = Spans::in_start_order(kernels_sorted, kspans, &mut kv);
        let ms = Spans::in_start_order(memops_sorted, mspans, &mut mv);
        // Busy time: the kernels' union and the copies' union merged, as they are computed. Gaps between busy
        // intervals: count them, keep the largest.
        let mut kernel_busy = 0i64;
        let mut busy = 0i64;
        let mut idle_gaps = 0u64;
        let mut gaps: Vec<(i64, i64)> = Vec::with_capacity(TOP_GAPS + 1);
        let bigger = |a: &(i64, i64), b: &(i64, i64)| (b.1 - b.0).cmp(&(a.1 - a.0)).then(a.0.cmp(&b.0));
        let mut prev_end: Option<i64> = None;
        let kernel_union = sorted_union(ks).inspect(|(s, e)| kernel_busy = kernel_busy.saturating_add(e - s));
        for_each_merged(kernel_union, sorted_union(ms), |(s, e)| {
            busy = busy.saturating_add(e - s);
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
        // One pass over the device's ops (kernels, then memory operations: the order of `Trace::op`): span, sums,
        // launch cost, and the op that ended at each gap's start and the one that started at its end (lowest index
        // on ties). Gaps are disjoint: their starts (and ends) are distinct and found by binary search.
        let mut by_start: Vec<(i64, usize)> = gaps.iter().enumerate().map(|(g, x)| (x.0, g)).collect();
        let mut by_end: Vec<(i64, usize)> = gaps.iter().enumerate().map(|(g, x)| (x.1, g)).collect();
        by_start.sort_unstable();
        by_end.sort_unstable();
        let mut before = vec![usize::MAX; gaps.len()];
        let mut after = vec![usize::MAX; gaps.len()];
        let mut name_gaps = |i: usize, s: i64, e: i64| {
            if let Ok(p) = by_start.binary_search_by_key(&e, |x| x.0) {
                let g = by_start[p].1;
                if before[g] == usize::MAX {
                    before[g] = i;
                }
            }
            if let Ok(p) = by_end.binary_search_by_key(&s, |x| x.0) {
                let g = by_end[p].1;
                if after[g] == usize::MAX {
                    after[g] = i;
                }
            }
        };
        let (mut first, mut last) = (i64::MAX, i64::MIN);
        let (mut kernels, mut memops) = (0u64, 0u64);
        let mut kernel_sum = 0i64;
        let mut memop_sum = 0i64;
        let mut launch_api = 0i64;
        let mut latencies = Vec::new();
        let (mut short, mut short_ns, mut short_api) = (0u64, 0i64, 0i64);
        for (i, k) in trace.kernels.iter().enumerate().filter(|(_, k)| k.device as i64 == device) {
            let (start, end) = (k.start, k.end);
            first = first.min(start);
            last = last.max(end);
            name_gaps(i, start, end);
            let d = end - start;
            kernels += 1;
            kernel_sum = kernel_sum.saturating_add(d);
            let a = attr.launch[i];
            if a != NONE {
                let call = &trace.api[a as usize];
                let api_d = call.end - call.start;
                launch_api = launch_api.saturating_add(api_d);
                latencies.push(start - call.start);
                if d < api_d {
                    short += 1;
                    short_ns = short_ns.saturating_add(d);
                    short_api = short_api.saturating_add(api_d);
                }
            }
        }
        for (j, m) in trace.memops.iter().enumerate().filter(|(_, m)| m.device as i64 == device) {
            first = first.min(m.start);
            last = last.max(m.end);
            name_gaps(nk + j, m.start, m.end);
            memops += 1;
            memop_sum += m.end - m.start;
        }
        // Every device has an op (the devices come from the ops), so first and last are set.
        let last = last.max(first);
        let op_name = |i: usize| -> &str {
            if i == usize::MAX {
                ""
            } else if i < nk {
                trace.name(trace.kernels[i].short_name)
            } else {
                trace.memops[i - nk].kind.label()
            }
        };
        for (rank, (s, e)) in gaps.iter().enumerate() {
            gaps_out.push(GapRow {
                device,
                rank: rank as u32 + 1,
                start_ns: *s,
                end_ns: *e,
                gap_ns: e - s,
                before: op_name(before[rank]).to_string(),
                after: op_name(after[rank]).to_string(),
            });
        }
        let span = last - first;
        rows.push(TimelineRow {
            device,
            gpu: trace.info.gpus.iter().find(|g| g.device == device).map(|g| g.name.clone()).unwrap_or_default(),
            kernels,
            memops,
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

/// The (start, end) of one device's ops in order of start: straight from a table written in that order, or from a
/// sorted copy.
enum Spans<'a, I> {
    Table(I),
    Copy(std::slice::Iter<'a, (i64, i64)>),
}

impl<'a, I: Iterator<Item = (i64, i64)>> Spans<'a, I> {
    /// `spans` as they come when `sorted`, else copied into `buf` and sorted.
    fn in_start_order(sorted: bool, spans: I, buf: &'a mut Vec<(i64, i64)>) -> Self {
        if sorted {
            return Spans::Table(spans);
        }
        buf.clear();
        buf.extend(spans);
        buf.sort_unstable();
        Spans::Copy(buf.iter())
    }
}

impl<I: Iterator<Item = (i64, i64)>> Iterator for Spans<'_, I> {
    type Item = (i64, i64);
    fn next(&mut self) -> Option<(i64, i64)> {
        match self {
            Spans::Table(it) => it.next(),
            Spans::Copy(it) => it.next().copied(),
        }
    }
}
