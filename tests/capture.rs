//! The capture command end to end on the CPU: a tiny random-weight Qwen2 swept in both regimes, profiled by the
//! real `nsys` (NVTX trace of a CPU process), exported and analyzed; ncu's argv checked with a fake `ncu`;
//! failing profilers recorded while the capture goes on.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};


use test_support as common;
use common::nsys;

use common::bin;

const SMALL: &[&str] = &[
    "capture", "--model", "tiny", "--random-weights", "--device", "cpu", "--seq", "32,64", "--batch-sizes", "1,2",
    "--batch-seq", "32", "--gen-tokens", "4", "--warmup", "1", "--reps", "3", "--no-progress",
];

/// The small capture's flags with the given canonical points.
fn small(canonical: &str) -> Vec<&str> {
    let mut v = SMALL.to_vec();
    v.extend(["--canonical", canonical]);
    v
}

use common::csv_rows;

fn f(r: &BTreeMap<String, String>, k: &str) -> f64 {
    r[k].parse().unwrap_or_else(|_| panic!("{k}={:?}", r[k]))
}

fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap()
}

fn step<'a>(m: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    m["steps"].as_array().unwrap().iter().find(|s| s["name"] == name).unwrap_or_else(|| panic!("no step {name}"))
}

/// The sweep CSV numbers are consistent with each other.
fn check_sweep_csv(p: &Path, n: usize, gen: f64) {
    let rows = csv_rows(p);
    assert_eq!(rows.len(), n, "{}", p.display());
    for r in &rows {
        let (seq, batch) = (f(r, "seq_len"), f(r, "batch"));
        assert!(f(r, "prefill_p50_ms") <= f(r, "prefill_p90_ms") && f(r, "prefill_p90_ms") <= f(r, "prefill_p99_ms"));
        assert!(f(r, "ttft_p50_ms") <= f(r, "ttft_p90_ms") && f(r, "itl_p50_ms") <= f(r, "itl_p90_ms") && f(r, "e2e_p50_ms") <= f(r, "e2e_p90_ms"));
        // tok/s × time ≈ tokens
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-3 * b.abs().max(1.0);
        assert!(close(f(r, "prefill_tok_s") * f(r, "prefill_p50_ms") / 1e3, seq * batch));
        assert!(close(f(r, "decode_tok_s") * f(r, "decode_p50_ms_per_tok") / 1e3, batch));
        let total_s = (f(r, "prefill_p50_ms") + gen * f(r, "decode_p50_ms_per_tok")) / 1e3;
        assert!(close(f(r, "total_tok_s") * total_s, batch * (seq + gen)));
        assert!(close(f(r, "prefill_ms_per_tok") * seq * batch, f(r, "prefill_p50_ms")));
        assert_eq!(f(r, "decode_p50_ms_per_tok"), f(r, "itl_p50_ms"));
        assert!(f(r, "ttft_p50_ms") >= f(r, "prefill_p50_ms"));
        assert!(f(r, "vram_mb") > 0.0 && f(r, "vram_peak_mb") >= f(r, "vram_mb"));
        // KV cache of Qwen-tiny: 2 × 2 layers × 2 kv heads × 16 head dim × 4 B per token
        assert!(close(f(r, "kv_cache_mb"), 512.0 * (seq + gen) * batch / 1e6));
        assert_eq!((f(r, "warmup"), f(r, "reps")), (1.0, 3.0));
    }
}

