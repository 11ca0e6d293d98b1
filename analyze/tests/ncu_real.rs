//! Every real ncu file in `../shared/realdata` parses, and chosen launches give the values read by hand from
//! the files (the line of each value is noted).

use test_support as common;

use std::path::{Path, PathBuf};

use latency_anatomy_analyze::read::ncu::csv::read;
use latency_anatomy_analyze::passes::ncu_kernels::{kernel_rows, NcuKernelRow};

fn rows(path: &Path) -> Vec<NcuKernelRow> {
    let f = read(path).unwrap_or_else(|e| panic!("{e}"));
    kernel_rows(path.file_name().unwrap().to_str().unwrap(), &f, None)
}

/// The real ncu CSVs (the nsys-stats CSVs of the same folder are not ncu output).
fn csv_files(dir: &Path) -> Vec<PathBuf> {
    common::files_with_ext(dir, "csv").into_iter().filter(|p| !p.to_string_lossy().contains("nsys-stats")).collect()
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() <= 1e-6 * b.abs().max(1.0))
}

#[test]
fn every_real_ncu_csv_parses() {
    let Some(dir) = common::realdata_or_skip("ncu_real") else { return };
    let files = csv_files(&dir);
    assert_eq!(files.len(), 32, "28 CodeGandee + error file + 3 leleucas");
    for f in files {
        let r = read(&f);
        if f.ends_with("ncu-error-raw.csv") {
            let e = r.unwrap_err().to_string();
            assert!(e.contains("did not match any section"), "{e}");
            continue;
        }
        let parsed = r.unwrap_or_else(|e| panic!("{e}"));
        assert!(!parsed.launches.is_empty());
        assert!(parsed.notes.iter().all(|n| !n.contains("unit table")), "{}: {:?}", f.display(), parsed.notes);
    }
}

#[test]
fn nsight162_launch_0() {
    let Some(dir) = common::realdata_or_skip("ncu_real") else { return };
    let r = rows(&dir.join("leleucas+Actual-Parameter-Collection-for-Machine-Learning-Operators/nsight162.csv"));
    assert_eq!(r.len(), 162);
    let k = &r[0];
    assert_eq!(k.base_name, "fused_dropout_kernel_vec");
    // "dram__bytes.sum","byte","4,194,688"
    assert!(close(k.dram_bytes, 4_194_688.0));
    // "gpu__time_duration.sum","nsecond","11,744"
    assert!(close(k.duration_ns, 11_744.0));
    // dadd 0, dmul 1,048,576, dfma 655,360 → 0 + 1,048,576 + 2 × 655,360
    assert!(close(k.flops_fp64, 2_359_296.0));
    // fadd 0, fmul 0, ffma 524,288 → 2 × 524,288
    assert!(close(k.flops_fp32, 1_048_576.0));
    assert!(close(k.flops_fp16, 0.0));
    assert!(close(k.arithmetic_intensity, ((3_407_872.0f64 / 4_194_688.0) * 1e4).round() / 1e4));
    // 4,194,688 B / 11,744 ns
    assert!(close(k.dram_gb_s, (4_194_688.0f64 / 11_744.0 * 1e3).round() / 1e3));
}

#[test]
fn flash_attention_launch_7() {
    let Some(dir) = common::realdata_or_skip("ncu_real") else { return };
    let r = rows(&dir.join("leleucas+Actual-Parameter-Collection-for-Machine-Learning-Operators/gpt2_flashattn_nsight.csv"));
    let k = r.iter().find(|k| k.id == 7).unwrap();
    assert!(k.kernel_name.contains("fmha"), "{}", k.kernel_name);
    // line 436: dram__bytes.sum 295,808 byte
    assert!(close(k.dram_bytes, 295_808.0));
    // no gpu__time_duration: lines 465-466, 8,664.15 cycles / 927,241,882.29 cycle/second
    assert!(close(k.duration_ns, ((8_664.15 / 927_241_882.29) * 1e9 * 1e3f64).round() / 1e3));
    // lines 471-473: fadd 282,624 + fmul 79,872 + 2 × ffma 110,592
    assert!(close(k.flops_fp32, 583_680.0));
    // line 470: dmul 6,144
    assert!(close(k.flops_fp64, 6_144.0));
    // line 467: tensor pipe 6,144 inst
    assert!(close(k.tensor_inst, 6_144.0));
    // lines 437, 477: memory 7.08 %, SM 5.55 %: neither unit busy
    assert_eq!(k.bound, "latency-bound");
    assert!(close(k.achieved_occupancy_pct, 15.36));
}

#[test]
fn codegandee_gemv_roofline() {
    let Some(dir) = common::realdata_or_skip("ncu_real") else { return };
    let base = dir.join("CodeGandee+llm-perf-opt/ncu-v2/kernel_0001_67bdb7e29d1bb4e0ca0aec954ef18af3");
    let d = rows(&base.join("ncu.details.csv"));
    assert_eq!(d.len(), 1);
    let k = &d[0];
    assert_eq!(k.base_name, "kernel");
    assert_eq!((k.grid.as_str(), k.block.as_str()), ("224,1,1", "32,4,1"));
    // "dram__bytes_read.sum","Mbyte","2.33" and "dram__bytes_write.sum","byte","0"
    assert!(close(k.dram_read_bytes, 2_330_000.0));
    assert!(close(k.dram_bytes, 2_330_000.0));
    // "gpu__time_duration.sum","us","6.75"
    assert!(close(k.duration_ns, 6_750.0));
    // "sm__throughput…","%","9.15"; "dram__throughput…","%","19.66"
    assert!(close(k.sm_pct, 9.15));
    assert!(close(k.dram_pct, 19.66));
    assert_eq!(k.bound, "latency-bound");
    // The details page has no roofline section: the DRAM peak is inferred from 345.185 GB/s at 19.66 %.
    assert!(close(k.peak_dram_gb_s, (345.185f64 / 0.1966 * 1e3).round() / 1e3));
    // With every section export of this kernel merged, the roofline section gives the peaks:
    // 128 byte/cycle × 13.72 GHz; 43,520 FFMA ops/cycle × 2.15 GHz.
    let mut files: Vec<_> = std::fs::read_dir(&base).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let merged = latency_anatomy_analyze::read::ncu::csv::merge(files.iter().map(|p| read(p).unwrap()).collect());
    assert_eq!(merged.launches.len(), 1);
    let d = kernel_rows("kernel_0001", &merged, None);
    let k = &d[0];
    assert!(close(k.peak_dram_gb_s, 1_756.16));
    assert!(close(k.peak_fp32_gflop_s, 93_568.0));
    // The SASS counters are n/a on this chip: FP32 FLOPs come from the achieved roofline point,
    // (158.12 FFMA ops + 1.97 FADD + 0 FMUL) per cycle × 2.15 GHz × 6.75 µs.
    assert!(close(k.flops_fp32, (158.12 + 1.97) * 2.15e9 * 6.75e-6));
    // 2.33 MB / 6.75 µs = 345.19 GB/s, 19.66 % of 1,756.16 GB/s (ncu: Memory Throughput 345.14 GB/s)
    assert!(close(k.dram_gb_s, 345.185));
    assert!(close(k.dram_pct_of_peak, 19.66));
}
