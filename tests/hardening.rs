//! What a hostile or careless user can do to the binary (issue: "25 ways to lose data, crash, or get a wrong
//! answer"): each test reproduces one way and checks the outcome a user needs — the input intact, one clear
//! error line (exit 1, no panic), or a correct answer with a note. Expected figures come from plain SQL over
//! the same files or from the files' own bytes, never from the tool's output.

use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;
use std::time::Duration;

use assert_cmd::Command;

use test_support as common;

use common::{synthetic_db, SYNTHETIC_SQL as SYNTHETIC};

/// The binary, stopped after 2 minutes (a hang is a failure here, not a stuck CI).
fn bin() -> Command {
    let mut c = common::bin();
    c.timeout(Duration::from_secs(120));
    c
}

fn bin_path() -> PathBuf {
    assert_cmd::cargo::cargo_bin("latency-anatomy")
}

fn stderr_of(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stderr).into_owned()
}

/// A failure as the contract says: exit 1, one `Error:` line, no panic. Returns stderr.
fn clean_failure(a: assert_cmd::assert::Assert) -> String {
    let a = a.failure().code(1);
    let err = stderr_of(&a);
    assert!(!err.contains("panicked"), "panic: {err}");
    let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("Error: ")).collect();
    assert_eq!(errors.len(), 1, "one error line expected: {err}");
    err
}

fn tiny_config(dir: &Path, field: &str, value: serde_json::Value) -> PathBuf {
    let tiny = capture::model::BUILTIN_CONFIGS.iter().find(|(n, _)| *n == "tiny").unwrap().1;
    let mut cfg: serde_json::Value = serde_json::from_str(tiny).unwrap();
    cfg[field] = value;
    let p = dir.join(format!("{field}.json"));
    std::fs::write(&p, serde_json::to_string(&cfg).unwrap()).unwrap();
    p
}

/// A small, fast sweep shape.
const SMALL: [&str; 8] = ["--gen-tokens", "2", "--warmup", "0", "--reps", "1", "--no-progress", "--dtype=fp32"];

// ---------------------------------------------------------------------------------------------------------
// 1. Fresh machine

#[test]
fn tiny_runs_without_random_weights_with_a_note_and_real_names_still_need_the_flag() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("s.csv");
    let a = bin().args(["sweep", "--model", "tiny", "--device", "cpu", "--seq", "8"]).args(SMALL).arg("--out").arg(&out).assert().success();
    assert!(stderr_of(&a).contains("note: --model tiny: a built-in test config with no published weights; running it with random weights"));
    assert_eq!(std::fs::read_to_string(&out).unwrap().lines().count(), 2);
    let err = clean_failure(bin().args(["sweep", "--model", "qwen2.5-0.5b", "--device", "cpu", "--seq", "8"]).args(SMALL).arg("--out").arg(&out).assert());
    assert!(err.contains("add --random-weights"), "{err}");
}

#[test]
fn gpus_are_counted_from_the_ops_when_the_export_names_none() {
    let d = tempfile::tempdir().unwrap();
    let db = synthetic_db(d.path(), "nogpu.sqlite", "DROP TABLE TARGET_INFO_GPU;");
    let c = rusqlite::Connection::open(&db).unwrap();
    let devices: i64 = c
        .query_row(
            "SELECT count(DISTINCT deviceId) FROM (SELECT deviceId FROM CUPTI_ACTIVITY_KIND_KERNEL UNION ALL SELECT deviceId FROM CUPTI_ACTIVITY_KIND_MEMCPY)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(devices, 2);
    let out = d.path().join("out");
    let a = bin().arg("analyze").arg(&db).arg("--out").arg(&out).assert().success();
    let stdout = String::from_utf8_lossy(&a.get_output().stdout).into_owned();
    assert!(stdout.contains(&format!("{devices} GPU(s) (device ids from the ops; this export does not record GPU names)")), "{stdout}");
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.contains("2 device(s) ran work (ids 0, 1); names not recorded"), "{md}");
}

// ---------------------------------------------------------------------------------------------------------
// 2. Data loss and corruption