/// NVTX names, domain and nesting of one profiled point, read with plain SQL from the export; and each rep's
/// prefill range duration (nsys) against the prefill time the sweep measured for that rep.
///
/// Tolerance: the range is pushed just before the first timestamp and popped just after the last, so nsys's
/// duration is never shorter; it is longer by the cost of the clock reads and of the injected push/pop (a few
/// µs each here). We allow 0 ≤ nsys − measured ≤ 200 µs + 1 %.
fn check_nvtx(sqlite: &Path, reps_csv: &Path, label: &str, warmup: usize, reps: usize, steps: usize) {
    let c = common::sql(sqlite);
    let domain: String = c.query_row("SELECT text FROM NVTX_EVENTS WHERE eventType = 75", [], |r| r.get(0)).unwrap();
    assert_eq!(domain, "latency_anatomy");
    let mut st = c
        .prepare(
            "SELECT coalesce(e.text, s.value), e.start, e.end, e.globalTid, e.domainId, e.eventType FROM NVTX_EVENTS e
             LEFT JOIN StringIds s ON s.id = e.textId WHERE e.eventType = 59 ORDER BY e.start, e.end DESC",
        )
        .unwrap();
    let ranges: Vec<(String, i64, i64, i64, i64)> =
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))).unwrap().map(Result::unwrap).collect();
    let dom_id: i64 = c.query_row("SELECT domainId FROM NVTX_EVENTS WHERE eventType = 75", [], |r| r.get(0)).unwrap();
    assert!(ranges.iter().all(|r| r.4 == dom_id), "every range is in the capture's domain");
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for r in &ranges {
        *counts.entry(r.0.clone()).or_default() += 1;
    }
    let runs = warmup + reps;
    let mut expected: BTreeMap<String, usize> = BTreeMap::new();
    expected.insert(label.to_string(), 1);
    for i in 0..warmup {
        expected.insert(format!("warmup_{i}"), 1);
    }
    for i in 0..reps {
        expected.insert(format!("rep_{i}"), 1);
    }
    expected.insert("prefill".into(), runs);
    expected.insert("decode".into(), runs);
    for k in 0..steps {
        expected.insert(format!("step_{k}"), runs);
    }
    assert_eq!(counts, expected, "range names in {}", sqlite.display());
    // Nesting: rebuild the push/pop stack per thread by containment and check each range's parent.
    let parent_of = |i: usize| -> Option<&str> {
        let r = &ranges[i];
        ranges[..i].iter().rev().find(|p| p.3 == r.3 && p.1 <= r.1 && r.2 <= p.2).map(|p| p.0.as_str())
    };
    for (i, r) in ranges.iter().enumerate() {
        let parent = parent_of(i);
        let ok = match r.0.as_str() {
            n if n == label => parent.is_none(),
            n if n.starts_with("rep_") || n.starts_with("warmup_") => parent == Some(label),
            "prefill" | "decode" => parent.is_some_and(|p| p.starts_with("rep_") || p.starts_with("warmup_")),
            n if n.starts_with("step_") => parent == Some("decode"),
            _ => false,
        };
        assert!(ok, "{} nested in {parent:?}", r.0);
    }
    let prefill: Vec<i64> = ranges.iter().filter(|r| r.0 == "prefill").map(|r| r.2 - r.1).collect();
    let measured: Vec<i64> = csv_rows(reps_csv).iter().map(|r| r["prefill_ns"].parse().unwrap()).collect();
    assert_eq!(measured.len(), reps);
    for (rep, (ns, ours)) in prefill[warmup..].iter().zip(&measured).enumerate() {
        let diff = ns - ours;
        assert!(diff >= 0 && diff as f64 <= 200_000.0 + 0.01 * *ours as f64, "rep {rep}: nsys {ns} ns vs measured {ours} ns");
    }
}

