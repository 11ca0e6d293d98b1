//! File-system guards shared by every command: inputs must be regular files (a FIFO or a terminal would block
//! or be misread), an output must never be one of the inputs, and files are written through unique temporary
//! names so that concurrent writers never share a half-written file.

use std::path::{Path, PathBuf};

use crate::error::{AnalyzeError, Result};
use schema::io::IoError;

/// Checks that `path` names a regular file (symlinks followed) without opening it (see [`schema::io::check_input`]).
pub fn check_input(path: &Path) -> Result<()> {
    Ok(schema::io::check_input(path)?)
}

/// Writes `bytes` to `path` through a unique temporary file and a rename (see [`schema::io::write_atomic`]).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    Ok(schema::io::write_atomic(path, bytes)?)
}

/// True when `a` and `b` name the same file: the same inode when both exist, else the same absolute path
/// (parent folder resolved, so `./x` and `dir/../x` match).
pub fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    if let (Ok(ma), Ok(mb)) = (std::fs::metadata(a), std::fs::metadata(b)) {
        return ma.dev() == mb.dev() && ma.ino() == mb.ino();
    }
    match (resolved(a), resolved(b)) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    }
}

/// `p` with its parent folder canonicalized (the file itself need not exist).
fn resolved(p: &Path) -> Option<PathBuf> {
    if let Ok(c) = p.canonicalize() {
        return Some(c);
    }
    let abs = std::path::absolute(p).ok()?;
    let name = abs.file_name()?.to_owned();
    let parent = abs.parent()?.canonicalize().ok()?;
    Some(parent.join(name))
}

/// Refuses to write `out` when it is one of `inputs` (`flag` names the output's flag in the message).
pub fn refuse_overwrite(out: &Path, inputs: &[&Path], flag: &str) -> Result<()> {
    for i in inputs {
        if same_file(out, i) {
            return Err(AnalyzeError::Io(IoError::BadInput {
                path: out.to_path_buf(),
                detail: format!("is also an input ({}); {flag} must name another file, or the input would be destroyed", i.display()),
            }));
        }
    }
    Ok(())
}

pub use schema::io::temp_beside;

/// An exclusive lock on an output folder (`flock` on the folder itself: no lock file is left behind, and the
/// lock goes away with the process however it ends). Two commands writing the same folder take turns, so the
/// folder always holds one command's complete set of outputs.
#[derive(Debug)]
pub struct DirLock {
    _dir: std::fs::File,
}

impl DirLock {
    /// Creates `dir` if needed and locks it; when another process holds the lock, calls `on_wait` once and waits.
    pub fn acquire(dir: &Path, on_wait: impl FnOnce()) -> Result<DirLock> {
        use std::os::fd::AsRawFd;
        std::fs::create_dir_all(dir).map_err(|source| AnalyzeError::Io(IoError::Write { path: dir.to_path_buf(), source }))?;
        let f = std::fs::File::open(dir).map_err(|source| AnalyzeError::Io(IoError::Write { path: dir.to_path_buf(), source }))?;
        let fd = f.as_raw_fd();
        // SAFETY: flock on a descriptor this function owns.
        if unsafe { libc::flock(fd, libc::LOCK_EX | libc::LOCK_NB) } != 0 {
            let err = std::io::Error::last_os_error();
            if err.raw_os_error() != Some(libc::EWOULDBLOCK) {
                // A file system without locks: go on unlocked rather than refuse to write.
                return Ok(DirLock { _dir: f });
            }
            on_wait();
            loop {
                // SAFETY: as above.
                if unsafe { libc::flock(fd, libc::LOCK_EX) } == 0 {
                    break;
                }
                let err = std::io::Error::last_os_error();
                if err.kind() != std::io::ErrorKind::Interrupted {
                    return Err(AnalyzeError::Io(IoError::Write { path: dir.to_path_buf(), source: err }));
                }
            }
        }
        Ok(DirLock { _dir: f })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_file_by_inode_and_by_path() {
        let d = tempfile::tempdir().unwrap();
        let a = d.path().join("a.sqlite");
        std::fs::write(&a, b"x").unwrap();
        let link = d.path().join("link.sqlite");
        std::fs::hard_link(&a, &link).unwrap();
        assert!(same_file(&a, &link));
        assert!(same_file(&a, &d.path().join("sub/../a.sqlite")) || !d.path().join("sub").exists());
        assert!(same_file(&d.path().join("new.sqlite"), &d.path().join(".").join("new.sqlite")));
        assert!(!same_file(&a, &d.path().join("b.sqlite")));
    }

    #[test]
    fn fifos_are_refused_without_blocking() {
        let d = tempfile::tempdir().unwrap();
        let fifo = d.path().join("pipe");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: mkfifo with a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let e = check_input(&fifo).unwrap_err().to_string();
        assert!(e.contains("FIFO") && e.contains("not a regular file"), "{e}");
        assert!(check_input(Path::new("/dev/null")).unwrap_err().to_string().contains("character device"));
    }

    #[test]
    fn a_locked_folder_waits_for_its_holder() {
        let d = tempfile::tempdir().unwrap();
        let first = DirLock::acquire(d.path(), || panic!("free folder")).unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let dir = d.path().to_path_buf();
        let h = std::thread::spawn(move || {
            let _second = DirLock::acquire(&dir, || tx.send(()).unwrap()).unwrap();
        });
        rx.recv_timeout(std::time::Duration::from_secs(10)).expect("the second writer waits");
        drop(first);
        h.join().unwrap();
    }

    #[test]
    fn temp_names_are_unique() {
        let p = Path::new("/x/report.md");
        assert_ne!(temp_beside(p), temp_beside(p));
        assert!(temp_beside(p).file_name().unwrap().to_string_lossy().starts_with(".report.md."));
    }
}
