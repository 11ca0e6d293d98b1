//! Errors of the capture stage. Every message names the flag or file at fault and how to fix it.

use std::path::PathBuf;

/// Why a capture step failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CaptureError {
    /// A flag has a value that cannot work.
    #[error("{flag}: {message}")]
    BadFlag {
        /// The flag, e.g. `--seq`.
        flag: &'static str,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// The model could not be found or loaded.
    #[error("--model {model}: {message}")]
    Model {
        /// The `--model` value.
        model: String,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The requested device is not available.
    #[error("--device {device}: {message}")]
    Device {
        /// The `--device` value.
        device: String,
        /// What is wrong.
        message: String,
    },
    /// candle failed while running the model.
    #[error("model run failed at {point}: {message}")]
    Run {
        /// The sweep point.
        point: String,
        /// candle's message.
        message: String,
    },
    /// The device ran out of memory at a sweep point.
    #[error("out of memory at {point}")]
    OutOfMemory {
        /// The sweep point.
        point: String,
    },
    /// The run was interrupted (SIGINT/SIGTERM).
    #[error("interrupted")]
    Interrupted,
}

/// Result alias of this crate.
pub type Result<T, E = CaptureError> = std::result::Result<T, E>;

impl CaptureError {
    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        CaptureError::Io { path: path.into(), source }
    }
}

/// A contract file (`manifest.json`, written through `schema::io`) that cannot be read or written: named as any
/// other file of the capture (`{path}: {error}`).
impl From<schema::io::IoError> for CaptureError {
    fn from(e: schema::io::IoError) -> Self {
        use schema::io::IoError;
        match e {
            IoError::Unreadable { path, source } | IoError::Write { path, source } => CaptureError::Io { path, source },
            IoError::BadInput { path, detail } => CaptureError::Io { path, source: std::io::Error::new(std::io::ErrorKind::InvalidData, detail) },
        }
    }
}

/// The first line of an error's message: candle appends a backtrace to some errors, which has no place in a
/// one-line message.
pub fn one_line(e: impl std::fmt::Display) -> String {
    let s = e.to_string();
    s.lines().next().unwrap_or("").trim_end_matches(['(', ' ']).trim().to_string()
}
