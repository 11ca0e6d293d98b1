//! Errors of the analysis stage. Every message names the input file and says how to fix the problem.

use std::path::PathBuf;

/// Why an analysis could not be done.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AnalyzeError {
    /// The input path does not exist or cannot be read.
    #[error("cannot read '{path}': {source} (check the path and its permissions)")]
    Unreadable {
        /// The input file.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
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
    /// The input cannot serve this purpose.
    #[error("'{path}' {detail}")]
    BadInput {
        /// The input file.
        path: PathBuf,
        /// Why.
        detail: String,
    },
    /// An output file or folder cannot be written.
    #[error("cannot write '{path}': {source} (choose another folder with --out)")]
    Write {
        /// The output path.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
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

impl From<schema::io::IoError> for AnalyzeError {
    fn from(e: schema::io::IoError) -> Self {
        use schema::io::IoError;
        match e {
            IoError::Unreadable { path, source } => AnalyzeError::Unreadable { path, source },
            IoError::BadInput { path, detail } => AnalyzeError::BadInput { path, detail },
            IoError::Write { path, source } => AnalyzeError::Write { path, source },
        }
    }
}

/// Result alias of this crate.
pub type Result<T, E = AnalyzeError> = std::result::Result<T, E>;
