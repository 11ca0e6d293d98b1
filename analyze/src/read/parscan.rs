//! Reading one SQLite table on several connections at once.
//!
//! A table is split into rowid ranges ([`rowid_ranges`]); each range is read with its own
//! `... WHERE rowid BETWEEN ?1 AND ?2` query, which SQLite answers by seeking in the table's b-tree, so the ranges
//! together read every page once, and concatenating them in range order gives exactly the rows of a plain scan, in
//! the same order (a plain scan walks the b-tree in rowid order).
//!
//! Two ways to use the ranges:
//! - [`Queue`]: any thread that is free takes the next range; results are put back in range order at the end
//!   (used for the CUDA API table, whose rows are all kept anyway);
//! - [`ordered`]: worker threads decode ranges ahead of a consumer that takes them strictly in range order, with at
//!   most a fixed number decoded and waiting, so memory stays bounded (used for the NVTX table, which feeds a sweep
//!   that needs rows in table order). The consumer decodes a range itself when no worker has taken it, so the
//!   pipeline finishes even when no worker could start.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};

use std::path::Path;

use rusqlite::Connection;

use crate::error::{AnalyzeError, Result};

/// A rowid range `lo..=hi`, or `None` for the whole table (a plain scan).
pub(crate) type Range = Option<(i64, i64)>;

/// How tables are read: rows per range and reader threads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadOptions {
    /// Rowids per range: tables with more rows are read in ranges of this many rowids (at least 1).
    pub chunk_rows: u64,
    /// Reader threads besides the calling one, which reads too (0: read everything on the calling thread).
    pub threads: usize,
    /// How the export's file is read (page cache or `O_DIRECT`); the results do not depend on it.
    pub io: crate::read::directio::ReadMode,
}

impl Default for ReadOptions {
    /// 65,536 rowids per range; one reading thread per core (at most 4), the calling one included; reads as
    /// [`ReadMode::Auto`](crate::read::directio::ReadMode::Auto) decides.
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
        ReadOptions { chunk_rows: 1 << 16, threads: cores.clamp(1, 4) - 1, io: Default::default() }
    }
}

/// Splits `table` into rowid ranges of `chunk_rows` rowids. A single `None` (plain scan) when the table is small,
/// empty, missing, or has no rowid (a view).
pub(crate) fn rowid_ranges(conn: &Connection, table: &str, chunk_rows: u64) -> Vec<Range> {
    // Two queries: SQLite answers a lone min() or max() of the rowid from one end of the b-tree, but both in one
    // query with a full scan.
    let end = |f: &str| conn.query_row(&format!("SELECT {f}(rowid) FROM \"{table}\""), [], |r| r.get::<_, Option<i64>>(0));
    let (Ok(Some(lo)), Ok(Some(hi))) = (end("min"), end("max")) else { return vec![None] };
    let per = chunk_rows.max(1) as i128;
    let span = hi as i128 - lo as i128 + 1;
    if span <= per {
        return vec![None];
    }
    let mut out = Vec::new();
    let mut a = lo as i128;
    while a <= hi as i128 {
        let b = (a + per - 1).min(hi as i128);
        out.push(Some((a as i64, b as i64)));
        a = b + 1;
    }
    out
}