#[test]
fn tiny_cpu_capture_with_real_nsys() {
    let Some(_) = nsys() else { return };
    let tmp = tempfile::tempdir().unwrap();
    bin().args(small("32x2,64x1")).args(["--results"]).arg(tmp.path()).args(["--run-id", "t"]).assert().success();
    let dir = tmp.path().join("t");
    let m = manifest(&dir);
    for s in ["seq_sweep", "batch_sweep", "nsys_s32_b2", "nsys_export_s32_b2", "analyze_s32_b2", "nsys_s64_b1", "nsys_export_s64_b1", "analyze_s64_b1"] {
        assert_eq!(step(&m, s)["status"], "ok", "{s}: {}", step(&m, s));
    }
    assert_eq!(step(&m, "ncu_s32_b2")["status"], "skipped");
    assert!(m["tools"]["nsys"].as_str().unwrap().contains("Nsight Systems"));
    assert!(step(&m, "nsys_s32_b2")["argv"].as_array().unwrap().iter().any(|a| a == "--trace=nvtx"));
    check_sweep_csv(&dir.join("seq_sweep.csv"), 2, 4.0);
    check_sweep_csv(&dir.join("batch_sweep.csv"), 2, 4.0);
    assert_eq!(csv_rows(&dir.join("seq_sweep.reps.csv")).len(), 6);
    check_nvtx(&dir.join("nsys/s32_b2.sqlite"), &dir.join("nsys/s32_b2.reps.csv"), "s32_b2", 1, 3, 4);
    check_nvtx(&dir.join("nsys/s64_b1.sqlite"), &dir.join("nsys/s64_b1.reps.csv"), "s64_b1", 1, 3, 4);
    // The analysis of the export finds the phases.
    let t: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("analysis/s32_b2/tables.json")).unwrap()).unwrap();
    let ranges = t["nvtx_ranges"].as_array().unwrap();
    let prefill = ranges.iter().find(|r| r["range"] == "latency_anatomy:prefill").unwrap();
    assert_eq!(prefill["instances"], 4);
    assert!(dir.join("analysis/s32_b2/report.md").is_file());
    // Step anatomy of a CPU run: one row per prefill and step_k instance (counted in SQL over the export), each
    // with wall time only, and a verdict that says no GPU work was traced rather than a made-up bound.
    let c = common::sql(&dir.join("nsys/s32_b2.sqlite"));
    let (n_steps, wall): (i64, i64) = c
        .query_row("SELECT count(*), sum(e.end - e.start) FROM NVTX_EVENTS e LEFT JOIN StringIds s ON s.id = e.textId WHERE e.eventType = 59 AND (coalesce(e.text, s.value) = 'prefill' OR coalesce(e.text, s.value) LIKE 'step\\_%' ESCAPE '\\')", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    let steps = csv_rows(&dir.join("analysis/s32_b2/steps.csv"));
    assert_eq!(steps.len() as i64, n_steps);
    assert_eq!(steps.iter().map(|r| r["wall_ns"].parse::<i64>().unwrap()).sum::<i64>(), wall);
    assert!(steps.iter().all(|r| r["kernels"] == "0" && r["host_only_ns"] == r["wall_ns"] && r["point"] == "s32_b2" && r["gpu_start_ns"].is_empty()));
    let summary = csv_rows(&dir.join("analysis/s32_b2/step_summary.csv"));
    let phases: Vec<(&str, &str, &str)> = summary.iter().map(|r| (r["phase"].as_str(), r["steps"].as_str(), r["bound"].as_str())).collect();
    assert_eq!(phases, [("prefill", "3", "unknown"), ("decode", "12", "unknown")], "3 measured reps, 4 steps each; the warmup left out");
    assert!(summary.iter().all(|r| r["bound_reason"].contains("no GPU work was traced")));
    // `diff` of the two points' exports: incomparable (different sweep points), but every delta is there, the
    // steps' and phases' equal to the NVTX durations' (SQL over the two exports).
    let out = dir.join("diff");
    bin().arg("diff").arg(dir.join("nsys/s32_b2.sqlite")).arg(dir.join("nsys/s64_b1.sqlite")).args(["--gate", "5", "-q", "-o"]).arg(&out).assert().code(4);
    let report = common::json_file(&out.join("diff.json"));
    assert_eq!(report["verdict"], "incomparable");
    let rows = csv_rows(&out.join("diff.csv"));
    let delta = |level: &str, key: &str| rows.iter().find(|r| r["level"] == level && r["key"] == key).unwrap_or_else(|| panic!("{level} {key}"))["delta"].parse::<f64>().unwrap();
    let nvtx = |p: &Path, q: &str| -> f64 {
        let c = common::sql(p);
        c.query_row(&format!("WITH r AS (SELECT coalesce(e.text, s.value) AS name, e.start, e.end FROM NVTX_EVENTS e LEFT JOIN StringIds s ON s.id = e.textId WHERE e.eventType = 59) {q}"), [], |r| r.get(0)).unwrap()
    };
    let (pa, pb) = (dir.join("nsys/s32_b2.sqlite"), dir.join("nsys/s64_b1.sqlite"));
    let measured = "start > (SELECT end FROM r WHERE name = 'warmup_0')";
    for (key, filter) in [("prefill wall", "name = 'prefill'"), ("decode wall", "name LIKE 'step\\_%' ESCAPE '\\'")] {
        let q = format!("SELECT avg(end - start) FROM r WHERE {filter} AND {measured}");
        let want = ((nvtx(&pb, &q) - nvtx(&pa, &q)) * 10.0).round() / 10.0;
        assert!((delta("step", key) - want).abs() < 0.2, "{key}: {} vs {want} (both rounded to 0.1 ns)", delta("step", key));
    }
    for phase in ["prefill", "decode"] {
        let q = format!("SELECT sum(end - start) FROM r WHERE name = '{phase}'");
        assert_eq!(delta("phase", &format!("{phase} wall")), nvtx(&pb, &q) - nvtx(&pa, &q), "{phase}");
    }
    // The whole regimes profiled (the default): every point of each in points.csv, its median prefill step the
    // nearest-rank median of the measured prefill ranges inside the point's range (SQL over the regime's export),
    // the unprofiled sweep's median beside it, and no GPU claims.
    for (regime, labels) in [("seq_sweep", ["s32_b1", "s64_b1"]), ("batch_sweep", ["s32_b1", "s32_b2"])] {
        for s in ["nsys", "nsys_export", "analyze"] {
            assert_eq!(step(&m, &format!("{s}_{regime}"))["status"], "ok", "{s}_{regime}");
        }
        let export = dir.join(format!("nsys/{regime}.sqlite"));
        let points = csv_rows(&dir.join(format!("analysis/{regime}/points.csv")));
        let keys: Vec<(String, String)> = points.iter().map(|r| (r["point"].clone(), r["phase"].clone())).collect();
        let want: Vec<(String, String)> = labels.iter().flat_map(|l| [(l.to_string(), "prefill".to_string()), (l.to_string(), "decode".to_string())]).collect();
        assert_eq!(keys, want, "{regime}");
        let unprofiled = csv_rows(&dir.join(format!("{regime}.csv")));
        for l in labels {
            let q = format!(
                "WITH r AS (SELECT coalesce(e.text, s.value) AS name, e.start, e.end FROM NVTX_EVENTS e LEFT JOIN StringIds s ON s.id = e.textId WHERE e.eventType = 59)
                 SELECT x.end - x.start FROM r x, (SELECT start ps, end pe FROM r WHERE name = '{l}') pt
                 WHERE x.name = 'prefill' AND x.start >= pt.ps AND x.end <= pt.pe
                   AND NOT EXISTS (SELECT 1 FROM r w WHERE w.name LIKE 'warmup%' AND x.start >= w.start AND x.end <= w.end) ORDER BY 1"
            );
            let c = common::sql(&export);
            let walls: Vec<i64> = c.prepare(&q).unwrap().query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
            assert_eq!(walls.len(), 3, "{regime} {l}: 3 measured prefills");
            let row = points.iter().find(|r| r["point"] == l && r["phase"] == "prefill").unwrap();
            assert_eq!(row["wall_p50_ns"].parse::<i64>().unwrap(), walls[1], "{regime} {l}");
            let u = unprofiled.iter().find(|r| l == format!("s{}_b{}", r["seq_len"], r["batch"])).unwrap();
            assert_eq!(row["unprofiled_p50_ns"].parse::<i64>().unwrap(), (u["prefill_p50_ms"].parse::<f64>().unwrap() * 1e6).round() as i64);
            assert!(row["profiled_over_unprofiled"].parse::<f64>().unwrap() > 0.0);
            assert_eq!((row["bound"].as_str(), row["gpu_busy_pct"].as_str()), ("unknown", "0.0"));
        }
    }
    let sweep_md = std::fs::read_to_string(dir.join("sweep.md")).unwrap();
    assert!(sweep_md.contains("## Why, point by point") && sweep_md.contains("No GPU work was traced in the decode step (a CPU run)"), "{sweep_md}");
    for c in ["seq_decode_anatomy.png", "seq_prefill_anatomy.svg", "batch_decode_anatomy.png"] {
        assert!(dir.join("charts").join(c).is_file(), "{c}");
    }
    let index = std::fs::read_to_string(dir.join("index.md")).unwrap();
    assert!(index.contains("(analysis/seq_sweep/report.md)") && !std::fs::read_to_string(dir.join("comparison.md")).unwrap().contains("seq_sweep"));
    let comparison = std::fs::read_to_string(dir.join("comparison.md")).unwrap();
    assert!(comparison.contains("| decode step wall time (median) |") && comparison.contains("| decode bound | unknown | unknown |"), "{comparison}");
    // The run's reports are rendered at the end of the capture, and again by `report` from the files alone.
    for f in ["index.md", "sweep.md", "sweep.json", "comparison.md", "charts/seq_regime.svg", "charts/batch_regime.png", "charts/throughput_vs_latency.svg"] {
        assert!(dir.join(f).is_file(), "{f}");
    }
    let index = std::fs::read_to_string(dir.join("index.md")).unwrap();
    std::fs::remove_file(dir.join("index.md")).unwrap();
    bin().arg("report").arg(&dir).assert().success();
    assert_eq!(std::fs::read_to_string(dir.join("index.md")).unwrap(), index);
}

