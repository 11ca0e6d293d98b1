//! Reading Nsight Compute reports (`.ncu-rep`) directly, with no `ncu` installed.
//!
//! The format (NVIDIA's Nsight Compute Customization Guide, "Report File Format", and what the real reports in
//! `../shared/realdata` show, 2022.4 to 2024.2): a 4-byte magic (`NVR\0`; the guide writes `NVP\0`, accepted
//! too), a little-endian `u32` length and a `FileHeader` message, then blocks to the end of the file. A block is a
//! `u32` length and a `BlockHeader` message (counts of sources, results and range results, session details, a
//! string table, the payload size, the process), then `PayloadSize` bytes holding that many `u32`-length-prefixed
//! messages: the sources, then one `ProfileResult` per profiled kernel launch, then the range results. A
//! result's metrics name themselves by index into the string table of their block, or of the last block of the
//! same process that carried a non-empty one. No compression.
//!
//! The messages below are this project's own minimal declarations (field numbers from the guide): only the fields
//! read are declared, every one optional, strings as bytes (read lossily), so fields a newer version adds are
//! skipped and a missing "required" one is not an error. Every length is checked against what is left of the
//! file before anything is allocated for it.

use std::collections::BTreeMap;
use std::path::Path;

use prost::Message;

use super::model::{measure, Launch, Metric, NcuFile, Tally};
pub use super::model::RepSession;
use crate::error::{AnalyzeError, Result};
use schema::io::IoError;

mod msg;

/// One metric value as the report stores it.
#[derive(Debug, Clone, PartialEq)]
pub enum RepValue {
    /// Text.
    Str(String),
    /// 32-bit float.
    F32(f32),
    /// 64-bit float.
    F64(f64),
    /// 32-bit unsigned integer.
    U32(u32),
    /// 64-bit unsigned integer.
    U64(u64),
    /// A metric result without a value (only a list, or nothing).
    None,
}

impl RepValue {
    fn of(v: &msg::Value) -> RepValue {
        // One of the fields is set; the first set in declaration order wins.
        if let Some(s) = &v.string {
            RepValue::Str(String::from_utf8_lossy(s).into_owned())
        } else if let Some(f) = v.float {
            RepValue::F32(f)
        } else if let Some(d) = v.double {
            RepValue::F64(d)
        } else if let Some(u) = v.uint32 {
            RepValue::U32(u)
        } else if let Some(u) = v.uint64 {
            RepValue::U64(u)
        } else {
            RepValue::None
        }
    }

    /// [`RepValue::of`] of a value that may be absent ([`RepValue::None`]).
    fn of_opt(v: &Option<msg::Value>) -> RepValue {
        v.as_ref().map_or(RepValue::None, RepValue::of)
    }

    /// The numeric value (integers above 2^53 rounded), None for text and no value.
    pub fn number(&self) -> Option<f64> {
        match *self {
            RepValue::F32(f) => Some(f as f64),
            RepValue::F64(d) => Some(d),
            RepValue::U32(u) => Some(u as f64),
            RepValue::U64(u) => Some(u as f64),
            RepValue::Str(_) | RepValue::None => None,
        }
    }

    /// The value exactly, as text: the string, the integer in decimal, the float in its shortest round-trip form.
    pub fn text(&self) -> String {
        match self {
            RepValue::Str(s) => s.clone(),
            RepValue::F32(f) => f.to_string(),
            RepValue::F64(d) => d.to_string(),
            RepValue::U32(u) => u.to_string(),
            RepValue::U64(u) => u.to_string(),
            RepValue::None => String::new(),
        }
    }
}

/// One metric of a launch: its value and its per-instance values (with their correlation ids), if any.
#[derive(Debug, Clone, PartialEq)]
pub struct RepMetric {
    /// The metric's name.
    pub name: String,
    /// The value.
    pub value: RepValue,
    /// Per-instance values: (correlation id, value).
    pub instances: Vec<(RepValue, RepValue)>,
}

