//! The PyTorch-profiler (Kineto) reader on traces built from the fuzzer's bytes: a Chrome-trace JSON of events of
//! every category the reader knows (and some it does not), with fields present, absent or of the wrong type,
//! timestamps as plain decimals, exponents, epoch values, text or garbage, hostile names, `deviceProperties` and
//! `distributedInfo` of any shape; the text then cut at any byte, and written plain or gzip. The analysis must
//! either fail with an error naming the file or give tables that add up, and render without panicking.

#![no_main]

use std::io::Write;
use std::path::PathBuf;

use latency_anatomy_analyze::{analyze_kineto, Options};
use libfuzzer_sys::fuzz_target;

struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((b, rest)) => {
                self.0 = rest;
                *b
            }
            None => 0,
        }
    }

    fn pick<'s>(&mut self, from: &[&'s str]) -> &'s str {
        from[self.byte() as usize % from.len()]
    }
}

const CATS: &[&str] = &["kernel", "gpu_memcpy", "gpu_memset", "cuda_runtime", "cuda_driver", "user_annotation", "gpu_user_annotation", "cpu_op", "python_function", "ac2g", "overhead", "Trace", ""];
const PHS: &[&str] = &["\"X\"", "\"X\"", "\"X\"", "\"B\"", "\"i\"", "\"f\"", "\"s\"", "7", "null"];
const NAMES: &[&str] = &[
    "\"void gemm_kernel<float>(float*)\"",
    "\"flash_fwd_kernel\"",
    "\"cudaLaunchKernel\"",
    "\"hipExtModuleLaunchKernel\"",
    "\"cudaGraphLaunch\"",
    "\"hipGraphLaunch\"",
    "\"cudaDeviceSynchronize\"",
    "\"cudaMemcpyAsync\"",
    "\"Memcpy HtoD (Pinned -> Device)\"",
    "\"Memset (Device)\"",
    "\"prefill\"",
    "\"decode\"",
    "\"step_0\"",
    "\"ProfilerStep#6\"",
    "\"execute_32_context_0(sq0sk0)_generation_32(sq32sk32785)\"",
    "\"\\u001b[31mred\\u202e| `x` <script>\"",
    "\"a\\\"b\\\\c\\nd\"",
    "\"\"",
    "[\"k\"]",
    "12",
];
const TIMES: &[&str] = &["0", "1", "1.5", "10.0005", "120.0004", "-3.25", "1e3", "1.2E-2", "1751410836000100.123", "9e99", "99999999999999999999.9", "\"12\"", "null", "true", "[1]", "{}", "1.", ".5", "-0"];
const IDS: &[&str] = &["0", "1", "2", "7", "9", "-1", "16777216", "99999999999", "\"Spans\"", "\"3\"", "1.5", "null", "[]"];
const DIMS: &[&str] = &["[1, 1, 1]", "[128, 1, 1]", "[4, 2]", "[-1, 1, 1]", "[1, 1, 1, 1]", "\"big\"", "null", "[4294967296, 1, 1]"];
const PROPS: &[&str] = &[
    r#""deviceProperties": [{"id": 0, "name": "NVIDIA H100 80GB HBM3", "numSms": 132, "totalGlobalMem": 85018279936, "computeMajor": 9, "computeMinor": 0}],"#,
    r#""deviceProperties": [{"id": 0, "name": "AMD Instinct MI300X"}, {"id": 1, "name": ""}],"#,
    r#""deviceProperties": [{"id": "x", "name": 5, "numSms": "many"}, 3, null],"#,
    r#""deviceProperties": {"id": 0},"#,
    r#""distributedInfo": {"rank": 3, "world_size": 8}, "schemaVersion": 1, "cupti_version": 22, "cuda_runtime_version": 12040,"#,
    r#""distributedInfo": [1, 2], "schemaVersion": {"a": [1]}, "hip_runtime_version": "x","#,
    "",
];

fn trace_path(gz: bool) -> PathBuf {
    let dir = if std::path::Path::new("/dev/shm").is_dir() { PathBuf::from("/dev/shm") } else { std::env::temp_dir() };
    dir.join(format!("la-fuzz-kineto-{}.json{}", std::process::id(), if gz { ".gz" } else { "" }))
}

