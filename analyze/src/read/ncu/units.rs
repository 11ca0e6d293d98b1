//! Nsight Compute units → base units. ncu scales units per value (`byte`, `Kbyte`, `Mbyte` in one file; `nsecond`
//! in old files, `us` in new ones), so every value is normalized before use: bytes, seconds, hertz, cycles,
//! instructions, percent, and their ratios. SI prefixes are decimal (`Kbyte` = 1000 bytes), as ncu uses them.

/// A value converted to base units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Normalized {
    /// The value in base units.
    pub value: f64,
    /// The base unit (`byte`, `second`, `hz`, `byte/second`, `%`, `inst/cycle`, ...; `` for plain numbers).
    pub unit: &'static str,
}

/// Splits an SI prefix off a unit word: (factor, rest).
fn prefix(word: &str) -> (f64, &str) {
    // Longest spellings first; the bases we know decide whether a leading letter is a prefix.
    const BASES: [&str; 14] = [
        "byte", "second", "hz", "cycle", "inst", "warp", "block", "thread", "register", "sector", "request", "cluster", "flop", "op",
    ];
    let lower = word;
    for (p, f) in [("T", 1e12), ("G", 1e9), ("M", 1e6), ("K", 1e3), ("k", 1e3), ("m", 1e-3), ("u", 1e-6), ("µ", 1e-6), ("n", 1e-9), ("p", 1e-12)] {
        if let Some(rest) = lower.strip_prefix(p) {
            let r = rest.to_ascii_lowercase();
            if BASES.iter().any(|b| r == *b || r == format!("{b}s")) {
                return (f, rest);
            }
        }
    }
    (1.0, word)
}

/// The base unit of a word (after its prefix), with any extra factor (e.g. `ms` → second × 1e-3).
fn base(word: &str) -> Option<(f64, &'static str)> {
    let w = word.trim();
    // Short time units without a separate prefix.
    match w {
        "ns" => return Some((1e-9, "second")),
        "us" | "µs" => return Some((1e-6, "second")),
        "ms" => return Some((1e-3, "second")),
        "s" => return Some((1.0, "second")),
        "" => return Some((1.0, "")),
        "%" => return Some((1.0, "%")),
        _ => {}
    }
    let (f, rest) = prefix(w);
    let r = rest.to_ascii_lowercase();
    let r = r.strip_suffix('s').filter(|x| !x.is_empty() && *x != "pas").unwrap_or(&r).to_string();
    let unit: &'static str = match r.as_str() {
        "byte" => "byte",
        "second" | "sec" => "second",
        "hz" => "hz",
        "cycle" => "cycle",
        "inst" => "inst",
        "warp" => "warp",
        "block" => "block",
        "thread" => "thread",
        "register" => "register",
        "sector" => "sector",
        "request" => "request",
        "cluster" => "cluster",
        "flop" => "flop",
        "op" => "op",
        _ => return None,
    };
    Some((f, unit))
}

/// Converts `value` in `unit` to base units; `None` for a unit not in the table.
pub fn normalize(value: f64, unit: &str) -> Option<Normalized> {
    let unit = unit.trim();
    let (num, den) = match unit.split_once('/') {
        Some((n, d)) => (n, Some(d)),
        None => (unit, None),
    };
    let (fn_, un) = base(num)?;
    match den {
        None => Some(Normalized { value: value * fn_, unit: un }),
        Some(d) => {
            let (fd, ud) = base(d)?;
            let unit = intern_ratio(un, ud)?;
            Some(Normalized { value: value * fn_ / fd, unit })
        }
    }
}

fn intern_ratio(n: &str, d: &str) -> Option<&'static str> {
    Some(match (n, d) {
        ("byte", "second") => "byte/second",
        ("byte", "cycle") => "byte/cycle",
        ("byte", "block") => "byte/block",
        ("byte", "thread") => "byte/thread",
        ("byte", "request") => "byte/request",
        ("byte", "sector") => "byte/sector",
        ("cycle", "second") => "hz",
        ("cycle", "inst") => "cycle/inst",
        ("inst", "cycle") => "inst/cycle",
        ("inst", "second") => "inst/second",
        ("inst", "warp") => "inst/warp",
        ("register", "thread") => "register/thread",
        ("warp", "cycle") => "warp/cycle",
        ("thread", "block") => "thread/block",
        ("sector", "request") => "sector/request",
        ("sector", "second") => "sector/second",
        ("sector", "cycle") => "sector/cycle",
        ("flop", "second") => "flop/second",
        ("flop", "cycle") => "flop/cycle",
        ("op", "cycle") => "op/cycle",
        _ => return None,
    })
}

