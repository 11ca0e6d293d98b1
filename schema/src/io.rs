//! Reading and writing the contract files safely: inputs must be regular files (a FIFO or a terminal would block
//! or be misread), and every file is written through a unique temporary name and a rename, so that no
//! half-written file is left looking complete and concurrent writers never share a temporary file.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::tables::Tables;

/// Why a contract file could not be read or written. Every message names the file and the fix.
#[derive(Debug, thiserror::Error)]
pub enum IoError {
    /// The path does not exist or cannot be read.
    #[error("cannot read '{path}': {source} (check the path and its permissions)")]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// The file cannot serve this purpose.
    #[error("'{path}' {detail}")]
    BadInput {
        /// The file.
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
}

/// What kind of non-regular file `meta` describes, if it is one ("a FIFO (named pipe)", "a character device", ...).
fn special_kind(meta: &std::fs::Metadata) -> Option<&'static str> {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_fifo() {
        Some("a FIFO (named pipe)")
    } else if t.is_char_device() {
        Some("a character device (a terminal or /dev file)")
    } else if t.is_block_device() {
        Some("a block device")
    } else if t.is_socket() {
        Some("a socket")
    } else {
        None
    }
}

/// Checks that `path` names a regular file (symlinks followed) without opening it: opening a FIFO for reading
/// blocks until a writer appears, and a pipe or terminal cannot be read as a file. A directory is left to
/// the caller (which has its own message for it); a missing file gives [`IoError::Unreadable`].
pub fn check_input(path: &Path) -> Result<(), IoError> {
    let meta = std::fs::metadata(path).map_err(|source| IoError::Unreadable { path: path.to_path_buf(), source })?;
    if let Some(kind) = special_kind(&meta) {
        return Err(IoError::BadInput {
            path: path.to_path_buf(),
            detail: format!("is {kind}, not a regular file; save the data to a file first (e.g. `cat > trace.sqlite`) and give that file"),
        });
    }
    Ok(())
}

/// A temporary name beside `path`, unique to this process and call: `.<name>.<pid>-<n>.partial`.
pub fn temp_beside(path: &Path) -> PathBuf {
    static N: AtomicU64 = AtomicU64::new(0);
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "out".into());
    path.with_file_name(format!(".{name}.{}-{}.partial", std::process::id(), N.fetch_add(1, Ordering::Relaxed)))
}

/// Writes `bytes` to `path` through a temporary file and a rename, so that no half-written file is left
/// looking complete.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), IoError> {
    let tmp = temp_beside(path);
    let fail = |source| {
        let _ = std::fs::remove_file(&tmp);
        IoError::Write { path: path.to_path_buf(), source }
    };
    std::fs::write(&tmp, bytes).map_err(fail)?;
    std::fs::rename(&tmp, path).map_err(fail)
}

/// Reads a `tables.json` written by `latency-anatomy analyze`.
pub fn read_tables(path: &Path) -> Result<Tables, IoError> {
    check_input(path)?;
    let bytes = std::fs::read(path).map_err(|source| IoError::Unreadable { path: path.to_path_buf(), source })?;
    serde_json::from_slice(&bytes).map_err(|e| IoError::BadInput {
        path: path.to_path_buf(),
        detail: format!(
            "is not a complete tables.json written by `latency-anatomy analyze` ({e}{}); analyze the export again to rewrite it",
            if e.is_eof() { ": the file ends early, it was cut" } else { "" }
        ),
    })
}