/// Ranges taken by whichever thread is free; [`Queue::results`] gives the results in range order. A failed range
/// or [`Queue::cancel`] makes the threads stop taking ranges.
pub(crate) struct Queue<T> {
    ranges: Vec<Range>,
    next: AtomicUsize,
    out: Mutex<Vec<Option<Result<T>>>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl<T> Queue<T> {
    pub(crate) fn new(ranges: Vec<Range>) -> Queue<T> {
        let out = Mutex::new((0..ranges.len()).map(|_| None).collect());
        Queue { ranges, next: AtomicUsize::new(0), out }
    }

    /// Takes ranges until none is left, reading each with `f`.
    pub(crate) fn work(&self, mut f: impl FnMut(Range) -> Result<T>) {
        loop {
            let i = self.next.fetch_add(1, Ordering::Relaxed);
            let Some(&r) = self.ranges.get(i) else { return };
            let v = f(r);
            if v.is_err() {
                self.cancel();
            }
            lock(&self.out)[i] = Some(v);
        }
    }

    /// No more ranges are taken.
    pub(crate) fn cancel(&self) {
        self.next.store(usize::MAX / 2, Ordering::Relaxed);
    }

    /// The results in range order: the first error in range order, or `None` when some range was never read (a
    /// thread failed, or the queue was cancelled).
    pub(crate) fn results(self) -> Option<Result<Vec<T>>> {
        let out = self.out.into_inner().unwrap_or_else(|e| e.into_inner());
        let mut v = Vec::with_capacity(out.len());
        for r in out {
            match r {
                Some(Ok(t)) => v.push(t),
                Some(Err(e)) => return Some(Err(e)),
                None => return None,
            }
        }
        Some(Ok(v))
    }
}

struct State<T> {
    /// First range no thread has taken.
    next: usize,
    /// Ranges handed out in order so far (the consumer's position).
    consumed: usize,
    ready: BTreeMap<usize, Result<T>>,
    stop: bool,
}

/// Ranges decoded by worker threads ([`Pipeline::work`]) ahead of one consumer that takes them strictly in range
/// order ([`Pipeline::next`]), with at most `ahead` ranges taken beyond the consumer's position. The consumer may
/// start late (the workers fill the window meanwhile) and reads a range itself when no worker has taken it.
pub(crate) struct Pipeline<'a, T> {
    path: &'a Path,
    ranges: &'a [Range],
    ahead: usize,
    decode: &'a (dyn Fn(&Connection, Range) -> Result<T> + Sync),
    state: Mutex<State<T>>,
    cv: Condvar,
}

/// Marks the range a worker was reading as failed if the worker ends without delivering it (a panic).
struct Delivery<'p, 'a, T> {
    pipe: &'p Pipeline<'a, T>,
    current: Option<usize>,
}

impl<T> Drop for Delivery<'_, '_, T> {
    fn drop(&mut self) {
        if let Some(i) = self.current.take() {
            let mut g = lock(&self.pipe.state);
            let detail = "a table reader thread failed".to_string();
            g.ready.insert(i, Err(AnalyzeError::Corrupt { path: self.pipe.path.to_path_buf(), detail }));
            self.pipe.cv.notify_all();
        }
    }
}

impl<'a, T: Send> Pipeline<'a, T> {
    /// A pipeline over `ranges` of the file at `path` (named in the error of a worker that fails).
    pub(crate) fn new(
        path: &'a Path,
        ranges: &'a [Range],
        ahead: usize,
        decode: &'a (dyn Fn(&Connection, Range) -> Result<T> + Sync),
    ) -> Self {
        let state = Mutex::new(State { next: 0, consumed: 0, ready: BTreeMap::new(), stop: false });
        Pipeline { path, ranges, ahead: ahead.max(1), decode, state, cv: Condvar::new() }
    }

    /// Worker loop: decodes ranges with `conn` until none is left or [`Pipeline::stop`].
    pub(crate) fn work(&self, conn: &Connection) {
        let mut d = Delivery { pipe: self, current: None };
        loop {
            let i = {
                let mut g = lock(&self.state);
                loop {
                    if g.stop || g.next >= self.ranges.len() {
                        return;
                    }
                    if g.next < g.consumed + self.ahead {
                        g.next += 1;
                        break g.next - 1;
                    }
                    g = self.cv.wait(g).unwrap_or_else(|e| e.into_inner());
                }
            };
            d.current = Some(i);
            let v = (self.decode)(conn, self.ranges[i]);
            let mut g = lock(&self.state);
            g.ready.insert(i, v);
            d.current = None;
            self.cv.notify_all();
        }
    }

