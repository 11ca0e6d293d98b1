//! Matching ncu launches to nsys kernels. The two tools print the same kernel differently: ncu 2025 drops
//! namespaces and writes `(bool)1` as `1`; the return type (`void`, `std::enable_if<…>::type`) differs. Both
//! are reduced to a base name (the function name without namespaces, template arguments or parameters), which
//! is then matched, with the grid/block shape and the launch order breaking ties.

use std::collections::BTreeMap;

pub use schema::tables::PhaseBoundRow;

use crate::tables::NcuKernelRow;
use crate::passes::attribution::Attribution;
use crate::model::Trace;

pub use crate::model::base_name;




fn shape(d: [u32; 3]) -> String {
    format!("{},{},{}", d[0], d[1], d[2])
}

/// What joins ncu launches and nsys kernels: (base name, grid `x,y,z`, block `x,y,z`).
pub type KernelKey = (String, String, String);

/// Keys of nsys kernels: each distinct (name, launch configuration) gets one key id, made once.
pub struct KeyMaker<'t> {
    trace: &'t Trace,
    base_of: BTreeMap<u32, String>,
    ids: rustc_hash::FxHashMap<(u32, u32), u32>,
    /// The distinct keys, by id.
    pub keys: Vec<KernelKey>,
}

impl<'t> KeyMaker<'t> {
    /// A key maker over `trace`'s names.
    pub fn new(trace: &'t Trace) -> Self {
        KeyMaker { trace, base_of: BTreeMap::new(), ids: Default::default(), keys: Vec::new() }
    }

    /// The key id of `k` (index into `keys`).
    pub fn id(&mut self, k: &crate::model::Kernel) -> u32 {
        if let Some(&id) = self.ids.get(&(k.name, k.config)) {
            return id;
        }
        let trace = self.trace;
        let b = self.base_of.entry(k.name).or_insert_with(|| base_name(trace.name(k.name))).clone();
        let (grid, block) = trace.launch_config(k);
        let id = self.keys.len() as u32;
        self.keys.push((b, shape(grid), shape(block)));
        self.ids.insert((k.name, k.config), id);
        id
    }

    /// The key of `k`.
    pub fn key(&mut self, k: &crate::model::Kernel) -> KernelKey {
        let id = self.id(k);
        self.keys[id as usize].clone()
    }
}

/// ncu rows (by index) by key: the rows of the exact shape, else those of the same base name.
pub struct NcuIndex {
    by_key: BTreeMap<KernelKey, Vec<usize>>,
    by_base: BTreeMap<String, Vec<usize>>,
}

impl NcuIndex {
    /// Indexes the given (index, row) pairs.
    pub fn new<'a>(rows: impl IntoIterator<Item = (usize, &'a NcuKernelRow)>) -> Self {
        let mut ix = NcuIndex { by_key: BTreeMap::new(), by_base: BTreeMap::new() };
        for (r, row) in rows {
            ix.by_key.entry((row.base_name.clone(), row.grid.clone(), row.block.clone())).or_default().push(r);
            ix.by_base.entry(row.base_name.clone()).or_default().push(r);
        }
        ix
    }

    /// The rows describing an nsys kernel of `key`.
    pub fn lookup(&self, key: &KernelKey) -> Option<&Vec<usize>> {
        self.by_key.get(key).or_else(|| self.by_base.get(&key.0))
    }
}

