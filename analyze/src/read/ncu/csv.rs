//! Reading Nsight Compute CSV in every form ncu writes: the long "details" page (one row per launch × metric,
//! old and new column sets, per-section exports with a `Body Item Label` column, rule rows) and the wide
//! `--page raw` form (one row per launch, a units row under the header). The header is found by content among
//! `==PROF==`/`==WARNING==`/`==ERROR==` lines and application output; ragged rows are accepted; numbers lose
//! their thousands separators and units are normalized to base units ([`super::units`]).

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::read::ncu::units::{normalize, parse_number};
use crate::error::{AnalyzeError, Result};
use schema::io::IoError;

/// One metric value of a launch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metric {
    /// Section (long form) or "" (wide form).
    pub section: String,
    /// `Body Item Label` of roofline section exports, else "".
    pub label: String,
    /// Value in base units; None for `n/a` and text values.
    pub value: Option<f64>,
    /// Base unit (or the unit as written when it is not in the table).
    pub unit: String,
    /// The value as written.
    pub raw: String,
    /// The unit as written.
    pub raw_unit: String,
    /// Per-instance values as written (`.ncu-rep` metrics with instance lists), empty otherwise.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub instances: Vec<String>,
}

/// One profiled kernel launch.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Launch {
    /// Launch index in the profiling session (`ID`).
    pub id: u64,
    /// Kernel name as ncu prints it.
    pub kernel_name: String,
    /// Process ID.
    pub pid: Option<i64>,
    /// CUDA context.
    pub context: Option<i64>,
    /// CUDA stream.
    pub stream: Option<i64>,
    /// Device ordinal.
    pub device: Option<i64>,
    /// Compute capability ("" when absent).
    pub cc: String,
    /// Grid size (x, y, z), when known.
    pub grid: Option<[u64; 3]>,
    /// Block size (x, y, z), when known.
    pub block: Option<[u64; 3]>,
    /// Metrics by name, every occurrence (the same name can appear in several sections, with other units).
    pub metrics: BTreeMap<String, Vec<Metric>>,
}

impl Launch {
    /// The first numeric value of `name` (base units), optionally only with base unit `unit`.
    pub fn get(&self, name: &str, unit: Option<&str>) -> Option<f64> {
        self.metrics.get(name)?.iter().filter(|m| unit.is_none_or(|u| m.unit == u)).find_map(|m| m.value)
    }

    /// The first numeric value of `name` whose section label is `label`.
    pub fn get_labeled(&self, name: &str, label: &str) -> Option<f64> {
        self.metrics.get(name)?.iter().filter(|m| m.label == label).find_map(|m| m.value)
    }
}

/// A parsed ncu CSV file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NcuFile {
    /// `details` (long) or `raw` (wide).
    pub form: String,
    /// Launches in ID order.
    pub launches: Vec<Launch>,
    /// Remarks (skipped garbled rows, units not in the table, duplicate metrics).
    pub notes: Vec<String>,
    /// Session details of a `.ncu-rep` (GPU names, versions, command line); CSV forms have none.
    #[serde(skip)]
    pub session: Option<super::rep::RepSession>,
}

/// Parses `(256, 1, 1)` or `256` into dimensions.
pub fn parse_dims(s: &str) -> Option<[u64; 3]> {
    let t = s.trim().trim_start_matches('(').trim_end_matches(')');
    let parts: Vec<u64> = t.split(',').map(|p| p.trim().replace(',', "").parse::<u64>()).collect::<std::result::Result<_, _>>().ok()?;
    match parts.as_slice() {
        [x] => Some([*x, 1, 1]),
        [x, y] => Some([*x, *y, 1]),
        [x, y, z] => Some([*x, *y, *z]),
        _ => None,
    }
}

/// Percentages above this are not measurements (ncu's own can exceed 100 by a little, never by 10×).
pub const MAX_PERCENT: f64 = 1000.0;

/// True when a normalized value cannot be a measurement: not finite (a huge value overflowing when scaled),
/// negative (every ncu metric is a count, time, size, rate or ratio), or a percentage above [`MAX_PERCENT`].
pub fn out_of_range(value: f64, unit: &str) -> bool {
    !value.is_finite() || value < 0.0 || (unit == "%" && value > MAX_PERCENT)
}

