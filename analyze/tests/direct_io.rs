//! Reading an export with `O_DIRECT` (the `directio` VFS) must give exactly the tables of reading it through the page
//! cache, on every real export; where the file system refuses `O_DIRECT` (tmpfs) the file is read through the page
//! cache instead, with the same tables. The read mode is process-wide, so everything runs in this one test binary,
//! in one test.

mod common;

use latency_anatomy_analyze::read::directio::{self, ReadMode};
use latency_anatomy_analyze::{analyze_file, bench, Options, Tables};

fn json(t: &Tables) -> serde_json::Value {
    let mut v = serde_json::to_value(t).unwrap();
    v["info"]["file"] = serde_json::Value::Null;
    v
}

#[test]
fn direct_reads_give_the_tables_of_buffered_reads() {
    // The environment gives the mode until the program sets one.
    // (This binary's only test, so no other thread reads the environment meanwhile.)
    std::env::set_var("LATENCY_ANATOMY_IO", "buffered");
    assert_eq!(directio::read_mode(), ReadMode::Buffered);
    directio::set_read_mode(ReadMode::Auto);
    assert_eq!(directio::read_mode(), ReadMode::Auto);
    std::env::remove_var("LATENCY_ANATOMY_IO");

    let Some(dir) = common::realdata_or_skip("direct_io") else { return };
    let files = common::sqlite_files(&dir);
    assert_eq!(files.len(), 12);
    let opts = Options::default();
    for f in &files {
        directio::set_read_mode(ReadMode::Buffered);
        let before = directio::direct_opens();
        let buffered = analyze_file(f, &opts).unwrap();
        let scan_buffered = bench::bare_scan(f).unwrap();
        assert_eq!(directio::direct_opens(), before, "{}: buffered mode opened with O_DIRECT", f.display());

        directio::set_read_mode(ReadMode::Direct);
        let direct = analyze_file(f, &opts).unwrap();
        let scan_direct = bench::bare_scan(f).unwrap();
        assert_eq!(json(&direct), json(&buffered), "{}", f.display());
        assert_eq!(scan_direct, scan_buffered, "{}", f.display());
        if direct_io_works(f) {
            assert!(directio::direct_opens() > before, "{}: direct mode did not open with O_DIRECT", f.display());
        }
    }

    // Auto: a file below the size threshold is read through the page cache.
    directio::set_read_mode(ReadMode::Auto);
    let small = dir.join("MohanadOdema+DLProf/nsys_profile.sqlite");
    assert!(std::fs::metadata(&small).unwrap().len() < directio::DIRECT_MIN_BYTES);
    let small_file = std::fs::File::open(&small).unwrap();
    assert_eq!(directio::vfs_for(&small, &small_file, small_file.metadata().unwrap().len()), None);

    // tmpfs refuses O_DIRECT: same tables through the page cache.
    let shm = std::path::Path::new("/dev/shm");
    if shm.is_dir() {
        let tmp = tempfile::tempdir_in(shm).unwrap();
        let copy = tmp.path().join("copy.sqlite");
        std::fs::copy(&small, &copy).unwrap();
        directio::set_read_mode(ReadMode::Buffered);
        let buffered = analyze_file(&copy, &opts).unwrap();
        directio::set_read_mode(ReadMode::Direct);
        let direct = analyze_file(&copy, &opts).unwrap();
        assert_eq!(json(&direct), json(&buffered));
        assert!(direct.summary.kernels > 0);
    }

    // A database in WAL mode (not what nsys writes, but SQLite exports from other tools can be).
    let tmp = tempfile::tempdir().unwrap();
    let wal = tmp.path().join("wal.sqlite");
    let c = rusqlite::Connection::open(&wal).unwrap();
    c.execute_batch(include_str!("data/synthetic.sql")).unwrap();
    let mode: String = c.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal");
    drop(c);
    directio::set_read_mode(ReadMode::Buffered);
    let buffered = analyze_file(&wal, &opts).unwrap();
    directio::set_read_mode(ReadMode::Direct);
    assert_eq!(json(&analyze_file(&wal, &opts).unwrap()), json(&buffered));
    directio::set_read_mode(ReadMode::Auto);
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
