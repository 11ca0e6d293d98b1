//! Reading an nsys SQLite export into plain vectors.
//!
//! The export's schema changes with every nsys release (see `../shared/SCHEMA_NOTES.md`): tables are created
//! lazily (a missing table means zero rows), columns are added over time, and downstream tools add their own.
//! So every table is probed with `PRAGMA table_info` and read by column name; a column that does not exist is
//! read as NULL. The file is opened read-only and `immutable`, so SQLite never writes to it (no journal, no
//! lock file), whatever happens.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};

use crate::error::{AnalyzeError, Result};

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
    /// CUDA device ordinal (`deviceId`).
    pub device: i64,
    /// CUDA stream id.
    pub stream: i64,
    /// Correlation id of the launching API call.
    pub correlation: i64,
    /// Serialized process id (TID bits zero).
    pub global_pid: i64,
    /// Index of the demangled name in [`Trace::names`].
    pub name: u32,
    /// Index of the short (base) name in [`Trace::names`].
    pub short_name: u32,
    /// Grid size x, y, z.
    pub grid: [i64; 3],
    /// Block size x, y, z.
    pub block: [i64; 3],
}

/// Kind of a memory operation on the GPU.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MemKind {
    /// A memcpy with its CUPTI `copyKind` (1 HtoD, 2 DtoH, 8 DtoD, 10 PtoP, ...).
    Copy(i64),
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
    /// CUDA device ordinal.
    pub device: i64,
    /// Stream id.
    pub stream: i64,
    /// Correlation id of the API call.
    pub correlation: i64,
    /// Serialized process id.
    pub global_pid: i64,
    /// Bytes moved or set.
    pub bytes: i64,
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
    /// Index of the API name (version suffix kept) in [`Trace::names`].
    pub name: u32,
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

/// One GPU from `TARGET_INFO_GPU`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct GpuInfo {
    /// CUDA device ordinal (`cuDevice`, else `id`).
    pub device: i64,
    /// Marketing name.
    pub name: String,
    /// Peak DRAM bandwidth, bytes/s (0 when unknown).
    pub memory_bandwidth_bps: i64,
    /// SM count (0 when unknown).
    pub sm_count: i64,
    /// Total memory, bytes (0 when unknown).
    pub total_memory_bytes: i64,
    /// Compute capability "major.minor" ("" when unknown).
    pub compute_capability: String,
}

/// What is known about the export itself.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct TraceInfo {
    /// Path of the analyzed file.
    pub file: String,
    /// nsys product version (`EXPORT_PRODUCT_VERSION`), "unknown" when the export has no metadata table.
    pub nsys_version: String,
    /// Export schema version, "unknown" when absent.
    pub schema_version: String,
    /// GPUs of the target.
    pub gpus: Vec<GpuInfo>,
    /// Names of the activity tables present.
    pub tables: Vec<String>,
    /// Remarks about suspect data (open ranges, API calls missing, ...), for the report.
    pub notes: Vec<String>,
}

/// An nsys export loaded in memory.
#[derive(Debug, Default)]
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
    /// Rows of the API table read (all of them, launches or not).
    pub api_rows: u64,
    /// NVTX ranges.
    pub ranges: Vec<NvtxRange>,
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
}

/// Interns strings so that every distinct name is stored once.
#[derive(Default)]
struct Interner {
    names: Vec<String>,
    index: HashMap<String, u32>,
    /// StringIds id -> interned index.
    by_string_id: HashMap<i64, u32>,
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

/// A reader over one open export.
struct Reader<'a> {
    conn: &'a Connection,
    path: &'a Path,
    tables: HashSet<String>,
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