#[test]
fn make_trace_never_overwrites_its_source() {
    let d = tempfile::tempdir().unwrap();
    let src = synthetic_db(d.path(), "src.sqlite", "");
    let before = std::fs::read(&src).unwrap();
    for out in [src.clone(), d.path().join(".").join("src.sqlite"), d.path().join("sub/../src.sqlite")] {
        std::fs::create_dir_all(d.path().join("sub")).unwrap();
        let err = clean_failure(bin().args(["bench", "make-trace", "--kernels", "20", "--from"]).arg(&src).arg("--out").arg(&out).assert());
        assert!(err.contains("is also an input"), "{err}");
        assert_eq!(std::fs::read(&src).unwrap(), before, "the source was modified");
    }
    // A hard link is the same file too.
    let link = d.path().join("link.sqlite");
    std::fs::hard_link(&src, &link).unwrap();
    clean_failure(bin().args(["bench", "make-trace", "--kernels", "20", "--from"]).arg(&src).arg("--out").arg(&link).assert());
    assert_eq!(std::fs::read(&src).unwrap(), before);
}

#[test]
fn make_trace_refuses_zero_kernels_and_leaves_nothing_on_failure() {
    let d = tempfile::tempdir().unwrap();
    let src = synthetic_db(d.path(), "src.sqlite", "");
    let out = d.path().join("big.sqlite");
    let err = clean_failure(bin().args(["bench", "make-trace", "--kernels", "0", "--from"]).arg(&src).arg("--out").arg(&out).assert());
    assert!(err.contains("--kernels 0"), "{err}");
    assert!(!out.exists());
    // A source without kernels fails: no empty output, and an existing output is left as it was.
    let empty = synthetic_db(d.path(), "nokernels.sqlite", "DELETE FROM CUPTI_ACTIVITY_KIND_KERNEL;");
    clean_failure(bin().args(["bench", "make-trace", "--kernels", "5", "--from"]).arg(&empty).arg("--out").arg(&out).assert());
    assert!(!out.exists(), "a failed make-trace left {}", out.display());
    std::fs::write(&out, b"keep me").unwrap();
    clean_failure(bin().args(["bench", "make-trace", "--kernels", "5", "--from"]).arg(&empty).arg("--out").arg(&out).assert());
    assert_eq!(std::fs::read(&out).unwrap(), b"keep me");
    let leftovers: Vec<_> = std::fs::read_dir(d.path()).unwrap().filter_map(|e| e.ok()).filter(|e| e.file_name().to_string_lossy().contains("partial")).collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn concurrent_analyses_into_one_folder_leave_one_consistent_set() {
    let d = tempfile::tempdir().unwrap();
    // Two inputs with different contents: A has 7 kernels, B one kernel fewer.
    let a = synthetic_db(d.path(), "a.sqlite", "");
    let b = synthetic_db(d.path(), "b.sqlite", "DELETE FROM CUPTI_ACTIVITY_KIND_KERNEL WHERE correlationId = 99;");
    let out = d.path().join("out");
    for round in 0..6 {
        let (first, second) = if round % 2 == 0 { (&a, &b) } else { (&a, &a) };
        let spawn = |input: &Path| StdCommand::new(bin_path()).arg("analyze").arg(input).arg("--out").arg(&out).arg("--quiet").spawn().unwrap();
        let (mut p1, mut p2) = (spawn(first), spawn(second));
        assert!(p1.wait().unwrap().success() && p2.wait().unwrap().success(), "round {round}: an analysis failed");
        // Whichever finished last, every file is from the same input.
        let tables: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join("tables.json")).unwrap()).unwrap();
        let file = tables["info"]["file"].as_str().unwrap().to_string();
        let kernels = tables["summary"]["kernels"].as_u64().unwrap();
        let md = std::fs::read_to_string(out.join("report.md")).unwrap();
        assert!(md.contains(&format!("**Kernels:** {kernels} executions")), "round {round}: report.md is not from {file}");
        let kcsv = std::fs::read_to_string(out.join("kernels.csv")).unwrap();
        let instances: u64 = kcsv.lines().skip(1).map(|l| l.split(',').rev().nth(7).unwrap().parse::<u64>().unwrap()).sum();
        assert_eq!(instances, kernels, "round {round}: kernels.csv is not from {file}");
        let names: Vec<String> = std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        assert!(!names.iter().any(|n| n.contains("partial")), "{names:?}");
    }
}

#[test]
fn sweep_refuses_one_file_for_both_csvs() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("same.csv");
    let err = clean_failure(bin().args(["sweep", "--model", "tiny", "--device", "cpu", "--seq", "8"]).args(SMALL).arg("--out").arg(&f).arg("--reps-out").arg(&f).assert());
    assert!(err.contains("--out and --reps-out both name"), "{err}");
    assert!(!f.exists());
}

