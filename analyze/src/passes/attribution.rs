//! Launch attribution: GPU op → the API call that launched it → the NVTX ranges that contain that call.
//!
//! This is the rule of nsys's `nvtxkernsum` and `nvtx_gpu_proj_trace`: an op belongs to a range when the CUDA
//! API call that launched it (same `correlationId`, same process) lies entirely inside the range
//! (`range.start <= call.start && call.end <= range.end`) on the same thread. Ranges that end on another thread
//! get nothing.
//!
//! The work is one sweep per thread: the thread's launch calls are sorted by start once, and ranges are fed in
//! start order ([`Sweep::push`]); a call is resolved against the ranges still open when the first range starting
//! after it arrives. Nothing is kept per range beyond the ranges open at that moment (the nesting depth), so the
//! NVTX table can be streamed straight out of SQLite (real exports store it sorted by start; [`Sweep::push`]
//! reports an out-of-order range and the caller then sorts). Cost: O(ranges + calls · depth), never
//! ranges × calls, and O(ops) memory.
//!
//! The same sweep finds the steps of `steps.csv` ([`StepSpan`]): a range that is a phase or matches the step
//! pattern opens a step candidate, with its enclosing point and rep taken from the thread's open ranges (those
//! that end no earlier), and marks every open candidate enclosing it as holding a step (so it is none itself);
//! each op goes to the innermost candidate holding its launch call. Ranges that mark steps or their nesting are
//! followed on every thread, including threads that launched nothing (a CPU run's steps). Memory: one `u32` per
//! op once the first candidate appears, and one [`StepSpan`] per candidate.

use std::collections::{BTreeMap, HashMap};

use rustc_hash::FxHashMap;

use crate::model::{RangeIn, RangeStyle, Role, Trace};
use schema::phase::Marks;

/// "No such index" (see [`crate::model::NONE`]).
pub use crate::model::NONE;

pub use crate::model::GpuOp;

/// Aggregates of every instance of one range name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RangeAgg {
    /// Some instance is push/pop.
    pub push_pop: bool,
    /// Some instance is start/end.
    pub start_end: bool,
    /// Instances.
    pub instances: u64,
    /// Summed CPU duration, ns.
    pub cpu_total: i64,
    /// Kernel time whose innermost range has this name, ns.
    pub gpu_total: i64,
    /// Kernel time per (instance, kernel) pair, ns.
    pub gpu_inclusive: i64,
    /// Distinct kernels launched in an instance of this name.
    pub kernels: u64,
    /// Kernels whose innermost range has this name.
    pub kernels_innermost: u64,
    /// Summed GPU projections of the instances, ns.
    pub proj_total: i64,
    /// Instances that launched at least one op.
    pub proj_instances: u64,
}

impl RangeAgg {
    fn merge(&mut self, o: &RangeAgg) {
        self.push_pop |= o.push_pop;
        self.start_end |= o.start_end;
        self.instances = self.instances.saturating_add(o.instances);
        self.cpu_total = self.cpu_total.saturating_add(o.cpu_total);
        self.gpu_total = self.gpu_total.saturating_add(o.gpu_total);
        self.gpu_inclusive = self.gpu_inclusive.saturating_add(o.gpu_inclusive);
        self.kernels += o.kernels;
        self.kernels_innermost += o.kernels_innermost;
        self.proj_total = self.proj_total.saturating_add(o.proj_total);
        self.proj_instances += o.proj_instances;
    }
}

/// Why a streamed range could not be taken; the caller sorts the ranges and feeds them again with the last
/// NVTX timestamp known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NeedSorted {
    /// A range on a thread started before the previous one on that thread.
    OutOfOrder,
    /// A call ends after every NVTX timestamp seen so far while a never-closed range is open around it.
    OpenEndUnknown,
}

#[derive(Debug, Clone, Copy)]
struct Open {
    start: i64,
    end: i64,
    /// Never closed and its end (the last NVTX timestamp) not known yet.
    end_unknown: bool,
    key: u32,
    phase: Option<u8>,
    role: Role,
    /// Index into `Sweep::steps` when this range is a step candidate, else [`NONE`].
    slot: u32,
    order: u64,
    proj: Option<(i64, i64)>,
}

