//! The readers, one per input format, each into the data model ([`crate::model`]) or its own input type:
//! [`nsys`] (SQLite exports, streamed on reader threads), [`ncu`] (Nsight Compute CSV and `.ncu-rep`), [`kineto`]
//! (PyTorch-profiler Chrome-trace JSON, streamed). Below
//! them, `parscan` (rowid-range scans on reader threads) and [`directio`] (an SQLite VFS that reads past the
//! page cache). Readers import only the model, never a pass.

pub mod directio;
pub mod kineto;
pub mod ncu;
pub mod nsys;
pub(crate) mod parscan;
