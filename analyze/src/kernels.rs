//! Kernel summary (`kernels.csv`): per device and demangled name, the statistics of `nsys stats -r gpukernsum`
//! (which 2022.4 splits further by grid and block; ours is per name).

use std::collections::BTreeMap;

use crate::classify::classify;
use crate::stats::{pct, summarize};
use crate::tables::{r1, r2, KernelRow};
use crate::trace::Trace;

/// Builds the kernel table, sorted by device, then total time (descending), then name.
pub fn kernel_table(trace: &Trace) -> Vec<KernelRow> {
    let mut groups: BTreeMap<(i64, u32), (u32, Vec<i64>)> = BTreeMap::new();
    let mut device_total: BTreeMap<i64, i128> = BTreeMap::new();
    for k in &trace.kernels {
        let d = k.end - k.start;
        groups.entry((k.device as i64, k.name)).or_insert_with(|| (k.short_name, Vec::new())).1.push(d);
        *device_total.entry(k.device as i64).or_default() += d as i128;
    }
    let mut rows: Vec<KernelRow> = groups
        .into_iter()
        .map(|((device, name), (short, mut durs))| {
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
