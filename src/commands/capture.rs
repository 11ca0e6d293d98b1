//! `capture` (the one command: both regimes, the profilers on the canonical points, the analyses) and `sweep`
//! (the measurement engine), with the signal handling both share.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::cli::CaptureArgs;

/// Runs `capture`.
pub fn capture_cmd(args: CaptureArgs) -> anyhow::Result<()> {
    let dry_run = args.dry_run;
    let mut notes = Vec::new();
    let cfg = args.into_run_config(std::env::args().skip(1), &mut notes)?;
    for n in &notes {
        eprintln!("note: {n}");
    }
    if dry_run {
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "# capture {} -> {}", cfg.run_id, ::capture::text::path(&cfg.results.join(&cfg.run_id)))?;
        for line in cfg.plan_lines() {
            writeln!(stdout, "{line}")?;
        }
        return Ok(());
    }
    install_stop_handler();
    let analyze_hook = |sqlite: &std::path::Path, ncu: Option<&std::path::Path>, out: &std::path::Path| -> Result<String, String> {
        let mut opts = ::analyze::Options::default();
        opts.models = ::analyze::passes::traffic::ModelBytes::beside(sqlite);
        opts.unprofiled = schema::sweep::unprofiled_rows_for(sqlite);
        let ncu: Vec<std::path::PathBuf> = ncu.map(|p| p.to_path_buf()).into_iter().collect();
        let tables = super::analyze::compute_tables(sqlite, &ncu, out, &opts, None, &|_| {}).map_err(|e| e.to_string())?;
        ::analyze::write_tables(&tables, out, &[::analyze::Format::Csv, ::analyze::Format::Json]).map_err(|e| e.to_string())?;
        ::reports::run::write_analysis_report(&tables, out, &::reports::ReportOptions::default()).map_err(|e| e.to_string())?;
        let s = &tables.summary;
        let steps = if tables.steps.is_empty() { String::new() } else { format!("; {} steps at {} point(s)", tables.steps.len(), tables.step_summary.iter().map(|r| &r.point).collect::<std::collections::BTreeSet<_>>().len()) };
        Ok(format!("{} kernels, {} NVTX ranges, {:.1}% of kernel time attributed{steps}", s.kernels, s.nvtx_ranges, s.attributed_pct))
    };
    match ::capture::run::run_capture(&cfg, &STOP, &analyze_hook) {
        Ok((dir, m)) => {
            match ::reports::run::render_run_noting(&dir, &::reports::run::RunOptions::new(15, None)) {
                Ok((files, skipped)) => {
                    for m in &skipped {
                        eprintln!("warning: {}", ::capture::text::term_safe(m));
                    }
                    eprintln!("reports: {} files, start at {}", files.len(), ::capture::text::path(&dir.join("index.md")))
                }
                Err(e) => eprintln!("reports could not be rendered: {e}"),
            }
            for s in &m.steps {
                eprintln!("  {:<28} {:<11} {}", s.name, format!("{:?}", s.status).to_lowercase(), s.message);
            }
            println!("wrote {}", ::capture::text::path(&dir));
            let failed = m.steps.iter().filter(|s| s.status == ::capture::manifest::StepStatus::Failed).count();
            if failed > 0 {
                eprintln!("capture finished with {failed} failed step(s); see {}", ::capture::text::path(&dir.join("manifest.json")));
                std::process::exit(2);
            }
            Ok(())
        }
        Err(::capture::CaptureError::Interrupted) => {
            eprintln!("interrupted: finished steps are saved in {} (see manifest.json)", ::capture::text::path(&cfg.results.join(&cfg.run_id)));
            std::process::exit(130);
        }
        Err(e) => Err(e.into()),
    }
}

/// Set by SIGINT/SIGTERM: long runs stop after the current request batch, keeping what is finished.
static STOP: AtomicBool = AtomicBool::new(false);

fn install_stop_handler() {
    let _ = ctrlc::set_handler(|| {
        if STOP.swap(true, Ordering::SeqCst) {
            // Second signal: leave now.
            std::process::exit(130);
        }
        eprintln!("\nstopping after the current run (signal again to quit at once)...");
    });
}

/// Runs `sweep`.
pub fn sweep_cmd(cfg: ::capture::sweep::SweepConfig) -> anyhow::Result<()> {
    install_stop_handler();
    eprintln!(
        "sweep: {} ({}, {} weights) on {}, {} configuration(s) × ({} warmup + {} reps), {} decode steps",
        ::capture::text::term_safe(&cfg.model.name),
        cfg.dtype.as_str(),
        if cfg.model.weights == ::capture::model::WeightSource::Random { "random" } else { "real" },
        cfg.device.label(),
        cfg.points.len(),
        cfg.warmup,
        cfg.reps,
        cfg.gen_tokens
    );
    let outcome = ::capture::sweep::run_sweep(&cfg, &STOP)?;
    if outcome.interrupted {
        eprintln!("interrupted: {} configuration(s) finished and saved in {}", outcome.rows.len(), ::capture::text::path(&cfg.out));
        std::process::exit(130);
    }
    println!("wrote {} and {}", ::capture::text::path(&cfg.out), ::capture::text::path(&cfg.reps_out));
    if outcome.nothing_measured() {
        anyhow::bail!("{}", outcome.failure_summary());
    }
    Ok(())
}

