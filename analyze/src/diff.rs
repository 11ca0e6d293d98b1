//! Two analyses compared (`latency-anatomy diff A B`): totals, steps, phases, classes and kernels, each with
//! B − A, whether the change is beyond run-to-run noise, comparability checks, and a one-line verdict. Works on
//! the [`Tables`] of each side (computed once per side, or read from an analysis folder), never on the traces.
//!
//! **Noise.** A kernel's executions (or a phase's steps) are samples of its duration: a change of the mean per
//! instance is beyond noise when Welch's t, `(mean_B − mean_A) / √(s_A²/n_A + s_B²/n_B)`, reaches
//! [`T_SIGNIFICANT`] in absolute value (about p < 0.003 two-sided for large samples); with fewer than two
//! instances on a side it cannot be told (`n/a`). A total (kernel time) is a sum of independent durations: its
//! variance is the sum of `n s²` over the kernels of a side (only when kernels executed once, whose spread is
//! unknown, hold at most [`UNKNOWN_SPREAD_PCT`] % of it). With no noise estimate at all, a headline change
//! under [`SAME_WITHOUT_NOISE_PCT`] % is `same`.

use std::collections::{BTreeMap, BTreeSet};

use schema::diff::{Check, DiffReport, DiffRow, Headline, DIFF_SCHEMA};
use schema::Tables;

use crate::passes::ncu_phases::base_name;
use crate::tables::{r1, r2};

/// |t| from which a change is beyond run-to-run noise.
pub const T_SIGNIFICANT: f64 = 3.0;

/// Without any noise estimate, a headline change smaller than this (%) is `same`.
pub const SAME_WITHOUT_NOISE_PCT: f64 = 1.0;

/// Share of kernel time in matched kernels (the smaller of the two sides), %: at or above it the kernel sets
/// overlap (pass); below [`OVERLAP_FAIL_PCT`] they are different workloads (fail); in between, a warning.
pub const OVERLAP_PASS_PCT: f64 = 80.0;

/// See [`OVERLAP_PASS_PCT`].
pub const OVERLAP_FAIL_PCT: f64 = 20.0;

/// The kernel time's noise is estimated only when kernels executed once (whose spread is unknown) hold at most
/// this share of it, %.
pub const UNKNOWN_SPREAD_PCT: f64 = 5.0;

/// How kernels of the two sides are matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MatchBy {
    /// The demangled name, exactly.
    Name,
    /// The base function name (namespaces, templates, parameters and return type dropped: the normalizer of the
    /// ncu join), so a kernel matches across compiler and nsys versions.
    #[default]
    Base,
    /// The kernel class.
    Class,
}

impl MatchBy {
    /// `name`, `base` or `class`.
    pub fn as_str(self) -> &'static str {
        match self {
            MatchBy::Name => "name",
            MatchBy::Base => "base",
            MatchBy::Class => "class",
        }
    }
}

/// Inputs of a diff besides the two tables.
#[derive(Debug, Clone, Default)]
pub struct DiffOptions {
    /// Side A's input, as given (for the report).
    pub a_name: String,
    /// Side B's input, as given.
    pub b_name: String,
    /// How kernels are matched.
    pub matched_by: MatchBy,
}

/// Samples summarized: count, sum, and the sum of squares when the spread is known.
#[derive(Debug, Clone, Copy, Default)]
struct Agg {
    n: u64,
    sum: f64,
    /// Σ [(n_i − 1) s_i² + n_i m_i²] over the pooled parts; `None` when some part has no spread known.
    ss: Option<f64>,
}

impl Agg {
    fn part(n: u64, total: f64, sd: Option<f64>) -> Agg {
        let m = if n > 0 { total / n as f64 } else { 0.0 };
        Agg {
            n,
            sum: total,
            ss: sd.map(|s| (n.saturating_sub(1)) as f64 * s * s + n as f64 * m * m),
        }
    }

    fn add(&mut self, o: Agg) {
        let empty = self.n == 0 && self.sum == 0.0;
        self.ss = if empty { o.ss } else { self.ss.zip(o.ss).map(|(a, b)| a + b) };
        self.n += o.n;
        self.sum += o.sum;
    }

    fn mean(&self) -> Option<f64> {
        (self.n > 0).then(|| self.sum / self.n as f64)
    }