/// Matches ncu rows to nsys kernels by base name + grid + block (base name alone when no shape matches),
/// fills each row's `phase` (the phase holding most of the matched kernels' time) and `nsys_kernel`, and
/// returns GPU time per (phase, verdict), phases from `attr`.
pub fn join(rows: &mut [NcuKernelRow], trace: &Trace, attr: &Attribution) -> Vec<PhaseBoundRow> {
    // nsys kernels by key id; per key id: time per phase label and executions per kernel name.
    let mut keymaker = KeyMaker::new(trace);
    let kid: Vec<u32> = trace.kernels.iter().map(|k| keymaker.id(k)).collect();
    let nkeys = keymaker.keys.len();
    let mut key_phase: Vec<BTreeMap<u8, i64>> = vec![BTreeMap::new(); nkeys];
    let mut key_names: Vec<BTreeMap<u32, usize>> = vec![BTreeMap::new(); nkeys];
    for (i, k) in trace.kernels.iter().enumerate() {
        let id = kid[i] as usize;
        *key_phase[id].entry(attr.phase[i]).or_default() += k.end - k.start;
        *key_names[id].entry(k.name).or_default() += 1;
    }
    // ncu data by key (first row wins for the verdict; bytes and % averaged).
    let index = NcuIndex::new(rows.iter().enumerate());
    // Fill phase and nsys name of each ncu row.
    for row in rows.iter_mut() {
        let want = (row.base_name.clone(), row.grid.clone(), row.block.clone());
        let exact: Vec<usize> = (0..nkeys).filter(|&j| keymaker.keys[j] == want).collect();
        let matches = if exact.is_empty() { (0..nkeys).filter(|&j| keymaker.keys[j].0 == row.base_name).collect() } else { exact };
        let mut per_phase: BTreeMap<&str, i64> = BTreeMap::new();
        let mut names: BTreeMap<u32, usize> = BTreeMap::new();
        for j in matches {
            for (&p, &ns) in &key_phase[j] {
                *per_phase.entry(attr.labels[p as usize].as_str()).or_default() += ns;
            }
            for (&n, &c) in &key_names[j] {
                *names.entry(n).or_default() += c;
            }
        }
        if let Some((p, _)) = per_phase.iter().max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0))) {
            row.phase = p.to_string();
        }
        if let Some((n, _)) = names.iter().max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0))) {
            row.nsys_kernel = trace.name(*n).to_string();
        }
    }
    // What ncu says of each key: (verdict, mean DRAM bytes, mean DRAM % of peak).
    let said: Vec<(String, Option<f64>, Option<f64>)> = keymaker
        .keys
        .iter()
        .map(|key| match index.lookup(key) {
            Some(rs) => {
                let first = &rows[rs[0]];
                let bytes: Vec<f64> = rs.iter().filter_map(|&r| rows[r].dram_bytes).collect();
                let pcts: Vec<f64> = rs.iter().filter_map(|&r| rows[r].dram_pct_of_peak).collect();
                let mean = |v: &[f64]| (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64);
                (first.bound.clone(), mean(&bytes), mean(&pcts))
            }
            None => ("unprofiled".to_string(), None, None),
        })
        .collect();
    // GPU time per (phase, verdict).
    struct Acc {
        n: u64,
        ns: i64,
        bytes: f64,
        pct_weighted: f64,
        pct_ns: i64,
    }
    let mut acc: BTreeMap<(&str, &str), Acc> = BTreeMap::new();
    let mut phase_total: BTreeMap<&str, i64> = BTreeMap::new();
    for (i, k) in trace.kernels.iter().enumerate() {
        let d = k.end - k.start;
        let (bound, bytes, pct) = &said[kid[i] as usize];
        let label = attr.label(i);
        for phase in [label, "all"] {
            let a = acc.entry((phase, bound.as_str())).or_insert(Acc { n: 0, ns: 0, bytes: 0.0, pct_weighted: 0.0, pct_ns: 0 });
            a.n += 1;
            a.ns += d;
            a.bytes += bytes.unwrap_or(0.0);
            if let Some(p) = pct {
                a.pct_weighted += p * d as f64;
                a.pct_ns += d;
            }
            *phase_total.entry(phase).or_default() += d;
            if label == "all" {
                break; // no phases: count once
            }
        }
    }
    let mut out: Vec<PhaseBoundRow> = acc
        .into_iter()
        .map(|((phase, bound), a)| PhaseBoundRow {
            pct_phase_time: crate::tables::r2(crate::stats::pct(a.ns as i128, phase_total[phase] as i128)),
            dram_pct_of_peak: (a.pct_ns > 0).then(|| crate::tables::r2(a.pct_weighted / a.pct_ns as f64)),
            phase: phase.to_string(),
            bound: bound.to_string(),
            kernels: a.n,
            total_ns: a.ns,
            dram_bytes_est: a.bytes,
        })
        .collect();
    out.sort_by(|a, b| (a.phase != "all").cmp(&(b.phase != "all")).then(a.phase.cmp(&b.phase)).then(b.total_ns.cmp(&a.total_ns)).then(a.bound.cmp(&b.bound)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nsys_and_ncu_names_reduce_to_the_same_base() {
        let pairs = [
            ("void cutlass::Kernel2<cutlass_80_tensorop_bf16_s16816gemm_relu_bf16_64x64_32x6_tn_align8>(T1::Params)", "void Kernel2<cutlass_80_tensorop_bf16_s16816gemm_relu_bf16_64x64_32x6_tn_align8>(Params)"),
            ("std::enable_if<!T7, void>::type internal::gemvx::kernel<int, int, __nv_bfloat16, (bool)0, (bool)1>(T13)", "enable_if<!T7, void>::type kernel<int, int, __nv_bfloat16, 0, 1>(T13)"),
            ("void flash::flash_fwd_splitkv_kernel<Flash_fwd_kernel_traits<(int)128, (int)64>, (bool)0>(Flash_fwd_params)", "void flash_fwd_splitkv_kernel<Flash_fwd_kernel_traits<128, 64>, false>(Flash_fwd_params)"),
        ];
        for (nsys, ncu) in pairs {
            assert_eq!(base_name(nsys), base_name(ncu), "{nsys} vs {ncu}");
        }
        assert_eq!(base_name("void cutlass::Kernel2<x>(T1::Params)"), "Kernel2");
        assert_eq!(base_name("std::enable_if<!T7, void>::type internal::gemvx::kernel<int>(T13)"), "kernel");
        assert_eq!(base_name("saxpy"), "saxpy");
        assert_eq!(base_name("ampere_sgemm_128x64_nn"), "ampere_sgemm_128x64_nn");
        assert_eq!(base_name("void at::native::(anonymous namespace)::fused_dropout_kernel_vec<double, 1, 4>(at::cuda::detail::TensorInfo<double, unsigned int>)"), "fused_dropout_kernel_vec");
    }
}