/// A step candidate as the sweep finds it: a phase range or a step-pattern range, with its enclosing point and
/// run (keys, [`NONE`] when none). Only candidates that hold no other candidate are steps.
#[derive(Debug, Clone, Copy)]
pub struct StepSpan {
    /// CPU start, ns.
    pub start: i64,
    /// CPU end, ns.
    pub end: i64,
    /// Thread.
    pub global_tid: i64,
    /// Name key of the range.
    pub key: u32,
    /// Its phase, or its innermost enclosing phase range's.
    pub phase: Option<u8>,
    /// Name key of the innermost enclosing point range.
    pub point: u32,
    /// Name key of the innermost enclosing rep or warmup range.
    pub rep: u32,
    /// That range is a warmup.
    pub warmup: bool,
    /// Position in the input.
    pub order: u64,
    /// Another candidate starts inside this one: not a step.
    pub has_child: bool,
}

#[derive(Debug, Default)]
struct Thread {
    /// Ops launched on this thread, sorted by call start.
    calls: Vec<u32>,
    next: usize,
    open: Vec<Open>,
    last_start: i64,
}

const UNSET: u8 = u8::MAX;

/// Ranges in, attribution out. See the module docs.
pub struct Sweep<'t> {
    trace: &'t Trace,
    launch: Vec<u32>,
    threads: FxHashMap<i64, Thread>,
    aggs: Vec<RangeAgg>,
    innermost: Vec<u32>,
    phase: Vec<u8>,
    n_phases: usize,
    found: Vec<bool>,
    max_ts: Option<i64>,
    running_max: i64,
    open_cpu: Vec<(u32, i64)>,
    instances: u64,
    scratch: Vec<u32>,
    steps: Vec<StepSpan>,
    /// Step candidate per op (index into `steps`), [`NONE`] when none; empty until the first candidate.
    step_of: Vec<u32>,
}

/// The launching API call of every op (index into `Trace::api`, [`NONE`] when none): the first call with the
/// op's process and correlation id.
pub fn launches(trace: &Trace) -> Vec<u32> {
    crate::model::correlate::lookup_launches(&trace.api, trace.op_keys())
}