#[test]
fn a_second_capture_with_the_same_run_id_is_refused_unless_forced() {
    let d = tempfile::tempdir().unwrap();
    let run = |seq: &str, extra: &[&str]| {
        bin()
            .args(["capture", "--model", "tiny", "--device", "cpu", "--no-nsys", "--seq", seq, "--batch-sizes", "1", "--batch-seq", "8", "--canonical", "8x1", "--run-id", "base"])
            .args(SMALL)
            .arg("--results")
            .arg(d.path())
            .args(extra)
            .assert()
    };
    run("8", &[]).success();
    let manifest = std::fs::read(d.path().join("base/manifest.json")).unwrap();
    let csv = std::fs::read(d.path().join("base/seq_sweep.csv")).unwrap();
    // Other settings, same run id: refused, the first run untouched.
    let err = clean_failure(run("8,16", &[]));
    assert!(err.contains("already holds a run") && err.contains("--resume") && err.contains("--force"), "{err}");
    assert_eq!(std::fs::read(d.path().join("base/manifest.json")).unwrap(), manifest, "the first run was touched");
    assert_eq!(std::fs::read(d.path().join("base/seq_sweep.csv")).unwrap(), csv);
    run("8,16", &["--force"]).success();
    assert_eq!(std::fs::read_to_string(d.path().join("base/seq_sweep.csv")).unwrap().lines().count(), 3);
    // --force never removes a folder that is not a capture run.
    std::fs::create_dir_all(d.path().join("mine")).unwrap();
    std::fs::write(d.path().join("mine/notes.txt"), "keep").unwrap();
    let err = clean_failure(
        bin()
            .args(["capture", "--model", "tiny", "--device", "cpu", "--no-nsys", "--seq", "8", "--run-id", "mine", "--force"])
            .arg("--results")
            .arg(d.path())
            .assert(),
    );
    assert!(err.contains("not a capture run folder"), "{err}");
    assert_eq!(std::fs::read_to_string(d.path().join("mine/notes.txt")).unwrap(), "keep");
}