fn fake_tool(dir: &Path, name: &str, body: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    p
}

#[test]
fn ncu_argv_with_a_fake_ncu() {
    let tmp = tempfile::tempdir().unwrap();
    let log = tmp.path().join("ncu_calls.txt");
    // Records each call's argv (one line, args separated by |) and makes the report.
    let ncu = fake_tool(
        tmp.path(),
        "ncu",
        &format!(
            r#"printf '%s|' "$@" >> {log}; echo >> {log}
prev=""; for a in "$@"; do if [ "$prev" = "--export" ]; then : > "$a.ncu-rep"; fi; prev="$a"; done
case " $* " in *" --import "*) echo '"ID","Kernel Name","gpu__time_duration.sum"'; echo '"","","ns"'; echo '"0","k","1000"';; esac"#,
            log = log.display()
        ),
    );
    bin()
        .args(small("32x2,64x1"))
        .args(["--no-nsys", "--ncu"])
        .arg(&ncu)
        .args(["--ncu-launch-count", "50", "--results"])
        .arg(tmp.path())
        .args(["--run-id", "n"])
        .assert()
        .success();
    let calls: Vec<Vec<String>> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| l.trim_end_matches('|').split('|').map(str::to_string).collect())
        .collect();
    assert_eq!(calls[0], ["--version"], "the manifest records ncu's version");
    let calls = &calls[1..];
    assert_eq!(calls.len(), 2, "one profile per canonical point, no `ncu --import` (the analysis reads the .ncu-rep itself): {calls:?}");
    let dir = tmp.path().join("n");
    let profile = &calls[0];
    let export = dir.join("ncu/s32_b2").display().to_string();
    let head: Vec<&str> = profile.iter().take(16).map(String::as_str).collect();
    assert_eq!(
        head,
        ["--set", "full", "--target-processes", "all", "--kernel-name", "regex:.*", "--launch-skip", "0", "--launch-count", "50", "--nvtx", "--nvtx-include", "latency_anatomy@*/rep_0/decode/*", "--export", &export, "--force-overwrite"]
    );
    let child = &profile[16..];
    assert!(child[0].ends_with("latency-anatomy") && child[1] == "sweep", "{child:?}");
    let pos = |k: &str| child.iter().position(|a| a == k).unwrap();
    assert_eq!(child[pos("--seq") + 1], "32");
    assert_eq!(child[pos("--batch-sizes") + 1], "2");
    assert_eq!(child[pos("--reps") + 1], "1");
    assert_eq!(child[pos("--warmup") + 1], "1");
    assert!(calls.iter().all(|c| !c.contains(&"--import".to_string())), "{calls:?}");
    assert!(dir.join("ncu/s32_b2.ncu-rep").is_file());
    let m = manifest(&dir);
    assert_eq!(step(&m, "ncu_s64_b1")["status"], "ok");
    assert!(m["steps"].as_array().unwrap().iter().all(|s| !s["name"].as_str().unwrap().starts_with("ncu_csv")));
    assert_eq!(step(&m, "nsys_s32_b2")["status"], "skipped");
}

