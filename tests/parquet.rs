//! `analyze --format parquet` on two real exports, queried together with DuckDB (PyPI `duckdb`, as users would):
//! docs/fleets.md's kernel-ranking query must give what a plain SQL query over the two SQLite exports gives, and
//! every table must have the documented schema.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command as StdCommand;

use schema::table::ColType;

use assert_cmd::Command;

use test_support as common;
use common::realdata;

/// Runs `sql` in DuckDB with `dir` as working directory; one JSON array per row.
fn duckdb(dir: &Path, sql: &str) -> Vec<serde_json::Value> {
    let script = "import duckdb, json, sys\nfor row in duckdb.sql(sys.argv[1]).fetchall():\n    print(json.dumps(list(row), default=str))\n";
    let out = StdCommand::new("python3").args(["-c", script, sql]).current_dir(dir).output().unwrap();
    assert!(out.status.success(), "duckdb failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// The query docs/fleets.md shows: kernels ranked by total time across every export's `kernels.parquet`.
const RANK_QUERY: &str = "SELECT name, count(DISTINCT trace_id) AS traces, sum(instances) AS launches, sum(total_ns) AS total_ns
FROM read_parquet('runs/*/kernels.parquet')
GROUP BY name ORDER BY total_ns DESC, name LIMIT 10";

const EXPORTS: [(&str, &str); 2] =
    [("dlprof", "MohanadOdema+DLProf/nsys_profile.sqlite"), ("cloverleaf", "hpcgroup+pipit/perlmutter-cloverleaf-cuda.sqlite")];

#[test]
fn duckdb_ranks_kernels_across_two_real_exports() {
    let Some(data) = realdata() else { return };
    if !common::python_module_or_skip("duckdb") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    for (id, rel) in EXPORTS {
        Command::cargo_bin("latency-anatomy")
            .unwrap()
            .args(["analyze", "--format", "parquet", "--trace-id", id, "-q", "-o"])
            .arg(tmp.path().join("runs").join(id))
            .arg(data.join(rel))
            .assert()
            .success();
    }
    // Independently: per kernel name, executions and summed duration straight from both SQLite exports.
    let mut truth: BTreeMap<String, (u64, i64, i64)> = BTreeMap::new();
    for (_, rel) in EXPORTS {
        let c = rusqlite::Connection::open_with_flags(data.join(rel), rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
        let mut st = c
            .prepare("SELECT s.value, count(*), sum(k.end - k.start) FROM CUPTI_ACTIVITY_KIND_KERNEL k JOIN StringIds s ON s.id = coalesce(k.demangledName, k.shortName) GROUP BY s.value")
            .unwrap();
        let rows = st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?))).unwrap();
        for r in rows {
            let (name, n, ns) = r.unwrap();
            let e = truth.entry(name).or_default();
            e.0 += 1;
            e.1 += n;
            e.2 += ns;
        }
    }
    let mut expected: Vec<(String, (u64, i64, i64))> = truth.into_iter().collect();
    expected.sort_by(|a, b| b.1 .2.cmp(&a.1 .2).then(a.0.cmp(&b.0)));
    expected.truncate(10);
    let got = duckdb(tmp.path(), RANK_QUERY);
    assert_eq!(got.len(), 10);
    for (row, (name, (traces, launches, ns))) in got.iter().zip(&expected) {
        assert_eq!(row[0].as_str().unwrap(), name);
        assert_eq!(row[1].as_u64().unwrap(), *traces, "{name}");
        assert_eq!(row[2].as_str().map(|s| s.parse::<i64>().unwrap()).or(row[2].as_i64()).unwrap(), *launches, "{name}");
        assert_eq!(row[3].as_str().map(|s| s.parse::<i64>().unwrap()).or(row[3].as_i64()).unwrap(), *ns, "{name}");
    }
    // Every table of both exports, with the documented column names and types.
    for (id, _) in EXPORTS {
        for (table, cols) in analyze::write::parquet::schemas() {
            let desc = duckdb(tmp.path(), &format!("DESCRIBE SELECT * FROM read_parquet('runs/{id}/{table}.parquet')"));
            let got: Vec<(String, String)> =
                desc.iter().map(|r| (r[0].as_str().unwrap().to_string(), r[1].as_str().unwrap().to_string())).collect();
            let want: Vec<(String, String)> = cols
                .iter()
                .map(|(c, t)| {
                    let ty = match t {
                        ColType::I64 | ColType::OptI64 => "BIGINT",
                        ColType::Str => "VARCHAR",
                        ColType::F64 | ColType::OptF64 => "DOUBLE",
                    };
                    (c.to_string(), ty.to_string())
                })
                .collect();
            assert_eq!(got, want, "{id}/{table}.parquet");
        }
    }
    // The trace id and GPU columns: every kernel row carries its export's id and its device's name from
    // TARGET_INFO_GPU (cloverleaf's kernels ran on device 0, an A100).
    let gpus = duckdb(tmp.path(), "SELECT DISTINCT trace_id, device, gpu FROM read_parquet('runs/*/kernels.parquet') ORDER BY 1, 2");
    for (id, rel) in EXPORTS {
        let c = rusqlite::Connection::open_with_flags(data.join(rel), rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
        let rows: Vec<&serde_json::Value> = gpus.iter().filter(|r| r[0] == id).collect();
        assert!(!rows.is_empty(), "{id}: {gpus:?}");
        for r in rows {
            let dev = r[1].as_i64().unwrap();
            let name: String = c
                .query_row("SELECT name FROM TARGET_INFO_GPU WHERE coalesce(cuDevice, id) = ?1", [dev], |x| x.get(0))
                .unwrap();
            assert_eq!(r[2].as_str().unwrap(), name, "{id} device {dev}");
        }
    }
}