/// One profiled kernel launch (`ProfileResult`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RepLaunch {
    /// Index in the report (0-based, file order), as ncu's `ID`.
    pub id: u64,
    /// Function name (base name).
    pub function: String,
    /// Demangled name.
    pub demangled: String,
    /// Mangled name.
    pub mangled: String,
    /// Grid size.
    pub grid: [u64; 3],
    /// Block size.
    pub block: [u64; 3],
    /// Process id (of the block's process, else the session's).
    pub pid: Option<u32>,
    /// Thread id.
    pub thread: Option<u32>,
    /// CUDA context id.
    pub context: Option<u32>,
    /// CUDA stream id.
    pub stream: Option<u32>,
    /// Metrics in file order.
    pub metrics: Vec<RepMetric>,
}

/// A whole report.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RepFile {
    /// `FileHeader.Version`.
    pub version: u32,
    /// Launches in file order.
    pub launches: Vec<RepLaunch>,
    /// Session details (merged over the blocks that carry them).
    pub session: RepSession,
    /// Remarks (results whose metric names were not in any string table, ...).
    pub notes: Vec<String>,
}

/// Magic of every real report; the customization guide documents `NVP\0`.
const MAGICS: [&[u8; 4]; 2] = [b"NVR\0", b"NVP\0"];

/// True when `bytes` starts like a report this reader understands.
pub fn looks_like_report(bytes: &[u8]) -> bool {
    bytes.len() >= 4 && MAGICS.iter().any(|m| &bytes[..4] == *m)
}

struct Cursor<'a> {
    path: &'a Path,
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn err(&self, at: usize, detail: impl Into<String>) -> AnalyzeError {
        AnalyzeError::NcuRep { path: self.path.to_path_buf(), offset: at as u64, detail: detail.into() }
    }

    /// A `u32` length prefix and the bytes it covers, checked against what is left.
    fn chunk(&mut self, what: &str) -> Result<(usize, &'a [u8])> {
        let at = self.pos;
        let left = self.bytes.len() - self.pos;
        if left < 4 {
            return Err(self.err(at, format!("the file ends inside the length of {what} ({left} byte(s) left); the report is truncated")));
        }
        let n = u32::from_le_bytes(self.bytes[at..at + 4].try_into().expect("4 bytes")) as usize;
        if n > left - 4 {
            return Err(self.err(at, format!("{what} claims {n} bytes but only {} are left; the report is truncated or damaged", left - 4)));
        }
        self.pos = at + 4 + n;
        Ok((at + 4, &self.bytes[at + 4..at + 4 + n]))
    }

    fn decode<M: Message + Default>(&self, at: usize, bytes: &[u8], what: &str) -> Result<M> {
        M::decode(bytes).map_err(|e| self.err(at, format!("{what} is not a valid message ({e}); the report is damaged")))
    }
}

fn lossy(b: &Option<Vec<u8>>) -> String {
    b.as_deref().map(|b| String::from_utf8_lossy(b).into_owned()).unwrap_or_default()
}

fn dim3(d: &Option<msg::Dim3>) -> [u64; 3] {
    d.as_ref().map(|d| [d.x.unwrap_or(0), d.y.unwrap_or(0), d.z.unwrap_or(0)]).unwrap_or([0; 3])
}

