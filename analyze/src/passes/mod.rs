//! The analyses: one per file, each producing its registered table (declared in `schema::tables`):
//!
//! | pass | table |
//! |---|---|
//! | [`kernels`] | `kernels.csv` |
//! | [`nvtx`] | `nvtx_ranges.csv` |
//! | [`classes`] (with [`classify`]) | `classes.csv` |
//! | [`memory`] | `memory.csv` |
//! | [`timeline`] | `timeline.csv`, `gaps.csv` |
//! | [`traffic`] | `traffic.csv` |
//! | [`steps`] | `steps.csv`, `step_summary.csv` |
//! | [`points`] | `points.csv` |
//! | [`ncu_kernels`] | `ncu_kernels.csv`, `ncu_metrics.csv` |
//! | [`ncu_phases`] | `ncu_phases.csv` |
//! | [`summary`] | `summary` in `tables.json` |
//!
//! They share one launch [`attribution`] (GPU op → API call → NVTX ranges), built once per trace (with the
//! model's indexes, [`crate::model::correlate`] and [`crate::model::dense`]). A new analysis is a file here, its table a module in `schema/src/tables/`
//! plus one line in the registry (`schema::table::visit`), and one call in the facade (`crate::analyze_attributed`).

pub mod attribution;
pub mod classes;
pub mod classify;
pub mod kernels;
pub mod memory;
pub mod ncu_kernels;
pub mod ncu_phases;
pub mod nvtx;
pub mod points;
pub mod steps;
pub mod summary;
pub mod timeline;
pub mod traffic;
