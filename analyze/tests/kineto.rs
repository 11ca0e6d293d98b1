//! PyTorch-profiler (Kineto) traces: every real trace of `../shared/realdata/kineto` analyzed, with kernels,
//! copies, busy time, launches and steps equal to plain Python sums over the same JSON
//! (`scripts/kineto_oracle.py`, written without this crate); cut, damaged and hostile traces.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use latency_anatomy_analyze::{analyze_kineto, AnalyzeError, Options, Tables};
use test_support as common;

fn traces() -> Vec<PathBuf> {
    let Some(dir) = common::realdata_or_skip("kineto traces") else { return Vec::new() };
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir.join("kineto")).expect("realdata/kineto").map(|e| e.unwrap().path()).filter(|p| p.to_string_lossy().ends_with(".json.gz")).collect();
    v.sort();
    assert_eq!(v.len(), 6, "the six shared traces");
    v
}

/// The oracle's sums over `trace` (steps: annotations named `prefix…`).
fn oracle(trace: &Path, prefix: Option<&str>) -> serde_json::Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/kineto_oracle.py");
    let mut cmd = std::process::Command::new("python3");
    cmd.arg(script).arg(trace);
    if let Some(p) = prefix {
        cmd.arg(p);
    }
    let out = cmd.output().expect("python3 runs");
    assert!(out.status.success(), "oracle on {}: {}", trace.display(), String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("the oracle prints JSON")
}

fn analyze(p: &Path, opts: &Options) -> Tables {
    analyze_kineto(p, opts, &|_| {}).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn kernel_totals_equal_plain_sums_of_the_json() {
    for t in traces() {
        let o = oracle(&t, None);
        let tables = analyze(&t, &Options::default());
        let got: BTreeMap<String, (u64, i64)> = tables.kernels.iter().map(|k| (format!("{}\t{}", k.device, k.name), (k.instances, k.total_ns))).collect();
        let want: BTreeMap<String, (u64, i64)> = o["kernels"].as_object().unwrap().iter().map(|(k, v)| (k.clone(), (v[0].as_u64().unwrap(), v[1].as_i64().unwrap()))).collect();
        assert!(!want.is_empty());
        assert_eq!(got, want, "{}", t.display());
        // Copies and sets per device: count, bytes, time.
        let mut mem: BTreeMap<String, (u64, i64, i64)> = BTreeMap::new();
        for m in &tables.memory {
            let e = mem.entry(m.device.to_string()).or_default();
            e.0 += m.count;
            e.1 += m.bytes;
            e.2 += m.total_ns;
        }
        let want_mem: BTreeMap<String, (u64, i64, i64)> = o["memops"].as_object().unwrap().iter().map(|(k, v)| (k.clone(), (v[0].as_u64().unwrap(), v[1].as_i64().unwrap(), v[2].as_i64().unwrap()))).collect();
        assert_eq!(mem, want_mem, "{}", t.display());
        // Busy time: the union of kernel and copy intervals, per device.
        let busy: BTreeMap<String, i64> = tables.timeline.iter().map(|r| (r.device.to_string(), r.busy_ns)).collect();
        let want_busy: BTreeMap<String, i64> = o["busy"].as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.as_i64().unwrap())).collect();
        assert_eq!(busy, want_busy, "{}", t.display());
        assert_eq!(tables.summary.kernels_with_launch, o["launched"].as_u64().unwrap(), "{}", t.display());
        assert_eq!(tables.summary.nvtx_ranges, o["ranges"].as_u64().unwrap(), "{}", t.display());
        assert_eq!(tables.input_kind, "pytorch-profiler");
        assert!(tables.info.source.starts_with("PyTorch profiler (Kineto) trace, schemaVersion 1"), "{}", tables.info.source);
        // Classes split the kernel time exactly.
        let class_total: i64 = tables.classes.iter().filter(|c| c.phase == "all").map(|c| c.total_ns).sum();
        assert_eq!(class_total, tables.summary.kernel_ns + tables.summary.memop_ns);
    }
}