/// Parses a report held in memory; `path` names it in messages.
pub fn parse(bytes: &[u8], path: &Path) -> Result<RepFile> {
    let mut c = Cursor { path, bytes, pos: 0 };
    if !looks_like_report(bytes) {
        let detail = if bytes.is_empty() {
            "the file is empty".to_string()
        } else {
            "no Nsight Compute report header (magic NVR\\0); a report of a layout this reader does not know is read by an installed `ncu` (`ncu --import FILE --csv --page raw --print-units base > FILE.csv`)".to_string()
        };
        return Err(c.err(0, detail));
    }
    c.pos = 4;
    let (at, head) = c.chunk("the file header")?;
    let header: msg::FileHeader = c.decode(at, head, "the file header")?;
    let mut file = RepFile { version: header.version.unwrap_or(0), ..Default::default() };
    // The string table in force per process (a block may carry an empty one: the last non-empty one applies).
    let mut tables: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    let mut unnamed = 0usize;
    let mut block = 0usize;
    while c.pos < bytes.len() {
        let (at, head) = c.chunk(&format!("block {block}'s header"))?;
        if head.is_empty() {
            // Every block Nsight Compute writes names its process at least: zeros here are damage, not a block.
            return Err(c.err(at - 4, format!("block {block} has an empty header (zeroed or overwritten data); the report is damaged")));
        }
        let h: msg::BlockHeader = c.decode(at, head, &format!("block {block}'s header"))?;
        let pid = h.process.as_ref().and_then(|p| p.pid).unwrap_or(0);
        if let Some(t) = h.strings.as_ref().filter(|t| !t.strings.is_empty()) {
            tables.insert(pid, t.strings.iter().map(|s| String::from_utf8_lossy(s).into_owned()).collect());
        }
        if let Some(s) = &h.session {
            merge_session(&mut file.session, s);
        }
        // The payload: its size checked first, then each message inside it.
        let size = h.payload_size.unwrap_or(0) as usize;
        let payload_at = c.pos;
        if size > bytes.len() - c.pos {
            return Err(c.err(payload_at, format!("block {block}'s payload claims {size} bytes but only {} are left; the report is truncated", bytes.len() - c.pos)));
        }
        let mut p = Cursor { path, bytes: &bytes[..payload_at + size], pos: payload_at };
        let sources = h.num_sources.unwrap_or(0) as usize;
        let results = h.num_results.unwrap_or(0) as usize;
        let mut k = 0usize;
        while p.pos < payload_at + size {
            let (at, m) = p.chunk(&format!("message {k} of block {block}"))?;
            if k >= sources && k < sources + results {
                let r: msg::ProfileResult = p.decode(at, m, &format!("result {} of block {block}", k - sources))?;
                let names = tables.get(&pid);
                let mut launch = RepLaunch {
                    id: file.launches.len() as u64,
                    function: lossy(&r.function),
                    demangled: lossy(&r.demangled),
                    mangled: lossy(&r.mangled),
                    grid: dim3(&r.grid),
                    block: dim3(&r.block),
                    pid: h.process.as_ref().and_then(|p| p.pid),
                    thread: r.thread_id,
                    context: r.context_id,
                    stream: r.stream_id,
                    metrics: Vec::with_capacity(r.metrics.len()),
                };
                for mr in &r.metrics {
                    let id = mr.name_id.unwrap_or(u32::MAX) as usize;
                    let Some(name) = names.and_then(|n| n.get(id)) else {
                        unnamed += 1;
                        continue;
                    };
                    launch.metrics.push(RepMetric {
                        name: name.clone(),
                        value: RepValue::of_opt(&mr.value),
                        instances: mr.list.iter().map(|e| (RepValue::of_opt(&e.correlation), RepValue::of_opt(&e.value))).collect(),
                    });
                }
                file.launches.push(launch);
            }
            k += 1;
        }
        c.pos = payload_at + size;
        block += 1;
    }
    if unnamed > 0 {
        file.notes.push(format!("{unnamed} metric value(s) name a string-table entry the report does not have; they were skipped"));
    }
    Ok(file)
}

fn merge_session(into: &mut RepSession, s: &msg::Session) {
    if into.gpus.is_empty() {
        let mut devs: Vec<(u32, String)> = s.devices.iter().map(|d| (d.id.unwrap_or(0), lossy(&d.name))).collect();
        devs.sort();
        into.gpus = devs.into_iter().map(|(_, n)| n).collect();
    }
    for v in &s.versions {
        let pair = (lossy(&v.provider), lossy(&v.version));
        if !into.versions.contains(&pair) {
            into.versions.push(pair);
        }
    }
    if into.command_line.is_empty() {
        into.command_line = lossy(&s.cmdline);
    }
}

/// Reads the report at `path`.
pub fn read(path: &Path) -> Result<RepFile> {
    crate::fsutil::check_input(path)?;
    let bytes = std::fs::read(path).map_err(|source| AnalyzeError::Io(IoError::Unreadable { path: path.to_path_buf(), source }))?;
    parse(&bytes, path)
}