/// What the readers left out or kept as written, for the file's notes.
#[derive(Default)]
pub(crate) struct Tally {
    /// Units not in the unit table, with how many values had them.
    unknown: BTreeMap<String, usize>,
    /// Values out of physical range, made missing.
    out_of_range: usize,
}

impl Tally {
    /// The notes saying what was kept as written or made missing.
    pub(crate) fn notes(&self, notes: &mut Vec<String>) {
        for (u, n) in &self.unknown {
            notes.push(format!("unit {u:?} is not in the unit table: {n} value(s) kept as written"));
        }
        if self.out_of_range > 0 {
            notes.push(format!(
                "{} value(s) out of physical range (negative, infinite, or a percentage above {MAX_PERCENT}) were treated as missing",
                self.out_of_range
            ));
        }
    }
}

/// A number in `raw_unit` as the tables use it: in base units when the unit table knows the unit (else as
/// written, the unit counted), and missing when out of physical range (counted). Returns the value and its unit.
pub(crate) fn measure(v: f64, raw_unit: &str, tally: &mut Tally) -> (Option<f64>, String) {
    let (value, unit) = match normalize(v, raw_unit) {
        Some(n) => (n.value, n.unit.to_string()),
        None => {
            *tally.unknown.entry(raw_unit.to_string()).or_default() += 1;
            (v, raw_unit.to_string())
        }
    };
    // Out of physics: missing everywhere (empty in CSV, null in JSON), never a verdict's input.
    let bad = out_of_range(value, &unit);
    tally.out_of_range += bad as usize;
    ((!bad).then_some(value), unit)
}

fn metric(section: &str, label: &str, raw: &str, raw_unit: &str, tally: &mut Tally) -> Metric {
    let (value, unit) = match parse_number(raw) {
        Some(v) => measure(v, raw_unit, tally),
        None => {
            // `inf`, `nan`, `1e999`: a number, but not a measurement.
            if raw.trim().parse::<f64>().is_ok() {
                tally.out_of_range += 1;
            }
            (None, normalize(1.0, raw_unit).map(|n| n.unit.to_string()).unwrap_or_else(|| raw_unit.to_string()))
        }
    };
    Metric { section: section.into(), label: label.into(), value, unit, raw: raw.into(), raw_unit: raw_unit.into(), instances: Vec::new() }
}

const IDENTITY: [&str; 12] = [
    "ID", "Process ID", "Process Name", "Host Name", "Kernel Name", "Kernel Time", "Context", "Stream", "Block Size", "Grid Size", "Device", "CC",
];

