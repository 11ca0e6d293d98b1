//! The whole nsys SQLite path (open, probe, read every table the analysis reads, join, attribute, tables,
//! markdown) on small exports built from bytes: the real schemas' tables and columns, each table present or
//! not, with all its columns or a subset, and cells of any SQLite type (integers near the edges of i64, text
//! where numbers belong, reals, blobs, NULL, odd NVTX eventTypes). Checks: no panic, errors name the file, and
//! on success the numbers add up.
#![no_main]

use std::path::PathBuf;

use latency_anatomy_analyze::{analyze_file, Options};
use libfuzzer_sys::fuzz_target;
use rusqlite::types::Value;

/// (table, columns) as nsys writes them (the columns the analyzer reads, plus a few it does not).
const TABLES: [(&str, &[&str]); 9] = [
    ("StringIds", &["id", "value"]),
    ("META_DATA_EXPORT", &["name", "value"]),
    ("TARGET_INFO_GPU", &["id", "cuDevice", "name", "memoryBandwidth", "smCount", "totalMemory", "computeMajor", "computeMinor"]),
    (
        "CUPTI_ACTIVITY_KIND_KERNEL",
        &["start", "end", "deviceId", "contextId", "streamId", "correlationId", "globalPid", "demangledName", "shortName", "gridX", "gridY", "gridZ", "blockX", "blockY", "blockZ"],
    ),
    ("CUPTI_ACTIVITY_KIND_MEMCPY", &["start", "end", "deviceId", "contextId", "streamId", "correlationId", "globalPid", "bytes", "copyKind"]),
    ("CUPTI_ACTIVITY_KIND_MEMSET", &["start", "end", "deviceId", "contextId", "streamId", "correlationId", "globalPid", "bytes"]),
    ("CUPTI_ACTIVITY_KIND_RUNTIME", &["start", "end", "eventClass", "globalTid", "correlationId", "nameId", "returnValue"]),
    ("NVTX_EVENTS", &["start", "end", "eventType", "rangeId", "text", "globalTid", "endGlobalTid", "textId", "domainId"]),
    ("ThreadNames", &["nameId", "globalTid"]),
];

const TEXTS: [&str; 12] =
    ["prefill", "decode", "step_0", "latency_anatomy", "cudaLaunchKernel_v7000", "cuMemcpyAsync", "void gemm<float>(P)", "soon", "12", "", "x\u{202E}y\u{1b}[2J", "ncclAllReduce"];

const EDGES: [i64; 12] = [0, -1, 1, i64::MAX, i64::MIN, 1 << 60, (1 << 60) + 1, -(1 << 60), 1 << 62, 86_400_000_000_001, 1 << 24, (1 << 24) | 1];

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

    fn i16(&mut self) -> i64 {
        i16::from_le_bytes([self.byte(), self.byte()]) as i64
    }

    fn value(&mut self, column: &str) -> Value {
        let tag = self.byte();
        match tag % 16 {
            0 => Value::Null,
            // Small times, ids and sizes: most cells, so that joins and nesting happen.
            1..=6 => Value::Integer(match column {
                "globalTid" | "globalPid" | "endGlobalTid" => (1 << 24) | (self.byte() % 3) as i64,
                "eventType" => [59, 60, 70, 71, 75, 33, 34, 0][(self.byte() % 8) as usize],
                "eventClass" => [0, 1, 67, 5][(self.byte() % 4) as usize],
                "nameId" | "textId" | "demangledName" | "shortName" | "id" => (self.byte() % 16) as i64,
                "correlationId" => (self.byte() % 8) as i64,
                "deviceId" | "cuDevice" | "domainId" => (self.byte() % 3) as i64,
                _ => self.i16(),
            }),
            7 | 8 => Value::Integer(EDGES[(self.byte() % EDGES.len() as u8) as usize]),
            9 => {
                let mut b = [0u8; 8];
                for x in &mut b {
                    *x = self.byte();
                }
                Value::Integer(i64::from_le_bytes(b))
            }
            10 | 11 => Value::Text(TEXTS[(self.byte() % TEXTS.len() as u8) as usize].to_string()),
            12 => Value::Real([0.5, -1.0, f64::NAN, f64::INFINITY, 1e300, 1234.75][(self.byte() % 6) as usize]),
            13 => Value::Blob(vec![0xff, 0xfe, self.byte()]),
            _ => Value::Integer(self.i16().abs()),
        }
    }
}

