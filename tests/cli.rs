//! End-to-end tests of the `latency-anatomy` binary: real exports, bad inputs, `.nsys-rep` input made by a
//! real `nsys profile`, and re-rendering a report from its tables.

use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::process::Command as StdCommand;

use predicates::prelude::*;

use test_support as common;
use common::{nsys, realdata};

use common::bin;

/// Runs the binary on `input`, expecting failure; returns stderr. Checks the contract for bad input:
/// non-zero exit, one line naming the file, no panic, no report left behind.
fn fails_cleanly(input: &Path, out: &Path) -> String {
    let assert = bin().arg("analyze").arg(input).arg("--out").arg(out).assert().failure().code(1);
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(!stderr.contains("panicked"), "panic on {}: {stderr}", input.display());
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line expected: {stderr}");
    assert!(stderr.starts_with("Error: "), "{stderr}");
    assert!(stderr.contains(&input.display().to_string()), "error must name the file: {stderr}");
    assert!(!out.join("report.md").exists(), "no report for a failed analysis");
    stderr
}

#[test]
fn analyzes_a_real_export() {
    let Some(dir) = realdata() else { return };
    let out = tempfile::tempdir().unwrap();
    let input = dir.join("LeiWang1999+memfusion_artifact/report1.sqlite");
    bin()
        .arg("analyze")
        .arg(&input)
        .arg("--out")
        .arg(out.path())
        .assert()
        .success()
        .stdout(predicate::str::contains("36 kernels (14 names)"))
        .stdout(predicate::str::contains("100.0% of kernel time launched inside a range"));
    for f in ["kernels.csv", "nvtx_ranges.csv", "classes.csv", "memory.csv", "timeline.csv", "gaps.csv", "tables.json", "report.md"] {
        assert!(out.path().join(f).is_file(), "{f} missing");
    }
    let header = std::fs::read_to_string(out.path().join("kernels.csv")).unwrap();
    assert!(header.starts_with("device,name,short_name,class,instances,total_ns,pct_gpu_time,avg_ns,med_ns,min_ns,max_ns,stddev_ns\n"));
    let ranges = std::fs::read_to_string(out.path().join("nvtx_ranges.csv")).unwrap();
    assert!(ranges.starts_with("range,style,instances,cpu_total_ns,cpu_avg_ns,gpu_total_ns,gpu_inclusive_ns,kernels,"));
    // `report` re-renders the same markdown from tables.json alone.
    let md = std::fs::read_to_string(out.path().join("report.md")).unwrap();
    std::fs::remove_file(out.path().join("report.md")).unwrap();
    bin().arg("report").arg(out.path()).assert().success();
    assert_eq!(std::fs::read_to_string(out.path().join("report.md")).unwrap(), md);
}

#[test]
fn verbose_prints_every_step_and_quiet_nothing() {
    let Some(dir) = realdata() else { return };
    let out = tempfile::tempdir().unwrap();
    let input = dir.join("LeiWang1999+memfusion_artifact/report1.sqlite");
    let a = bin().arg("analyze").arg(&input).arg("--out").arg(out.path()).arg("--verbose").assert().success();
    let err = String::from_utf8(a.get_output().stderr.clone()).unwrap();
    // The export's own counts: 36 kernels, 4 memcpy/memset, 59 NVTX ranges.
    for step in ["GPU ops: 36 kernels, 4 memcpy/memset read (", "CUDA API: ", "launch join: 40 of 40 ops matched", "NVTX: 59 ranges", "tables: computed (", "tables and report.md written ("] {
        assert!(err.contains(step), "missing {step:?} in:\n{err}");
    }
    let q = bin().arg("analyze").arg(&input).arg("--out").arg(out.path()).arg("--verbose").arg("--quiet").assert().success();
    assert!(q.get_output().stderr.is_empty() && q.get_output().stdout.is_empty());
}