#[test]
fn gpus_ranks_and_versions_come_from_the_trace() {
    let ts = traces();
    if ts.is_empty() {
        return;
    }
    let by = |s: &str| analyze(ts.iter().find(|p| p.to_string_lossy().contains(s)).unwrap(), &Options::default());
    let h100 = by("h100_hf");
    assert_eq!(h100.info.gpus.len(), 1);
    let g = &h100.info.gpus[0];
    assert_eq!((g.device, g.name.as_str(), g.sm_count, g.total_memory_bytes, g.compute_capability.as_str()), (0, "NVIDIA H100 80GB HBM3", 132, 85_018_279_936, "9.0"));
    assert_eq!(g.memory_bandwidth_bps, 3_350_000_000_000, "H100 SXM from the table of known GPUs");
    assert!(h100.info.source.contains("CUPTI 22") && h100.info.source.contains("CUDA runtime 12.4"), "{}", h100.info.source);
    let b200 = by("b200");
    assert_eq!((b200.info.rank, b200.info.world_size), (Some(0), Some(8)));
    assert_eq!(b200.info.gpus[0].memory_bandwidth_bps, 8_000_000_000_000);
    // ROCm: the ops run on device 9, deviceProperties lists id 0 only; the one GPU listed describes it.
    let sglang = by("sglang_qwen3-8b_decode");
    assert_eq!(sglang.info.gpus.len(), 1);
    assert_eq!((sglang.info.gpus[0].device, sglang.info.gpus[0].name.as_str()), (9, "AMD Instinct MI300X"));
    assert_eq!(sglang.info.gpus[0].memory_bandwidth_bps, 5_300_000_000_000);
    assert!(sglang.info.source.contains("HIP runtime"), "{}", sglang.info.source);
    // No name recorded: no peak, a note; --peak-gb-s gives one.
    let vllm = by("vllm_gptoss_decode");
    assert_eq!(vllm.info.gpus[0].memory_bandwidth_bps, 0);
    assert!(vllm.info.notes.iter().any(|n| n.contains("records no name") && n.contains("--peak-gb-s")), "{:?}", vllm.info.notes);
    let mut o = Options::default();
    o.peak_gb_s = Some(5300.0);
    let with = analyze(ts.iter().find(|p| p.to_string_lossy().contains("vllm_gptoss_decode")).unwrap(), &o);
    assert_eq!(with.info.gpus[0].memory_bandwidth_bps, 5_300_000_000_000);
}

#[test]
fn every_trace_has_its_engine_steps() {
    // HF marks its step with torch.profiler's ProfilerStep#N; vLLM V1 and SGLang name theirs execute_….
    for t in traces() {
        let prefix = if t.to_string_lossy().contains("_hf_") { "ProfilerStep" } else { "execute_" };
        let mut opts = Options::default();
        opts.step_pattern = schema::phase::StepPattern::new(&format!("{prefix}*")).unwrap();
        let tables = analyze(&t, &opts);
        let o = oracle(&t, Some(prefix));
        let want: Vec<(i64, i64)> = o["steps"].as_array().unwrap().iter().map(|s| (s[0].as_i64().unwrap(), s[1].as_i64().unwrap())).collect();
        let got: Vec<(i64, i64)> = tables.steps.iter().map(|s| (s.wall_ns, s.kernels as i64)).collect();
        assert!(!want.is_empty(), "{}", t.display());
        assert_eq!(got, want, "{}", t.display());
        for s in &tables.steps {
            assert_eq!(s.gpu_busy_ns + s.gpu_idle_ns + s.host_only_ns, s.wall_ns + s.gpu_overhang_ns, "{}", t.display());
            let by_class: i64 = s.class_busy().iter().map(|(_, v)| *v).sum();
            assert_eq!(by_class, s.gpu_busy_ns, "{}", t.display());
        }
    }
}

