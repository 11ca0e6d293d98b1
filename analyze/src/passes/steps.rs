//! Step anatomy (`steps.csv`, `step_summary.csv`): where each prefill and decode step's time goes.
//!
//! A step is a phase range instance that holds no step range (a `prefill`), or a range matching the step
//! pattern (`step_*` under `decode`); when step candidates nest, only the innermost ones are steps. Its ops are
//! those whose launch call lies inside it (the rule of [`crate::passes::attribution`]; an op in nested
//! candidates belongs to the innermost). For each step:
//!
//! ```text
//!   cpu_start ────────────────── wall ──────────────────── cpu_end
//!   | host-only |  GPU window: busy (union of ops) + idle  | host-only |  (+ overhang past cpu_end)
//! ```
//!
//! `gpu_busy + gpu_idle + host_only = wall + gpu_overhang`, where `gpu_overhang` is the part of the GPU window
//! outside the CPU range (asynchronous work that outlives its step; 0 when the step synchronizes). Busy time is
//! split by class exclusively (an instant covered by overlapping ops goes to the op that started first), so the
//! classes sum to busy.
//!
//! The summary covers measured steps (not inside a `warmup_i` range) per (point, phase) and gives a verdict
//! ([`verdict`], rules in docs/attribution.md): `launch-bound`, `memory-bound`, `compute-bound`, `host-bound` or
//! `unknown`.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;

pub use schema::tables::{StepRow, StepSummaryRow};

use crate::model::{tid_of, Trace, NONE};
use crate::passes::attribution::Attribution;
use crate::passes::classify::{classify, KernelClass};
use crate::passes::traffic::ModelBytes;
use crate::tables::{r1, r2, PhaseBoundRow};

/// GPU busy share of the wall time (%) from which a step is bound by the GPU (memory or compute), not by the CPU.
pub const GPU_BOUND_BUSY_PCT: f64 = 80.0;

/// A GPU-bound step whose busy time is within this factor of the HBM floor is memory-bound.
pub const FLOOR_FACTOR: f64 = 1.5;

const N_CLASSES: usize = KernelClass::ALL.len();

fn class_index(c: KernelClass) -> usize {
    KernelClass::ALL.iter().position(|&x| x == c).expect("every class is in ALL")
}

/// Builds `steps.csv` and `step_summary.csv`. `phases`: the phase names (summary order); `model`: the capture's
/// model config and `peak_bps` the peak DRAM bandwidth (for the HBM floor); `ncu_phases`: the ncu verdicts per
/// phase, when ncu data was joined.
pub fn step_tables(
    trace: &Trace,
    attr: &Attribution,
    phases: &[String],
    models: &[ModelBytes],
    peak_bps: Option<f64>,
    ncu_phases: &[PhaseBoundRow],
) -> (Vec<StepRow>, Vec<StepSummaryRow>) {
    let rows = step_rows(trace, attr);
    let summary = summarize(&rows, phases, models, peak_bps, ncu_phases);
    (rows, summary)
}

