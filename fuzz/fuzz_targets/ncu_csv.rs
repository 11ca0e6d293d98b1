//! The ncu CSV reader and the kernel rows built from it: any bytes give rows or an error, never a panic.
#![no_main]

use latency_anatomy_analyze::passes::ncu_kernels as kernels;
use latency_anatomy_analyze::read::ncu::csv;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(f) = csv::parse(&text, std::path::Path::new("fuzz.csv")) {
        let rows = kernels::kernel_rows("fuzz.csv", &f, Some(1e12));
        assert_eq!(rows.len(), f.launches.len());
        for r in rows {
            if let Some(p) = r.dram_pct_of_peak {
                assert!(!p.is_nan());
            }
        }
    }
});
