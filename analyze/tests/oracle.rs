//! The oracle: every real export in `../shared/realdata` is analyzed, and the figures are compared with what
//! NVIDIA's own `nsys stats` (2022.4) computes on the same file.
//!
//! - `gpukernsum` (per name + grid + block in 2022.4, summed here per name): instances, total, min and max exactly;
//!   avg/med/stddev to nsys's printed rounding where nsys has one row per name; for names that nsys splits by
//!   launch shape, median and stddev are checked against an independent computation from the raw rows.
//! - `nvtxkernsum` (inclusive, per range name): our `gpu_inclusive_ns` equals its Total Time summed over kernels,
//!   PIDs and TIDs; its `None` row equals the kernel time we leave unattributed.
//!   Difference on purpose: nsys joins kernels to *every* API row with the same correlation id, including the
//!   duplicate "CUDA backtrace" rows (eventClass 67), so it counts such kernels twice. On files with those rows
//!   (pipit saxpy), the test checks nsys's figure against plain SQL *with* the duplicates and ours against the
//!   same SQL *without* them.
//! - `gpumemtimesum` / `gpumemsizesum`: count, total, min, max ns exactly; bytes to nsys's printed MB (10^6 B,
//!   3 decimals).

use test_support as common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use latency_anatomy_analyze::{analyze_file, Options, Tables};

type Row = BTreeMap<String, String>;

fn read_csv(path: &Path) -> Vec<Row> {
    if !path.exists() {
        return Vec::new(); // nsys wrote nothing: the report was SKIPPED (no such data)
    }
    let mut r = csv::ReaderBuilder::new().flexible(true).from_path(path).unwrap();
    let headers = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            headers.iter().zip(rec.iter()).map(|(h, v)| (h.to_string(), v.to_string())).collect()
        })
        .collect()
}

fn int(r: &Row, k: &str) -> i64 {
    r[k].parse::<f64>().unwrap_or_else(|_| panic!("{k}={:?}", r[k])) as i64
}

fn float(r: &Row, k: &str) -> f64 {
    r[k].parse::<f64>().unwrap()
}

fn nsys_stats(nsys: &Path, file: &Path, tmp: &Path) -> BTreeMap<&'static str, Vec<Row>> {
    let prefix = tmp.join("o");
    let reports = ["gpukernsum", "nvtxkernsum", "gpumemtimesum", "gpumemsizesum"];
    let out = Command::new(nsys)
        .args(["stats", "-r", &reports.join(","), "--format", "csv", "--force-export=false", "-o"])
        .arg(&prefix)
        .arg(file)
        .output()
        .unwrap();
    assert!(out.status.success(), "nsys stats failed on {}: {}", file.display(), String::from_utf8_lossy(&out.stderr));
    reports.iter().map(|r| (*r, read_csv(&tmp.join(format!("o_{r}.csv"))))).collect()
}

fn median(v: &mut [i64]) -> f64 {
    v.sort_unstable();
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2] as f64
    } else {
        (v[n / 2 - 1] + v[n / 2]) as f64 / 2.0
    }
}