#[test]
fn io_modes_write_the_same_files() {
    let Some(dir) = realdata() else { return };
    let input = dir.join("LeiWang1999+memfusion_artifact/report1.sqlite");
    let (direct, buffered) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = bin().arg("analyze").arg(&input).arg("--out").arg(direct.path()).args(["--io", "direct", "--verbose"]).assert().success();
    let err = String::from_utf8(a.get_output().stderr.clone()).unwrap();
    let o_direct = std::fs::OpenOptions::new().read(true).custom_flags(libc::O_DIRECT).open(&input).is_ok();
    assert_eq!(err.contains("read with O_DIRECT"), o_direct, "the step line says how the file was read:\n{err}");
    bin().arg("analyze").arg(&input).arg("--out").arg(buffered.path()).args(["--io", "buffered", "-q"]).assert().success();
    for f in ["kernels.csv", "nvtx_ranges.csv", "classes.csv", "memory.csv", "timeline.csv", "gaps.csv", "tables.json", "report.md"] {
        let (a, b) = (std::fs::read(direct.path().join(f)).unwrap(), std::fs::read(buffered.path().join(f)).unwrap());
        assert!(a == b, "{f} differs between --io direct and --io buffered");
    }
    bin().arg("analyze").arg(&input).args(["--io", "sideways"]).assert().failure().code(2).stderr(predicate::str::contains("possible values: auto, direct, buffered"));
}

#[test]
fn cpu_only_and_empty_exports_explain_and_succeed() {
    let Some(dir) = realdata() else { return };
    for f in ["StellaWava+benchmarking-n-profiling-/report1.sqlite", "amir-ghz+DynamicViT/nsys_profile.sqlite", "CO18326+uvmTorch/report1.sqlite"] {
        let out = tempfile::tempdir().unwrap();
        bin()
            .arg("analyze")
            .arg(dir.join(f))
            .arg("--out")
            .arg(out.path())
            .assert()
            .success()
            .stdout(predicate::str::contains("no CUDA kernels or memory operations in this export"));
        let md = std::fs::read_to_string(out.path().join("report.md")).unwrap();
        assert!(md.contains("No GPU activity"), "{f}");
    }
}

#[test]
fn bad_inputs_fail_with_one_line() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    // Random bytes.
    let junk = tmp.path().join("junk.sqlite");
    std::fs::write(&junk, (0..5000u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8).collect::<Vec<_>>()).unwrap();
    assert!(fails_cleanly(&junk, &out).contains("not an SQLite database"));
    // Empty file.
    let empty = tmp.path().join("empty.sqlite");
    std::fs::write(&empty, b"").unwrap();
    assert!(fails_cleanly(&empty, &out).contains("empty"));
    // Missing file.
    assert!(fails_cleanly(&tmp.path().join("nope.sqlite"), &out).contains("cannot read"));
    // A directory.
    let d = tmp.path().join("adir.sqlite");
    std::fs::create_dir(&d).unwrap();
    fails_cleanly(&d, &out);
    // A plain SQLite database without nsys tables.
    let plain = tmp.path().join("plain.sqlite");
    rusqlite::Connection::open(&plain).unwrap().execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES (1);").unwrap();
    assert!(fails_cleanly(&plain, &out).contains("not an nsys export"));
    // Unexpected column types.
    let typed = tmp.path().join("typed.sqlite");
    rusqlite::Connection::open(&typed)
        .unwrap()
        .execute_batch("CREATE TABLE StringIds(id INTEGER PRIMARY KEY, value TEXT); CREATE TABLE CUPTI_ACTIVITY_KIND_KERNEL(start, end, demangledName); INSERT INTO CUPTI_ACTIVITY_KIND_KERNEL VALUES ('soon', 'later', 1);")
        .unwrap();
    let e = fails_cleanly(&typed, &out);
    assert!(e.contains("CUPTI_ACTIVITY_KIND_KERNEL") && e.contains("start"), "{e}");
}