fn db_path() -> PathBuf {
    let dir = if std::path::Path::new("/dev/shm").is_dir() { PathBuf::from("/dev/shm") } else { std::env::temp_dir() };
    dir.join(format!("la-fuzz-nsys-{}.sqlite", std::process::id()))
}

fuzz_target!(|data: &[u8]| {
    let mut d = Bytes(data);
    let path = db_path();
    let _ = std::fs::remove_file(&path);
    let conn = rusqlite::Connection::open(&path).expect("temp db");
    conn.execute_batch("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;").unwrap();
    let mut any = false;
    for (table, cols) in TABLES {
        let present = d.byte();
        if present % 4 == 0 {
            continue;
        }
        // All columns, or a subset chosen by a bit mask (a missing column is read as NULL, or is an error).
        let mask: u16 = if present % 4 == 1 { u16::from_le_bytes([d.byte(), d.byte()]) } else { u16::MAX };
        let kept: Vec<&str> = cols.iter().enumerate().filter(|(i, _)| mask & (1 << (i % 16)) != 0).map(|(_, c)| *c).collect();
        if kept.is_empty() {
            continue;
        }
        any = true;
        let quoted: Vec<String> = kept.iter().map(|c| format!("\"{c}\"")).collect();
        conn.execute_batch(&format!("CREATE TABLE \"{table}\" ({})", quoted.join(", "))).unwrap();
        let rows = d.byte() % 10;
        let sql = format!("INSERT INTO \"{table}\" VALUES ({})", vec!["?"; kept.len()].join(", "));
        let mut st = conn.prepare(&sql).unwrap();
        for _ in 0..rows {
            let vals: Vec<Value> = kept.iter().map(|c| d.value(c)).collect();
            st.execute(rusqlite::params_from_iter(vals)).unwrap();
        }
    }
    if !any {
        conn.execute_batch("CREATE TABLE StringIds (id, value)").unwrap();
    }
    drop(conn);
    match analyze_file(&path, &Options::default()) {
        Err(e) => {
            let msg = e.to_string();
            assert!(msg.contains(&*path.to_string_lossy()), "error does not name the file: {msg}");
        }
        Ok(t) => {
            let s = &t.summary;
            assert_eq!(t.kernels.iter().map(|k| k.instances).sum::<u64>(), s.kernels);
            assert!(0 <= s.attributed_ns && s.attributed_ns <= s.kernel_ns, "{} > {}", s.attributed_ns, s.kernel_ns);
            assert!(s.memop_ns >= 0);
            assert_eq!(t.nvtx_ranges.iter().map(|r| r.gpu_total_ns).sum::<i64>(), s.attributed_ns);
            for k in &t.kernels {
                assert!(k.total_ns >= 0 && k.min_ns >= 0 && k.min_ns <= k.max_ns);
            }
            for m in &t.memory {
                assert!(m.bytes >= 0 && m.total_ns >= 0 && m.achieved_gb_s.is_finite());
            }
            for row in &t.timeline {
                assert!(row.device >= 0);
                assert!(0 <= row.busy_ns && row.busy_ns <= row.span_ns, "busy {} span {}", row.busy_ns, row.span_ns);
                assert!(row.utilization_pct <= 100.0);
            }
            let md = latency_anatomy_reports::render_markdown(&t, &latency_anatomy_reports::ReportOptions::default());
            assert!(!md.contains('\u{1b}') && !md.contains('\u{202E}'));
            let _ = latency_anatomy_reports::render_summary(&t, 5);
        }
    }
    let _ = std::fs::remove_file(&path);
});
