//! Helpers shared by every crate's tests (a dev-dependency only): where the real exports and `nsys` are (skipped
//! with a reason on a user's clone, a failure in CI), the synthetic export, CSV rows as maps, tables as JSON, the
//! binary under test.
//!
//! In CI (`CI=true`) a missing input is a failure; on a user's fresh clone the test is skipped with a reason.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The synthetic nsys export as SQL text (`analyze/tests/data/synthetic.sql`): nested ranges, a cross-thread
/// range, copies, a kernel outside every range, hostile names. Every hand-computed figure the tests assert is
/// explained in the file's comments.
pub const SYNTHETIC_SQL: &str = include_str!("../../analyze/tests/data/synthetic.sql");

/// True in CI (`CI=true`), where a missing input fails a test instead of skipping it.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Skips a test for a missing input (prints why), or fails it in CI.
fn skip(msg: String) {
    assert!(!in_ci(), "{msg}; CI must have it");
    eprintln!("SKIPPED {msg}");
}

/// `../shared/realdata` beside the checkout (canonical path), if present.
fn realdata_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/realdata");
    dir.is_dir().then(|| dir.canonicalize().expect("an existing folder canonicalizes"))
}

/// The realdata folder, or skips `test` (prints why and returns None); in CI, fails instead.
pub fn realdata_or_skip(test: &str) -> Option<PathBuf> {
    let d = realdata_dir();
    if d.is_none() {
        skip(format!("{test}: ../shared/realdata is missing (the real nsys/ncu exports beside the checkout)"));
    }
    d
}

/// [`realdata_or_skip`] without a test name.
pub fn realdata() -> Option<PathBuf> {
    realdata_or_skip("this test")
}

/// Path of `nsys` on PATH, or skips `test` (in CI: fails).
pub fn nsys_or_skip(test: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|p| std::env::split_paths(&p).map(|d| d.join("nsys")).find(|p| p.is_file()));
    if found.is_none() {
        skip(format!("{test}: `nsys` is not on PATH (install Nsight Systems as .ci/run does)"));
    }
    found
}

/// [`nsys_or_skip`] without a test name.
pub fn nsys() -> Option<PathBuf> {
    nsys_or_skip("this test")
}

/// Every `*.sqlite` under `dir`, sorted.
pub fn sqlite_files(dir: &Path) -> Vec<PathBuf> {
    files_with_ext(dir, "sqlite")
}

/// Every file with extension `ext` under `dir`, sorted.
pub fn files_with_ext(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let p = e.expect("a readable folder entry").path();
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
    .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Whether `python3` can import `module` (a test's PyPI oracle or engine); a missing one skips the test with a
/// printed reason, and fails it in CI, whose setup installs it.
pub fn python_module_or_skip(module: &str) -> bool {
    let ok = std::process::Command::new("python3").args(["-c", &format!("import {module}")]).status().is_ok_and(|s| s.success());
    if !ok {
        assert!(!in_ci(), "python3 with {module} is missing; .ci/setup installs it");
        eprintln!("SKIPPED: python3 -c 'import {module}' failed (.ci/setup installs it)");
    }
    ok
}

/// Whether a table exists.
pub fn has_table(c: &rusqlite::Connection, t: &str) -> bool {
    c.query_row("SELECT count(*) FROM sqlite_master WHERE name = ?1", [t], |r| r.get::<_, i64>(0)).expect("sqlite_master answers") > 0
}

/// The database built from `sql` at `dir/name`.
pub fn build_db(dir: &Path, name: &str, sql: &str) -> PathBuf {
    let p = dir.join(name);
    let _ = std::fs::remove_file(&p);
    rusqlite::Connection::open(&p).expect("a new database").execute_batch(sql).expect("the SQL applies");
    p
}

/// The synthetic export ([`SYNTHETIC_SQL`]) with `extra` SQL applied after it, at `dir/name`.
pub fn synthetic_db(dir: &Path, name: &str, extra: &str) -> PathBuf {
    build_db(dir, name, &format!("{SYNTHETIC_SQL}\n{extra}"))
}

/// Every row of a CSV file as column → value.
pub fn csv_rows(p: &Path) -> Vec<BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    let h = r.headers().expect("a header").clone();
    r.records().map(|x| h.iter().zip(x.expect("a CSV row").iter()).map(|(a, b)| (a.to_string(), b.to_string())).collect()).collect()
}

/// A JSON file, parsed.
pub fn json_file(p: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The tables as JSON without the input's path (`info.file`), to compare two analyses of one export.
pub fn json(t: &schema::Tables) -> serde_json::Value {
    let mut v = serde_json::to_value(t).expect("tables serialize");
    v["info"]["file"] = serde_json::Value::Null;
    v
}

/// The `latency-anatomy` binary under test (built by cargo for the root package's tests).
pub fn bin() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("latency-anatomy").expect("the latency-anatomy binary is built for the tests")
}
