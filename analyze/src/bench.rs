//! Benchmark support: large exports made by tiling a real one in time (`bench make-trace`), and the bare scan
//! of exactly the columns the analysis reads (the floor any reader of the same file must pay).

use std::collections::HashSet;
use std::path::Path;

use rusqlite::{Connection, OpenFlags};

use crate::error::{AnalyzeError, Result};
use schema::io::IoError;
use crate::read::directio::ReadMode;
use crate::read::nsys::READ_SET;

/// Tables whose rows are repeated per tile (shifted in time, with fresh correlation ids).
pub const TILED: [&str; 5] = [
    "CUPTI_ACTIVITY_KIND_KERNEL",
    "CUPTI_ACTIVITY_KIND_RUNTIME",
    "CUPTI_ACTIVITY_KIND_MEMCPY",
    "CUPTI_ACTIVITY_KIND_MEMSET",
    "NVTX_EVENTS",
];

/// What `make_trace` wrote.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TileStats {
    /// Number of copies of the source rows (the source itself is tile 0).
    pub tiles: u64,
    /// Time shift between tiles, ns.
    pub span_ns: i64,
    /// Correlation-id shift between tiles.
    pub correlation_span: i64,
    /// Rows per tiled table in the output.
    pub rows: Vec<(String, u64)>,
}

fn sql_err(path: &Path) -> impl Fn(rusqlite::Error) -> AnalyzeError + '_ {
    move |e| AnalyzeError::Corrupt { path: path.to_path_buf(), detail: e.to_string() }
}

fn columns(conn: &Connection, schema: &str, table: &str) -> rusqlite::Result<Vec<String>> {
    let mut st = conn.prepare(&format!("SELECT name FROM pragma_table_info('{table}', '{schema}')"))?;
    let v = st.query_map([], |r| r.get::<_, String>(0))?.collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(v)
}

