//! The NVTX table (`NVTX_EVENTS`): range rows decoded in rowid ranges on reader threads, then folded in table
//! order into [`crate::model::RangeIn`]s (names interned and keyed by domain, phases looked up).

use std::collections::HashSet;
use std::path::Path;

use rusqlite::Connection;
use rusqlite::types::ValueRef;
use rustc_hash::FxHashMap;

use crate::error::Result;
use crate::model::{RangeIn, RangeStyle, process_key};
use crate::read::parscan::{Range, ReadOptions};

use super::plausible::{excluded_note, off_clock, OFF_CLOCK};
use super::sqlite::{Interner, Reader, Select, StringTable, open, text_of};

/// NVTX event types that are ranges: push/pop, start/end, and their NVTXT twins.
pub(crate) const RANGE_EVENT_TYPES: [i64; 4] = [59, 60, 70, 71];
/// NVTX event type of a domain creation (names the domain).
pub(crate) const EVENT_DOMAIN_CREATE: i64 = 75;
/// Columns read from `NVTX_EVENTS`.
pub const NVTX_COLUMNS: [&str; 8] = ["start", "end", "eventType", "text", "textId", "globalTid", "endGlobalTid", "domainId"];

/// NVTX ranges decoded ahead of the sweep at most (each about 3 MB at 65,536 rows): enough to keep the reader
/// threads busy while the launch join runs, and at least two per thread.
pub(crate) fn nvtx_window(opts: &ReadOptions) -> usize {
    (2 * opts.threads + 2).max(16)
}

/// Names of NVTX ranges while the table streams: a range's key is its (domain, process, base name); the domain's
/// name (from its creation event, which may come later in the table) is only applied at the end.
#[derive(Default)]
pub(crate) struct NvtxNames {
    pub(crate) pairs: FxHashMap<(i64, i64, u32), u32>,
    pub(crate) keys: Vec<(i64, i64, u32)>,
    /// (domainId, process) -> (start, name) of the earliest creation event, as nsys's reports do.
    pub(crate) domains: FxHashMap<(i64, i64), (i64, String)>,
    pub(crate) marks_of_base: FxHashMap<u32, (Option<u8>, crate::model::Role)>,
}

impl NvtxNames {
    pub(crate) fn key(&mut self, domain: i64, process: i64, base: u32) -> u32 {
        let k = if domain == 0 { (0, 0, base) } else { (domain, process, base) };
        let n = self.keys.len() as u32;
        let id = *self.pairs.entry(k).or_insert(n);
        if id == n {
            self.keys.push(k);
        }
        id
    }

