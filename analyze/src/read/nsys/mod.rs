//! Reading an nsys SQLite export into plain vectors ([`crate::model::Trace`]).
//!
//! The export's schema changes with every nsys release (see `../shared/SCHEMA_NOTES.md`): tables are created
//! lazily (a missing table means zero rows), columns are added over time, and downstream tools add their own.
//! So every table is probed with `PRAGMA table_info` and read by column name; a column that does not exist is
//! read as NULL. The file is opened read-only and `immutable`, so SQLite never writes to it (no journal, no
//! lock file), whatever happens.
//!
//! One file per part of the export: [`sqlite`] (opening, probing, strings), [`ops`] (kernels, copies, sets),
//! [`api`] (the CUDA API table and the launch join), [`nvtx`] (the NVTX table, streamed), [`meta`] (target info),
//! [`plausible`] (rows no measurement can be),
//! [`export`] (`.nsys-rep` → SQLite through `nsys export`).

pub mod api;
pub mod export;
pub mod meta;
pub mod nvtx;
pub mod ops;
pub mod plausible;
pub mod sqlite;

use std::collections::HashSet;
use std::path::Path;

use rusqlite::Connection;

use crate::error::{AnalyzeError, Result};
use crate::model::{NONE, NvtxRange, Trace};
use crate::read::parscan::Queue;

use api::{ApiRead, api_results, api_select, join_launches, read_api_range, spawn_api_readers};
use meta::read_metadata;
use nvtx::{NvtxNames, read_nvtx};
use ops::read_ops;
use sqlite::{Interner, Reader, StringTable, classify_sqlite_error, open, text_of};

pub use crate::read::parscan::ReadOptions;

pub(crate) use nvtx::nvtx_window;

/// Progress messages of a long load: one line per finished step (`"12,345 kernels … (1.2 s)"`).
pub type Progress<'a> = &'a (dyn Fn(&str) + Sync);

/// Tables of which every nsys export has at least one: an SQLite database with none of them is not an export.
pub(crate) const NSYS_MARKER_TABLES: [&str; 8] = [
    "StringIds",
    "TARGET_INFO_GPU",
    "TARGET_INFO_SESSION_START_TIME",
    "META_DATA_EXPORT",
    "EXPORT_META_DATA",
    "CUPTI_ACTIVITY_KIND_KERNEL",
    "NVTX_EVENTS",
    "ThreadNames",
];

/// Every (table, columns) the analysis reads, for the bare-scan baseline of `bench`.
pub const READ_SET: [(&str, &[&str]); 8] = [
    ("StringIds", &["id", "value"]),
    ("CUPTI_ACTIVITY_KIND_KERNEL", &ops::KERNEL_COLUMNS),
    ("CUPTI_ACTIVITY_KIND_MEMCPY", &ops::MEMOP_COLUMNS),
    ("CUPTI_ACTIVITY_KIND_MEMSET", &ops::MEMOP_COLUMNS),
    ("CUPTI_ACTIVITY_KIND_GRAPH_TRACE", &ops::GRAPH_COLUMNS),
    ("CUPTI_ACTIVITY_KIND_RUNTIME", &api::RUNTIME_COLUMNS),
    ("NVTX_EVENTS", &nvtx::NVTX_COLUMNS),
    ("TARGET_INFO_GPU", &["id", "cuDevice", "name", "memoryBandwidth", "smCount", "totalMemory", "computeMajor", "computeMinor"]),
];

/// Loads everything the analyses need from the export at `path`, NVTX ranges included (kept in
/// [`Trace::ranges`]). For large exports prefer [`crate::pipeline::load_attributed`], which streams the NVTX table.
pub fn load(path: &Path) -> Result<Trace> {
    load_with(path, &ReadOptions::default())
}

/// [`load`], reading tables as `opts` says.
pub fn load_with(path: &Path, opts: &ReadOptions) -> Result<Trace> {
    let mut base = load_ops(path, opts, &|_| {})?;
    let rd = Reader { conn: &base.conn, path, tables: &base.tables };
    let mut names = NvtxNames::default();
    let mut ranges: Vec<NvtxRange> = Vec::new();
    let counts = read_nvtx(&rd, opts, &base.strings, &mut base.interner, &mut names, &schema::phase::Marks::new(&[]), |r| {
        ranges.push(NvtxRange {
            base: 0,
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
        r.base = names.keys[r.name as usize].2;
        r.name = full[r.name as usize];
    }
    let mut trace = base.trace;
    trace.ranges = ranges;
    counts.notes(&mut trace.info.notes);
    trace.names = base.interner.names;
    Ok(trace)
}


/// An open export with its operations loaded (NVTX not read yet).
pub(crate) struct Base {
    pub(crate) conn: Connection,
    pub(crate) tables: HashSet<String>,
    pub(crate) strings: StringTable,
    pub(crate) interner: Interner,
    pub(crate) trace: Trace,
    /// Launching API call per op (index into `trace.api`), [`NONE`] when none.
    pub(crate) launch: Vec<u32>,
}

/// API names that can launch GPU work (kernels, copies, sets, graphs); other API rows are not kept.
pub(crate) fn is_launch_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    ["launch", "memcpy", "memset", "graph", "prefetch"].iter().any(|p| n.contains(p))
}

/// `1234567` as `1,234,567`.
pub(crate) fn group(n: u64) -> String {
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
pub(crate) fn load_ops_unjoined(path: &Path, opts: &ReadOptions, progress: Progress<'_>) -> Result<(Base, ApiRead)> {
    let t0 = std::time::Instant::now();
    let conn = open(path, opts.io)?;
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
        let kinds = api::ApiKinds::from_names(strings.map.iter().map(|(k, v)| (*k, &**v)));
        let launch_like: rustc_hash::FxHashSet<i64> =
            strings.map.iter().filter(|(_, v)| is_launch_name(v)).map(|(k, _)| *k).chain(kinds.sync.iter().copied()).collect();
        // The CUDA API table (usually the largest) is read in rowid ranges by reader threads while this one reads
        // the GPU ops; then this one takes ranges too.
        let (sel, filtered) = api_select(&rd, Some(&launch_like))?;
        let q: Queue<ApiRead> = Queue::new(sel.as_ref().map(|s| rd.ranges(s, opts)).unwrap_or_default());
        let ops = std::thread::scope(|s| {
            if let Some(sel) = &sel {
                spawn_api_readers(s, path, &tables, sel, &q, api::Keep { only: None, kinds: Some(&kinds) }, opts);
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
                    q.work(|r| read_api_range(&rd, sel, r, api::Keep { only: None, kinds: Some(&kinds) }));
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
pub(crate) fn load_ops(path: &Path, opts: &ReadOptions, progress: Progress<'_>) -> Result<Base> {
    let (mut base, api) = load_ops_unjoined(path, opts, progress)?;
    base.launch = join_step(path, &base.conn, &base.tables, &mut base.trace, api, opts, progress)?;
    Ok(base)
}

/// The launch join with its progress line, then [`Trace::sanitize`].
pub(crate) fn join_step(
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