impl<'t> Sweep<'t> {
    /// A sweep over `trace`'s ops with their launching calls `launch` (from [`launches`] or the loader), for
    /// `n_phases` phase names. `max_ts`: the last NVTX timestamp when known in advance (sorted replay), `None` when
    /// streaming.
    pub fn new(trace: &'t Trace, launch: Vec<u32>, n_phases: usize, max_ts: Option<i64>) -> Sweep<'t> {
        let n = trace.n_ops();
        assert_eq!(launch.len(), n, "one launch entry per op");
        // Ops grouped by launching call (a counting sort on the call index), then per thread in call order: the
        // API table is stored in time order, so a thread's calls usually come out sorted and need no sort.
        let (first, by_call) = crate::model::dense::group_by_key(&launch, trace.api.len());
        let mut ids = crate::model::dense::DenseIds::default();
        let mut list: Vec<(i64, Thread)> = Vec::new();
        for (a, call) in trace.api.iter().enumerate() {
            let ops = &by_call[first[a] as usize..first[a + 1] as usize];
            if ops.is_empty() {
                continue;
            }
            let i = ids.id(call.global_tid);
            if i == list.len() {
                list.push((call.global_tid, Thread::default()));
            }
            list[i].1.calls.extend_from_slice(ops);
        }
        drop((first, by_call, ids));
        let mut threads: FxHashMap<i64, Thread> = list.into_iter().collect();
        let call_start = |op: u32| trace.api[launch[op as usize] as usize].start;
        for th in threads.values_mut() {
            if !th.calls.windows(2).all(|w| call_start(w[0]) <= call_start(w[1])) {
                th.calls.sort_unstable_by_key(|&op| (call_start(op), op));
            }
            th.last_start = i64::MIN;
        }
        Sweep {
            trace,
            launch,
            threads,
            aggs: Vec::new(),
            innermost: vec![NONE; n],
            phase: vec![UNSET; n],
            n_phases: n_phases.min(200),
            found: vec![false; n_phases.min(200)],
            max_ts,
            running_max: i64::MIN,
            open_cpu: Vec::new(),
            instances: 0,
            scratch: Vec::new(),
            steps: Vec::new(),
            step_of: Vec::new(),
        }
    }

    /// Gives back the launch table (to start over with another sweep after [`NeedSorted`]).
    pub fn into_launch(self) -> Vec<u32> {
        self.launch
    }

    /// Notes a timestamp of the NVTX table (every row, ranges or not): the last one ends never-closed ranges.
    pub fn observe(&mut self, ts: i64) {
        self.running_max = self.running_max.max(ts);
    }

    /// Feeds one range. Ranges of a thread must come in start order.
    pub fn push(&mut self, r: RangeIn) -> Result<(), NeedSorted> {
        self.observe(r.start);
        if let Some(e) = r.end {
            self.observe(e);
        }
        let k = r.key as usize;
        if self.aggs.len() <= k {
            self.aggs.resize(k + 1, RangeAgg::default());
        }
        let agg = &mut self.aggs[k];
        agg.instances += 1;
        self.instances += 1;
        match r.style {
            RangeStyle::PushPop => agg.push_pop = true,
            RangeStyle::StartEnd => agg.start_end = true,
        }
        if let Some(p) = r.phase {
            if let Some(f) = self.found.get_mut(p as usize) {
                *f = true;
            }
        }
        let end = match (r.end, self.max_ts) {
            (Some(e), _) => Some(e),
            (None, Some(m)) => Some(m),
            (None, None) => None,
        };
        match end {
            Some(e) => agg.cpu_total = agg.cpu_total.saturating_add((e - r.start).max(0)),
            None => self.open_cpu.push((r.key, r.start)),
        }
        if r.cross_thread || end.is_some_and(|e| e < r.start) {
            return Ok(());
        }
        let phase = r.phase.filter(|&p| (p as usize) < self.n_phases);
        // Ranges that mark steps or their nesting are followed on every thread, launches or not (a CPU run's steps
        // have wall time and no GPU work); other ranges only on threads that launched something.
        let marks = phase.is_some() || r.role != Role::Plain;
        let th = match self.threads.get_mut(&r.global_tid) {
            Some(th) => th,
            None if marks => self.threads.entry(r.global_tid).or_insert_with(|| Thread { last_start: i64::MIN, ..Default::default() }),
            None => return Ok(()),
        };
        if r.start < th.last_start {
            return Err(NeedSorted::OutOfOrder);
        }
        th.last_start = r.start;
        let tid = r.global_tid;
        self.advance(tid, Some(r.start))?;
        let th = self.threads.get_mut(&tid).expect("thread exists");
        // Every call starting before this range is resolved: ranges that ended before it are done.
        close_before(&mut th.open, &mut self.aggs, r.start);
        let mut slot = NONE;
        if phase.is_some() || r.role == Role::Step {
            let mut span = StepSpan {
                start: r.start,
                end: end.unwrap_or(i64::MAX),
                global_tid: tid,
                key: r.key,
                phase,
                point: NONE,
                rep: NONE,
                warmup: false,
                order: r.order,
                has_child: false,
            };
            // The open ranges all started before this one, latest start last; those ending at or after its end
            // enclose it (ranges that merely touch it do not).
            let mut enclosing_phase = None;
            let r_end = end.unwrap_or(i64::MAX);
            for o in th.open.iter().filter(|o| o.end >= r_end) {
                match o.role {
                    Role::Point => span.point = o.key,
                    Role::Rep | Role::Warmup => (span.rep, span.warmup) = (o.key, o.role == Role::Warmup),
                    _ => {}
                }
                if o.phase.is_some() {
                    enclosing_phase = o.phase;
                }
                if o.slot != NONE {
                    self.steps[o.slot as usize].has_child = true;
                }
            }
            span.phase = span.phase.or(enclosing_phase);
            slot = self.steps.len() as u32;
            self.steps.push(span);
            if self.step_of.is_empty() {
                self.step_of = vec![NONE; self.trace.n_ops()];
            }
        }
        th.open.push(Open {
            start: r.start,
            end: end.unwrap_or(i64::MAX),
            end_unknown: end.is_none(),
            key: r.key,
            phase,
            role: r.role,
            slot,
            order: r.order,
            proj: None,
        });
        Ok(())
    }

    /// Resolves the calls of thread `tid` that start before `limit` (all of them with `None`).
    fn advance(&mut self, tid: i64, limit: Option<i64>) -> Result<(), NeedSorted> {
        let trace = self.trace;
        let th = self.threads.get_mut(&tid).expect("thread exists");
        while th.next < th.calls.len() {
            let op = th.calls[th.next] as usize;
            let call = &trace.api[self.launch[op] as usize];
            if limit.is_some_and(|l| call.start >= l) {
                break;
            }
            // Ranges ending before this call starts hold neither it nor any later call.
            close_before(&mut th.open, &mut self.aggs, call.start);
            let aggs = &mut self.aggs;
            let (o_start, o_end, is_kernel) = trace.op_span(op);
            let d = o_end - o_start;
            let mut inner: Option<&Open> = None;
            let mut phase: Option<&Open> = None;
            let mut step: Option<&Open> = None;
            self.scratch.clear();
            for o in th.open.iter_mut() {
                if o.end < call.end {
                    continue;
                }
                if o.end_unknown && call.end > self.running_max {
                    return Err(NeedSorted::OpenEndUnknown);
                }
                o.proj = Some(match o.proj {
                    None => (o_start, o_end),
                    Some((s, e)) => (s.min(o_start), e.max(o_end)),
                });
                if is_kernel {
                    aggs[o.key as usize].gpu_inclusive = aggs[o.key as usize].gpu_inclusive.saturating_add(d);
                    self.scratch.push(o.key);
                }
            }
            for o in th.open.iter().filter(|o| o.end >= call.end) {
                // Innermost: latest start, then earliest end, then latest in the input.
                if inner.is_none_or(|b| (o.start, std::cmp::Reverse(o.end), o.order) > (b.start, std::cmp::Reverse(b.end), b.order)) {
                    inner = Some(o);
                }
                // Innermost phase range: latest start, then earliest end, then earliest in the input.
                if o.phase.is_some()
                    && phase.is_none_or(|b| {
                        (o.start, std::cmp::Reverse(o.end), std::cmp::Reverse(o.order))
                            > (b.start, std::cmp::Reverse(b.end), std::cmp::Reverse(b.order))
                    })
                {
                    phase = Some(o);
                }
                // Innermost step candidate, as the innermost range.
                if o.slot != NONE && step.is_none_or(|b| (o.start, std::cmp::Reverse(o.end), o.order) > (b.start, std::cmp::Reverse(b.end), b.order)) {
                    step = Some(o);
                }
            }
            if let Some(s) = step {
                self.step_of[op] = s.slot;
            }
            if is_kernel {
                self.scratch.sort_unstable();
                self.scratch.dedup();
                for &k in &self.scratch {
                    aggs[k as usize].kernels += 1;
                }
            }
            self.innermost[op] = inner.map(|o| o.key).unwrap_or(NONE);
            self.phase[op] = match (inner, phase) {
                (None, _) => (self.n_phases + 1) as u8,
                (Some(_), Some(p)) => p.phase.expect("phase ranges have a phase"),
                (Some(_), None) => self.n_phases as u8,
            };
            if let (true, Some(i)) = (is_kernel, inner) {
                let a = &mut aggs[i.key as usize];
                a.gpu_total = a.gpu_total.saturating_add(d);
                a.kernels_innermost += 1;
            }
            th.next += 1;
        }
        Ok(())
    }

    /// Resolves every remaining call (the last NVTX timestamp is now known) and returns the per-op results.
    pub fn finish(mut self) -> SweepOut {
        let max_ts = self.max_ts.unwrap_or(self.running_max);
        for (key, start) in std::mem::take(&mut self.open_cpu) {
            self.aggs[key as usize].cpu_total = self.aggs[key as usize].cpu_total.saturating_add((max_ts - start).max(0));
        }
        self.running_max = self.running_max.max(max_ts);
        let tids: Vec<i64> = self.threads.keys().copied().collect();
        for tid in tids {
            let th = self.threads.get_mut(&tid).expect("thread exists");
            th.open.retain_mut(|o| {
                if o.end_unknown {
                    o.end = max_ts;
                    o.end_unknown = false;
                }
                o.end >= o.start
            });
            self.advance(tid, None).expect("ends are known");
            let th = self.threads.get_mut(&tid).expect("thread exists");
            for o in std::mem::take(&mut th.open) {
                finalize(&mut self.aggs, &o);
            }
        }
        for s in &mut self.steps {
            if s.end == i64::MAX {
                s.end = max_ts.max(s.start);
            }
        }
        let unattributed = (self.n_phases + 1) as u8;
        for p in &mut self.phase {
            if *p == UNSET {
                *p = unattributed;
            }
        }
        SweepOut {
            launch: self.launch,
            innermost: self.innermost,
            phase: self.phase,
            found: self.found,
            aggs: self.aggs,
            instances: self.instances,
            n_kernels: self.trace.kernels.len(),
            steps: self.steps,
            step_of: self.step_of,
        }
    }
}

/// Finalizes and drops the open ranges that end before `t`.
fn close_before(open: &mut Vec<Open>, aggs: &mut [RangeAgg], t: i64) {
    open.retain(|o| {
        if o.end < t {
            finalize(aggs, o);
            false
        } else {
            true
        }
    });
}

fn finalize(aggs: &mut [RangeAgg], o: &Open) {
    if let Some((s, e)) = o.proj {
        let a = &mut aggs[o.key as usize];
        a.proj_total = a.proj_total.saturating_add(e - s);
        a.proj_instances += 1;
    }
}

/// The candidates that are steps (those holding no other candidate), named, and the ops' steps renumbered.
fn resolve_steps(spans: &[StepSpan], mut step_of: Vec<u32>, phases: &[String], base_of: &impl Fn(u32) -> String) -> (Vec<StepInst>, Vec<u32>) {
    let mut names: HashMap<u32, String> = HashMap::new();
    let mut name = |k: u32| -> String {
        if k == NONE {
            return String::new();
        }
        names.entry(k).or_insert_with(|| base_of(k)).clone()
    };
    let mut new_index = vec![NONE; spans.len()];
    let mut steps = Vec::new();
    for (i, s) in spans.iter().enumerate() {
        if s.has_child {
            continue;
        }
        new_index[i] = steps.len() as u32;
        steps.push(StepInst {
            start: s.start,
            end: s.end,
            global_tid: s.global_tid,
            name: name(s.key),
            phase: s.phase.and_then(|p| phases.get(p as usize)).cloned().unwrap_or_else(|| "other".into()),
            point: name(s.point),
            rep: name(s.rep),
            warmup: s.warmup,
            order: s.order,
        });
    }
    for st in &mut step_of {
        if *st != NONE {
            *st = new_index[*st as usize];
        }
    }
    if steps.is_empty() {
        step_of = Vec::new();
    }
    (steps, step_of)
}

/// What a finished [`Sweep`] found, per op and per range-name key.
#[derive(Debug)]
pub struct SweepOut {
    launch: Vec<u32>,
    innermost: Vec<u32>,
    phase: Vec<u8>,
    found: Vec<bool>,
    aggs: Vec<RangeAgg>,
    instances: u64,
    n_kernels: usize,
    steps: Vec<StepSpan>,
    step_of: Vec<u32>,
}

/// One step instance (see `steps.csv`), its names resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct StepInst {
    /// CPU start, ns.
    pub start: i64,
    /// CPU end, ns.
    pub end: i64,
    /// Thread.
    pub global_tid: i64,
    /// Range name without its domain.
    pub name: String,
    /// Phase label (a phase name, or `other`).
    pub phase: String,
    /// Enclosing point range name without its domain, "" when none.
    pub point: String,
    /// Enclosing rep/warmup range name without its domain, "" when none.
    pub rep: String,
    /// The enclosing run is a warmup.
    pub warmup: bool,
    /// Position in the input.
    pub order: u64,
}

