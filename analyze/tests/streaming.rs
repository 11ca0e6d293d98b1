//! The streaming loader (`load_attributed`: NVTX rows swept as they come out of SQLite, API table on a second
//! thread) must give exactly the tables of the in-memory path (`load` + `Attribution::build`, which sorts every
//! range first), on every real export, on the synthetic edge cases, and on copies whose NVTX rows are stored out
//! of time order (which makes the streaming loader fall back to sorting). Reading the tables in rowid ranges on
//! several threads must not change anything either.

use test_support as common;

use std::path::Path;

use latency_anatomy_analyze::read::nsys;
use latency_anatomy_analyze::{analyze_attributed, analyze_file, analyze_trace, pipeline, Options, Tables};
use nsys::ReadOptions;

use common::json;

fn same_both_ways(file: &Path) -> Tables {
    let opts = Options::default();
    let streamed = analyze_file(file, &opts).unwrap();
    let in_memory = analyze_trace(&nsys::load(file).unwrap(), &opts);
    assert_eq!(json(&streamed), json(&in_memory), "{}", file.display());
    streamed
}

/// A copy of `src` whose NVTX rows are stored in descending start order.
fn reversed_copy(src: &Path, dir: &Path) -> std::path::PathBuf {
    let out = dir.join(format!("rev_{}.sqlite", src.parent().unwrap().file_name().unwrap().to_string_lossy()));
    std::fs::copy(src, &out).unwrap();
    let mut perm = std::fs::metadata(&out).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perm.set_readonly(false);
    std::fs::set_permissions(&out, perm).unwrap();
    let c = rusqlite::Connection::open(&out).unwrap();
    c.execute_batch(
        "PRAGMA foreign_keys = OFF;
         CREATE TEMP TABLE n AS SELECT * FROM NVTX_EVENTS;
         DELETE FROM NVTX_EVENTS;
         INSERT INTO NVTX_EVENTS SELECT * FROM temp.n ORDER BY start DESC;",
    )
    .unwrap();
    out
}

#[test]
fn streaming_equals_in_memory_on_every_real_export() {
    let Some(dir) = common::realdata_or_skip("streaming") else { return };
    let files = common::sqlite_files(&dir);
    assert_eq!(files.len(), 12);
    for f in &files {
        same_both_ways(f);
    }
}

#[test]
fn out_of_order_nvtx_rows_give_the_same_tables() {
    let Some(dir) = common::realdata_or_skip("streaming") else { return };
    let tmp = tempfile::tempdir().unwrap();
    for rel in ["MohanadOdema+DLProf/nsys_profile.sqlite", "NVIDIA+Fuser/ee4fcf30/report1.sqlite", "LeiWang1999+memfusion_artifact/report1.sqlite"] {
        let src = dir.join(rel);
        let rev = reversed_copy(&src, tmp.path());
        let a = same_both_ways(&rev);
        let b = analyze_file(&src, &Options::default()).unwrap();
        assert_eq!(json(&a), json(&b), "{rel}: row order must not matter");
        assert!(a.summary.attributed_ns > 0, "{rel}: the check is only meaningful with attributed kernels");
    }
}

#[test]
fn synthetic_edge_cases_stream_the_same() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("s.sqlite");
    rusqlite::Connection::open(&p).unwrap().execute_batch(common::SYNTHETIC_SQL).unwrap();
    let t = same_both_ways(&p);
    assert!(t.info.notes.iter().any(|n| n.contains("never closed")));
}

