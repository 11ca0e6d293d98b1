//! The classifier on every kernel name of the real exports (and the LLM kernel names of the CodeGandee
//! `nsys stats` CSVs): only names that really belong to no class may fall into `other`.

use test_support as common;

use std::collections::BTreeSet;

use latency_anatomy_analyze::passes::classify::{classify, KernelClass};

#[test]
fn only_unclassifiable_real_kernels_are_other() {
    let Some(dir) = common::realdata_or_skip("classify_real") else { return };
    let mut names: BTreeSet<String> = BTreeSet::new();
    for f in common::sqlite_files(&dir) {
        let c = common::sql(&f);
        if !common::has_table(&c, "CUPTI_ACTIVITY_KIND_KERNEL") {
            continue;
        }
        let mut st = c.prepare("SELECT DISTINCT s.value FROM CUPTI_ACTIVITY_KIND_KERNEL k JOIN StringIds s ON s.id = k.shortName").unwrap();
        names.extend(st.query_map([], |r| r.get::<_, String>(0)).unwrap().map(Result::unwrap));
    }
    for stage in ["prefill", "decode"] {
        let p = dir.join(format!("CodeGandee+llm-perf-opt/nsys-stats/{stage}/summary_cuda_gpu_kern_sum.csv"));
        let mut r = csv::Reader::from_path(p).unwrap();
        let idx = r.headers().unwrap().iter().position(|h| h == "Name").unwrap();
        names.extend(r.records().map(|x| x.unwrap()[idx].to_string()));
    }
    assert!(names.len() > 150, "{}", names.len());
    let other: BTreeSet<&str> = names.iter().filter(|n| classify(n) == KernelClass::Other).map(String::as_str).collect();
    let expected: BTreeSet<&str> = [
        // Hash join (Mordred), CloverLeaf's generic parallel-for, nvFuser's expression-evaluator kernel and
        // cuDNN's filter flip: none is a GEMM, norm, copy, reduction or elementwise op by name.
        "build_GPU2",
        "probe_group_by_GPU2",
        "par_ranged1d_kernel",
        "par_ranged2d_kernel",
        "computeOffsetsKernel",
        "nvfuser_none_f0_c0_r0_g0",
        "flip_filter",
    ]
    .into_iter()
    .collect();
    assert_eq!(other, expected);
}
