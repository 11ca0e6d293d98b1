//! The SQLite side of the nsys reader: opening an export read-only (`immutable`, through the O_DIRECT VFS when
//! that pays), probing tables and columns by name (a missing column reads as NULL), and the string tables.

use std::collections::HashSet;
use std::path::Path;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};
use rustc_hash::FxHashMap;
use schema::io::IoError;

use crate::error::{AnalyzeError, Result};
use crate::read::directio::ReadMode;
use crate::read::parscan::{rowid_ranges, Range, ReadOptions};

/// Interns strings so that every distinct name is stored once.
#[derive(Default)]
pub(crate) struct Interner {
    pub(crate) names: Vec<String>,
    pub(crate) index: FxHashMap<String, u32>,
    /// StringIds id -> interned index.
    pub(crate) by_string_id: FxHashMap<i64, u32>,
    /// Lookups of ids that `StringIds` does not have (each shown as `[unknown string id]`).
    pub(crate) dangling: u64,
}

impl Interner {
    pub(crate) fn intern(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        let i = self.names.len() as u32;
        self.names.push(s.to_string());
        self.index.insert(s.to_string(), i);
        i
    }

    /// Interns the string of a `StringIds` id (`[unnamed]` for NULL, `[unknown string id]` for a dangling id).
    pub(crate) fn intern_sid(&mut self, strings: &StringTable, id: Option<i64>) -> u32 {
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
    pub(crate) map: FxHashMap<i64, Box<str>>,
}

impl StringTable {
    pub(crate) fn get(&self, id: i64) -> Option<&str> {
        self.map.get(&id).map(|s| &**s)
    }
}

/// Reads text from a cell, replacing bytes that are not UTF-8.
pub(crate) fn text_of(v: ValueRef<'_>) -> Option<String> {
    match v {
        ValueRef::Text(b) | ValueRef::Blob(b) => Some(String::from_utf8_lossy(b).into_owned()),
        ValueRef::Integer(i) => Some(i.to_string()),
        ValueRef::Real(f) => Some(f.to_string()),
        ValueRef::Null => None,
    }
}

/// A prepared table read: the whole table, or one rowid range of it (`?1..=?2`).
pub(crate) struct Select {
    pub(crate) table: String,
    pub(crate) whole: String,
    pub(crate) ranged: String,
    pub(crate) n: usize,
}

/// A reader over one open export.
pub(crate) struct Reader<'a> {
    pub(crate) conn: &'a Connection,
    pub(crate) path: &'a Path,
    pub(crate) tables: &'a HashSet<String>,
}

impl Reader<'_> {
    pub(crate) fn sql_err(&self, e: rusqlite::Error) -> AnalyzeError {
        classify_sqlite_error(self.path, e)
    }

    pub(crate) fn has(&self, table: &str) -> bool {
        self.tables.contains(table)
    }

    pub(crate) fn columns(&self, table: &str) -> Result<HashSet<String>> {
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
    pub(crate) fn scan(
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
    pub(crate) fn select(&self, table: &str, wanted: &[&str], cond: &str) -> Result<Option<Select>> {
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
    pub(crate) fn run(&self, sel: &Select, range: Range, mut f: impl FnMut(&[ValueRef<'_>]) -> Result<()>) -> Result<()> {
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
    pub(crate) fn ranges(&self, sel: &Select, opts: &ReadOptions) -> Vec<Range> {
        rowid_ranges(self.conn, &sel.table, opts.chunk_rows)
    }

    pub(crate) fn bad(&self, table: &str, column: &str, detail: impl Into<String>) -> AnalyzeError {
        AnalyzeError::BadColumn {
            path: self.path.to_path_buf(),
            table: table.to_string(),
            column: column.to_string(),
            detail: detail.into(),
        }
    }

    /// An integer cell; NULL gives None; reals are truncated; text that is not a number is an error.
    pub(crate) fn int(&self, v: ValueRef<'_>, table: &str, column: &str) -> Result<Option<i64>> {
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

    pub(crate) fn req(&self, v: ValueRef<'_>, table: &str, column: &str) -> Result<i64> {
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
pub(crate) fn classify_sqlite_error(path: &Path, e: rusqlite::Error) -> AnalyzeError {
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
/// export that is not in the page cache is read past it, with `O_DIRECT` (see [`crate::read::directio`]).
pub fn open(path: &Path, io: ReadMode) -> Result<Connection> {
    use std::io::Read;
    crate::fsutil::check_input(path)?;
    let mut f = std::fs::File::open(path).map_err(|source| AnalyzeError::Io(IoError::Unreadable { path: path.to_path_buf(), source }))?;
    let meta = f.metadata().map_err(|source| AnalyzeError::Io(IoError::Unreadable { path: path.to_path_buf(), source }))?;
    if meta.is_dir() {
        return Err(AnalyzeError::NotSqlite { path: path.to_path_buf(), detail: "it is a directory".into() });
    }
    let mut magic = [0u8; 16];
    let n = f.read(&mut magic).map_err(|source| AnalyzeError::Io(IoError::Unreadable { path: path.to_path_buf(), source }))?;
    if n < 16 || &magic != b"SQLite format 3\0" {
        let detail = if n == 0 { "the file is empty".to_string() } else { "no SQLite header".to_string() };
        return Err(AnalyzeError::NotSqlite { path: path.to_path_buf(), detail });
    }
    // Rows committed to a write-ahead log are not in the main file yet, and an immutable open (the only kind that
    // never writes beside the export) does not see them: refuse rather than report part of the data.
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    if std::fs::metadata(&wal).is_ok_and(|m| m.len() > 32) {
        return Err(AnalyzeError::Io(IoError::BadInput {
            path: path.to_path_buf(),
            detail: format!(
                "has rows in its write-ahead log '{}' that a read-only open cannot see; finish or close the program writing it, or checkpoint it with `sqlite3 FILE 'PRAGMA wal_checkpoint(TRUNCATE)'` (on a copy if it must stay untouched), then analyze again",
                Path::new(&wal).display()
            ),
        }));
    }
    let mut uri = format!("file:{}?immutable=1", uri_escape(path));
    if let Some(vfs) = crate::read::directio::vfs_for(path, &f, meta.len(), io) {
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
pub(crate) fn uri_escape(path: &Path) -> String {
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

