//! Kernel summary (`kernels.csv`): per device and demangled name, the statistics of `nsys stats -r gpukernsum`
//! (which 2022.4 splits further by grid and block; ours is per name).

use std::collections::BTreeMap;

use crate::passes::classify::classify;
use crate::model::dense::DenseIds;
use crate::stats::{pct, summarize, Summary};
use crate::tables::{r1, r2, KernelRow};
use crate::model::Trace;

/// Builds the kernel table, sorted by device, then total time (descending), then name.
pub fn kernel_table(trace: &Trace) -> Vec<KernelRow> {
    // Durations grouped by (device, name), in order of first appearance.
    let mut ids = DenseIds::default();
    let mut groups: Vec<((i64, u32), u32, Vec<i64>)> = Vec::new();
    for k in &trace.kernels {
        let key = (k.device as i64, k.name);
        let g = ids.id(key);
        if g == groups.len() {
            groups.push((key, k.short_name, Vec::new()));
        }
        groups[g].2.push(k.end - k.start);
    }
    let summaries: Vec<((i64, u32), u32, Summary)> =
        groups.into_iter().map(|(key, short, mut durs)| (key, short, summarize(&mut durs))).collect();
    let mut device_total: BTreeMap<i64, i128> = BTreeMap::new();
    for ((device, _), _, s) in &summaries {
        *device_total.entry(*device).or_default() += s.total;
    }
    let mut rows: Vec<KernelRow> = summaries
        .into_iter()
        .map(|((device, name), short, s)| {
            let name = trace.name(name).to_string();
            KernelRow {
                device,
                class: classify(&name).to_string(),
                short_name: trace.name(short).to_string(),
                name,
                instances: s.count,
                total_ns: s.total.clamp(0, i64::MAX as i128) as i64,
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
