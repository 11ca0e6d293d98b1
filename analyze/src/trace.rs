//! Reading an nsys SQLite export into plain vectors.
//!
//! The export's schema changes with every nsys release (see `../shared/SCHEMA_NOTES.md`): tables are created
//! lazily (a missing table means zero rows), columns are added over time, and downstream tools add their own.
//! So every table is probed with `PRAGMA table_info` and read by column name; a column that does not exist is
//! read as NULL. The file is opened read-only and `immutable`, so SQLite never writes to it (no journal, no
//! lock file), whatever happens.

use std::collections::{BTreeMap, HashSet};

use rustc_hash::FxHashMap;
use std::path::{Path, PathBuf};

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};

use crate::attribution::{Attribution, RangeIn, Sweep, NONE};
use crate::error::{AnalyzeError, Result};
use crate::parscan::{rowid_ranges, Queue, Range};
pub use crate::parscan::ReadOptions;

/// nsys `eventClass` of the duplicate "CUDA backtrace" rows in `CUPTI_ACTIVITY_KIND_RUNTIME`.
const EVENT_CLASS_BACKTRACE: i64 = 67;
/// NVTX event types that are ranges: push/pop, start/end, and their NVTXT twins.
const RANGE_EVENT_TYPES: [i64; 4] = [59, 60, 70, 71];
/// NVTX event type of a domain creation (names the domain).
const EVENT_DOMAIN_CREATE: i64 = 75;

/// One kernel execution (`CUPTI_ACTIVITY_KIND_KERNEL`).
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
    /// Index of the (grid, block) launch configuration in [`Trace::launch_configs`].
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
    /// Push/pop or start/end.
    pub style: RangeStyle,
}

