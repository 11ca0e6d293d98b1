//! `diff` arguments.

use std::path::PathBuf;

use clap::ValueEnum;

/// How kernels of the two sides are matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MatchArg {
    /// The demangled name, exactly.
    Name,
    /// The base function name (namespaces, templates, parameters dropped): matches across compiler and nsys
    /// versions.
    Base,
    /// The kernel class.
    Class,
}

/// `diff` arguments.
#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// Side A, the baseline: an nsys export (.sqlite), a report (.nsys-rep/.qdrep), or an analysis folder
    /// (with tables.json).
    pub a: PathBuf,
    /// Side B, compared against A: same kinds as A.
    pub b: PathBuf,
    /// Output folder for diff.md, diff.csv and diff.json. Default is `results/diff/<A stem>_vs_<B stem>/`.
    #[arg(long, short)]
    pub out: Option<PathBuf>,
    /// Fail the run (exit code 3) when B is slower than A by more than PCT percent, and (exit code 4) when the
    /// two cannot be compared; exit code 0 otherwise. Without it, the exit code is 0 whatever the verdict.
    #[arg(long, value_name = "PCT")]
    pub gate: Option<f64>,
    /// How kernels are matched across the two sides.
    #[arg(long = "match", value_enum, default_value = "base")]
    pub matched_by: MatchArg,
    /// NVTX range names that mark phases (comma-separated), for sides given as exports.
    #[arg(long, value_delimiter = ',', default_value = "prefill,decode")]
    pub phases: Vec<String>,
    /// Glob naming the step ranges, for sides given as exports (as `analyze --step-pattern`).
    #[arg(long, default_value = schema::phase::DEFAULT_STEP_PATTERN)]
    pub step_pattern: String,
    /// Do not print the verdict and the comparability checks.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Validated `diff` configuration.
#[derive(Debug)]
pub struct DiffConfig {
    pub a: PathBuf,
    pub b: PathBuf,
    pub out: PathBuf,
    pub gate: Option<f64>,
    pub matched_by: ::analyze::diff::MatchBy,
    pub options: ::analyze::Options,
    pub quiet: bool,
}

impl DiffArgs {
    /// Checks the arguments and fills in defaults.
    pub fn into_config(self) -> anyhow::Result<DiffConfig> {
        let stem = |p: &PathBuf| -> anyhow::Result<String> {
            let p = if p.is_dir() { p.canonicalize().unwrap_or_else(|_| p.clone()) } else { p.clone() };
            p.file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .filter(|s| !s.is_empty())
                .ok_or_else(|| anyhow::anyhow!("'{}' has no file name; give an export or an analysis folder", p.display()))
        };
        let out = match self.out {
            Some(o) => o,
            None => PathBuf::from("results").join("diff").join(format!("{}_vs_{}", stem(&self.a)?, stem(&self.b)?)),
        };
        if let Some(g) = self.gate {
            if !g.is_finite() || g < 0.0 {
                anyhow::bail!("--gate {g}: give the slowdown allowed, in percent (0 or more), e.g. --gate 2");
            }
        }
        let options = super::marked_options(self.phases, &self.step_pattern)?;
        let matched_by = match self.matched_by {
            MatchArg::Name => ::analyze::diff::MatchBy::Name,
            MatchArg::Base => ::analyze::diff::MatchBy::Base,
            MatchArg::Class => ::analyze::diff::MatchBy::Class,
        };
        Ok(DiffConfig { a: self.a, b: self.b, out, gate: self.gate, matched_by, options, quiet: self.quiet })
    }
}
