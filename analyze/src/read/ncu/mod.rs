//! Nsight Compute input: CSV exports ([`csv`]), `.ncu-rep` reports read natively ([`rep`]) and unit
//! normalization ([`units`]), all into one [`model::NcuFile`]. The tables built from it are passes:
//! [`crate::passes::ncu_kernels`] and [`crate::passes::ncu_phases`].

pub mod csv;
pub mod model;
pub mod rep;
pub mod units;

use std::path::{Path, PathBuf};

use crate::error::{AnalyzeError, Result};
use schema::io::IoError;

/// Reads ncu inputs: CSV files as they are, `.ncu-rep` reports with the built-in reader ([`rep`]; no `ncu`
/// needed). Only a `.ncu-rep` whose layout the reader does not know is converted with an installed `ncu --import …
/// --csv --page raw --print-units base` into `out_dir`, with a note. Several files are merged as one session.
pub fn read_inputs(paths: &[PathBuf], out_dir: &Path) -> Result<csv::NcuFile> {
    let mut files = Vec::new();
    for p in paths {
        let is_rep = p.extension().is_some_and(|e| e.eq_ignore_ascii_case("ncu-rep"));
        if !is_rep {
            files.push(csv::read(p)?);
            continue;
        }
        match rep::read(p) {
            Ok(r) => files.push(rep::to_ncu_file(&r)),
            // Not a format this reader knows (another magic): an installed ncu may still read it.
            Err(AnalyzeError::NcuRep { offset: 0, detail, .. }) if !detail.contains("empty") && crate::read::nsys::export::find_on_path("ncu").is_some() => {
                let mut f = csv::read(&convert_report(p, out_dir)?)?;
                f.notes.push(format!("{} was read by `ncu --import` ({detail}: not a report layout the built-in reader knows)", p.display()));
                files.push(f);
            }
            Err(e) => return Err(e),
        }
    }
    Ok(csv::merge(files))
}

/// Converts a `.ncu-rep` to a raw-page CSV in `out_dir` with the `ncu` on PATH.
pub fn convert_report(report: &Path, out_dir: &Path) -> Result<PathBuf> {
    if !report.is_file() {
        return Err(AnalyzeError::Io(IoError::Unreadable {
            path: report.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
        }));
    }
    let ncu = crate::read::nsys::export::find_on_path("ncu").ok_or_else(|| AnalyzeError::NcuMissing { path: report.to_path_buf() })?;
    std::fs::create_dir_all(out_dir).map_err(|source| AnalyzeError::Io(IoError::Write { path: out_dir.to_path_buf(), source }))?;
    let stem = report.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "report".into());
    let out = out_dir.join(format!("{stem}.raw.csv"));
    let o = std::process::Command::new(&ncu)
        .arg("--import")
        .arg(report)
        .args(["--csv", "--page", "raw", "--print-units", "base"])
        .output()
        .map_err(|source| AnalyzeError::Io(IoError::Unreadable { path: ncu.clone(), source }))?;
    if !o.status.success() {
        let text = String::from_utf8_lossy(&o.stderr).into_owned() + &String::from_utf8_lossy(&o.stdout);
        let last: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).rev().take(2).collect();
        return Err(AnalyzeError::NcuCsv {
            path: report.to_path_buf(),
            detail: format!("`ncu --import` failed ({}): {}; a newer ncu may be needed for this report", o.status, last.into_iter().rev().collect::<Vec<_>>().join(" | ")),
        });
    }
    std::fs::write(&out, &o.stdout).map_err(|source| AnalyzeError::Io(IoError::Write { path: out.clone(), source }))?;
    Ok(out)
}
