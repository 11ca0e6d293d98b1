//! The data model of a loaded trace (the leaf of the crate: no other module is imported here): GPU ops,
//! launching API calls and NVTX ranges as plain vectors with interned names, as the readers fill them and the
//! passes read them.


pub mod correlate;
pub mod dense;
pub mod gpus;

/// "No such index": an op without a launching call, a call that launched nothing.
pub const NONE: u32 = u32::MAX;

/// Name prefix of a CUDA graph execution read from a graph-level trace (`[CUDA graph 7]`): the executions are
/// kept as kernels of that name (no C++ kernel name starts with `[`), so they count in every table.
pub const GRAPH_OP_PREFIX: &str = "[CUDA graph ";

/// The name of an execution of graph `graph_id` traced at graph level.
pub fn graph_op_name(graph_id: i64) -> String {
    format!("{GRAPH_OP_PREFIX}{graph_id}]")
}

/// One kernel execution (`CUPTI_ACTIVITY_KIND_KERNEL`), or one execution of a whole CUDA graph traced at graph
/// level (`CUPTI_ACTIVITY_KIND_GRAPH_TRACE`, named [`graph_op_name`]).
#[derive(Debug, Clone)]
pub struct Kernel {
    /// GPU start timestamp, ns.
    pub start: i64,
    /// GPU end timestamp, ns.
    pub end: i64,
    /// Correlation id of the launching API call.
    pub correlation: i64,
    /// Serialized process id (TID bits zero).
    pub global_pid: i64,
    /// CUDA device ordinal (`deviceId`).
    pub device: i32,
    /// CUDA stream id.
    pub stream: i32,
    /// Index of the demangled name in [`Trace::names`].
    pub name: u32,
    /// Index of the short (base) name in [`Trace::names`].
    pub short_name: u32,
    /// Index of the (grid, block) launch configuration in [`Trace::launch_configs`]; [`NONE`] for a graph
    /// replay, which has none (read as zeros by [`Trace::launch_config`]).
    pub config: u32,
}

/// Kind of a memory operation on the GPU.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MemKind {
    /// A memcpy with its CUPTI `copyKind` (1 HtoD, 2 DtoH, 8 DtoD, 10 PtoP, ...).
    Copy(i32),
    /// A memset.
    Set,
}

impl MemKind {
    /// Short name: `HtoD`, `DtoH`, `DtoD`, `PtoP`, ..., `memset`.
    pub fn label(self) -> &'static str {
        match self {
            MemKind::Set => "memset",
            MemKind::Copy(k) => match k {
                1 => "HtoD",
                2 => "DtoH",
                3 => "HtoA",
                4 => "AtoH",
                5 => "AtoA",
                6 => "AtoD",
                7 => "DtoA",
                8 => "DtoD",
                9 => "HtoH",
                10 => "PtoP",
                11 => "Unified HtoD",
                12 => "Unified DtoH",
                13 => "Unified DtoD",
                _ => "Unknown",
            },
        }
    }

    /// The operation name `nsys stats` prints (`[CUDA memcpy HtoD]`, `[CUDA memset]`).
    pub fn nsys_name(self) -> String {
        match self {
            MemKind::Set => "[CUDA memset]".to_string(),
            MemKind::Copy(11..=13) => format!("[CUDA Unified Memory memcpy {}]", &self.label()[8..]),
            MemKind::Copy(_) => format!("[CUDA memcpy {}]", self.label()),
        }
    }
}

/// One memcpy or memset on the GPU.
#[derive(Debug, Clone)]
pub struct MemOp {
    /// GPU start, ns.
    pub start: i64,
    /// GPU end, ns.
    pub end: i64,
    /// Correlation id of the API call.
    pub correlation: i64,
    /// Serialized process id.
    pub global_pid: i64,
    /// Bytes moved or set.
    pub bytes: i64,
    /// CUDA device ordinal.
    pub device: i32,
    /// Stream id.
    pub stream: i32,
    /// Copy kind or memset.
    pub kind: MemKind,
}

/// One CUDA API call on a CPU thread (runtime or driver), backtrace duplicates removed.
#[derive(Debug, Clone)]
pub struct ApiCall {
    /// CPU start, ns.
    pub start: i64,
    /// CPU end, ns.
    pub end: i64,
    /// Serialized thread id.
    pub global_tid: i64,
    /// Correlation id.
    pub correlation: i64,
}

