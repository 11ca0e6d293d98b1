//! Launch attribution: GPU op → the API call that launched it → the NVTX ranges that contain that call.
//!
//! This is the rule of nsys's `nvtxkernsum` and `nvtx_gpu_proj_trace`: an op belongs to a range when the CUDA
//! API call that launched it (same `correlationId`, same process) lies entirely inside the range
//! (`range.start <= call.start && call.end <= range.end`) on the same thread. Ranges that end on another thread
//! get nothing. Work is done with one sort + sweep per thread (an ordered set of open ranges keyed by end), so
//! the cost is O((ranges + calls) · log + matches), never ranges × calls.

use std::collections::{BTreeSet, HashMap};

use crate::trace::{process_key, Trace};

/// One GPU op: a kernel or a memcpy/memset.
#[derive(Debug, Clone, Copy)]
pub struct GpuOp {
    /// Start, ns.
    pub start: i64,
    /// End, ns.
    pub end: i64,
    /// Device ordinal.
    pub device: i64,
    /// Index into `Trace::kernels` (`is_kernel`) or `Trace::memops`.
    pub index: usize,
    /// True for kernels.
    pub is_kernel: bool,
}

/// Attribution of every GPU op.
#[derive(Debug, Default)]
pub struct Attribution {
    /// Kernels first (in `Trace::kernels` order), then memops.
    pub ops: Vec<GpuOp>,
    /// Launching API call per op (index into `Trace::api`).
    pub launch: Vec<Option<usize>>,
    /// CSR offsets into `ranges`: op `i` is contained by `ranges[offsets[i]..offsets[i + 1]]`.
    pub offsets: Vec<usize>,
    /// Range indices (into `Trace::ranges`).
    pub ranges: Vec<u32>,
    /// Innermost containing range per op (latest start, then earliest end).
    pub innermost: Vec<Option<u32>>,
}

impl Attribution {
    /// Ranges containing op `i`'s launch.
    pub fn ranges_of(&self, i: usize) -> &[u32] {
        &self.ranges[self.offsets[i]..self.offsets[i + 1]]
    }

    /// Builds the attribution of every op of `trace`.
    pub fn build(trace: &Trace) -> Attribution {
        let mut ops: Vec<GpuOp> = Vec::with_capacity(trace.kernels.len() + trace.memops.len());
        let mut keys: Vec<(i64, i64)> = Vec::with_capacity(ops.capacity());
        for (i, k) in trace.kernels.iter().enumerate() {
            ops.push(GpuOp { start: k.start, end: k.end, device: k.device, index: i, is_kernel: true });
            keys.push((process_key(k.global_pid), k.correlation));
        }
        for (i, m) in trace.memops.iter().enumerate() {
            ops.push(GpuOp { start: m.start, end: m.end, device: m.device, index: i, is_kernel: false });
            keys.push((process_key(m.global_pid), m.correlation));
        }
        // (process, correlation) -> first API call with it.
        let mut by_corr: HashMap<(i64, i64), usize> = HashMap::with_capacity(trace.api.len());
        for (i, a) in trace.api.iter().enumerate() {
            by_corr.entry((process_key(a.global_tid), a.correlation)).or_insert(i);
        }
        let launch: Vec<Option<usize>> = keys.iter().map(|k| by_corr.get(k).copied()).collect();

        // Ranges per thread, sorted by start; queries per thread, sorted by call start.
        let mut ranges_by_tid: HashMap<i64, Vec<u32>> = HashMap::new();
        for (i, r) in trace.ranges.iter().enumerate() {
            if !r.cross_thread && r.end >= r.start {
                ranges_by_tid.entry(r.global_tid).or_default().push(i as u32);
            }
        }
        let mut queries_by_tid: HashMap<i64, Vec<usize>> = HashMap::new();
        for (op, l) in launch.iter().enumerate() {
            if let Some(a) = l {
                let tid = trace.api[*a].global_tid;
                if ranges_by_tid.contains_key(&tid) {
                    queries_by_tid.entry(tid).or_default().push(op);
                }
            }
        }
        let mut matches: Vec<Vec<u32>> = vec![Vec::new(); ops.len()];
        for (tid, mut queries) in queries_by_tid {
            let mut rs = ranges_by_tid.remove(&tid).unwrap_or_default();
            rs.sort_by_key(|&r| (trace.ranges[r as usize].start, r));
            let call = |op: usize| &trace.api[launch[op].expect("queried ops have a launch")];
            queries.sort_by_key(|&op| (call(op).start, op));
            let mut open: BTreeSet<(i64, u32)> = BTreeSet::new();
            let mut next = 0usize;
            for op in queries {
                let c = call(op);
                while next < rs.len() && trace.ranges[rs[next] as usize].start <= c.start {
                    let r = rs[next];
                    open.insert((trace.ranges[r as usize].end, r));
                    next += 1;
                }
                // Ranges ending before this call starts can hold neither it nor any later call.
                while let Some(&first) = open.first() {
                    if first.0 < c.start {
                        open.pop_first();
                    } else {
                        break;
                    }
                }
                matches[op].extend(open.range((c.end, 0)..).map(|&(_, r)| r));
            }
        }
        let mut offsets = Vec::with_capacity(ops.len() + 1);
        let mut flat = Vec::new();
        let mut innermost = Vec::with_capacity(ops.len());
        offsets.push(0);
        for m in &mut matches {
            m.sort_unstable();
            innermost.push(m.iter().copied().max_by(|&a, &b| {
                let (ra, rb) = (&trace.ranges[a as usize], &trace.ranges[b as usize]);
                ra.start.cmp(&rb.start).then(rb.end.cmp(&ra.end)).then(a.cmp(&b))
            }));
            flat.extend_from_slice(m);
            offsets.push(flat.len());
        }
        Attribution { ops, launch, offsets, ranges: flat, innermost }
    }
}