/// Attribution of every GPU op (ops are numbered kernels first, then memory operations; see [`Trace::op`]).
#[derive(Debug, Default)]
pub struct Attribution {
    /// Number of kernels (the first ops).
    pub n_kernels: usize,
    /// Launching API call per op (index into `Trace::api`), [`NONE`] when none.
    pub launch: Vec<u32>,
    /// Innermost enclosing range per op (index into `range_names`), [`NONE`] when launched outside every range.
    pub innermost: Vec<u32>,
    /// Phase label per op (index into `labels`).
    pub phase: Vec<u8>,
    /// Phase labels: `all` alone when the trace has no phase ranges; otherwise the phase names, `other` (in ranges
    /// but none of them a phase) and `unattributed` (outside every range).
    pub labels: Vec<String>,
    /// The phase names that occur in the trace, in the order asked for.
    pub phases_found: Vec<String>,
    /// Range names (`domain:name`), sorted.
    pub range_names: Vec<String>,
    /// Aggregates per range name (parallel to `range_names`).
    pub range_aggs: Vec<RangeAgg>,
    /// NVTX range instances read.
    pub range_instances: u64,
    /// Step instances, in input order.
    pub steps: Vec<StepInst>,
    /// Step per op (index into `steps`), [`NONE`] when the op was launched in no step; empty when there are no
    /// steps.
    pub step_of: Vec<u32>,
}

