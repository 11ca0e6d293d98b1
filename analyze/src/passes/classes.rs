//! Class table (`classes.csv`): GPU time per kernel class, for the whole trace (`all`) and per NVTX phase.
//!
//! The phase of an op is found from its innermost enclosing range outwards: the first range whose name (after
//! the `domain:` prefix) is a phase name or starts with one followed by a non-letter (`decode_step_3` is in
//! `decode`). Ops in ranges without a phase are `other`; ops launched outside every range are `unattributed`.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;

use crate::passes::attribution::Attribution;
use crate::passes::classify::{classify, KernelClass};
use crate::stats::pct;
use crate::tables::{r2, ClassRow};
use crate::model::Trace;

/// Builds the class table from the ops' phase labels (see [`Attribution::label`]); `phases` orders the rows.
pub fn class_table(trace: &Trace, attr: &Attribution, phases: &[String]) -> Vec<ClassRow> {
    // Class per kernel name, computed once.
    let mut name_class: FxHashMap<u32, KernelClass> = FxHashMap::default();
    // (phase label index, class) -> (count, ns)
    let mut acc: BTreeMap<(u8, KernelClass), (u64, i64)> = BTreeMap::new();
    let mut all: BTreeMap<KernelClass, (u64, i64)> = BTreeMap::new();
    let by_phase = attr.labels.len() > 1;
    for i in 0..trace.n_ops() {
        let op = trace.op(i);
        let class = if op.is_kernel {
            let k = &trace.kernels[op.index];
            *name_class.entry(k.name).or_insert_with(|| classify(trace.name(k.name)))
        } else {
            KernelClass::Memory
        };
        let d = op.end - op.start;
        let e = all.entry(class).or_default();
        e.0 += 1;
        e.1 += d;
        if by_phase {
            let e = acc.entry((attr.phase[i], class)).or_default();
            e.0 += 1;
            e.1 += d;
        }
    }
    let mut acc: BTreeMap<(String, KernelClass), (u64, i64)> =
        acc.into_iter().map(|((p, c), v)| ((attr.labels[p as usize].clone(), c), v)).collect();
    for (c, v) in all {
        acc.insert(("all".to_string(), c), v);
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