/// Parses ncu CSV text. `path` is only used in messages.
pub fn parse(text: &str, path: &Path) -> Result<NcuFile> {
    let bad = |detail: String| AnalyzeError::NcuCsv { path: path.to_path_buf(), detail };
    if text.trim().is_empty() {
        return Err(bad("the file is empty; export it with `ncu --import REPORT.ncu-rep --csv --page raw --print-units base > FILE.csv`".into()));
    }
    // Drop ncu's own log lines wherever they are; keep everything else for the CSV reader.
    let mut errors: Vec<&str> = Vec::new();
    let kept: Vec<&str> = text
        .lines()
        .filter(|l| {
            let t = l.trim_start();
            if t.starts_with("==ERROR==") {
                errors.push(t);
            }
            !(t.starts_with("==PROF==") || t.starts_with("==WARNING==") || t.starts_with("==ERROR==") || t.starts_with("==WARN=="))
        })
        .collect();
    // The header: the first line that parses to fields holding both "ID" and "Kernel Name".
    let header_at = kept.iter().position(|l| {
        let mut r = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(l.as_bytes());
        r.records().next().and_then(|x| x.ok()).is_some_and(|rec| rec.iter().any(|f| f == "ID") && rec.iter().any(|f| f == "Kernel Name"))
    });
    let Some(header_at) = header_at else {
        return Err(bad(match errors.first() {
            Some(e) => format!("ncu reported an error and wrote no data: {}", e.trim()),
            None => "no ncu header (a line with \"ID\" and \"Kernel Name\") was found; give the CSV of `ncu --csv` or `ncu --import … --csv`".into(),
        }));
    };
    let body = kept[header_at..].join("\n");
    let mut rd = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(body.as_bytes());
    let headers: Vec<String> = rd.headers().map_err(|e| bad(e.to_string()))?.iter().map(str::to_string).collect();
    let col = |name: &str| headers.iter().position(|h| h == name);
    let long = col("Metric Name").is_some() && col("Metric Value").is_some();
    let mut file = NcuFile { form: if long { "details".into() } else { "raw".into() }, ..Default::default() };
    let mut tally = Tally::default();
    let mut garbled = 0usize;
    let mut by_id: BTreeMap<u64, Launch> = BTreeMap::new();
    let mut units_row: Option<Vec<String>> = None;
    for rec in rd.records() {
        let rec = match rec {
            Ok(r) => r,
            Err(_) => {
                garbled += 1;
                continue;
            }
        };
        let field = |name: &str| col(name).and_then(|i| rec.get(i)).unwrap_or("").to_string();
        let id_text = field("ID");
        if !long && id_text.trim().is_empty() && units_row.is_none() {
            units_row = Some(rec.iter().map(str::to_string).collect());
            continue;
        }
        let Some(id) = id_text.trim().replace(',', "").parse::<u64>().ok() else {
            garbled += 1;
            continue;
        };
        let launch = by_id.entry(id).or_insert_with(|| Launch {
            id,
            kernel_name: field("Kernel Name"),
            pid: parse_number(&field("Process ID")).map(|v| v as i64),
            context: parse_number(&field("Context")).map(|v| v as i64),
            stream: parse_number(&field("Stream")).map(|v| v as i64),
            device: parse_number(&field("Device")).map(|v| v as i64),
            cc: field("CC"),
            grid: parse_dims(&field("Grid Size")),
            block: parse_dims(&field("Block Size")),
            metrics: BTreeMap::new(),
        });
        if long {
            let name = field("Metric Name");
            if name.is_empty() {
                continue; // a rule row
            }
            let m = metric(&field("Section Name"), &field("Body Item Label"), &field("Metric Value"), &field("Metric Unit"), &mut tally);
            // Launch Statistics carry the launch shape in old files.
            if m.section == "Launch Statistics" {
                if name == "Grid Size" && launch.grid.is_none() {
                    launch.grid = parse_dims(&m.raw);
                }
                if name == "Block Size" && launch.block.is_none() {
                    launch.block = parse_dims(&m.raw);
                }
            }
            launch.metrics.entry(name).or_default().push(m);
        } else {
            for (i, h) in headers.iter().enumerate() {
                if IDENTITY.contains(&h.as_str()) {
                    continue;
                }
                let raw = rec.get(i).unwrap_or("");
                let unit = units_row.as_ref().and_then(|u| u.get(i)).map(String::as_str).unwrap_or("");
                let m = metric("", "", raw, unit, &mut tally);
                launch.metrics.entry(h.clone()).or_default().push(m);
            }
        }
    }
    if garbled > 0 {
        file.notes.push(format!("{garbled} row(s) that are not ncu data (no numeric ID, or malformed CSV) were skipped"));
    }
    tally.notes(&mut file.notes);
    file.launches = by_id.into_values().collect();
    if file.launches.is_empty() {
        return Err(bad("the ncu header is there but no launch rows follow (was any kernel profiled? check the --kernel-name / --nvtx-include filters)".into()));
    }
    Ok(file)
}

/// Merges several exports of the same profiling session (e.g. one CSV per section): launches with the same ID
/// and kernel name become one, with the metrics of all files.
pub fn merge(files: Vec<NcuFile>) -> NcuFile {
    let mut by_key: BTreeMap<(u64, String), Launch> = BTreeMap::new();
    let mut notes = Vec::new();
    let mut forms: Vec<String> = Vec::new();
    let mut session = None;
    for f in files {
        if session.is_none() {
            session = f.session;
        }
        if !forms.contains(&f.form) {
            forms.push(f.form.clone());
        }
        notes.extend(f.notes);
        for l in f.launches {
            match by_key.get_mut(&(l.id, l.kernel_name.clone())) {
                Some(existing) => {
                    for (k, v) in l.metrics {
                        let slot = existing.metrics.entry(k).or_default();
                        for m in v {
                            if !slot.contains(&m) {
                                slot.push(m);
                            }
                        }
                    }
                    existing.grid = existing.grid.or(l.grid);
                    existing.block = existing.block.or(l.block);
                }
                None => {
                    by_key.insert((l.id, l.kernel_name.clone()), l);
                }
            }
        }
    }
    let mut launches: Vec<Launch> = by_key.into_values().collect();
    launches.sort_by(|a, b| a.id.cmp(&b.id).then(a.kernel_name.cmp(&b.kernel_name)));
    notes.dedup();
    NcuFile { form: forms.join("+"), launches, notes, session }
}

