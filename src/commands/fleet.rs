//! `analyze` of many inputs (several files, or a folder of them): each input into `<out>/<trace_id>/`, in
//! parallel, one failure never stopping the others; then `fleet.md` and `fleet.csv`, and with `--format parquet`
//! one Hive-partitioned dataset (`<out>/<table>/trace_id=<id>/part-0.parquet`).

use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use schema::fleet::FleetRow;

use crate::cli::analyze::{FleetConfig, FleetInput};

/// What became of one input.
struct Outcome {
    row: FleetRow,
    tables: Option<schema::Tables>,
}

/// True when `dir` holds a complete analysis newer than `input` (and, with Parquet, its partition).
fn up_to_date(input: &Path, dir: &Path, out: &Path, trace_id: &str, parquet: bool) -> bool {
    let mtime = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let (Some(src), Some(json)) = (mtime(input), mtime(&dir.join("tables.json"))) else { return false };
    json >= src && dir.join("report.md").is_file() && (!parquet || out.join("kernels").join(format!("trace_id={trace_id}")).join("part-0.parquet").is_file())
}

/// Analyzes one input into `dir` (reading with `threads` reader threads); returns its tables.
fn analyze_input(cfg: &FleetConfig, i: &FleetInput, dir: &Path, threads: usize) -> anyhow::Result<schema::Tables> {
    ::analyze::fsutil::check_input(&i.path)?;
    ::analyze::check_output_dir(dir, &[&i.path])?;
    let _lock = super::lock_folder(dir)?;
    let mut opts = cfg.options.clone();
    opts.models = ::analyze::passes::traffic::ModelBytes::beside(&i.path);
    opts.unprofiled = schema::sweep::unprofiled_rows_for(&i.path);
    let tables = super::analyze::compute_tables(&i.path, &[], dir, &opts, Some(threads), &|_| {})?;
    let files: Vec<::analyze::Format> = cfg.formats.iter().copied().filter(|f| *f != ::analyze::Format::Parquet).collect();
    ::analyze::write_tables_as(&tables, dir, &files, &i.trace_id)?;
    ::reports::run::write_analysis_report(&tables, dir, &::reports::ReportOptions::with_top(cfg.top))?;
    if cfg.formats.contains(&::analyze::Format::Parquet) {
        ::analyze::write::write_parquet_partition(&tables, &cfg.out, &i.trace_id)?;
    }
    Ok(tables)
}

/// Runs `analyze` over many inputs; returns the exit code (1 when an input failed).
pub fn fleet_cmd(cfg: FleetConfig) -> anyhow::Result<u8> {
    for n in &cfg.notes {
        eprintln!("note: {}", ::capture::text::term_safe(n));
    }
    std::fs::create_dir_all(&cfg.out).map_err(|e| anyhow::anyhow!("{}: {e}", ::capture::text::path(&cfg.out)))?;
    let lock = super::lock_folder(&cfg.out)?;
    let n = cfg.inputs.len();
    let jobs = cfg.jobs.min(n).max(1);
    let cores = std::thread::available_parallelism().map(|c| c.get()).unwrap_or(1);
    // Each analysis reads with its share of the cores (reader threads besides its own), so that `jobs` of them
    // together use them all.
    let threads = (cores / jobs).max(1) - 1;
    let parquet = cfg.formats.contains(&::analyze::Format::Parquet);
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let outcomes: Mutex<Vec<Option<Outcome>>> = Mutex::new((0..n).map(|_| None).collect());
    let say = Mutex::new(());
    // On a terminal, one bar over the inputs with a line per finished one above it; elsewhere, the lines alone.
    use std::io::IsTerminal;
    let bar = if !cfg.quiet && std::io::stderr().is_terminal() {
        let b = indicatif::ProgressBar::new(n as u64);
        b.set_style(indicatif::ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} inputs  ETA {eta}").expect("valid template"));
        Some(b)
    } else {
        None
    };
    std::thread::scope(|s| {
        for _ in 0..jobs {
            s.spawn(|| loop {
                let k = next.fetch_add(1, Ordering::SeqCst);
                let Some(i) = cfg.inputs.get(k) else { break };
                let dir = cfg.out.join(&i.trace_id);
                let shown = i.path.display().to_string();
                let t = Instant::now();
                let o = if !cfg.force && up_to_date(&i.path, &dir, &cfg.out, &i.trace_id, parquet) {
                    match schema::io::read_tables(&dir.join("tables.json")) {
                        Ok(tb) => Outcome { row: ::reports::fleet::row_of(&i.trace_id, &shown, "up-to-date", &tb, 0.0), tables: Some(tb) },
                        Err(e) => Outcome { row: ::reports::fleet::failed_row(&i.trace_id, &shown, &e.to_string()), tables: None },
                    }
                } else {
                    match analyze_input(&cfg, i, &dir, threads) {
                        Ok(tb) => Outcome { row: ::reports::fleet::row_of(&i.trace_id, &shown, "ok", &tb, t.elapsed().as_secs_f64()), tables: Some(tb) },
                        Err(e) => Outcome { row: ::reports::fleet::failed_row(&i.trace_id, &shown, &crate::error_line(&e)), tables: None },
                    }
                };
                let finished = done.fetch_add(1, Ordering::SeqCst) + 1;
                if !cfg.quiet {
                    let _g = say.lock().unwrap_or_else(|e| e.into_inner());
                    let what = match o.row.status.as_str() {
                        "failed" => format!("failed: {}", o.row.error),
                        "up-to-date" => "up to date (reused)".to_string(),
                        _ => format!("{} kernels, {:.2} s", o.row.kernels, o.row.seconds),
                    };
                    let line = format!("[{finished}/{n}] {}: {}", ::capture::text::term_safe(&i.trace_id), ::capture::text::term_safe(&what));
                    match &bar {
                        Some(b) => {
                            b.println(line);
                            b.inc(1);
                        }
                        None => eprintln!("{line}"),
                    }
                }
                outcomes.lock().unwrap_or_else(|e| e.into_inner())[k] = Some(o);
            });
        }
    });
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let outcomes: Vec<Outcome> = outcomes.into_inner().unwrap_or_else(|e| e.into_inner()).into_iter().flatten().collect();
    let mut rows: Vec<FleetRow> = outcomes.iter().map(|o| o.row.clone()).collect();
    ::reports::fleet::mark_outliers(&mut rows);
    let tables: Vec<&schema::Tables> = outcomes.iter().filter_map(|o| o.tables.as_ref()).collect();
    ::reports::fleet::write_fleet(&rows, &tables, &cfg.out, cfg.top)?;
    drop(lock);
    let failed: Vec<&FleetRow> = rows.iter().filter(|r| r.status == "failed").collect();
    if !cfg.quiet {
        let mut stdout = std::io::stdout().lock();
        let count = |s: &str| rows.iter().filter(|r| r.status == s).count();
        writeln!(stdout, "{n} input(s): {} analyzed, {} up to date, {} failed", count("ok"), count("up-to-date"), failed.len())?;
        for r in rows.iter().filter(|r| !r.outlier.is_empty()) {
            writeln!(stdout, "  outlier {}: {}", ::capture::text::term_safe(&r.trace_id), ::capture::text::term_safe(&r.outlier))?;
        }
        for r in &failed {
            writeln!(stdout, "  failed {}: {}", ::capture::text::term_safe(&r.input), ::capture::text::term_safe(&r.error))?;
        }
        writeln!(stdout, "wrote {}", ::capture::text::path(&cfg.out.join("fleet.md")))?;
    }
    Ok(if failed.is_empty() { 0 } else { 1 })
}