    /// Sample variance of the pooled samples (n ≥ 2 and spread known).
    fn var(&self) -> Option<f64> {
        let m = self.mean()?;
        let ss = self.ss?;
        (self.n >= 2).then(|| ((ss - self.n as f64 * m * m) / (self.n - 1) as f64).max(0.0))
    }

    fn of_values(v: &[i64]) -> Agg {
        let n = v.len() as u64;
        let sum: f64 = v.iter().map(|&x| x as f64).sum();
        let ss: f64 = v.iter().map(|&x| (x as f64) * (x as f64)).sum();
        Agg { n, sum, ss: Some(ss) }
    }
}

/// Welch's t of the means of `a` and `b` (None with fewer than two samples on a side or no spread known).
fn welch(a: &Agg, b: &Agg) -> Option<f64> {
    let (va, vb) = (a.var()?, b.var()?);
    let (ma, mb) = (a.mean()?, b.mean()?);
    let se = (va / a.n as f64 + vb / b.n as f64).sqrt();
    Some(if se > 0.0 {
        (mb - ma) / se
    } else if mb == ma {
        0.0
    } else {
        f64::INFINITY.copysign(mb - ma)
    })
}

fn pct(delta: f64, base: f64) -> Option<f64> {
    (base != 0.0).then(|| r2(delta / base * 100.0))
}

fn significance(t: Option<f64>) -> String {
    match t {
        Some(t) if t.abs() >= T_SIGNIFICANT => "yes".into(),
        Some(_) => "no".into(),
        None => "n/a".into(),
    }
}

/// A row comparing `a` and `b` (either may be absent).
fn row(level: &str, key: String, unit: &str, a: Option<Agg>, b: Option<Agg>, durations: bool) -> DiffRow {
    let (aa, bb) = (a.unwrap_or_default(), b.unwrap_or_default());
    let t = if durations { a.zip(b).and_then(|(a, b)| welch(&a, &b)) } else { None };
    DiffRow {
        level: level.into(),
        key,
        unit: unit.into(),
        a: r1(aa.sum),
        b: r1(bb.sum),
        delta: r1(bb.sum - aa.sum),
        delta_pct: pct(bb.sum - aa.sum, aa.sum),
        instances_a: aa.n,
        instances_b: bb.n,
        mean_a: if durations { aa.mean().map(r1) } else { None },
        mean_b: if durations { bb.mean().map(r1) } else { None },
        t_stat: t.filter(|t| t.is_finite()).map(r2),
        significant: if durations { significance(t) } else { "n/a".into() },
        share_of_delta_pct: None,
        only_in: match (a.is_some(), b.is_some()) {
            (true, false) => "a".into(),
            (false, true) => "b".into(),
            _ => String::new(),
        },
    }
}

/// Rows of `level` for every key of either side, sorted by |delta| (then key).
fn rows_of(level: &str, unit: &str, a: &BTreeMap<String, Agg>, b: &BTreeMap<String, Agg>, durations: bool) -> Vec<DiffRow> {
    let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    let mut rows: Vec<DiffRow> = keys.into_iter().map(|k| row(level, k.clone(), unit, a.get(k).copied(), b.get(k).copied(), durations)).collect();
    rows.sort_by(|x, y| y.delta.abs().total_cmp(&x.delta.abs()).then_with(|| x.key.cmp(&y.key)));
    rows
}

/// A kernel's match key.
fn kernel_key(name: &str, class: &str, by: MatchBy) -> String {
    match by {
        MatchBy::Name => name.to_string(),
        // Graph replays and nsys's bracketed names have no function name to reduce.
        MatchBy::Base if name.starts_with('[') => name.to_string(),
        MatchBy::Base => {
            let b = base_name(name);
            if b.is_empty() { name.to_string() } else { b }
        }
        MatchBy::Class => class.to_string(),
    }
}

fn kernels_by(t: &Tables, by: MatchBy) -> BTreeMap<String, Agg> {
    let mut m: BTreeMap<String, Agg> = BTreeMap::new();
    for k in &t.kernels {
        m.entry(kernel_key(&k.name, &k.class, by)).or_default().add(kernel_part(k));
    }
    m
}

/// A kernel row as samples (its spread unknown with a single execution).
fn kernel_part(k: &schema::tables::KernelRow) -> Agg {
    Agg::part(k.instances, k.total_ns as f64, (k.instances >= 2).then_some(k.stddev_ns))
}

