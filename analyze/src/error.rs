//! Errors of the analysis stage. Every message names the input file and says how to fix the problem.

use std::path::PathBuf;

pub use schema::io::IoError;

/// Why an analysis could not be done.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AnalyzeError {
    /// A file cannot be read or written, or is not a regular file, or cannot serve this purpose (the errors every
    /// stage shares, see [`schema::io::IoError`]).
    #[error(transparent)]
    Io(#[from] IoError),
    /// The file is not an SQLite database at all.
    #[error("'{path}' is not an SQLite database ({detail}); give an nsys SQLite export (`nsys export --type sqlite FILE.nsys-rep`) or a .nsys-rep report")]
    NotSqlite {
        /// The input file.
        path: PathBuf,
        /// What was found instead.
        detail: String,
    },
    /// The file is an SQLite database that is damaged (truncated, corrupt).
    #[error("'{path}' is a damaged SQLite database ({detail}); re-export it with `nsys export --type sqlite --force-overwrite true REPORT.nsys-rep`")]
    Corrupt {
        /// The input file.
        path: PathBuf,
        /// SQLite's message.
        detail: String,
    },
    /// The file is a valid SQLite database without any nsys table.
    #[error("'{path}' is an SQLite database but not an nsys export (no StringIds, CUPTI_*, NVTX_EVENTS or TARGET_INFO_* tables); export the report with `nsys export --type sqlite`")]
    NotNsysExport {
        /// The input file.
        path: PathBuf,
    },
    /// A table has a column whose values cannot be read as the nsys schema says.
    #[error("'{path}': table {table}, column {column}: {detail}; the export does not follow the nsys schema (re-export it with `nsys export --type sqlite`)")]
    BadColumn {
        /// The input file.
        path: PathBuf,
        /// Table name.
        table: String,
        /// Column name.
        column: String,
        /// What was wrong.
        detail: String,
    },
    /// A binary report was given but `nsys` is not installed.
    #[error("'{path}' is a binary nsys report and `nsys` is not on PATH: install Nsight Systems, or export it elsewhere with `nsys export --type sqlite --output FILE.sqlite {path}` and analyze the .sqlite")]
    NsysMissing {
        /// The input file.
        path: PathBuf,
    },
    /// `nsys export` failed.
    #[error("`nsys export` failed on '{path}' (exit {status}): {stderr}")]
    NsysExportFailed {
        /// The input file.
        path: PathBuf,
        /// Exit status.
        status: String,
        /// Last lines of nsys's stderr.
        stderr: String,
    },
    /// An Nsight Compute CSV cannot be used.
    #[error("'{path}': {detail}")]
    NcuCsv {
        /// The input file.
        path: PathBuf,
        /// What is wrong and how to fix it.
        detail: String,
    },
    /// A `.ncu-rep` that cannot be read (truncated, damaged, not a report).
    #[error("'{path}' is not a readable Nsight Compute report (at byte {offset}: {detail})")]
    NcuRep {
        /// The input file.
        path: PathBuf,
        /// Where reading stopped.
        offset: u64,
        /// What was wrong.
        detail: String,
    },
    /// A binary ncu report was given but `ncu` is not installed.
    #[error("'{path}' is a binary Nsight Compute report and `ncu` is not on PATH: install Nsight Compute, or convert it where ncu runs with `ncu --import {path} --csv --page raw --print-units base > FILE.csv` and pass the CSV")]
    NcuMissing {
        /// The input file.
        path: PathBuf,
    },
    /// JSON (or gzip) input that is not a Chrome trace (a PyTorch-profiler trace).
    #[error("'{path}' is not a PyTorch profiler (Chrome trace) JSON: {why}; give a trace written by torch.profiler, vLLM or SGLang (*.pt.trace.json[.gz]), an nsys export or an Nsight Compute report")]
    NotATrace {
        /// The input file.
        path: PathBuf,
        /// What was found instead.
        why: String,
    },
    /// A serialization error while writing a table.
    #[error("cannot write table '{path}': {detail}")]
    Serialize {
        /// The output path.
        path: PathBuf,
        /// What went wrong.
        detail: String,
    },
}

/// Result alias of this crate.
pub type Result<T, E = AnalyzeError> = std::result::Result<T, E>;
