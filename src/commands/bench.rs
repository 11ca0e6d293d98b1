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
        BenchConfig::MakeKineto { from, bytes, out, stats } => {
            let t = std::time::Instant::now();
            let s = ::analyze::bench::make_kineto(&from, bytes, &out)?;
            if let Some(p) = stats {
                std::fs::write(&p, serde_json::to_string(&s)?).with_context(|| format!("cannot write {}", ::capture::text::path(&p)))?;
            }
            println!("wrote {} in {:.1} s: {} tiles, {} events, {} bytes of JSON", ::capture::text::path(&out), t.elapsed().as_secs_f64(), s.tiles, s.events, s.json_bytes);
            Ok(())
        }
        BenchConfig::Kineto { from, sizes, dir, runs, hta, hta_max } => kineto_bench(&from, &sizes, &dir, runs, hta.as_deref(), hta_max),
        BenchConfig::RunOne { mode, file, out, io } => {
            let t = std::time::Instant::now();
            let rows = match mode {
                RunMode::Scan => ::analyze::bench::bare_scan(&file, io)?,
                RunMode::Analyze => {
                    let mut opts = ::analyze::Options::default();
                    opts.io = io;
                    let tables = ::analyze::analyze_any(&file, &opts)?;
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


/// Wall time, CPU time (user + system, children included) and peak RSS of one child process.
///
/// The peak RSS is the kernel's `ru_maxrss`, which a child inherits from the process that forked it: keep this
/// process small (the traces are built in a subprocess) so that it measures the child.
fn measure(cmd: &mut std::process::Command) -> anyhow::Result<serde_json::Value> {
    use std::io::Read;
    use std::os::unix::process::ExitStatusExt;
    let t = std::time::Instant::now();
    let mut child = cmd.spawn()?;
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to fill.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: wait4 on our own child's pid, with valid pointers to a status and an rusage.
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut ru) };
    let wall = t.elapsed().as_secs_f64();
    if pid < 0 {
        anyhow::bail!("wait4 failed: {}", std::io::Error::last_os_error());
    }
    let st = std::process::ExitStatus::from_raw(status);
    if !st.success() {
        anyhow::bail!("{:?} failed ({st})", cmd);
    }
    let secs = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
    let mut out = String::new();
    if let Some(mut o) = child.stdout.take() {
        o.read_to_string(&mut out)?;
    }
    // A child that reports its own figures (`bench run-one`): its peak RSS is its own VmHWM.
    let own: serde_json::Value = serde_json::from_str(out.lines().last().unwrap_or("")).unwrap_or(serde_json::Value::Null);
    let rss = own["peak_rss_mb"].as_f64().unwrap_or(ru.ru_maxrss as f64 * 1024.0 / 1e6);
    Ok(serde_json::json!({"wall_s": wall, "cpu_s": secs(ru.ru_utime) + secs(ru.ru_stime), "peak_rss_mb": rss}))
}

/// The median (by wall time) of `runs` measurements.
fn median_of(runs: u32, mut f: impl FnMut() -> anyhow::Result<serde_json::Value>) -> anyhow::Result<serde_json::Value> {
    let mut all = Vec::new();
    for _ in 0..runs {
        all.push(f()?);
    }
    all.sort_by(|a, b| a["wall_s"].as_f64().unwrap_or(0.0).total_cmp(&b["wall_s"].as_f64().unwrap_or(0.0)));
    let walls: Vec<f64> = all.iter().map(|r| r["wall_s"].as_f64().unwrap_or(0.0)).collect();
    let mut m = all.swap_remove(all.len() / 2);
    m["wall_s_all"] = serde_json::json!(walls);
    Ok(m)
}

/// HTA's load of one trace folder, timed inside Python (the import is not counted), peak RSS of the process.
const HTA_LOAD: &str = r#"
import json, resource, sys, time
from hta.trace_analysis import TraceAnalysis
t = time.time()
a = TraceAnalysis(trace_dir=sys.argv[1])
wall = time.time() - t
ru = resource.getrusage(resource.RUSAGE_SELF)
hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM:")][0].split()[1]
print(json.dumps({"wall_s": wall, "cpu_s": ru.ru_utime + ru.ru_stime, "peak_rss_mb": int(hwm) * 1024 / 1e6}))
"#;

/// `bench kineto`: per size, the floor (`gzip -dc`), `analyze`, and HTA's load when asked.
fn kineto_bench(from: &std::path::Path, sizes: &[u64], dir: &std::path::Path, runs: u32, hta: Option<&std::path::Path>, hta_max: u64) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create --dir {}", ::capture::text::path(dir)))?;
    let exe = std::env::current_exe()?;
    println!("warm page cache (each file read once first); median of {runs} run(s) per step");
    println!("{:>8} {:>9}  {:>9} {:>8}  {:>9} {:>8} {:>8}  {:>6} {:>6}  {:>9} {:>9}", "JSON MB", "gz MB", "gzip -dc", "RSS MB", "analyze", "cpu s", "RSS MB", "a/gz", "RSS/J", "HTA s", "HTA MB");
    let mut results = Vec::new();
    for &n in sizes {
        let label = if n % 1_000_000_000 == 0 { format!("{}G", n / 1_000_000_000) } else { format!("{}M", n / 1_000_000) };
        let file = dir.join(format!("kineto_{label}.json.gz"));
        let stats_file = dir.join(format!("kineto_{label}.stats.json"));
        if !file.is_file() || !stats_file.is_file() {
            eprintln!("building {} ...", ::capture::text::path(&file));
            // In a subprocess: this one stays small (see `measure`).
            let o = std::process::Command::new(&exe).args(["bench", "make-kineto", "--from"]).arg(from).arg("--bytes").arg(n.to_string()).arg("--out").arg(&file).arg("--stats").arg(&stats_file).output()?;
            if !o.status.success() {
                anyhow::bail!("bench make-kineto failed: {}", String::from_utf8_lossy(&o.stderr).trim());
            }
        }
        let stats: serde_json::Value = serde_json::from_slice(&std::fs::read(&stats_file)?)?;
        let json_bytes = stats["json_bytes"].as_u64().unwrap_or(n);
        std::io::copy(&mut std::fs::File::open(&file)?, &mut std::io::sink())?;
        let gz = median_of(runs, || measure(std::process::Command::new("gzip").arg("-dc").arg(&file).stdout(std::process::Stdio::null())))?;
        let an = median_of(runs, || {
            measure(std::process::Command::new(&exe).args(["bench", "run-one", "analyze"]).arg(&file).arg("--out").arg(dir.join("analysis")).stdout(std::process::Stdio::piped()))
        })?;
        let hta_r = match hta {
            Some(py) if n <= hta_max => {
                let tdir = dir.join(format!("hta_{label}"));
                std::fs::create_dir_all(&tdir)?;
                let link = tdir.join("rank0.pt.trace.json.gz");
                if !link.exists() {
                    std::fs::hard_link(&file, &link).or_else(|_| std::fs::copy(&file, &link).map(|_| ()))?;
                }
                let o = std::process::Command::new(py).args(["-c", HTA_LOAD]).arg(&tdir).output()?;
                if o.status.success() {
                    let text = String::from_utf8_lossy(&o.stdout);
                    serde_json::from_str::<serde_json::Value>(text.lines().last().unwrap_or("{}")).unwrap_or(serde_json::Value::Null)
                } else {
                    let err = String::from_utf8_lossy(&o.stderr);
                    serde_json::json!({"error": err.lines().last().unwrap_or("failed")})
                }
            }
            _ => serde_json::Value::Null,
        };
        let w = |v: &serde_json::Value, k: &str| v[k].as_f64().unwrap_or(f64::NAN);
        println!(
            "{:>8.0} {:>9.1}  {:>9.3} {:>8.1}  {:>9.3} {:>8.2} {:>8.1}  {:>6.2} {:>6.3}  {:>9} {:>9}",
            json_bytes as f64 / 1e6,
            std::fs::metadata(&file)?.len() as f64 / 1e6,
            w(&gz, "wall_s"),
            w(&gz, "peak_rss_mb"),
            w(&an, "wall_s"),
            w(&an, "cpu_s"),
            w(&an, "peak_rss_mb"),
            w(&an, "wall_s") / w(&gz, "wall_s"),
            w(&an, "peak_rss_mb") * 1e6 / json_bytes as f64,
            if hta_r.is_null() { "-".to_string() } else { format!("{:.2}", w(&hta_r, "wall_s")) },
            if hta_r.is_null() { "-".to_string() } else { format!("{:.0}", w(&hta_r, "peak_rss_mb")) },
        );
        results.push(serde_json::json!({"json_bytes": json_bytes, "gz_bytes": std::fs::metadata(&file)?.len(), "tiles": stats["tiles"], "gzip_dc": gz, "analyze": an, "hta": hta_r}));
    }
    std::fs::write(dir.join("bench_kineto.json"), serde_json::to_string_pretty(&results)? + "\n")?;
    println!("wrote {}", ::capture::text::path(&dir.join("bench_kineto.json")));
    Ok(())
}
