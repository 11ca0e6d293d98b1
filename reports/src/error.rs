//! Errors of the reports stage. Every message names the file and says what is wrong with it.

use std::path::PathBuf;

use crate::charts::ChartError;

/// Why a report could not be rendered.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// An input could not be read, or an output written (`tables.json`, a report file).
    #[error(transparent)]
    Io(#[from] schema::io::IoError),
    /// A chart could not be drawn or written.
    #[error(transparent)]
    Chart(#[from] ChartError),
    /// A sweep CSV that cannot be read as one.
    #[error("{}: {detail}", path.display())]
    Sweep {
        /// The CSV.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// A row of a sweep CSV that cannot be read (the message names the file and line).
    #[error("{0}")]
    SweepRow(String),
    /// A chart of an earlier report that cannot be removed before drawing the new set.
    #[error("cannot replace {}: {source}", path.display())]
    Replace {
        /// The old chart.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// A table of a report that cannot be serialized.
    #[error("cannot write {}: {detail}", path.display())]
    Serialize {
        /// The output file.
        path: PathBuf,
        /// What went wrong.
        detail: String,
    },
}

/// Result alias of this crate.
pub type Result<T, E = ReportError> = std::result::Result<T, E>;