fuzz_target!(|data: &[u8]| {
    let mut d = Bytes(data);
    let mut text = String::from("{");
    text.push_str(d.pick(PROPS));
    text.push_str(d.pick(PROPS));
    text.push_str("\"traceEvents\": [");
    let n = d.byte() % 24;
    for i in 0..n {
        if i > 0 {
            text.push(',');
        }
        if d.byte() % 16 == 0 {
            text.push_str(d.pick(&["1", "\"x\"", "null", "[{}]", "{\"cat\": 5}"]));
            continue;
        }
        let mut fields = vec![format!("\"ph\": {}", d.pick(PHS)), format!("\"cat\": \"{}\"", d.pick(CATS)), format!("\"name\": {}", d.pick(NAMES))];
        let mask = d.byte();
        if mask & 1 != 0 {
            fields.push(format!("\"pid\": {}", d.pick(IDS)));
        }
        if mask & 2 != 0 {
            fields.push(format!("\"tid\": {}", d.pick(IDS)));
        }
        if mask & 4 != 0 {
            fields.push(format!("\"ts\": {}", d.pick(TIMES)));
        }
        if mask & 8 != 0 {
            fields.push(format!("\"dur\": {}", d.pick(TIMES)));
        }
        if mask & 16 != 0 {
            let mut args = Vec::new();
            let am = d.byte();
            for (bit, key) in ["device", "stream", "correlation", "bytes", "graph id"].iter().enumerate() {
                if am & (1 << bit) != 0 {
                    args.push(format!("\"{key}\": {}", d.pick(IDS)));
                }
            }
            if am & 32 != 0 {
                args.push(format!("\"grid\": {}, \"block\": {}", d.pick(DIMS), d.pick(DIMS)));
            }
            if am & 64 != 0 {
                args.push(format!("\"kind\": {}", d.pick(&["\"DtoD\"", "\"HtoD\"", "5", "\"\""])));
            }
            fields.push(if am & 128 != 0 { "\"args\": [1]".to_string() } else { format!("\"args\": {{{}}}", args.join(", ")) });
        }
        // Mostly valid fields in any order; sometimes a field twice.
        if mask & 32 != 0 {
            fields.reverse();
        }
        if mask & 64 != 0 {
            fields.push(fields[0].clone());
        }
        text.push('{');
        text.push_str(&fields.join(", "));
        text.push('}');
    }
    text.push_str("], \"traceName\": \"t\"}");
    let mut bytes = text.into_bytes();
    let cut = d.byte();
    if cut % 3 == 0 && !bytes.is_empty() {
        let at = (u16::from_le_bytes([d.byte(), d.byte()]) as usize) % bytes.len();
        bytes.truncate(at);
    }
    let gz = d.byte() % 2 == 0;
    let path = trace_path(gz);
    let mut out = if gz {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(&bytes).unwrap();
        let mut z = e.finish().unwrap();
        if cut % 3 == 1 && !z.is_empty() {
            let at = (d.byte() as usize * 7) % z.len();
            z.truncate(at);
        }
        z
    } else {
        bytes
    };
    if cut % 5 == 4 && !out.is_empty() {
        let at = d.byte() as usize % out.len();
        out[at] ^= 0x55;
    }
    std::fs::write(&path, &out).unwrap();
    let mut opts = Options::default();
    if d.byte() % 2 == 0 {
        opts.step_pattern = latency_anatomy_schema_step_pattern("?*");
    }
    match analyze_kineto(&path, &opts, &|_| {}) {
        Err(e) => {
            let msg = e.to_string();
            assert!(msg.contains(&*path.to_string_lossy()), "error does not name the file: {msg}");
            assert!(!msg.contains('\n'), "one line: {msg}");
        }
        Ok(t) => {
            let s = &t.summary;
            assert_eq!(t.kernels.iter().map(|k| k.instances).sum::<u64>(), s.kernels);
            assert_eq!(t.kernels.iter().map(|k| k.total_ns).sum::<i64>(), s.kernel_ns);
            assert!(0 <= s.attributed_ns && s.attributed_ns <= s.kernel_ns, "{} > {}", s.attributed_ns, s.kernel_ns);
            assert_eq!(t.nvtx_ranges.iter().map(|r| r.gpu_total_ns).sum::<i64>(), s.attributed_ns);
            for row in &t.timeline {
                assert!(0 <= row.busy_ns && row.busy_ns <= row.span_ns, "busy {} span {}", row.busy_ns, row.span_ns);
            }
            for st in &t.steps {
                assert_eq!(st.gpu_busy_ns + st.gpu_idle_ns + st.host_only_ns, st.wall_ns + st.gpu_overhang_ns);
            }
            let md = latency_anatomy_reports::render_markdown(&t, &latency_anatomy_reports::ReportOptions::default());
            assert!(!md.contains('\u{1b}') && !md.contains('\u{202E}'));
            let _ = latency_anatomy_reports::render_summary(&t, 5);
        }
    }
    let _ = std::fs::remove_file(&path);
});

fn latency_anatomy_schema_step_pattern(glob: &str) -> latency_anatomy_schema::phase::StepPattern {
    latency_anatomy_schema::phase::StepPattern::new(glob).expect("a valid glob")
}