    /// `domain:name` when the domain is named, else the name.
    pub(crate) fn full_name(&self, key: u32, interner: &Interner) -> String {
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
pub(crate) struct NvtxCounts {
    pub(crate) open: u64,
    pub(crate) reversed: u64,
    pub(crate) cross: u64,
    /// Rows left out for timestamps beyond ±[`MAX_ABS_TIMESTAMP_NS`].
    pub(crate) implausible: u64,
    /// Last timestamp of the table (start or end of any row).
    pub(crate) max_ts: i64,
}

impl NvtxCounts {
    pub(crate) fn notes(&self, notes: &mut Vec<String>) {
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
pub(crate) struct NvtxRow {
    pub(crate) start: i64,
    /// End, ns (meaningful with [`NVTX_HAS_END`]).
    pub(crate) end: i64,
    pub(crate) tid: i64,
    pub(crate) domain: i64,
    pub(crate) name: u32,
    pub(crate) flags: u8,
}

pub(crate) const NVTX_HAS_END: u8 = 1;
pub(crate) const NVTX_CROSS: u8 = 2;
pub(crate) const NVTX_PUSH_POP: u8 = 4;

/// The range rows of one rowid range of `NVTX_EVENTS`, decoded without touching shared state.
#[derive(Default)]
pub(crate) struct NvtxChunk {
    pub(crate) rows: Vec<NvtxRow>,
    /// Distinct range names, in order of first appearance.
    pub(crate) names: Vec<String>,
    /// Domain creations: (domainId, process, start, name).
    pub(crate) domains: Vec<(i64, i64, i64, String)>,
    /// Last timestamp (start or end) of any row.
    pub(crate) max_ts: i64,
    /// Rows left out for timestamps beyond ±[`MAX_ABS_TIMESTAMP_NS`].
    pub(crate) implausible: u64,
}

/// Decodes the rows of `range`: a range's name is its `textId` string, else its `text`.
pub(crate) fn decode_nvtx(rd: &Reader<'_>, sel: &Select, range: Range, strings: &StringTable) -> Result<NvtxChunk> {
    let t = "NVTX_EVENTS";
    let mut c = NvtxChunk { max_ts: i64::MIN, ..Default::default() };
    let mut by_id: FxHashMap<i64, u32> = FxHashMap::default();
    let mut by_text: FxHashMap<Box<[u8]>, u32> = FxHashMap::default();
    let mut unnamed: Option<u32> = None;
    pub(crate) fn add(names: &mut Vec<String>, s: String) -> u32 {
        names.push(s);
        names.len() as u32 - 1
    }
    // A name given as text (not a string id): one entry per distinct byte string.
    pub(crate) fn by_bytes(by_text: &mut FxHashMap<Box<[u8]>, u32>, names: &mut Vec<String>, b: &[u8]) -> u32 {
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
pub(crate) struct NvtxFold<'p> {
    pub(crate) marks: &'p schema::phase::Marks,
    pub(crate) counts: NvtxCounts,
    pub(crate) order: u64,
    pub(crate) base: Vec<u32>,
}

impl<'p> NvtxFold<'p> {
    pub(crate) fn new(marks: &'p schema::phase::Marks) -> Self {
        NvtxFold { marks, counts: NvtxCounts { max_ts: i64::MIN, ..Default::default() }, order: 0, base: Vec::new() }
    }

    /// Feeds the ranges of `c` to `sink` until it returns false (then returns false).
    pub(crate) fn feed(&mut self, c: NvtxChunk, interner: &mut Interner, names: &mut NvtxNames, sink: &mut impl FnMut(RangeIn) -> bool) -> bool {
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
            let marks = self.marks;
            let (phase, role) = *names.marks_of_base.entry(b).or_insert_with(|| marks.of(&interner.names[b as usize]));
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
                role,
                order: self.order,
            };
            self.order += 1;
            if !sink(range) {
                return false;
            }
        }
        true
    }

    pub(crate) fn finish(mut self) -> NvtxCounts {
        if self.counts.max_ts == i64::MIN {
            self.counts.max_ts = 0;
        }
        self.counts
    }
}

/// Streams the range events of `NVTX_EVENTS` into `sink` (in table order) until it returns false. Rowid ranges of
/// the table are decoded on reader threads ahead of the sink (at most a few ranges waiting).
pub(crate) fn read_nvtx(
    rd: &Reader<'_>,
    opts: &ReadOptions,
    strings: &StringTable,
    interner: &mut Interner,
    names: &mut NvtxNames,
    marks: &schema::phase::Marks,
    mut sink: impl FnMut(RangeIn) -> bool,
) -> Result<NvtxCounts> {
    let mut fold = NvtxFold::new(marks);
    let src = NvtxSource::new(rd, opts, strings)?;
    let path = rd.path;
    let open = || open(path, opts.io);
    let decode = |conn: &Connection, range: Range| src.decode(conn, range);
    let mut consume = |c: NvtxChunk| Ok(fold.feed(c, interner, names, &mut sink));
    crate::read::parscan::ordered(path, rd.conn, &src.ranges, opts.threads, nvtx_window(opts), &open, &decode, &mut consume)?;
    Ok(fold.finish())
}

/// The NVTX table as the readers take it: its query and rowid ranges (no range when the table is missing).
pub(crate) struct NvtxSource<'a> {
    pub(crate) path: &'a Path,
    pub(crate) tables: &'a HashSet<String>,
    pub(crate) strings: &'a StringTable,
    pub(crate) sel: Option<Select>,
    pub(crate) ranges: Vec<Range>,
}

impl<'a> NvtxSource<'a> {
    pub(crate) fn new(rd: &Reader<'a>, opts: &ReadOptions, strings: &'a StringTable) -> Result<Self> {
        let sel = rd.select("NVTX_EVENTS", &NVTX_COLUMNS, "")?;
        let ranges = sel.as_ref().map(|s| rd.ranges(s, opts)).unwrap_or_default();
        Ok(NvtxSource { path: rd.path, tables: rd.tables, strings, sel, ranges })
    }

    /// Decodes `range` on `conn` (any connection to the same file).
    pub(crate) fn decode(&self, conn: &Connection, range: Range) -> Result<NvtxChunk> {
        match &self.sel {
            Some(sel) => decode_nvtx(&Reader { conn, path: self.path, tables: self.tables }, sel, range, self.strings),
            None => Ok(NvtxChunk::default()),
        }
    }
}