    /// The next range's result, in range order (`None` after the last). While it is not ready, reads the next range
    /// nobody has taken (maybe this one) with `main`.
    pub(crate) fn next(&self, main: &Connection) -> Option<Result<T>> {
        loop {
            let (i, j) = {
                let mut g = lock(&self.state);
                let i = g.consumed;
                if i >= self.ranges.len() || g.stop {
                    return None;
                }
                loop {
                    if let Some(v) = g.ready.remove(&i) {
                        g.consumed = i + 1;
                        self.cv.notify_all();
                        return Some(v);
                    }
                    if g.next < self.ranges.len() && g.next < g.consumed + self.ahead {
                        g.next += 1;
                        break (i, g.next - 1);
                    }
                    g = self.cv.wait(g).unwrap_or_else(|e| e.into_inner());
                }
            };
            let v = (self.decode)(main, self.ranges[j]);
            let mut g = lock(&self.state);
            if j == i {
                g.consumed = i + 1;
                self.cv.notify_all();
                return Some(v);
            }
            g.ready.insert(j, v);
        }
    }

    /// Workers stop taking ranges (call before the threads are joined when the consumer ends early).
    pub(crate) fn stop(&self) {
        lock(&self.state).stop = true;
        self.cv.notify_all();
    }

    /// Runs [`Pipeline::work`] on `workers` scoped threads, each with a connection from `open` (a worker that cannot
    /// open one does nothing: the consumer reads what no worker takes). No threads for a single range.
    pub(crate) fn spawn_workers<'s>(
        &'s self,
        scope: &'s std::thread::Scope<'s, '_>,
        workers: usize,
        open: &'s (dyn Fn() -> Result<Connection> + Sync),
    ) where
        'a: 's,
    {
        if self.ranges.len() <= 1 {
            return;
        }
        for _ in 0..workers.min(self.ranges.len()) {
            scope.spawn(move || {
                if let Ok(conn) = open() {
                    self.work(&conn);
                }
            });
        }
    }
}