/// Reads and parses an ncu CSV file.
pub fn read(path: &Path) -> Result<NcuFile> {
    crate::fsutil::check_input(path)?;
    let bytes = std::fs::read(path).map_err(|source| AnalyzeError::Io(IoError::Unreadable { path: path.to_path_buf(), source }))?;
    parse(&String::from_utf8_lossy(&bytes), path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dims() {
        assert_eq!(parse_dims("(32, 4, 1)"), Some([32, 4, 1]));
        assert_eq!(parse_dims("256"), Some([256, 1, 1]));
        assert_eq!(parse_dims("n/a"), None);
    }

    #[test]
    fn wide_form_with_units_row_and_noise() {
        let text = "==PROF== Connected to process 1\nhello from the app\n\"ID\",\"Process ID\",\"Kernel Name\",\"Block Size\",\"Grid Size\",\"gpu__time_duration.sum\",\"dram__bytes_read.sum\"\n\"\",\"\",\"\",\"\",\"\",\"usecond\",\"Kbyte\"\n==WARNING== something\n\"0\",\"7\",\"k1\",\"(128, 1, 1)\",\"(64, 1, 1)\",\"1.50\",\"1,024\"\n\"1\",\"7\",\"k2\",\"(128, 1, 1)\",\"(8, 1, 1)\",\"n/a\",\"2\"\n";
        let f = parse(text, Path::new("x.csv")).unwrap();
        assert_eq!(f.form, "raw");
        assert_eq!(f.launches.len(), 2);
        let l = &f.launches[0];
        assert_eq!((l.kernel_name.as_str(), l.grid, l.block), ("k1", Some([64, 1, 1]), Some([128, 1, 1])));
        assert!((l.get("gpu__time_duration.sum", Some("second")).unwrap() - 1.5e-6).abs() < 1e-15);
        assert_eq!(l.get("dram__bytes_read.sum", Some("byte")), Some(1_024_000.0));
        assert_eq!(f.launches[1].get("gpu__time_duration.sum", None), None);
    }

    #[test]
    fn garbled_rows_are_skipped_with_a_note() {
        let text = "\"ID\",\"Kernel Name\",\"Metric Name\",\"Metric Unit\",\"Metric Value\"\n\"0\",\"k\",\"gpu__time_duration.sum\",\"furlong\",\"3\"\nthis is not csv \"at all\n\"x\",\"k\",\"a\",\"b\",\"c\"\n\"0\",\"k\",\"dram__bytes.sum\",\"byte\",\"lots\"\n";
        let f = parse(text, Path::new("g.csv")).unwrap();
        assert_eq!(f.launches.len(), 1);
        let l = &f.launches[0];
        assert_eq!(l.get("gpu__time_duration.sum", None), Some(3.0)); // unknown unit: kept as written
        assert_eq!(l.metrics["gpu__time_duration.sum"][0].unit, "furlong");
        assert_eq!(l.get("dram__bytes.sum", None), None); // non-numeric value
        assert!(f.notes.iter().any(|n| n.contains("skipped")), "{:?}", f.notes);
        assert!(f.notes.iter().any(|n| n.contains("furlong")), "{:?}", f.notes);
    }

    #[test]
    fn error_only_and_empty_files_are_explained() {
        let e = parse("==ERROR== Option '--section .*SpeedOfLight.*' did not match any section.\n", Path::new("e.csv")).unwrap_err().to_string();
        assert!(e.contains("e.csv") && e.contains("did not match any section"), "{e}");
        assert!(parse("", Path::new("e.csv")).unwrap_err().to_string().contains("empty"));
        let e = parse("\"ID\",\"Kernel Name\",\"Metric Name\",\"Metric Unit\",\"Metric Value\"\n", Path::new("h.csv")).unwrap_err().to_string();
        assert!(e.contains("no launch rows"), "{e}");
    }
}