/// A fake `nsys` whose `export` copies `$FAKE_NSYS_SRC` to its `--output` and counts its calls.
fn fake_nsys(dir: &Path) -> PathBuf {
    let bin_dir = dir.join("fakebin");
    std::fs::create_dir_all(&bin_dir).unwrap();
    let script = bin_dir.join("nsys");
    std::fs::write(
        &script,
        "#!/bin/sh\nout=\"\"\nprev=\"\"\nfor a in \"$@\"; do [ \"$prev\" = \"--output\" ] && out=\"$a\"; prev=\"$a\"; done\necho x >> \"$FAKE_NSYS_CALLS\"\ncp \"$FAKE_NSYS_SRC\" \"$out\"\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    bin_dir
}

#[test]
fn analyzing_a_report_never_overwrites_an_unrelated_sqlite_beside_it() {
    let d = tempfile::tempdir().unwrap();
    let export = synthetic_db(d.path(), "export.sqlite", "");
    let fakebin = fake_nsys(d.path());
    let calls = d.path().join("calls");
    let path = format!("{}:{}", fakebin.display(), std::env::var("PATH").unwrap_or_default());
    let work = d.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let rep = work.join("rep.nsys-rep");
    std::fs::write(&rep, b"binary report").unwrap();
    let unrelated = work.join("rep.sqlite");
    std::fs::write(&unrelated, b"my own notes, not an export").unwrap();
    let analyze = |out: &Path| {
        bin().arg("analyze").arg(&rep).arg("--out").arg(out).env("PATH", &path).env("FAKE_NSYS_SRC", &export).env("FAKE_NSYS_CALLS", &calls).assert()
    };
    let err = clean_failure(analyze(&work));
    assert!(err.contains("already exists and was not exported by latency-anatomy"), "{err}");
    assert_eq!(std::fs::read(&unrelated).unwrap(), b"my own notes, not an export");
    // Into its own folder: exported once, then reused while the report is unchanged.
    let out = d.path().join("out");
    analyze(&out).success();
    analyze(&out).success();
    assert_eq!(std::fs::read_to_string(&calls).unwrap().lines().count(), 1);
    assert_eq!(std::fs::read(out.join("rep.sqlite")).unwrap(), std::fs::read(&export).unwrap());
}

// ---------------------------------------------------------------------------------------------------------
// Crashes

#[test]
fn invalid_model_configs_fail_naming_the_field() {
    let d = tempfile::tempdir().unwrap();
    for (field, value, want) in [
        ("num_attention_heads", serde_json::json!(0), "num_attention_heads is 0"),
        ("num_key_value_heads", serde_json::json!(0), "num_key_value_heads is 0"),
        ("hidden_size", serde_json::json!(0), "hidden_size is 0"),
        ("hidden_size", serde_json::json!(66), "hidden_size (66) is not divisible by num_attention_heads (4)"),
        ("vocab_size", serde_json::json!(0), "vocab_size is 0"),
        // 4e9 × 64 fp32 weights = 1 TB: refused before anything is allocated.
        ("vocab_size", serde_json::json!(4_000_000_000u64), "the weights need"),
    ] {
        let cfg = tiny_config(d.path(), field, value.clone());
        let out = d.path().join("s.csv");
        let err = clean_failure(bin().args(["sweep", "--random-weights", "--device", "cpu", "--seq", "8"]).arg("--model").arg(&cfg).args(SMALL).arg("--out").arg(&out).assert());
        assert!(err.contains(want), "{field}={value}: {err}");
    }
}

#[test]
fn a_configuration_that_cannot_fit_is_flagged_oom_and_the_sweep_goes_on() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("s.csv");
    let t = std::time::Instant::now();
    bin()
        .args(["sweep", "--model", "tiny", "--device", "cpu", "--seq", "128", "--batch-sizes", "1000000,1"])
        .args(SMALL)
        .arg("--out")
        .arg(&out)
        .assert()
        .success()
        .stderr(predicates::str::contains("s128_b1000000: oom: not run: needs about"));
    assert!(t.elapsed() < Duration::from_secs(60));
    let rows: Vec<String> = std::fs::read_to_string(&out).unwrap().lines().map(str::to_string).collect();
    assert_eq!(rows.len(), 3);
    assert!(rows[1].starts_with("128,1000000,") && rows[1].contains(",oom,"), "{}", rows[1]);
    assert!(rows[2].starts_with("128,1,") && !rows[2].contains(",oom,"), "{}", rows[2]);
}

#[test]
fn fifos_and_terminals_are_refused_without_blocking() {
    let d = tempfile::tempdir().unwrap();
    let fifo = d.path().join("pipe.sqlite");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: mkfifo with a valid path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let mut cmd = bin();
    cmd.timeout(Duration::from_secs(20));
    let err = clean_failure(cmd.arg("analyze").arg(&fifo).arg("--out").arg(d.path().join("o")).assert());
    assert!(err.contains("is a FIFO (named pipe), not a regular file"), "{err}");
    // A pipe on stdin is not "a damaged SQLite database".
    let err = clean_failure(bin().args(["analyze", "/dev/stdin", "--out"]).arg(d.path().join("o")).write_stdin("SQLite format 3\0garbage").assert());
    assert!(err.contains("not a regular file") && !err.contains("damaged"), "{err}");
    let err = clean_failure(bin().arg("analyze").arg(&fifo).arg("--ncu").arg(&fifo).arg("--out").arg(d.path().join("o")).assert());
    assert!(err.contains("FIFO"), "{err}");
}

// ---------------------------------------------------------------------------------------------------------
// Escapes and injection

#[test]
fn run_ids_are_plain_names() {
    let d = tempfile::tempdir().unwrap();
    let results = d.path().join("R");
    std::fs::create_dir_all(&results).unwrap();
    for id in ["..", ".", "a/b", "-x", "evil\u{1b}[2J"] {
        let err = clean_failure(bin().args(["capture", "--model", "tiny", "--device", "cpu", "--no-nsys", "--dry-run", &format!("--run-id={id}")]).arg("--results").arg(&results).assert());
        assert!(err.contains("--run-id"), "{id:?}: {err}");
        assert!(!err.contains('\u{1b}'), "raw escape in {err:?}");
    }
    assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 1, "something was written beside --results");
    assert_eq!(std::fs::read_dir(&results).unwrap().count(), 0);
}

