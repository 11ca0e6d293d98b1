//! Profiler invocations as argv data (never through a shell), and running them with a time limit.
//!
//! `nsys profile` and `ncu` launch this same binary's `sweep` subcommand on one configuration; their argv is
//! built by pure functions so that `capture --dry-run` can print it and tests can check it.

use std::ffi::OsString;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::nvtx_ranges::DOMAIN;

/// A command as data: program and arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Argv {
    /// The program.
    pub program: PathBuf,
    /// Its arguments.
    pub args: Vec<OsString>,
}

impl Argv {
    /// A command with no arguments yet.
    pub fn new(program: impl Into<PathBuf>) -> Argv {
        Argv { program: program.into(), args: Vec::new() }
    }

    /// Appends arguments.
    pub fn args<I, S>(mut self, args: I) -> Argv
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Every word, program first, as strings (for the manifest).
    pub fn words(&self) -> Vec<String> {
        std::iter::once(self.program.as_os_str())
            .chain(self.args.iter().map(OsString::as_os_str))
            .map(|s| s.to_string_lossy().into_owned())
            .collect()
    }

    /// The command as a copy-pasteable shell line (display only: commands are never run through a shell).
    pub fn shell_line(&self) -> String {
        self.words().iter().map(|w| shell_quote(w)).collect::<Vec<_>>().join(" ")
    }
}

/// Quotes a word for POSIX shells when needed.
pub fn shell_quote(w: &str) -> String {
    if !w.is_empty() && w.chars().all(|c| c.is_ascii_alphanumeric() || "-_./=:,@+%".contains(c)) {
        w.to_string()
    } else if w.chars().any(crate::text::needs_escape) {
        // ANSI-C quoting: control and invisible characters as escapes, so the line stays inert on a terminal and
        // still pastes back into bash as the same word.
        let mut q = String::from("$'");
        for c in w.chars() {
            match c {
                '\\' => q.push_str("\\\\"),
                '\'' => q.push_str("\\'"),
                c if (c as u32) < 0x80 && c.is_control() => q.push_str(&format!("\\x{:02x}", c as u32)),
                c if crate::text::needs_escape(c) => q.push_str(&format!("\\u{:04x}", c as u32)),
                c => q.push(c),
            }
        }
        q.push('\'');
        q
    } else {
        format!("'{}'", w.replace('\'', "'\\''"))
    }
}

/// `nsys profile` of `child`, writing `<output>.nsys-rep`. On CPU only NVTX is traced.
pub fn nsys_profile(nsys: &Path, output: &Path, cuda: bool, child: &Argv) -> Argv {
    Argv::new(nsys)
        .args(["profile", if cuda { "--trace=cuda,nvtx" } else { "--trace=nvtx" }, "--sample=none", "--cpuctxsw=none"])
        .args(["--force-overwrite=true", "--output"])
        .args([output.as_os_str().to_owned()])
        .args([child.program.as_os_str().to_owned()])
        .args(child.args.iter().cloned())
}

/// `nsys export` of a report to SQLite.
pub fn nsys_export(nsys: &Path, report: &Path, sqlite: &Path) -> Argv {
    Argv::new(nsys).args(["export", "--type", "sqlite", "--force-overwrite", "true", "--output"]).args([
        sqlite.as_os_str().to_owned(),
        report.as_os_str().to_owned(),
    ])
}

/// `QdstrmImporter -i X.qdstrm`: turns a left-over `.qdstrm` into `X.nsys-rep`.
pub fn qdstrm_import(importer: &Path, qdstrm: &Path) -> Argv {
    Argv::new(importer).args([OsString::from("-i"), qdstrm.as_os_str().to_owned()])
}

/// Finds `QdstrmImporter` next to `nsys` (following symlinks) or in the usual install folders.
pub fn find_qdstrm_importer(nsys: &Path) -> Option<PathBuf> {
    let real = std::fs::canonicalize(nsys).unwrap_or_else(|_| nsys.to_path_buf());
    let mut candidates = Vec::new();
    for base in [real.parent(), nsys.parent()].into_iter().flatten() {
        candidates.push(base.join("QdstrmImporter"));
        candidates.push(base.join("../host-linux-x64/QdstrmImporter"));
        candidates.push(base.join("../../host-linux-x64/QdstrmImporter"));
    }
    candidates.push(PathBuf::from("/usr/lib/nsight-systems/host-linux-x64/QdstrmImporter"));
    candidates.push(PathBuf::from("/usr/lib/x86_64-linux-gnu/nsight-systems/host-linux-x64/QdstrmImporter"));
    candidates.into_iter().find(|p| p.is_file())
}

/// Nsight Compute settings of a capture.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct NcuOptions {
    /// `--set` (default `full`).
    pub set: String,
    /// Kernel name regex (`--kernel-name regex:…`), default `.*`.
    pub kernel_regex: String,
    /// Kernels to skip after the filters, default 0.
    pub launch_skip: u32,
    /// Kernels to profile, default 200.
    pub launch_count: u32,
    /// NVTX include expression (push/pop ranges of our domain), default: decode of the first measured rep.
    pub nvtx_include: String,
}

