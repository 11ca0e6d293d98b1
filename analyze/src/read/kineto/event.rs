//! One trace event, parsed from its own bytes with the fields the analysis reads borrowed from them. Fields of an
//! unexpected type do not fail the event: they read as absent, and the loader decides whether the event is still
//! usable (and counts it in the notes when not).

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

/// The fields of a Chrome trace event that the analysis reads.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Event<'a> {
    #[serde(borrow, default, deserialize_with = "text")]
    pub(crate) ph: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "text")]
    pub(crate) cat: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "text")]
    pub(crate) name: Option<Cow<'a, str>>,
    #[serde(default)]
    pub(crate) pid: Lenient,
    #[serde(default)]
    pub(crate) tid: Lenient,
    #[serde(borrow, default, deserialize_with = "raw")]
    pub(crate) ts: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "raw")]
    pub(crate) dur: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub(crate) args: Args<'a>,
}

/// The `args` of an event that the analysis reads.
#[derive(Debug, Default)]
pub(crate) struct Args<'a> {
    pub(crate) device: Lenient,
    pub(crate) stream: Lenient,
    pub(crate) correlation: Lenient,
    pub(crate) bytes: Lenient,
    pub(crate) grid: Option<[u32; 3]>,
    pub(crate) block: Option<[u32; 3]>,
    pub(crate) graph_id: Lenient,
    pub(crate) kind: Option<Cow<'a, str>>,
}

/// A number that may be written as an integer, a float or a numeric string; anything else reads as absent.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub(crate) struct Lenient(pub(crate) Option<i64>);

impl<'de> Deserialize<'de> for Lenient {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Lenient;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number")
            }
            fn visit_i64<E>(self, v: i64) -> Result<Lenient, E> {
                Ok(Lenient(Some(v)))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Lenient, E> {
                Ok(Lenient(i64::try_from(v).ok()))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Lenient, E> {
                Ok(Lenient((v.is_finite() && v.fract() == 0.0 && v.abs() < 9.0e18).then_some(v as i64)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Lenient, E> {
                Ok(Lenient(v.trim().parse().ok()))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Lenient, E> {
                Ok(Lenient(None))
            }
            fn visit_unit<E>(self) -> Result<Lenient, E> {
                Ok(Lenient(None))
            }
            fn visit_none<E>(self) -> Result<Lenient, E> {
                Ok(Lenient(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Lenient, A::Error> {
                while s.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Lenient(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Lenient, A::Error> {
                while m.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Lenient(None))
            }
        }
        d.deserialize_any(V)
    }
}

/// Text, borrowed when it holds no escapes; any other JSON type reads as absent.
fn text<'de: 'a, 'a, D: Deserializer<'de>>(d: D) -> Result<Option<Cow<'a, str>>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Option<Cow<'de, str>>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a string")
        }
        fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
            Ok(Some(Cow::Borrowed(v)))
        }
        fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(Cow::Owned(v.to_string())))
        }
        fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
            Ok(Some(Cow::Owned(v)))
        }
        fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Self::Value, A::Error> {
            while s.next_element::<IgnoredAny>()?.is_some() {}
            Ok(None)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
            while m.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok(None)
        }
    }
    d.deserialize_any(V)
}

/// The raw text of a value (timestamps are read from their decimal text, not through a float).
fn raw<'de: 'a, 'a, D: Deserializer<'de>>(d: D) -> Result<Option<&'a RawValue>, D::Error> {
    <&RawValue>::deserialize(d).map(Some)
}

/// `[x, y, z]` of small non-negative integers (a kernel's grid or block), else absent.
struct Dim3(Option<[u32; 3]>);

impl<'de> Deserialize<'de> for Dim3 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Dim3;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("[x, y, z]")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Dim3, A::Error> {
                let mut out = [0u32; 3];
                let mut n = 0;
                let mut ok = true;
                while let Some(Lenient(v)) = s.next_element::<Lenient>()? {
                    match (n < 3, v.and_then(|v| u32::try_from(v).ok())) {
                        (true, Some(v)) => out[n] = v,
                        _ => ok = false,
                    }
                    n += 1;
                }
                Ok(Dim3((ok && n == 3).then_some(out)))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Dim3, A::Error> {
                while m.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Dim3(None))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Dim3, E> {
                Ok(Dim3(None))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Dim3, E> {
                Ok(Dim3(None))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Dim3, E> {
                Ok(Dim3(None))
            }
            fn visit_str<E>(self, _: &str) -> Result<Dim3, E> {
                Ok(Dim3(None))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Dim3, E> {
                Ok(Dim3(None))
            }
            fn visit_unit<E>(self) -> Result<Dim3, E> {
                Ok(Dim3(None))
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Args<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Args<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Args<'a>, A::Error> {
                let mut a = Args::default();
                while let Some(key) = m.next_key::<Cow<'de, str>>()? {
                    match key.as_ref() {
                        "device" => a.device = m.next_value()?,
                        "stream" => a.stream = m.next_value()?,
                        "correlation" => a.correlation = m.next_value()?,
                        "bytes" => a.bytes = m.next_value()?,
                        "grid" => a.grid = m.next_value::<Dim3>()?.0,
                        "block" => a.block = m.next_value::<Dim3>()?.0,
                        "graph id" => a.graph_id = m.next_value()?,
                        "kind" => a.kind = m.next_value_seed(TextSeed)?,
                        _ => {
                            m.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(a)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Args<'a>, A::Error> {
                while s.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Args::default())
            }
            fn visit_i64<E>(self, _: i64) -> Result<Args<'a>, E> {
                Ok(Args::default())
            }
            fn visit_u64<E>(self, _: u64) -> Result<Args<'a>, E> {
                Ok(Args::default())
            }
            fn visit_f64<E>(self, _: f64) -> Result<Args<'a>, E> {
                Ok(Args::default())
            }
            fn visit_str<E>(self, _: &str) -> Result<Args<'a>, E> {
                Ok(Args::default())
            }
            fn visit_bool<E>(self, _: bool) -> Result<Args<'a>, E> {
                Ok(Args::default())
            }
            fn visit_unit<E>(self) -> Result<Args<'a>, E> {
                Ok(Args::default())
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// [`text`] as a seed, for map values.
struct TextSeed;

