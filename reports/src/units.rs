//! Display units, chosen only when rendering: inside, times are integer ns and sizes integer bytes.

/// Formats nanoseconds with an automatic unit (ns, µs, ms, s) and 3 significant decimals at most.
pub fn fmt_ns(ns: f64) -> String {
    let a = ns.abs();
    if a < 1e3 {
        format!("{ns:.0} ns")
    } else if a < 1e6 {
        format!("{:.2} µs", ns / 1e3)
    } else if a < 1e9 {
        format!("{:.2} ms", ns / 1e6)
    } else {
        format!("{:.3} s", ns / 1e9)
    }
}

/// Formats bytes with binary-free decimal units (B, kB, MB, GB), as bandwidths are quoted in GB/s.
pub fn fmt_bytes(b: f64) -> String {
    let a = b.abs();
    if a < 1e3 {
        format!("{b:.0} B")
    } else if a < 1e6 {
        format!("{:.2} kB", b / 1e3)
    } else if a < 1e9 {
        format!("{:.2} MB", b / 1e6)
    } else {
        format!("{:.2} GB", b / 1e9)
    }
}

/// Formats a percentage with one decimal.
pub fn fmt_pct(p: f64) -> String {
    format!("{p:.1}%")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units() {
        assert_eq!(fmt_ns(999.0), "999 ns");
        assert_eq!(fmt_ns(1_500.0), "1.50 µs");
        assert_eq!(fmt_ns(2_345_678.0), "2.35 ms");
        assert_eq!(fmt_ns(3_000_000_000.0), "3.000 s");
        assert_eq!(fmt_bytes(1_555_200_000_000.0), "1555.20 GB");
        assert_eq!(fmt_bytes(512.0), "512 B");
    }
}
