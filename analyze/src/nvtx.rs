//! NVTX range table (`nvtx_ranges.csv`): CPU time of each range name and the GPU work launched inside it,
//! attributed by launch (see [`crate::attribution`]).

use std::collections::{BTreeMap, BTreeSet};

use crate::attribution::Attribution;
use crate::tables::{r1, RangeRow};
use crate::trace::{RangeStyle, Trace};

#[derive(Default)]
struct Acc {
    styles: BTreeSet<&'static str>,
    instances: u64,
    cpu_total: i64,
    gpu_total: i64,
    gpu_inclusive: i64,
    kernels: u64,
    kernels_innermost: u64,
    proj_total: i64,
    proj_instances: u64,
}

/// Builds the range table, sorted by inclusive GPU time (descending), then CPU time, then name.
pub fn range_table(trace: &Trace, attr: &Attribution) -> Vec<RangeRow> {
    let mut acc: BTreeMap<u32, Acc> = BTreeMap::new();
    for r in &trace.ranges {
        let a = acc.entry(r.name).or_default();
        a.styles.insert(match r.style {
            RangeStyle::PushPop => "PushPop",
            RangeStyle::StartEnd => "StartEnd",
        });
        a.instances += 1;
        a.cpu_total += (r.end - r.start).max(0);
    }
    // Per range instance: projection (first op start, last op end).
    let mut proj: BTreeMap<u32, (i64, i64)> = BTreeMap::new();
    // Distinct kernels per range name: each kernel counts once per name, however many instances of that name
    // enclose it (names deduplicated per kernel instead of keeping a set of kernels per name).
    let mut names: Vec<u32> = Vec::new();
    for (i, op) in attr.ops.iter().enumerate() {
        let d = op.end - op.start;
        names.clear();
        for &r in attr.ranges_of(i) {
            let p = proj.entry(r).or_insert((op.start, op.end));
            p.0 = p.0.min(op.start);
            p.1 = p.1.max(op.end);
            if op.is_kernel {
                let name = trace.ranges[r as usize].name;
                acc.get_mut(&name).expect("range names are registered").gpu_inclusive += d;
                names.push(name);
            }
        }
        names.sort_unstable();
        names.dedup();
        for n in &names {
            acc.get_mut(n).expect("range names are registered").kernels += 1;
        }
        if op.is_kernel {
            if let Some(r) = attr.innermost[i] {
                let a = acc.get_mut(&trace.ranges[r as usize].name).expect("range names are registered");
                a.gpu_total += d;
                a.kernels_innermost += 1;
            }
        }
    }
    for (r, (s, e)) in proj {
        let a = acc.get_mut(&trace.ranges[r as usize].name).expect("range names are registered");
        a.proj_total += e - s;
        a.proj_instances += 1;
    }
    let mut rows: Vec<RangeRow> = acc
        .into_iter()
        .map(|(name, a)| RangeRow {
            range: trace.name(name).to_string(),
            style: if a.styles.len() > 1 { "mixed".into() } else { a.styles.iter().next().copied().unwrap_or("").into() },
            instances: a.instances,
            cpu_total_ns: a.cpu_total,
            cpu_avg_ns: r1(a.cpu_total as f64 / a.instances.max(1) as f64),
            gpu_total_ns: a.gpu_total,
            gpu_inclusive_ns: a.gpu_inclusive,
            kernels: a.kernels,
            kernels_innermost: a.kernels_innermost,
            gpu_proj_total_ns: a.proj_total,
            gpu_proj_instances: a.proj_instances,
        })
        .collect();
    rows.sort_by(|a, b| {
        b.gpu_inclusive_ns
            .cmp(&a.gpu_inclusive_ns)
            .then(b.cpu_total_ns.cmp(&a.cpu_total_ns))
            .then(a.range.cmp(&b.range))
    });
    rows
}
