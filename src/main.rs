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
            eprintln!("Error: {}", error_line(&err));
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes on one line, each cause once (library errors often repeat their source's text in
/// their own message), made safe for a terminal.
fn error_line(err: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if line.contains(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    capture::text::term_safe(&line)
}

fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Analyze(args) => analyze_cmd(args.into_config()?),
        Command::Report(args) => report_cmd(args),
        Command::Sweep(args) => {
            let mut notes = Vec::new();
            let cfg = args.into_config(&mut notes)?;
            for n in &notes {
                eprintln!("note: {n}");
            }
            sweep_cmd(cfg)
        }
        Command::Capture(args) => capture_cmd(args),
        Command::Bench(b) => bench_cmd(b),
    }
}

/// CPU time (user + system) of this process, seconds, from /proc/self/stat (clock ticks of 1/100 s).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may contain spaces) start after the last ')'.
    let rest = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}


fn bench_cmd(b: cli::BenchCommand) -> anyhow::Result<()> {
    match b {
        cli::BenchCommand::MakeTrace { from, kernels, out } => {
            let t = std::time::Instant::now();
            let s = analyze::bench::make_trace(&from, kernels, &out)?;
            println!("wrote {} in {:.1} s: {} tiles", capture::text::path(&out), t.elapsed().as_secs_f64(), s.tiles);
            for (table, n) in &s.rows {
                println!("  {table:<32} {n:>12} rows");
            }
            Ok(())
        }
        cli::BenchCommand::RunOne { mode, file, out } => {
            let t = std::time::Instant::now();
            let rows = match mode.as_str() {
                "scan" => analyze::bench::bare_scan(&file)?,
                "analyze" => {
                    let out = out.unwrap_or_else(|| std::env::temp_dir().join("latency-anatomy-bench"));
                    let tables = analyze::analyze_file(&file, &analyze::Options::default())?;
                    analyze::write_tables(&tables, &out, &[analyze::Format::Csv, analyze::Format::Json])?;
                    let md = reports::render_markdown(&tables, &reports::ReportOptions::default());
                    analyze::write_atomic(&out.join("report.md"), md.as_bytes())?;
                    tables.summary.kernels
                }
                other => anyhow::bail!("run-one: unknown mode {other:?} (scan or analyze)"),
            };
            println!(
                "{}",
                serde_json::json!({"mode": mode, "rows": rows, "wall_s": t.elapsed().as_secs_f64(), "cpu_s": cpu_seconds(), "peak_rss_mb": capture::mem::cpu_rss_mb().1.unwrap_or(0.0)})
            );
            Ok(())
        }
        cli::BenchCommand::Analyze { from, sizes, dir, warm, runs, io } => {
            let from = from.unwrap_or_else(|| std::path::PathBuf::from("../shared/realdata/MohanadOdema+DLProf/nsys_profile.sqlite"));
            std::fs::create_dir_all(&dir).with_context(|| format!("cannot create --dir {}", capture::text::path(&dir)))?;
            let exe = std::env::current_exe()?;
            // Cold runs: write back and drop the page cache before every measured step.
            let mut cold = !warm;
            if cold {
                let dropped = std::process::Command::new("sync").status().is_ok_and(|s| s.success())
                    && std::fs::write("/proc/sys/vm/drop_caches", "3").is_ok();
                if !dropped {
                    eprintln!("cannot drop the page cache (needs root): measuring with a warm cache");
                    cold = false;
                }
            }
            let drop_cache = || {
                if cold {
                    let _ = std::process::Command::new("sync").status();
                    let _ = std::fs::write("/proc/sys/vm/drop_caches", "3");
                }
            };
            let io_name = io.mode().name();
            println!("page cache: {}; reads: {io_name}; median of {runs} run(s) per step", if cold { "cold (dropped before each step)" } else { "warm" });
            let run_once = |mode: &str, file: &std::path::Path| -> anyhow::Result<serde_json::Value> {
                drop_cache();
                let o = std::process::Command::new(&exe)
                    .args(["bench", "run-one", mode])
                    .arg(file)
                    .arg("--out")
                    .arg(dir.join("analysis"))
                    .env("LATENCY_ANATOMY_IO", io_name)
                    .output()?;
                if !o.status.success() {
                    anyhow::bail!("bench {mode} failed on {}: {}", capture::text::path(file), String::from_utf8_lossy(&o.stderr).trim());
                }
                Ok(serde_json::from_slice(&o.stdout)?)
            };
            // `runs` runs of a step; the one with the median wall time stands for it.
            let run = |mode: &str, file: &std::path::Path| -> anyhow::Result<serde_json::Value> {
                let mut all = Vec::new();
                for _ in 0..runs {
                    all.push(run_once(mode, file)?);
                }
                all.sort_by(|a, b| a["wall_s"].as_f64().unwrap_or(0.0).total_cmp(&b["wall_s"].as_f64().unwrap_or(0.0)));
                let walls: Vec<f64> = all.iter().map(|r| r["wall_s"].as_f64().unwrap_or(0.0)).collect();
                let mut m = all.swap_remove(all.len() / 2);
                m["wall_s_all"] = serde_json::json!(walls);
                Ok(m)
            };
            println!("{:>10}  {:>10} {:>9} {:>10}  {:>10} {:>9} {:>10}  {:>6}", "kernels", "scan s", "cpu s", "RSS MB", "analyze s", "cpu s", "RSS MB", "b/a");
            let mut results = Vec::new();
            for n in sizes {
                let file = dir.join(format!("bench_{n}.sqlite"));
                if !file.is_file() {
                    eprintln!("building {} ...", capture::text::path(&file));
                    analyze::bench::make_trace(&from, n, &file)?;
                }
                if !cold {
                    // Warm: the whole file in the page cache (a direct read would leave it out), then a warm-up
                    // scan, neither measured.
                    let mut f = std::fs::File::open(&file).with_context(|| format!("cannot read {}", capture::text::path(&file)))?;
                    std::io::copy(&mut f, &mut std::io::sink())?;
                    run_once("scan", &file)?;
                }
                let a = run("scan", &file)?;
                let b = run("analyze", &file)?;
                let (wa, wb) = (a["wall_s"].as_f64().unwrap_or(0.0), b["wall_s"].as_f64().unwrap_or(0.0));
                println!(
                    "{:>10}  {:>10.3} {:>9.2} {:>10.1}  {:>10.3} {:>9.2} {:>10.1}  {:>6.2}",
                    b["rows"], wa, a["cpu_s"].as_f64().unwrap_or(0.0), a["peak_rss_mb"].as_f64().unwrap_or(0.0), wb, b["cpu_s"].as_f64().unwrap_or(0.0), b["peak_rss_mb"].as_f64().unwrap_or(0.0), wb / wa.max(1e-9)
                );
                results.push(serde_json::json!({"kernels_requested": n, "cache": if cold { "cold" } else { "warm" }, "io": io_name, "file_bytes": std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0), "scan": a, "analyze": b, "ratio": wb / wa.max(1e-9)}));
            }
            std::fs::write(dir.join("bench.json"), serde_json::to_string_pretty(&results)? + "\n")?;
            println!("wrote {}", capture::text::path(&dir.join("bench.json")));
            Ok(())
        }
    }
}

