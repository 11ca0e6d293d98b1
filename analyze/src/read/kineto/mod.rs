//! Reading a PyTorch-profiler (Kineto) trace — Chrome-trace JSON, usually `*.pt.trace.json.gz`, as vLLM, SGLang
//! and `torch.profiler` write it — into the same model as an nsys export ([`crate::model::Trace`]), so that
//! every table works unchanged.
//!
//! The file is streamed, never held whole: one thread reads (and un-gzips) it in chunks, this one splits the
//! bytes into events (`scan`) and parses each on its own ([`event`]). What is read (Kineto's `cat` values):
//! - `kernel` → kernels (device, stream, grid, block, `correlation`; on a CUDA-graph replay the correlation is
//!   the graph launch's);
//! - `gpu_memcpy` / `gpu_memset` → memory operations (kind from the name or `args.kind`, `args.bytes`);
//! - `cuda_runtime` / `cuda_driver` → API calls (CUDA and HIP names alike): the calls that can launch GPU work
//!   (`*Launch*`, `*Memcpy*`, `*Memset*`, graph launches) are joined to their ops by `args.correlation` in the
//!   calling process; `*Synchronize*` calls are kept for the steps' `sync_api_ns`;
//! - `user_annotation` (`record_function` ranges, `ProfilerStep#N`, the engines' step names) → ranges on their
//!   CPU thread, nested by time, as NVTX push/pop ranges are;
//! - `deviceProperties` → GPUs (name, SMs, memory; peak DRAM bandwidth from [`crate::model::gpus`]),
//!   `distributedInfo` → rank and world size, the version keys → `info.source`.
//!
//! Times are microseconds written with nanosecond fractions; each is converted from its decimal text to integer
//! nanoseconds once, rounding to the nearest (ties away from zero): an op's end is its rounded `ts` plus its
//! rounded `dur`. Timestamps beyond ±2^60 ns (absolute epoch time) are rebased by whole seconds.

pub mod event;
pub(crate) mod scan;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use rustc_hash::FxHashMap;

use crate::error::{AnalyzeError, Result};
use crate::model::{base_name, process_key, ApiCall, GpuInfo, Kernel, MemKind, MemOp, NvtxRange, RangeStyle, SyncCall, Trace, NONE};
use crate::read::nsys::plausible::{implausible, off_clock, Excluded, MAX_ABS_TIMESTAMP_NS};
use crate::read::nsys::sqlite::Interner;
use crate::read::nsys::{is_launch_name, Progress};
use event::{us_to_ns, Event};
use scan::{Item, ScanError, Scanner};

/// Bytes read (decompressed) per chunk.
const CHUNK: usize = 1 << 20;

/// Whether the file at `path` looks like a Chrome trace: gzip data, or text whose first non-blank byte is `{` or
/// `[` (an SQLite database, an `.ncu-rep` or a CSV never starts so). The content decides, not the extension.
pub fn looks_like_trace(path: &Path) -> bool {
    let mut head = [0u8; 64];
    let Ok(mut f) = std::fs::File::open(path) else { return false };
    let mut n = 0;
    while n < head.len() {
        match f.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(_) => return false,
        }
    }
    let head = &head[..n];
    if head.starts_with(&[0x1f, 0x8b]) {
        return true;
    }
    let text = head.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(head);
    matches!(text.iter().find(|b| !b.is_ascii_whitespace()), Some(b'{' | b'['))
}

/// What arrives from the reading thread.
enum Chunk {
    Data(Vec<u8>),
    /// The input ended early or could not be decompressed further: the reason.
    Broken(String),
}

