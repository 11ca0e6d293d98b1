//! # latency-anatomy-capture
//!
//! The capture stage: runs a Qwen2-family model with candle in the two canonical regimes of an LLM latency study
//! (sequence sweep at batch 1, batch sweep at one prompt length), with NVTX ranges around every configuration,
//! rep, prefill and decode step, and measures latency percentiles, TTFT, inter-token latency, throughput and
//! memory.
//!
//! ```text
//! latency-anatomy sweep --model tiny --random-weights --device cpu --seq 128,256 --batch-sizes 1 --out s.csv
//! ```
//! writes one CSV row per configuration ([`metrics::SweepRow`]) and one row per measured rep
//! ([`metrics::RepTiming`]) to `s.reps.csv`.
#![deny(missing_docs)]

pub mod error;
pub mod mem;
pub mod manifest;
pub mod metrics;
pub mod model;
pub mod nvtx_ranges;
pub mod plan;
pub mod profiler;
pub mod run;
pub mod sweep;
pub mod text;

pub use error::{CaptureError, Result};
