//! Small numeric helpers shared by the analyses: summary statistics and interval unions.

/// Summary of a set of integer durations (ns) or sizes (bytes).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Summary {
    /// Number of values.
    pub count: u64,
    /// Sum.
    pub total: i128,
    /// Mean.
    pub avg: f64,
    /// Median (mean of the two middle values for an even count), as nsys's `median()`.
    pub med: f64,
    /// Minimum.
    pub min: i64,
    /// Maximum.
    pub max: i64,
    /// Sample standard deviation (n − 1 in the denominator; 0 for a single value), as nsys's `stdev()`.
    pub stddev: f64,
}

/// Summarizes `values` (reordered in place), in linear time.
pub fn summarize(values: &mut [i64]) -> Summary {
    if values.is_empty() {
        return Summary::default();
    }
    let n = values.len();
    let (mut total, mut min, mut max) = (0i128, i64::MAX, i64::MIN);
    for &v in values.iter() {
        total += v as i128;
        min = min.min(v);
        max = max.max(v);
    }
    let avg = total as f64 / n as f64;
    let stddev = if n > 1 {
        let ss: f64 = values.iter().map(|&v| (v as f64 - avg).powi(2)).sum();
        (ss / (n as f64 - 1.0)).sqrt()
    } else {
        0.0
    };
    Summary { count: n as u64, total, avg, med: median(values), min, max, stddev }
}

