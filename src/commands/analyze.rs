//! `analyze`: an nsys export (with ncu data of the same run) or ncu data alone → tables and `report.md`.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::cli::AnalyzeConfig;

fn is_ncu_input(p: &Path) -> bool {
    p.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv") || e.eq_ignore_ascii_case("ncu-rep"))
}

/// Runs `analyze`.
pub fn analyze_cmd(cfg: AnalyzeConfig) -> anyhow::Result<()> {
    // Step lines on stderr (nsys input only): with --verbose, or on a terminal; never with --quiet.
    use std::io::IsTerminal;
    let show = !cfg.quiet && (cfg.verbose || std::io::stderr().is_terminal()) && !is_ncu_input(&cfg.input);
    let progress = |msg: &str| {
        if show {
            eprintln!("  {msg}");
        }
    };
    let mut inputs: Vec<&std::path::Path> = vec![&cfg.input];
    inputs.extend(cfg.ncu.iter().map(|p| p.as_path()));
    for i in &inputs {
        ::analyze::fsutil::check_input(i)?;
    }
    ::analyze::check_output_dir(&cfg.out, &inputs)?;
    let created = !cfg.out.exists();
    // One writer at a time per output folder: a second `analyze` into the same --out waits for the first, so
    // the folder always holds one run's complete set of files.
    let lock = super::lock_folder(&cfg.out)?;
    let r = analyze_locked(&cfg, &progress);
    drop(lock);
    if r.is_err() && created {
        // A failed analysis leaves no folder of its own behind (removed only if still empty).
        let _ = std::fs::remove_dir(&cfg.out);
    }
    r
}

/// The tables of one input: Nsight Compute data alone (`input` a .csv/.ncu-rep, with `ncu` more of it), or an
/// nsys export (a report is exported into `work` first) joined to the `ncu` data of the same run. `threads`:
/// reader threads besides the calling one (`None`: the default). What `analyze`, its many-input form and the
/// capture's analysis step all run.
pub(crate) fn compute_tables(
    input: &Path,
    ncu: &[PathBuf],
    work: &Path,
    options: &::analyze::Options,
    threads: Option<usize>,
    progress: &(dyn Fn(&str) + Sync),
) -> anyhow::Result<schema::Tables> {
    if is_ncu_input(input) {
        let mut inputs = vec![input.to_path_buf()];
        inputs.extend(ncu.iter().cloned());
        let file = ::analyze::read::ncu::read_inputs(&inputs, work)?;
        return Ok(::analyze::analyze_ncu(&input.display().to_string(), &file));
    }
    if ::analyze::read::kineto::looks_like_trace(input) {
        if !ncu.is_empty() {
            anyhow::bail!("--ncu joins Nsight Compute data to an nsys export; {} is a PyTorch profiler trace", ::capture::text::path(input));
        }
        let t = std::time::Instant::now();
        let tables = ::analyze::analyze_kineto(input, options, &progress)?;
        progress(&format!("tables: computed ({:.2} s)", t.elapsed().as_secs_f64()));
        return Ok(tables);
    }
    let sqlite = ::analyze::read::nsys::export::ensure_sqlite(input, work)?;
    let ncu_file = if ncu.is_empty() { None } else { Some(::analyze::read::ncu::read_inputs(ncu, work)?) };
    let mut read = ::analyze::read::nsys::ReadOptions { io: options.io, ..Default::default() };
    if let Some(t) = threads {
        read.threads = t;
    }
    let (mut trace, attr) = ::analyze::pipeline::load_attributed_opts(&sqlite, &options.marks(), &progress, &read)?;
    ::analyze::apply_peak(&mut trace, options);
    if ::analyze::read::directio::direct_opens() > 0 {
        progress("read with O_DIRECT, past the page cache (the file was not in it; --io buffered to read through it)");
    }
    let name = ncu.first().map(|p| p.display().to_string()).unwrap_or_default();
    let t = std::time::Instant::now();
    let tables = ::analyze::analyze_attributed(&trace, &attr, options, ncu_file.as_ref().map(|f| (name.as_str(), f)));
    progress(&format!("tables: computed ({:.2} s)", t.elapsed().as_secs_f64()));
    Ok(tables)
}

fn analyze_locked(cfg: &AnalyzeConfig, progress: &(dyn Fn(&str) + Sync)) -> anyhow::Result<()> {
    let tables = compute_tables(&cfg.input, &cfg.ncu, &cfg.out, &cfg.options, None, progress)?;
    let t = std::time::Instant::now();
    ::analyze::write_tables_as(&tables, &cfg.out, &cfg.formats, &cfg.trace_id)?;
    ::reports::run::write_analysis_report(&tables, &cfg.out, &::reports::ReportOptions::with_top(cfg.top))?;
    progress(&format!("tables and report.md written ({:.2} s)", t.elapsed().as_secs_f64()));
    if !cfg.quiet {
        let mut stdout = std::io::stdout().lock();
        // Names and paths from the trace reach the terminal escaped (no control or bidirectional characters).
        for line in ::reports::render_summary(&tables, 5).lines() {
            writeln!(stdout, "{}", ::capture::text::term_safe(line))?;
        }
        writeln!(stdout, "wrote {}", ::capture::text::path(&cfg.out))?;
    }
    Ok(())
}