    /// Runs `SELECT <cols> FROM table [WHERE]`, with NULL for missing columns, calling `f` on each row of raw values.
    /// At most 16 columns.
    fn scan(
        &self,
        table: &str,
        wanted: &[&str],
        filter: &str,
        mut f: impl FnMut(&[ValueRef<'_>]) -> Result<()>,
    ) -> Result<()> {
        if !self.has(table) {
            return Ok(());
        }
        let present = self.columns(table)?;
        let select: Vec<String> = wanted
            .iter()
            .map(|c| if present.contains(*c) { format!("\"{c}\"") } else { "NULL".to_string() })
            .collect();
        let sql = format!("SELECT {} FROM \"{table}\" {filter}", select.join(", "));
        let mut stmt = self.conn.prepare(&sql).map_err(|e| self.sql_err(e))?;
        let mut rows = stmt.query([]).map_err(|e| self.sql_err(e))?;
        while let Some(row) = rows.next().map_err(|e| self.sql_err(e))? {
            let mut buf: [ValueRef<'_>; 16] = [ValueRef::Null; 16];
            for (i, slot) in buf.iter_mut().enumerate().take(wanted.len()) {
                *slot = row.get_ref(i).map_err(|e| self.sql_err(e))?;
            }
            f(&buf[..wanted.len()])?;
        }
        Ok(())
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
        self.int(v, table, column)?
            .ok_or_else(|| self.bad(table, column, "NULL where a value is required"))
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

/// Opens an export read-only. Checks the SQLite magic first so that random bytes give a clear message.
pub fn open(path: &Path) -> Result<Connection> {
    use std::io::Read;
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
    let uri = format!("file:{}?immutable=1", uri_escape(path));
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

/// Loads everything the analyses need from the export at `path`.
pub fn load(path: &Path) -> Result<Trace> {
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
    let rd = Reader { conn: &conn, path, tables };
    let mut trace = Trace::default();
    trace.info.file = path.display().to_string();
    let mut present: Vec<String> = rd
        .tables
        .iter()
        .filter(|t| t.starts_with("CUPTI_ACTIVITY_KIND_") || *t == "NVTX_EVENTS")
        .cloned()
        .collect();
    present.sort();
    trace.info.tables = present;
    read_metadata(&rd, &mut trace.info)?;

    let mut interner = Interner::default();
    // StringIds: every id -> interned index. Names are interned lazily (only ids that are used).
    let mut string_ids: HashMap<i64, String> = HashMap::new();
    rd.scan("StringIds", &["id", "value"], "", |v| {
        let id = rd.req(v[0], "StringIds", "id")?;
        string_ids.insert(id, text_of(v[1]).unwrap_or_default());
        Ok(())
    })?;
    let sid = |interner: &mut Interner, id: Option<i64>| -> u32 {
        match id {
            None => interner.intern("[unnamed]"),
            Some(id) => {
                if let Some(&i) = interner.by_string_id.get(&id) {
                    return i;
                }
                let s = string_ids.get(&id).map(String::as_str).unwrap_or("[unknown string id]");
                let i = interner.intern(s);
                interner.by_string_id.insert(id, i);
                i
            }
        }
    };

    // Kernels.
    let kt = "CUPTI_ACTIVITY_KIND_KERNEL";
    let kcols = KERNEL_COLUMNS;
    rd.scan(kt, &kcols, "", |v| {
        let g = |i: usize| rd.int(v[i], kt, kcols[i]).map(|x| x.unwrap_or(0));
        let start = rd.req(v[0], kt, "start")?;
        let end = rd.req(v[1], kt, "end")?;
        let demangled = rd.int(v[6], kt, "demangledName")?;
        let short = rd.int(v[7], kt, "shortName")?;
        let name = sid(&mut interner, demangled.or(short));
        let short_name = sid(&mut interner, short.or(demangled));
        trace.kernels.push(Kernel {
            start,
            end,
            device: g(2)?,
            stream: g(3)?,
            correlation: g(4)?,
            global_pid: g(5)?,
            name,
            short_name,
            grid: [g(8)?, g(9)?, g(10)?],
            block: [g(11)?, g(12)?, g(13)?],
        });
        Ok(())
    })?;

    // Memcpy and memset.
    for (table, is_set) in [("CUPTI_ACTIVITY_KIND_MEMCPY", false), ("CUPTI_ACTIVITY_KIND_MEMSET", true)] {
        let cols = MEMOP_COLUMNS;
        rd.scan(table, &cols, "", |v| {
            let g = |i: usize| rd.int(v[i], table, cols[i]).map(|x| x.unwrap_or(0));
            trace.memops.push(MemOp {
                start: rd.req(v[0], table, "start")?,
                end: rd.req(v[1], table, "end")?,
                device: g(2)?,
                stream: g(3)?,
                correlation: g(4)?,
                global_pid: g(5)?,
                bytes: g(6)?,
                kind: if is_set { MemKind::Set } else { MemKind::Copy(g(7)?) },
            });
            Ok(())
        })?;
    }

    // CUDA API calls: runtime (eventClass 0) and driver (1); the backtrace duplicates (67) are dropped. Only the
    // calls that launched a GPU op are kept (same process and correlation id): the analyses use no other, and
    // most API rows (synchronizations, queries, allocations) are not launches.
    let launched: HashSet<(i64, i64)> = trace
        .kernels
        .iter()
        .map(|k| (process_key(k.global_pid), k.correlation))
        .chain(trace.memops.iter().map(|m| (process_key(m.global_pid), m.correlation)))
        .collect();
    let rt = "CUPTI_ACTIVITY_KIND_RUNTIME";
    let rcols = RUNTIME_COLUMNS;
    let mut dropped_backtrace = 0usize;
    rd.scan(rt, &rcols, "", |v| {
        trace.api_rows += 1;
        if rd.int(v[5], rt, "eventClass")? == Some(EVENT_CLASS_BACKTRACE) {
            dropped_backtrace += 1;
            return Ok(());
        }
        let global_tid = rd.int(v[2], rt, "globalTid")?.unwrap_or(0);
        let correlation = rd.int(v[3], rt, "correlationId")?.unwrap_or(-1);
        if !launched.contains(&(process_key(global_tid), correlation)) {
            return Ok(());
        }
        let name_id = rd.int(v[4], rt, "nameId")?;
        trace.api.push(ApiCall {
            start: rd.req(v[0], rt, "start")?,
            end: rd.req(v[1], rt, "end")?,
            global_tid,
            correlation,
            name: sid(&mut interner, name_id),
        });
        Ok(())
    })?;
    drop(launched);
    if dropped_backtrace > 0 {
        trace.info.notes.push(format!(
            "{dropped_backtrace} duplicate \"CUDA backtrace\" API rows (eventClass 67) were ignored; `nsys stats` counts them, so its NVTX kernel sums can be higher on this file"
        ));
    }

    read_nvtx(&rd, &mut trace, &mut interner, &string_ids)?;
    trace.names = interner.names;
    trace.sanitize();
    Ok(trace)
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

fn read_nvtx(
    rd: &Reader<'_>,
    trace: &mut Trace,
    interner: &mut Interner,
    string_ids: &HashMap<i64, String>,
) -> Result<()> {
    let t = "NVTX_EVENTS";
    let cols = NVTX_COLUMNS;
    struct Raw {
        start: i64,
        end: Option<i64>,
        ty: i64,
        text: Option<String>,
        text_id: Option<i64>,
        tid: i64,
        end_tid: Option<i64>,
        domain: i64,
    }
    let mut raws = Vec::new();
    // Domain names: (domainId, process) -> text of the earliest creation event, as nsys's reports do.
    let mut domains: HashMap<(i64, i64), (i64, String)> = HashMap::new();
    let mut max_ts = i64::MIN;
    rd.scan(t, &cols, "", |v| {
        let start = rd.req(v[0], t, "start")?;
        let end = rd.int(v[1], t, "end")?;
        max_ts = max_ts.max(start).max(end.unwrap_or(i64::MIN));
        let ty = rd.int(v[2], t, "eventType")?.unwrap_or(-1);
        let tid = rd.int(v[5], t, "globalTid")?.unwrap_or(0);
        let domain = rd.int(v[7], t, "domainId")?.unwrap_or(0);
        if ty == EVENT_DOMAIN_CREATE {
            let name = text_of(v[3]).unwrap_or_default();
            let key = (domain, process_key(tid) & 0xFFFF_FFFF_FFFF);
            let e = domains.entry(key).or_insert((start, name.clone()));
            if start < e.0 {
                *e = (start, name);
            }
            return Ok(());
        }
        if !RANGE_EVENT_TYPES.contains(&ty) {
            return Ok(());
        }
        raws.push(Raw {
            start,
            end,
            ty,
            text: text_of(v[3]),
            text_id: rd.int(v[4], t, "textId")?,
            tid,
            end_tid: rd.int(v[6], t, "endGlobalTid")?,
            domain,
        });
        Ok(())
    })?;
    let mut open = 0usize;
    let mut reversed = 0usize;
    let mut cross = 0usize;
    for r in raws {
        let base = match (r.text_id.and_then(|id| string_ids.get(&id)), &r.text) {
            (Some(s), _) => s.clone(),
            (None, Some(t)) => t.clone(),
            (None, None) => "[unnamed range]".to_string(),
        };
        let dom = domains.get(&(r.domain, process_key(r.tid) & 0xFFFF_FFFF_FFFF)).map(|d| d.1.as_str());
        let full = match dom {
            Some(d) => format!("{d}:{base}"),
            None => base,
        };
        let end = match r.end {
            Some(e) => e,
            None => {
                open += 1;
                max_ts
            }
        };
        if end < r.start {
            reversed += 1;
        }
        // nsys's reports skip every range with an `endGlobalTid` (ended through nvtxRangeEnd elsewhere).
        let cross_thread = r.end_tid.is_some();
        if cross_thread {
            cross += 1;
        }
        trace.ranges.push(NvtxRange {
            start: r.start,
            end,
            open: r.end.is_none(),
            global_tid: r.tid,
            cross_thread,
            name: interner.intern(&full),
            style: if r.ty == 59 || r.ty == 70 { RangeStyle::PushPop } else { RangeStyle::StartEnd },
        });
    }
    if open > 0 {
        trace.info.notes.push(format!("{open} NVTX range(s) were never closed; they are taken to end at the last NVTX timestamp, as nsys does"));
    }
    if reversed > 0 {
        trace.info.notes.push(format!("{reversed} NVTX range(s) end before they start; they contain no GPU work"));
    }
    if cross > 0 {
        trace.info.notes.push(format!("{cross} NVTX range(s) end on another thread; like nsys, no GPU work is attributed to them"));
    }
    Ok(())
}

/// Resolves a `.nsys-rep`/`.qdrep` to an SQLite export through `nsys export`, written into `out_dir`.
/// Any other path is returned unchanged.
pub fn ensure_sqlite(path: &Path, out_dir: &Path) -> Result<PathBuf> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    if ext != "nsys-rep" && ext != "qdrep" {
        return Ok(path.to_path_buf());
    }
    if !path.exists() {
        return Err(AnalyzeError::Unreadable {
            path: path.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
        });
    }
    let nsys = find_on_path("nsys").ok_or_else(|| AnalyzeError::NsysMissing { path: path.to_path_buf() })?;
    std::fs::create_dir_all(out_dir).map_err(|source| AnalyzeError::Write { path: out_dir.to_path_buf(), source })?;
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "report".into());
    let out = out_dir.join(format!("{stem}.sqlite"));
    let argv = nsys_export_argv(path, &out);
    let output = std::process::Command::new(&nsys)
        .args(&argv)
        .output()
        .map_err(|source| AnalyzeError::Unreadable { path: nsys.clone(), source })?;
    if !output.status.success() || !out.exists() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(3).collect();
        return Err(AnalyzeError::NsysExportFailed {
            path: path.to_path_buf(),
            status: output.status.to_string(),
            stderr: tail.into_iter().rev().collect::<Vec<_>>().join(" | "),
        });
    }
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