/// Kernel time of a side and the variance of that sum (Σ n s² over the kernels executed at least twice), kept
/// only when the kernels executed once (spread unknown) hold at most [`UNKNOWN_SPREAD_PCT`] % of the time.
fn kernel_total(t: &Tables) -> (f64, u64, Option<f64>) {
    let (mut sum, mut n, mut var, mut unknown) = (0.0, 0u64, 0.0, 0.0);
    for k in &t.kernels {
        sum += k.total_ns as f64;
        n += k.instances;
        if k.instances >= 2 {
            var += k.instances as f64 * k.stddev_ns * k.stddev_ns;
        } else {
            unknown += k.total_ns as f64;
        }
    }
    (sum, n, (n >= 2 && unknown <= sum * UNKNOWN_SPREAD_PCT / 100.0).then_some(var))
}

fn classes_by(t: &Tables) -> BTreeMap<String, Agg> {
    let mut m = kernels_by(t, MatchBy::Class);
    let mem: Vec<&schema::tables::MemoryRow> = t.memory.iter().collect();
    if !mem.is_empty() {
        let e = m.entry("memory".to_string()).or_default();
        for r in mem {
            e.add(Agg::part(r.count, r.total_ns as f64, None));
        }
    }
    m
}

/// The distinct points of a side's steps.
fn points(t: &Tables) -> BTreeSet<String> {
    t.steps.iter().filter(|s| !s.point.is_empty()).map(|s| s.point.clone()).collect()
}

/// Measured steps' wall and GPU busy samples per key: the phase alone when both sides have at most one point
/// (two captures of single points compare phase to phase), else `point phase`.
fn steps_by(t: &Tables, with_point: bool) -> BTreeMap<String, (Vec<i64>, Vec<i64>)> {
    let mut m: BTreeMap<String, (Vec<i64>, Vec<i64>)> = BTreeMap::new();
    for s in t.steps.iter().filter(|s| !s.rep.starts_with("warmup_")) {
        let key = if with_point && !s.point.is_empty() { format!("{} {}", s.point, s.phase) } else { s.phase.clone() };
        let e = m.entry(key).or_default();
        e.0.push(s.wall_ns);
        e.1.push(s.gpu_busy_ns);
    }
    m
}

fn ms(ns: f64) -> String {
    format!("{:.3} ms", ns / 1e6)
}

fn gpu_names(t: &Tables) -> Vec<String> {
    let used: BTreeSet<i64> = t.timeline.iter().map(|d| d.device).collect();
    let mut v: Vec<String> = t.info.gpus.iter().filter(|g| used.is_empty() || used.contains(&g.device)).map(|g| g.name.clone()).filter(|n| !n.is_empty()).collect();
    v.sort();
    v
}

fn check(name: &str, status: &str, detail: String) -> Check {
    Check { name: name.into(), status: status.into(), detail }
}

fn ops(t: &Tables) -> u64 {
    t.summary.kernels + t.summary.memops
}