#[test]
fn truncated_exports_fail_cleanly() {
    let Some(dir) = realdata() else { return };
    let src = std::fs::read(dir.join("MohanadOdema+DLProf/nsys_profile.sqlite")).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    for cut in [10, 100, 4096, 50_000, src.len() / 2, src.len() - 4096] {
        let p = tmp.path().join(format!("cut{cut}.sqlite"));
        std::fs::write(&p, &src[..cut]).unwrap();
        let out = tmp.path().join(format!("out{cut}"));
        let a = bin().arg("analyze").arg(&p).arg("--out").arg(&out).assert();
        let o = a.get_output();
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(!stderr.contains("panicked"), "cut {cut}: {stderr}");
        assert_eq!(o.status.code(), Some(1), "cut {cut} must fail: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "cut {cut}: {stderr}");
        assert!(stderr.contains(&p.display().to_string()), "cut {cut}: {stderr}");
        assert!(!out.join("report.md").exists());
    }
}

#[test]
fn unwritable_output_folder_is_reported() {
    let Some(dir) = realdata() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("a_file");
    std::fs::write(&file, b"x").unwrap();
    let input = dir.join("p4arth+cuda-perf-sandbox/report1.sqlite");
    bin()
        .arg("analyze")
        .arg(&input)
        .arg("--out")
        .arg(file.join("sub"))
        .assert()
        .failure()
        .stderr(predicate::str::contains("cannot write").and(predicate::str::contains("--out")));
}

#[test]
fn nsys_rep_without_nsys_says_how_to_export() {
    let tmp = tempfile::tempdir().unwrap();
    let rep = tmp.path().join("run.nsys-rep");
    std::fs::write(&rep, b"not really").unwrap();
    bin()
        .env("PATH", tmp.path())
        .arg("analyze")
        .arg(&rep)
        .arg("--out")
        .arg(tmp.path().join("o"))
        .assert()
        .failure()
        .stderr(predicate::str::contains("`nsys` is not on PATH").and(predicate::str::contains("nsys export --type sqlite")));
}

/// A `.nsys-rep` made here by the real `nsys profile --trace=nvtx` of a C program that pushes NVTX ranges
/// (tests/data/nvtx_phases.c): `analyze` converts it, and the CPU time of each range agrees with
/// `nsys stats -r nvtxsum` on the same export.
#[test]
fn nsys_rep_from_a_real_profile() {
    let Some(nsys) = nsys() else { return };
    let include = Path::new("/usr/lib/x86_64-linux-gnu/nsight-systems/target-linux-x64/nvtx/include");
    let include = if include.is_dir() { include.to_path_buf() } else { nsys.parent().unwrap().join("../target-linux-x64/nvtx/include") };
    let tmp = tempfile::tempdir().unwrap();
    let prog = tmp.path().join("prog");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/nvtx_phases.c");
    let cc = StdCommand::new("cc").arg("-O1").arg("-I").arg(&include).arg(&src).arg("-o").arg(&prog).arg("-ldl").output().unwrap();
    assert!(cc.status.success(), "cc: {}", String::from_utf8_lossy(&cc.stderr));
    let rep = tmp.path().join("run");
    let p = StdCommand::new(&nsys)
        .args(["profile", "--trace=nvtx", "--sample=none", "--cpuctxsw=none", "--force-overwrite=true", "-o"])
        .arg(&rep)
        .arg(&prog)
        .output()
        .unwrap();
    assert!(p.status.success(), "nsys profile: {}", String::from_utf8_lossy(&p.stderr));
    let rep = tmp.path().join("run.nsys-rep");
    assert!(rep.is_file(), "nsys left no .nsys-rep (importer missing? see .ci/run)");
    let out = tmp.path().join("out");
    bin()
        .arg("analyze")
        .arg(&rep)
        .arg("--out")
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::contains("22 NVTX ranges, CPU only"));
    let sqlite = out.join("run.sqlite");
    assert!(sqlite.is_file());
    let s = StdCommand::new(&nsys)
        .args(["stats", "-r", "nvtxsum", "--format", "csv", "--force-export=false", "-o"])
        .arg(tmp.path().join("s"))
        .arg(&sqlite)
        .output()
        .unwrap();
    assert!(s.status.success());
    let theirs = csv_rows(&tmp.path().join("s_nvtxsum.csv"));
    let ours = csv_rows(&out.join("nvtx_ranges.csv"));
    let expected = [("la_test:rep", 3), ("la_test:prefill", 3), ("la_test:decode", 3), ("la_test:step", 12), ("default_domain", 1)];
    assert_eq!(theirs.len(), expected.len());
    for (name, n) in expected {
        let t = theirs.iter().find(|r| r["Range"] == name).unwrap();
        let o = ours.iter().find(|r| r["range"] == name).unwrap();
        assert_eq!(o["instances"], n.to_string());
        assert_eq!(t["Instances"], n.to_string());
        assert_eq!(o["cpu_total_ns"], t["Total Time (ns)"], "{name}");
        assert_eq!(o["style"], "PushPop");
    }
}

use common::csv_rows;