/// A synchronizing CUDA API call (the host waits for the GPU): 24 bytes, kept for the steps' `sync_api_ns`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct SyncCall {
    /// Serialized thread id (first, so that calls sort by thread, then start).
    pub global_tid: i64,
    /// CPU start, ns.
    pub start: i64,
    /// CPU end, ns.
    pub end: i64,
}

/// Push/pop or start/end style of an NVTX range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeStyle {
    /// nvtxRangePush/Pop: nested per thread.
    PushPop,
    /// nvtxRangeStart/End: may overlap and end on another thread.
    StartEnd,
}

/// One NVTX range instance.
#[derive(Debug, Clone)]
pub struct NvtxRange {
    /// CPU start, ns.
    pub start: i64,
    /// CPU end, ns; an open range (end NULL) ends at the trace's last NVTX timestamp, as nsys does.
    pub end: i64,
    /// True when the export had no end (range never closed).
    pub open: bool,
    /// Serialized thread id of the start.
    pub global_tid: i64,
    /// True when the range ended on another thread (`endGlobalTid` set): such ranges get no GPU work.
    pub cross_thread: bool,
    /// Index of the full name (`domain:name` when the domain is named) in [`Trace::names`].
    pub name: u32,
    /// Index of the name without its domain in [`Trace::names`] (what `steps.csv` shows).
    pub base: u32,
    /// Push/pop or start/end.
    pub style: RangeStyle,
}

pub use schema::{GpuInfo, TraceInfo};
pub use schema::phase::Role;

/// An nsys export loaded in memory.
#[derive(Debug, Default, Clone)]
pub struct Trace {
    /// Metadata.
    pub info: TraceInfo,
    /// Interned strings (kernel, API and range names).
    pub names: Vec<String>,
    /// Kernel executions.
    pub kernels: Vec<Kernel>,
    /// Memcpy and memset operations.
    pub memops: Vec<MemOp>,
    /// CUDA API calls that launched a kernel, memcpy or memset (without backtrace duplicates).
    pub api: Vec<ApiCall>,
    /// Synchronizing API calls (`*Synchronize*`: the host waits for the GPU), sorted by thread then start.
    pub syncs: Vec<SyncCall>,
    /// Indices into [`Trace::api`] of the calls that launch a CUDA graph (`cudaGraphLaunch`, `cuGraphLaunch`),
    /// sorted.
    pub graph_calls: Vec<u32>,
    /// Rows of the API table read (those that can launch GPU work, or all of them when some op's launch was not
    /// among those).
    pub api_rows: u64,
    /// NVTX ranges ([`crate::read::nsys::load`] keeps them; [`crate::pipeline::load_attributed`] streams them into the attribution instead).
    pub ranges: Vec<NvtxRange>,
    /// Distinct (grid, block) launch configurations of the kernels.
    pub launch_configs: Vec<([u32; 3], [u32; 3])>,
}

impl Trace {
    /// Repairs what cannot be measured: kernels and memory operations that end before they start are given zero
    /// length (and counted in a note). `load` calls it; call it on traces built by hand.
    pub fn sanitize(&mut self) {
        let mut bad = 0usize;
        for k in &mut self.kernels {
            if k.end < k.start {
                k.end = k.start;
                bad += 1;
            }
        }
        for m in &mut self.memops {
            if m.end < m.start {
                m.end = m.start;
                bad += 1;
            }
        }
        if bad > 0 {
            self.info.notes.push(format!("{bad} GPU operation(s) end before they start; they are counted as 0 ns"));
        }
    }

    /// The interned name at `idx`.
    pub fn name(&self, idx: u32) -> &str {
        &self.names[idx as usize]
    }