#[test]
fn graph_replays_and_steps_follow_the_definitions() {
    let ts = traces();
    if ts.is_empty() {
        return;
    }
    // The HIP graph replay of SGLang's decode: its kernels carry the hipGraphLaunch's correlation id.
    let decode = ts.iter().find(|p| p.to_string_lossy().contains("sglang_qwen3-8b_decode")).unwrap();
    let mut opts = Options::default();
    opts.step_pattern = schema::phase::StepPattern::new("execute_*").unwrap();
    let t = analyze(decode, &opts);
    assert_eq!(t.steps.len(), 1, "one engine step");
    let s = &t.steps[0];
    let o = oracle(decode, Some("execute_"));
    assert_eq!(o["steps"].as_array().unwrap().len(), 1);
    assert_eq!(s.wall_ns, o["steps"][0][0].as_i64().unwrap());
    assert_eq!(s.kernels as i64, o["steps"][0][1].as_i64().unwrap());
    assert_eq!(s.graph_launches, 1, "one hipGraphLaunch");
    assert!(s.graph_kernels >= 500, "the replayed kernels: {}", s.graph_kernels);
    assert_eq!(s.gpu_busy_ns + s.gpu_idle_ns + s.host_only_ns, s.wall_ns + s.gpu_overhang_ns);
    // HF's ProfilerStep#6 on the H100: a step whose kernels are those launched inside it.
    let h100 = ts.iter().find(|p| p.to_string_lossy().contains("h100_hf")).unwrap();
    opts.step_pattern = schema::phase::StepPattern::new("ProfilerStep*").unwrap();
    let t = analyze(h100, &opts);
    let o = oracle(h100, Some("ProfilerStep"));
    assert_eq!(t.steps.len(), 1);
    assert_eq!(t.steps[0].wall_ns, o["steps"][0][0].as_i64().unwrap());
    assert_eq!(t.steps[0].kernels as i64, o["steps"][0][1].as_i64().unwrap());
    assert!(t.steps[0].sync_api_ns > 0, "cudaDeviceSynchronize inside the step");
}

/// Writes `bytes` to a file in `dir`.
fn file(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// A small trace: one launch, its kernel, a copy, an annotation around the launch.
const SMALL: &str = r#"{"schemaVersion": 1, "deviceProperties": [{"id": 0, "name": "NVIDIA H100 PCIe", "numSms": 114, "totalGlobalMem": 85000000000, "computeMajor": 9, "computeMinor": 0}],
 "traceEvents": [
  {"ph": "X", "cat": "user_annotation", "name": "step_0", "pid": 10, "tid": 11, "ts": 100.0, "dur": 50.0},
  {"ph": "X", "cat": "cuda_runtime", "name": "cudaLaunchKernel", "pid": 10, "tid": 11, "ts": 110.0, "dur": 5.0, "args": {"correlation": 7}},
  {"ph": "X", "cat": "kernel", "name": "void gemm_kernel<float>(float*)", "pid": 0, "tid": 7, "ts": 120.0004, "dur": 10.0005, "args": {"device": 0, "stream": 7, "correlation": 7, "grid": [4, 1, 1], "block": [128, 1, 1]}},
  {"ph": "X", "cat": "gpu_memcpy", "name": "Memcpy HtoD (Pinned -> Device)", "pid": 0, "tid": 7, "ts": 140.0, "dur": 2.0, "args": {"device": 0, "stream": 7, "correlation": 8, "bytes": 4096}},
  {"ph": "f", "id": 7, "pid": 0, "tid": 7, "ts": 120.0, "cat": "ac2g", "name": "ac2g", "bp": "e"}
 ], "traceName": "small"}"#;

#[test]
fn a_small_trace_reads_exactly() {
    let d = tempfile::tempdir().unwrap();
    for (name, bytes) in [("t.json", SMALL.as_bytes().to_vec()), ("t.json.gz", gz(SMALL.as_bytes())), ("noext", gz(SMALL.as_bytes()))] {
        let p = file(d.path(), name, &bytes);
        assert!(latency_anatomy_analyze::read::kineto::looks_like_trace(&p));
        let mut o = Options::default();
        o.step_pattern = schema::phase::StepPattern::new("step_*").unwrap();
        let t = analyze(&p, &o);
        assert_eq!(t.kernels.len(), 1);
        let k = &t.kernels[0];
        // 120.0004 µs → 120,000 ns; 10.0005 µs → 10,001 ns (ties away from zero): rounded once each.
        assert_eq!((k.instances, k.total_ns, k.short_name.as_str(), k.class.as_str()), (1, 10_001, "gemm_kernel", "gemm"));
        assert_eq!(t.memory.len(), 1);
        assert_eq!((t.memory[0].kind.as_str(), t.memory[0].bytes), ("HtoD", 4096));
        assert_eq!(t.summary.kernels_with_launch, 1);
        assert_eq!(t.steps.len(), 1);
        assert_eq!((t.steps[0].wall_ns, t.steps[0].kernels, t.steps[0].thread), (50_000, 1, 11));
        assert_eq!(t.info.gpus[0].memory_bandwidth_bps, 2_000_000_000_000, "H100 PCIe");
        assert!(t.info.notes.iter().all(|n| !n.contains("truncated")), "{:?}", t.info.notes);
    }
}

