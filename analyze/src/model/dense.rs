//! Dense ids (0, 1, 2… in order of first appearance) for keys that come in runs: ops of one kernel, calls of one
//! thread, rows of one process. A key equal to the one before is answered without a hash lookup.

use std::hash::Hash;

use rustc_hash::FxHashMap;

/// The indices of `keys` grouped by key (a counting sort; [`crate::model::NONE`] keys left out): returns
/// `(first, members)`, where the members of key `k` are `members[first[k]..first[k + 1]]`, in index order.
pub(crate) fn group_by_key(keys: &[u32], n_keys: usize) -> (Vec<u32>, Vec<u32>) {
    let mut first = vec![0u32; n_keys + 1];
    for &k in keys {
        if k != crate::model::NONE {
            first[k as usize + 1] += 1;
        }
    }
    for i in 1..first.len() {
        first[i] += first[i - 1];
    }
    let mut members = vec![0u32; first[n_keys] as usize];
    let mut fill = first.clone();
    for (i, &k) in keys.iter().enumerate() {
        if k != crate::model::NONE {
            members[fill[k as usize] as usize] = i as u32;
            fill[k as usize] += 1;
        }
    }
    (first, members)
}

pub(crate) struct DenseIds<K> {
    map: FxHashMap<K, usize>,
    last: Option<(K, usize)>,
}

impl<K> Default for DenseIds<K> {
    fn default() -> Self {
        DenseIds { map: FxHashMap::default(), last: None }
    }
}

impl<K: Copy + Eq + Hash> DenseIds<K> {
    /// The id of `key`, a new one (the number of keys seen so far) when it is new.
    pub(crate) fn id(&mut self, key: K) -> usize {
        match self.last {
            Some((k, i)) if k == key => i,
            _ => {
                let n = self.map.len();
                let i = *self.map.entry(key).or_insert(n);
                self.last = Some((key, i));
                i
            }
        }
    }

    /// The id of `key` when it has one.
    pub(crate) fn get(&mut self, key: K) -> Option<usize> {
        match self.last {
            Some((k, i)) if k == key => Some(i),
            _ => {
                let i = *self.map.get(&key)?;
                self.last = Some((key, i));
                Some(i)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_follow_first_appearance() {
        let mut d = DenseIds::default();
        let ids: Vec<usize> = [7, 7, 3, 7, 3, 3, 9, 7].iter().map(|&k| d.id(k)).collect();
        assert_eq!(ids, [0, 0, 1, 0, 1, 1, 2, 0]);
        assert_eq!(d.get(9), Some(2));
        assert_eq!(d.get(9), Some(2));
        assert_eq!(d.get(4), None);
        assert_eq!(d.get(3), Some(1));
    }
}
