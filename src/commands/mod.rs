//! The subcommands, one file each, taking the validated configs of `crate::cli`.

pub mod analyze;
pub mod bench;
pub mod capture;
pub mod diff;
pub mod fleet;
pub mod report;

/// Locks an output folder for this process, saying so when another one holds it and this one waits.
pub fn lock_folder(dir: &std::path::Path) -> ::analyze::Result<::analyze::fsutil::DirLock> {
    ::analyze::fsutil::DirLock::acquire(dir, || eprintln!("waiting: another latency-anatomy process is writing to {}", ::capture::text::path(dir)))
}