#[test]
fn escape_sequences_in_paths_never_reach_the_terminal_raw() {
    let d = tempfile::tempdir().unwrap();
    let evil = d.path().join("x\u{1b}]0;pwned\u{7}\u{202E}gpj.sqlite");
    std::fs::write(&evil, b"not sqlite").unwrap();
    let a = bin().arg("analyze").arg(&evil).arg("--out").arg(d.path().join("o\u{1b}[31m")).assert().failure().code(1);
    let err = stderr_of(&a);
    for c in ['\u{1b}', '\u{7}', '\u{202E}'] {
        assert!(!err.contains(c), "raw {c:?} in {err:?}");
    }
    assert!(err.contains("\\x1b]0;pwned\\x07\\u{202e}gpj.sqlite"), "{err}");
    // A good export under an evil name: the summary is escaped too.
    let good = synthetic_db(d.path(), "y\u{1b}[2J\u{202E}.sqlite", "");
    let a = bin().arg("analyze").arg(&good).arg("--out").arg(d.path().join("o2\u{1b}")).assert().success();
    let out = String::from_utf8_lossy(&a.get_output().stdout).into_owned();
    assert!(!out.contains('\u{1b}') && !out.contains('\u{202E}'), "{out:?}");
    let md = std::fs::read_to_string(d.path().join("o2\u{1b}").join("report.md")).unwrap();
    assert!(!md.contains('\u{1b}') && !md.contains('\u{202E}'), "report.md carries raw controls");
}

#[test]
fn bidi_overrides_in_kernel_names_do_not_reach_the_report() {
    let d = tempfile::tempdir().unwrap();
    let db = synthetic_db(d.path(), "bidi.sqlite", "UPDATE StringIds SET value = 'gemm\u{202E}lenrek' WHERE id IN (1, 9);");
    let out = d.path().join("o");
    let a = bin().arg("analyze").arg(&db).arg("--out").arg(&out).assert().success();
    assert!(!String::from_utf8_lossy(&a.get_output().stdout).contains('\u{202E}'));
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.contains("gemm\u{FFFD}lenrek") && !md.contains('\u{202E}'));
}

// ---------------------------------------------------------------------------------------------------------
// Wrong answers without a word

/// Count and sum over the rows a sane reader keeps (plain SQL over the same file).
fn sql_i64(db: &Path, sql: &str) -> i64 {
    rusqlite::Connection::open(db).unwrap().query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn implausible_rows_are_excluded_with_a_note() {
    let d = tempfile::tempdir().unwrap();
    let db = synthetic_db(
        d.path(),
        "bad.sqlite",
        "INSERT INTO CUPTI_ACTIVITY_KIND_KERNEL VALUES (4000, 9223372036854775807, 0, 1, 7, 50, 100 << 24, 1, 9, 1, 1, 1, 1, 1, 1);
         INSERT INTO CUPTI_ACTIVITY_KIND_KERNEL VALUES (4000, 4100, 9223372036854775807, 1, 7, 51, 100 << 24, 1, 9, 1, 1, 1, 1, 1, 1);
         INSERT INTO CUPTI_ACTIVITY_KIND_MEMCPY VALUES (4200, 4300, 0, 1, 8, 52, 100 << 24, 9000000000000000000, 1);",
    );
    let out = d.path().join("o");
    bin().arg("analyze").arg(&db).arg("--out").arg(&out).assert().success();
    let t: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join("tables.json")).unwrap()).unwrap();
    // What plain SQL keeps: ops on real devices, shorter than a day, with sizes below 1 PiB.
    let kernels = sql_i64(&db, "SELECT count(*) FROM CUPTI_ACTIVITY_KIND_KERNEL WHERE deviceId BETWEEN 0 AND 65535 AND end - start <= 86400000000000");
    let kernel_ns = sql_i64(&db, "SELECT sum(max(end - start, 0)) FROM CUPTI_ACTIVITY_KIND_KERNEL WHERE deviceId BETWEEN 0 AND 65535 AND end - start <= 86400000000000");
    let bytes = sql_i64(&db, "SELECT sum(bytes) FROM CUPTI_ACTIVITY_KIND_MEMCPY WHERE bytes <= 1125899906842624");
    assert_eq!(t["summary"]["kernels"].as_i64().unwrap(), kernels);
    assert_eq!(t["summary"]["kernel_ns"].as_i64().unwrap(), kernel_ns);
    assert_eq!(t["memory"].as_array().unwrap().iter().map(|m| m["bytes"].as_i64().unwrap()).sum::<i64>(), bytes);
    for row in t["timeline"].as_array().unwrap() {
        assert!(row["device"].as_i64().unwrap() >= 0);
        assert!(row["span_ns"].as_i64().unwrap() >= 0 && row["busy_ns"].as_i64().unwrap() >= 0);
    }
    let notes: Vec<&str> = t["info"]["notes"].as_array().unwrap().iter().map(|n| n.as_str().unwrap()).collect();
    assert!(notes.contains(&"1 row(s) of CUPTI_ACTIVITY_KIND_KERNEL excluded as implausible (timestamps beyond ±2^60 ns); they are in no table"), "{notes:?}");
    assert!(notes.contains(&"1 row(s) of CUPTI_ACTIVITY_KIND_KERNEL excluded as implausible (deviceId outside 0..=65535); they are in no table"), "{notes:?}");
    assert!(notes.contains(&"1 row(s) of CUPTI_ACTIVITY_KIND_MEMCPY excluded as implausible (bytes outside 0..=1 PiB); they are in no table"), "{notes:?}");
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.contains("excluded as implausible"), "the report must say so");
}

