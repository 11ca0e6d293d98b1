//! `report`: re-rendering a capture run folder or an analysis folder from its files alone.

use anyhow::Context;

use crate::cli::report::{ReportConfig, ReportTarget};

/// Runs `report`.
pub fn report_cmd(cfg: ReportConfig) -> anyhow::Result<()> {
    let dir = &cfg.dir;
    let _lock = super::lock_folder(dir)?;
    match cfg.target {
        ReportTarget::Run => {
            let (files, skipped) = ::reports::run::render_run_noting(dir, &::reports::run::RunOptions::new(cfg.top, cfg.latency_budget))?;
            for m in &skipped {
                eprintln!("warning: {}", ::capture::text::term_safe(m));
            }
            println!("wrote {} files; start at {}", files.len(), ::capture::text::path(&dir.join("index.md")));
        }
        ReportTarget::Fleet => {
            let (files, skipped) = ::reports::fleet::render_fleet_dir(dir, cfg.top).with_context(|| format!("cannot re-render '{}'", ::capture::text::path(dir)))?;
            for m in &skipped {
                eprintln!("warning: {}", ::capture::text::term_safe(m));
            }
            println!("wrote {} files; start at {}", files.len(), ::capture::text::path(&dir.join("fleet.md")));
        }
        ReportTarget::Analysis => {
            let out = ::reports::run::render_analysis_dir(dir, &::reports::ReportOptions::with_top(cfg.top))
                .with_context(|| format!("cannot re-render '{}'", ::capture::text::path(dir)))?;
            println!("wrote {}", ::capture::text::path(&out));
        }
    }
    Ok(())
}