#[test]
fn ncu_csv_input() {
    let Some(dir) = realdata() else { return };
    let k = dir.join("CodeGandee+llm-perf-opt/ncu-v2/kernel_0013_178ff748c21ea29399b8568af3cd1f02");
    let out = tempfile::tempdir().unwrap();
    bin()
        .arg("analyze")
        .arg(k.join("ncu.details.csv"))
        .arg("--ncu")
        .arg(k.join("ncu.section_SpeedOfLight_RooflineChart.csv"))
        .arg("--out")
        .arg(out.path())
        .assert()
        .success()
        .stdout(predicate::str::contains("1 launch(es) profiled by Nsight Compute"));
    let csv = std::fs::read_to_string(out.path().join("ncu_kernels.csv")).unwrap();
    assert!(csv.starts_with("file,id,kernel_name,base_name,grid,block,duration_ns,dram_read_bytes,dram_write_bytes,dram_bytes,l2_bytes,dram_gb_s,peak_dram_gb_s,dram_pct_of_peak,"), "{csv}");
    assert!(!out.path().join("kernels.csv").exists(), "no nsys tables for ncu-only input");
    assert!(std::fs::read_to_string(out.path().join("report.md")).unwrap().contains("Kernel roofline"));
    // An error-only ncu output is one clear line.
    let e = bin().arg("analyze").arg(dir.join("CodeGandee+llm-perf-opt/ncu-error-raw.csv")).arg("--out").arg(out.path().join("e")).assert().failure().code(1);
    let stderr = String::from_utf8_lossy(&e.get_output().stderr).into_owned();
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("did not match any section"), "{stderr}");
}

#[test]
fn ncu_rep_is_read_without_ncu_and_ncu_is_only_a_fallback() {
    let tmp = tempfile::tempdir().unwrap();
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    // A real report, with no ncu anywhere on PATH: the built-in reader.
    if let Some(dir) = realdata() {
        let out = tmp.path().join("real");
        bin()
            .env("PATH", &empty)
            .arg("analyze")
            .arg(dir.join("ncu-rep/josiahls+cuda_learning_mojo_profile.ncu-rep"))
            .arg("--out")
            .arg(&out)
            .assert()
            .success()
            .stdout(predicate::str::contains("4 launch(es) profiled by Nsight Compute"));
        let t: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join("tables.json")).unwrap()).unwrap();
        assert_eq!(t["info"]["gpus"][0]["name"], "NVIDIA GeForce GTX 1660 Ti");
        assert_eq!(t["info"]["cuda_version"], "12.2");
        assert!(t["info"]["ncu_version"].as_str().unwrap().starts_with("2022.4.0.0"));
        let metrics = std::fs::read_to_string(out.join("ncu_metrics.csv")).unwrap();
        assert!(metrics.starts_with("launch_id,kernel_name,metric,unit,value,text,instance\n"), "{}", &metrics[..80]);
        assert!(metrics.contains(",gpu__time_duration.sum,nsecond,1600.0,1600,"), "the first launch's duration as stored (1600 ns)");
    }
    // A damaged report: one line naming the file and the byte offset.
    let rep = tmp.path().join("r.ncu-rep");
    std::fs::write(&rep, b"NVR\0binary").unwrap();
    let e = bin().env("PATH", &empty).arg("analyze").arg(&rep).arg("--out").arg(tmp.path().join("o")).assert().failure().code(1);
    let err = String::from_utf8_lossy(&e.get_output().stderr).into_owned();
    assert!(err.contains("r.ncu-rep' is not a readable Nsight Compute report (at byte 4:"), "{err}");
    // A real report cut short, with a zeroed block, with a 4 GB length prefix: the same kind of line, no panic.
    if let Some(dir) = realdata() {
        let real = std::fs::read(dir.join("ncu-rep/josiahls+cuda_learning_mojo_profile.ncu-rep")).unwrap();
        let mut zeroed = real.clone();
        zeroed[300..2300].fill(0);
        let mut huge = real.clone();
        huge[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
        for (name, bytes) in [("cut", real[..real.len() / 2].to_vec()), ("zeroed", zeroed), ("huge", huge)] {
            let f = tmp.path().join(format!("{name}.ncu-rep"));
            std::fs::write(&f, bytes).unwrap();
            let e = bin().env("PATH", &empty).arg("analyze").arg(&f).arg("--out").arg(tmp.path().join(name)).assert().failure().code(1);
            let err = String::from_utf8_lossy(&e.get_output().stderr).into_owned();
            assert!(err.contains(&format!("{name}.ncu-rep' is not a readable Nsight Compute report (at byte ")) && !err.contains("panicked"), "{name}: {err}");
            assert_eq!(err.lines().count(), 1, "{err}");
        }
    }
    // A layout the reader does not know (another magic): an ncu on PATH (a stand-in that prints a raw page) reads it.
    let other = tmp.path().join("other.ncu-rep");
    std::fs::write(&other, b"NVX\0future layout").unwrap();
    let bin_dir = tmp.path().join("bin");
    std::fs::create_dir(&bin_dir).unwrap();
    let ncu = bin_dir.join("ncu");
    std::fs::write(&ncu, "#!/bin/sh\necho '\"ID\",\"Kernel Name\",\"gpu__time_duration.sum\",\"dram__bytes.sum\"'\necho '\"\",\"\",\"second\",\"byte\"'\necho '\"0\",\"k\",\"0.000002\",\"4000\"'\n").unwrap();
    std::fs::set_permissions(&ncu, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let out = tmp.path().join("o2");
    bin().env("PATH", &bin_dir).arg("analyze").arg(&other).arg("--out").arg(&out).assert().success();
    let csv = std::fs::read_to_string(out.join("ncu_kernels.csv")).unwrap();
    assert!(csv.contains(",2000.0,") && csv.contains(",2.0,"), "2 µs and 4000 B / 2 µs = 2 GB/s: {csv}");
    let t = std::fs::read_to_string(out.join("tables.json")).unwrap();
    assert!(t.contains("was read by `ncu --import`"), "the fallback is named");
}

/// An export locked by a writer (an open EXCLUSIVE transaction in another connection) is still analyzed: it is
/// opened immutable, read-only, without taking locks.
#[test]
fn locked_export_is_still_read() {
    let Some(dir) = realdata() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("locked.sqlite");
    std::fs::copy(dir.join("p4arth+cuda-perf-sandbox/report1.sqlite"), &p).unwrap();
    let writer = rusqlite::Connection::open(&p).unwrap();
    writer.execute_batch("BEGIN EXCLUSIVE; CREATE TABLE scratch(x);").unwrap();
    bin().arg("analyze").arg(&p).arg("--out").arg(tmp.path().join("o")).assert().success().stdout(predicate::str::contains("1 kernels"));
    writer.execute_batch("ROLLBACK;").unwrap();
}

/// A file that opens but cannot be read (reading `/proc/self/mem` at offset 0 fails with EIO, even for root,
/// where permission bits would not stop anything).
#[test]
fn unreadable_file_is_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let e = fails_cleanly(Path::new("/proc/self/mem"), &tmp.path().join("o"));
    assert!(e.contains("cannot read"), "{e}");
}

