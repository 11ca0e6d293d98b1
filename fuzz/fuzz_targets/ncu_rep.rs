//! The `.ncu-rep` reader on arbitrary bytes (seeded with real reports by `.ci/fuzz-smoke`): no panic, no
//! allocation driven by an unchecked length, an error that names the file and an offset inside it; on success the
//! tables built from the report (kernel rows, the long metric table) hold every launch and every value.
#![no_main]

use std::path::Path;

use latency_anatomy_analyze::passes::ncu_kernels as kernels;
use latency_anatomy_analyze::read::ncu::rep;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("fuzz.ncu-rep");
    match rep::parse(data, path) {
        Err(e) => {
            let msg = e.to_string();
            assert!(msg.contains("fuzz.ncu-rep"), "{msg}");
            if let latency_anatomy_analyze::AnalyzeError::NcuRep { offset, .. } = e {
                assert!(offset as usize <= data.len(), "offset {offset} past the end ({})", data.len());
            }
        }
        Ok(r) => {
            let f = rep::to_ncu_file(&r);
            assert_eq!(f.launches.len(), r.launches.len());
            let rows = kernels::kernel_rows("fuzz", &f, None);
            assert_eq!(rows.len(), r.launches.len());
            let values: usize = r.launches.iter().flat_map(|l| &l.metrics).map(|m| 1 + m.instances.len()).sum();
            // Metrics of one launch with the same name are kept in order; every value is a row.
            assert_eq!(kernels::metric_rows(&f).len(), values);
        }
    }
});
