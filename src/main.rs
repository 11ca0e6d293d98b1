//! `latency-anatomy`: thin CLI glue over the `analyze` and `reports` crates.

mod cli;
mod commands;

use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, Command};

fn main() -> ExitCode {
    match run() {
        Ok(code) => ExitCode::from(code),
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
pub(crate) fn error_line(err: &anyhow::Error) -> String {
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

/// Runs the command; returns the exit code (0, or `diff --gate`'s verdict).
fn run() -> anyhow::Result<u8> {
    let cli = Cli::parse();
    let done = |r: anyhow::Result<()>| r.map(|()| 0);
    match cli.command {
        Command::Analyze(args) => match args.into_run()? {
            cli::analyze::AnalyzeRun::One(cfg) => done(commands::analyze::analyze_cmd(cfg)),
            cli::analyze::AnalyzeRun::Many(cfg) => commands::fleet::fleet_cmd(cfg),
        },
        Command::Report(args) => done(commands::report::report_cmd(args.into_config()?)),
        Command::Diff(args) => commands::diff::diff_cmd(args.into_config()?),
        Command::Sweep(args) => {
            let mut notes = Vec::new();
            let cfg = args.into_config(&mut notes)?;
            for n in &notes {
                eprintln!("note: {n}");
            }
            done(commands::capture::sweep_cmd(cfg))
        }
        Command::Capture(args) => done(commands::capture::capture_cmd(args)),
        Command::Bench(b) => done(commands::bench::bench_cmd(b.into_config()?)),
    }
}
