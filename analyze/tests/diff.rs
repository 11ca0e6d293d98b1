//! `diff` on pairs whose difference is known: an export against itself, against a copy with one kernel
//! stretched by a known factor (SQL over the copy gives the expected deltas), against a copy on another GPU, and
//! against a CPU-only export. Expected figures come from plain SQL over the files, not from the tool.

use std::path::{Path, PathBuf};

use test_support as common;

use latency_anatomy_analyze::diff::{diff, gate_code, DiffOptions, MatchBy};
use latency_anatomy_analyze::{analyze_file, Options, Tables};
use schema::diff::DiffReport;

const DLPROF: &str = "MohanadOdema+DLProf/nsys_profile.sqlite";

fn tables(p: &Path) -> Tables {
    analyze_file(p, &Options::default()).unwrap()
}

fn run(a: &Path, b: &Path, by: MatchBy) -> DiffReport {
    diff(&tables(a), &tables(b), &DiffOptions { a_name: a.display().to_string(), b_name: b.display().to_string(), matched_by: by })
}

/// A writable copy of a real export, changed by `sql`.
fn copy_with(dir: &Path, rel: &str, sql: &str) -> Option<PathBuf> {
    let src = common::realdata_or_skip("diff")?.join(rel);
    let dst = dir.join(Path::new(rel).file_name().unwrap());
    std::fs::copy(&src, &dst).unwrap();
    rusqlite::Connection::open(&dst).unwrap().execute_batch(sql).unwrap();
    Some(dst)
}

fn one(p: &Path, q: &str) -> f64 {
    common::sql(p).query_row(q, [], |r| r.get::<_, f64>(0)).unwrap()
}

#[test]
fn an_export_against_itself_is_the_same() {
    let Some(dir) = common::realdata_or_skip("diff") else { return };
    for rel in [DLPROF, "NVIDIA+Fuser/ee4fcf30/report1.sqlite", "LeiWang1999+memfusion_artifact/report1.sqlite"] {
        let p = dir.join(rel);
        for by in [MatchBy::Name, MatchBy::Base, MatchBy::Class] {
            let r = run(&p, &p, by);
            assert_eq!(r.verdict, "same", "{rel}: {}", r.verdict_line);
            assert!(r.checks.iter().all(|c| c.status == "pass"), "{rel}: {:?}", r.checks);
            assert!(r.rows.iter().all(|x| x.delta == 0.0 && x.only_in.is_empty()), "{rel}");
            assert_eq!(gate_code(&r, 0.0), 0);
        }
    }
}

#[test]
fn a_stretched_kernel_is_found_exactly() {
    let d = tempfile::tempdir().unwrap();
    // Every execution of one kernel (short name fft2d_r2c_32x32) takes 3× as long in B.
    let stretch = "UPDATE CUPTI_ACTIVITY_KIND_KERNEL SET end = start + 3 * (end - start)
                   WHERE shortName = (SELECT id FROM StringIds WHERE value = 'fft2d_r2c_32x32');";
    let Some(b) = copy_with(d.path(), DLPROF, stretch) else { return };
    let a = common::realdata().unwrap().join(DLPROF);
    let q = "SELECT sum(k.end - k.start) FROM CUPTI_ACTIVITY_KIND_KERNEL k JOIN StringIds s ON s.id = k.shortName WHERE s.value = 'fft2d_r2c_32x32'";
    let (before, after) = (one(&a, q), one(&b, q));
    assert_eq!(after, 3.0 * before);
    let total = |p: &Path| one(p, "SELECT sum(end - start) FROM CUPTI_ACTIVITY_KIND_KERNEL");
    let r = run(&a, &b, MatchBy::Base);
    let kt = r.rows.iter().find(|x| x.level == "total" && x.key == "kernel_time").unwrap();
    assert_eq!((kt.a, kt.b, kt.delta), (total(&a), total(&b), after - before));
    let k = r.rows.iter().find(|x| x.level == "kernel" && x.key == "fft2d_r2c_32x32").expect("the stretched kernel");
    assert_eq!((k.a, k.b, k.delta, k.share_of_delta_pct), (before, after, after - before, Some(100.0)));
    // Matched by demangled name, each of its variants executed more than once moved beyond noise.
    let by_name = run(&a, &b, MatchBy::Name);
    let moved: Vec<_> = by_name.rows.iter().filter(|x| x.level == "kernel" && x.delta != 0.0).collect();
    assert!(!moved.is_empty() && moved.iter().all(|x| x.key.contains("fft2d_r2c_32x32")));
    assert!(moved.iter().all(|x| x.significant == if x.instances_a >= 2 { "yes" } else { "n/a" }), "{moved:?}");
    assert_eq!(moved.iter().map(|x| x.delta).sum::<f64>(), after - before);
    // It is the top contributor, and the only kernel that changed.
    assert_eq!(r.rows.iter().find(|x| x.level == "kernel").unwrap().key, "fft2d_r2c_32x32");
    assert!(r.rows.iter().filter(|x| x.level == "kernel" && x.key != "fft2d_r2c_32x32").all(|x| x.delta == 0.0));
    assert_eq!(r.verdict, "slower", "{}", r.verdict_line);
    assert!(r.verdict_line.contains("fft2d_r2c_32x32"), "{}", r.verdict_line);
    let pct = (total(&b) - total(&a)) / total(&a) * 100.0;
    assert_eq!(r.headline.delta_pct, Some((pct * 100.0).round() / 100.0));
    assert_eq!(gate_code(&r, pct - 0.5), 3, "slower by more than the gate");
    assert_eq!(gate_code(&r, pct + 0.5), 0, "within the gate");
    // Swapped, B is faster.
    let r = run(&b, &a, MatchBy::Base);
    assert_eq!(r.verdict, "faster");
    assert_eq!(gate_code(&r, 0.0), 0);
}

