//! What no measurement can be: timestamps beyond any profiling clock, ops longer than a day, ids that are not
//! ids, byte counts beyond a PiB. Such rows are left out of every table and counted in the notes.

use std::collections::BTreeMap;

/// Timestamps beyond ±2^60 ns (36 years) cannot come from a profiling clock (and any two of them subtract
/// without overflow).
pub const MAX_ABS_TIMESTAMP_NS: i64 = 1 << 60;
/// True for a timestamp no profiling clock gives: beyond ±[`MAX_ABS_TIMESTAMP_NS`].
pub(crate) fn off_clock(ts: i64) -> bool {
    ts.unsigned_abs() > MAX_ABS_TIMESTAMP_NS as u64
}

/// The note for `n` rows of `table` left out as implausible.
pub(crate) fn excluded_note(n: u64, table: &str, why: &str, consequence: &str) -> String {
    format!("{n} row(s) of {table} excluded as implausible ({why}); {consequence}")
}

/// A single GPU operation lasting more than a day is not a measurement.
pub const MAX_OP_NS: i64 = 86_400_000_000_000;
/// Device ordinals above this are not real devices.
pub const MAX_DEVICE_ID: i64 = 65_535;
/// A single copy or set of more than 1 PiB is not a measurement.
pub const MAX_OP_BYTES: i64 = 1 << 50;

/// Why an op row cannot be a measurement (timestamps out of any clock's range, longer than [`MAX_OP_NS`],
/// device or stream ids that are not ids, byte counts outside 0..=[`MAX_OP_BYTES`]); `None` when plausible. A row
/// that ends before it starts is plausible here: [`Trace::sanitize`] counts it as 0 ns, as before.
pub(crate) fn implausible(start: i64, end: i64, device: i64, stream: i64, bytes: Option<i64>) -> Option<&'static str> {
    if off_clock(start) || off_clock(end) {
        Some(OFF_CLOCK)
    } else if end as i128 - start as i128 > MAX_OP_NS as i128 {
        Some("longer than a day")
    } else if !(0..=MAX_DEVICE_ID).contains(&device) {
        Some("deviceId outside 0..=65535")
    } else if i32::try_from(stream).is_err() {
        Some("streamId outside 32 bits")
    } else if bytes.is_some_and(|b| !(0..=MAX_OP_BYTES).contains(&b)) {
        Some("bytes outside 0..=1 PiB")
    } else {
        None
    }
}

/// Why a row with [`off_clock`] timestamps is left out.
pub(crate) const OFF_CLOCK: &str = "timestamps beyond ±2^60 ns";

/// Rows left out as implausible, per table and reason, for the report's notes.
#[derive(Default)]
pub(crate) struct Excluded(BTreeMap<(&'static str, &'static str), u64>);

impl Excluded {
    pub(crate) fn add(&mut self, table: &'static str, why: &'static str) {
        *self.0.entry((table, why)).or_insert(0) += 1;
    }

    pub(crate) fn notes(&self, notes: &mut Vec<String>) {
        for ((table, why), n) in &self.0 {
            notes.push(excluded_note(*n, table, why, "they are in no table"));
        }
    }
}