impl Attribution {
    /// Builds the attribution of an in-memory trace (its `ranges`, names from `Trace::names`).
    pub fn build(trace: &Trace, marks: &Marks) -> Attribution {
        let launch = launches(trace);
        let mut max_ts = i64::MIN;
        let mut cache: HashMap<u32, (Option<u8>, Role)> = HashMap::new();
        let mut base: HashMap<u32, u32> = HashMap::new();
        let mut ins: Vec<RangeIn> = Vec::with_capacity(trace.ranges.len());
        for (i, r) in trace.ranges.iter().enumerate() {
            max_ts = max_ts.max(r.start).max(r.end);
            let (phase, role) = *cache.entry(r.name).or_insert_with(|| marks.of(trace.name(r.name)));
            base.entry(r.name).or_insert(r.base);
            ins.push(RangeIn {
                start: r.start,
                end: Some(r.end),
                global_tid: r.global_tid,
                cross_thread: r.cross_thread,
                style: r.style,
                key: r.name,
                phase,
                role,
                order: i as u64,
            });
        }
        ins.sort_by_key(|r| (r.start, r.order));
        let phases = &marks.phases;
        let mut sweep = Sweep::new(trace, launch, phases.len(), Some(max_ts));
        for r in ins {
            sweep.push(r).expect("sorted ranges with known ends are always taken");
        }
        let base_of = |k: u32| trace.name(base.get(&k).copied().unwrap_or(k)).to_string();
        Attribution::from_sweep(sweep.finish(), phases, |k| trace.name(k).to_string(), base_of)
    }