#[test]
fn a_launch_under_an_unexpected_api_name_is_still_found() {
    // The loader keeps only API calls whose name can launch GPU work (launch/memcpy/memset/graph...); a kernel
    // launched by a call with another name must still be joined, through a second read of the API table.
    let tmp = tempfile::tempdir().unwrap();
    let base_sql = common::SYNTHETIC_SQL;
    let mut sql = base_sql.to_string();
    sql.push_str("INSERT INTO StringIds VALUES (60, 'cuMysteryEnqueue_v1');\n");
    sql.push_str("INSERT INTO CUPTI_ACTIVITY_KIND_RUNTIME VALUES (500, 510, 0, (100 << 24) | 100, 77, 60, 0, NULL);\n"); // inside prefill
    sql.push_str("INSERT INTO CUPTI_ACTIVITY_KIND_KERNEL VALUES (5000, 5100, 0, 1, 7, 77, 100 << 24, 2, 2, 1, 1, 1, 1, 1, 1);\n");
    let base = tmp.path().join("base.sqlite");
    rusqlite::Connection::open(&base).unwrap().execute_batch(base_sql).unwrap();
    let with = tmp.path().join("with.sqlite");
    rusqlite::Connection::open(&with).unwrap().execute_batch(&sql).unwrap();
    let a = same_both_ways(&base);
    let b = same_both_ways(&with);
    assert_eq!(b.summary.kernels, a.summary.kernels + 1);
    assert_eq!(b.summary.kernels_with_launch, a.summary.kernels_with_launch + 1);
    let incl = |t: &Tables| t.nvtx_ranges.iter().find(|r| r.range == "latency_anatomy:prefill").unwrap().gpu_inclusive_ns;
    assert_eq!(incl(&b), incl(&a) + 100);
}

/// The tables of `file` read in rowid ranges of `chunk_rows` on `threads` extra threads.
fn chunked(file: &Path, chunk_rows: u64, threads: usize) -> (Tables, Tables) {
    let opts = Options::default();
    let ro = ReadOptions { chunk_rows, threads, ..Default::default() };
    let (t, a) = pipeline::load_attributed_opts(file, &opts.marks(), &|_| {}, &ro).unwrap();
    let streamed = analyze_attributed(&t, &a, &opts, None);
    let in_memory = analyze_trace(&nsys::load_with(file, &ro).unwrap(), &opts);
    (streamed, in_memory)
}

#[test]
fn reading_in_rowid_ranges_on_threads_changes_nothing() {
    let Some(dir) = common::realdata_or_skip("streaming") else { return };
    let tmp = tempfile::tempdir().unwrap();
    let mut files = common::sqlite_files(&dir);
    // Out-of-order NVTX rows too: the streaming sweep then stops early and reads again, sorted.
    files.push(reversed_copy(&dir.join("MohanadOdema+DLProf/nsys_profile.sqlite"), tmp.path()));
    for f in &files {
        // Default options: these exports are small enough to be read whole, on one thread.
        let whole = json(&analyze_file(f, &Options::default()).unwrap());
        for (chunk_rows, threads) in [(1, 1), (7, 0), (7, 1), (64, 3), (1000, 2)] {
            let (streamed, in_memory) = chunked(f, chunk_rows, threads);
            assert_eq!(json(&streamed), whole, "{}: {chunk_rows} rows per range, {threads} threads", f.display());
            assert_eq!(json(&in_memory), whole, "{}: {chunk_rows} rows per range, {threads} threads (in memory)", f.display());
        }
    }
}

#[test]
fn synthetic_edge_cases_read_in_ranges_the_same() {
    // Never-closed ranges, cross-thread ends, reversed ranges, domains named after their first use, a launch under
    // an unexpected API name (found by the second, whole-table read, itself in ranges).
    let tmp = tempfile::tempdir().unwrap();
    let mut sql = common::SYNTHETIC_SQL.to_string();
    sql.push_str("INSERT INTO StringIds VALUES (60, 'cuMysteryEnqueue_v1');\n");
    sql.push_str("INSERT INTO CUPTI_ACTIVITY_KIND_RUNTIME VALUES (500, 510, 0, (100 << 24) | 100, 77, 60, 0, NULL);\n");
    sql.push_str("INSERT INTO CUPTI_ACTIVITY_KIND_KERNEL VALUES (5000, 5100, 0, 1, 7, 77, 100 << 24, 2, 2, 1, 1, 1, 1, 1, 1);\n");
    let p = tmp.path().join("s.sqlite");
    rusqlite::Connection::open(&p).unwrap().execute_batch(&sql).unwrap();
    let whole = json(&same_both_ways(&p));
    for (chunk_rows, threads) in [(1, 1), (2, 0), (3, 2)] {
        let (streamed, in_memory) = chunked(&p, chunk_rows, threads);
        assert_eq!(json(&streamed), whole, "{chunk_rows} rows per range, {threads} threads");
        assert_eq!(json(&in_memory), whole, "{chunk_rows} rows per range, {threads} threads (in memory)");
    }
}
