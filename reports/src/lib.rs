//! # latency-anatomy-reports
//!
//! Renders the tables written by `latency-anatomy analyze` (`tables.json`) as a markdown report and as a
//! short text summary. Pure functions from [`Tables`] to text: the report can be re-rendered on any machine
//! from the tables alone (`latency-anatomy report DIR`).
#![deny(missing_docs)]

pub mod charts;
pub mod error;
pub mod explained;
pub mod fleet;
pub mod diff;
pub mod markdown;
pub mod run;
pub mod sweep;
pub mod units;

pub use error::{ReportError, Result};
pub use schema::Tables;
pub use markdown::{render_markdown, render_summary, ReportOptions};
