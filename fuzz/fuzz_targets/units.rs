//! The unit normalizer and number parser: any unit and value text, no panic, finite results.
#![no_main]

use latency_anatomy_analyze::read::ncu::units::{normalize, parse_number};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (value, unit) = text.split_once('|').unwrap_or((&text, ""));
    if let Some(v) = parse_number(value) {
        assert!(v.is_finite());
        if let Some(n) = normalize(v, unit) {
            assert!(!n.value.is_nan());
        }
    }
    let _ = normalize(1.0, &text);
});