pub use schema::{GpuInfo, TraceInfo};

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
    /// Rows of the API table read (those that can launch GPU work, or all of them when some op's launch was not
    /// among those).
    pub api_rows: u64,
    /// NVTX ranges ([`load`] keeps them; [`load_attributed`] streams them into the attribution instead).
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
    pub fn op(&self, i: usize) -> crate::attribution::GpuOp {
        let nk = self.kernels.len();
        if i < nk {
            let k = &self.kernels[i];
            crate::attribution::GpuOp { start: k.start, end: k.end, device: k.device as i64, index: i, is_kernel: true }
        } else {
            let m = &self.memops[i - nk];
            crate::attribution::GpuOp { start: m.start, end: m.end, device: m.device as i64, index: i - nk, is_kernel: false }
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

/// Interns strings so that every distinct name is stored once.
#[derive(Default)]
struct Interner {
    names: Vec<String>,
    index: FxHashMap<String, u32>,
    /// StringIds id -> interned index.
    by_string_id: FxHashMap<i64, u32>,
    /// Lookups of ids that `StringIds` does not have (each shown as `[unknown string id]`).
    dangling: u64,
}

impl Interner {
    fn intern(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        let i = self.names.len() as u32;
        self.names.push(s.to_string());
        self.index.insert(s.to_string(), i);
        i
    }

    /// Interns the string of a `StringIds` id (`[unnamed]` for NULL, `[unknown string id]` for a dangling id).
    fn intern_sid(&mut self, strings: &StringTable, id: Option<i64>) -> u32 {
        match id {
            None => self.intern("[unnamed]"),
            Some(id) => {
                let known = strings.get(id);
                if known.is_none() {
                    self.dangling += 1;
                }
                if let Some(&i) = self.by_string_id.get(&id) {
                    return i;
                }
                let i = self.intern(known.unwrap_or("[unknown string id]"));
                self.by_string_id.insert(id, i);
                i
            }
        }
    }
}

/// The `StringIds` table: id -> text.
#[derive(Default)]
pub(crate) struct StringTable {
    map: FxHashMap<i64, Box<str>>,
}

impl StringTable {
    fn get(&self, id: i64) -> Option<&str> {
        self.map.get(&id).map(|s| &**s)
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

/// Reads text from a cell, replacing bytes that are not UTF-8.
fn text_of(v: ValueRef<'_>) -> Option<String> {
    match v {
        ValueRef::Text(b) | ValueRef::Blob(b) => Some(String::from_utf8_lossy(b).into_owned()),
        ValueRef::Integer(i) => Some(i.to_string()),
        ValueRef::Real(f) => Some(f.to_string()),
        ValueRef::Null => None,
    }
}

/// A prepared table read: the whole table, or one rowid range of it (`?1..=?2`).
struct Select {
    table: String,
    whole: String,
    ranged: String,
    n: usize,
}

/// A reader over one open export.
struct Reader<'a> {
    conn: &'a Connection,
    path: &'a Path,
    tables: &'a HashSet<String>,
}

impl Reader<'_> {
    fn sql_err(&self, e: rusqlite::Error) -> AnalyzeError {
        classify_sqlite_error(self.path, e)
    }

    fn has(&self, table: &str) -> bool {
        self.tables.contains(table)
    }

    fn columns(&self, table: &str) -> Result<HashSet<String>> {
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))
            .map_err(|e| self.sql_err(e))?;
        let cols = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(|e| self.sql_err(e))?
            .collect::<std::result::Result<HashSet<_>, _>>()
            .map_err(|e| self.sql_err(e))?;
        Ok(cols)
    }

    /// Runs `SELECT <cols> FROM table [WHERE cond]`, with NULL for missing columns, calling `f` on each row of raw
    /// values. At most 16 columns.
    fn scan(
        &self,
        table: &str,
        wanted: &[&str],
        cond: &str,
        f: impl FnMut(&[ValueRef<'_>]) -> Result<()>,
    ) -> Result<()> {
        match self.select(table, wanted, cond)? {
            Some(sel) => self.run(&sel, None, f),
            None => Ok(()),
        }
    }

    /// The query of [`Reader::scan`], whole and by rowid range; `None` when the table does not exist.
    fn select(&self, table: &str, wanted: &[&str], cond: &str) -> Result<Option<Select>> {
        if !self.has(table) {
            return Ok(None);
        }
        let present = self.columns(table)?;
        let cols: Vec<String> = wanted
            .iter()
            .map(|c| if present.contains(*c) { format!("\"{c}\"") } else { "NULL".to_string() })
            .collect();
        let head = format!("SELECT {} FROM \"{table}\"", cols.join(", "));
        let (whole, ranged) = if cond.is_empty() {
            (head.clone(), format!("{head} WHERE rowid BETWEEN ?1 AND ?2"))
        } else {
            (format!("{head} WHERE {cond}"), format!("{head} WHERE rowid BETWEEN ?1 AND ?2 AND ({cond})"))
        };
        Ok(Some(Select { table: table.to_string(), whole, ranged, n: wanted.len().min(16) }))
    }

    /// Runs `sel` over the rows of `range` (all rows with `None`), calling `f` on each row of raw values.
    fn run(&self, sel: &Select, range: Range, mut f: impl FnMut(&[ValueRef<'_>]) -> Result<()>) -> Result<()> {
        let (sql, params) = match range {
            Some((lo, hi)) => (&sel.ranged, vec![lo, hi]),
            None => (&sel.whole, vec![]),
        };
        let mut stmt = self.conn.prepare_cached(sql).map_err(|e| self.sql_err(e))?;
        let mut rows = stmt.query(rusqlite::params_from_iter(params)).map_err(|e| self.sql_err(e))?;
        while let Some(row) = rows.next().map_err(|e| self.sql_err(e))? {
            let mut buf: [ValueRef<'_>; 16] = [ValueRef::Null; 16];
            for (i, slot) in buf.iter_mut().enumerate().take(sel.n) {
                *slot = row.get_ref(i).map_err(|e| self.sql_err(e))?;
            }
            f(&buf[..sel.n])?;
        }
        Ok(())
    }

    /// The table of `sel` split into rowid ranges of `opts.chunk_rows`.
    fn ranges(&self, sel: &Select, opts: &ReadOptions) -> Vec<Range> {
        rowid_ranges(self.conn, &sel.table, opts.chunk_rows)
    }

    fn bad(&self, table: &str, column: &str, detail: impl Into<String>) -> AnalyzeError {
        AnalyzeError::BadColumn {
            path: self.path.to_path_buf(),
            table: table.to_string(),
            column: column.to_string(),
            detail: detail.into(),
        }
    }

    /// An integer cell; NULL gives None; reals are truncated; text that is not a number is an error.
    fn int(&self, v: ValueRef<'_>, table: &str, column: &str) -> Result<Option<i64>> {
        match v {
            ValueRef::Null => Ok(None),
            ValueRef::Integer(i) => Ok(Some(i)),
            ValueRef::Real(f) if f.is_finite() => Ok(Some(f as i64)),
            ValueRef::Text(t) => std::str::from_utf8(t)
                .ok()
                .and_then(|s| s.trim().parse::<i64>().ok())
                .map(Some)
                .ok_or_else(|| self.bad(table, column, format!("expected an integer, found text {:?}", String::from_utf8_lossy(&t[..t.len().min(40)])))),
            other => Err(self.bad(table, column, format!("expected an integer, found {:?}", other.data_type()))),
        }
    }

    fn req(&self, v: ValueRef<'_>, table: &str, column: &str) -> Result<i64> {
        self.int(v, table, column)?.ok_or_else(|| {
            if self.columns(table).is_ok_and(|c| !c.contains(column)) {
                self.bad(table, column, "the column is missing from the table (this tool needs it)")
            } else {
                self.bad(table, column, "a row has NULL where a value is required")
            }
        })
    }
}

/// Turns an SQLite error into a user-facing one: damaged files are told apart from other failures.
fn classify_sqlite_error(path: &Path, e: rusqlite::Error) -> AnalyzeError {
    let detail = e.to_string();
    if let rusqlite::Error::SqliteFailure(f, _) = &e {
        use rusqlite::ErrorCode::*;
        match f.code {
            NotADatabase => {
                return AnalyzeError::NotSqlite { path: path.to_path_buf(), detail }
            }
            DatabaseCorrupt | SystemIoFailure | CannotOpen | FileLockingProtocolFailed | DatabaseBusy | DatabaseLocked => {
                return AnalyzeError::Corrupt { path: path.to_path_buf(), detail }
            }
            _ => {}
        }
    }
    AnalyzeError::Corrupt { path: path.to_path_buf(), detail }
}

/// Opens an export read-only. Checks the SQLite magic first so that random bytes give a clear message. A large
/// export that is not in the page cache is read past it, with `O_DIRECT` (see [`crate::directio`]).
pub fn open(path: &Path) -> Result<Connection> {
    use std::io::Read;
    crate::fsutil::check_input(path)?;
    let mut f = std::fs::File::open(path).map_err(|source| AnalyzeError::Unreadable { path: path.to_path_buf(), source })?;
    let meta = f.metadata().map_err(|source| AnalyzeError::Unreadable { path: path.to_path_buf(), source })?;
    if meta.is_dir() {
        return Err(AnalyzeError::NotSqlite { path: path.to_path_buf(), detail: "it is a directory".into() });
    }
    let mut magic = [0u8; 16];
    let n = f.read(&mut magic).map_err(|source| AnalyzeError::Unreadable { path: path.to_path_buf(), source })?;
    if n < 16 || &magic != b"SQLite format 3\0" {
        let detail = if n == 0 { "the file is empty".to_string() } else { "no SQLite header".to_string() };
        return Err(AnalyzeError::NotSqlite { path: path.to_path_buf(), detail });
    }
    // Rows committed to a write-ahead log are not in the main file yet, and an immutable open (the only kind that
    // never writes beside the export) does not see them: refuse rather than report part of the data.
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    if std::fs::metadata(&wal).is_ok_and(|m| m.len() > 32) {
        return Err(AnalyzeError::BadInput {
            path: path.to_path_buf(),
            detail: format!(
                "has rows in its write-ahead log '{}' that a read-only open cannot see; finish or close the program writing it, or checkpoint it with `sqlite3 FILE 'PRAGMA wal_checkpoint(TRUNCATE)'` (on a copy if it must stay untouched), then analyze again",
                Path::new(&wal).display()
            ),
        });
    }
    let mut uri = format!("file:{}?immutable=1", uri_escape(path));
    if let Some(vfs) = crate::directio::vfs_for(path, &f, meta.len()) {
        uri.push_str("&vfs=");
        uri.push_str(vfs);
    }
    let conn = Connection::open_with_flags(
        uri,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| classify_sqlite_error(path, e))?;
    Ok(conn)
}

/// Percent-escapes a path for an SQLite URI.
fn uri_escape(path: &Path) -> String {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = String::new();
    for b in abs.to_string_lossy().bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' | b'+' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

const NSYS_MARKER_TABLES: [&str; 8] = [
    "StringIds",
    "TARGET_INFO_GPU",
    "TARGET_INFO_SESSION_START_TIME",
    "META_DATA_EXPORT",
    "EXPORT_META_DATA",
    "CUPTI_ACTIVITY_KIND_KERNEL",
    "NVTX_EVENTS",
    "ThreadNames",
];

/// Columns read from `CUPTI_ACTIVITY_KIND_KERNEL`.
pub const KERNEL_COLUMNS: [&str; 14] = [
    "start", "end", "deviceId", "streamId", "correlationId", "globalPid", "demangledName", "shortName", "gridX", "gridY",
    "gridZ", "blockX", "blockY", "blockZ",
];
/// Columns read from `CUPTI_ACTIVITY_KIND_MEMCPY` and `_MEMSET`.
pub const MEMOP_COLUMNS: [&str; 8] = ["start", "end", "deviceId", "streamId", "correlationId", "globalPid", "bytes", "copyKind"];
/// Columns read from `CUPTI_ACTIVITY_KIND_RUNTIME`.
pub const RUNTIME_COLUMNS: [&str; 6] = ["start", "end", "globalTid", "correlationId", "nameId", "eventClass"];
/// Columns read from `NVTX_EVENTS`.
pub const NVTX_COLUMNS: [&str; 8] = ["start", "end", "eventType", "text", "textId", "globalTid", "endGlobalTid", "domainId"];
/// Every (table, columns) the analysis reads, for the bare-scan baseline of `bench`.
pub const READ_SET: [(&str, &[&str]); 7] = [
    ("StringIds", &["id", "value"]),
    ("CUPTI_ACTIVITY_KIND_KERNEL", &KERNEL_COLUMNS),
    ("CUPTI_ACTIVITY_KIND_MEMCPY", &MEMOP_COLUMNS),
    ("CUPTI_ACTIVITY_KIND_MEMSET", &MEMOP_COLUMNS),
    ("CUPTI_ACTIVITY_KIND_RUNTIME", &RUNTIME_COLUMNS),
    ("NVTX_EVENTS", &NVTX_COLUMNS),
    ("TARGET_INFO_GPU", &["id", "cuDevice", "name", "memoryBandwidth", "smCount", "totalMemory", "computeMajor", "computeMinor"]),
];

/// Loads everything the analyses need from the export at `path`, NVTX ranges included (kept in
/// [`Trace::ranges`]). For large exports prefer [`load_attributed`], which streams the NVTX table.
pub fn load(path: &Path) -> Result<Trace> {
    load_with(path, &ReadOptions::default())
}

/// [`load`], reading tables as `opts` says.
pub fn load_with(path: &Path, opts: &ReadOptions) -> Result<Trace> {
    let mut base = load_ops(path, opts, &|_| {})?;
    let rd = Reader { conn: &base.conn, path, tables: &base.tables };
    let mut names = NvtxNames::default();
    let mut ranges: Vec<NvtxRange> = Vec::new();
    let counts = read_nvtx(&rd, opts, &base.strings, &mut base.interner, &mut names, &[], |r| {
        ranges.push(NvtxRange {
            start: r.start,
            end: r.end.unwrap_or(i64::MIN),
            open: r.end.is_none(),
            global_tid: r.global_tid,
            cross_thread: r.cross_thread,
            name: r.key,
            style: r.style,
        });
        true
    })?;
    let full: Vec<u32> = (0..names.keys.len() as u32).map(|k| {
        let n = names.full_name(k, &base.interner);
        base.interner.intern(&n)
    }).collect();
    for r in &mut ranges {
        if r.open {
            r.end = counts.max_ts;
        }
        r.name = full[r.name as usize];
    }
    let mut trace = base.trace;
    trace.ranges = ranges;
    counts.notes(&mut trace.info.notes);
    trace.names = base.interner.names;
    Ok(trace)
}

/// Loads the export at `path` and attributes its GPU ops to NVTX ranges (phases named by `phases`) while
/// streaming the NVTX table: the ranges themselves are not kept ([`Trace::ranges`] is empty), so memory grows
/// with the number of GPU ops, not with the number of ranges. Kernel/memory tables and the CUDA API table are
/// read on two threads.
pub fn load_attributed(path: &Path, phases: &[String]) -> Result<(Trace, Attribution)> {
    load_attributed_with(path, phases, &|_| {})
}

/// Progress messages of a long load: one line per finished step (`"12,345 kernels … (1.2 s)"`).
pub type Progress<'a> = &'a (dyn Fn(&str) + Sync);

/// [`load_attributed`], telling `progress` what each step did and how long it took.
pub fn load_attributed_with(path: &Path, phases: &[String], progress: Progress<'_>) -> Result<(Trace, Attribution)> {
    load_attributed_opts(path, phases, progress, &ReadOptions::default())
}

/// [`load_attributed_with`], reading tables as `opts` says (the results do not depend on `opts`).
pub fn load_attributed_opts(path: &Path, phases: &[String], progress: Progress<'_>, opts: &ReadOptions) -> Result<(Trace, Attribution)> {
    let (base, api) = load_ops_unjoined(path, opts, progress)?;
    let Base { conn, tables, strings, mut interner, mut trace, .. } = base;
    let rd = Reader { conn: &conn, path, tables: &tables };
    let mut names = NvtxNames::default();
    let src = NvtxSource::new(&rd, opts, &strings)?;
    let decode = |c: &Connection, range: Range| src.decode(c, range);
    let open = || open(path);
    // The NVTX table is decoded on the reader threads while this one joins ops to their launches (the join is not
    // parallel); the streaming sweep then takes the decoded ranges in table order.
    let pipe = crate::parscan::Pipeline::new(path, &src.ranges, nvtx_window(opts), &decode);
    let (launch, t, failed, out, counts) = std::thread::scope(|s| {
        pipe.spawn_workers(s, opts.threads, &open);
        let r = (|| {
            let launch = join_step(path, &conn, &tables, &mut trace, api, opts, progress)?;
            let t = std::time::Instant::now();
            let trace = &trace;
            // First try: stream rows straight into the sweep (real exports are sorted by start).
            let mut sweep = Sweep::new(trace, launch, phases.len(), None);
            let mut failed = false;
            let mut fold = NvtxFold::new(phases);
            let mut sink = |r: RangeIn| {
                failed = sweep.push(r).is_err();
                !failed
            };
            while let Some(c) = pipe.next(&conn) {
                if !fold.feed(c?, &mut interner, &mut names, &mut sink) {
                    break;
                }
            }
            let counts = fold.finish();
            if failed {
                return Ok((sweep.into_launch(), t, true, None, counts));
            }
            sweep.observe(counts.max_ts);
            Ok::<_, AnalyzeError>((Vec::new(), t, false, Some(sweep.finish()), counts))
        })();
        pipe.stop();
        r
    })?;
    let (out, counts) = match out {
        Some(out) => (out, counts),
        None => {
            // Out of order (or a never-closed range whose end matters before the table's end is known): read the
            // ranges into memory, sort them, and replay them with the last timestamp known.
            let mut all: Vec<RangeIn> = Vec::new();
            let counts = read_nvtx(&rd, opts, &strings, &mut interner, &mut names, phases, |r| {
                all.push(r);
                true
            })?;
            all.sort_by_key(|r| (r.start, r.order));
            let mut sweep = Sweep::new(&trace, launch, phases.len(), Some(counts.max_ts));
            for r in all {
                sweep.push(r).expect("sorted ranges with a known end are always taken");
            }
            (sweep.finish(), counts)
        }
    };
    let attr = Attribution::from_sweep(out, phases, |k| names.full_name(k, &interner));
    progress(&format!(
        "NVTX: {} ranges ({} names) streamed and attributed{} ({:.2} s)",
        group(attr.range_instances),
        attr.range_names.len(),
        if failed { ", after sorting (rows out of time order)" } else { "" },
        t.elapsed().as_secs_f64()
    ));
    counts.notes(&mut trace.info.notes);
    trace.names = interner.names;
    Ok((trace, attr))
}

/// NVTX ranges decoded ahead of the sweep at most (each about 3 MB at 65,536 rows): enough to keep the reader
/// threads busy while the launch join runs, and at least two per thread.
fn nvtx_window(opts: &ReadOptions) -> usize {
    (2 * opts.threads + 2).max(16)
}

/// An open export with its operations loaded (NVTX not read yet).
struct Base {
    conn: Connection,
    tables: HashSet<String>,
    strings: StringTable,
    interner: Interner,
    trace: Trace,
    /// Launching API call per op (index into `trace.api`), [`NONE`] when none.
    launch: Vec<u32>,
}

/// API names that can launch GPU work (kernels, copies, sets, graphs); other API rows are not kept.
fn is_launch_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    ["launch", "memcpy", "memset", "graph", "prefetch"].iter().any(|p| n.contains(p))
}

/// `1234567` as `1,234,567`.
fn group(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Opens the export and reads the GPU ops and the CUDA API calls that can launch them (not joined yet).
fn load_ops_unjoined(path: &Path, opts: &ReadOptions, progress: Progress<'_>) -> Result<(Base, ApiRead)> {
    let t0 = std::time::Instant::now();
    let conn = open(path)?;
    let tables: HashSet<String> = {
        let mut stmt = conn
            .prepare("SELECT name FROM sqlite_master WHERE type IN ('table','view')")
            .map_err(|e| classify_sqlite_error(path, e))?;
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(|e| classify_sqlite_error(path, e))?;
        rows.collect::<std::result::Result<_, _>>().map_err(|e| classify_sqlite_error(path, e))?
    };
    if !NSYS_MARKER_TABLES.iter().any(|t| tables.contains(*t)) {
        return Err(AnalyzeError::NotNsysExport { path: path.to_path_buf() });
    }
    let mut trace = Trace::default();
    let mut interner = Interner::default();
    let mut strings = StringTable::default();
    let api = {
        let rd = Reader { conn: &conn, path, tables: &tables };
        trace.info.file = path.display().to_string();
        let mut present: Vec<String> = tables
            .iter()
            .filter(|t| t.starts_with("CUPTI_ACTIVITY_KIND_") || *t == "NVTX_EVENTS")
            .cloned()
            .collect();
        present.sort();
        trace.info.tables = present;
        read_metadata(&rd, &mut trace.info)?;
        rd.scan("StringIds", &["id", "value"], "", |v| {
            let id = rd.req(v[0], "StringIds", "id")?;
            strings.map.insert(id, text_of(v[1]).unwrap_or_default().into_boxed_str());
            Ok(())
        })?;
        let launch_like: rustc_hash::FxHashSet<i64> =
            strings.map.iter().filter(|(_, v)| is_launch_name(v)).map(|(k, _)| *k).collect();
        // The CUDA API table (usually the largest) is read in rowid ranges by reader threads while this one reads
        // the GPU ops; then this one takes ranges too.
        let (sel, filtered) = api_select(&rd, Some(&launch_like))?;
        let q: Queue<ApiRead> = Queue::new(sel.as_ref().map(|s| rd.ranges(s, opts)).unwrap_or_default());
        let ops = std::thread::scope(|s| {
            if let Some(sel) = &sel {
                spawn_api_readers(s, path, &tables, sel, &q, None, opts.threads);
            }
            let ops = read_ops(&rd, &strings, &mut interner, &mut trace);
            if ops.is_err() {
                q.cancel();
            } else {
                progress(&format!(
                    "GPU ops: {} kernels, {} memcpy/memset read ({:.2} s)",
                    group(trace.kernels.len() as u64),
                    group(trace.memops.len() as u64),
                    t0.elapsed().as_secs_f64()
                ));
                if let Some(sel) = &sel {
                    q.work(|r| read_api_range(&rd, sel, r, None));
                }
            }
            ops
        });
        ops?;
        let api = api_results(path, q, filtered)?;
        progress(&format!("CUDA API: {} rows that can launch GPU work read ({:.2} s)", group(api.rows), t0.elapsed().as_secs_f64()));
        api
    };
    Ok((Base { conn, tables, strings, interner, trace, launch: Vec::new() }, api))
}

/// [`load_ops_unjoined`], then the launch join.
fn load_ops(path: &Path, opts: &ReadOptions, progress: Progress<'_>) -> Result<Base> {
    let (mut base, api) = load_ops_unjoined(path, opts, progress)?;
    base.launch = join_step(path, &base.conn, &base.tables, &mut base.trace, api, opts, progress)?;
    Ok(base)
}

/// The launch join with its progress line, then [`Trace::sanitize`].
fn join_step(
    path: &Path,
    conn: &Connection,
    tables: &HashSet<String>,
    trace: &mut Trace,
    api: ApiRead,
    opts: &ReadOptions,
    progress: Progress<'_>,
) -> Result<Vec<u32>> {
    let t = std::time::Instant::now();
    let launch = join_launches(&Reader { conn, path, tables }, trace, api, opts)?;
    progress(&format!(
        "launch join: {} of {} ops matched to their API call ({:.2} s)",
        group(launch.iter().filter(|&&l| l != NONE).count() as u64),
        group(launch.len() as u64),
        t.elapsed().as_secs_f64()
    ));
    trace.sanitize();
    Ok(launch)
}

/// Timestamps beyond ±2^60 ns (36 years) cannot come from a profiling clock (and any two of them subtract
/// without overflow).
pub const MAX_ABS_TIMESTAMP_NS: i64 = 1 << 60;
/// True for a timestamp no profiling clock gives: beyond ±[`MAX_ABS_TIMESTAMP_NS`].
fn off_clock(ts: i64) -> bool {
    ts.unsigned_abs() > MAX_ABS_TIMESTAMP_NS as u64
}

/// The note for `n` rows of `table` left out as implausible.
fn excluded_note(n: u64, table: &str, why: &str, consequence: &str) -> String {
    format!("{n} row(s) of {table} excluded as implausible ({why}); {consequence}")
}

/// A single GPU operation lasting more than a day is not a measurement.
pub const MAX_OP_NS: i64 = 86_400_000_000_000;
/// Device ordinals above this are not real devices.
pub const MAX_DEVICE_ID: i64 = 65_535;
/// A single copy or set of more than 1 PiB is not a measurement.
pub const MAX_OP_BYTES: i64 = 1 << 50;

/// Why an op row cannot be a measurement (timestamps out of any clock's range, longer than [`MAX_OP_NS`],
/// device or stream ids that are not ids, byte counts outside 0..=[`MAX_OP_BYTES`]); `None` when plausible. A row
/// that ends before it starts is plausible here: [`Trace::sanitize`] counts it as 0 ns, as before.
fn implausible(start: i64, end: i64, device: i64, stream: i64, bytes: Option<i64>) -> Option<&'static str> {
    if off_clock(start) || off_clock(end) {
        Some(OFF_CLOCK)
    } else if end as i128 - start as i128 > MAX_OP_NS as i128 {
        Some("longer than a day")
    } else if !(0..=MAX_DEVICE_ID).contains(&device) {
        Some("deviceId outside 0..=65535")
    } else if i32::try_from(stream).is_err() {
        Some("streamId outside 32 bits")
    } else if bytes.is_some_and(|b| !(0..=MAX_OP_BYTES).contains(&b)) {
        Some("bytes outside 0..=1 PiB")
    } else {
        None
    }
}

/// Why a row with [`off_clock`] timestamps is left out.
const OFF_CLOCK: &str = "timestamps beyond ±2^60 ns";

/// Rows left out as implausible, per table and reason, for the report's notes.
#[derive(Default)]
struct Excluded(BTreeMap<(&'static str, &'static str), u64>);

impl Excluded {
    fn add(&mut self, table: &'static str, why: &'static str) {
        *self.0.entry((table, why)).or_insert(0) += 1;
    }

    fn notes(&self, notes: &mut Vec<String>) {
        for ((table, why), n) in &self.0 {
            notes.push(excluded_note(*n, table, why, "they are in no table"));
        }
    }
}

/// Kernels, memcpys and memsets.
fn read_ops(rd: &Reader<'_>, strings: &StringTable, interner: &mut Interner, trace: &mut Trace) -> Result<()> {
    let kt = "CUPTI_ACTIVITY_KIND_KERNEL";
    let kcols = KERNEL_COLUMNS;
    let mut configs: FxHashMap<([u32; 3], [u32; 3]), u32> = FxHashMap::default();
    let dim = |x: i64| x.clamp(0, u32::MAX as i64) as u32;
    let mut excluded = Excluded::default();
    rd.scan(kt, &kcols, "", |v| {
        let g = |i: usize| rd.int(v[i], kt, kcols[i]).map(|x| x.unwrap_or(0));
        let start = rd.req(v[0], kt, "start")?;
        let end = rd.req(v[1], kt, "end")?;
        if let Some(why) = implausible(start, end, g(2)?, g(3)?, None) {
            excluded.add(kt, why);
            return Ok(());
        }
        let demangled = rd.int(v[6], kt, "demangledName")?;
        let short = rd.int(v[7], kt, "shortName")?;
        let name = interner.intern_sid(strings, demangled.or(short));
        let short_name = interner.intern_sid(strings, short.or(demangled));
        let cfg = ([dim(g(8)?), dim(g(9)?), dim(g(10)?)], [dim(g(11)?), dim(g(12)?), dim(g(13)?)]);
        let n = configs.len() as u32;
        let config = *configs.entry(cfg).or_insert_with(|| {
            trace.launch_configs.push(cfg);
            n
        });
        trace.kernels.push(Kernel {
            start,
            end,
            correlation: g(4)?,
            global_pid: g(5)?,
            device: g(2)? as i32,
            stream: g(3)? as i32,
            name,
            short_name,
            config,
        });
        Ok(())
    })?;
    for (table, is_set) in [("CUPTI_ACTIVITY_KIND_MEMCPY", false), ("CUPTI_ACTIVITY_KIND_MEMSET", true)] {
        let cols = MEMOP_COLUMNS;
        rd.scan(table, &cols, "", |v| {
            let g = |i: usize| rd.int(v[i], table, cols[i]).map(|x| x.unwrap_or(0));
            let (start, end) = (rd.req(v[0], table, "start")?, rd.req(v[1], table, "end")?);
            if let Some(why) = implausible(start, end, g(2)?, g(3)?, Some(g(6)?)) {
                excluded.add(table, why);
                return Ok(());
            }
            trace.memops.push(MemOp {
                start,
                end,
                correlation: g(4)?,
                global_pid: g(5)?,
                bytes: g(6)?,
                device: g(2)? as i32,
                stream: g(3)? as i32,
                kind: if is_set { MemKind::Set } else { MemKind::Copy(g(7)?.clamp(-1, 1 << 16) as i32) },
            });
            Ok(())
        })?;
    }
    excluded.notes(&mut trace.info.notes);
    if interner.dangling > 0 {
        trace.info.notes.push(format!(
            "{} kernel name lookup(s) refer to ids missing from StringIds; those kernels are named [unknown string id]",
            interner.dangling
        ));
    }
    Ok(())
}

/// Rows of the CUDA API table kept for the launch join.
#[derive(Default)]
struct ApiRead {
    calls: Vec<ApiCall>,
    /// Rows read (after the SQL filter).
    rows: u64,
    backtrace: u64,
    /// Rows left out for timestamps beyond ±[`MAX_ABS_TIMESTAMP_NS`].
    implausible: u64,
    /// Rows were left out by the launch-name filter (in SQL), so a call under an unexpected name may be missing.
    filtered: bool,
}

/// The query of the CUDA API table: runtime (eventClass 0) and driver (1) calls, plus the backtrace duplicates
/// (67, counted then dropped). With `launch_like`, SQLite itself skips the calls whose name id is not in it (most API
/// rows are synchronizations, queries and allocations: they are never decoded). Returns the query and whether rows
/// were filtered out.
fn api_select(rd: &Reader<'_>, launch_like: Option<&rustc_hash::FxHashSet<i64>>) -> Result<(Option<Select>, bool)> {
    let rt = "CUPTI_ACTIVITY_KIND_RUNTIME";
    let mut cond = String::new();
    let mut filtered = false;
    if let Some(set) = launch_like {
        let present = if rd.has(rt) { rd.columns(rt)? } else { HashSet::new() };
        if present.contains("nameId") {
            let mut ids: Vec<i64> = set.iter().copied().collect();
            ids.sort_unstable();
            let list = ids.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(",");
            let backtrace = if present.contains("eventClass") { format!(" OR \"eventClass\" = {EVENT_CLASS_BACKTRACE}") } else { String::new() };
            cond = format!("\"nameId\" IS NULL OR \"nameId\" IN ({list}){backtrace}");
            filtered = true;
        }
    }
    Ok((rd.select(rt, &RUNTIME_COLUMNS, &cond)?, filtered))
}

/// Reads the API rows of `range`; with `only`, only calls whose (process, correlation) is in it are kept.
fn read_api_range(rd: &Reader<'_>, sel: &Select, range: Range, only: Option<&rustc_hash::FxHashSet<(i64, i64)>>) -> Result<ApiRead> {
    let rt = "CUPTI_ACTIVITY_KIND_RUNTIME";
    let mut out = ApiRead::default();
    rd.run(sel, range, |v| {
        out.rows += 1;
        if rd.int(v[5], rt, "eventClass")? == Some(EVENT_CLASS_BACKTRACE) {
            out.backtrace += 1;
            return Ok(());
        }
        let global_tid = rd.int(v[2], rt, "globalTid")?.unwrap_or(0);
        let correlation = rd.int(v[3], rt, "correlationId")?.unwrap_or(-1);
        if only.is_some_and(|o| !o.contains(&(process_key(global_tid), correlation))) {
            return Ok(());
        }
        let (start, end) = (rd.req(v[0], rt, "start")?, rd.req(v[1], rt, "end")?);
        if off_clock(start) || off_clock(end) {
            out.implausible += 1;
            return Ok(());
        }
        out.calls.push(ApiCall { start, end, global_tid, correlation });
        Ok(())
    })?;
    Ok(out)
}

/// Puts the ranges read by a [`Queue`] back together (the first error in range order wins).
fn api_results(path: &Path, q: Queue<ApiRead>, filtered: bool) -> Result<ApiRead> {
    let mut parts = q.results().ok_or_else(|| AnalyzeError::Corrupt { path: path.to_path_buf(), detail: "the CUDA API reader failed".into() })??;
    let mut out = ApiRead { filtered, ..Default::default() };
    out.calls.reserve_exact(parts.iter().map(|p| p.calls.len()).sum());
    for p in &mut parts {
        out.rows += p.rows;
        out.backtrace += p.backtrace;
        out.implausible += p.implausible;
        out.calls.append(&mut p.calls);
    }
    Ok(out)
}

/// Reads the whole API table (with `only`, just those calls) on the calling thread and `opts.threads` others.
fn read_api_all(rd: &Reader<'_>, opts: &ReadOptions, only: &rustc_hash::FxHashSet<(i64, i64)>) -> Result<ApiRead> {
    let (sel, _) = api_select(rd, None)?;
    let Some(sel) = sel else { return Ok(ApiRead::default()) };
    let q: Queue<ApiRead> = Queue::new(rd.ranges(&sel, opts));
    std::thread::scope(|s| {
        spawn_api_readers(s, rd.path, rd.tables, &sel, &q, Some(only), opts.threads);
        q.work(|r| read_api_range(rd, &sel, r, Some(only)));
    });
    api_results(rd.path, q, false)
}

/// Starts `n` threads that read ranges of `q` with `sel`, each on its own connection (a thread that cannot open
/// one reads nothing: the calling thread takes what is left).
fn spawn_api_readers<'s>(
    s: &'s std::thread::Scope<'s, '_>,
    path: &'s Path,
    tables: &'s HashSet<String>,
    sel: &'s Select,
    q: &'s Queue<ApiRead>,
    only: Option<&'s rustc_hash::FxHashSet<(i64, i64)>>,
    n: usize,
) {
    for _ in 0..n {
        s.spawn(move || {
            if let Ok(conn) = open(path) {
                let other = Reader { conn: &conn, path, tables };
                q.work(|r| read_api_range(&other, sel, r, only));
            }
        });
    }
}

/// Joins every op to its launching call (first API row with the op's process and correlation id) and keeps
/// only the calls that launched something.
fn join_launches(rd: &Reader<'_>, trace: &mut Trace, mut api: ApiRead, opts: &ReadOptions) -> Result<Vec<u32>> {
    trace.api_rows = api.rows;
    if api.implausible > 0 {
        trace.info.notes.push(excluded_note(api.implausible, "CUPTI_ACTIVITY_KIND_RUNTIME", OFF_CLOCK, "ops they launched are not attributed"));
    }
    if api.backtrace > 0 {
        trace.info.notes.push(format!(
            "{} duplicate \"CUDA backtrace\" API rows (eventClass 67) were ignored; `nsys stats` counts them, so its NVTX kernel sums can be higher on this file",
            api.backtrace
        ));
    }
    let mut launch = crate::correlate::lookup_launches(&api.calls, trace.op_keys());
    // Safety net: a launch under a name the filter does not know. Read the whole API table again for those ops.
    if api.filtered && launch.contains(&NONE) {
        let missing: rustc_hash::FxHashSet<(i64, i64)> =
            launch.iter().zip(trace.op_keys()).filter(|(l, _)| **l == NONE).map(|(_, k)| k).collect();
        let extra = read_api_all(rd, opts, &missing)?;
        trace.api_rows = extra.rows;
        let offset = api.calls.len() as u32;
        let found = crate::correlate::lookup_launches(&extra.calls, trace.op_keys());
        for (l, f) in launch.iter_mut().zip(found) {
            if *l == NONE && f != NONE {
                *l = offset + f;
            }
        }
        api.calls.extend(extra.calls);
    }
    // Keep only the calls that launched an op, in table order.
    let mut used = vec![NONE; api.calls.len()];
    for &l in &launch {
        if l != NONE {
            used[l as usize] = 0;
        }
    }
    let mut j = 0usize;
    for (i, u) in used.iter_mut().enumerate() {
        if *u != NONE {
            *u = j as u32;
            api.calls.swap(i, j);
            j += 1;
        }
    }
    api.calls.truncate(j);
    for l in &mut launch {
        if *l != NONE {
            *l = used[*l as usize];
        }
    }
    drop(used);
    trace.api = api.calls;
    Ok(launch)
}

fn read_metadata(rd: &Reader<'_>, info: &mut TraceInfo) -> Result<()> {
    let mut meta: BTreeMap<String, String> = BTreeMap::new();
    for t in ["META_DATA_EXPORT", "EXPORT_META_DATA"] {
        rd.scan(t, &["name", "value"], "", |v| {
            if let (Some(k), Some(val)) = (text_of(v[0]), text_of(v[1])) {
                meta.entry(k).or_insert(val);
            }
            Ok(())
        })?;
    }
    info.nsys_version = meta.get("EXPORT_PRODUCT_VERSION").cloned().unwrap_or_else(|| "unknown".into());
    info.schema_version = meta.get("EXPORT_SCHEMA_VERSION").cloned().unwrap_or_else(|| "unknown".into());
    let t = "TARGET_INFO_GPU";
    let cols = ["id", "cuDevice", "name", "memoryBandwidth", "smCount", "totalMemory", "computeMajor", "computeMinor"];
    rd.scan(t, &cols, "", |v| {
        let g = |i: usize| rd.int(v[i], t, cols[i]);
        let device = g(1)?.or(g(0)?).unwrap_or(0);
        let cc = match (g(6)?, g(7)?) {
            (Some(a), Some(b)) => format!("{a}.{b}"),
            _ => String::new(),
        };
        info.gpus.push(GpuInfo {
            device,
            name: text_of(v[2]).unwrap_or_default(),
            memory_bandwidth_bps: g(3)?.unwrap_or(0),
            sm_count: g(4)?.unwrap_or(0),
            total_memory_bytes: g(5)?.unwrap_or(0),
            compute_capability: cc,
        });
        Ok(())
    })?;
    info.gpus.sort_by(|a, b| a.device.cmp(&b.device).then(a.name.cmp(&b.name)));
    Ok(())
}

/// Names of NVTX ranges while the table streams: a range's key is its (domain, process, base name); the domain's
/// name (from its creation event, which may come later in the table) is only applied at the end.
#[derive(Default)]
struct NvtxNames {
    pairs: FxHashMap<(i64, i64, u32), u32>,
    keys: Vec<(i64, i64, u32)>,
    /// (domainId, process) -> (start, name) of the earliest creation event, as nsys's reports do.
    domains: FxHashMap<(i64, i64), (i64, String)>,
    phase_of_base: FxHashMap<u32, Option<u8>>,
}

impl NvtxNames {
    fn key(&mut self, domain: i64, process: i64, base: u32) -> u32 {
        let k = if domain == 0 { (0, 0, base) } else { (domain, process, base) };
        let n = self.keys.len() as u32;
        let id = *self.pairs.entry(k).or_insert(n);
        if id == n {
            self.keys.push(k);
        }
        id
    }

    /// `domain:name` when the domain is named, else the name.
    fn full_name(&self, key: u32, interner: &Interner) -> String {
        let (d, p, base) = self.keys[key as usize];
        let base = &interner.names[base as usize];
        match self.domains.get(&(d, p)) {
            Some((_, dn)) => format!("{dn}:{base}"),
            None => base.clone(),
        }
    }
}

/// What reading the NVTX table noticed.
#[derive(Debug, Default, Clone, Copy)]
struct NvtxCounts {
    open: u64,
    reversed: u64,
    cross: u64,
    /// Rows left out for timestamps beyond ±[`MAX_ABS_TIMESTAMP_NS`].
    implausible: u64,
    /// Last timestamp of the table (start or end of any row).
    max_ts: i64,
}

impl NvtxCounts {
    fn notes(&self, notes: &mut Vec<String>) {
        if self.open > 0 {
            notes.push(format!("{} NVTX range(s) were never closed; they are taken to end at the last NVTX timestamp, as nsys does", self.open));
        }
        if self.reversed > 0 {
            notes.push(format!("{} NVTX range(s) end before they start; they contain no GPU work", self.reversed));
        }
        if self.implausible > 0 {
            notes.push(excluded_note(self.implausible, "NVTX_EVENTS", OFF_CLOCK, "they are in no table"));
        }
        if self.cross > 0 {
            notes.push(format!("{} NVTX range(s) end on another thread; like nsys, no GPU work is attributed to them", self.cross));
        }
    }
}

/// One NVTX range row as a reader thread decodes it (names are indices into its range's [`NvtxChunk::names`]).
#[derive(Debug, Clone, Copy)]
struct NvtxRow {
    start: i64,
    /// End, ns (meaningful with [`NVTX_HAS_END`]).
    end: i64,
    tid: i64,
    domain: i64,
    name: u32,
    flags: u8,
}

const NVTX_HAS_END: u8 = 1;
const NVTX_CROSS: u8 = 2;
const NVTX_PUSH_POP: u8 = 4;

/// The range rows of one rowid range of `NVTX_EVENTS`, decoded without touching shared state.
#[derive(Default)]
struct NvtxChunk {
    rows: Vec<NvtxRow>,
    /// Distinct range names, in order of first appearance.
    names: Vec<String>,
    /// Domain creations: (domainId, process, start, name).
    domains: Vec<(i64, i64, i64, String)>,
    /// Last timestamp (start or end) of any row.
    max_ts: i64,
    /// Rows left out for timestamps beyond ±[`MAX_ABS_TIMESTAMP_NS`].
    implausible: u64,
}

/// Decodes the rows of `range`: a range's name is its `textId` string, else its `text`.
fn decode_nvtx(rd: &Reader<'_>, sel: &Select, range: Range, strings: &StringTable) -> Result<NvtxChunk> {
    let t = "NVTX_EVENTS";
    let mut c = NvtxChunk { max_ts: i64::MIN, ..Default::default() };
    let mut by_id: FxHashMap<i64, u32> = FxHashMap::default();
    let mut by_text: FxHashMap<Box<[u8]>, u32> = FxHashMap::default();
    let mut unnamed: Option<u32> = None;
    fn add(names: &mut Vec<String>, s: String) -> u32 {
        names.push(s);
        names.len() as u32 - 1
    }
    // A name given as text (not a string id): one entry per distinct byte string.
    fn by_bytes(by_text: &mut FxHashMap<Box<[u8]>, u32>, names: &mut Vec<String>, b: &[u8]) -> u32 {
        if let Some(&n) = by_text.get(b) {
            return n;
        }
        let n = add(names, String::from_utf8_lossy(b).into_owned());
        by_text.insert(b.into(), n);
        n
    }
    rd.run(sel, range, |v| {
        let start = rd.req(v[0], t, "start")?;
        let end = rd.int(v[1], t, "end")?;
        if off_clock(start) || end.is_some_and(off_clock) {
            c.implausible += 1;
            return Ok(());
        }
        c.max_ts = c.max_ts.max(start).max(end.unwrap_or(i64::MIN));
        let ty = rd.int(v[2], t, "eventType")?.unwrap_or(-1);
        let tid = rd.int(v[5], t, "globalTid")?.unwrap_or(0);
        let domain = rd.int(v[7], t, "domainId")?.unwrap_or(0);
        if ty == EVENT_DOMAIN_CREATE {
            let process = process_key(tid) & 0xFFFF_FFFF_FFFF;
            c.domains.push((domain, process, start, text_of(v[3]).unwrap_or_default()));
            return Ok(());
        }
        if !RANGE_EVENT_TYPES.contains(&ty) {
            return Ok(());
        }
        let text_id = rd.int(v[4], t, "textId")?;
        let name = match (text_id.and_then(|id| strings.get(id).map(|s| (id, s))), v[3]) {
            (Some((id, s)), _) => *by_id.entry(id).or_insert_with(|| add(&mut c.names, s.to_string())),
            (None, ValueRef::Text(b)) | (None, ValueRef::Blob(b)) => by_bytes(&mut by_text, &mut c.names, b),
            (None, ValueRef::Null) => *unnamed.get_or_insert_with(|| add(&mut c.names, "[unnamed range]".into())),
            (None, other) => by_bytes(&mut by_text, &mut c.names, text_of(other).unwrap_or_default().as_bytes()),
        };
        let end_tid = rd.int(v[6], t, "endGlobalTid")?;
        let mut flags = 0;
        if end.is_some() {
            flags |= NVTX_HAS_END;
        }
        if end_tid.is_some() {
            flags |= NVTX_CROSS;
        }
        if ty == 59 || ty == 70 {
            flags |= NVTX_PUSH_POP;
        }
        c.rows.push(NvtxRow { start, end: end.unwrap_or(0), tid, domain, name, flags });
        Ok(())
    })?;
    Ok(c)
}

/// Turns decoded NVTX chunks, in table order, into [`RangeIn`]s: names interned and keyed, phases looked up, the
/// table's notes counted.
struct NvtxFold<'p> {
    phases: &'p [String],
    counts: NvtxCounts,
    order: u64,
    base: Vec<u32>,
}

impl<'p> NvtxFold<'p> {
    fn new(phases: &'p [String]) -> Self {
        NvtxFold { phases, counts: NvtxCounts { max_ts: i64::MIN, ..Default::default() }, order: 0, base: Vec::new() }
    }

    /// Feeds the ranges of `c` to `sink` until it returns false (then returns false).
    fn feed(&mut self, c: NvtxChunk, interner: &mut Interner, names: &mut NvtxNames, sink: &mut impl FnMut(RangeIn) -> bool) -> bool {
        let counts = &mut self.counts;
        counts.max_ts = counts.max_ts.max(c.max_ts);
        counts.implausible += c.implausible;
        for (domain, process, start, name) in c.domains {
            let e = names.domains.entry((domain, process)).or_insert((start, name.clone()));
            if start < e.0 {
                *e = (start, name);
            }
        }
        self.base.clear();
        self.base.extend(c.names.iter().map(|n| interner.intern(n)));
        for r in c.rows {
            let b = self.base[r.name as usize];
            let process = process_key(r.tid) & 0xFFFF_FFFF_FFFF;
            let key = names.key(r.domain, process, b);
            let phases = self.phases;
            let phase = *names
                .phase_of_base
                .entry(b)
                .or_insert_with(|| crate::classes::phase_of(&interner.names[b as usize], phases).map(|p| p as u8));
            let end = (r.flags & NVTX_HAS_END != 0).then_some(r.end);
            match end {
                None => counts.open += 1,
                Some(e) if e < r.start => counts.reversed += 1,
                _ => {}
            }
            // nsys's reports skip every range with an `endGlobalTid` (ended through nvtxRangeEnd elsewhere).
            let cross_thread = r.flags & NVTX_CROSS != 0;
            if cross_thread {
                counts.cross += 1;
            }
            let range = RangeIn {
                start: r.start,
                end,
                global_tid: r.tid,
                cross_thread,
                style: if r.flags & NVTX_PUSH_POP != 0 { RangeStyle::PushPop } else { RangeStyle::StartEnd },
                key,
                phase,
                order: self.order,
            };
            self.order += 1;
            if !sink(range) {
                return false;
            }
        }
        true
    }

    fn finish(mut self) -> NvtxCounts {
        if self.counts.max_ts == i64::MIN {
            self.counts.max_ts = 0;
        }
        self.counts
    }
}

/// Streams the range events of `NVTX_EVENTS` into `sink` (in table order) until it returns false. Rowid ranges of
/// the table are decoded on reader threads ahead of the sink (at most a few ranges waiting).
fn read_nvtx(
    rd: &Reader<'_>,
    opts: &ReadOptions,
    strings: &StringTable,
    interner: &mut Interner,
    names: &mut NvtxNames,
    phases: &[String],
    mut sink: impl FnMut(RangeIn) -> bool,
) -> Result<NvtxCounts> {
    let mut fold = NvtxFold::new(phases);
    let src = NvtxSource::new(rd, opts, strings)?;
    let path = rd.path;
    let open = || open(path);
    let decode = |conn: &Connection, range: Range| src.decode(conn, range);
    let mut consume = |c: NvtxChunk| Ok(fold.feed(c, interner, names, &mut sink));
    crate::parscan::ordered(path, rd.conn, &src.ranges, opts.threads, nvtx_window(opts), &open, &decode, &mut consume)?;
    Ok(fold.finish())
}

/// The NVTX table as the readers take it: its query and rowid ranges (no range when the table is missing).
struct NvtxSource<'a> {
    path: &'a Path,
    tables: &'a HashSet<String>,
    strings: &'a StringTable,
    sel: Option<Select>,
    ranges: Vec<Range>,
}

impl<'a> NvtxSource<'a> {
    fn new(rd: &Reader<'a>, opts: &ReadOptions, strings: &'a StringTable) -> Result<Self> {
        let sel = rd.select("NVTX_EVENTS", &NVTX_COLUMNS, "")?;
        let ranges = sel.as_ref().map(|s| rd.ranges(s, opts)).unwrap_or_default();
        Ok(NvtxSource { path: rd.path, tables: rd.tables, strings, sel, ranges })
    }

    /// Decodes `range` on `conn` (any connection to the same file).
    fn decode(&self, conn: &Connection, range: Range) -> Result<NvtxChunk> {
        match &self.sel {
            Some(sel) => decode_nvtx(&Reader { conn, path: self.path, tables: self.tables }, sel, range, self.strings),
            None => Ok(NvtxChunk::default()),
        }
    }
}

/// Resolves a `.nsys-rep`/`.qdrep` to an SQLite export through `nsys export`, written into `out_dir` as
/// `<stem>.sqlite`, with `<stem>.sqlite.source` beside it naming the report it came from (path, size, mtime).
/// An export made earlier from the same unchanged report is reused; a `<stem>.sqlite` that this tool did not
/// make from this report is never overwritten (an error says what to do). Any other path is returned unchanged.
pub fn ensure_sqlite(path: &Path, out_dir: &Path) -> Result<PathBuf> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    if ext != "nsys-rep" && ext != "qdrep" {
        return Ok(path.to_path_buf());
    }
    crate::fsutil::check_input(path)?;
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "report".into());
    let out = out_dir.join(format!("{stem}.sqlite"));
    let source_file = out_dir.join(format!("{stem}.sqlite.source"));
    let meta = std::fs::metadata(path).map_err(|source| AnalyzeError::Unreadable { path: path.to_path_buf(), source })?;
    let abs = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let mtime = meta.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).map_or(0, |d| d.as_nanos());
    let stamp = format!("{}\n{}\n{}\n", abs.display(), meta.len(), mtime);
    if out.exists() {
        let ours = std::fs::read_to_string(&source_file).ok();
        match ours {
            Some(s) if s == stamp => return Ok(out),
            // Made by this tool from a report of the same path that has changed since: export again.
            Some(s) if s.lines().next() == stamp.lines().next() => {}
            _ => {
                return Err(AnalyzeError::BadInput {
                    path: path.to_path_buf(),
                    detail: format!(
                        "would be exported to '{}', which already exists and was not exported by latency-anatomy from this report; analyze that .sqlite directly, move it away, or choose another --out",
                        out.display()
                    ),
                })
            }
        }
    }
    let nsys = find_on_path("nsys").ok_or_else(|| AnalyzeError::NsysMissing { path: path.to_path_buf() })?;
    std::fs::create_dir_all(out_dir).map_err(|source| AnalyzeError::Write { path: out_dir.to_path_buf(), source })?;
    // Exported under a temporary name, renamed when complete: no half-written export ever has the final name.
    let tmp = out_dir.join(format!(".{stem}.{}.partial.sqlite", std::process::id()));
    let argv = nsys_export_argv(path, &tmp);
    let output = std::process::Command::new(&nsys)
        .args(&argv)
        .output()
        .map_err(|source| AnalyzeError::Unreadable { path: nsys.clone(), source })?;
    if !output.status.success() || !tmp.exists() {
        let _ = std::fs::remove_file(&tmp);
        let stderr = String::from_utf8_lossy(&output.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(3).collect();
        return Err(AnalyzeError::NsysExportFailed {
            path: path.to_path_buf(),
            status: output.status.to_string(),
            stderr: tail.into_iter().rev().collect::<Vec<_>>().join(" | "),
        });
    }
    std::fs::rename(&tmp, &out).map_err(|source| AnalyzeError::Write { path: out.clone(), source })?;
    crate::write_atomic(&source_file, stamp.as_bytes())?;
    Ok(out)
}

/// The argv (without the program) of the `nsys export` call that turns a report into SQLite.
pub fn nsys_export_argv(report: &Path, out: &Path) -> Vec<std::ffi::OsString> {
    vec![
        "export".into(),
        "--type".into(),
        "sqlite".into(),
        "--force-overwrite".into(),
        "true".into(),
        "--output".into(),
        out.as_os_str().to_owned(),
        report.as_os_str().to_owned(),
    ]
}

/// Finds an executable on PATH.
pub fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join(name)).find(|p| p.is_file())
}