fn checks(a: &Tables, b: &Tables, overlap: Option<f64>) -> Vec<Check> {
    let mut out = Vec::new();
    let side = |t: &Tables| -> Option<String> {
        if t.is_ncu_only() {
            return Some("holds Nsight Compute data alone; diff compares nsys exports or their analyses".into());
        }
        (ops(t) == 0 && t.steps.is_empty()).then(|| "has no GPU work and no steps: nothing to compare".into())
    };
    out.push(match (side(a), side(b)) {
        (Some(w), _) => check("non_empty", "fail", format!("A {w}")),
        (_, Some(w)) => check("non_empty", "fail", format!("B {w}")),
        _ if (ops(a) == 0) != (ops(b) == 0) => check(
            "non_empty",
            "fail",
            format!("A has {} GPU ops and B {}: one side ran on the GPU and the other did not (or was not traced)", ops(a), ops(b)),
        ),
        _ => check("non_empty", "pass", format!("A has {} GPU ops and {} steps, B {} and {}", ops(a), a.steps.len(), ops(b), b.steps.len())),
    });
    let (ga, gb) = (gpu_names(a), gpu_names(b));
    out.push(if ops(a) == 0 && ops(b) == 0 {
        check("gpu_model", "pass", "no GPU work on either side (CPU runs)".into())
    } else if ga.is_empty() || gb.is_empty() {
        check("gpu_model", "warn", format!("GPU model unknown on {} (A: {ga:?}, B: {gb:?})", if ga.is_empty() && gb.is_empty() { "both sides" } else if ga.is_empty() { "A" } else { "B" }))
    } else if ga != gb {
        check("gpu_model", "fail", format!("A ran on {ga:?}, B on {gb:?}"))
    } else {
        check("gpu_model", "pass", format!("{ga:?} on both sides"))
    });
    let (da, db) = (a.timeline.len(), b.timeline.len());
    out.push(if da == db {
        check("device_count", "pass", format!("{da} device(s) with GPU work on each side"))
    } else {
        check("device_count", "fail", format!("A has GPU work on {da} device(s), B on {db}"))
    });
    out.push(match overlap {
        None => check("kernel_overlap", "pass", "no kernels on either side".into()),
        Some(p) if p >= OVERLAP_PASS_PCT => check("kernel_overlap", "pass", format!("{p:.1} % of each side's kernel time is in kernels both sides ran")),
        Some(p) if p >= OVERLAP_FAIL_PCT => check("kernel_overlap", "warn", format!("only {p:.1} % of a side's kernel time is in kernels both sides ran (kernels renamed, fused or split?)")),
        Some(p) => check("kernel_overlap", "fail", format!("only {p:.1} % of a side's kernel time is in kernels both sides ran: different workloads")),
    });
    out.push(if a.summary.phases == b.summary.phases {
        check("phases", "pass", format!("phases {:?} on both sides", a.summary.phases))
    } else {
        check("phases", "warn", format!("A has phases {:?}, B {:?}", a.summary.phases, b.summary.phases))
    });
    let (pa, pb) = (points(a), points(b));
    out.push(match (pa.is_empty(), pb.is_empty()) {
        (true, true) => check("sweep_point", "pass", "no sweep point ranges on either side".into()),
        (false, false) if pa == pb => check("sweep_point", "pass", format!("sweep point(s) {pa:?} on both sides")),
        (false, false) => check("sweep_point", "fail", format!("A is sweep point(s) {pa:?}, B {pb:?}: different sequence lengths or batches")),
        _ => check("sweep_point", "warn", format!("sweep point ranges on one side only (A: {pa:?}, B: {pb:?})")),
    });
    out
}