/// The unit of a metric, inferred from its name by the conventions of NVIDIA's metric names
/// (`unit__counter.rollup.submetric`): percentages of peak, rates per second and per cycle, and the counter's
/// own unit (bytes, sectors, cycles, instructions, warps, ...). The report does not store units; "" when the
/// name says nothing (counts, attributes). Spelled as `ncu --print-units base` spells them, so values normalize
/// like CSV input.
pub fn infer_unit(name: &str) -> &'static str {
    let n = name.rsplit(':').next().unwrap_or(name);
    if n.contains(".pct_of_peak") || n.ends_with(".pct") || n.ends_with("_pct") {
        return "%";
    }
    if n.starts_with("gpu__time_duration") || n.starts_with("gpu__time_active") {
        return "nsecond";
    }
    let counter = n.split('.').next().unwrap_or(n);
    let base: &'static str = if counter.contains("bytes") {
        "byte"
    } else if counter.contains("sectors") {
        "sector"
    } else if counter.contains("cycles") {
        "cycle"
    } else if counter.contains("inst_executed") || counter.ends_with("__inst") || counter.contains("_inst_") {
        "inst"
    } else if counter.contains("warps") {
        "warp"
    } else if counter.contains("requests") {
        "request"
    } else {
        ""
    };
    if n.ends_with(".per_second") {
        return match base {
            "cycle" => "hz",
            "byte" => "byte/second",
            "sector" => "sector/second",
            "inst" => "inst/second",
            _ => "",
        };
    }
    if n.contains(".per_cycle") {
        return match base {
            "byte" => "byte/cycle",
            "sector" => "sector/cycle",
            "inst" => "inst/cycle",
            "warp" => "warp/cycle",
            _ => "",
        };
    }
    if n.contains(".ratio") || n.contains(".peak_sustained") {
        return "";
    }
    base
}