/// Reads the file (un-gzipping it when it is gzip data) on its own thread, handing chunks to `each`.
fn read_chunks(path: &Path, each: &mut dyn FnMut(Vec<u8>) -> bool) -> Result<Option<String>> {
    let file = std::fs::File::open(path).map_err(|e| AnalyzeError::Io(crate::error::IoError::Unreadable { path: path.to_path_buf(), source: e }))?;
    let mut magic = [0u8; 2];
    let gz = {
        use std::io::{Seek, SeekFrom};
        let mut f = &file;
        let n = f.read(&mut magic).unwrap_or(0);
        (&file).seek(SeekFrom::Start(0)).map_err(|e| AnalyzeError::Io(crate::error::IoError::Unreadable { path: path.to_path_buf(), source: e }))?;
        n == 2 && magic == [0x1f, 0x8b]
    };
    let mut src: Box<dyn Read + Send> = if gz { Box::new(flate2::read::MultiGzDecoder::new(std::io::BufReader::with_capacity(1 << 20, file))) } else { Box::new(file) };
    let (tx, rx) = std::sync::mpsc::sync_channel::<Chunk>(2);
    let broken = std::thread::scope(|s| {
        s.spawn(move || {
            loop {
                let mut buf = vec![0u8; CHUNK];
                let mut n = 0;
                let mut err = None;
                while n < CHUNK {
                    match src.read(&mut buf[n..]) {
                        Ok(0) => break,
                        Ok(k) => n += k,
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                        Err(e) => {
                            err = Some(e);
                            break;
                        }
                    }
                }
                buf.truncate(n);
                let last = n < CHUNK;
                if n > 0 && tx.send(Chunk::Data(buf)).is_err() {
                    return;
                }
                if let Some(e) = err {
                    let why = if gz && e.kind() == std::io::ErrorKind::UnexpectedEof {
                        "the gzip stream ends early (the file was cut)".to_string()
                    } else if gz {
                        format!("the gzip stream is damaged ({e})")
                    } else {
                        format!("reading stopped: {e}")
                    };
                    let _ = tx.send(Chunk::Broken(why));
                    return;
                }
                if last {
                    return;
                }
            }
        });
        let mut broken = None;
        for c in rx {
            match c {
                Chunk::Data(d) => {
                    if !each(d) {
                        break;
                    }
                }
                Chunk::Broken(why) => broken = Some(why),
            }
        }
        broken
    });
    Ok(broken)
}

/// Maps the (pid, tid) of CPU events to the model's serialized thread ids: `pid << 24 | tid` when both fit in 24
/// bits (so `steps.csv` shows the real TID), else small numbers, said in a note.
#[derive(Default)]
struct Threads {
    ids: FxHashMap<(i64, i64), i64>,
    renumbered: u64,
}

impl Threads {
    fn id(&mut self, pid: i64, tid: i64) -> i64 {
        const MAX: i64 = 0xFF_FFFF;
        if (0..=MAX).contains(&pid) && (0..=MAX).contains(&tid) {
            return (pid << 24) | tid;
        }
        let next = self.ids.len() as i64 + 1;
        *self.ids.entry((pid, tid)).or_insert_with(|| {
            self.renumbered += 1;
            (MAX << 24) | (next & MAX)
        })
    }
}

