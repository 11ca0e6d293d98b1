//! Shared helpers of the analyze integration tests: locating `../shared/realdata` and `nsys`.
//!
//! In CI (`CI=true`) a missing input is a failure; on a user's fresh clone the test is skipped with a reason.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// `../shared/realdata` beside the checkout, if present.
pub fn realdata() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/realdata");
    dir.is_dir().then(|| dir.canonicalize().unwrap())
}

/// Returns the realdata dir, or skips (prints why and returns None); in CI, fails instead.
pub fn realdata_or_skip(test: &str) -> Option<PathBuf> {
    match realdata() {
        Some(d) => Some(d),
        None => {
            let msg = format!("{test}: ../shared/realdata is missing (the real nsys/ncu exports beside the checkout)");
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("{msg}; CI must have it");
            }
            eprintln!("SKIPPED {msg}");
            None
        }
    }
}

/// Path of `nsys`, or skips (in CI: fails).
pub fn nsys_or_skip(test: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|p| std::env::split_paths(&p).map(|d| d.join("nsys")).find(|p| p.is_file()));
    match found {
        Some(p) => Some(p),
        None => {
            let msg = format!("{test}: `nsys` is not on PATH (install Nsight Systems as .ci/run does)");
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("{msg}; CI must have it");
            }
            eprintln!("SKIPPED {msg}");
            None
        }
    }
}

/// Every `*.sqlite` under the realdata dir, sorted.
pub fn sqlite_files(dir: &Path) -> Vec<PathBuf> {
    files_with_ext(dir, "sqlite")
}

/// Every file with extension `ext` under `dir`, sorted.
pub fn files_with_ext(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == ext) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Opens an export read-only for independent SQL checks.
pub fn sql(path: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open_with_flags(
        format!("file:{}?immutable=1", path.display()),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_URI,
    )
    .unwrap()
}

/// Whether a table exists.
pub fn has_table(c: &rusqlite::Connection, t: &str) -> bool {
    c.query_row("SELECT count(*) FROM sqlite_master WHERE name = ?1", [t], |r| r.get::<_, i64>(0)).unwrap() > 0
}