impl Default for NcuOptions {
    fn default() -> Self {
        NcuOptions {
            set: "full".into(),
            kernel_regex: ".*".into(),
            launch_skip: 0,
            launch_count: 200,
            nvtx_include: nvtx_include_for(schema::phase::DECODE),
        }
    }
}

/// The NVTX include expression for a phase (`prefill` or `decode`) of the first measured rep.
pub fn nvtx_include_for(phase: &str) -> String {
    format!("{DOMAIN}@*/rep_0/{phase}/*")
}

/// `ncu` of `child`, writing `<output>.ncu-rep`.
pub fn ncu_profile(ncu: &Path, output: &Path, o: &NcuOptions, child: &Argv) -> Argv {
    Argv::new(ncu)
        .args(["--set", &o.set, "--target-processes", "all"])
        .args(["--kernel-name".to_string(), format!("regex:{}", o.kernel_regex)])
        .args(["--launch-skip".to_string(), o.launch_skip.to_string(), "--launch-count".to_string(), o.launch_count.to_string()])
        .args(["--nvtx", "--nvtx-include", &o.nvtx_include])
        .args(["--export"])
        .args([output.as_os_str().to_owned()])
        .args(["--force-overwrite"])
        .args([child.program.as_os_str().to_owned()])
        .args(child.args.iter().cloned())
}

/// How a finished command ended.
#[derive(Debug, Clone, PartialEq)]
pub struct RunResult {
    /// Exit code (None when killed or timed out).
    pub code: Option<i32>,
    /// True when the time limit killed it.
    pub timed_out: bool,
    /// Wall time.
    pub seconds: f64,
    /// The last lines of its stderr.
    pub stderr_tail: String,
}

impl RunResult {
    /// Exit code 0 within the time limit.
    pub fn ok(&self) -> bool {
        self.code == Some(0) && !self.timed_out
    }
}

/// Runs `argv` with stdout to `stdout_to` (or a log) and stderr to `log`, killing it after `timeout`.
pub fn run(argv: &Argv, stdout_to: &Path, log: &Path, timeout: Duration) -> std::io::Result<RunResult> {
    let out = File::create(stdout_to)?;
    let err = File::create(log)?;
    let start = Instant::now();
    let mut child = Command::new(&argv.program).args(&argv.args).stdin(Stdio::null()).stdout(out).stderr(err).spawn()?;
    let mut timed_out = false;
    let status = loop {
        if let Some(s) = child.try_wait()? {
            break Some(s);
        }
        if start.elapsed() >= timeout {
            let _ = child.kill();
            let _ = child.wait();
            timed_out = true;
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let tail = lines[lines.len().saturating_sub(5)..].join(" | ");
    Ok(RunResult { code: status.and_then(|s| s.code()), timed_out, seconds: start.elapsed().as_secs_f64(), stderr_tail: tail })
}

/// First line of `program --version`, if it runs.
pub fn version_of(program: &Path) -> Option<String> {
    let o = Command::new(program).arg("--version").stdin(Stdio::null()).output().ok()?;
    let text = String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr);
    text.lines().map(str::trim).rfind(|l| !l.is_empty()).map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ncu_argv_is_data() {
        let child = Argv::new("/bin/la").args(["sweep", "--seq", "128"]);
        let a = ncu_profile(Path::new("ncu"), Path::new("r/ncu/s128_b32"), &NcuOptions::default(), &child);
        assert_eq!(
            a.shell_line(),
            "ncu --set full --target-processes all --kernel-name 'regex:.*' --launch-skip 0 --launch-count 200 --nvtx --nvtx-include 'latency_anatomy@*/rep_0/decode/*' --export r/ncu/s128_b32 --force-overwrite /bin/la sweep --seq 128"
        );
    }

    #[test]
    fn nsys_argv_is_data() {
        let child = Argv::new("/bin/la").args(["sweep", "--seq", "4096"]);
        let a = nsys_profile(Path::new("/usr/bin/nsys"), Path::new("out/x"), false, &child);
        assert_eq!(a.shell_line(), "/usr/bin/nsys profile --trace=nvtx --sample=none --cpuctxsw=none --force-overwrite=true --output out/x /bin/la sweep --seq 4096");
        assert!(nsys_profile(Path::new("nsys"), Path::new("x"), true, &child).args.contains(&OsString::from("--trace=cuda,nvtx")));
    }

    #[test]
    fn run_reports_failures_and_timeouts() {
        let d = tempfile::tempdir().unwrap();
        let (o, l) = (d.path().join("o"), d.path().join("l"));
        let r = run(&Argv::new("sh").args(["-c", "echo bad >&2; exit 3"]), &o, &l, Duration::from_secs(10)).unwrap();
        assert_eq!((r.code, r.timed_out, r.stderr_tail.as_str()), (Some(3), false, "bad"));
        let r = run(&Argv::new("sleep").args(["5"]), &o, &l, Duration::from_millis(200)).unwrap();
        assert!(r.timed_out && !r.ok() && r.seconds < 4.0);
    }
}
