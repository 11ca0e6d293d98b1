//! `.nsys-rep`/`.qdrep` reports: turned into an SQLite export by the `nsys` on PATH, reused when unchanged.

use std::path::{Path, PathBuf};

use schema::io::IoError;

use crate::error::{AnalyzeError, Result};

/// Resolves a `.nsys-rep`/`.qdrep` to an SQLite export through `nsys export`, written into `out_dir` as
/// `<stem>.sqlite`, with `<stem>.sqlite.source` beside it naming the report it came from (path, size, mtime).
/// An export made earlier from the same unchanged report is reused; a `<stem>.sqlite` that this tool did not
/// make from this report is never overwritten (an error says what to do). Any other path is returned unchanged.
pub fn ensure_sqlite(path: &Path, out_dir: &Path) -> Result<PathBuf> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    if ext != "nsys-rep" && ext != "qdrep" {
        return Ok(path.to_path_buf());
    }
    crate::fsutil::check_input(path)?;
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "report".into());
    let out = out_dir.join(format!("{stem}.sqlite"));
    let source_file = out_dir.join(format!("{stem}.sqlite.source"));
    let meta = std::fs::metadata(path).map_err(|source| AnalyzeError::Io(IoError::Unreadable { path: path.to_path_buf(), source }))?;
    let abs = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let mtime = meta.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).map_or(0, |d| d.as_nanos());
    let stamp = format!("{}\n{}\n{}\n", abs.display(), meta.len(), mtime);
    if out.exists() {
        let ours = std::fs::read_to_string(&source_file).ok();
        match ours {
            Some(s) if s == stamp => return Ok(out),
            // Made by this tool from a report of the same path that has changed since: export again.
            Some(s) if s.lines().next() == stamp.lines().next() => {}
            _ => {
                return Err(AnalyzeError::Io(IoError::BadInput {
                    path: path.to_path_buf(),
                    detail: format!(
                        "would be exported to '{}', which already exists and was not exported by latency-anatomy from this report; analyze that .sqlite directly, move it away, or choose another --out",
                        out.display()
                    ),
                }))
            }
        }
    }
    let nsys = find_on_path("nsys").ok_or_else(|| AnalyzeError::NsysMissing { path: path.to_path_buf() })?;
    std::fs::create_dir_all(out_dir).map_err(|source| AnalyzeError::Io(IoError::Write { path: out_dir.to_path_buf(), source }))?;
    // Exported under a temporary name, renamed when complete: no half-written export ever has the final name.
    let tmp = out_dir.join(format!(".{stem}.{}.partial.sqlite", std::process::id()));
    let argv = nsys_export_argv(path, &tmp);
    let output = std::process::Command::new(&nsys)
        .args(&argv)
        .output()
        .map_err(|source| AnalyzeError::Io(IoError::Unreadable { path: nsys.clone(), source }))?;
    if !output.status.success() || !tmp.exists() {
        let _ = std::fs::remove_file(&tmp);
        let stderr = String::from_utf8_lossy(&output.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(3).collect();
        return Err(AnalyzeError::NsysExportFailed {
            path: path.to_path_buf(),
            status: output.status.to_string(),
            stderr: tail.into_iter().rev().collect::<Vec<_>>().join(" | "),
        });
    }
    std::fs::rename(&tmp, &out).map_err(|source| AnalyzeError::Io(IoError::Write { path: out.clone(), source }))?;
    crate::fsutil::write_atomic(&source_file, stamp.as_bytes())?;
    Ok(out)
}

/// The argv (without the program) of the `nsys export` call that turns a report into SQLite.
pub fn nsys_export_argv(report: &Path, out: &Path) -> Vec<std::ffi::OsString> {
    vec![
        "export".into(),
        "--type".into(),
        "sqlite".into(),
        "--force-overwrite".into(),
        "true".into(),
        "--output".into(),
        out.as_os_str().to_owned(),
        report.as_os_str().to_owned(),
    ]
}

/// Finds an executable on PATH.
pub fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join(name)).find(|p| p.is_file())
}