impl<'de> de::DeserializeSeed<'de> for TextSeed {
    type Value = Option<Cow<'de, str>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        text(d)
    }
}

/// A decimal number of microseconds (`1365627862757.064`, `12`, `-3.5`, `1.2e3`) as integer nanoseconds, rounded
/// once to the nearest (ties away from zero). Plain decimals are converted digit by digit, so that no precision is
/// lost even on epoch timestamps (1.7e15 µs, where a float keeps only quarter microseconds); exponent forms go
/// through a float. `None` for anything that is not a finite number within ±2^62 ns.
pub(crate) fn us_to_ns(text: &str) -> Option<i64> {
    let t = text.trim();
    let (neg, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t),
    };
    if digits.contains(['e', 'E']) {
        let v: f64 = t.parse().ok()?;
        let ns = (v * 1000.0).round();
        return (ns.is_finite() && ns.abs() < (1u64 << 62) as f64).then_some(ns as i64);
    }
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if int.is_empty() && frac.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut ns: i128 = 0;
    for b in int.bytes() {
        ns = ns * 10 + (b - b'0') as i128;
        if ns > 1 << 62 {
            return None;
        }
    }
    let f = frac.as_bytes();
    for i in 0..3 {
        ns = ns * 10 + f.get(i).map_or(0, |b| (b - b'0') as i128);
    }
    // Round half away from zero on the fourth fraction digit.
    if f.get(3).is_some_and(|&b| b >= b'5') {
        ns += 1;
    }
    if ns > 1 << 62 {
        return None;
    }
    Some(if neg { -(ns as i64) } else { ns as i64 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn microseconds_to_nanoseconds_exactly() {
        assert_eq!(us_to_ns("1365627862757.064"), Some(1_365_627_862_757_064));
        assert_eq!(us_to_ns("1751410836000000.0015"), Some(1_751_410_836_000_000_002));
        assert_eq!(us_to_ns("0.0004"), Some(0));
        assert_eq!(us_to_ns("0.0005"), Some(1));
        assert_eq!(us_to_ns("-1.0005"), Some(-1001));
        assert_eq!(us_to_ns("12"), Some(12_000));
        assert_eq!(us_to_ns("1.5e3"), Some(1_500_000));
        assert_eq!(us_to_ns(".5"), Some(500));
        for bad in ["", "-", ".", "1.2.3", "abc", "1e400", "99999999999999999999999", "\"1\"", "NaN"] {
            assert_eq!(us_to_ns(bad), None, "{bad}");
        }
    }

    #[test]
    fn odd_fields_read_as_absent() {
        let e: Event = serde_json::from_str(r#"{"ph": "X", "cat": 7, "name": "a\nb", "pid": "Spans", "tid": 3.0, "ts": 1.5,
            "args": {"device": "2", "stream": [1], "grid": [1, 2], "block": [1, 2, 3], "kind": "DtoD", "correlation": 1e3, "x": {"y": 1}}}"#).unwrap();
        assert_eq!(e.cat, None);
        assert_eq!(e.name.as_deref(), Some("a\nb"));
        assert_eq!((e.pid, e.tid), (Lenient(None), Lenient(Some(3))));
        assert_eq!(e.ts.map(|r| r.get()), Some("1.5"));
        assert_eq!((e.args.device, e.args.stream, e.args.correlation), (Lenient(Some(2)), Lenient(None), Lenient(Some(1000))));
        assert_eq!((e.args.grid, e.args.block), (None, Some([1, 2, 3])));
        assert_eq!(e.args.kind.as_deref(), Some("DtoD"));
        let e: Event = serde_json::from_str(r#"{"args": 5}"#).unwrap();
        assert!(e.ph.is_none() && e.args.correlation.0.is_none());
    }
}
