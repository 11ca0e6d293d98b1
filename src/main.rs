//! `latency-anatomy`: thin CLI glue over the `analyze` and `reports` crates.

mod cli;

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;

use cli::{Cli, Command};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // A closed pipe (`| head`) is not an error.
            if err.chain().any(|e| e.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)) {
                return ExitCode::SUCCESS;
            }
            eprintln!("Error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Analyze(args) => analyze_cmd(args.into_config()?),
        Command::Report(args) => report_cmd(args),
        Command::Sweep(args) => sweep_cmd(args.into_config()?),
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

fn sweep_cmd(cfg: capture::sweep::SweepConfig) -> anyhow::Result<()> {
    install_stop_handler();
    eprintln!(
        "sweep: {} ({}, {} weights) on {}, {} configuration(s) × ({} warmup + {} reps), {} decode steps",
        cfg.model.name,
        cfg.dtype.as_str(),
        if cfg.model.weights == capture::model::WeightSource::Random { "random" } else { "real" },
        cfg.device.label(),
        cfg.points.len(),
        cfg.warmup,
        cfg.reps,
        cfg.gen_tokens
    );
    let outcome = capture::sweep::run_sweep(&cfg, &STOP)?;
    if outcome.interrupted {
        eprintln!("interrupted: {} configuration(s) finished and saved in {}", outcome.rows.len(), cfg.out.display());
        std::process::exit(130);
    }
    println!("wrote {} and {}", cfg.out.display(), cfg.reps_out.display());
    Ok(())
}

fn analyze_cmd(cfg: cli::AnalyzeConfig) -> anyhow::Result<()> {
    let sqlite = analyze::trace::ensure_sqlite(&cfg.input, &cfg.out)?;
    let tables = analyze::analyze_file(&sqlite, &cfg.options)?;
    analyze::write_tables(&tables, &cfg.out, &cfg.formats)?;
    let opts = reports::ReportOptions::with_top(cfg.top);
    let md = reports::render_markdown(&tables, &opts);
    let report = cfg.out.join("report.md");
    analyze::write_atomic(&report, md.as_bytes())?;
    if !cfg.quiet {
        let mut stdout = std::io::stdout().lock();
        write!(stdout, "{}", reports::render_summary(&tables, 5))?;
        writeln!(stdout, "wrote {}", cfg.out.display())?;
    }
    Ok(())
}

fn report_cmd(args: cli::ReportArgs) -> anyhow::Result<()> {
    let path = args.dir.join("tables.json");
    let tables = analyze::read_tables(&path)
        .with_context(|| format!("'{}' is not an analysis folder; run `latency-anatomy analyze EXPORT --out {}` first", args.dir.display(), args.dir.display()))?;
    let opts = reports::ReportOptions::with_top(args.top);
    let out = args.dir.join("report.md");
    analyze::write_atomic(&out, reports::render_markdown(&tables, &opts).as_bytes())?;
    println!("wrote {}", out.display());
    Ok(())
}