/// Why events were skipped, counted for the notes.
#[derive(Default)]
struct Skipped(BTreeMap<&'static str, u64>);

impl Skipped {
    fn add(&mut self, why: &'static str) {
        *self.0.entry(why).or_insert(0) += 1;
    }
}

/// The trace being built from events.
struct Builder {
    trace: Trace,
    interner: Interner,
    configs: FxHashMap<([u32; 3], [u32; 3]), u32>,
    threads: Threads,
    skipped: Skipped,
    excluded: Excluded,
    /// API calls that launch a CUDA/HIP graph (indices into `trace.api` before sorting).
    graph_api: Vec<bool>,
    /// Every API event read.
    api_events: u64,
    /// Categories seen, with counts.
    cats: BTreeMap<String, u64>,
    /// Nanoseconds subtracted from every timestamp (absolute epoch time rebased), once known.
    offset: Option<i64>,
    events: u64,
    meta: BTreeMap<String, serde_json::Value>,
}

/// The categories the analysis reads.
const READ_CATS: [&str; 6] = ["kernel", "gpu_memcpy", "gpu_memset", "cuda_runtime", "cuda_driver", "user_annotation"];

/// The `cat` of an event's bytes, when it can be read without parsing: the first `"cat"` token is a key of the
/// event itself (after `{` or `,`, with no `{` or `[` before it) and its value a string without escapes.
fn quick_cat(ev: &[u8]) -> Option<&[u8]> {
    static CAT: std::sync::LazyLock<memchr::memmem::Finder<'static>> = std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"\"cat\""));
    let at = CAT.find(ev)?;
    if at == 0 || ev[1..at].iter().any(|&b| b == b'{' || b == b'[') {
        return None;
    }
    if !matches!(ev[..at].iter().rev().find(|b| !b.is_ascii_whitespace()), Some(b'{' | b',')) {
        return None;
    }
    let mut i = at + 5;
    let skip_ws = |i: &mut usize| {
        while ev.get(*i).is_some_and(|b| b.is_ascii_whitespace()) {
            *i += 1;
        }
    };
    skip_ws(&mut i);
    if ev.get(i) != Some(&b':') {
        return None;
    }
    i += 1;
    skip_ws(&mut i);
    if ev.get(i) != Some(&b'"') {
        return None;
    }
    let start = i + 1;
    let end = start + memchr::memchr2(b'"', b'\\', &ev[start..])?;
    (ev[end] == b'"').then(|| &ev[start..end])
}

/// What an API name does.
fn api_kind(name: &str) -> (bool, bool, bool) {
    let n = name.to_ascii_lowercase();
    let graph = n.starts_with("cudagraphlaunch") || n.starts_with("cugraphlaunch") || n.starts_with("hipgraphlaunch");
    let sync = n.contains("synchronize") && !n.contains("launch");
    let launch = !sync && is_launch_name(name);
    (launch, sync, graph)
}

/// The copy kind of a memcpy event: `args.kind` (ROCm), else the word after `Memcpy ` in its name.
fn copy_kind(name: &str, kind: Option<&str>) -> i32 {
    let word = kind.map(str::trim).filter(|k| !k.is_empty()).or_else(|| name.trim_start_matches("Memcpy ").split_whitespace().next()).unwrap_or("");
    match word {
        "HtoD" => 1,
        "DtoH" => 2,
        "HtoA" => 3,
        "AtoH" => 4,
        "AtoA" => 5,
        "AtoD" => 6,
        "DtoA" => 7,
        "DtoD" => 8,
        "HtoH" => 9,
        "PtoP" => 10,
        _ => 0,
    }
}

impl Builder {
    fn new() -> Builder {
        Builder {
            trace: Trace::default(),
            interner: Interner::default(),
            configs: FxHashMap::default(),
            threads: Threads::default(),
            skipped: Skipped::default(),
            excluded: Excluded::default(),
            graph_api: Vec::new(),
            api_events: 0,
            cats: BTreeMap::new(),
            offset: None,
            events: 0,
            meta: BTreeMap::new(),
        }
    }

    /// A timestamp in ns, rebased: the first timestamp beyond ±2^60 ns (absolute epoch time) sets the offset to
    /// its whole second; every later timestamp is taken relative to it.
    fn time(&mut self, raw: Option<&serde_json::value::RawValue>) -> Option<i64> {
        let ns = us_to_ns(raw?.get())?;
        let off = *self.offset.get_or_insert(if ns.unsigned_abs() > MAX_ABS_TIMESTAMP_NS as u64 { ns - ns.rem_euclid(1_000_000_000) } else { 0 });
        ns.checked_sub(off)
    }

    fn event(&mut self, e: Event<'_>) {
        self.events += 1;
        let Some(cat) = e.cat.as_deref() else { return };
        if let Some(n) = self.cats.get_mut(cat) {
            *n += 1;
        } else {
            self.cats.insert(cat.to_string(), 1);
        }
        let what = match cat {
            "kernel" => 0,
            "gpu_memcpy" => 1,
            "gpu_memset" => 2,
            "cuda_runtime" | "cuda_driver" => 3,
            "user_annotation" => 4,
            _ => return,
        };
        if e.ph.as_deref() != Some("X") {
            self.skipped.add("not a complete (\"ph\": \"X\") event");
            return;
        }
        let (Some(start), Some(dur)) = (self.time(e.ts), e.dur.and_then(|d| us_to_ns(d.get()))) else {
            self.skipped.add("no readable ts or dur");
            return;
        };
        let end = start.saturating_add(dur);
        let name = e.name.as_deref().unwrap_or("[unnamed]");
        match what {
            0..=2 => {
                let device = e.args.device.0.or(e.pid.0).unwrap_or(-1);
                let stream = e.args.stream.0.or(e.tid.0).unwrap_or(-1);
                let bytes = e.args.bytes.0;
                let table = ["kernel", "gpu_memcpy", "gpu_memset"][what];
                if let Some(why) = implausible(start, end, device, stream, if what == 0 { None } else { Some(bytes.unwrap_or(0)) }) {
                    self.excluded.add(table, why);
                    return;
                }
                let correlation = e.args.correlation.0.unwrap_or(-1);
                if what == 0 {
                    let name_ix = self.interner.intern(name);
                    let short = base_name(name);
                    let short_ix = if short.is_empty() { name_ix } else { self.interner.intern(&short) };
                    let config = match (e.args.grid, e.args.block) {
                        (Some(g), Some(b)) => {
                            let n = self.configs.len() as u32;
                            *self.configs.entry((g, b)).or_insert_with(|| {
                                self.trace.launch_configs.push((g, b));
                                n
                            })
                        }
                        _ => NONE,
                    };
                    self.trace.kernels.push(Kernel { start, end, correlation, global_pid: 0, device: device as i32, stream: stream as i32, name: name_ix, short_name: short_ix, config });
                } else {
                    let kind = if what == 2 { MemKind::Set } else { MemKind::Copy(copy_kind(name, e.args.kind.as_deref())) };
                    self.trace.memops.push(MemOp { start, end, correlation, global_pid: 0, bytes: bytes.unwrap_or(0), device: device as i32, stream: stream as i32, kind });
                }
            }
            3 => {
                self.api_events += 1;
                let Some(global_tid) = self.cpu_thread(&e, start, end, "cuda_runtime") else { return };
                let (launch, sync, graph) = api_kind(name);
                if sync {
                    self.trace.syncs.push(SyncCall { global_tid, start, end });
                } else if launch {
                    let Some(correlation) = e.args.correlation.0 else {
                        self.skipped.add("a launch call without args.correlation");
                        return;
                    };
                    self.trace.api.push(ApiCall { start, end, global_tid, correlation });
                    self.graph_api.push(graph);
                }
            }
            _ => {
                let Some(global_tid) = self.cpu_thread(&e, start, end, "user_annotation") else { return };
                let n = self.interner.intern(name);
                self.trace.ranges.push(NvtxRange { start, end: end.max(start), open: false, global_tid, cross_thread: false, name: n, base: n, style: RangeStyle::PushPop });
            }
        }
    }

    /// The thread of a CPU event (API call or annotation), or `None` (counted) when it has no numeric pid and tid
    /// or its times are beyond any clock.
    fn cpu_thread(&mut self, e: &Event<'_>, start: i64, end: i64, table: &'static str) -> Option<i64> {
        let (Some(pid), Some(tid)) = (e.pid.0, e.tid.0) else {
            self.skipped.add("a CPU event without a numeric pid and tid");
            return None;
        };
        if off_clock(start) || off_clock(end) {
            self.excluded.add(table, crate::read::nsys::plausible::OFF_CLOCK);
            return None;
        }
        Some(self.threads.id(pid, tid))
    }

    /// Takes an event the analysis does not read (a `python_function`, a `cpu_op`: most of a serving trace)
    /// without parsing it: its `cat` is read straight from its bytes when that is safe (the first `"cat"` key of
    /// the object, before any nested object or array). Returns false when the event must be parsed.
    fn skip_fast(&mut self, ev: &[u8]) -> bool {
        let Some(cat) = quick_cat(ev) else { return false };
        if READ_CATS.iter().any(|c| c.as_bytes() == cat) {
            return false;
        }
        let Ok(cat) = std::str::from_utf8(cat) else { return false };
        self.events += 1;
        if let Some(n) = self.cats.get_mut(cat) {
            *n += 1;
        } else {
            self.cats.insert(cat.to_string(), 1);
        }
        true
    }

    fn meta(&mut self, key: &[u8], value: &[u8]) {
        let key = String::from_utf8_lossy(key).into_owned();
        if matches!(
            key.as_str(),
            "schemaVersion" | "deviceProperties" | "distributedInfo" | "cupti_version" | "cuda_runtime_version" | "cuda_driver_version" | "roctracer_version" | "hip_runtime_version" | "hip_driver_version" | "baseTimeNanoseconds"
        ) {
            if let Ok(v) = serde_json::from_slice::<serde_json::Value>(value) {
                self.meta.insert(key, v);
            }
        }
    }

    /// The trace: ops joined to the process of their launching call, API calls sorted by start, GPUs, notes.
    fn finish(mut self, path: &Path) -> Trace {
        let mut t = std::mem::take(&mut self.trace);
        // API calls in time order (as an export's table is), the graph flags along.
        let mut order: Vec<u32> = (0..t.api.len() as u32).collect();
        order.sort_by_key(|&i| (t.api[i as usize].start, i));
        t.api = order.iter().map(|&i| t.api[i as usize].clone()).collect();
        t.graph_calls = order.iter().enumerate().filter(|(_, &i)| self.graph_api[i as usize]).map(|(k, _)| k as u32).collect();
        t.syncs.sort();
        t.ranges.sort_by_key(|r| (r.start, std::cmp::Reverse(r.end)));
        // An op belongs to the process of the call that launched it (Kineto writes the GPU's id as the op's pid).
        let mut process: FxHashMap<i64, i64> = FxHashMap::default();
        let mut dup = 0u64;
        for a in &t.api {
            if let Some(p) = process.insert(a.correlation, process_key(a.global_tid)) {
                if p != process_key(a.global_tid) {
                    dup += 1;
                }
                process.insert(a.correlation, p);
            }
        }
        for k in &mut t.kernels {
            k.global_pid = process.get(&k.correlation).copied().unwrap_or(0);
        }
        for m in &mut t.memops {
            m.global_pid = process.get(&m.correlation).copied().unwrap_or(0);
        }
        t.api_rows = self.api_events;
        let mut info = std::mem::take(&mut t.info);
        info.file = path.display().to_string();
        info.nsys_version = "n/a (PyTorch profiler trace)".into();
        info.schema_version = self.meta.get("schemaVersion").map(json_text).unwrap_or_else(|| "unknown".into());
        info.tables = self.cats.keys().cloned().collect();
        info.source = self.source_line();
        if let Some(d) = self.meta.get("distributedInfo") {
            info.rank = d.get("rank").and_then(|v| v.as_i64());
            info.world_size = d.get("world_size").and_then(|v| v.as_i64());
        }
        info.gpus = self.gpus(&t, &mut info.notes);
        if dup > 0 {
            info.notes.push(format!("{dup} correlation id(s) are used by API calls of two processes; their ops are joined to the first"));
        }
        for (why, n) in &self.skipped.0 {
            info.notes.push(format!("{n} event(s) skipped: {why}"));
        }
        self.excluded.notes(&mut info.notes);
        if self.threads.renumbered > 0 {
            info.notes.push(format!("{} CPU thread(s) have a pid or tid beyond 24 bits; they are numbered from 1 in steps.csv's thread column", self.threads.renumbered));
        }
        if let Some(off) = self.offset.filter(|&o| o != 0) {
            info.notes.push(format!("timestamps are absolute (epoch) time: every time is relative to {off} ns ({} s)", off / 1_000_000_000));
        }
        t.info = info;
        t.names = std::mem::take(&mut self.interner.names);
        t.sanitize();
        t
    }

    /// `info.source`: the format with its versions.
    fn source_line(&self) -> String {
        let m = &self.meta;
        let mut parts = vec![format!("PyTorch profiler (Kineto) trace, schemaVersion {}", m.get("schemaVersion").map(json_text).unwrap_or_else(|| "unknown".into()))];
        for (key, label) in [
            ("cupti_version", "CUPTI"),
            ("cuda_runtime_version", "CUDA runtime"),
            ("cuda_driver_version", "CUDA driver"),
            ("roctracer_version", "roctracer"),
            ("hip_runtime_version", "HIP runtime"),
            ("hip_driver_version", "HIP driver"),
        ] {
            if let Some(v) = m.get(key) {
                let text = json_text(v);
                // CUDA writes 12040 for 12.4.
                let shown = match (key.starts_with("cuda_"), v.as_i64()) {
                    (true, Some(n)) if n >= 1000 => format!("{}.{}", n / 1000, (n % 1000) / 10),
                    _ => text,
                };
                parts.push(format!("{label} {shown}"));
            }
        }
        parts.join(", ")
    }

    /// One GPU per device id the ops ran on, described by `deviceProperties` (the entry with that id; or the only
    /// GPU listed, when the ids differ, as ROCm's agent ids do).
    fn gpus(&self, t: &Trace, notes: &mut Vec<String>) -> Vec<GpuInfo> {
        let props: Vec<&serde_json::Value> = self.meta.get("deviceProperties").and_then(|v| v.as_array()).map(|a| a.iter().collect()).unwrap_or_default();
        let mut devices: Vec<i64> = t.kernels.iter().map(|k| k.device as i64).chain(t.memops.iter().map(|m| m.device as i64)).collect();
        devices.sort_unstable();
        devices.dedup();
        let mut out = Vec::new();
        for d in devices {
            let by_id = props.iter().find(|p| p.get("id").and_then(|v| v.as_i64()) == Some(d));
            let p = by_id.or(if props.len() == 1 { props.first() } else { None });
            if by_id.is_none() && p.is_some() {
                notes.push(format!("device {d} of the ops is not among deviceProperties' ids; it is described by the only GPU listed (ROCm numbers devices by agent)"));
            }
            let get = |k: &str| p.and_then(|p| p.get(k)).and_then(|v| v.as_i64());
            let name = p.and_then(|p| p.get("name")).and_then(|v| v.as_str()).unwrap_or("").trim().to_string();
            let mem = get("totalGlobalMem").unwrap_or(0);
            let peak = crate::model::gpus::peak_gb_s(&name, mem);
            if name.is_empty() {
                notes.push(format!("GPU {d}: the trace records no name, so its peak DRAM bandwidth is unknown; give it with --peak-gb-s"));
            } else if peak.is_none() {
                notes.push(format!("GPU {d} ({name}) is not in the table of known GPUs, so its peak DRAM bandwidth is unknown; give it with --peak-gb-s"));
            }
            let cc = match (get("computeMajor"), get("computeMinor")) {
                (Some(a), Some(b)) => format!("{a}.{b}"),
                _ => String::new(),
            };
            out.push(GpuInfo { device: d, name, memory_bandwidth_bps: peak.map_or(0, |g| g as i64 * 1_000_000_000), sm_count: get("numSms").unwrap_or(0), total_memory_bytes: mem, compute_capability: cc });
        }
        if out.iter().any(|g| g.memory_bandwidth_bps > 0) {
            notes.push("peak DRAM bandwidth from the table of known GPUs (the trace does not record it; --peak-gb-s overrides)".into());
        }
        out
    }
}

/// A JSON value as plain text (strings without quotes).
fn json_text(v: &serde_json::Value) -> String {
    v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())
}