/// One row per step, sorted by CPU start, thread and input order.
pub fn step_rows(trace: &Trace, attr: &Attribution) -> Vec<StepRow> {
    let n = attr.steps.len();
    if n == 0 {
        return Vec::new();
    }
    // Ops grouped by step.
    let (first, by_step) = crate::model::dense::group_by_key(&attr.step_of, n);
    let mut name_class: FxHashMap<u32, KernelClass> = FxHashMap::default();
    let mut class_of = |op: usize| -> KernelClass {
        let o = trace.op(op);
        if o.is_kernel {
            let k = &trace.kernels[o.index];
            *name_class.entry(k.name).or_insert_with(|| classify(trace.name(k.name)))
        } else {
            KernelClass::Memory
        }
    };
    let mut rows: Vec<(u64, StepRow)> = Vec::with_capacity(n);
    let mut ops: Vec<(i64, i64, usize)> = Vec::new();
    let mut calls: Vec<u32> = Vec::new();
    for (i, st) in attr.steps.iter().enumerate() {
        ops.clear();
        calls.clear();
        let (mut kernels, mut memops, mut copy_bytes) = (0u64, 0u64, 0i64);
        for &op in &by_step[first[i] as usize..first[i + 1] as usize] {
            let (s, e, is_kernel) = trace.op_span(op as usize);
            ops.push((s, e, op as usize));
            if is_kernel {
                kernels += 1;
            } else {
                memops += 1;
                copy_bytes = copy_bytes.saturating_add(trace.memops[op as usize - trace.kernels.len()].bytes);
            }
            let l = attr.launch[op as usize];
            if l != NONE {
                calls.push(l);
            }
        }
        ops.sort_unstable();
        calls.sort_unstable();
        calls.dedup();
        // Busy time, split by class: each instant goes to the op that started first.
        let mut by_class = [0i64; N_CLASSES];
        let (mut busy, mut covered) = (0i64, i64::MIN);
        for &(s, e, op) in &ops {
            let from = s.max(covered);
            if e > from {
                by_class[class_index(class_of(op))] += e - from;
                busy += e - from;
            }
            covered = covered.max(e);
        }
        let window = ops.first().map(|&(s, _, _)| (s, ops.iter().map(|o| o.1).max().unwrap_or(s)));
        let wall = st.end - st.start;
        let (gpu_idle, host_only, overhang) = match window {
            Some((gs, ge)) => {
                let inside = (ge.min(st.end) - gs.max(st.start)).max(0);
                (ge - gs - busy, wall - inside, ge - gs - inside)
            }
            None => (0, wall, 0),
        };
        let launch_api_ns = calls.iter().map(|&c| trace.api[c as usize].end - trace.api[c as usize].start).sum();
        let is_graph = |c: u32| trace.graph_calls.binary_search(&c).is_ok();
        let graph_launches = calls.iter().filter(|&&c| is_graph(c)).count() as u64;
        let graph_kernels = if graph_launches == 0 {
            0
        } else {
            ops.iter().filter(|&&(_, _, op)| op < trace.kernels.len() && attr.launch[op] != NONE && is_graph(attr.launch[op])).count() as u64
        };
        let top = (0..N_CLASSES).filter(|&c| by_class[c] > 0).max_by_key(|&c| (by_class[c], std::cmp::Reverse(c)));
        let mut row = StepRow {
            point: st.point.clone(),
            rep: st.rep.clone(),
            phase: st.phase.clone(),
            step: st.name.clone(),
            thread: tid_of(st.global_tid),
            cpu_start_ns: st.start,
            cpu_end_ns: st.end,
            wall_ns: wall,
            gpu_start_ns: window.map(|w| w.0),
            gpu_end_ns: window.map(|w| w.1),
            gpu_busy_ns: busy,
            gpu_idle_ns: gpu_idle,
            host_only_ns: host_only,
            gpu_overhang_ns: overhang,
            kernels,
            memops,
            copy_bytes,
            launch_calls: calls.len() as u64,
            graph_launches,
            graph_kernels,
            launch_api_ns,
            sync_api_ns: sync_ns(trace, st.global_tid, st.start, st.end),
            top_class: top.map(|c| KernelClass::ALL[c].as_str().to_string()).unwrap_or_default(),
            ..Default::default()
        };
        row.set_class_busy(by_class);
        rows.push((st.order, row));
    }
    rows.sort_by(|(oa, a), (ob, b)| (a.cpu_start_ns, a.thread, oa).cmp(&(b.cpu_start_ns, b.thread, ob)));
    rows.into_iter().map(|(_, r)| r).collect()
}

/// The per-class busy columns of a step row, in [`KernelClass::ALL`] order (the same as `BUSY_CLASSES`).
pub fn class_busy(r: &StepRow) -> [i64; N_CLASSES] {
    r.class_busy().map(|(_, v)| v)
}

