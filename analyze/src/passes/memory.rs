//! Memory operations (`memory.csv`): memcpy by copy kind and memset, per device, with the achieved rate and the
//! device's peak DRAM bandwidth. Host↔device copies are bound by the link (PCIe/NVLink), not by DRAM: compare
//! only device-side kinds (DtoD, memset) with the peak.

use std::collections::BTreeMap;

use crate::stats::summarize;
use crate::tables::{r1, r2, MemoryRow};
use crate::model::{MemKind, Trace};

/// Builds the memory table, sorted by device, then total time (descending), then kind.
pub fn memory_table(trace: &Trace) -> Vec<MemoryRow> {
    let mut groups: BTreeMap<(i64, MemKind), (Vec<i64>, i64)> = BTreeMap::new();
    for m in &trace.memops {
        let g = groups.entry((m.device as i64, m.kind)).or_default();
        g.0.push(m.end - m.start);
        g.1 = g.1.saturating_add(m.bytes);
    }
    let peak = |device: i64| {
        trace.info.gpus.iter().find(|g| g.device == device).map(|g| g.memory_bandwidth_bps as f64 / 1e9).unwrap_or(0.0)
    };
    let mut rows: Vec<MemoryRow> = groups
        .into_iter()
        .map(|((device, kind), (mut durs, bytes))| {
            let s = summarize(&mut durs);
            MemoryRow {
                device,
                kind: kind.label().to_string(),
                operation: kind.nsys_name(),
                count: s.count,
                bytes,
                total_ns: s.total.clamp(0, i64::MAX as i128) as i64,
                avg_ns: r1(s.avg),
                min_ns: s.min,
                max_ns: s.max,
                achieved_gb_s: if s.total > 0 { r2(bytes as f64 / s.total as f64) } else { 0.0 },
                peak_gb_s: r2(peak(device)),
            }
        })
        .collect();
    rows.sort_by(|a, b| a.device.cmp(&b.device).then(b.total_ns.cmp(&a.total_ns)).then(a.kind.cmp(&b.kind)));
    rows
}
