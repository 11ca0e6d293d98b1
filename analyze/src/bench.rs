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