#[test]
fn epoch_timestamps_are_rebased_not_rejected() {
    let d = tempfile::tempdir().unwrap();
    // 1.7e18 ns (epoch time in µs with ns fractions): beyond what a profiling clock gives, so rebased.
    let text = SMALL.replace("\"ts\": 1", "\"ts\": 17514108360001");
    let t = analyze(&file(d.path(), "epoch.json", text.as_bytes()), &Options::default());
    assert_eq!(t.kernels[0].total_ns, 10_001);
    assert_eq!(t.summary.kernels_with_launch, 1);
    assert!(t.info.notes.iter().any(|n| n.contains("absolute (epoch) time")), "{:?}", t.info.notes);
    assert!(t.info.notes.iter().all(|n| !n.contains("implausible")), "{:?}", t.info.notes);
}

#[test]
fn a_cut_trace_is_analyzed_from_its_complete_events() {
    let ts = traces();
    let d = tempfile::tempdir().unwrap();
    // Plain JSON cut inside the kernel event, and the same cut in a gzip file; the whole of a real trace cut in
    // half, compressed and then cut.
    let at = SMALL.find("{\"ph\": \"X\", \"cat\": \"kernel\"").unwrap() + 30;
    let cut = &SMALL.as_bytes()[..at];
    for (name, bytes) in [("cut.json", cut.to_vec()), ("cut.json.gz", gz(cut))] {
        let t = analyze(&file(d.path(), name, &bytes), &Options::default());
        assert_eq!((t.kernels.len(), t.summary.nvtx_ranges), (0, 1), "{name}");
        let note = t.info.notes.first().expect("a note");
        assert!(note.starts_with("the trace is truncated") && note.contains("30 byte(s) of a cut event dropped") && note.contains("2 complete event(s)"), "{name}: {note}");
    }
    if let Some(real) = ts.iter().find(|p| p.to_string_lossy().contains("h100_hf")) {
        let whole = std::fs::read(real).unwrap();
        let full = analyze(real, &Options::default());
        let cut = &whole[..whole.len() / 2];
        let t = analyze(&file(d.path(), "half.json.gz", cut), &Options::default());
        assert!(t.info.notes[0].contains("the gzip stream ends early"), "{:?}", t.info.notes);
        // Kineto writes the CPU events first: the first half holds the step's annotation and none of the kernels.
        assert!(t.summary.kernels < full.summary.kernels && t.summary.nvtx_ranges == full.summary.nvtx_ranges, "{:?}", t.summary);
    }
}