    /// Turns a finished sweep into the attribution, naming range keys with `name_of` (keys that name the same
    /// string are merged) and, for `steps`, with `base_of` (the name without its domain).
    pub fn from_sweep(out: SweepOut, phases: &[String], name_of: impl Fn(u32) -> String, base_of: impl Fn(u32) -> String) -> Attribution {
        let mut by_name: BTreeMap<String, RangeAgg> = BTreeMap::new();
        let mut key_name: Vec<Option<String>> = vec![None; out.aggs.len()];
        for (k, a) in out.aggs.iter().enumerate() {
            if a.instances == 0 {
                continue;
            }
            let name = name_of(k as u32);
            by_name.entry(name.clone()).or_default().merge(a);
            key_name[k] = Some(name);
        }
        let (steps, step_of) = resolve_steps(&out.steps, out.step_of, phases, &base_of);
        let range_names: Vec<String> = by_name.keys().cloned().collect();
        let key_index: Vec<u32> = key_name
            .iter()
            .map(|n| n.as_ref().map(|n| range_names.binary_search(n).expect("named") as u32).unwrap_or(NONE))
            .collect();
        let innermost = out.innermost.iter().map(|&k| if k == NONE { NONE } else { key_index[k as usize] }).collect();
        let n_phases = out.found.len();
        let any = out.found.iter().any(|&f| f);
        let (labels, phase) = if any {
            let mut labels: Vec<String> = phases[..n_phases].to_vec();
            labels.push("other".into());
            labels.push("unattributed".into());
            (labels, out.phase)
        } else {
            (vec!["all".to_string()], vec![0u8; out.phase.len()])
        };
        let phases_found = phases.iter().zip(&out.found).filter(|(_, f)| **f).map(|(p, _)| p.clone()).collect();
        Attribution {
            n_kernels: out.n_kernels,
            launch: out.launch,
            innermost,
            phase,
            labels,
            phases_found,
            range_names,
            range_aggs: by_name.into_values().collect(),
            range_instances: out.instances,
            steps,
            step_of,
        }
    }

    /// Number of ops.
    pub fn n_ops(&self) -> usize {
        self.launch.len()
    }

    /// Phase label of op `i`.
    pub fn label(&self, i: usize) -> &str {
        &self.labels[self.phase[i] as usize]
    }

    /// True when op `i` was launched inside some range.
    pub fn attributed(&self, i: usize) -> bool {
        self.innermost[i] != NONE
    }
}
