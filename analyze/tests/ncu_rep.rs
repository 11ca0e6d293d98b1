//! The built-in `.ncu-rep` reader against NVIDIA's own reader (PyPI `ncu-report`, run by
//! `scripts/ncu_rep_oracle.py`) on every real report in `../shared/realdata`: the same launches in the same order,
//! the same names, grid and block, the same metric names, and every metric value equal — exact for integers and
//! strings, bit-equal for floats — with the same per-instance values and correlation ids.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use latency_anatomy_analyze::read::ncu::rep::{self, RepValue};
use latency_anatomy_analyze::read::ncu::units::normalize;

use test_support as common;

const REPORTS: [&str; 5] = [
    "ncu-rep/armleth+cuda-mlp-inference_report.ncu-rep",
    "ncu-rep/josiahls+cuda_learning_mojo_profile.ncu-rep",
    "ncu-rep/AlpriElse+cs599k_rms_norm_matrix.ncu-rep",
    "ncu-rep/AlpriElse+cs599k_silu_triton.ncu-rep",
    "spymaster2h+spyinfer/report.ncu-rep",
];

/// Runs the oracle; None (skip, or fail in CI) when python3 with `ncu_report` is missing.
fn oracle(path: &Path) -> Option<serde_json::Value> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/ncu_rep_oracle.py");
    let out = std::process::Command::new("python3").arg(&script).arg(path).output();
    match out {
        Ok(o) if o.status.success() => Some(serde_json::from_slice(&o.stdout).expect("oracle JSON")),
        other => {
            let why = match other {
                Ok(o) => String::from_utf8_lossy(&o.stderr).lines().last().unwrap_or("").to_string(),
                Err(e) => e.to_string(),
            };
            assert!(std::env::var("CI").map_or(true, |v| v != "true"), "NVIDIA's reader (pip install ncu-report) is needed in CI: {why}");
            eprintln!("SKIPPED: python3 -c 'import ncu_report' failed ({why}); .ci/setup installs it");
            None
        }
    }
}

/// Our value in the oracle's notation, with its ValueKind (STRING 2, FLOAT 3, DOUBLE 4, UINT32 5, UINT64 6).
fn ours(v: &RepValue) -> (i64, String) {
    match v {
        RepValue::Str(s) => (2, format!("s:{s}")),
        RepValue::F32(f) => (3, format!("d:{:016x}", (*f as f64).to_bits())),
        RepValue::F64(d) => (4, format!("d:{:016x}", d.to_bits())),
        RepValue::U32(u) => (5, format!("u:{u}")),
        RepValue::U64(u) => (6, format!("u:{u}")),
        RepValue::None => (0, "none".into()),
    }
}

fn reports() -> Option<Vec<PathBuf>> {
    let dir = common::realdata_or_skip("ncu_rep")?;
    Some(REPORTS.iter().map(|r| dir.join(r)).collect())
}

#[test]
fn every_metric_equals_nvidias_reader() {
    let Some(paths) = reports() else { return };
    let mut compared = 0usize;
    let mut dims_checked = 0usize;
    for path in paths {
        let Some(want) = oracle(&path) else { return };
        let got = rep::read(&path).unwrap_or_else(|e| panic!("{e}"));
        let wl = want["launches"].as_array().unwrap();
        assert_eq!(got.launches.len(), wl.len(), "{}: launch count", path.display());
        // The GPU named in the session details is the one NVIDIA's reader reports for the launches.
        for w in wl {
            if let Some(name) = w["metrics"]["device__attribute_display_name"]["value"].as_str() {
                assert!(got.session.gpus.iter().any(|g| format!("s:{g}") == name), "{}: {name} not in {:?}", path.display(), got.session.gpus);
            }
        }
        for (g, w) in got.launches.iter().zip(wl) {
            assert_eq!(g.function, w["function"].as_str().unwrap(), "{}", path.display());
            assert_eq!(g.demangled, w["demangled"].as_str().unwrap(), "{}", path.display());
            assert_eq!(g.mangled, w["mangled"].as_str().unwrap(), "{}", path.display());
            // Grid and block: the result's own fields against the reader's launch__* metrics.
            for (ours, theirs) in [(g.grid, &w["grid"]), (g.block, &w["block"])] {
                if let Some(d) = theirs.get("dims") {
                    let d: Vec<u64> = d.as_array().unwrap().iter().map(|x| x.as_u64().unwrap()).collect();
                    assert_eq!(ours.to_vec(), d, "{} launch {}", path.display(), g.id);
                } else {
                    let size = theirs["size"].as_u64().expect("every report has the launch size");
                    assert_eq!(ours.iter().product::<u64>(), size, "{} launch {}", path.display(), g.id);
                }
                dims_checked += 1;
            }
            let wm = w["metrics"].as_object().unwrap();
            let gm: BTreeMap<&str, &rep::RepMetric> = g.metrics.iter().map(|m| (m.name.as_str(), m)).collect();
            let names_w: Vec<&String> = wm.keys().collect();
            let names_g: Vec<&&str> = gm.keys().collect();
            assert_eq!(names_g.len(), names_w.len(), "{} launch {}: metric count", path.display(), g.id);
            for (name, e) in wm {
                let m = gm.get(name.as_str()).unwrap_or_else(|| panic!("{} launch {}: {name} missing", path.display(), g.id));
                if e["has_value"].as_bool().unwrap() {
                    let (kind, text) = ours(&m.value);
                    assert_eq!(kind, e["kind"].as_i64().unwrap(), "{} launch {} {name}: kind", path.display(), g.id);
                    assert_eq!(text, e["value"].as_str().unwrap(), "{} launch {} {name}: value", path.display(), g.id);
                } else {
                    assert_eq!(m.value, RepValue::None, "{} launch {} {name}: the oracle has no value", path.display(), g.id);
                }
                // Each instance value in its own type (a list's elements need not share the metric's kind).
                let inst: Vec<String> = m.instances.iter().map(|(_, v)| ours(v).1).collect();
                let want_inst: Vec<String> = e.get("instances").and_then(|v| v.as_array()).map(|a| a.iter().map(|x| x.as_str().unwrap().to_string()).collect()).unwrap_or_default();
                assert_eq!(inst, want_inst, "{} launch {} {name}: instances", path.display(), g.id);
                if let Some(c) = e.get("correlations").and_then(|v| v.as_array()) {
                    let corr: Vec<String> = m.instances.iter().map(|(c, _)| ours(c).1).collect();
                    let want_corr: Vec<String> = c.iter().map(|x| x.as_str().unwrap().to_string()).collect();
                    assert_eq!(corr, want_corr, "{} launch {} {name}: correlation ids", path.display(), g.id);
                }
                compared += 1 + inst.len();
            }
        }
    }
    eprintln!("{compared} metric values compared, grid and block of every launch ({dims_checked} checks)");
}

