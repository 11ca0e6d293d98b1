//! Helpers shared by the CLI integration tests: where `../shared/realdata` and `nsys` are. In CI (`CI=true`) a
//! missing input is a failure; on a user's fresh clone the test is skipped with a reason.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

pub fn realdata() -> Option<PathBuf> {
    let d = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/realdata");
    if d.is_dir() {
        return Some(d);
    }
    assert!(!in_ci(), "../shared/realdata is missing; CI must have it");
    eprintln!("SKIPPED: ../shared/realdata is missing (the real nsys exports beside the checkout)");
    None
}

pub fn nsys() -> Option<PathBuf> {
    let p = std::env::var_os("PATH").and_then(|p| std::env::split_paths(&p).map(|d| d.join("nsys")).find(|p| p.is_file()));
    if p.is_none() {
        assert!(!in_ci(), "`nsys` is not on PATH; CI must install Nsight Systems");
        eprintln!("SKIPPED: `nsys` is not on PATH (install Nsight Systems as .ci/run does)");
    }
    p
}
