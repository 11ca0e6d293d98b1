//! Nsight Compute data as both readers deliver it ([`NcuFile`]: launches with their metrics, the session details
//! of a `.ncu-rep`, notes), and the one rule for turning a written number into a measurement (`measure`).
//! [`super::csv`] and [`super::rep`] read into it; the passes read from it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::units::normalize;

/// One metric value of a launch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metric {
    /// Section (long form) or "" (wide form).
    pub section: String,
    /// `Body Item Label` of roofline section exports, else "".
    pub label: String,
    /// Value in base units; None for `n/a` and text values.
    pub value: Option<f64>,
    /// Base unit (or the unit as written when it is not in the table).
    pub unit: String,
    /// The value as written.
    pub raw: String,
    /// The unit as written.
    pub raw_unit: String,
    /// Per-instance values as written (`.ncu-rep` metrics with instance lists), empty otherwise.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub instances: Vec<String>,
}

/// One profiled kernel launch.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Launch {
    /// Launch index in the profiling session (`ID`).
    pub id: u64,
    /// Kernel name as ncu prints it.
    pub kernel_name: String,
    /// Process ID.
    pub pid: Option<i64>,
    /// CUDA context.
    pub context: Option<i64>,
    /// CUDA stream.
    pub stream: Option<i64>,
    /// Device ordinal.
    pub device: Option<i64>,
    /// Compute capability ("" when absent).
    pub cc: String,
    /// Grid size (x, y, z), when known.
    pub grid: Option<[u64; 3]>,
    /// Block size (x, y, z), when known.
    pub block: Option<[u64; 3]>,
    /// Metrics by name, every occurrence (the same name can appear in several sections, with other units).
    pub metrics: BTreeMap<String, Vec<Metric>>,
}

impl Launch {
    /// The first numeric value of `name` (base units), optionally only with base unit `unit`.
    pub fn get(&self, name: &str, unit: Option<&str>) -> Option<f64> {
        self.metrics.get(name)?.iter().filter(|m| unit.is_none_or(|u| m.unit == u)).find_map(|m| m.value)
    }

    /// The first numeric value of `name` whose section label is `label`.
    pub fn get_labeled(&self, name: &str, label: &str) -> Option<f64> {
        self.metrics.get(name)?.iter().filter(|m| m.label == label).find_map(|m| m.value)
    }
}

/// A parsed ncu CSV file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NcuFile {
    /// `details` (long) or `raw` (wide).
    pub form: String,
    /// Launches in ID order.
    pub launches: Vec<Launch>,
    /// Remarks (skipped garbled rows, units not in the table, duplicate metrics).
    pub notes: Vec<String>,
    /// Session details of a `.ncu-rep` (GPU names, versions, command line); CSV forms have none.
    #[serde(skip)]
    pub session: Option<RepSession>,
}

/// Parses `(256, 1, 1)` or `256` into dimensions.
pub fn parse_dims(s: &str) -> Option<[u64; 3]> {
    let t = s.trim().trim_start_matches('(').trim_end_matches(')');
    let parts: Vec<u64> = t.split(',').map(|p| p.trim().replace(',', "").parse::<u64>()).collect::<std::result::Result<_, _>>().ok()?;
    match parts.as_slice() {
        [x] => Some([*x, 1, 1]),
        [x, y] => Some([*x, *y, 1]),
        [x, y, z] => Some([*x, *y, *z]),
        _ => None,
    }
}

/// Percentages above this are not measurements (ncu's own can exceed 100 by a little, never by 10×).
pub const MAX_PERCENT: f64 = 1000.0;

/// True when a normalized value cannot be a measurement: not finite (a huge value overflowing when scaled),
/// negative (every ncu metric is a count, time, size, rate or ratio), or a percentage above [`MAX_PERCENT`].
pub fn out_of_range(value: f64, unit: &str) -> bool {
    !value.is_finite() || value < 0.0 || (unit == "%" && value > MAX_PERCENT)
}

