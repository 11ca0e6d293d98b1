//! `analyze DIR` (many inputs): each input into its own folder, in parallel, a broken input listed without
//! stopping the others (exit code 1), `fleet.csv`/`fleet.md`, a Hive-partitioned Parquet dataset read by DuckDB
//! and by Polars and checked against plain SQL over the SQLite inputs, and re-runs that reuse up-to-date analyses.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;

use test_support as common;
use common::{bin, csv_rows, realdata};

const INPUTS: [(&str, &str); 3] = [
    ("dlprof/nsys_profile.sqlite", "MohanadOdema+DLProf/nsys_profile.sqlite"),
    ("trt/report1.sqlite", "LeiWang1999+memfusion_artifact/report1.sqlite"),
    ("fuser/report1.sqlite", "NVIDIA+Fuser/ce15be9f/report1.sqlite"),
];

/// Runs a Python script printing one JSON value per line, in `dir`.
fn python(dir: &Path, script: &str) -> Vec<serde_json::Value> {
    let out = StdCommand::new("python3").args(["-c", script]).current_dir(dir).output().unwrap();
    assert!(out.status.success(), "python failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// (executions, summed duration) of the kernels of an export, by plain SQL.
fn sql_kernels(p: &Path) -> (i64, i64) {
    common::sql(p).query_row("SELECT count(*), sum(end - start) FROM CUPTI_ACTIVITY_KIND_KERNEL", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap()
}

fn setup(tmp: &Path) -> Option<(PathBuf, Vec<(String, PathBuf)>)> {
    let data = realdata()?;
    let root = tmp.join("in");
    let mut ids = Vec::new();
    for (rel, src) in INPUTS {
        let dst = root.join(rel);
        std::fs::create_dir_all(dst.parent().unwrap()).unwrap();
        std::fs::copy(data.join(src), &dst).unwrap();
        ids.push((rel.trim_end_matches(".sqlite").replace('/', "+"), dst));
    }
    std::fs::create_dir_all(root.join("bad")).unwrap();
    std::fs::write(root.join("bad/broken.sqlite"), b"not an export, not even SQLite").unwrap();
    std::fs::write(root.join("notes.txt"), b"ignored").unwrap();
    Some((root, ids))
}

#[test]
fn a_folder_of_exports_into_per_input_analyses_a_fleet_summary_and_one_dataset() {
    let tmp = tempfile::tempdir().unwrap();
    let Some((root, ids)) = setup(tmp.path()) else { return };
    let out = tmp.path().join("out");
    let run = |extra: &[&str]| bin().arg("analyze").arg(&root).arg("-o").arg(&out).args(["--format", "csv,json,parquet", "--jobs", "2"]).args(extra).output().unwrap();
    let o = run(&[]);
    assert_eq!(o.status.code(), Some(1), "a broken input makes the exit code 1, at the end");
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("4 input(s): 3 analyzed, 0 up to date, 1 failed") && stdout.contains("broken.sqlite"), "{stdout}");
    let rows = csv_rows(&out.join("fleet.csv"));
    let status: BTreeMap<String, String> = rows.iter().map(|r| (r["trace_id"].clone(), r["status"].clone())).collect();
    assert_eq!(status.get("bad+broken").map(String::as_str), Some("failed"));
    for (id, input) in &ids {
        assert_eq!(status[id], "ok", "{id}");
        let r = rows.iter().find(|r| &r["trace_id"] == id).unwrap();
        let (n, ns) = sql_kernels(input);
        assert_eq!((r["kernels"].parse::<i64>().unwrap(), r["kernel_ns"].parse::<i64>().unwrap()), (n, ns), "{id}");
        assert!(out.join(id).join("report.md").is_file() && out.join(id).join("kernels.csv").is_file());
        assert!(!out.join(id).join("kernels.parquet").exists(), "Parquet goes to the dataset");
        assert!(out.join("kernels").join(format!("trace_id={id}")).join("part-0.parquet").is_file());
    }
    assert!(std::fs::read_to_string(out.join("fleet.md")).unwrap().contains("## Fleet-wide top kernels"));
    // The dataset, read in one call by two engines, against plain SQL over the inputs.
    let truth: BTreeMap<String, (i64, i64)> = ids.iter().map(|(id, p)| (id.clone(), sql_kernels(p))).collect();
    if common::python_module_or_skip("duckdb") {
        let got = python(
            &out,
            "import duckdb, json\nfor r in duckdb.sql(\"SELECT trace_id, sum(instances), sum(total_ns) FROM read_parquet('kernels/*/*.parquet', hive_partitioning = true) GROUP BY 1 ORDER BY 1\").fetchall():\n    print(json.dumps([r[0], int(r[1]), int(r[2])]))",
        );
        let got: BTreeMap<String, (i64, i64)> = got.iter().map(|v| (v[0].as_str().unwrap().to_string(), (v[1].as_i64().unwrap(), v[2].as_i64().unwrap()))).collect();
        assert_eq!(got, truth, "DuckDB");
    }
    if common::python_module_or_skip("polars") {
        let got = python(
            &out,
            "import polars as pl, json\ndf = pl.scan_parquet('kernels/**/*.parquet', hive_partitioning=True).group_by('trace_id').agg(pl.col('instances').sum(), pl.col('total_ns').sum()).sort('trace_id').collect()\nfor r in df.iter_rows():\n    print(json.dumps([r[0], int(r[1]), int(r[2])]))",
        );
        let got: BTreeMap<String, (i64, i64)> = got.iter().map(|v| (v[0].as_str().unwrap().to_string(), (v[1].as_i64().unwrap(), v[2].as_i64().unwrap()))).collect();
        assert_eq!(got, truth, "Polars");
    }
    // Again: the analyses newer than their inputs are reused; the broken input is tried again.
    let o = run(&[]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("0 analyzed, 3 up to date, 1 failed"));
    // An input changed since its analysis is analyzed again; --force redoes them all.
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(5);
    std::fs::File::options().write(true).open(&ids[0].1).unwrap().set_modified(later).unwrap();
    let o = run(&[]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("1 analyzed, 2 up to date, 1 failed"), "{}", String::from_utf8_lossy(&o.stdout));
    let o = run(&["--force", "-q"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(csv_rows(&out.join("fleet.csv")).iter().filter(|r| r["status"] == "ok").count() == 3);
    // `report` re-renders the fleet from its files alone: the same fleet.md; a row whose trace id would lead
    // outside the folder is left out, said so.
    let md = std::fs::read_to_string(out.join("fleet.md")).unwrap();
    std::fs::remove_file(out.join("fleet.md")).unwrap();
    bin().arg("report").arg(&out).assert().success();
    assert_eq!(std::fs::read_to_string(out.join("fleet.md")).unwrap(), md);
    let mut csv = std::fs::read_to_string(out.join("fleet.csv")).unwrap();
    csv.push_str("../../escape,x,ok,,,0,0,0,0.0,0.0,,,,0.0,\n");
    std::fs::write(out.join("fleet.csv"), csv).unwrap();
    let o = bin().arg("report").arg(&out).output().unwrap();
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("is not a folder name; row left out"), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn trace_ids_are_unique_and_safe_and_fleet_flags_are_checked() {
    let tmp = tempfile::tempdir().unwrap();
    let Some((root, _)) = setup(tmp.path()) else { return };
    std::fs::remove_dir_all(root.join("bad")).unwrap();
    // Two inputs named report1: by stem, the second becomes report1-2 (said on stderr).
    let out = tmp.path().join("o");
    let o = bin().arg("analyze").arg(&root).arg("-o").arg(&out).args(["--trace-id-from", "stem", "-q"]).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("trace id report1 is taken; using report1-2"));
    let mut ids: Vec<String> = csv_rows(&out.join("fleet.csv")).iter().map(|r| r["trace_id"].clone()).collect();
    ids.sort();
    assert_eq!(ids, ["nsys_profile", "report1", "report1-2"]);
    // Several files given one by one, a folder's name as the id.
    let out2 = tmp.path().join("o2");
    bin().arg("analyze").arg(root.join("trt/report1.sqlite")).arg(root.join("fuser/report1.sqlite")).arg("-o").arg(&out2).args(["--trace-id-from", "parent", "-q"]).assert().success();
    assert!(out2.join("trt/report.md").is_file() && out2.join("fuser/report.md").is_file());
    // Flags that describe one input are refused with many.
    for (flag, value) in [("--ncu", "x.ncu-rep"), ("--trace-id", "x"), ("--sweep-csv", "x.csv")] {
        let o = bin().arg("analyze").arg(&root).arg(flag).arg(value).arg("-o").arg(tmp.path().join("o3")).output().unwrap();
        assert_eq!(o.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&o.stderr).contains(flag), "{flag}: {}", String::from_utf8_lossy(&o.stderr));
    }
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let o = bin().arg("analyze").arg(&empty).output().unwrap();
    assert!(String::from_utf8_lossy(&o.stderr).contains("no .sqlite, .nsys-rep, .qdrep, .ncu-rep or PyTorch profiler .json/.json.gz file under it"));
}