/// The report as the CSV forms give it: one [`Launch`] per result with every metric (values in base units,
/// units inferred by [`infer_unit`]), so that every table built from ncu CSV is built the same way.
pub fn to_ncu_file(r: &RepFile) -> NcuFile {
    let mut f = NcuFile { form: "ncu-rep".into(), notes: r.notes.clone(), session: Some(r.session.clone()), ..Default::default() };
    let mut tally = Tally::default();
    for l in &r.launches {
        let mut launch = Launch {
            id: l.id,
            kernel_name: if l.demangled.is_empty() { l.function.clone() } else { l.demangled.clone() },
            pid: l.pid.map(i64::from),
            context: l.context.map(i64::from),
            stream: l.stream.map(i64::from),
            device: None,
            cc: String::new(),
            grid: Some(l.grid),
            block: Some(l.block),
            metrics: BTreeMap::new(),
        };
        for m in &l.metrics {
            let unit = infer_unit(&m.name);
            // As the CSV forms are read: base units, values out of physical range missing and counted.
            let (value, base) = match m.value.number() {
                Some(v) => measure(v, unit, &mut tally),
                None => (None, unit.to_string()),
            };
            launch.metrics.entry(m.name.clone()).or_default().push(Metric {
                section: String::new(),
                label: String::new(),
                value,
                unit: base,
                raw: m.value.text(),
                raw_unit: unit.to_string(),
                instances: m.instances.iter().map(|(_, v)| v.text()).collect(),
            });
        }
        if let (Some(major), Some(minor)) = (launch.get("device__attribute_compute_capability_major", None), launch.get("device__attribute_compute_capability_minor", None)) {
            launch.cc = format!("{major}.{minor}");
        }
        f.launches.push(launch);
    }
    tally.notes(&mut f.notes);
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(blocks: &[(msg::BlockHeader, Vec<Vec<u8>>)]) -> Vec<u8> {
        let mut out = b"NVR\0".to_vec();
        let h = msg::FileHeader { version: Some(7) }.encode_to_vec();
        out.extend((h.len() as u32).to_le_bytes());
        out.extend(h);
        for (header, msgs) in blocks {
            let mut payload = Vec::new();
            for m in msgs {
                payload.extend((m.len() as u32).to_le_bytes());
                payload.extend(m);
            }
            let mut header = header.clone();
            header.payload_size = Some(payload.len() as u32);
            let h = header.encode_to_vec();
            out.extend((h.len() as u32).to_le_bytes());
            out.extend(h);
            out.extend(payload);
        }
        out
    }

    fn one_result() -> Vec<u8> {
        let result = msg::ProfileResult {
            function: Some(b"k".to_vec()),
            demangled: Some(b"k(int)".to_vec()),
            grid: Some(msg::Dim3 { x: Some(4), y: Some(1), z: Some(1) }),
            block: Some(msg::Dim3 { x: Some(128), y: Some(1), z: Some(1) }),
            metrics: vec![
                msg::MetricResult { name_id: Some(0), value: Some(msg::Value { double: Some(1600.0), ..Default::default() }), list: vec![] },
                msg::MetricResult { name_id: Some(1), value: Some(msg::Value { uint64: Some(u64::MAX), ..Default::default() }), list: vec![] },
                msg::MetricResult { name_id: Some(9), value: None, list: vec![] },
            ],
            ..Default::default()
        };
        let strings = msg::StringTable { strings: vec![b"gpu__time_duration.sum".to_vec(), b"dram__bytes.sum".to_vec()] };
        report(&[(msg::BlockHeader { num_results: Some(1), strings: Some(strings), ..Default::default() }, vec![result.encode_to_vec()])])
    }

    #[test]
    fn a_built_report_reads_back() {
        let r = parse(&one_result(), Path::new("x.ncu-rep")).unwrap();
        assert_eq!(r.version, 7);
        assert_eq!(r.launches.len(), 1);
        let l = &r.launches[0];
        assert_eq!((l.function.as_str(), l.demangled.as_str(), l.grid, l.block), ("k", "k(int)", [4, 1, 1], [128, 1, 1]));
        assert_eq!(l.metrics[0].value, RepValue::F64(1600.0));
        assert_eq!(l.metrics[1].value.text(), u64::MAX.to_string());
        assert_eq!(r.notes.len(), 1, "the name id 9 is not in the table");
        let f = to_ncu_file(&r);
        // 1600 ns in base units (seconds), as the CSV forms normalize it: 1600 × 1e-9.
        assert_eq!(f.launches[0].get("gpu__time_duration.sum", Some("second")), Some(1600.0 * 1e-9));
    }

    #[test]
    fn damaged_reports_fail_with_the_offset() {
        let good = one_result();
        for cut in [0, 3, 4, 7, 9, 12, good.len() - 1] {
            let e = parse(&good[..cut], Path::new("x.ncu-rep")).unwrap_err().to_string();
            assert!(e.contains("x.ncu-rep") && e.contains("byte"), "cut {cut}: {e}");
        }
        // A 4 GB length prefix allocates nothing.
        let mut huge = good.clone();
        huge[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(parse(&huge, Path::new("x")).unwrap_err().to_string().contains("claims 4294967295 bytes"));
        // A zeroed block and random bytes after a valid magic.
        let mut zeroed = good.clone();
        let n = zeroed.len();
        zeroed[10..n].fill(0);
        assert!(parse(&zeroed, Path::new("x")).unwrap_err().to_string().contains("empty header"));
        let mut noise = b"NVR\0".to_vec();
        let mut x: u32 = 12345;
        for _ in 0..4096 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            noise.push(x as u8);
        }
        assert!(parse(&noise, Path::new("x")).is_err());
    }

    #[test]
    fn units_from_names() {
        for (name, unit) in [
            ("gpu__time_duration.sum", "nsecond"),
            ("dram__bytes.sum", "byte"),
            ("dram__bytes_read.sum.per_second", "byte/second"),
            ("sm__cycles_elapsed.avg.per_second", "hz"),
            ("sm__throughput.avg.pct_of_peak_sustained_elapsed", "%"),
            ("breakdown:sm__throughput.avg.pct_of_peak_sustained_elapsed", "%"),
            ("sm__cycles_elapsed.avg", "cycle"),
            ("lts__t_sectors.sum", "sector"),
            ("sm__inst_executed.avg.per_cycle_active", "inst/cycle"),
            ("launch__grid_size", ""),
        ] {
            assert_eq!(infer_unit(name), unit, "{name}");
        }
    }
}