/// Merges intervals `[start, end)` into disjoint sorted ones. Intervals with `end <= start` are dropped.
pub fn union(intervals: &mut [(i64, i64)]) -> Vec<(i64, i64)> {
    intervals.sort_unstable();
    let mut out: Vec<(i64, i64)> = Vec::new();
    for &(s, e) in intervals.iter() {
        if e <= s {
            continue;
        }
        match out.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

/// [`union`] in place: sorts `v` and replaces it by its merged, disjoint, non-empty intervals (no second buffer).
pub fn union_in_place(v: &mut Vec<(i64, i64)>) {
    v.sort_unstable();
    let mut n = 0usize;
    for i in 0..v.len() {
        let (s, e) = v[i];
        if e <= s {
            continue;
        }
        if n > 0 && s <= v[n - 1].1 {
            v[n - 1].1 = v[n - 1].1.max(e);
        } else {
            v[n] = (s, e);
            n += 1;
        }
    }
    v.truncate(n);
}

/// The union of two streams of intervals, each sorted by start (as [`union_in_place`] or [`sorted_union`] leave
/// them), handed to `f` in order: the same intervals as [`union`] of both together, in linear time and without a
/// buffer (the two streams merged by start, then [`sorted_union`]).
pub fn for_each_merged(a: impl IntoIterator<Item = (i64, i64)>, b: impl IntoIterator<Item = (i64, i64)>, f: impl FnMut((i64, i64))) {
    let (mut a, mut b) = (a.into_iter().peekable(), b.into_iter().peekable());
    let by_start = std::iter::from_fn(move || match (a.peek(), b.peek()) {
        (Some(x), Some(y)) if x.0 <= y.0 => a.next(),
        (_, Some(_)) => b.next(),
        _ => a.next(),
    });
    sorted_union(by_start).for_each(f);
}

/// The union of intervals given in order of start, as disjoint, sorted, non-empty intervals, computed as they are
/// read (no buffer, no sort). Empty intervals (`end <= start`) are dropped.
pub fn sorted_union<I: IntoIterator<Item = (i64, i64)>>(intervals: I) -> SortedUnion<I::IntoIter> {
    SortedUnion { it: intervals.into_iter(), cur: None }
}

/// The iterator of [`sorted_union`].
pub struct SortedUnion<I> {
    it: I,
    cur: Option<(i64, i64)>,
}

impl<I: Iterator<Item = (i64, i64)>> Iterator for SortedUnion<I> {
    type Item = (i64, i64);
    fn next(&mut self) -> Option<(i64, i64)> {
        for (s, e) in self.it.by_ref() {
            if e <= s {
                continue;
            }
            match &mut self.cur {
                Some(c) if s <= c.1 => c.1 = c.1.max(e),
                _ => {
                    if let Some(c) = self.cur.replace((s, e)) {
                        return Some(c);
                    }
                }
            }
        }
        self.cur.take()
    }
}

/// Median (mean of the two middle values for an even count; 0 when empty), in linear time (`values` is reordered).
pub fn median(values: &mut [i64]) -> f64 {
    let n = values.len();
    if n == 0 {
        return 0.0;
    }
    let (lower, &mut hi, _) = values.select_nth_unstable(n / 2);
    if n % 2 == 1 {
        hi as f64
    } else {
        let lo = *lower.iter().max().expect("n >= 2");
        (lo as f64 + hi as f64) / 2.0
    }
}

/// Total length of disjoint intervals.
pub fn covered(disjoint: &[(i64, i64)]) -> i64 {
    disjoint.iter().map(|(s, e)| e - s).sum()
}

/// Percentage `part / whole × 100`, 0 when `whole` is 0.
pub fn pct(part: i128, whole: i128) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 * 100.0 / whole as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reproducible pseudo-random numbers below `m`.
    fn xorshift(mut x: u64) -> impl FnMut(u64) -> i64 {
        move |m: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % m) as i64
        }
    }

    #[test]
    fn median_and_stddev_follow_nsys() {
        let s = summarize(&mut [4, 1, 3, 2]);
        assert_eq!(s.med, 2.5);
        assert_eq!(s.total, 10);
        assert!((s.stddev - 1.2909944487358056).abs() < 1e-12);
        assert_eq!(summarize(&mut [7]).stddev, 0.0);
        assert_eq!(summarize(&mut []).count, 0);
    }

    #[test]
    fn median_in_linear_time_is_the_sorted_median() {
        for v in [vec![], vec![5], vec![4, 1, 3, 2], vec![9, -1, 9, 3, 3, 7, 0], vec![2, 2, 2, 1]] {
            let mut a = v.clone();
            assert_eq!(median(&mut a), summarize(&mut v.clone()).med, "{v:?}");
        }
    }

    #[test]
    fn merging_unions_and_sorted_streams_gives_the_union() {
        let mut rnd = xorshift(987654321);
        for _ in 0..300 {
            // Sorted by start only (ends in any order), some empty, touching, nested.
            let mut a: Vec<(i64, i64)> = (0..rnd(40)).map(|_| (rnd(200), rnd(30) - 3)).map(|(s, d)| (s, s + d)).collect();
            let mut b: Vec<(i64, i64)> = (0..rnd(40)).map(|_| (rnd(200), rnd(30) - 3)).map(|(s, d)| (s, s + d)).collect();
            a.sort_by_key(|v| v.0);
            b.sort_by_key(|v| v.0);
            let mut all: Vec<(i64, i64)> = a.iter().chain(&b).copied().collect();
            let want = union(&mut all);
            let ua: Vec<(i64, i64)> = sorted_union(a.iter().copied()).collect();
            assert_eq!(ua, union(&mut a.clone()));
            // Merged straight from the raw sorted streams, and from their unions.
            let mut got = Vec::new();
            for_each_merged(a.iter().copied(), b.iter().copied(), |x| got.push(x));
            assert_eq!(got, want);
            got.clear();
            for_each_merged(sorted_union(a.iter().copied()), sorted_union(b.iter().copied()), |x| got.push(x));
            assert_eq!(got, want);
            // And from the unions made in place.
            union_in_place(&mut a);
            union_in_place(&mut b);
            got.clear();
            for_each_merged(a.iter().copied(), b.iter().copied(), |x| got.push(x));
            assert_eq!(got, want);
        }
    }

    #[test]
    fn union_merges_overlaps_and_touching() {
        let u = union(&mut [(5, 7), (0, 2), (1, 3), (3, 4), (9, 9)]);
        assert_eq!(u, vec![(0, 4), (5, 7)]);
        assert_eq!(covered(&u), 6);
    }
}