/// Builds `out` from the export `from` by repeating its activity `ceil(kernels / source kernels)` times, each tile
/// shifted by the source's time span and correlation-id range, so that kernel ↔ API ↔ NVTX links stay
/// consistent within every tile. Rows are written tile after tile in the source's order, so a source sorted by
/// time (as real exports are) gives an output sorted by time. Other tables (strings, GPUs, metadata) are copied once; NVTX domain creations
/// stay in tile 0. The schema is the source's.
pub fn make_trace(from: &Path, kernels: u64, out: &Path) -> Result<TileStats> {
    crate::fsutil::refuse_overwrite(out, &[from], "--out")?;
    if kernels == 0 {
        return Err(AnalyzeError::Io(IoError::BadInput { path: out.to_path_buf(), detail: "cannot be built with --kernels 0; give the number of kernel executions wanted (at least 1)".into() }));
    }
    crate::read::nsys::sqlite::open(from, ReadMode::Auto)?; // a clear error for a file that is not an export
    // Built under a temporary name and renamed when complete: a failure leaves neither a partial file nor an
    // empty one, and an existing `out` is only replaced by a complete export.
    let tmp = crate::fsutil::temp_beside(out);
    let r = make_trace_into(from, kernels, &tmp);
    match r {
        Ok(stats) => {
            std::fs::rename(&tmp, out).map_err(|source| {
                let _ = std::fs::remove_file(&tmp);
                AnalyzeError::Io(IoError::Write { path: out.to_path_buf(), source })
            })?;
            Ok(stats)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

fn make_trace_into(from: &Path, kernels: u64, out: &Path) -> Result<TileStats> {
    let src = std::path::absolute(from).unwrap_or_else(|_| from.to_path_buf());
    let uri = format!("file:{}?immutable=1&mode=ro", src.display());
    // ATTACH with a URI needs URI filenames enabled on the connection.
    let conn = Connection::open_with_flags(out, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_URI)
        .map_err(sql_err(out))?;
    // Exports reference tables that lazy exports leave out (callchains); rusqlite enables foreign keys by default.
    conn.execute_batch("PRAGMA foreign_keys = OFF; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -262144;").map_err(sql_err(out))?;
    conn.execute("ATTACH DATABASE ?1 AS src", [&uri]).map_err(sql_err(from))?;
    let tables: Vec<(String, String)> = {
        let mut st = conn
            .prepare("SELECT name, sql FROM src.sqlite_master WHERE type = 'table' AND sql IS NOT NULL AND name NOT LIKE 'sqlite_%'")
            .map_err(sql_err(from))?;
        let v = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).map_err(sql_err(from))?.collect::<rusqlite::Result<Vec<_>>>().map_err(sql_err(from))?;
        v
    };
    let present: HashSet<&str> = tables.iter().map(|(n, _)| n.as_str()).collect();
    let src_kernels: i64 = if present.contains("CUPTI_ACTIVITY_KIND_KERNEL") {
        conn.query_row("SELECT count(*) FROM src.CUPTI_ACTIVITY_KIND_KERNEL", [], |r| r.get(0)).map_err(sql_err(from))?
    } else {
        0
    };
    if src_kernels == 0 {
        return Err(AnalyzeError::Io(IoError::BadInput { path: from.to_path_buf(), detail: "has no CUDA kernels to tile; choose an export with kernels".into() }));
    }
    let tiles = (kernels.max(1) as i64 + src_kernels - 1) / src_kernels;
    // Time and correlation spans over every tiled table.
    let (mut t0, mut t1, mut cmax) = (i64::MAX, i64::MIN, 0i64);
    for t in TILED.iter().filter(|t| present.contains(*t)) {
        let (a, b): (Option<i64>, Option<i64>) = conn
            .query_row(&format!("SELECT min(start), max(max(start), coalesce(max(end), 0)) FROM src.\"{t}\""), [], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(sql_err(from))?;
        if let (Some(a), Some(b)) = (a, b) {
            t0 = t0.min(a);
            t1 = t1.max(b);
        }
        if columns(&conn, "src", t).map_err(sql_err(from))?.iter().any(|c| c == "correlationId") {
            let c: Option<i64> = conn.query_row(&format!("SELECT max(correlationId) FROM src.\"{t}\""), [], |r| r.get(0)).map_err(sql_err(from))?;
            cmax = cmax.max(c.unwrap_or(0));
        }
    }
    let span = (t1 - t0).max(0) + 1_000; // 1 µs apart
    let cspan = cmax + 1;
    conn.execute_batch("BEGIN").map_err(sql_err(out))?;
    for (name, sql) in &tables {
        conn.execute_batch(sql).map_err(sql_err(out))?;
        conn.execute_batch(&format!("INSERT INTO main.\"{name}\" SELECT * FROM src.\"{name}\"")).map_err(sql_err(out))?;
    }
    conn.execute_batch("CREATE TEMP TABLE tiles(t INTEGER PRIMARY KEY)").map_err(sql_err(out))?;
    conn.execute("WITH RECURSIVE n(t) AS (SELECT 1 UNION ALL SELECT t + 1 FROM n WHERE t < ?1) INSERT INTO temp.tiles SELECT t FROM n WHERE t < ?1", [tiles])
        .map_err(sql_err(out))?;
    for t in TILED.iter().filter(|t| present.contains(*t)) {
        let cols = columns(&conn, "src", t).map_err(sql_err(from))?;
        let exprs: Vec<String> = cols
            .iter()
            .map(|c| match c.as_str() {
                "start" | "end" => format!("s.\"{c}\" + tiles.t * {span}"),
                "correlationId" => format!("s.\"{c}\" + tiles.t * {cspan}"),
                _ => format!("s.\"{c}\""),
            })
            .collect();
        let filter = if *t == "NVTX_EVENTS" { "WHERE s.eventType IS NOT 75" } else { "" };
        conn.execute_batch(&format!(
            "INSERT INTO main.\"{t}\" ({}) SELECT {} FROM temp.tiles, src.\"{t}\" AS s {filter} ORDER BY tiles.t, s.rowid",
            cols.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(", "),
            exprs.join(", ")
        ))
        .map_err(sql_err(out))?;
    }
    conn.execute_batch("COMMIT").map_err(sql_err(out))?;
    let mut rows = Vec::new();
    for t in TILED.iter().filter(|t| present.contains(*t)) {
        let n: i64 = conn.query_row(&format!("SELECT count(*) FROM main.\"{t}\""), [], |r| r.get(0)).map_err(sql_err(out))?;
        rows.push((t.to_string(), n as u64));
    }
    conn.execute_batch("DETACH DATABASE src").map_err(sql_err(out))?;
    Ok(TileStats { tiles: tiles as u64, span_ns: span, correlation_span: cspan, rows })
}

/// The floor: reads exactly the columns the analysis reads (plain `SELECT` loops, values touched, nothing kept).
/// Returns the number of rows read.
pub fn bare_scan(path: &Path, io: ReadMode) -> Result<u64> {
    let conn = crate::read::nsys::sqlite::open(path, io)?;
    let err = sql_err(path);
    let mut n = 0u64;
    let mut sink = 0i64;
    for (table, wanted) in READ_SET {
        let exists: bool = conn
            .query_row("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1", [table], |r| r.get::<_, i64>(0))
            .map_err(&err)?
            > 0;
        if !exists {
            continue;
        }
        let present = columns(&conn, "main", table).map_err(&err)?;
        let cols: Vec<String> = wanted.iter().filter(|c| present.iter().any(|p| p == *c)).map(|c| format!("\"{c}\"")).collect();
        let mut st = conn.prepare(&format!("SELECT {} FROM \"{table}\"", cols.join(", "))).map_err(&err)?;
        let mut rows = st.query([]).map_err(&err)?;
        while let Some(r) = rows.next().map_err(&err)? {
            for i in 0..cols.len() {
                if let Ok(rusqlite::types::ValueRef::Integer(v)) = r.get_ref(i) {
                    sink = sink.wrapping_add(v);
                }
            }
            n += 1;
        }
    }
    std::hint::black_box(sink);
    Ok(n)
}

/// What [`make_kineto`] wrote.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct KinetoTileStats {
    /// Copies of the source's events.
    pub tiles: u64,
    /// Events written.
    pub events: u64,
    /// Uncompressed JSON bytes written.
    pub json_bytes: u64,
    /// Time shift between tiles, ns.
    pub span_ns: i64,
}

/// Builds the PyTorch-profiler trace `out` (gzip when its name ends in `.gz`) from the trace `from` by repeating
/// its events until the JSON holds at least `bytes` bytes, each tile shifted in time by the source's span (plus
/// 1 ms) and in correlation ids (`args.correlation`, flow ids) by the source's largest id + 1, so that kernel ↔
/// launch ↔ annotation links stay within every tile. Kernel counts and times scale exactly with the tiles. Each
/// event is copied as its own text, keys in the source's order (as Kineto writes them), with only its `ts`,
/// `args.correlation` and `id` rewritten — timestamps from integer nanoseconds, so none loses precision. The
/// source's other top-level keys are kept.
pub fn make_kineto(from: &Path, bytes: u64, out: &Path) -> Result<KinetoTileStats> {
    use std::io::Write;
    crate::fsutil::refuse_overwrite(out, &[from], "--out")?;
    if bytes == 0 {
        return Err(AnalyzeError::Io(IoError::BadInput { path: out.to_path_buf(), detail: "cannot be built with --bytes 0; give the uncompressed size wanted".into() }));
    }
    let bad = |why: String| AnalyzeError::NotATrace { path: from.to_path_buf(), why };
    let raw = {
        let mut f = std::fs::File::open(from).map_err(|e| AnalyzeError::Io(IoError::Unreadable { path: from.to_path_buf(), source: e }))?;
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut f, &mut v).map_err(|e| AnalyzeError::Io(IoError::Unreadable { path: from.to_path_buf(), source: e }))?;
        if v.starts_with(&[0x1f, 0x8b]) {
            let mut d = Vec::new();
            std::io::Read::read_to_end(&mut flate2::read::MultiGzDecoder::new(&v[..]), &mut d).map_err(|e| bad(format!("the gzip stream is damaged ({e})")))?;
            d
        } else {
            v
        }
    };
    // The source's events and top-level values, as text.
    let mut events: Vec<Vec<u8>> = Vec::new();
    let mut meta: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    let mut scanner = crate::read::kineto::scan::Scanner::new();
    scanner
        .feed(&raw, &mut |item| match item {
            crate::read::kineto::scan::Item::Event(e) => events.push(e.to_vec()),
            crate::read::kineto::scan::Item::Meta(k, v) => meta.push((k.to_vec(), v.to_vec())),
            crate::read::kineto::scan::Item::NotAnObject => {}
        })
        .map_err(|e| bad(format!("not a Chrome trace ({e:?})")))?;
    if !scanner.saw_events {
        return Err(bad("a JSON object without a top-level \"traceEvents\" array".into()));
    }
    let (mut lo, mut hi, mut max_corr) = (i64::MAX, i64::MIN, 0i64);
    for e in &events {
        if let Some(ts) = field(e, b"\"ts\"").and_then(|(a, b)| us(&e[a..b])) {
            lo = lo.min(ts);
            hi = hi.max(ts + field(e, b"\"dur\"").and_then(|(a, b)| us(&e[a..b])).unwrap_or(0));
        }
        for key in [&b"\"correlation\""[..], b"\"id\""] {
            if let Some(c) = field(e, key).and_then(|(a, b)| std::str::from_utf8(&e[a..b]).ok()?.parse::<i64>().ok()) {
                max_corr = max_corr.max(c);
            }
        }
    }
    if lo > hi {
        return Err(bad("no event has a timestamp".into()));
    }
    let span_ns = hi - lo + 1_000_000;
    let tmp = crate::fsutil::temp_beside(out);
    let write = || -> std::io::Result<KinetoTileStats> {
        let file = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&tmp)?);
        let gz = out.to_string_lossy().to_ascii_lowercase().ends_with(".gz");
        let mut w: Box<dyn Write> = if gz { Box::new(flate2::write::GzEncoder::new(file, flate2::Compression::fast())) } else { Box::new(file) };
        let mut counter = CountingWriter { inner: &mut w, n: 0 };
        counter.write_all(b"{\"traceEvents\": [\n")?;
        let (mut tiles, mut written) = (0u64, 0u64);
        let mut buf = Vec::new();
        while counter.n < bytes {
            let dt = span_ns * tiles as i64;
            let dc = (max_corr + 1) * tiles as i64;
            for e in &events {
                buf.clear();
                buf.extend_from_slice(e);
                if tiles > 0 {
                    // Later fields first, so that earlier offsets stay valid.
                    let mut edits: Vec<((usize, usize), String)> = Vec::new();
                    if let Some((a, b)) = field(e, b"\"ts\"") {
                        if let Some(ts) = us(&e[a..b]) {
                            let t = ts + dt;
                            edits.push(((a, b), format!("{}{}.{:03}", if t < 0 { "-" } else { "" }, (t / 1000).abs(), (t % 1000).abs())));
                        }
                    }
                    for key in [&b"\"correlation\""[..], b"\"id\""] {
                        if let Some((a, b)) = field(e, key) {
                            if let Some(c) = std::str::from_utf8(&e[a..b]).ok().and_then(|s| s.parse::<i64>().ok()) {
                                edits.push(((a, b), (c + dc).to_string()));
                            }
                        }
                    }
                    edits.sort_by_key(|((a, _), _)| std::cmp::Reverse(*a));
                    for ((a, b), text) in edits {
                        buf.splice(a..b, text.into_bytes());
                    }
                }
                if written > 0 {
                    counter.write_all(b",\n")?;
                }
                counter.write_all(&buf)?;
                written += 1;
            }
            tiles += 1;
        }
        counter.write_all(b"\n]")?;
        for (k, v) in &meta {
            counter.write_all(b", \"")?;
            counter.write_all(k)?;
            counter.write_all(b"\": ")?;
            counter.write_all(v)?;
        }
        counter.write_all(b"}\n")?;
        let n = counter.n;
        w.flush()?;
        drop(w);
        Ok(KinetoTileStats { tiles, events: written, json_bytes: n, span_ns })
    };
    match write() {
        Ok(s) => {
            std::fs::rename(&tmp, out).map_err(|e| AnalyzeError::Io(IoError::Write { path: out.to_path_buf(), source: e }))?;
            Ok(s)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(AnalyzeError::Io(IoError::Write { path: out.to_path_buf(), source: e }))
        }
    }
}

/// The byte range of the number after the first `key` (with its quotes) in an event's text, e.g. `"ts": 12.5`.
fn field(e: &[u8], key: &[u8]) -> Option<(usize, usize)> {
    let at = memchr::memmem::find(e, key)? + key.len();
    let mut a = at;
    while e.get(a).is_some_and(|b| b.is_ascii_whitespace() || *b == b':') {
        a += 1;
    }
    let mut b = a;
    while e.get(b).is_some_and(|c| c.is_ascii_digit() || matches!(c, b'.' | b'-' | b'+' | b'e' | b'E')) {
        b += 1;
    }
    (b > a).then_some((a, b))
}

/// Microseconds as text → ns.
fn us(text: &[u8]) -> Option<i64> {
    crate::read::kineto::event::us_to_ns(std::str::from_utf8(text).ok()?)
}

/// Counts the bytes written through it.
struct CountingWriter<W: std::io::Write> {
    inner: W,
    n: u64,
}

impl<W: std::io::Write> std::io::Write for CountingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let k = self.inner.write(buf)?;
        self.n += k as u64;
        Ok(k)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}