/// Loads the PyTorch-profiler trace at `path` (plain or gzip JSON) into the model; `progress` hears what was read.
/// A trace cut mid-write is read up to its last complete event, with a note; bytes that are not a Chrome trace
/// are an error naming the file.
pub fn load(path: &Path, progress: Progress<'_>) -> Result<Trace> {
    let t0 = std::time::Instant::now();
    let mut b = Builder::new();
    let mut scanner = Scanner::new();
    let mut failure: Option<ScanError> = None;
    let mut malformed = 0u64;
    let mut odd = 0u64;
    let mut busy = std::time::Duration::ZERO;
    let broken = read_chunks(path, &mut |chunk| {
        let t = std::time::Instant::now();
        let r = scanner.feed(&chunk, &mut |item| match item {
            Item::Event(bytes) => {
                if !b.skip_fast(bytes) {
                    match serde_json::from_slice::<Event>(bytes) {
                        Ok(e) => b.event(e),
                        Err(_) => malformed += 1,
                    }
                }
            }
            Item::Meta(k, v) => b.meta(k, v),
            Item::NotAnObject => odd += 1,
        });
        busy += t.elapsed();
        match r {
            Ok(()) => true,
            Err(e) => {
                failure = Some(e);
                false
            }
        }
    })?;
    let end = scanner.finish();
    let not_trace = |why: String| AnalyzeError::NotATrace { path: path.to_path_buf(), why };
    if let Some(e) = failure {
        return Err(not_trace(match e {
            ScanError::NotJson(_) if end.total_bytes <= 2 && broken.is_some() => broken.clone().unwrap_or_default(),
            ScanError::NotJson(c) => format!("it does not start with '{{' or '[' (first byte 0x{c:02x})"),
            ScanError::Malformed(what) => format!("its JSON is malformed ({what})"),
        }));
    }
    if end.total_bytes == 0 {
        return Err(not_trace(broken.unwrap_or_else(|| "the file is empty".into())));
    }
    if !scanner.saw_events {
        return Err(not_trace(if end.complete { "a JSON object without a top-level \"traceEvents\" array".into() } else { "it ends before any \"traceEvents\" array".into() }));
    }
    let events = b.events;
    let mut trace = b.finish(path);
    let notes = &mut trace.info.notes;
    if malformed > 0 {
        notes.push(format!("{malformed} event(s) skipped: not valid JSON objects"));
    }
    if odd > 0 {
        notes.push(format!("{odd} element(s) of traceEvents skipped: not objects"));
    }
    if !end.complete {
        let mut why = broken.unwrap_or_else(|| "the file ends before the trace closes (a profiler stopped mid-write?)".into());
        if end.cut_bytes > 0 {
            why.push_str(&format!("; {} byte(s) of a cut {} dropped", end.cut_bytes, if end.cut_in_event { "event" } else { "value" }));
        }
        notes.insert(0, format!("the trace is truncated: {why}; analyzed from its {} complete event(s) ({} bytes read)", group(events), end.total_bytes));
    }
    progress(&format!(
        "PyTorch profiler trace: {} kernels, {} memcpy/memset, {} launch calls, {} ranges read from {} events, {} bytes ({:.2} s; {:.2} s of it splitting and parsing, the rest waiting for the reader)",
        trace.kernels.len(),
        trace.memops.len(),
        trace.api.len(),
        trace.ranges.len(),
        group(events),
        group(end.total_bytes),
        t0.elapsed().as_secs_f64(),
        busy.as_secs_f64()
    ));
    Ok(trace)
}