/// CPU time of the synchronizing calls of thread `tid` that lie inside `[start, end]`.
fn sync_ns(trace: &Trace, tid: i64, start: i64, end: i64) -> i64 {
    let s = &trace.syncs;
    let from = s.partition_point(|c| (c.global_tid, c.start) < (tid, start));
    s[from..].iter().take_while(|c| c.global_tid == tid && c.start <= end).filter(|c| c.end <= end).map(|c| c.end - c.start).sum()
}

/// Nearest-rank percentile of sorted values: the value at rank ⌈p/100 × n⌉ (0 when empty).
pub fn nearest_rank(sorted: &[i64], p: f64) -> i64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// What the verdict looks at, for one (point, phase).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VerdictIn {
    /// Steps.
    pub steps: u64,
    /// GPU ops (kernels + memcpy/memset) in all the steps.
    pub ops: u64,
    /// Median step wall time, ns.
    pub wall_p50_ns: i64,
    /// Median GPU busy time, ns.
    pub busy_p50_ns: i64,
    /// GPU busy, GPU idle and host-only shares of the wall time, %.
    pub busy_pct: f64,
    /// See `busy_pct`.
    pub idle_pct: f64,
    /// See `busy_pct`.
    pub host_pct: f64,
    /// Launch calls per step and launch API time per call, ns.
    pub launches_per_step: f64,
    /// See `launches_per_step`.
    pub api_ns_per_launch: f64,
    /// Class with the most busy time.
    pub top_class: String,
    /// HBM floor of a step, ns, when the model config and the peak bandwidth are known.
    pub floor_ns: Option<i64>,
    /// Kernel time of the phase that ncu calls memory-bound and compute-bound, ns (when ncu data was joined).
    pub ncu_memory_compute_ns: Option<(i64, i64)>,
}

fn ms(ns: i64) -> String {
    format!("{:.3} ms", ns as f64 / 1e6)
}

/// The bound verdict and its reason in words (rules in docs/attribution.md, tested one by one):
/// 1. no GPU op in the steps → `unknown` (wall time only: a CPU run, or CUDA not traced);
/// 2. GPU busy ≥ [`GPU_BOUND_BUSY_PCT`] % of the wall time → the GPU bounds the step: ncu's verdicts of the phase's
///    kernels decide between `memory-bound` and `compute-bound` when joined (the larger share of kernel time);
///    else the HBM floor: busy ≤ [`FLOOR_FACTOR`] × floor → `memory-bound`, above → `compute-bound`; with neither,
///    `unknown`;
/// 3. otherwise the GPU is starved: `host-bound` when the wall time outside the GPU window (host-only) is at least
///    the idle time inside it, else `launch-bound` (the GPU waits between the step's own launches).
pub fn verdict(v: &VerdictIn) -> (&'static str, String) {
    let floor = || match v.floor_ns {
        Some(f) if f > 0 => format!("; the step's wall time is {:.2}× its HBM floor ({})", v.wall_p50_ns as f64 / f as f64, ms(f)),
        _ => String::new(),
    };
    if v.ops == 0 {
        return (
            "unknown",
            format!("no GPU work was traced in these {} step(s) ({} median wall time): a CPU run, or CUDA was not traced; nothing bounds them on a GPU", v.steps, ms(v.wall_p50_ns)),
        );
    }
    if v.busy_pct >= GPU_BOUND_BUSY_PCT {
        let head = format!("GPU busy {:.1} % of the step's wall time (mostly {})", v.busy_pct, v.top_class);
        if let Some((mem, comp)) = v.ncu_memory_compute_ns.filter(|(m, c)| m + c > 0) {
            let share = mem as f64 * 100.0 / (mem + comp) as f64;
            let bound = if mem >= comp { "memory-bound" } else { "compute-bound" };
            return (bound, format!("{head}; Nsight Compute calls {share:.1} % of this phase's memory- or compute-bound kernel time memory-bound{}", floor()));
        }
        if let Some(f) = v.floor_ns.filter(|&f| f > 0) {
            let ratio = v.busy_p50_ns as f64 / f as f64;
            return if ratio <= FLOOR_FACTOR {
                ("memory-bound", format!("{head}, and that busy time is {ratio:.2}× the HBM floor ({}): the step moves its bytes near peak bandwidth", ms(f)))
            } else {
                ("compute-bound", format!("{head}, but that busy time is {ratio:.2}× the HBM floor ({}): the kernels take longer than their bytes need (arithmetic or inefficient kernels)", ms(f)))
            };
        }
        return (
            "unknown",
            format!("{head}; memory- vs compute-bound needs the model config (the capture's sweep CSV beside the export) or Nsight Compute data"),
        );
    }
    if v.host_pct >= v.idle_pct {
        return (
            "host-bound",
            format!(
                "the GPU had no work from the step for {:.1} % of its wall time (before its first op or after its last) and was busy {:.1} %: CPU work between launches and syncs bounds it{}",
                v.host_pct,
                v.busy_pct,
                floor()
            ),
        );
    }
    (
        "launch-bound",
        format!(
            "the GPU sat idle {:.1} % of the step's wall time between its own ops and was busy {:.1} %: {:.1} launches per step at {:.1} µs of launch API each{}",
            v.idle_pct,
            v.busy_pct,
            v.launches_per_step,
            v.api_ns_per_launch / 1e3,
            floor()
        ),
    )
}