#[test]
fn missing_string_ids_are_noted() {
    let d = tempfile::tempdir().unwrap();
    let db = synthetic_db(d.path(), "dangling.sqlite", "DELETE FROM StringIds WHERE id = 2;");
    let out = d.path().join("o");
    bin().arg("analyze").arg(&db).arg("--out").arg(&out).assert().success();
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.contains("refer to ids missing from StringIds"), "{md}");
}

#[test]
fn a_wal_with_committed_rows_is_refused_not_half_read() {
    let d = tempfile::tempdir().unwrap();
    let db = d.path().join("wal.sqlite");
    let c = rusqlite::Connection::open(&db).unwrap();
    c.execute_batch(SYNTHETIC).unwrap();
    let _: String = c.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0)).unwrap();
    c.execute_batch("PRAGMA wal_autocheckpoint = 0; INSERT INTO CUPTI_ACTIVITY_KIND_KERNEL SELECT * FROM CUPTI_ACTIVITY_KIND_KERNEL;").unwrap();
    // The connection stays open: the doubled rows are committed, in the -wal file only.
    assert!(std::fs::metadata(d.path().join("wal.sqlite-wal")).unwrap().len() > 32);
    let err = clean_failure(bin().arg("analyze").arg(&db).arg("--out").arg(d.path().join("o")).assert());
    assert!(err.contains("write-ahead log") && err.contains("wal_checkpoint"), "{err}");
    // Checkpointed, it is read in full: every committed row.
    c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
    let out = d.path().join("o2");
    bin().arg("analyze").arg(&db).arg("--out").arg(&out).assert().success();
    let t: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join("tables.json")).unwrap()).unwrap();
    assert_eq!(t["summary"]["kernels"].as_i64().unwrap(), c.query_row("SELECT count(*) FROM CUPTI_ACTIVITY_KIND_KERNEL", [], |r| r.get::<_, i64>(0)).unwrap());
}

#[test]
fn a_bad_sweep_row_is_named_and_the_valid_rows_kept() {
    let d = tempfile::tempdir().unwrap();
    let run = d.path().join("run");
    std::fs::create_dir_all(&run).unwrap();
    let csv = run.join("seq_sweep.csv");
    bin().args(["sweep", "--model", "tiny", "--device", "cpu", "--seq", "8,16"]).args(SMALL).arg("--out").arg(&csv).assert().success();
    let mut text = std::fs::read_to_string(&csv).unwrap();
    let valid = text.lines().count() - 1;
    text.push_str("garbage,row,not,numbers\n32,1,0.5,0.1");
    std::fs::write(&csv, text).unwrap();
    let a = bin().arg("report").arg(&run).assert().success();
    let err = stderr_of(&a);
    assert!(err.contains("seq_sweep.csv line 4: row skipped"), "{err}");
    assert!(err.contains("seq_sweep.csv line 5: row skipped"), "{err}");
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(run.join("sweep.json")).unwrap()).unwrap();
    assert_eq!(json["seq_sweep"].as_array().unwrap().len(), valid);
    assert!(std::fs::read_to_string(run.join("index.md")).unwrap().contains("line 4: row skipped"));
}