#[test]
fn another_gpu_is_incomparable() {
    let d = tempfile::tempdir().unwrap();
    let Some(b) = copy_with(d.path(), DLPROF, "UPDATE TARGET_INFO_GPU SET name = 'Some Other GPU';") else { return };
    let a = common::realdata().unwrap().join(DLPROF);
    let r = run(&a, &b, MatchBy::Base);
    assert_eq!(r.verdict, "incomparable");
    let c = r.checks.iter().find(|c| c.name == "gpu_model").unwrap();
    assert_eq!(c.status, "fail");
    assert!(c.detail.contains("Some Other GPU"), "{}", c.detail);
    assert_eq!(gate_code(&r, 100.0), 4);
}

#[test]
fn an_empty_or_cpu_only_side_is_never_faster() {
    let Some(dir) = common::realdata_or_skip("diff") else { return };
    let gpu = dir.join(DLPROF);
    for cpu in ["StellaWava+benchmarking-n-profiling-/report1.sqlite", "amir-ghz+DynamicViT/nsys_profile.sqlite", "CO18326+uvmTorch/report1.sqlite"] {
        let cpu = dir.join(cpu);
        for (a, b) in [(&gpu, &cpu), (&cpu, &gpu), (&cpu, &cpu)] {
            let r = run(a, b, MatchBy::Base);
            assert_eq!(r.verdict, "incomparable", "{} vs {}: {}", a.display(), b.display(), r.verdict_line);
            assert_eq!(r.checks[0].status, "fail");
            assert_eq!(gate_code(&r, 0.0), 4);
        }
    }
}

/// The steps of `data/steps.sql` against a copy whose launch-bound decode steps start 1,000 ns later (their first
/// launch then falls outside them): the step and phase deltas follow from the NVTX rows changed (SQL), and the
/// headline is the mean step wall time.
#[test]
fn step_and_phase_deltas_follow_the_nvtx_ranges() {
    let d = tempfile::tempdir().unwrap();
    let a = common::build_db(d.path(), "a.sqlite", include_str!("data/steps.sql"));
    let b = common::build_db(d.path(), "b.sqlite", &format!("{}\nUPDATE NVTX_EVENTS SET start = start + 1000 WHERE text IN ('step_0', 'step_1') AND start BETWEEN 30000 AND 69999;", include_str!("data/steps.sql")));
    let r = run(&a, &b, MatchBy::Base);
    let row = |level: &str, key: &str| r.rows.iter().find(|x| x.level == level && x.key == key).unwrap_or_else(|| panic!("{level} {key}")).clone();
    // Three points in each: steps are keyed by point and phase; s16_b1's two decode steps are 1,000 ns shorter.
    let wall = |p: &Path| one(p, "SELECT avg(end - start) FROM NVTX_EVENTS WHERE text IN ('step_0', 'step_1') AND start BETWEEN 30000 AND 70000");
    let s = row("step", "s16_b1 decode wall");
    assert_eq!((s.a, s.b, s.delta, s.instances_a, s.instances_b), (wall(&a), wall(&b), wall(&b) - wall(&a), 2, 2));
    assert_eq!(s.delta, -1000.0);
    assert_eq!(s.significant, "yes", "both sides' steps are equal among themselves: a deterministic shift");
    assert_eq!(row("step", "s32_b1 decode wall").delta, 0.0);
    // The decode ranges themselves did not change: the phase's wall time (its NVTX ranges) is the same.
    let sum = |p: &Path, name: &str| one(p, &format!("SELECT sum(end - start) FROM NVTX_EVENTS WHERE text = '{name}'"));
    assert_eq!(row("phase", "decode wall").delta, sum(&b, "decode") - sum(&a, "decode"));
    assert_eq!(row("phase", "prefill wall").delta, 0.0);
    assert_eq!(r.headline.metric, "step wall time");
    assert_eq!(r.headline.b_ns - r.headline.a_ns, 2.0 * -1000.0, "A's two s16_b1 decode steps, 1,000 ns shorter each");
    // The headline pools every key's noise: s32_b1's two decode steps (20,000 and 5,000 ns) spread so widely that
    // a 1,000 ns shift of two steps is within it (|t| < 3), so the verdict is `same`.
    assert!(r.headline.t_stat.is_some_and(|t| t < 0.0 && t.abs() < 3.0), "{:?}", r.headline);
    assert_eq!(r.verdict, "same", "{}", r.verdict_line);
    // One launch per step fell out of the steps: the kernel counts say so.
    let gpu = row("step", "s16_b1 decode gpu_busy");
    assert_eq!(gpu.delta, -200.0, "one 200-ns kernel less per step");
}