#[test]
fn what_is_not_a_chrome_trace_is_a_one_line_error() {
    let d = tempfile::tempdir().unwrap();
    for (name, bytes, says) in [
        ("obj.json", br#"{"a": [1, 2, {"traceEvents": []}]}"#.to_vec(), "without a top-level \"traceEvents\""),
        ("num.json", b"[1, 2".to_vec(), ""),
        ("bad.json", br#"{"traceEvents" 5}"#.to_vec(), "malformed"),
        ("gz.json.gz", gz(b"SQLite format 3\0"), "does not start with"),
        ("empty.json.gz", gz(b""), "empty"),
        ("junk.json.gz", vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff], "gzip"),
    ] {
        let p = file(d.path(), name, &bytes);
        match analyze_kineto(&p, &Options::default(), &|_| {}) {
            Err(AnalyzeError::NotATrace { path, why }) => {
                assert_eq!(path, p);
                assert!(why.contains(says), "{name}: {why}");
                assert!(!why.contains('\n'));
            }
            Ok(t) => {
                // A bare array of non-objects is a (cut) trace without events: read, with notes.
                assert_eq!(name, "num.json", "{name} should fail");
                assert_eq!(t.summary.kernels, 0);
                assert!(t.info.notes.iter().any(|n| n.contains("not objects")), "{:?}", t.info.notes);
            }
            Err(e) => panic!("{name}: {e}"),
        }
    }
}

#[test]
fn odd_fields_are_skipped_and_counted() {
    let d = tempfile::tempdir().unwrap();
    let text = r#"{"traceEvents": [
      {"ph": "X", "cat": "kernel", "name": "k", "ts": "soon", "dur": 1, "args": {"device": 0}},
      {"ph": "X", "cat": "kernel", "name": "k", "ts": 1, "args": {"device": 0}},
      {"ph": "B", "cat": "kernel", "name": "k", "ts": 1},
      {"ph": "X", "cat": "kernel", "name": ["k"], "ts": 1, "dur": 2, "pid": 0, "tid": 1, "args": {"device": "x", "grid": "big", "correlation": {}}},
      {"ph": "X", "cat": "kernel", "name": "k", "ts": 1, "dur": 1e30, "args": {"device": 0}},
      {"ph": "X", "cat": "kernel", "name": "k", "ts": 5, "dur": -3, "args": {"device": 99999999}},
      {"ph": "X", "cat": "cuda_runtime", "name": "cudaLaunchKernel", "pid": "main", "tid": 1, "ts": 1, "dur": 1, "args": {"correlation": 1}},
      {"ph": "X", "cat": "user_annotation", "name": "\u001b[31mred\u202e", "pid": 1, "tid": 99999999999, "ts": 1, "dur": 1},
      [1], "x", null, {"ph": "X", "cat": "kernel", "name": "k", "ts": 1, "dur": 2, "args": []}, {"cat": 5}
    ]}"#;
    let t = analyze(&file(d.path(), "odd.json", text.as_bytes()), &Options::default());
    // Kept: the kernel with a name that is not text and odd args (its device from its pid); the one with array
    // args has no device at all (excluded, as is device 99999999).
    assert_eq!(t.summary.kernels, 1, "{:?}", t.info.notes);
    assert_eq!(t.summary.nvtx_ranges, 1);
    let notes = t.info.notes.join("\n");
    for want in ["3 event(s) skipped: no readable ts or dur", "1 event(s) skipped: not a complete", "1 event(s) skipped: a CPU event without a numeric pid and tid", "2 row(s) of kernel excluded as implausible", "3 element(s) of traceEvents skipped: not objects", "beyond 24 bits"] {
        assert!(notes.contains(want), "{want}:\n{notes}");
    }
}

#[test]
fn a_tiled_trace_scales_exactly() {
    let ts = traces();
    let Some(src) = ts.iter().find(|p| p.to_string_lossy().contains("sglang_qwen3-8b_decode")) else { return };
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("big.json.gz");
    let s = latency_anatomy_analyze::bench::make_kineto(src, 2_000_000, &out).unwrap();
    assert!(s.tiles >= 3 && s.json_bytes >= 2_000_000, "{s:?}");
    let one = analyze(src, &Options::default());
    let many = analyze(&out, &Options::default());
    let k = s.tiles;
    assert_eq!(many.summary.kernels, one.summary.kernels * k);
    assert_eq!(many.summary.kernel_ns, one.summary.kernel_ns * k as i64);
    assert_eq!(many.summary.kernels_with_launch, one.summary.kernels_with_launch * k);
    assert_eq!(many.summary.nvtx_ranges, one.summary.nvtx_ranges * k);
    assert!(many.info.notes.iter().all(|n| !n.contains("skipped") && !n.contains("truncated")), "{:?}", many.info.notes);
    // Every tile's graph replay stays joined to its own launch.
    let mut o = Options::default();
    o.step_pattern = schema::phase::StepPattern::new("execute_*").unwrap();
    let steps = analyze(&out, &o).steps;
    assert_eq!(steps.len() as u64, k);
    assert!(steps.iter().all(|st| st.graph_launches == 1 && st.kernels == analyze(src, &o).steps[0].kernels));
}

#[test]
fn vendor_gemms_are_gemms_and_the_other_share_is_printed() {
    // hipBLASLt's Cijk_* and TensorRT-LLM's bmm_* kernels hold most of the GEMM time of the AMD and B200 traces.
    for t in traces() {
        let tables = analyze(&t, &Options::default());
        let total: i64 = tables.kernels.iter().map(|k| k.total_ns).sum();
        let other: i64 = tables.kernels.iter().filter(|k| k.class == "other").map(|k| k.total_ns).sum();
        eprintln!("{}: other {:.1} % of kernel time", t.file_name().unwrap().to_string_lossy(), 100.0 * other as f64 / total as f64);
        for k in &tables.kernels {
            if k.name.starts_with("Cijk_") || k.name.starts_with("bmm_") {
                assert_eq!(k.class, "gemm", "{}", k.name);
            }
        }
    }
}