/// What the readers left out or kept as written, for the file's notes.
#[derive(Default)]
pub(crate) struct Tally {
    /// Units not in the unit table, with how many values had them.
    unknown: BTreeMap<String, usize>,
    /// Values out of physical range, made missing.
    pub(super) out_of_range: usize,
}

impl Tally {
    /// The notes saying what was kept as written or made missing.
    pub(crate) fn notes(&self, notes: &mut Vec<String>) {
        for (u, n) in &self.unknown {
            notes.push(format!("unit {u:?} is not in the unit table: {n} value(s) kept as written"));
        }
        if self.out_of_range > 0 {
            notes.push(format!(
                "{} value(s) out of physical range (negative, infinite, or a percentage above {MAX_PERCENT}) were treated as missing",
                self.out_of_range
            ));
        }
    }
}

/// A number in `raw_unit` as the tables use it: in base units when the unit table knows the unit (else as
/// written, the unit counted), and missing when out of physical range (counted). Returns the value and its unit.
pub(crate) fn measure(v: f64, raw_unit: &str, tally: &mut Tally) -> (Option<f64>, String) {
    let (value, unit) = match normalize(v, raw_unit) {
        Some(n) => (n.value, n.unit.to_string()),
        None => {
            *tally.unknown.entry(raw_unit.to_string()).or_default() += 1;
            (v, raw_unit.to_string())
        }
    };
    // Out of physics: missing everywhere (empty in CSV, null in JSON), never a verdict's input.
    let bad = out_of_range(value, &unit);
    tally.out_of_range += bad as usize;
    ((!bad).then_some(value), unit)
}

/// What the session details say.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RepSession {
    /// Device names (by device id order).
    pub gpus: Vec<String>,
    /// (provider, version) pairs: "Nsight Compute Target" or "Nsight Compute", "CUDA Version", "Display Driver Version", ...
    pub versions: Vec<(String, String)>,
    /// The profiler's command line.
    pub command_line: String,
}

impl RepSession {
    /// The version of `provider` (first match), or "".
    pub fn version(&self, provider: &str) -> String {
        self.versions.iter().find(|(p, _)| p == provider).map(|(_, v)| v.clone()).unwrap_or_default()
    }

    /// The Nsight Compute version.
    pub fn ncu_version(&self) -> String {
        let v = self.version("Nsight Compute Target");
        if v.is_empty() {
            self.version("Nsight Compute")
        } else {
            v
        }
    }
}

/// Merges several exports of the same profiling session (e.g. one CSV per section): launches with the same ID
/// and kernel name become one, with the metrics of all files.
pub fn merge(files: Vec<NcuFile>) -> NcuFile {
    let mut by_key: BTreeMap<(u64, String), Launch> = BTreeMap::new();
    let mut notes = Vec::new();
    let mut forms: Vec<String> = Vec::new();
    let mut session = None;
    for f in files {
        if session.is_none() {
            session = f.session;
        }
        if !forms.contains(&f.form) {
            forms.push(f.form.clone());
        }
        notes.extend(f.notes);
        for l in f.launches {
            match by_key.get_mut(&(l.id, l.kernel_name.clone())) {
                Some(existing) => {
                    for (k, v) in l.metrics {
                        let slot = existing.metrics.entry(k).or_default();
                        for m in v {
                            if !slot.contains(&m) {
                                slot.push(m);
                            }
                        }
                    }
                    existing.grid = existing.grid.or(l.grid);
                    existing.block = existing.block.or(l.block);
                }
                None => {
                    by_key.insert((l.id, l.kernel_name.clone()), l);
                }
            }
        }
    }
    let mut launches: Vec<Launch> = by_key.into_values().collect();
    launches.sort_by(|a, b| a.id.cmp(&b.id).then(a.kernel_name.cmp(&b.kernel_name)));
    notes.dedup();
    NcuFile { form: forms.join("+"), launches, notes, session }
}