/// Reads `ranges` with `decode` on `workers` threads (each with a connection from `open`) and hands the results to
/// `consume` in range order, with at most `ahead` results decoded and waiting. `consume` returning `false` stops
/// the reading. The first error in range order is returned. With one range or no workers, everything happens on
/// the calling thread with `main`. `path` names the file in the error of a reader thread that fails.
#[allow(clippy::too_many_arguments)]
pub(crate) fn ordered<T: Send>(
    path: &Path,
    main: &Connection,
    ranges: &[Range],
    workers: usize,
    ahead: usize,
    open: &(dyn Fn() -> Result<Connection> + Sync),
    decode: &(dyn Fn(&Connection, Range) -> Result<T> + Sync),
    consume: &mut dyn FnMut(T) -> Result<bool>,
) -> Result<()> {
    let pipe = Pipeline::new(path, ranges, ahead, decode);
    std::thread::scope(|s| {
        pipe.spawn_workers(s, workers, open);
        let result = (|| {
            while let Some(v) = pipe.next(main) {
                if !consume(v?)? {
                    break;
                }
            }
            Ok(())
        })();
        pipe.stop();
        result
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(detail: String) -> AnalyzeError {
        AnalyzeError::Corrupt { path: "t.sqlite".into(), detail }
    }

    fn db(rows: i64) -> tempfile::NamedTempFile {
        let f = tempfile::NamedTempFile::new().unwrap();
        let c = Connection::open(f.path()).unwrap();
        c.execute_batch("CREATE TABLE t(x INTEGER); CREATE VIEW v AS SELECT x FROM t;").unwrap();
        c.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1) INSERT INTO t SELECT i * 3 FROM n", [rows])
            .unwrap();
        // Holes in the rowids.
        c.execute_batch("DELETE FROM t WHERE x % 7 = 0").unwrap();
        f
    }

    fn read(c: &Connection, r: Range) -> Result<Vec<i64>> {
        let (sql, lo, hi) = match r {
            Some((a, b)) => ("SELECT x FROM t WHERE rowid BETWEEN ?1 AND ?2", a, b),
            None => ("SELECT x FROM t WHERE ?1 <= ?2", 0, 0),
        };
        let mut st = c.prepare(sql).unwrap();
        let v = st.query_map([lo, hi], |r| r.get(0)).unwrap().collect::<rusqlite::Result<Vec<i64>>>().unwrap();
        Ok(v)
    }

    #[test]
    fn ranges_cover_the_table_in_order() {
        let f = db(1000);
        let c = Connection::open(f.path()).unwrap();
        let whole = read(&c, None).unwrap();
        assert_eq!(whole.len(), 1000 - 1000 / 7);
        for per in [1, 7, 64, 999, 1000, 5000] {
            let ranges = rowid_ranges(&c, "t", per);
            assert_eq!(ranges.len(), if per >= 1000 { 1 } else { 1000usize.div_ceil(per as usize) }, "{per}");
            let mut all = Vec::new();
            for r in &ranges {
                all.extend(read(&c, *r).unwrap());
            }
            assert_eq!(all, whole, "{per}");
        }
        assert_eq!(rowid_ranges(&c, "v", 7), vec![None], "a view is read whole");
        assert_eq!(rowid_ranges(&c, "missing", 7), vec![None]);
    }

    #[test]
    fn ordered_gives_range_order_and_stops() {
        let f = db(1000);
        let c = Connection::open(f.path()).unwrap();
        let whole = read(&c, None).unwrap();
        let ranges = rowid_ranges(&c, "t", 13);
        let open = || Connection::open(f.path()).map_err(|e| err(e.to_string()));
        for (workers, ahead) in [(0, 1), (1, 1), (2, 1), (2, 5), (4, 100)] {
            let mut all = Vec::new();
            ordered(Path::new("t.sqlite"), &c, &ranges, workers, ahead, &open, &read, &mut |v| {
                all.extend(v);
                Ok(true)
            })
            .unwrap();
            assert_eq!(all, whole, "{workers} workers");
            // Stop after the third range.
            let mut n = 0;
            ordered(Path::new("t.sqlite"), &c, &ranges, workers, ahead, &open, &read, &mut |_| {
                n += 1;
                Ok(n < 3)
            })
            .unwrap();
            assert_eq!(n, 3);
        }
    }

    #[test]
    fn the_first_error_in_range_order_wins_and_no_worker_still_works() {
        let f = db(1000);
        let c = Connection::open(f.path()).unwrap();
        let ranges = rowid_ranges(&c, "t", 50);
        let bad = |c: &Connection, r: Range| -> Result<Vec<i64>> {
            let v = read(c, r)?;
            match r {
                Some((lo, _)) if lo > 300 => Err(err(format!("bad range at {lo}"))),
                _ => Ok(v),
            }
        };
        let open = || Connection::open(f.path()).map_err(|e| err(e.to_string()));
        let e = ordered(Path::new("t.sqlite"), &c, &ranges, 2, 4, &open, &bad, &mut |_| Ok(true)).unwrap_err();
        assert_eq!(e.to_string(), err("bad range at 301".into()).to_string());
        // Workers that cannot open a connection: the consumer reads everything itself.
        let never = || Err(err("no".into()));
        let mut all = Vec::new();
        ordered(Path::new("t.sqlite"), &c, &ranges, 2, 4, &never, &read, &mut |v| {
            all.extend(v);
            Ok(true)
        })
        .unwrap();
        assert_eq!(all, read(&c, None).unwrap());
    }

    #[test]
    fn queue_results_in_range_order() {
        let q: Queue<usize> = Queue::new((0..100).map(|i| Some((i, i))).collect());
        std::thread::scope(|s| {
            s.spawn(|| q.work(|r| Ok(r.unwrap().0 as usize)));
            q.work(|r| Ok(r.unwrap().0 as usize));
        });
        assert_eq!(q.results().unwrap().unwrap(), (0..100).collect::<Vec<_>>());
        // An error stops the taking; the first error in range order is the one returned.
        let q: Queue<usize> = Queue::new((0..100).map(|i| Some((i, i))).collect());
        q.work(|r| match r.unwrap().0 {
            7 => Err(err("seven".into())),
            i => Ok(i as usize),
        });
        assert!(q.results().unwrap().unwrap_err().to_string().contains("seven"));
    }
}
