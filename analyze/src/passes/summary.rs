//! The headline figures of an analysis ([`Summary`], in `tables.json`): kernel and copy counts and time, NVTX
//! range instances, how much kernel time the ranges explain.

use crate::model::{Trace, NONE};
use crate::passes::attribution::Attribution;
use crate::stats;
use crate::tables::{r2, Summary};

/// The summary of an attributed trace. Sums are taken in 128 bits and clamped: no count of rows can make them wrap.
pub fn summary(trace: &Trace, attr: &Attribution) -> Summary {
    let n_kernels = trace.kernels.len();
    let clamp = |v: i128| v.clamp(i64::MIN as i128, i64::MAX as i128) as i64;
    let kernel_ns = clamp(trace.kernels.iter().map(|k| (k.end - k.start) as i128).sum());
    let attributed_ns =
        clamp(trace.kernels.iter().enumerate().filter(|(i, _)| attr.attributed(*i)).map(|(_, k)| (k.end - k.start) as i128).sum());
    Summary {
        kernels: n_kernels as u64,
        kernel_names: {
            let mut seen = vec![false; trace.names.len()];
            trace.kernels.iter().filter(|k| !std::mem::replace(&mut seen[k.name as usize], true)).count() as u64
        },
        kernel_ns,
        memops: trace.memops.len() as u64,
        memop_ns: clamp(trace.memops.iter().map(|m| (m.end - m.start) as i128).sum()),
        nvtx_ranges: attr.range_instances,
        kernels_with_launch: attr.launch[..n_kernels].iter().filter(|&&l| l != NONE).count() as u64,
        attributed_ns,
        attributed_pct: r2(stats::pct(attributed_ns as i128, kernel_ns as i128)),
        phases: attr.phases_found.clone(),
    }
}
