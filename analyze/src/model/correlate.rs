//! The launch join: each GPU op to the first CUDA API call with the op's process and correlation id.
//!
//! CUPTI numbers the API calls of a process with one growing counter, and nsys stores both the API table and the GPU
//! op tables in time order. So the calls of a process, taken in table order, come out sorted by correlation id,
//! and consecutive ops ask for nearby ids. The join keeps, per process, the (correlation, call index) pairs sorted
//! (8 bytes a call, sorted only when the table was not) and finds each op by a galloping search from where the
//! previous op of that process was found: a few cache-local comparisons where a hash join takes a cache miss per
//! op once its table outgrows the cache. On the 5 M-kernel benchmark export the join step went from 0.75 s (hash
//! map, about 21 bytes a call) to 0.20 s (8 bytes a call).

use rustc_hash::FxHashMap;

use crate::model::NONE;
use crate::model::dense::DenseIds;
use crate::model::{process_key, ApiCall};

/// The sorted calls of one process.
struct Process {
    /// (correlation id, call index), sorted.
    calls: Vec<(u32, u32)>,
    /// Where the last search of this process ended.
    finger: usize,
}

/// For each op key `(process, correlation)`, the index of the first call in `calls` with that key, or [`NONE`].
pub(crate) fn lookup_launches(calls: &[ApiCall], keys: impl Iterator<Item = (i64, i64)>) -> Vec<u32> {
    let mut ids = DenseIds::default();
    let mut procs: Vec<Process> = Vec::new();
    // Correlation ids outside 0..=u32::MAX (never seen in real exports) go to a plain map.
    let mut wide: FxHashMap<(i64, i64), u32> = FxHashMap::default();
    for (i, a) in calls.iter().enumerate() {
        let p = process_key(a.global_tid);
        let Ok(c) = u32::try_from(a.correlation) else {
            wide.entry((p, a.correlation)).or_insert(i as u32);
            continue;
        };
        let at = ids.id(p);
        if at == procs.len() {
            procs.push(Process { calls: Vec::new(), finger: 0 });
        }
        procs[at].calls.push((c, i as u32));
    }
    for p in &mut procs {
        // Sorted by (correlation, index): the first call of a correlation id comes first. A stable sort finds
        // the runs of an almost sorted table.
        if !p.calls.windows(2).all(|w| w[0] <= w[1]) {
            p.calls.sort();
        }
    }
    keys.map(|(p, c)| {
        let Ok(c) = u32::try_from(c) else {
            return wide.get(&(p, c)).copied().unwrap_or(NONE);
        };
        let Some(at) = ids.get(p) else { return NONE };
        let proc = &mut procs[at];
        let i = seek(&proc.calls, proc.finger, c);
        proc.finger = i;
        match proc.calls.get(i) {
            Some(&(found, call)) if found == c => call,
            _ => NONE,
        }
    })
    .collect()
}

/// The first position in sorted `v` whose correlation is ≥ `c`, searched by galloping from `from`.
fn seek(v: &[(u32, u32)], from: usize, c: u32) -> usize {
    let n = v.len();
    let from = from.min(n);
    let bound = |lo: usize, hi: usize| lo + v[lo..hi].partition_point(|e| e.0 < c);
    if from < n && v[from].0 < c {
        // Rightwards: v[lo] < c; the answer is in (lo, hi].
        let (mut lo, mut step) = (from, 1usize);
        loop {
            let hi = lo + step;
            if hi >= n || v[hi].0 >= c {
                return bound(lo + 1, hi.min(n));
            }
            lo = hi;
            step *= 2;
        }
    } else {
        // Leftwards: v[hi] ≥ c (or hi = n); the answer is in (lo, hi].
        let (mut hi, mut step) = (from, 1usize);
        loop {
            if hi == 0 {
                return 0;
            }
            let lo = hi.saturating_sub(step);
            if v[lo].0 < c {
                return bound(lo + 1, hi);
            }
            hi = lo;
            step *= 2;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plain definition: a map from (process, correlation) to the first call.
    fn reference(calls: &[ApiCall], keys: &[(i64, i64)]) -> Vec<u32> {
        let mut first: std::collections::HashMap<(i64, i64), u32> = std::collections::HashMap::new();
        for (i, a) in calls.iter().enumerate() {
            first.entry((process_key(a.global_tid), a.correlation)).or_insert(i as u32);
        }
        keys.iter().map(|k| first.get(k).copied().unwrap_or(NONE)).collect()
    }

    fn call(pid: i64, tid: i64, correlation: i64) -> ApiCall {
        ApiCall { start: 0, end: 0, global_tid: (pid << 24) | tid, correlation }
    }

    /// A small xorshift generator: the tests need no extra crate and stay reproducible.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n.max(1)
        }
    }

    #[test]
    fn seek_finds_the_lower_bound_from_any_start() {
        let v: Vec<(u32, u32)> = [1u32, 3, 3, 3, 7, 9, 9, 20].iter().enumerate().map(|(i, &c)| (c, i as u32)).collect();
        for c in 0..25u32 {
            let want = v.partition_point(|e| e.0 < c);
            for from in 0..=v.len() + 2 {
                assert_eq!(seek(&v, from, c), want, "c={c} from={from}");
            }
        }
        assert_eq!(seek(&[], 0, 5), 0);
    }

    #[test]
    fn matches_the_plain_map_on_random_tables() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        for case in 0..300 {
            let n = rng.below(400) as usize;
            let procs = 1 + rng.below(3) as i64;
            // Mostly growing ids per process (as CUPTI writes them), with shuffles, duplicates, odd values.
            let mut next = vec![rng.below(50) as i64; procs as usize];
            let mut calls = Vec::new();
            for _ in 0..n {
                let p = rng.below(procs as u64) as i64;
                let c = match rng.below(20) {
                    0 => rng.below(300) as i64,                 // out of order
                    1 => next[p as usize] - 1,                  // duplicate of the last
                    2 if case % 7 == 0 => -1 - rng.below(5) as i64, // negative
                    3 if case % 11 == 0 => u32::MAX as i64 + 1 + rng.below(3) as i64,
                    _ => {
                        next[p as usize] += 1 + rng.below(4) as i64;
                        next[p as usize]
                    }
                };
                calls.push(call(p + 1, rng.below(4) as i64, c));
            }
            if case % 5 == 0 {
                // Whole table out of order.
                for i in (1..calls.len()).rev() {
                    let j = rng.below(i as u64 + 1) as usize;
                    calls.swap(i, j);
                }
            }
            // Ops: mostly the calls' keys in a jittered order, plus keys that match nothing.
            let mut keys: Vec<(i64, i64)> = calls.iter().map(|a| (process_key(a.global_tid), a.correlation)).collect();
            for i in 0..keys.len() {
                let j = (i + rng.below(8) as usize).min(keys.len() - 1);
                keys.swap(i, j);
            }
            for _ in 0..rng.below(20) {
                let p = 1 + rng.below(procs as u64 + 1) as i64;
                keys.push((p << 24, rng.below(400) as i64 - 10));
            }
            assert_eq!(lookup_launches(&calls, keys.iter().copied()), reference(&calls, &keys), "case {case}");
        }
    }
}