#[test]
fn reports_fill_the_kernel_table_and_the_session() {
    let Some(paths) = reports() else { return };
    for path in &paths {
        let r = rep::read(path).unwrap();
        let f = rep::to_ncu_file(&r);
        let t = latency_anatomy_analyze::analyze_ncu(&path.display().to_string(), &f);
        assert_eq!(t.ncu_kernels.len(), r.launches.len());
        // Duration: gpu__time_duration.sum is stored in ns; the table has it in ns too.
        for (k, l) in t.ncu_kernels.iter().zip(&r.launches) {
            let stored = l.metrics.iter().find(|m| m.name == "gpu__time_duration.sum").and_then(|m| m.value.number());
            assert_eq!(k.duration_ns.map(|d| d.round()), stored.map(|d| d.round()), "{}", path.display());
            assert_eq!(k.grid, format!("{},{},{}", l.grid[0], l.grid[1], l.grid[2]));
        }
        assert!(!t.info.gpus.is_empty() && !t.info.ncu_version.is_empty(), "{}: {:?}", path.display(), t.info);
        // Every metric of every launch is in the long table (plus one row per instance value).
        let values: usize = r.launches.iter().flat_map(|l| &l.metrics).map(|m| 1 + m.instances.len()).sum();
        assert_eq!(t.ncu_metrics.len(), values, "{}", path.display());
    }
    // Session details read by hand from the files (strings in the session block).
    let mojo = rep::read(&paths[1]).unwrap();
    assert_eq!(mojo.session.gpus, vec!["NVIDIA GeForce GTX 1660 Ti".to_string()]);
    assert_eq!(mojo.session.ncu_version(), "2022.4.0.0 (build 32048681) (public-release)");
    assert_eq!(mojo.session.version("CUDA Version"), "12.2");
    assert!(mojo.session.command_line.ends_with("ncu -f -o profile build/cuda_learning_c/chapter_3/pg_84_simpleDivergence"));
}

#[test]
fn units_inferred_from_names_agree_with_nvidias_reader_for_the_metrics_the_tables_use() {
    let Some(paths) = reports() else { return };
    // The metrics the kernel table reads, where present in a report: the unit inferred from the name must be the
    // unit NVIDIA's reader gives (compared after normalization: `ns` and `nsecond` are the same unit).
    let used = [
        "gpu__time_duration.sum",
        "dram__bytes.sum",
        "dram__bytes_read.sum",
        "dram__bytes_write.sum",
        "lts__t_bytes.sum",
        "sm__cycles_elapsed.avg",
        "sm__cycles_elapsed.avg.per_second",
        "dram__throughput.avg.pct_of_peak_sustained_elapsed",
        "gpu__dram_throughput.avg.pct_of_peak_sustained_elapsed",
        "gpu__compute_memory_throughput.avg.pct_of_peak_sustained_elapsed",
        "sm__throughput.avg.pct_of_peak_sustained_elapsed",
        "sm__warps_active.avg.pct_of_peak_sustained_active",
    ];
    let same = |a: &str, b: &str| match (normalize(1.0, a), normalize(1.0, b)) {
        (Some(x), Some(y)) => x.unit == y.unit && (x.value - y.value).abs() <= 1e-12 * x.value.abs().max(1e-30),
        _ => a == b,
    };
    let (mut checked, mut agree, mut all) = (0, 0, 0);
    for path in &paths {
        let Some(want) = oracle(path) else { return };
        for l in want["launches"].as_array().unwrap() {
            for (name, e) in l["metrics"].as_object().unwrap() {
                let theirs = e["unit"].as_str().unwrap();
                let ours = rep::infer_unit(name);
                all += 1;
                agree += same(ours, theirs) as usize;
                if used.contains(&name.as_str()) {
                    assert!(same(ours, theirs), "{}: {name}: inferred {ours:?}, NVIDIA's reader says {theirs:?}", path.display());
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 20, "{checked}");
    eprintln!("units: {agree} of {all} metric values' units agree with NVIDIA's reader; all {checked} the tables use agree");
}