#[test]
fn failing_and_hanging_profilers_are_recorded_and_the_capture_goes_on() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = fake_tool(tmp.path(), "nsys", "echo 'nsys: simulated failure' >&2; exit 3");
    let slow = fake_tool(tmp.path(), "ncu", "sleep 30");
    let out = bin()
        .args(small("32x2,64x1"))
        .args(["--nsys"])
        .arg(&bad)
        .args(["--ncu"])
        .arg(&slow)
        .args(["--profiler-timeout", "1", "--results"])
        .arg(tmp.path())
        .args(["--run-id", "f"])
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(stderr.contains("failed step(s)"), "{stderr}");
    let m = manifest(&tmp.path().join("f"));
    assert_eq!(step(&m, "seq_sweep")["status"], "ok");
    assert_eq!(step(&m, "batch_sweep")["status"], "ok");
    let n = step(&m, "nsys_s32_b2");
    assert_eq!(n["status"], "failed");
    assert!(n["message"].as_str().unwrap().contains("simulated failure"), "{n}");
    let c = step(&m, "ncu_s64_b1");
    assert_eq!(c["status"], "failed");
    assert!(c["message"].as_str().unwrap().contains("timed out"), "{c}");
    assert_eq!(step(&m, "nsys_export_s64_b1")["status"], "skipped");
}

