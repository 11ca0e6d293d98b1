//! Reading an export with `O_DIRECT` (the `directio` VFS) must give exactly the tables of reading it through the page
//! cache, on every real export; where the file system refuses `O_DIRECT` (tmpfs) the file is read through the page
//! cache instead, with the same tables. The read mode is a value each analysis carries (`Options::io`); the count of
//! direct opens is process-wide, so everything runs in this one test binary, in one test.

use test_support as common;

use latency_anatomy_analyze::read::directio::{self, ReadMode};
use latency_anatomy_analyze::{analyze_file, bench, Options};

use common::json;

#[test]
fn direct_reads_give_the_tables_of_buffered_reads() {
    let with = |io: ReadMode| {
        let mut o = Options::default();
        o.io = io;
        o
    };
    let (buffered_opts, direct_opts) = (with(ReadMode::Buffered), with(ReadMode::Direct));
    assert_eq!(Options::default().io, ReadMode::Auto);
    let Some(dir) = common::realdata_or_skip("direct_io") else { return };
    let files = common::sqlite_files(&dir);
    assert_eq!(files.len(), 12);
    for f in &files {
        let before = directio::direct_opens();
        let buffered = analyze_file(f, &buffered_opts).unwrap();
        let scan_buffered = bench::bare_scan(f, ReadMode::Buffered).unwrap();
        assert_eq!(directio::direct_opens(), before, "{}: buffered mode opened with O_DIRECT", f.display());

        let direct = analyze_file(f, &direct_opts).unwrap();
        let scan_direct = bench::bare_scan(f, ReadMode::Direct).unwrap();
        assert_eq!(json(&direct), json(&buffered), "{}", f.display());
        assert_eq!(scan_direct, scan_buffered, "{}", f.display());
        if direct_io_works(f) {
            assert!(directio::direct_opens() > before, "{}: direct mode did not open with O_DIRECT", f.display());
        }
    }

    // Auto: a file below the size threshold is read through the page cache.
    let small = dir.join("MohanadOdema+DLProf/nsys_profile.sqlite");
    assert!(std::fs::metadata(&small).unwrap().len() < directio::DIRECT_MIN_BYTES);
    let small_file = std::fs::File::open(&small).unwrap();
    assert_eq!(directio::vfs_for(&small, &small_file, small_file.metadata().unwrap().len(), ReadMode::Auto), None);

    // tmpfs refuses O_DIRECT: same tables through the page cache.
    let shm = std::path::Path::new("/dev/shm");
    if shm.is_dir() {
        let tmp = tempfile::tempdir_in(shm).unwrap();
        let copy = tmp.path().join("copy.sqlite");
        std::fs::copy(&small, &copy).unwrap();
        let buffered = analyze_file(&copy, &buffered_opts).unwrap();
        let direct = analyze_file(&copy, &direct_opts).unwrap();
        assert_eq!(json(&direct), json(&buffered));
        assert!(direct.summary.kernels > 0);
    }

    // A database in WAL mode (not what nsys writes, but SQLite exports from other tools can be).
    let tmp = tempfile::tempdir().unwrap();
    let wal = tmp.path().join("wal.sqlite");
    let c = rusqlite::Connection::open(&wal).unwrap();
    c.execute_batch(common::SYNTHETIC_SQL).unwrap();
    let mode: String = c.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal");
    drop(c);
    let buffered = analyze_file(&wal, &buffered_opts).unwrap();
    assert_eq!(json(&analyze_file(&wal, &direct_opts).unwrap()), json(&buffered));
}

/// Whether the file system under `f` takes `O_DIRECT` (not tmpfs, for one).
fn direct_io_works(f: &std::path::Path) -> bool {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new().read(true).custom_flags(libc::O_DIRECT).open(f).is_ok()
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = f;
        false
    }
}
