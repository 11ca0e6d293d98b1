//! Reading Nsight Compute CSV in every form ncu writes: the long "details" page (one row per launch × metric,
//! old and new column sets, per-section exports with a `Body Item Label` column, rule rows) and the wide
//! `--page raw` form (one row per launch, a units row under the header). The header is found by content among
//! `==PROF==`/`==WARNING==`/`==ERROR==` lines and application output; ragged rows are accepted; numbers lose
//! their thousands separators and units are normalized to base units ([`super::units`]).

use std::collections::BTreeMap;
use std::path::Path;


use super::model::{measure, Tally};
pub use super::model::{merge, out_of_range, parse_dims, Launch, Metric, NcuFile, RepSession, MAX_PERCENT};
use super::units::{normalize, parse_number};
use crate::error::{AnalyzeError, Result};
use schema::io::IoError;

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