#[test]
fn dry_run_prints_argv_and_missing_tools_are_named() {
    let tmp = tempfile::tempdir().unwrap();
    let out = bin()
        .env("PATH", tmp.path())
        .args(["capture", "--model", "tiny", "--random-weights", "--device", "cpu", "--dry-run", "--results"])
        .arg(tmp.path())
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(stderr.contains("nsys not found") && stderr.contains("--no-nsys"), "{stderr}");
    assert!(stdout.contains("--seq 128,256,512,1024,2048,3072,4096 --batch-sizes 1 "), "{stdout}");
    assert!(stdout.contains("--seq 128 --batch-sizes 1,2,4,8,16,32,64 "), "{stdout}");
    assert!(stdout.contains("# nsys skipped for s128_b32"), "{stdout}");
    assert!(stdout.contains("# ncu skipped for s4096_b1"), "{stdout}");
    assert!(stdout.contains("# nsys skipped for the seq_sweep regime") && stdout.contains("# nsys skipped for the batch_sweep regime"), "{stdout}");
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0, "a dry run writes nothing");
    // With nsys (a fake one: nothing runs in a dry run), each regime is profiled whole, unless told not to.
    let nsys = fake_tool(tmp.path(), "nsys", "exit 0");
    let plan = |extra: &[&str]| {
        let out = bin().args(["capture", "--model", "tiny", "--random-weights", "--device", "cpu", "--dry-run", "--no-ncu", "--nsys"]).arg(&nsys).args(extra).arg("--results").arg(tmp.path().join("r")).assert().success();
        String::from_utf8_lossy(&out.get_output().stdout).into_owned()
    };
    let with = plan(&[]);
    assert!(with.contains("--output ") && with.contains("nsys/seq_sweep ") && with.contains("--seq 128,256,512,1024,2048,3072,4096 --batch-sizes 1 "), "{with}");
    assert!(with.contains("nsys/batch_sweep.sqlite") && with.contains("analysis/batch_sweep"), "{with}");
    assert_eq!(plan(&["--profile-sweeps"]), with);
    let without = plan(&["--no-profile-sweeps"]);
    assert!(!without.contains("seq_sweep.nsys-rep") && !without.contains("nsys/seq_sweep") && without.contains("nsys/s128_b32"), "{without}");
}

#[test]
fn sweep_flags_are_validated() {
    // A real model name without weights or the flag (`tiny`, which has no weights anywhere, runs with random ones).
    bin().args(["sweep", "--model", "qwen2.5-0.5b", "--seq", "8", "--out", "x.csv"]).assert().failure().stderr(predicates::str::contains("--random-weights"));
    bin()
        .args(["sweep", "--model", "tiny", "--random-weights", "--seq", "9000", "--out", "x.csv"])
        .assert()
        .failure()
        .stderr(predicates::str::contains("max_position_embeddings"));
    bin()
        .args(["sweep", "--model", "tiny", "--random-weights", "--device", "cuda", "--seq", "8", "--out", "x.csv"])
        .assert()
        .failure()
        .stderr(predicates::str::contains("without CUDA"));
    bin().args(["capture", "--model", "tiny", "--random-weights", "--canonical", "12by3", "--dry-run"]).assert().failure().stderr(predicates::str::contains("SEQxBATCH"));
}

/// A real SIGINT sent to a running sweep: it stops after the current run, exits 130, and the CSV holds only
/// complete rows of finished configurations.
#[test]
fn sigint_keeps_finished_rows_and_a_valid_csv() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("s.csv");
    let seqs: Vec<String> = (1..=40).map(|i| (i * 16).to_string()).collect();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("latency-anatomy"))
        .args(["sweep", "--model", "tiny", "--random-weights", "--device", "cpu", "--gen-tokens", "8", "--warmup", "0", "--reps", "3", "--no-progress", "--seq"])
        .arg(seqs.join(","))
        .arg("--out")
        .arg(&out)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    while std::fs::read_to_string(&out).map_or(0, |s| s.lines().count()) < 3 {
        assert!(start.elapsed().as_secs() < 120, "no rows after 120 s");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let kill = std::process::Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(kill.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    let rows = csv_rows(&out);
    assert!(rows.len() >= 2 && rows.len() < 40, "{} rows", rows.len());
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r["seq_len"], ((i + 1) * 16).to_string());
        assert_eq!(r["reps"], "3", "only finished configurations are written");
        assert!(f(r, "prefill_p50_ms") > 0.0);
    }
    let reps = csv_rows(&tmp.path().join("s.reps.csv"));
    assert_eq!(reps.len(), rows.len() * 3);
}

