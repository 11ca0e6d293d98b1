//! Dense ids (0, 1, 2… in order of first appearance) for keys that come in runs: ops of one kernel, calls of one
//! thread, rows of one process. A key equal to the one before is answered without a hash lookup.

use std::hash::Hash;

use rustc_hash::FxHashMap;

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