#[test]
fn a_sweep_where_nothing_can_run_fails_and_its_step_says_so() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("s.csv");
    let err = clean_failure(bin().args(["sweep", "--model", "tiny", "--device", "cpu", "--seq", "128", "--batch-sizes", "1000000"]).args(SMALL).arg("--out").arg(&out).assert());
    assert!(err.contains("no configuration could be measured"), "{err}");
    // In a capture, the regime's step is `failed` and the exit code is 2.
    bin()
        .args(["capture", "--model", "tiny", "--device", "cpu", "--no-nsys", "--seq", "8", "--batch-seq", "128", "--batch-sizes", "1000000", "--canonical", "8x1", "--run-id", "r"])
        .args(SMALL)
        .arg("--results")
        .arg(d.path())
        .assert()
        .code(2);
    let m: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(d.path().join("r/manifest.json")).unwrap()).unwrap();
    let step = |n: &str| m["steps"].as_array().unwrap().iter().find(|s| s["name"] == n).unwrap().clone();
    assert_eq!(step("seq_sweep")["status"], "ok");
    assert_eq!(step("batch_sweep")["status"], "failed");
    assert!(step("batch_sweep")["message"].as_str().unwrap().contains("oom"));
}

#[test]
fn ncu_values_out_of_physics_are_missing_in_csv_and_json_alike() {
    let d = tempfile::tempdir().unwrap();
    let csv = d.path().join("ncu.csv");
    std::fs::write(
        &csv,
        "\"ID\",\"Kernel Name\",\"gpu__time_duration.sum\",\"dram__bytes.sum\",\"gpu__compute_memory_throughput.avg.pct_of_peak_sustained_elapsed\",\"sm__throughput.avg.pct_of_peak_sustained_elapsed\"\n\
         \"\",\"\",\"nsecond\",\"byte\",\"%\",\"%\"\n\
         \"0\",\"k_neg\",\"-5000\",\"1000\",\"50\",\"10\"\n\
         \"1\",\"k_huge\",\"5000\",\"1000\",\"1e300\",\"inf\"\n\
         \"2\",\"k_ok\",\"5000\",\"1000\",\"50\",\"10\"\n",
    )
    .unwrap();
    let out = d.path().join("o");
    bin().arg("analyze").arg(&csv).arg("--out").arg(&out).assert().success();
    let t: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join("tables.json")).unwrap()).unwrap();
    let rows = t["ncu_kernels"].as_array().unwrap();
    assert!(rows[0]["duration_ns"].is_null(), "{}", rows[0]);
    assert!(rows[1]["memory_throughput_pct"].is_null() || rows[1].get("memory_throughput_pct").is_none());
    assert_eq!(rows[2]["duration_ns"].as_f64(), Some(5000.0));
    // No value in any row is infinite or NaN, in either format.
    let text = std::fs::read_to_string(out.join("ncu_kernels.csv")).unwrap();
    for word in ["inf", "NaN"] {
        assert!(!text.to_lowercase().contains(&word.to_lowercase()), "{word} in ncu_kernels.csv:\n{text}");
    }
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    let dur = header.iter().position(|h| *h == "duration_ns").unwrap();
    let neg: Vec<&str> = text.lines().nth(1).unwrap().split(',').collect();
    assert_eq!(neg[dur], "", "CSV shows the rejected duration as empty, as JSON shows null");
    let notes = t["ncu_notes"].as_array().unwrap();
    assert!(notes.iter().any(|n| n.as_str().unwrap().contains("3 value(s) out of physical range")), "{notes:?}");
}

#[test]
fn a_canonical_point_given_twice_is_profiled_once() {
    let d = tempfile::tempdir().unwrap();
    let a = bin()
        .args(["capture", "--model", "tiny", "--device", "cpu", "--canonical", "16x1,16x1", "--dry-run", "--run-id", "x"])
        .arg("--results")
        .arg(d.path())
        .assert()
        .success();
    let out = String::from_utf8_lossy(&a.get_output().stdout).into_owned();
    assert!(stderr_of(&a).contains("--canonical: s16_b1 is given twice; profiled once"));
    assert_eq!(out.matches("analyze").filter(|_| true).count(), out.lines().filter(|l| l.contains("latency-anatomy analyze")).count());
    assert_eq!(out.lines().filter(|l| l.contains("s16_b1.sqlite") && l.contains("latency-anatomy analyze")).count(), 1, "{out}");
}

