//! The CUDA API table (`CUPTI_ACTIVITY_KIND_RUNTIME`), read in rowid ranges on reader threads, and the launch
//! join: each GPU op to the API call that launched it.

use std::collections::HashSet;
use std::path::Path;

use crate::error::{AnalyzeError, Result};
use crate::model::{ApiCall, NONE, SyncCall, Trace, process_key};
use crate::read::parscan::{Queue, Range, ReadOptions};

use super::plausible::{excluded_note, off_clock, OFF_CLOCK};
use super::sqlite::{Reader, Select, open};

/// nsys `eventClass` of the duplicate "CUDA backtrace" rows in `CUPTI_ACTIVITY_KIND_RUNTIME`.
pub(crate) const EVENT_CLASS_BACKTRACE: i64 = 67;
/// Columns read from `CUPTI_ACTIVITY_KIND_RUNTIME`.
pub const RUNTIME_COLUMNS: [&str; 6] = ["start", "end", "globalTid", "correlationId", "nameId", "eventClass"];
/// Rows of the CUDA API table kept for the launch join.
#[derive(Default)]
pub(crate) struct ApiRead {
    pub(crate) calls: Vec<ApiCall>,
    /// Rows read (after the SQL filter).
    pub(crate) rows: u64,
    pub(crate) backtrace: u64,
    /// Rows left out for timestamps beyond ±[`MAX_ABS_TIMESTAMP_NS`].
    pub(crate) implausible: u64,
    /// Rows were left out by the launch-name filter (in SQL), so a call under an unexpected name may be missing.
    pub(crate) filtered: bool,
    /// Synchronizing calls (see [`ApiKinds`]), in table order.
    pub(crate) syncs: Vec<SyncCall>,
    /// (thread, correlation id) of the CUDA graph launches.
    pub(crate) graph_keys: Vec<(i64, i64)>,
}

/// Name ids of the API calls read for more than the launch join.
#[derive(Debug, Default)]
pub(crate) struct ApiKinds {
    /// Calls in which the host waits for the GPU (`cudaDeviceSynchronize`, `cudaStreamSynchronize`,
    /// `cudaEventSynchronize`, `cuCtxSynchronize`, ...): kept apart, they launch nothing.
    pub(crate) sync: rustc_hash::FxHashSet<i64>,
    /// CUDA graph launches (`cudaGraphLaunch`, `cuGraphLaunch`).
    pub(crate) graph: rustc_hash::FxHashSet<i64>,
}

impl ApiKinds {
    /// Sorts the export's API names (`StringIds`) into the kinds.
    pub(crate) fn from_names<'a>(names: impl Iterator<Item = (i64, &'a str)>) -> ApiKinds {
        let mut k = ApiKinds::default();
        for (id, name) in names {
            if is_sync_name(name) {
                k.sync.insert(id);
            } else if is_graph_launch_name(name) {
                k.graph.insert(id);
            }
        }
        k
    }
}

/// API names in which the host waits for the GPU.
pub(crate) fn is_sync_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    (n.starts_with("cu") && n.contains("synchronize")) && !n.contains("launch")
}

/// API names that launch a whole CUDA graph (`cudaGraphLaunch_v10000`, `cuGraphLaunch`, `cuGraphLaunch_ptsz`).
pub(crate) fn is_graph_launch_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.starts_with("cudagraphlaunch") || n.starts_with("cugraphlaunch")
}

/// The query of the CUDA API table: runtime (eventClass 0) and driver (1) calls, plus the backtrace duplicates
/// (67, counted then dropped). With `launch_like`, SQLite itself skips the calls whose name id is not in it (most API
/// rows are synchronizations, queries and allocations: they are never decoded). Returns the query and whether rows
/// were filtered out.
pub(crate) fn api_select(rd: &Reader<'_>, launch_like: Option<&rustc_hash::FxHashSet<i64>>) -> Result<(Option<Select>, bool)> {
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

/// Which API rows a read keeps.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Keep<'a> {
    /// Only calls whose (process, correlation) is in it (all when `None`).
    pub(crate) only: Option<&'a rustc_hash::FxHashSet<(i64, i64)>>,
    /// Synchronizing calls go to [`ApiRead::syncs`] and graph launches are noted (neither when `None`).
    pub(crate) kinds: Option<&'a ApiKinds>,
}