/// Compares B against A.
pub fn diff(a: &Tables, b: &Tables, opts: &DiffOptions) -> DiffReport {
    let mut rows: Vec<DiffRow> = Vec::new();
    // Totals.
    let ((ka, _, va), (kb, _, vb)) = (kernel_total(a), kernel_total(b));
    let kernel_t = match (va, vb) {
        (Some(va), Some(vb)) if va + vb > 0.0 => Some((kb - ka) / (va + vb).sqrt()),
        _ => None,
    };
    let total = |key: &str, unit: &str, va: f64, vb: f64, na: u64, nb: u64| {
        let mut r = row("total", key.to_string(), unit, Some(Agg { n: na, sum: va, ..Default::default() }), Some(Agg { n: nb, sum: vb, ..Default::default() }), false);
        r.only_in.clear();
        r
    };
    let mut kt = total("kernel_time", "ns", a.summary.kernel_ns as f64, b.summary.kernel_ns as f64, a.summary.kernels, b.summary.kernels);
    kt.t_stat = kernel_t.map(r2);
    kt.significant = significance(kernel_t);
    rows.push(kt);
    let busy = |t: &Tables| t.timeline.iter().map(|d| d.busy_ns as f64).sum::<f64>();
    let span = |t: &Tables| t.timeline.iter().map(|d| d.span_ns as f64).sum::<f64>();
    rows.push(total("busy_time", "ns", busy(a), busy(b), 0, 0));
    rows.push(total("span", "ns", span(a), span(b), 0, 0));
    rows.push(total("kernels", "count", a.summary.kernels as f64, b.summary.kernels as f64, 0, 0));
    rows.push(total("memop_time", "ns", a.summary.memop_ns as f64, b.summary.memop_ns as f64, a.summary.memops, b.summary.memops));
    // Steps: wall and GPU busy per measured step.
    let with_point = points(a).len() > 1 || points(b).len() > 1;
    let (sa, sb) = (steps_by(a, with_point), steps_by(b, with_point));
    for (metric, pick) in [("wall", 0usize), ("gpu_busy", 1)] {
        let agg = |m: &BTreeMap<String, (Vec<i64>, Vec<i64>)>| -> BTreeMap<String, Agg> {
            m.iter().map(|(k, v)| (format!("{k} {metric}"), Agg::of_values(if pick == 0 { &v.0 } else { &v.1 }))).collect()
        };
        let mut r = rows_of("step", "ns", &agg(&sa), &agg(&sb), true);
        // A step row compares the mean step: its a/b/delta are per step, not summed over a side's steps.
        for x in &mut r {
            let (ma, mb) = (x.mean_a.unwrap_or(0.0), x.mean_b.unwrap_or(0.0));
            x.a = ma;
            x.b = mb;
            x.delta = r1(mb - ma);
            x.delta_pct = pct(mb - ma, ma);
        }
        rows.extend(r);
    }
    // Phases: GPU time (classes.csv) and wall time (the phase's own NVTX ranges).
    let phase_gpu = |t: &Tables| -> BTreeMap<String, Agg> {
        let mut m: BTreeMap<String, Agg> = BTreeMap::new();
        for c in t.classes.iter().filter(|c| c.phase != "all") {
            m.entry(format!("{} gpu_time", c.phase)).or_default().add(Agg::part(c.instances, c.total_ns as f64, None));
        }
        m
    };
    let phase_wall = |t: &Tables| -> BTreeMap<String, Agg> {
        let mut m: BTreeMap<String, Agg> = BTreeMap::new();
        for p in &t.summary.phases {
            for r in t.nvtx_ranges.iter().filter(|r| schema::phase::base_name(&r.range).eq_ignore_ascii_case(p)) {
                m.entry(format!("{p} wall")).or_default().add(Agg::part(r.instances, r.cpu_total_ns as f64, None));
            }
        }
        m
    };
    rows.extend(rows_of("phase", "ns", &phase_wall(a), &phase_wall(b), false));
    rows.extend(rows_of("phase", "ns", &phase_gpu(a), &phase_gpu(b), false));
    // Classes and kernels, with their share of the kernel-time delta.
    let kdelta = b.summary.kernel_ns as f64 - a.summary.kernel_ns as f64;
    let share = |mut r: Vec<DiffRow>| {
        for x in &mut r {
            x.share_of_delta_pct = pct(x.delta, kdelta);
        }
        r
    };
    rows.extend(share(rows_of("class", "ns", &classes_by(a), &classes_by(b), true)));
    let (ma, mb) = (kernels_by(a, opts.matched_by), kernels_by(b, opts.matched_by));
    let kernel_rows = share(rows_of("kernel", "ns", &ma, &mb, true));
    // Kernel-set overlap: time in keys both sides have, as a share of each side's kernel time (the smaller).
    let matched = |m: &BTreeMap<String, Agg>, other: &BTreeMap<String, Agg>| m.iter().filter(|(k, _)| other.contains_key(*k)).map(|(_, v)| v.sum).sum::<f64>();
    let overlap = match (ka > 0.0, kb > 0.0) {
        (false, false) => None,
        (true, true) => Some((matched(&ma, &mb) / ka).min(matched(&mb, &ma) / kb) * 100.0),
        _ => Some(0.0),
    };
    let top: Vec<String> = kernel_rows
        .iter()
        .filter(|r| r.delta != 0.0)
        .take(3)
        .map(|r| format!("{} {}{}{}", r.key.chars().take(60).collect::<String>(), if r.delta > 0.0 { "+" } else { "−" }, ms(r.delta.abs()), if r.only_in.is_empty() { String::new() } else { format!(" (only in {})", r.only_in.to_uppercase()) }))
        .collect();
    rows.extend(kernel_rows);
    // The headline: mean step wall time over the step keys both sides have (weighted by A's step counts), else
    // the kernel time.
    let common: Vec<&String> = sa.keys().filter(|k| sb.contains_key(*k)).collect();
    let headline = if !common.is_empty() {
        let (mut ha, mut hb, mut var, mut any_var) = (0.0, 0.0, 0.0, false);
        for k in &common {
            let (x, y) = (Agg::of_values(&sa[*k].0), Agg::of_values(&sb[*k].0));
            let w = x.n as f64;
            ha += w * x.mean().unwrap_or(0.0);
            hb += w * y.mean().unwrap_or(0.0);
            if let (Some(vx), Some(vy)) = (x.var(), y.var()) {
                var += w * w * (vx / x.n as f64 + vy / y.n as f64);
                any_var = true;
            }
        }
        let t = any_var.then(|| if var > 0.0 { (hb - ha) / var.sqrt() } else if hb == ha { 0.0 } else { f64::INFINITY.copysign(hb - ha) });
        (Headline { metric: "step wall time".into(), a_ns: r1(ha), b_ns: r1(hb), delta_pct: pct(hb - ha, ha), t_stat: t.filter(|t| t.is_finite()).map(r2) }, t)
    } else {
        (Headline { metric: "GPU kernel time".into(), a_ns: ka, b_ns: kb, delta_pct: pct(kb - ka, ka), t_stat: kernel_t.map(r2) }, kernel_t)
    };
    let (headline, raw_t) = headline;
    let checks = checks(a, b, overlap);
    let failed: Vec<&Check> = checks.iter().filter(|c| c.status == "fail").collect();
    let d = headline.b_ns - headline.a_ns;
    let verdict = if !failed.is_empty() {
        "incomparable"
    } else {
        let beyond = match raw_t {
            Some(t) => t.abs() >= T_SIGNIFICANT,
            None => headline.delta_pct.is_some_and(|p| p.abs() >= SAME_WITHOUT_NOISE_PCT),
        };
        match (beyond, d) {
            (false, _) => "same",
            (true, d) if d > 0.0 => "slower",
            (true, d) if d < 0.0 => "faster",
            _ => "same",
        }
    };
    let size = format!(
        "{} {} → {} ({}{}{})",
        headline.metric,
        ms(headline.a_ns),
        ms(headline.b_ns),
        headline.delta_pct.map(|p| format!("{p:+.2} %")).unwrap_or_else(|| "n/a".into()),
        headline.t_stat.map(|t| format!(", t = {t:.1}")).unwrap_or_else(|| ", no noise estimate".into()),
        if headline.metric == "step wall time" { ", mean step weighted by A's steps" } else { "" }
    );
    let verdict_line = match verdict {
        "incomparable" => format!("incomparable: {}", failed.iter().map(|c| format!("{} ({})", c.name, c.detail)).collect::<Vec<_>>().join("; ")),
        v => format!("{v}: {size}{}", if top.is_empty() { String::new() } else { format!("; top contributors: {}", top.join(", ")) }),
    };
    DiffReport {
        schema: DIFF_SCHEMA,
        a: opts.a_name.clone(),
        b: opts.b_name.clone(),
        matched_by: opts.matched_by.as_str().into(),
        verdict: verdict.into(),
        verdict_line,
        headline,
        checks,
        rows,
    }
}