fn check_kernels(file: &Path, t: &Tables, nsys: &[Row]) {
    // nsys per name (summing its grid/block rows).
    let mut by_name: BTreeMap<String, Vec<&Row>> = BTreeMap::new();
    for r in nsys {
        by_name.entry(r["Name"].clone()).or_default().push(r);
    }
    // ours per name (summing devices).
    let mut ours: BTreeMap<String, Vec<&latency_anatomy_analyze::tables::KernelRow>> = BTreeMap::new();
    for k in &t.kernels {
        ours.entry(k.name.clone()).or_default().push(k);
    }
    assert_eq!(by_name.keys().collect::<Vec<_>>(), ours.keys().collect::<Vec<_>>(), "kernel names differ in {}", file.display());
    let conn = common::sql(file);
    for (name, rows) in &by_name {
        let o = &ours[name];
        let inst: i64 = rows.iter().map(|r| int(r, "Instances")).sum();
        let total: i64 = rows.iter().map(|r| int(r, "Total Time (ns)")).sum();
        let min = rows.iter().map(|r| int(r, "Min (ns)")).min().unwrap();
        let max = rows.iter().map(|r| int(r, "Max (ns)")).max().unwrap();
        let ctx = format!("{} / {name}", file.display());
        assert_eq!(o.iter().map(|k| k.instances as i64).sum::<i64>(), inst, "instances {ctx}");
        assert_eq!(o.iter().map(|k| k.total_ns).sum::<i64>(), total, "total {ctx}");
        assert_eq!(o.iter().map(|k| k.min_ns).min().unwrap(), min, "min {ctx}");
        assert_eq!(o.iter().map(|k| k.max_ns).max().unwrap(), max, "max {ctx}");
        if o.len() != 1 {
            continue; // several devices: statistics are per device by design
        }
        let k = o[0];
        if rows.len() == 1 {
            let r = rows[0];
            for (ours, theirs) in [(k.avg_ns, "Avg (ns)"), (k.med_ns, "Med (ns)"), (k.stddev_ns, "StdDev (ns)")] {
                assert!((ours - float(r, theirs)).abs() <= 0.051, "{theirs}: ours {ours} vs nsys {} ({ctx})", float(r, theirs));
            }
        } else {
            // nsys split this name by launch shape: check against the raw rows, computed here.
            let mut durs: Vec<i64> = conn
                .prepare(
                    "SELECT k.end - k.start FROM CUPTI_ACTIVITY_KIND_KERNEL k JOIN StringIds s ON s.id = k.demangledName WHERE s.value = ?1",
                )
                .unwrap()
                .query_map([name], |r| r.get(0))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            assert_eq!(durs.len() as i64, inst, "{ctx}");
            let mean = total as f64 / inst as f64;
            let sd = if durs.len() > 1 {
                (durs.iter().map(|&d| (d as f64 - mean).powi(2)).sum::<f64>() / (durs.len() as f64 - 1.0)).sqrt()
            } else {
                0.0
            };
            assert!((k.avg_ns - mean).abs() <= 0.051, "avg {ctx}");
            assert!((k.med_ns - median(&mut durs)).abs() <= 0.051, "med {ctx}");
            assert!((k.stddev_ns - sd).abs() <= 0.051, "stddev {ctx}");
        }
    }
}

/// Inclusive kernel time per range name, by the plain SQL rule of nvtxkernsum (optionally without backtrace rows).
fn sql_inclusive(file: &Path, drop_backtrace: bool) -> BTreeMap<String, i64> {
    let conn = common::sql(file);
    let filter = if drop_backtrace { "AND r.eventClass != 67" } else { "" };
    let q = format!(
        "WITH maxts AS (SELECT max(max(start), max(end)) AS m FROM NVTX_EVENTS),
              dom AS (SELECT domainId AS id, globalTid, text AS name, min(start) FROM NVTX_EVENTS WHERE eventType = 75 GROUP BY 1, 2),
              rng AS (SELECT e.start AS s, ifnull(e.end, (SELECT m FROM maxts)) AS e, e.globalTid AS tid,
                             CASE WHEN d.name IS NOT NULL THEN d.name || ':' || coalesce(sid.value, e.text) ELSE coalesce(sid.value, e.text) END AS name
                      FROM NVTX_EVENTS e
                      LEFT JOIN dom d ON e.domainId = d.id AND (e.globalTid & 0x0000FFFFFF000000) = (d.globalTid & 0x0000FFFFFF000000)
                      LEFT JOIN StringIds sid ON e.textId = sid.id
                      WHERE e.eventType IN (59, 60, 70, 71) AND e.endGlobalTid IS NULL)
         SELECT rng.name, sum(k.end - k.start)
         FROM CUPTI_ACTIVITY_KIND_KERNEL k
         JOIN CUPTI_ACTIVITY_KIND_RUNTIME r ON r.correlationId = k.correlationId AND k.globalPid = (r.globalTid & 0xFFFFFFFFFF000000) {filter}
         JOIN rng ON rng.tid = r.globalTid AND rng.s <= r.start AND rng.e >= r.end
         GROUP BY 1"
    );
    let mut stmt = conn.prepare(&q).unwrap();
    let rows: BTreeMap<String, i64> = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect();
    rows
}

