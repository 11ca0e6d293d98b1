//! Kernel summary (`kernels.csv`): per device and demangled name, the statistics of `nsys stats -r gpukernsum`
//! (which 2022.4 splits further by grid and block; ours is per name).

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;

use crate::classify::classify;
use crate::stats::{pct, summarize};
use crate::tables::{r1, r2, KernelRow};
use crate::trace::Trace;

/// Builds the kernel table, sorted by device, then total time (descending), then name.
pub fn kernel_table(trace: &Trace) -> Vec<KernelRow> {
    // Groups by (device, name) through a map to their index; a kernel of the same group as the one before (a
    // common run) skips the map.
    let mut index: FxHashMap<(i64, u32), usize> = FxHashMap::default();
    let mut groups: Vec<((i64, u32), u32, Vec<i64>)> = Vec::new();
    let mut device_total: BTreeMap<i64, i128> = BTreeMap::new();
    let mut last: Option<((i64, u32), usize)> = None;
    for k in &trace.kernels {
        let key = (k.device as i64, k.name);
        let g = match last {
            Some((l, g)) if l == key => g,
            _ => {
                let g = *index.entry(key).or_insert_with(|| {
                    groups.push((key, k.short_name, Vec::new()));
                    groups.len() - 1
                });
                last = Some((key, g));
                g
            }
        };
        groups[g].2.push(k.end - k.start);
    }
    for ((device, _), _, durs) in &groups {
        *device_total.entry(*device).or_default() += durs.iter().map(|&d| d as i128).sum::<i128>();
    }
    let mut rows: Vec<KernelRow> = groups
        .into_iter()
        .map(|((device, name), short, mut durs)| {
            let s = summarize(&mut durs);
            let name = trace.name(name).to_string();
            KernelRow {
                device,
                class: classify(&name).to_string(),
                short_name: trace.name(short).to_string(),
                name,
                instances: s.count,
                total_ns: s.total as i64,
                pct_gpu_time: r2(pct(s.total, device_total[&device])),
                avg_ns: r1(s.avg),
                med_ns: r1(s.med),
                min_ns: s.min,
                max_ns: s.max,
                stddev_ns: r1(s.stddev),
            }
        })
        .collect();
    rows.sort_by(|a, b| a.device.cmp(&b.device).then(b.total_ns.cmp(&a.total_ns)).then(a.name.cmp(&b.name)));
    rows
}