/// `--step-pattern` names the step ranges of `steps.csv`; the summary prints each point and phase's verdict; a
/// pattern that cannot name steps is refused before any work, naming the flag.
#[test]
fn step_pattern_and_step_summary() {
    let d = tempfile::tempdir().unwrap();
    let db = common::build_db(d.path(), "steps.sqlite", include_str!("../analyze/tests/data/steps.sql"));
    let out = d.path().join("o");
    bin()
        .arg("analyze")
        .arg(&db)
        .arg("--out")
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::contains("steps s16_b1 decode: 2 × 20.00 µs p50 — launch-bound (GPU busy 10.0%, idle 72.0%, host-only 18.0%)"));
    let names = |out: &Path| common::csv_rows(&out.join("steps.csv")).iter().map(|r| r["step"].clone()).collect::<Vec<_>>();
    assert_eq!(names(&out).iter().filter(|n| n.starts_with("step_")).count(), 5);
    let out2 = d.path().join("o2");
    bin().arg("analyze").arg(&db).arg("--out").arg(&out2).args(["--step-pattern", "*_inner", "-q"]).assert().success();
    assert_eq!(names(&out2).iter().filter(|n| n.starts_with("step_")).collect::<Vec<_>>(), ["step_1_inner"]);
    for bad in ["", "**"] {
        let o = d.path().join("bad");
        let a = bin().arg("analyze").arg(&db).arg("--out").arg(&o).args(["--step-pattern", bad]).assert().failure();
        let err = String::from_utf8_lossy(&a.get_output().stderr).into_owned();
        assert!(err.contains("--step-pattern") && err.contains("step_*"), "{err}");
        assert!(!o.exists(), "nothing written for a refused flag");
    }
}