/// An nsys that leaves a `.qdstrm` (as Debian's layout does without the importer symlink): the runner finds
/// `QdstrmImporter` next to nsys and imports it itself.
#[test]
fn left_over_qdstrm_is_imported() {
    let tmp = tempfile::tempdir().unwrap();
    let log = tmp.path().join("calls.txt");
    let nsys = fake_tool(
        tmp.path(),
        "nsys",
        &format!(
            r#"echo "nsys $*" >> {log}
prev=""; for a in "$@"; do if [ "$prev" = "--output" ]; then out="$a"; fi; prev="$a"; done
case "$1" in profile) : > "$out.qdstrm";; export) : > "$out";; esac"#,
            log = log.display()
        ),
    );
    fake_tool(
        tmp.path(),
        "QdstrmImporter",
        &format!(r#"echo "import $*" >> {log}; : > "${{2%.qdstrm}}.nsys-rep""#, log = log.display()),
    );
    bin()
        .args(small("32x1"))
        .args(["--no-ncu", "--nsys"])
        .arg(&nsys)
        .args(["--results"])
        .arg(tmp.path())
        .args(["--run-id", "q"])
        .assert()
        .code(2); // the empty "export" cannot be analyzed: that step fails, the rest is fine
    let m = manifest(&tmp.path().join("q"));
    let s = step(&m, "nsys_s32_b1");
    assert_eq!(s["status"], "ok", "{s}");
    assert!(s["message"].as_str().unwrap().contains("imported the left-over .qdstrm"), "{s}");
    assert_eq!(step(&m, "nsys_export_s32_b1")["status"], "ok");
    assert_eq!(step(&m, "analyze_s32_b1")["status"], "failed");
    let calls = std::fs::read_to_string(&log).unwrap();
    assert!(calls.contains(&format!("import -i {}", tmp.path().join("q/nsys/s32_b1.qdstrm").display())), "{calls}");
}

/// A real SIGINT during a capture's sweep: exit 130, the manifest records the interrupted step, finished rows
/// are on disk; `--resume` then finishes the run without redoing the finished configurations.
#[test]
fn interrupted_capture_resumes() {
    let tmp = tempfile::tempdir().unwrap();
    let seqs: Vec<String> = (1..=12).map(|i| (i * 32).to_string()).collect();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("latency-anatomy"))
        .args(["capture", "--model", "tiny", "--random-weights", "--device", "cpu", "--batch-sizes", "1,2", "--batch-seq", "16"])
        .args(["--gen-tokens", "16", "--warmup", "0", "--reps", "3", "--no-nsys", "--no-progress", "--run-id", "r", "--seq"])
        .arg(seqs.join(","))
        .arg("--results")
        .arg(tmp.path())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let dir = tmp.path().join("r");
    let csv = dir.join("seq_sweep.csv");
    let start = std::time::Instant::now();
    while std::fs::read_to_string(&csv).map_or(0, |s| s.lines().count()) < 3 {
        assert!(start.elapsed().as_secs() < 120, "no rows after 120 s");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    std::process::Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(130));
    let m = manifest(&dir);
    assert_eq!(step(&m, "seq_sweep")["status"], "interrupted", "{}", step(&m, "seq_sweep"));
    assert_eq!(step(&m, "batch_sweep")["status"], "pending");
    let before = std::fs::read_to_string(&csv).unwrap();
    let finished = before.lines().count() - 1;
    assert!((2..12).contains(&finished), "{finished}");
    bin().args(["capture", "--resume"]).arg(&dir).assert().success();
    let after = std::fs::read_to_string(&csv).unwrap();
    assert!(after.starts_with(&before), "finished rows are kept as they were");
    let rows = csv_rows(&csv);
    assert_eq!(rows.iter().map(|r| r["seq_len"].clone()).collect::<Vec<_>>(), seqs, "every configuration once, in order");
    assert_eq!(csv_rows(&dir.join("seq_sweep.reps.csv")).len(), 12 * 3);
    let m = manifest(&dir);
    assert_eq!(step(&m, "seq_sweep")["status"], "ok");
    assert_eq!(step(&m, "batch_sweep")["status"], "ok");
    assert_eq!(m["resumed_utc"].as_array().unwrap().len(), 1);
    assert_eq!(csv_rows(&dir.join("batch_sweep.csv")).len(), 2);
}