fn group(n: u64) -> String {
    crate::read::nsys::group(n)
}

/// Whether the file holds a Chrome trace, judged from the first MiB of its (decompressed) content: a
/// `"traceEvents"` key, or a bare array whose first element has a `"ph"`. For picking traces out of a folder
/// that also holds other JSON (an engine's config, a metrics dump).
pub fn holds_trace_events(path: &Path) -> bool {
    const PEEK: usize = 1 << 20;
    let Ok(mut f) = std::fs::File::open(path) else { return false };
    let mut magic = [0u8; 2];
    let n = f.read(&mut magic).unwrap_or(0);
    let Ok(f) = std::fs::File::open(path) else { return false };
    let mut head = Vec::with_capacity(PEEK);
    let r: Box<dyn Read> = if n == 2 && magic == [0x1f, 0x8b] { Box::new(flate2::read::MultiGzDecoder::new(f)) } else { Box::new(f) };
    let _ = r.take(PEEK as u64).read_to_end(&mut head);
    let text = head.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(&head);
    let first = text.iter().position(|b| !b.is_ascii_whitespace());
    match first.map(|i| text[i]) {
        Some(b'{') => memchr::memmem::find(text, b"\"traceEvents\"").is_some(),
        Some(b'[') => memchr::memmem::find(text, b"\"ph\"").is_some(),
        _ => false,
    }
}