/// The configuration of `point` among `models`: the one with its label, or the only one for steps in no point.
pub fn model_for<'m>(models: &'m [ModelBytes], point: &str) -> Option<&'m ModelBytes> {
    match point {
        "" if models.len() == 1 => models.first(),
        "" => None,
        p => models.iter().find(|m| m.label() == p),
    }
}

/// Predicted DRAM bytes of one step of `phase` from the model config: a prefill reads the weights and writes
/// the prompt's KV cache; a decode step (mean over the run's steps) reads the weights and the KV cache so far.
/// `None` for other phases.
pub fn predicted_step_bytes(m: &ModelBytes, phase: &str) -> Option<f64> {
    if m.runs <= 0.0 {
        return None;
    }
    match phase {
        schema::phase::PREFILL => Some(m.prefill_bytes() / m.runs),
        schema::phase::DECODE if m.gen_tokens >= 1.0 => Some(m.decode_bytes() / (m.runs * m.gen_tokens.floor())),
        _ => None,
    }
}

/// `step_summary.csv` from the step rows: measured steps grouped by (point, phase), points in order of their
/// first step, phases in `phase_order`.
pub fn summarize(rows: &[StepRow], phase_order: &[String], models: &[ModelBytes], peak_bps: Option<f64>, ncu_phases: &[PhaseBoundRow]) -> Vec<StepSummaryRow> {
    let mut point_first: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, r) in rows.iter().enumerate() {
        point_first.entry(&r.point).or_insert(i);
    }
    let rank = |p: &str| phase_order.iter().position(|x| x == p).unwrap_or(phase_order.len());
    let mut groups: BTreeMap<(usize, usize, &str), Vec<&StepRow>> = BTreeMap::new();
    for r in rows.iter().filter(|r| !r.rep.starts_with("warmup_")) {
        groups.entry((point_first[r.point.as_str()], rank(&r.phase), &r.phase)).or_default().push(r);
    }
    let mut ncu: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
    for b in ncu_phases {
        let e = ncu.entry(b.phase.as_str()).or_default();
        match b.bound.as_str() {
            "memory-bound" => e.0 += b.total_ns,
            "compute-bound" => e.1 += b.total_ns,
            _ => {}
        }
    }
    groups
        .into_values()
        .map(|g| {
            let n = g.len() as f64;
            let point = g[0].point.clone();
            let phase = g[0].phase.clone();
            let sum = |f: &dyn Fn(&StepRow) -> i64| g.iter().map(|r| f(r) as i128).sum::<i128>();
            let (wall, busy, idle, host, over) = (sum(&|r| r.wall_ns), sum(&|r| r.gpu_busy_ns), sum(&|r| r.gpu_idle_ns), sum(&|r| r.host_only_ns), sum(&|r| r.gpu_overhang_ns));
            let pct = |x: i128| r2(crate::stats::pct(x, wall));
            let mean = |x: i128| r1(x as f64 / n);
            let sorted = |f: &dyn Fn(&StepRow) -> i64| {
                let mut v: Vec<i64> = g.iter().map(|r| f(r)).collect();
                v.sort_unstable();
                v
            };
            let walls = sorted(&|r| r.wall_ns);
            let busys = sorted(&|r| r.gpu_busy_ns);
            let calls = sum(&|r| r.launch_calls as i64);
            let api = sum(&|r| r.launch_api_ns);
            let mut by_class = [0i128; N_CLASSES];
            for r in &g {
                for (c, b) in class_busy(r).iter().enumerate() {
                    by_class[c] += *b as i128;
                }
            }
            let top = (0..N_CLASSES).filter(|&c| by_class[c] > 0).max_by_key(|&c| (by_class[c], std::cmp::Reverse(c)));
            let predicted = model_for(models, &point).and_then(|m| predicted_step_bytes(m, &phase)).map(|b| b.round() as i64);
            let floor = predicted.zip(peak_bps).map(|(b, bps)| (b as f64 / bps * 1e9).round() as i64).filter(|&f| f > 0);
            let wall_p50 = nearest_rank(&walls, 50.0);
            let vin = VerdictIn {
                steps: g.len() as u64,
                ops: sum(&|r| (r.kernels + r.memops) as i64) as u64,
                wall_p50_ns: wall_p50,
                busy_p50_ns: nearest_rank(&busys, 50.0),
                busy_pct: pct(busy),
                idle_pct: pct(idle),
                host_pct: pct(host),
                launches_per_step: r2(calls as f64 / n),
                api_ns_per_launch: if calls > 0 { r1(api as f64 / calls as f64) } else { 0.0 },
                top_class: top.map(|c| KernelClass::ALL[c].as_str().to_string()).unwrap_or_default(),
                floor_ns: floor,
                ncu_memory_compute_ns: ncu.get(phase.as_str()).copied(),
            };
            let (bound, reason) = verdict(&vin);
            let mut row = StepSummaryRow {
                steps: vin.steps,
                wall_p50_ns: wall_p50,
                wall_p90_ns: nearest_rank(&walls, 90.0),
                wall_mean_ns: mean(wall),
                gpu_busy_p50_ns: vin.busy_p50_ns,
                gpu_busy_pct: vin.busy_pct,
                gpu_idle_pct: vin.idle_pct,
                host_only_pct: vin.host_pct,
                gpu_overhang_pct: pct(over),
                gpu_busy_ns_per_step: mean(busy),
                gpu_idle_ns_per_step: mean(idle),
                host_only_ns_per_step: mean(host),
                kernels_per_step: r2(sum(&|r| r.kernels as i64) as f64 / n),
                launches_per_step: vin.launches_per_step,
                graph_launches_per_step: r2(sum(&|r| r.graph_launches as i64) as f64 / n),
                kernels_per_replay: {
                    let launches = sum(&|r| r.graph_launches as i64);
                    (launches > 0).then(|| r2(sum(&|r| r.graph_kernels as i64) as f64 / launches as f64))
                },
                launch_api_ns_per_launch: vin.api_ns_per_launch,
                sync_api_ns_per_step: mean(sum(&|r| r.sync_api_ns)),
                predicted_bytes_per_step: predicted,
                hbm_floor_ns: floor,
                floor_ratio: floor.map(|f| r2(wall_p50 as f64 / f as f64)),
                bound: bound.to_string(),
                bound_reason: reason,
                point,
                phase,
                ..Default::default()
            };
            row.set_class_busy(by_class.map(mean));
            row
        })
        .collect()
}
