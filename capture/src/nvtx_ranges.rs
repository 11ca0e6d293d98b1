//! NVTX phase ranges of a capture, all push/pop ranges in the domain [`DOMAIN`], nested per thread:
//! `s{seq}_b{batch}` (one per configuration) > `rep_{i}` (or `warmup_{i}`) > `prefill` | `decode` > `step_{k}`.
//! nsys shows them as `latency_anatomy:prefill` etc.; ncu filters them with `--nvtx-include latency_anatomy@…`.
//! Without a profiler attached the calls are no-ops.

use std::ffi::CString;
use std::sync::OnceLock;

/// The NVTX domain of every range the capture pushes.
pub use schema::phase::NVTX_DOMAIN as DOMAIN;

fn domain() -> &'static nvtx::Domain {
    static D: OnceLock<nvtx::Domain> = OnceLock::new();
    D.get_or_init(|| nvtx::Domain::new(CString::new(DOMAIN).expect("no NUL")))
}

/// A pushed range; popped when dropped.
pub struct Range(#[allow(dead_code)] nvtx::domain::LocalRange<'static>);

/// Pushes a range named `name` in the capture's domain.
pub fn push(name: &str) -> Range {
    let c = CString::new(name.replace('\0', " ")).expect("NULs replaced");
    Range(domain().local_range(c))
}
