//! `diff`: two exports or analysis folders compared; the exit code gates CI with `--gate`.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::cli::diff::DiffConfig;

/// The tables of one side: read from an analysis folder's tables.json, or computed from an export (a
/// `.nsys-rep` is exported into `work` first).
fn side(input: &Path, work: &Path, opts: &::analyze::Options) -> anyhow::Result<schema::Tables> {
    if input.is_dir() {
        let json = input.join("tables.json");
        if !json.is_file() {
            anyhow::bail!("{}: a folder without tables.json; give an analysis folder (`latency-anatomy analyze … --out DIR`) or an export", ::capture::text::path(input));
        }
        return Ok(schema::io::read_tables(&json)?);
    }
    ::analyze::fsutil::check_input(input)?;
    if ::analyze::read::kineto::looks_like_trace(input) {
        return Ok(::analyze::analyze_kineto(input, opts, &|_| {})?);
    }
    let sqlite = ::analyze::read::nsys::export::ensure_sqlite(input, work)?;
    Ok(::analyze::analyze_file(&sqlite, opts)?)
}

/// Runs `diff`; returns the exit code (the gate's when `--gate` is given).
pub fn diff_cmd(cfg: DiffConfig) -> anyhow::Result<u8> {
    let inputs: Vec<&Path> = [&cfg.a, &cfg.b].into_iter().map(PathBuf::as_path).filter(|p| !p.is_dir()).collect();
    ::analyze::check_output_dir(&cfg.out, &inputs)?;
    let created = !cfg.out.exists();
    let lock = super::lock_folder(&cfg.out)?;
    let r = (|| {
        let a = side(&cfg.a, &cfg.out.join("a"), &cfg.options)?;
        let b = side(&cfg.b, &cfg.out.join("b"), &cfg.options)?;
        let opts = ::analyze::diff::DiffOptions { a_name: cfg.a.display().to_string(), b_name: cfg.b.display().to_string(), matched_by: cfg.matched_by };
        let report = ::analyze::diff::diff(&a, &b, &opts);
        ::reports::diff::write_diff(&report, &cfg.out)?;
        Ok::<_, anyhow::Error>(report)
    })();
    drop(lock);
    let report = match r {
        Ok(r) => r,
        Err(e) => {
            if created {
                let _ = std::fs::remove_dir(&cfg.out);
            }
            return Err(e);
        }
    };
    if !cfg.quiet {
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "{}", ::capture::text::term_safe(&report.verdict_line))?;
        for c in report.checks.iter().filter(|c| c.status != "pass") {
            writeln!(stdout, "  {} {}: {}", c.status, c.name, ::capture::text::term_safe(&c.detail))?;
        }
        writeln!(stdout, "wrote {}", ::capture::text::path(&cfg.out))?;
    }
    Ok(cfg.gate.map(|g| ::analyze::diff::gate_code(&report, g)).unwrap_or(0))
}