// ---------------------------------------------------------------------------------------------------------
// Unclear messages

#[test]
fn os_errors_are_printed_once() {
    let d = tempfile::tempdir().unwrap();
    let db = synthetic_db(d.path(), "a.sqlite", "");
    let file = d.path().join("file");
    std::fs::write(&file, b"x").unwrap();
    let err = clean_failure(bin().arg("analyze").arg(&db).arg("--out").arg(file.join("sub")).assert());
    assert_eq!(err.matches("(os error").count(), 1, "{err}");
}

#[test]
fn a_missing_column_is_called_missing() {
    let d = tempfile::tempdir().unwrap();
    let db = synthetic_db(
        d.path(),
        "noend.sqlite",
        "CREATE TABLE k2 AS SELECT start, deviceId, streamId, correlationId, globalPid, demangledName, shortName FROM CUPTI_ACTIVITY_KIND_KERNEL;
         DROP TABLE CUPTI_ACTIVITY_KIND_KERNEL; ALTER TABLE k2 RENAME TO CUPTI_ACTIVITY_KIND_KERNEL;",
    );
    let err = clean_failure(bin().arg("analyze").arg(&db).arg("--out").arg(d.path().join("o")).assert());
    assert!(err.contains("column end: the column is missing from the table"), "{err}");
}

#[test]
fn report_messages_name_the_problem() {
    let d = tempfile::tempdir().unwrap();
    let db = synthetic_db(d.path(), "a.sqlite", "");
    let err = clean_failure(bin().arg("report").arg(&db).assert());
    assert!(err.contains("is a file") && err.contains("latency-anatomy analyze") && !err.contains("--out"), "{err}");
    let out = d.path().join("o");
    bin().arg("analyze").arg(&db).arg("--out").arg(&out).assert().success();
    let json = std::fs::read(out.join("tables.json")).unwrap();
    std::fs::write(out.join("tables.json"), &json[..json.len() / 2]).unwrap();
    let err = clean_failure(bin().arg("report").arg(&out).assert());
    assert!(err.contains("not a complete tables.json") && err.contains("cut") && !err.contains("cannot write"), "{err}");
}

#[test]
fn resume_refuses_flags_it_would_ignore() {
    let d = tempfile::tempdir().unwrap();
    let err = clean_failure(bin().args(["capture", "--resume"]).arg(d.path().join("run")).args(["--seq", "64"]).assert());
    assert!(err.contains("--seq would be ignored"), "{err}");
}

#[test]
fn a_second_analysis_into_a_folder_leaves_no_table_of_the_first() {
    let d = tempfile::tempdir().unwrap();
    let db = synthetic_db(d.path(), "a.sqlite", "");
    let ncu = d.path().join("ncu.csv");
    std::fs::write(&ncu, "\"ID\",\"Kernel Name\",\"gpu__time_duration.sum\"\n\"\",\"\",\"nsecond\"\n\"0\",\"gemm_kernel\",\"500\"\n").unwrap();
    let out = d.path().join("o");
    bin().arg("analyze").arg(&db).arg("--ncu").arg(&ncu).args(["--format", "csv,json,parquet"]).arg("--out").arg(&out).assert().success();
    for f in ["ncu_kernels.csv", "ncu_metrics.csv", "kernels.parquet", "ncu_kernels.parquet"] {
        assert!(out.join(f).is_file(), "{f}");
    }
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    // Same folder, no ncu data, CSV and JSON only: nothing of the first run's tables may remain beside the second's.
    bin().arg("analyze").arg(&db).arg("--out").arg(&out).assert().success();
    let mut names: Vec<String> = std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    assert_eq!(
        names,
        ["charts", "classes.csv", "gaps.csv", "kernels.csv", "memory.csv", "notes.txt", "nvtx_ranges.csv", "report.md", "step_summary.csv", "steps.csv", "tables.json", "timeline.csv", "traffic.csv"]
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>(),
        "{names:?}"
    );
    assert_eq!(std::fs::read_to_string(out.join("notes.txt")).unwrap(), "mine");
    // The roofline of the first run (it had ncu data) is gone too; the class chart is this run's.
    let mut charts: Vec<String> = std::fs::read_dir(out.join("charts")).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    charts.sort();
    assert!(!charts.iter().any(|c| c.starts_with("roofline")), "{charts:?}");
}