fn check_nvtx(file: &Path, t: &Tables, nsys: &[Row]) {
    let mut theirs: BTreeMap<String, i64> = BTreeMap::new();
    let mut none = 0i64;
    for r in nsys {
        if r["Style"] == "None" {
            none += int(r, "Total Time (ns)");
        } else {
            *theirs.entry(r["NVTX Range"].clone()).or_default() += int(r, "Total Time (ns)");
        }
    }
    let ours: BTreeMap<String, i64> =
        t.nvtx_ranges.iter().filter(|r| r.gpu_inclusive_ns > 0).map(|r| (r.range.clone(), r.gpu_inclusive_ns)).collect();
    let conn = common::sql(file);
    let backtrace = common::has_table(&conn, "CUPTI_ACTIVITY_KIND_RUNTIME")
        && conn
            .query_row("SELECT count(*) FROM pragma_table_info('CUPTI_ACTIVITY_KIND_RUNTIME') WHERE name = 'eventClass'", [], |r| r.get::<_, i64>(0))
            .unwrap()
            > 0
        && conn.query_row("SELECT count(*) FROM CUPTI_ACTIVITY_KIND_RUNTIME WHERE eventClass = 67", [], |r| r.get::<_, i64>(0)).unwrap() > 0;
    if backtrace {
        // Documented difference: nsys counts kernels once per matching API row, backtrace duplicates included.
        assert_eq!(theirs, sql_inclusive(file, false), "nsys vs plain SQL with duplicates, {}", file.display());
        assert_eq!(ours, sql_inclusive(file, true), "ours vs plain SQL without duplicates, {}", file.display());
        assert_ne!(ours, theirs, "{}: expected nsys to double-count backtrace duplicates", file.display());
    } else {
        assert_eq!(ours, theirs, "inclusive GPU time per range, {}", file.display());
        assert_eq!(t.summary.kernel_ns - t.summary.attributed_ns, none, "unattributed (None row), {}", file.display());
    }
}

fn check_memory(file: &Path, t: &Tables, time: &[Row], size: &[Row]) {
    let mut ours: BTreeMap<String, (u64, i64, i64, i64, i64)> = BTreeMap::new();
    for m in &t.memory {
        let e = ours.entry(m.operation.clone()).or_insert((0, 0, 0, i64::MAX, i64::MIN));
        e.0 += m.count;
        e.1 += m.total_ns;
        e.2 += m.bytes;
        e.3 = e.3.min(m.min_ns);
        e.4 = e.4.max(m.max_ns);
    }
    assert_eq!(ours.len(), time.len(), "memory kinds, {}", file.display());
    for r in time {
        let o = ours.get(&r["Operation"]).unwrap_or_else(|| panic!("{} missing in {}", r["Operation"], file.display()));
        let ctx = format!("{} {}", file.display(), r["Operation"]);
        assert_eq!(o.0 as i64, int(r, "Count"), "{ctx}");
        assert_eq!(o.1, int(r, "Total Time (ns)"), "{ctx}");
        assert_eq!(o.3, int(r, "Min (ns)"), "{ctx}");
        assert_eq!(o.4, int(r, "Max (ns)"), "{ctx}");
    }
    for r in size {
        let o = ours[&r["Operation"]];
        let mb = float(r, "Total (MB)");
        assert!((o.2 as f64 / 1e6 - mb).abs() <= 0.0005 + 1e-9, "{} {}: {} B vs {mb} MB", file.display(), r["Operation"], o.2);
    }
}

#[test]
fn agrees_with_nsys_stats_on_every_real_export() {
    let Some(dir) = common::realdata_or_skip("oracle") else { return };
    let Some(nsys) = common::nsys_or_skip("oracle") else { return };
    let files = common::sqlite_files(&dir);
    assert_eq!(files.len(), 12, "expected the 12 real exports");
    let mut checked_kernels = 0;
    for file in files {
        let tmp = tempfile::tempdir().unwrap();
        let t = analyze_file(&file, &Options::default()).unwrap();
        let stats = nsys_stats(&nsys, &file, tmp.path());
        check_kernels(&file, &t, &stats["gpukernsum"]);
        if !stats["nvtxkernsum"].is_empty() || t.summary.nvtx_ranges > 0 && t.summary.kernels > 0 {
            check_nvtx(&file, &t, &stats["nvtxkernsum"]);
        }
        check_memory(&file, &t, &stats["gpumemtimesum"], &stats["gpumemsizesum"]);
        eprintln!(
            "oracle: {:<60} kernels {:>5} (nsys rows {:>4}), nvtx rows {:>4}, memops {:>4} (nsys rows {})",
            file.strip_prefix(&dir).unwrap().display(),
            t.summary.kernels,
            stats["gpukernsum"].len(),
            stats["nvtxkernsum"].len(),
            t.summary.memops,
            stats["gpumemtimesum"].len()
        );
        checked_kernels += t.summary.kernels;
    }
    // 36 + 46 + 19 + 19 + 18 + 12 + 1312 + 5 + 1 kernels in the real exports.
    assert_eq!(checked_kernels, 1468);
}