/// `diff`: exit codes of `--gate` (0 within, 3 slower, 4 incomparable), analysis folders as sides (the same
/// report as the exports), ncu-joined analyses, and inputs that are neither.
#[test]
fn diff_gates_and_takes_exports_or_analysis_folders() {
    let Some(dir) = realdata() else { return };
    let d = tempfile::tempdir().unwrap();
    let a = dir.join("MohanadOdema+DLProf/nsys_profile.sqlite");
    let b = d.path().join("b.sqlite");
    std::fs::copy(&a, &b).unwrap();
    rusqlite::Connection::open(&b)
        .unwrap()
        .execute_batch("UPDATE CUPTI_ACTIVITY_KIND_KERNEL SET end = start + 2 * (end - start) WHERE shortName = (SELECT id FROM StringIds WHERE value = 'implicit_convolve_sgemm');")
        .unwrap();
    let out = d.path().join("d");
    let code = |args: &[&std::ffi::OsStr]| bin().arg("diff").args(args).arg("-q").output().unwrap().status.code();
    assert_eq!(code(&[a.as_os_str(), a.as_os_str(), "--gate".as_ref(), "0".as_ref(), "-o".as_ref(), out.as_os_str()]), Some(0));
    assert_eq!(code(&[a.as_os_str(), b.as_os_str(), "--gate".as_ref(), "1".as_ref(), "-o".as_ref(), out.as_os_str()]), Some(3));
    assert_eq!(code(&[a.as_os_str(), b.as_os_str(), "--gate".as_ref(), "50".as_ref(), "-o".as_ref(), out.as_os_str()]), Some(0));
    assert_eq!(code(&[a.as_os_str(), b.as_os_str(), "-o".as_ref(), out.as_os_str()]), Some(0), "no gate: exit 0 whatever the verdict");
    let json = common::json_file(&out.join("diff.json"));
    assert_eq!(json["verdict"], "slower");
    let rows = common::csv_rows(&out.join("diff.csv"));
    let k = rows.iter().find(|r| r["level"] == "kernel" && r["key"] == "implicit_convolve_sgemm").unwrap();
    let sql = "SELECT sum(k.end - k.start) FROM CUPTI_ACTIVITY_KIND_KERNEL k JOIN StringIds s ON s.id = k.shortName WHERE s.value = 'implicit_convolve_sgemm'";
    let ns: i64 = common::sql(&a).query_row(sql, [], |r| r.get(0)).unwrap();
    assert_eq!(k["delta"].parse::<f64>().unwrap(), ns as f64);
    assert!(std::fs::read_to_string(out.join("diff.md")).unwrap().contains("## Comparability"));
    // Another GPU: incomparable, exit 4, said on stdout.
    let c = d.path().join("c.sqlite");
    std::fs::copy(&a, &c).unwrap();
    rusqlite::Connection::open(&c).unwrap().execute_batch("UPDATE TARGET_INFO_GPU SET name = 'Other GPU';").unwrap();
    bin().arg("diff").arg(&a).arg(&c).args(["--gate", "5", "-o"]).arg(&out).assert().code(4).stdout(predicate::str::contains("incomparable: gpu_model"));
    // Analysis folders (with ncu data joined) as sides: the same report as from the exports with the same data.
    let ncu = dir.join("leleucas+Actual-Parameter-Collection-for-Machine-Learning-Operators/bert_nsight.csv");
    for (export, folder) in [(&a, d.path().join("fa")), (&b, d.path().join("fb"))] {
        bin().arg("analyze").arg(export).arg("--ncu").arg(&ncu).arg("-q").arg("--out").arg(&folder).assert().success();
    }
    let out2 = d.path().join("d2");
    bin().arg("diff").arg(d.path().join("fa")).arg(d.path().join("fb")).arg("-q").arg("-o").arg(&out2).assert().success();
    let out3 = d.path().join("d3");
    bin().arg("diff").arg(&a).arg(&b).arg("-q").arg("-o").arg(&out3).assert().success();
    let (from_exports, from_folders) = (common::json_file(&out3.join("diff.json")), common::json_file(&out2.join("diff.json")));
    assert_eq!(from_exports["rows"], from_folders["rows"]);
    assert_eq!(from_exports["verdict"], from_folders["verdict"]);
    // Inputs that are neither an export nor an analysis folder.
    let empty = d.path().join("empty_dir");
    std::fs::create_dir(&empty).unwrap();
    let a_ = bin().arg("diff").arg(&empty).arg(&a).arg("-o").arg(d.path().join("x")).assert().code(1);
    let err = String::from_utf8_lossy(&a_.get_output().stderr).into_owned();
    assert!(err.contains("empty_dir") && err.contains("tables.json"), "{err}");
    let a_ = bin().arg("diff").arg(&a).arg(d.path().join("missing.sqlite")).arg("-o").arg(d.path().join("y")).assert().code(1);
    assert!(String::from_utf8_lossy(&a_.get_output().stderr).contains("missing.sqlite"));
    assert!(!d.path().join("y").exists(), "no folder left behind by a failed diff");
    bin().arg("diff").arg(&a).arg(&a).arg("--gate=-1").assert().code(1).stderr(predicate::str::contains("--gate"));
}
