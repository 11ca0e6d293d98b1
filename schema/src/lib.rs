//! # latency-anatomy-schema
//!
//! The file contracts between latency-anatomy's stages, declared once. Stages talk only through files
//! (`capture` writes a run folder, `analyze` reads traces and writes tables, `reports` renders tables), so each
//! file's layout lives here, and every stage depends on this small crate (serde only) instead of on each other:
//!
//! | file | type | written by | read by |
//! |---|---|---|---|
//! | `seq_sweep.csv`, `batch_sweep.csv`, `nsys/<point>.csv` | [`sweep::SweepRow`] | capture | reports, analyze |
//! | `manifest.json` | [`manifest::Manifest`] | capture | reports |
//! | `tables.json` | [`tables::Tables`] | analyze | reports |
//! | `<table>.csv`, `<table>.parquet` | one row type per table, listed in [`table::visit`] | analyze | users' scripts |
//! | `diff.json`, `diff.csv` | [`diff::DiffReport`], [`diff::DiffRow`] | diff | reports, CI jobs |
//! | `fleet.csv` | [`fleet::FleetRow`] | analyze (many inputs) | users' scripts |
//!
//! NVTX range and phase names shared by the capture and the analyses are in [`phase`].
#![deny(missing_docs)]

pub mod diff;
pub mod fleet;
pub mod io;
pub mod manifest;
pub mod phase;
pub mod sweep;
pub mod table;
pub mod tables;

pub use manifest::{Manifest, Step, StepStatus, MANIFEST_SCHEMA};
pub use sweep::SweepRow;
pub use table::{ColType, Column, Table, TableInfo};
pub use tables::{GpuInfo, Summary, Tables, TraceInfo, TABLES_SCHEMA};