/// The exit code of `diff --gate PCT`: 0 when B is comparable and not slower than A by more than `pct` %, 3
/// when it is, 4 when the two are not comparable.
pub fn gate_code(r: &DiffReport, pct: f64) -> u8 {
    match r.verdict.as_str() {
        "incomparable" => 4,
        "slower" if r.headline.delta_pct.is_none_or(|p| p > pct) => 3,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pooled_variance_equals_the_variance_of_all_samples() {
        let (x, y) = ([3i64, 5, 9, 11], [1i64, 2, 6]);
        let all: Vec<i64> = x.iter().chain(&y).copied().collect();
        let mut p = Agg::default();
        for part in [&x[..], &y[..]] {
            let a = Agg::of_values(part);
            p.add(Agg::part(a.n, a.sum, a.var().map(f64::sqrt)));
        }
        let direct = Agg::of_values(&all);
        assert!((p.var().unwrap() - direct.var().unwrap()).abs() < 1e-9);
        assert_eq!(p.mean(), direct.mean());
    }

    #[test]
    fn welch_t() {
        let a = Agg::of_values(&[10, 12, 14]);
        let b = Agg::of_values(&[20, 22, 24]);
        // Means 12 and 22, variances 4 and 4: se = √(4/3 + 4/3).
        assert!((welch(&a, &b).unwrap() - 10.0 / (8.0f64 / 3.0).sqrt()).abs() < 1e-12);
        assert_eq!(welch(&Agg::of_values(&[5, 5]), &Agg::of_values(&[7, 7])), Some(f64::INFINITY));
        assert_eq!(welch(&Agg::of_values(&[5, 5]), &Agg::of_values(&[5, 5])), Some(0.0));
        assert_eq!(welch(&Agg::of_values(&[5]), &Agg::of_values(&[7, 8])), None);
    }
}