/// Reads the API rows of `range`, keeping those `keep` says.
pub(crate) fn read_api_range(rd: &Reader<'_>, sel: &Select, range: Range, keep: Keep<'_>) -> Result<ApiRead> {
    let Keep { only, kinds } = keep;
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
        if let Some(k) = kinds.filter(|k| !k.sync.is_empty() || !k.graph.is_empty()) {
            if let Some(name) = rd.int(v[4], rt, "nameId")? {
                if k.sync.contains(&name) {
                    let (start, end) = (rd.req(v[0], rt, "start")?, rd.req(v[1], rt, "end")?);
                    if !off_clock(start) && !off_clock(end) {
                        out.syncs.push(SyncCall { global_tid, start, end });
                    }
                    return Ok(());
                }
                if k.graph.contains(&name) {
                    out.graph_keys.push((global_tid, correlation));
                }
            }
        }
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
pub(crate) fn api_results(path: &Path, q: Queue<ApiRead>, filtered: bool) -> Result<ApiRead> {
    let mut parts = q.results().ok_or_else(|| AnalyzeError::Corrupt { path: path.to_path_buf(), detail: "the CUDA API reader failed".into() })??;
    let mut out = ApiRead { filtered, ..Default::default() };
    out.calls.reserve_exact(parts.iter().map(|p| p.calls.len()).sum());
    out.syncs.reserve_exact(parts.iter().map(|p| p.syncs.len()).sum());
    for p in &mut parts {
        out.rows += p.rows;
        out.backtrace += p.backtrace;
        out.implausible += p.implausible;
        out.calls.append(&mut p.calls);
        out.syncs.append(&mut p.syncs);
        out.graph_keys.append(&mut p.graph_keys);
    }
    Ok(out)
}

/// Reads the whole API table (with `only`, just those calls) on the calling thread and `opts.threads` others.
pub(crate) fn read_api_all(rd: &Reader<'_>, opts: &ReadOptions, only: &rustc_hash::FxHashSet<(i64, i64)>) -> Result<ApiRead> {
    let (sel, _) = api_select(rd, None)?;
    let Some(sel) = sel else { return Ok(ApiRead::default()) };
    let q: Queue<ApiRead> = Queue::new(rd.ranges(&sel, opts));
    std::thread::scope(|s| {
        let keep = Keep { only: Some(only), kinds: None };
        spawn_api_readers(s, rd.path, rd.tables, &sel, &q, keep, opts);
        q.work(|r| read_api_range(rd, &sel, r, keep));
    });
    api_results(rd.path, q, false)
}

/// Starts `n` threads that read ranges of `q` with `sel`, each on its own connection (a thread that cannot open
/// one reads nothing: the calling thread takes what is left).
pub(crate) fn spawn_api_readers<'s>(
    s: &'s std::thread::Scope<'s, '_>,
    path: &'s Path,
    tables: &'s HashSet<String>,
    sel: &'s Select,
    q: &'s Queue<ApiRead>,
    keep: Keep<'s>,
    opts: &ReadOptions,
) {
    let (n, io) = (opts.threads, opts.io);
    for _ in 0..n {
        s.spawn(move || {
            if let Ok(conn) = open(path, io) {
                let other = Reader { conn: &conn, path, tables };
                q.work(|r| read_api_range(&other, sel, r, keep));
            }
        });
    }
}

/// Joins every op to its launching call (first API row with the op's process and correlation id) and keeps
/// only the calls that launched something.
pub(crate) fn join_launches(rd: &Reader<'_>, trace: &mut Trace, mut api: ApiRead, opts: &ReadOptions) -> Result<Vec<u32>> {
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
    let mut launch = crate::model::correlate::lookup_launches(&api.calls, trace.op_keys());
    // Safety net: a launch under a name the filter does not know. Read the whole API table again for those ops.
    if api.filtered && launch.contains(&NONE) {
        let missing: rustc_hash::FxHashSet<(i64, i64)> =
            launch.iter().zip(trace.op_keys()).filter(|(l, _)| **l == NONE).map(|(_, k)| k).collect();
        let extra = read_api_all(rd, opts, &missing)?;
        trace.api_rows = extra.rows;
        let offset = api.calls.len() as u32;
        let found = crate::model::correlate::lookup_launches(&extra.calls, trace.op_keys());
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
    if !api.graph_keys.is_empty() {
        let graph: rustc_hash::FxHashSet<(i64, i64)> = api.graph_keys.iter().copied().collect();
        trace.graph_calls = api.calls.iter().enumerate().filter(|(_, c)| graph.contains(&(c.global_tid, c.correlation))).map(|(i, _)| i as u32).collect();
    }
    api.syncs.sort_unstable();
    api.syncs.shrink_to_fit();
    trace.syncs = api.syncs;
    trace.api = api.calls;
    Ok(launch)
}

