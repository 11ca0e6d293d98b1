//! # latency-anatomy-capture
//!
//! The capture stage: turns the two canonical regimes of an LLM latency study into the list of sweep points
//! that a capture run measures. The sequence regime sweeps the prompt length at batch 1; the batch regime
//! sweeps the batch size at one prompt length. (The model runner and profiler drivers build on this plan.)
#![deny(missing_docs)]

pub mod plan;