fn capture_cmd(args: cli::CaptureArgs) -> anyhow::Result<()> {
    let dry_run = args.dry_run;
    let mut notes = Vec::new();
    let cfg = match args.resume.clone() {
        Some(dir) => {
            let extra = cli::flags_besides_resume(std::env::args().skip(1));
            if !extra.is_empty() {
                anyhow::bail!(
                    "--resume {} continues the run with its own flags (from its manifest.json), so {} would be ignored; remove {}, or start a new run with another --run-id",
                    capture::text::path(&dir),
                    extra.iter().map(|f| capture::text::term_safe(f)).collect::<Vec<_>>().join(" "),
                    if extra.len() == 1 { "it" } else { "them" }
                );
            }
            cli::CaptureArgs::resumed(&dir, &mut notes)?
        }
        None => args.into_config(&mut notes)?,
    };
    for n in &notes {
        eprintln!("note: {n}");
    }
    if dry_run {
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "# capture {} -> {}", cfg.run_id, capture::text::path(&cfg.results.join(&cfg.run_id)))?;
        for line in cfg.plan_lines() {
            writeln!(stdout, "{line}")?;
        }
        return Ok(());
    }
    install_stop_handler();
    let analyze_hook = |sqlite: &std::path::Path, ncu: Option<&std::path::Path>, out: &std::path::Path| -> Result<String, String> {
        let mut opts = analyze::Options::default();
        opts.model = analyze::passes::traffic::ModelBytes::beside(sqlite);
        let (trace, attr) = analyze::pipeline::load_attributed(sqlite, &opts.phases).map_err(|e| e.to_string())?;
        let ncu_file = match ncu {
            Some(p) => Some(analyze::read::ncu::read_inputs(&[p.to_path_buf()], out).map_err(|e| e.to_string())?),
            None => None,
        };
        let name = ncu.map(|p| p.display().to_string()).unwrap_or_default();
        let tables = analyze::analyze_attributed(&trace, &attr, &opts, ncu_file.as_ref().map(|f| (name.as_str(), f)));
        analyze::write_tables(&tables, out, &[analyze::Format::Csv, analyze::Format::Json]).map_err(|e| e.to_string())?;
        let md = reports::run::analysis_markdown(&tables, out, &reports::ReportOptions::default()).map_err(|e| e.to_string())?;
        analyze::write_atomic(&out.join("report.md"), md.as_bytes()).map_err(|e| e.to_string())?;
        let s = &tables.summary;
        Ok(format!("{} kernels, {} NVTX ranges, {:.1}% of kernel time attributed", s.kernels, s.nvtx_ranges, s.attributed_pct))
    };
    match capture::run::run_capture(&cfg, &STOP, &analyze_hook) {
        Ok((dir, m)) => {
            match reports::run::render_run_noting(&dir, &reports::run::RunOptions::new(15, None)) {
                Ok((files, skipped)) => {
                    for m in &skipped {
                        eprintln!("warning: {}", capture::text::term_safe(m));
                    }
                    eprintln!("reports: {} files, start at {}", files.len(), capture::text::path(&dir.join("index.md")))
                }
                Err(e) => eprintln!("reports could not be rendered: {e}"),
            }
            for s in &m.steps {
                eprintln!("  {:<28} {:<11} {}", s.name, format!("{:?}", s.status).to_lowercase(), s.message);
            }
            println!("wrote {}", capture::text::path(&dir));
            let failed = m.steps.iter().filter(|s| s.status == capture::manifest::StepStatus::Failed).count();
            if failed > 0 {
                eprintln!("capture finished with {failed} failed step(s); see {}", capture::text::path(&dir.join("manifest.json")));
                std::process::exit(2);
            }
            Ok(())
        }
        Err(capture::CaptureError::Interrupted) => {
            eprintln!("interrupted: finished steps are saved in {} (see manifest.json)", capture::text::path(&cfg.results.join(&cfg.run_id)));
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

fn sweep_cmd(cfg: capture::sweep::SweepConfig) -> anyhow::Result<()> {
    install_stop_handler();
    eprintln!(
        "sweep: {} ({}, {} weights) on {}, {} configuration(s) × ({} warmup + {} reps), {} decode steps",
        capture::text::term_safe(&cfg.model.name),
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
        eprintln!("interrupted: {} configuration(s) finished and saved in {}", outcome.rows.len(), capture::text::path(&cfg.out));
        std::process::exit(130);
    }
    println!("wrote {} and {}", capture::text::path(&cfg.out), capture::text::path(&cfg.reps_out));
    if outcome.nothing_measured() {
        anyhow::bail!("{}", outcome.failure_summary());
    }
    Ok(())
}

fn is_ncu_input(p: &std::path::Path) -> bool {
    p.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv") || e.eq_ignore_ascii_case("ncu-rep"))
}

fn analyze_cmd(cfg: cli::AnalyzeConfig) -> anyhow::Result<()> {
    // Step lines on stderr (nsys input only): with --verbose, or on a terminal; never with --quiet.
    use std::io::IsTerminal;
    let show = !cfg.quiet && (cfg.verbose || std::io::stderr().is_terminal()) && !is_ncu_input(&cfg.input);
    let progress = |msg: &str| {
        if show {
            eprintln!("  {msg}");
        }
    };
    analyze::read::directio::set_read_mode(cfg.io);
    let mut inputs: Vec<&std::path::Path> = vec![&cfg.input];
    inputs.extend(cfg.ncu.iter().map(|p| p.as_path()));
    for i in &inputs {
        analyze::fsutil::check_input(i)?;
    }
    analyze::check_output_dir(&cfg.out, &inputs)?;
    let created = !cfg.out.exists();
    // One writer at a time per output folder: a second `analyze` into the same --out waits for the first, so
    // the folder always holds one run's complete set of files.
    let lock = lock_folder(&cfg.out)?;
    let r = analyze_locked(&cfg, &progress);
    drop(lock);
    if r.is_err() && created {
        // A failed analysis leaves no folder of its own behind (removed only if still empty).
        let _ = std::fs::remove_dir(&cfg.out);
    }
    r
}

/// Locks an output folder for this process, saying so when another one holds it and this one waits.
fn lock_folder(dir: &std::path::Path) -> analyze::Result<analyze::fsutil::DirLock> {
    analyze::fsutil::DirLock::acquire(dir, || eprintln!("waiting: another latency-anatomy process is writing to {}", capture::text::path(dir)))
}

fn analyze_locked(cfg: &cli::AnalyzeConfig, progress: &(dyn Fn(&str) + Sync)) -> anyhow::Result<()> {
    let tables = if is_ncu_input(&cfg.input) {
        let mut inputs = vec![cfg.input.clone()];
        inputs.extend(cfg.ncu.iter().cloned());
        let file = analyze::read::ncu::read_inputs(&inputs, &cfg.out)?;
        analyze::analyze_ncu(&cfg.input.display().to_string(), &file)
    } else {
        let sqlite = analyze::read::nsys::export::ensure_sqlite(&cfg.input, &cfg.out)?;
        let ncu = if cfg.ncu.is_empty() { None } else { Some(analyze::read::ncu::read_inputs(&cfg.ncu, &cfg.out)?) };
        let (trace, attr) = analyze::pipeline::load_attributed_with(&sqlite, &cfg.options.phases, &progress)?;
        if analyze::read::directio::direct_opens() > 0 {
            progress("read with O_DIRECT, past the page cache (the file was not in it; --io buffered to read through it)");
        }
        let name = cfg.ncu.first().map(|p| p.display().to_string()).unwrap_or_default();
        let t = std::time::Instant::now();
        let tables = analyze::analyze_attributed(&trace, &attr, &cfg.options, ncu.as_ref().map(|f| (name.as_str(), f)));
        progress(&format!("tables: computed ({:.2} s)", t.elapsed().as_secs_f64()));
        tables
    };
    let t = std::time::Instant::now();
    analyze::write_tables_as(&tables, &cfg.out, &cfg.formats, &cfg.trace_id)?;
    let opts = reports::ReportOptions::with_top(cfg.top);
    let md = reports::run::analysis_markdown(&tables, &cfg.out, &opts).map_err(anyhow::Error::msg)?;
    let report = cfg.out.join("report.md");
    analyze::write_atomic(&report, md.as_bytes())?;
    progress(&format!("tables and report.md written ({:.2} s)", t.elapsed().as_secs_f64()));
    if !cfg.quiet {
        let mut stdout = std::io::stdout().lock();
        // Names and paths from the trace reach the terminal escaped (no control or bidirectional characters).
        for line in reports::render_summary(&tables, 5).lines() {
            writeln!(stdout, "{}", capture::text::term_safe(line))?;
        }
        writeln!(stdout, "wrote {}", capture::text::path(&cfg.out))?;
    }
    Ok(())
}

fn report_cmd(args: cli::ReportArgs) -> anyhow::Result<()> {
    if let Some(b) = args.latency_budget {
        if !(b > 0.0) {
            anyhow::bail!("--latency-budget must be a positive number of milliseconds");
        }
    }
    let dir = &args.dir;
    if dir.is_file() {
        anyhow::bail!(
            "'{}' is a file; `report` re-renders a folder (a capture run folder, or an analysis folder with tables.json). To analyze an export or an Nsight Compute file, run `latency-anatomy analyze {}`",
            dir.display(),
            dir.display()
        );
    }
    if !dir.is_dir() {
        anyhow::bail!("'{}' does not exist; give a capture run folder (results/<run-id>) or a folder written by `latency-anatomy analyze`", dir.display());
    }
    let _lock = lock_folder(dir)?;
    let is_run = dir.join("manifest.json").is_file() || dir.join("seq_sweep.csv").is_file() || dir.join("batch_sweep.csv").is_file();
    if is_run {
        let (files, skipped) = reports::run::render_run_noting(dir, &reports::run::RunOptions::new(args.top, args.latency_budget)).map_err(anyhow::Error::msg)?;
        for m in &skipped {
            eprintln!("warning: {}", capture::text::term_safe(m));
        }
        println!("wrote {} files; start at {}", files.len(), capture::text::path(&dir.join("index.md")));
        return Ok(());
    }
    if !dir.join("tables.json").is_file() {
        anyhow::bail!(
            "'{}' is neither a capture run folder (manifest.json, seq_sweep.csv) nor an analysis folder (tables.json); run `latency-anatomy capture` or `latency-anatomy analyze EXPORT --out {}` first",
            dir.display(),
            dir.display()
        );
    }
    let out = reports::run::render_analysis_dir(dir, &reports::ReportOptions::with_top(args.top))
        .map_err(anyhow::Error::msg)
        .with_context(|| format!("cannot re-render '{}'", capture::text::path(dir)))?;
    println!("wrote {}", capture::text::path(&out));
    Ok(())
}