/// A file whose name says it is a trace (`.json`, `.json.gz`), for picking inputs out of a folder.
pub fn has_trace_name(p: &Path) -> bool {
    let name = p.file_name().map(|n| n.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    name.ends_with(".json") || name.ends_with(".json.gz")
}

/// `x.pt.trace.json.gz` → `x`: the name without the trace suffixes.
pub fn trace_stem(p: &Path) -> PathBuf {
    let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut stem = name.as_str();
    for suffix in [".gz", ".json", ".trace", ".pt"] {
        if stem.len() > suffix.len() && stem.to_ascii_lowercase().ends_with(suffix) {
            stem = &stem[..stem.len() - suffix.len()];
        }
    }
    p.with_file_name(stem)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_category_is_read_from_the_bytes_only_when_safe() {
        assert_eq!(quick_cat(br#"{"ph": "X", "cat": "python_function", "name": "f"}"#), Some(&b"python_function"[..]));
        assert_eq!(quick_cat(br#"{"cat" :  "cpu_op"}"#), Some(&b"cpu_op"[..]));
        // A nested "cat" key before the event's own, a value that is a string "cat", escapes: parse instead.
        assert_eq!(quick_cat(br#"{"args": {"cat": "x"}, "cat": "kernel"}"#), None);
        assert_eq!(quick_cat(br#"{"name": "cat", "cat": "kernel"}"#), None);
        assert_eq!(quick_cat(br#"{"name": "a{b", "cat": "kernel"}"#), None);
        assert_eq!(quick_cat(br#"{"cat": "ker\"nel"}"#), None);
        assert_eq!(quick_cat(br#"{"cat": 5}"#), None);
        assert_eq!(quick_cat(br#"{"name": "x \"cat\": \"cpu_op\""}"#), None);
    }

    #[test]
    fn api_names_by_what_they_do() {
        assert_eq!(api_kind("cudaLaunchKernel"), (true, false, false));
        assert_eq!(api_kind("hipExtModuleLaunchKernel"), (true, false, false));
        assert_eq!(api_kind("hipGraphLaunch"), (true, false, true));
        assert_eq!(api_kind("cudaGraphLaunch_v10000"), (true, false, true));
        assert_eq!(api_kind("cudaDeviceSynchronize"), (false, true, false));
        assert_eq!(api_kind("hipEventSynchronize"), (false, true, false));
        assert_eq!(api_kind("cudaMemcpyAsync"), (true, false, false));
        assert_eq!(api_kind("cudaFuncSetAttribute"), (false, false, false));
        assert_eq!((copy_kind("Memcpy DtoH (Device -> Pinned)", None), copy_kind("Memcpy", Some("PtoP")), copy_kind("Memcpy ???", None)), (2, 10, 0));
    }
}