/// nsys failing with its transient "Local Endpoint is not available" (a loaded machine) is tried once more.
#[test]
fn a_transient_nsys_failure_is_tried_once_more() {
    let tmp = tempfile::tempdir().unwrap();
    let first = tmp.path().join("first_done");
    let nsys = fake_tool(
        tmp.path(),
        "nsys",
        &format!(
            r#"prev=""; for a in "$@"; do if [ "$prev" = "--output" ]; then out="$a"; fi; prev="$a"; done
case "$1" in
  --version) echo "NVIDIA Nsight Systems version fake";;
  profile) if [ ! -e {first} ]; then : > {first}; echo "ClientProxy.cpp(381): std::exception::what: RuntimeException | [QuadDCommon::tag_message*] = Local Endpoint is not available." >&2; exit 1; fi; : > "$out.nsys-rep";;
  export) : > "$out";;
esac"#,
            first = first.display()
        ),
    );
    bin().args(small("32x1")).args(["--no-ncu", "--nsys"]).arg(&nsys).arg("--results").arg(tmp.path()).args(["--run-id", "x"]).assert().code(2); // the fake export is empty, so its analysis fails: exit 2
    let m = manifest(&tmp.path().join("x"));
    let s = step(&m, "nsys_s32_b1");
    assert_eq!(s["status"], "ok", "{s}");
    assert!(s["message"].as_str().unwrap().starts_with("second try"), "{s}");
}

/// `--grid` on the CPU: every prompt length at every batch size, the configurations that cannot fit flagged
/// `oom` by the memory estimate (a batch of a million: never attempted), the grid profiled whole and explained
/// point by point, and the heatmaps in sweep.md with the OOM cells shown as such.
#[test]
fn grid_capture_on_cpu() {
    let tmp = tempfile::tempdir().unwrap();
    let with_nsys = nsys().is_some();
    let mut args = vec!["capture", "--model", "tiny", "--random-weights", "--device", "cpu", "--seq", "32,64", "--batch-sizes", "1,2,1000000", "--gen-tokens", "2", "--warmup", "1", "--reps", "2", "--no-progress", "--canonical", "32x2", "--grid", "--no-ncu", "--run-id", "g"];
    if !with_nsys {
        args.push("--no-nsys");
    }
    bin().args(&args).arg("--results").arg(tmp.path()).assert().success();
    let dir = tmp.path().join("g");
    let m = manifest(&dir);
    assert_eq!(step(&m, "grid_sweep")["status"], "ok");
    assert!(m["steps"].as_array().unwrap().iter().all(|s| s["name"] != "seq_sweep" && s["name"] != "batch_sweep"), "the grid replaces the two regimes");
    let rows = csv_rows(&dir.join("grid_sweep.csv"));
    let cells: Vec<(String, String, String)> = rows.iter().map(|r| (r["seq_len"].clone(), r["batch"].clone(), r["flag"].clone())).collect();
    assert_eq!(cells.len(), 6);
    for s in ["32", "64"] {
        for b in ["1", "2", "1000000"] {
            let c = cells.iter().find(|c| c.0 == s && c.1 == b).unwrap_or_else(|| panic!("cell {s}x{b}"));
            assert_eq!(c.2 == "oom", b == "1000000", "{c:?}");
        }
    }
    let sweep_md = std::fs::read_to_string(dir.join("sweep.md")).unwrap();
    assert!(sweep_md.contains("## Grid: prompt length × batch") && sweep_md.contains("out of memory: s32_b1000000, s64_b1000000"), "{sweep_md}");
    assert!(dir.join("charts/grid_decode_ms_per_token.png").is_file() && dir.join("charts/grid_total_tok_s.svg").is_file());
    if with_nsys {
        assert_eq!(step(&m, "analyze_grid_sweep")["status"], "ok");
        let points = csv_rows(&dir.join("analysis/grid_sweep/points.csv"));
        let keys: Vec<String> = points.iter().map(|r| format!("{} {}", r["point"], r["phase"])).collect();
        assert_eq!(keys, ["s32_b1 prefill", "s32_b1 decode", "s32_b2 prefill", "s32_b2 decode", "s64_b1 prefill", "s64_b1 decode", "s64_b2 prefill", "s64_b2 decode"]);
        assert!(points.iter().all(|r| r["bound"] == "unknown" && !r["unprofiled_p50_ns"].is_empty()));
        assert!(dir.join("charts/grid_bound.png").is_file() && sweep_md.contains("No GPU work was traced (a CPU run)"));
    }
}
