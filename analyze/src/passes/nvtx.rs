//! NVTX range table (`nvtx_ranges.csv`): CPU time of each range name and the GPU work launched inside it,
//! attributed by launch (see [`crate::passes::attribution`], which aggregates per name while it sweeps).

use crate::passes::attribution::Attribution;
use crate::tables::{r1, RangeRow};

/// Builds the range table, sorted by inclusive GPU time (descending), then CPU time, then name.
pub fn range_table(attr: &Attribution) -> Vec<RangeRow> {
    let mut rows: Vec<RangeRow> = attr
        .range_names
        .iter()
        .zip(&attr.range_aggs)
        .map(|(name, a)| RangeRow {
            range: name.clone(),
            style: match (a.push_pop, a.start_end) {
                (true, true) => "mixed",
                (true, false) => "PushPop",
                (false, true) => "StartEnd",
                (false, false) => "",
            }
            .into(),
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
