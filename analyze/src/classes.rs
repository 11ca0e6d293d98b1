//! Class table (`classes.csv`): GPU time per kernel class, for the whole trace (`all`) and per NVTX phase.
//!
//! The phase of an op is found from its innermost enclosing range outwards: the first range whose name (after
//! the `domain:` prefix) is a phase name or starts with one followed by a non-letter (`decode_step_3` is in
//! `decode`). Ops in ranges without a phase are `other`; ops launched outside every range are `unattributed`.

use std::collections::BTreeMap;

use crate::attribution::Attribution;
use crate::classify::{classify, KernelClass};
use crate::stats::pct;
use crate::tables::{r2, ClassRow};
use crate::trace::Trace;

/// Phase of a range name, if it is one of `phases`.
pub fn phase_of(range_name: &str, phases: &[String]) -> Option<usize> {
    let base = range_name.rsplit(':').next().unwrap_or(range_name).trim().to_ascii_lowercase();
    phases.iter().position(|p| {
        let p = p.to_ascii_lowercase();
        base == p || (base.starts_with(&p) && !base[p.len()..].starts_with(|c: char| c.is_ascii_alphabetic()))
    })
}

/// The phase label of every op of `attr` (`all` only when the trace has no phase ranges), and the phases found.
pub fn op_phases(trace: &Trace, attr: &Attribution, phases: &[String]) -> (Vec<String>, Vec<String>) {
    // Phase per range name.
    let mut range_phase: BTreeMap<u32, Option<usize>> = BTreeMap::new();
    let mut found = vec![false; phases.len()];
    for r in &trace.ranges {
        let p = *range_phase.entry(r.name).or_insert_with(|| phase_of(trace.name(r.name), phases));
        if let Some(p) = p {
            found[p] = true;
        }
    }
    let any_phase = found.iter().any(|&f| f);
    let labels = (0..attr.ops.len())
        .map(|i| {
            if !any_phase {
                return "all".to_string();
            }
            let mut rs: Vec<u32> = attr.ranges_of(i).to_vec();
            if rs.is_empty() {
                return "unattributed".to_string();
            }
            // innermost first: latest start, earliest end
            rs.sort_by(|&a, &b| {
                let (ra, rb) = (&trace.ranges[a as usize], &trace.ranges[b as usize]);
                rb.start.cmp(&ra.start).then(ra.end.cmp(&rb.end))
            });
            rs.iter()
                .find_map(|&r| range_phase[&trace.ranges[r as usize].name])
                .map(|p| phases[p].clone())
                .unwrap_or_else(|| "other".to_string())
        })
        .collect();
    let present = phases.iter().zip(found).filter(|(_, f)| *f).map(|(p, _)| p.clone()).collect();
    (labels, present)
}

/// Builds the class table from the ops' phase `labels` (from [`op_phases`]); `phases` orders the rows.
pub fn class_table(trace: &Trace, attr: &Attribution, labels: &[String], phases: &[String]) -> Vec<ClassRow> {
    // Class per kernel name, computed once.
    let mut name_class: BTreeMap<u32, KernelClass> = BTreeMap::new();
    // (phase label, class) -> (count, ns)
    let mut acc: BTreeMap<(String, KernelClass), (u64, i64)> = BTreeMap::new();
    for (i, op) in attr.ops.iter().enumerate() {
        let class = if op.is_kernel {
            let k = &trace.kernels[op.index];
            *name_class.entry(k.name).or_insert_with(|| classify(trace.name(k.name)))
        } else {
            KernelClass::Memory
        };
        let d = op.end - op.start;
        let e = acc.entry(("all".to_string(), class)).or_default();
        e.0 += 1;
        e.1 += d;
        if labels[i] != "all" {
            let e = acc.entry((labels[i].clone(), class)).or_default();
            e.0 += 1;
            e.1 += d;
        }
    }
    let mut phase_total: BTreeMap<String, i64> = BTreeMap::new();
    for ((p, _), (_, ns)) in &acc {
        *phase_total.entry(p.clone()).or_default() += ns;
    }
    // Order: all, the phases in the order given, other, unattributed; classes by time within a phase.
    let order = |p: &str| -> usize {
        if p == "all" {
            0
        } else if let Some(i) = phases.iter().position(|x| x == p) {
            1 + i
        } else if p == "other" {
            1 + phases.len()
        } else {
            2 + phases.len()
        }
    };
    let mut rows: Vec<ClassRow> = acc
        .into_iter()
        .map(|((phase, class), (n, ns))| ClassRow {
            pct_phase_time: r2(pct(ns as i128, phase_total[&phase] as i128)),
            phase,
            class: class.to_string(),
            instances: n,
            total_ns: ns,
        })
        .collect();
    rows.sort_by(|a, b| {
        order(&a.phase).cmp(&order(&b.phase)).then(b.total_ns.cmp(&a.total_ns)).then(a.class.cmp(&b.class))
    });
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phase_names() {
        let ph = vec!["prefill".to_string(), "decode".to_string()];
        assert_eq!(phase_of("latency_anatomy:prefill", &ph), Some(0));
        assert_eq!(phase_of("decode", &ph), Some(1));
        assert_eq!(phase_of("decode_step_3", &ph), Some(1));
        assert_eq!(phase_of("Decode 12", &ph), Some(1));
        assert_eq!(phase_of("decoder_layer", &ph), None);
        assert_eq!(phase_of("s128_b1", &ph), None);
    }
}
