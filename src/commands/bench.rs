//! `bench`: building large exports by tiling a real one, and timing the analysis against the bare scan, each
//! step in its own process (`bench run-one`), with the page cache dropped before each when allowed.

use anyhow::Context;

use crate::cli::bench::{BenchConfig, RunMode};

/// CPU time (user + system) of this process, seconds, from /proc/self/stat (clock ticks of 1/100 s).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may contain spaces) start after the last ')'.
    let rest = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}


/// Runs a `bench` subcommand.
pub fn bench_cmd(cfg: BenchConfig) -> anyhow::Result<()> {
    match cfg {
        BenchConfig::MakeTrace { from, kernels, out } => {
            let t = std::time::Instant::now();
            let s = ::analyze::bench::make_trace(&from, kernels, &out)?;
            println!("wrote {} in {:.1} s: {} tiles", ::capture::text::path(&out), t.elapsed().as_secs_f64(), s.tiles);
            for (table, n) in &s.rows {
                println!("  {table:<32} {n:>12} rows");
            }
            Ok(())
        }
        BenchConfig::RunOne { mode, file, out, io } => {
            let t = std::time::Instant::now();
            let rows = match mode {
                RunMode::Scan => ::analyze::bench::bare_scan(&file, io)?,
                RunMode::Analyze => {
                    let mut opts = ::analyze::Options::default();
                    opts.io = io;
                    let tables = ::analyze::analyze_file(&file, &opts)?;
                    ::analyze::write_tables(&tables, &out, &[::analyze::Format::Csv, ::analyze::Format::Json])?;
                    let md = ::reports::render_markdown(&tables, &::reports::ReportOptions::default());
                    ::analyze::write_atomic(&out.join("report.md"), md.as_bytes())?;
                    tables.summary.kernels
                }
            };
            println!(
                "{}",
                serde_json::json!({"mode": mode.name(), "rows": rows, "wall_s": t.elapsed().as_secs_f64(), "cpu_s": cpu_seconds(), "peak_rss_mb": ::capture::mem::cpu_rss_mb().1.unwrap_or(0.0)})
            );
            Ok(())
        }
        BenchConfig::Analyze { from, sizes, dir, warm, runs, io } => {
            std::fs::create_dir_all(&dir).with_context(|| format!("cannot create --dir {}", ::capture::text::path(&dir)))?;
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
            let io_name = io.name();
            println!("page cache: {}; reads: {io_name}; median of {runs} run(s) per step", if cold { "cold (dropped before each step)" } else { "warm" });
            let run_once = |mode: &str, file: &std::path::Path| -> anyhow::Result<serde_json::Value> {
                drop_cache();
                let o = std::process::Command::new(&exe)
                    .args(["bench", "run-one", mode])
                    .arg(file)
                    .arg("--out")
                    .arg(dir.join("analysis"))
                    .args(["--io", io_name])
                    .output()?;
                if !o.status.success() {
                    anyhow::bail!("bench {mode} failed on {}: {}", ::capture::text::path(file), String::from_utf8_lossy(&o.stderr).trim());
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
                    eprintln!("building {} ...", ::capture::text::path(&file));
                    ::analyze::bench::make_trace(&from, n, &file)?;
                }
                if !cold {
                    // Warm: the whole file in the page cache (a direct read would leave it out), then a warm-up
                    // scan, neither measured.
                    let mut f = std::fs::File::open(&file).with_context(|| format!("cannot read {}", ::capture::text::path(&file)))?;
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
            println!("wrote {}", ::capture::text::path(&dir.join("bench.json")));
            Ok(())
        }
    }
}

