//! PyTorch-profiler traces through the binary: one trace (every table written, the header naming the source),
//! a folder of per-rank traces as one fleet, `diff` of two traces, and the one-line errors of bad input.

use std::path::PathBuf;

use test_support as common;
use common::{bin, csv_rows};

fn trace(name: &str) -> Option<PathBuf> {
    let dir = common::realdata_or_skip("pytorch traces")?;
    Some(dir.join("kineto").join(name))
}

const H100: &str = "tracelens_h100_hf_qwen1.5-0.5b_prefill.json.gz";
const SGLANG: &str = "tracelens_mi300x_sglang_qwen3-8b_decode_bs32.json.gz";

#[test]
fn one_trace_writes_every_table() {
    let Some(t) = trace(H100) else { return };
    let out = tempfile::tempdir().unwrap();
    let a = bin().arg("analyze").arg(&t).arg("--out").arg(out.path()).args(["--step-pattern", "ProfilerStep*"]).assert().success();
    let stdout = String::from_utf8(a.get_output().stdout.clone()).unwrap();
    assert!(stdout.lines().next().unwrap().contains("PyTorch profiler (Kineto) trace, schemaVersion 1, CUPTI 22, CUDA runtime 12.4"), "{stdout}");
    for f in ["kernels.csv", "nvtx_ranges.csv", "classes.csv", "memory.csv", "timeline.csv", "gaps.csv", "steps.csv", "step_summary.csv", "tables.json", "report.md"] {
        assert!(out.path().join(f).is_file(), "{f}");
    }
    let steps = csv_rows(&out.path().join("steps.csv"));
    assert_eq!(steps.len(), 1);
    assert_eq!(steps[0]["step"], "ProfilerStep#6");
    let report = std::fs::read_to_string(out.path().join("report.md")).unwrap();
    assert!(report.contains("- **Source:** PyTorch profiler (Kineto) trace"), "{report}");
    // The default output folder drops every trace suffix.
    let d = tempfile::tempdir().unwrap();
    bin().current_dir(d.path()).arg("analyze").arg(&t).arg("-q").assert().success();
    assert!(d.path().join("results/analysis/tracelens_h100_hf_qwen1.5-0.5b_prefill/kernels.csv").is_file());
}

#[test]
fn a_folder_of_rank_traces_is_one_fleet() {
    let (Some(a), Some(b)) = (trace(H100), trace(SGLANG)) else { return };
    let d = tempfile::tempdir().unwrap();
    let traces = d.path().join("traces");
    std::fs::create_dir_all(traces.join("rank0")).unwrap();
    std::fs::create_dir_all(traces.join("rank1")).unwrap();
    std::fs::copy(&a, traces.join("rank0/worker.pt.trace.json.gz")).unwrap();
    std::fs::copy(&b, traces.join("rank1/worker.pt.trace.json.gz")).unwrap();
    // JSON files that are not traces (an engine's config beside its traces) are not inputs.
    std::fs::write(traces.join("config.json"), r#"{"model": "qwen", "tp": 8}"#).unwrap();
    std::fs::write(traces.join("rank0/notes.json.gz"), b"not gzip").unwrap();
    let out = d.path().join("fleet");
    bin().arg("analyze").arg(&traces).arg("--out").arg(&out).arg("-q").assert().success();
    let rows = csv_rows(&out.join("fleet.csv"));
    let ids: Vec<&str> = rows.iter().map(|r| r["trace_id"].as_str()).collect();
    assert_eq!(ids, ["rank0+worker", "rank1+worker"]);
    for (r, src) in rows.iter().zip([&a, &b]) {
        assert_eq!(r["status"], "ok");
        let single = tempfile::tempdir().unwrap();
        bin().arg("analyze").arg(src).arg("--out").arg(single.path()).arg("-q").assert().success();
        let k = csv_rows(&single.path().join("kernels.csv"));
        let total: i64 = k.iter().map(|row| row["total_ns"].parse::<i64>().unwrap()).sum();
        assert_eq!(r["kernel_ns"].parse::<i64>().unwrap(), total);
    }
}

#[test]
fn diff_of_two_traces() {
    let Some(a) = trace(SGLANG) else { return };
    let d = tempfile::tempdir().unwrap();
    let o = bin().arg("diff").arg(&a).arg(&a).arg("--out").arg(d.path().join("diff")).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.starts_with("same"), "{stdout}");
}

#[test]
fn bad_traces_are_one_line_errors() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("x.json");
    std::fs::write(&p, br#"{"notATrace": true}"#).unwrap();
    let o = bin().arg("analyze").arg(&p).arg("--out").arg(d.path().join("o")).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains(&*p.to_string_lossy()) && err.contains("traceEvents"), "{err}");
    assert!(!d.path().join("o").exists(), "no folder left behind");
    // --ncu joins to nsys exports only; --peak-gb-s must be a bandwidth.
    let Some(t) = trace(SGLANG) else { return };
    let ncu = d.path().join("x.ncu-rep");
    std::fs::write(&ncu, b"NVIDIA").unwrap();
    let o = bin().arg("analyze").arg(&t).arg("--ncu").arg(&ncu).arg("--out").arg(d.path().join("o2")).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("PyTorch profiler trace"));
    for bad in ["0", "-5", "fast", "inf"] {
        let o = bin().arg("analyze").arg(&t).arg(format!("--peak-gb-s={bad}")).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{bad}");
        assert!(String::from_utf8_lossy(&o.stderr).contains("--peak-gb-s"), "{bad}");
    }
    let out = d.path().join("o3");
    bin().arg("analyze").arg(&t).args(["--peak-gb-s", "5300"]).arg("--out").arg(&out).arg("-q").assert().success();
    let tables = common::json_file(&out.join("tables.json"));
    assert_eq!(tables["info"]["gpus"][0]["memory_bandwidth_bps"], 5_300_000_000_000i64);
}
