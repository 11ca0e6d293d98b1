//! Kernel-name normalization (nsys ↔ ncu join), classification and markdown escaping: any name, no panic, and
//! an escaped name never breaks a table row.
#![no_main]

use latency_anatomy_analyze::passes::classify::classify;
use latency_anatomy_analyze::passes::ncu_phases::base_name;
use latency_anatomy_reports::markdown::escape_cell;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let name = String::from_utf8_lossy(data);
    let b = base_name(&name);
    assert!(b.len() <= name.len());
    let _ = classify(&name);
    let e = escape_cell(&name, 200);
    assert!(!e.contains('\n') && !e.contains('\r'));
    assert!(!e.contains('<') && !e.contains('`'));
    let bytes = e.as_bytes();
    for (i, &c) in bytes.iter().enumerate() {
        if c == b'|' {
            // every pipe is escaped by a backslash that is not itself escaped
            let mut k = i;
            let mut slashes = 0;
            while k > 0 && bytes[k - 1] == b'\\' {
                slashes += 1;
                k -= 1;
            }
            assert!(slashes % 2 == 1, "unescaped pipe in {e:?}");
        }
    }
});