/// Parses an ncu number: thousands separators removed; `n/a`, empty or text gives `None`.
pub fn parse_number(s: &str) -> Option<f64> {
    let t = s.trim();
    if t.is_empty() || t.eq_ignore_ascii_case("n/a") {
        return None;
    }
    let cleaned: String = t.chars().filter(|&c| c != ',' && c != ' ').collect();
    cleaned.parse::<f64>().ok().filter(|v| v.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every unit string seen in the real ncu files of `../shared/realdata`, with its conversion.
    #[test]
    fn every_real_unit() {
        let cases: [(&str, f64, f64, &str); 21] = [
            ("inst", 5.0, 5.0, "inst"),
            ("%", 19.66, 19.66, "%"),
            ("", 0.12, 0.12, ""),
            ("byte", 21_760.0, 21_760.0, "byte"),
            ("cycle", 13_485.0, 13_485.0, "cycle"),
            ("cycle/second", 1.4e9, 1.4e9, "hz"),
            ("block", 24.0, 24.0, "block"),
            ("nsecond", 4_640.0, 4.64e-6, "second"),
            ("byte/block", 1024.0, 1024.0, "byte/block"),
            ("warp", 8.0, 8.0, "warp"),
            ("Ghz", 13.72, 13.72e9, "hz"),
            ("register/thread", 40.0, 40.0, "register/thread"),
            ("thread", 128.0, 128.0, "thread"),
            ("inst/cycle", 79.06, 79.06, "inst/cycle"),
            ("us", 6.75, 6.75e-6, "second"),
            ("Gbyte/s", 345.14, 345.14e9, "byte/second"),
            ("Mbyte", 2.33, 2.33e6, "byte"),
            ("byte/cycle", 128.0, 128.0, "byte/cycle"),
            ("cluster", 0.0, 0.0, "cluster"),
            ("hz", 1.0, 1.0, "hz"),
            ("Kbyte", 1.5, 1500.0, "byte"),
        ];
        for (unit, v, want, base) in cases {
            let n = normalize(v, unit).unwrap_or_else(|| panic!("{unit}"));
            assert!((n.value - want).abs() <= 1e-9 * want.abs().max(1.0), "{unit}: {} vs {want}", n.value);
            assert_eq!(n.unit, base, "{unit}");
        }
    }

    #[test]
    fn other_scalings() {
        assert_eq!(normalize(2.0, "msecond").unwrap().value, 2e-3);
        assert!((normalize(3.0, "usecond").unwrap().value - 3e-6).abs() < 1e-18);
        assert_eq!(normalize(1.0, "Tbyte/second").unwrap().value, 1e12);
        assert_eq!(normalize(2.0, "Mhz").unwrap().value, 2e6);
        assert_eq!(normalize(2.0, "ms").unwrap(), Normalized { value: 2e-3, unit: "second" });
        assert_eq!(normalize(7.0, "Kinst").unwrap().value, 7000.0);
        assert!(normalize(1.0, "furlong").is_none());
        assert!(normalize(1.0, "byte/furlong").is_none());
    }

    #[test]
    fn numbers() {
        assert_eq!(parse_number("1,046,387,753.56"), Some(1_046_387_753.56));
        assert_eq!(parse_number("21,760"), Some(21_760.0));
        assert_eq!(parse_number("n/a"), None);
        assert_eq!(parse_number("(256, 1, 1)"), None);
        assert_eq!(parse_number("CachePreferNone"), None);
        assert_eq!(parse_number(""), None);
        assert_eq!(parse_number("-3.5"), Some(-3.5));
        assert_eq!(parse_number("inf"), None);
    }
}