    /// (process key, correlation id) of every op, kernels first: what joins an op to its launching API call.
    pub fn op_keys(&self) -> impl Iterator<Item = (i64, i64)> + '_ {
        self.kernels
            .iter()
            .map(|k| (process_key(k.global_pid), k.correlation))
            .chain(self.memops.iter().map(|m| (process_key(m.global_pid), m.correlation)))
    }

    /// Number of GPU ops: kernels, then memory operations.
    pub fn n_ops(&self) -> usize {
        self.kernels.len() + self.memops.len()
    }

    /// GPU op `i` (kernels first, then memory operations).
    pub fn op(&self, i: usize) -> GpuOp {
        let nk = self.kernels.len();
        if i < nk {
            let k = &self.kernels[i];
            GpuOp { start: k.start, end: k.end, device: k.device as i64, index: i, is_kernel: true }
        } else {
            let m = &self.memops[i - nk];
            GpuOp { start: m.start, end: m.end, device: m.device as i64, index: i - nk, is_kernel: false }
        }
    }

    /// (start, end, is_kernel) of op `i`.
    pub fn op_span(&self, i: usize) -> (i64, i64, bool) {
        let nk = self.kernels.len();
        if i < nk {
            (self.kernels[i].start, self.kernels[i].end, true)
        } else {
            (self.memops[i - nk].start, self.memops[i - nk].end, false)
        }
    }

    /// Grid and block of kernel `k` (zeros when unknown).
    pub fn launch_config(&self, k: &Kernel) -> ([u32; 3], [u32; 3]) {
        self.launch_configs.get(k.config as usize).copied().unwrap_or(([0; 3], [0; 3]))
    }

    /// Index of a launch configuration in [`Trace::launch_configs`], added when new (for traces built by hand).
    pub fn intern_config(&mut self, grid: [u32; 3], block: [u32; 3]) -> u32 {
        if let Some(i) = self.launch_configs.iter().position(|c| *c == (grid, block)) {
            return i as u32;
        }
        self.launch_configs.push((grid, block));
        (self.launch_configs.len() - 1) as u32
    }
}

/// PID part of a serialized thread/process id.
pub fn pid_of(global: i64) -> i64 {
    (global >> 24) & 0xFF_FFFF
}

/// TID part of a serialized thread id.
pub fn tid_of(global: i64) -> i64 {
    global & 0xFF_FFFF
}

/// Process key of a serialized id: everything but the TID bits (hardware id and PID).
pub fn process_key(global: i64) -> i64 {
    global & !0xFF_FFFF
}


/// The base function name of a (demangled) kernel name: `void cutlass::Kernel2<…>(T1::Params)` → `Kernel2`,
/// `std::enable_if<!T7, void>::type internal::gemvx::kernel<…>(T13)` → `kernel`.
pub fn base_name(name: &str) -> String {
    // Cut at the parameter list: the last '(' at template depth 0.
    let mut depth = 0i32;
    let mut cut = name.len();
    let b = name.as_bytes();
    let mut i = name.len();
    while i > 0 {
        i -= 1;
        match b[i] {
            b'>' => depth += 1,
            b'<' => depth -= 1,
            b')' => depth += 1,
            b'(' => {
                depth -= 1;
                if depth == 0 && i > 0 {
                    cut = i;
                    break;
                }
            }
            _ => {}
        }
    }
    let head = if cut < name.len() && name[cut..].starts_with('(') { &name[..cut] } else { name };
    // Drop template arguments (balanced <...>), keeping the text at depth 0.
    let mut out = String::new();
    let mut d = 0i32;
    for c in head.chars() {
        match c {
            '<' => d += 1,
            '>' => d -= 1,
            _ if d == 0 => out.push(c),
            _ => {}
        }
    }
    // The last word after spaces (drops return types) and after '::' (drops namespaces).
    let last = out.split_whitespace().last().unwrap_or("");
    last.rsplit("::").next().unwrap_or(last).trim().to_string()
}

/// An NVTX range as the reader streams it to the attribution sweep (names as keys, resolved at the end).
#[derive(Debug, Clone, Copy)]
pub struct RangeIn {
    /// CPU start, ns.
    pub start: i64,
    /// CPU end, ns; `None` for a range never closed (it ends at the last NVTX timestamp, as in nsys).
    pub end: Option<i64>,
    /// Thread of the start.
    pub global_tid: i64,
    /// Ended on another thread: counted, but gets no GPU work (as in nsys).
    pub cross_thread: bool,
    /// Push/pop or start/end.
    pub style: RangeStyle,
    /// The caller's name key (resolved to a name by [`crate::passes::attribution::Attribution::from_sweep`]).
    pub key: u32,
    /// Phase index of the name, if it is a phase.
    pub phase: Option<u8>,
    /// What else the name marks (point, rep, warmup, step).
    pub role: Role,
    /// Position in the input (breaks ties between ranges with equal start and end).
    pub order: u64,
}


/// One GPU op: a kernel or a memcpy/memset (ops are numbered kernels first, then memory operations).
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
