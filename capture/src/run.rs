//! `latency-anatomy capture`: both regimes, then nsys and ncu on the canonical points, then the analysis of the
//! exports, all into `results/<run-id>/` with a manifest rewritten after every step.
//!
//! ```text
//! results/<run-id>/
//!   manifest.json                 tool versions, device, model config, argv and status of every step
//!   seq_sweep.csv, seq_sweep.reps.csv         sequence regime (batch 1)
//!   batch_sweep.csv, batch_sweep.reps.csv     batch regime (one prompt length)
//!   nsys/s<S>_b<B>.{nsys-rep,sqlite,csv,log}  nsys profile of one canonical point, its SQLite export
//!   analysis/s<S>_b<B>/                       `analyze` tables and report of that export
//!   ncu/s<S>_b<B>.{ncu-rep,log}             Nsight Compute (CUDA only), read directly by the analysis
//! ```

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::error::{CaptureError, Result};
use crate::manifest::{step_mut, utc_now, Manifest, ManifestFile, Step, StepStatus, MANIFEST_SCHEMA};
use crate::model::{Dtype, ModelSpec};
use crate::plan::{Regime, SweepPoint};
use crate::profiler::{self, Argv, NcuOptions};
use crate::sweep::{run_sweep, DeviceKind, SweepConfig};
use schema::sweep::REGIMES;

/// What nsys prints when it cannot reach its daemon, a transient failure of a loaded machine.
const NSYS_TRANSIENT: &str = "Local Endpoint is not available";

/// A profiler to use, or why not.
#[derive(Debug, Clone, PartialEq)]
pub enum Tool {
    /// Found at this path.
    Use(PathBuf),
    /// Not used, with the reason (missing, disabled by a flag, needs a GPU).
    Skip(String),
}

/// A validated capture.
#[derive(Debug, Clone)]
pub struct CaptureConfig {
    /// The `--model` value as given (passed on to profiled children).
    pub model_arg: String,
    /// `--random-weights`.
    pub random_weights: bool,
    /// The resolved model.
    pub model: ModelSpec,
    /// Element type.
    pub dtype: Dtype,
    /// Device.
    pub device: DeviceKind,
    /// Sequence regime.
    pub seq_regime: Regime,
    /// Batch regime.
    pub batch_regime: Regime,
    /// `--grid`: this cross product runs instead of the two regimes.
    pub grid: Option<Regime>,
    /// Points profiled with nsys and ncu.
    pub canonical: Vec<SweepPoint>,
    /// Also profile each regime's whole sweep under nsys (`nsys/seq_sweep.*`, `nsys/batch_sweep.*`) and analyze
    /// it point by point.
    pub profile_sweeps: bool,
    /// Decode steps per run.
    pub gen_tokens: u32,
    /// Warmup runs per configuration.
    pub warmup: u32,
    /// Measured reps per configuration.
    pub reps: u32,
    /// Collapse threshold.
    pub collapse_factor: f64,
    /// Progress bars.
    pub progress: bool,
    /// Folder holding run folders (`results`).
    pub results: PathBuf,
    /// Run id (folder name).
    pub run_id: String,
    /// nsys.
    pub nsys: Tool,
    /// ncu.
    pub ncu: Tool,
    /// ncu settings.
    pub ncu_options: NcuOptions,
    /// Time limit of each profiler command.
    pub timeout: Duration,
    /// This binary (profiled children run its `sweep`).
    pub self_exe: PathBuf,
    /// The capture's own command line.
    pub argv: Vec<String>,
    /// Continue the run in `results/<run_id>`: steps that finished are kept, interrupted sweeps continue
    /// without redoing finished configurations.
    pub resume: bool,
    /// Replace an earlier run in `results/<run_id>` (without it, an existing run folder is an error).
    pub force: bool,
}

/// Turns an in-folder path into the relative string the manifest records.
fn rel(dir: &Path, p: &Path) -> String {
    p.strip_prefix(dir).unwrap_or(p).display().to_string()
}

/// Checks that a run id is a plain folder name: not empty, not `.` or `..`, no `/` or `\\`, no control or invisible
/// formatting characters, not starting with `-`, at most 200 bytes. Returns why not.
pub fn check_run_id(id: &str) -> std::result::Result<(), String> {
    if id.is_empty() || id == "." || id == ".." {
        return Err("give a plain folder name (letters, digits, '.', '_', '-'), not '', '.' or '..'".into());
    }
    if id.contains(['/', '\\']) {
        return Err("give a folder name without '/' or '\\' (the folder goes under --results)".into());
    }
    if id.chars().any(crate::text::needs_escape) {
        return Err("contains control or invisible formatting characters; give a plain folder name".into());
    }
    if id.starts_with('-') {
        return Err("must not start with '-' (it would read as a flag)".into());
    }
    if id.len() > 200 {
        return Err("is longer than 200 bytes".into());
    }
    Ok(())
}

/// Default run id: `<UTC date>_<device>_<model>_<dtype>`, with `-2`, `-3`, ... if the folder exists.
pub fn default_run_id(results: &Path, device: DeviceKind, model: &str, dtype: Dtype) -> String {
    let base = format!("{}_{}_{}_{}", &utc_now()[..10], device.label().replace(':', ""), model.replace(['/', ' '], "-"), dtype.as_str());
    if !results.join(&base).exists() {
        return base;
    }
    (2..).map(|i| format!("{base}-{i}")).find(|id| !results.join(id).exists()).expect("some suffix is free")
}

impl CaptureConfig {
    /// The `sweep` argv of this binary for one regime's points written to `out`.
    pub fn sweep_argv(&self, points: &[SweepPoint], out: &Path, warmup: u32, reps: u32) -> Argv {
        let mut seqs: Vec<u32> = Vec::new();
        let mut batches: Vec<u32> = Vec::new();
        for p in points {
            if !seqs.contains(&p.seq_len) {
                seqs.push(p.seq_len);
            }
            if !batches.contains(&p.batch) {
                batches.push(p.batch);
            }
        }
        let join = |v: &[u32]| v.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
        let mut a = Argv::new(&self.self_exe).args(["sweep", "--model", &self.model_arg]);
        if self.random_weights {
            a = a.args(["--random-weights"]);
        }
        a.args(["--dtype", self.dtype.as_str(), "--device", &self.device.label()])
            .args(["--seq".to_string(), join(&seqs), "--batch-sizes".to_string(), join(&batches)])
            .args(["--gen-tokens".to_string(), self.gen_tokens.to_string(), "--warmup".to_string(), warmup.to_string()])
            .args(["--reps".to_string(), reps.to_string(), "--collapse-factor".to_string(), self.collapse_factor.to_string()])
            .args(["--no-progress", "--out"])
            .args([out.as_os_str().to_owned()])
    }

    /// The regimes this capture runs, with their file names: the sequence and batch regimes, or the grid.
    pub fn regimes(&self) -> Vec<(&'static str, &Regime)> {
        match &self.grid {
            Some(g) => vec![(REGIMES[2], g)],
            None => vec![(REGIMES[0], &self.seq_regime), (REGIMES[1], &self.batch_regime)],
        }
    }

    fn run_dir(&self) -> PathBuf {
        self.results.join(&self.run_id)
    }

    /// Every command the capture runs, in order, as shell lines (what `--dry-run` prints).
    pub fn plan_lines(&self) -> Vec<String> {
        let dir = self.run_dir();
        let mut lines: Vec<String> = self
            .regimes()
            .iter()
            .map(|(name, r)| format!("# in-process: {}", self.sweep_argv(&r.points(), &dir.join(format!("{name}.csv")), self.warmup, self.reps).shell_line()))
            .collect();
        for p in &self.canonical {
            let label = p.label();
            match &self.nsys {
                Tool::Use(nsys) => {
                    let out = dir.join("nsys").join(&label);
                    let child = self.sweep_argv(&[*p], &out.with_extension("csv"), self.warmup, self.reps);
                    lines.push(profiler::nsys_profile(nsys, &out, self.device != DeviceKind::Cpu, &child).shell_line());
                    lines.push(profiler::nsys_export(nsys, &out.with_extension("nsys-rep"), &out.with_extension("sqlite")).shell_line());
                }
                Tool::Skip(why) => lines.push(format!("# nsys skipped for {label}: {why}")),
            }
            match &self.ncu {
                Tool::Use(ncu) => {
                    let out = dir.join("ncu").join(&label);
                    let child = self.sweep_argv(&[*p], &out.with_extension("csv"), 1, 1);
                    lines.push(profiler::ncu_profile(ncu, &out, &self.ncu_options, &child).shell_line());
                }
                Tool::Skip(why) => lines.push(format!("# ncu skipped for {label}: {why}")),
            }
            if matches!(self.nsys, Tool::Use(_)) {
                let ncu = match self.ncu {
                    Tool::Use(_) => format!(" --ncu {}", dir.join("ncu").join(&label).with_extension("ncu-rep").display()),
                    Tool::Skip(_) => String::new(),
                };
                lines.push(format!(
                    "# in-process: latency-anatomy analyze {}{ncu} --out {}",
                    dir.join("nsys").join(&label).with_extension("sqlite").display(),
                    dir.join("analysis").join(&label).display()
                ));
            }
        }
        if self.profile_sweeps {
            for (name, regime) in self.regimes() {
                match &self.nsys {
                    Tool::Use(nsys) => {
                        let out = dir.join("nsys").join(name);
                        let child = self.sweep_argv(&regime.points(), &out.with_extension("csv"), self.warmup, self.reps);
                        lines.push(profiler::nsys_profile(nsys, &out, self.device != DeviceKind::Cpu, &child).shell_line());
                        lines.push(profiler::nsys_export(nsys, &out.with_extension("nsys-rep"), &out.with_extension("sqlite")).shell_line());
                        lines.push(format!("# in-process: latency-anatomy analyze {} --out {}", out.with_extension("sqlite").display(), dir.join("analysis").join(name).display()));
                    }
                    Tool::Skip(why) => lines.push(format!("# nsys skipped for the {name} regime: {why}")),
                }
            }
        }
        lines
    }
}

/// The analysis a capture runs on each profiled point: (export, ncu report if any, output folder) → a one-line
/// summary, or the error in words.
pub type AnalyzeHook = dyn Fn(&Path, Option<&Path>, &Path) -> std::result::Result<String, String>;

/// Runs every step of `cfg`. `analyze` turns an nsys SQLite export (and the point's `.ncu-rep`, when ncu ran)
/// into tables in a folder (the `analyze` stage, supplied by the caller) and returns a one-line summary.
pub fn run_capture(
    cfg: &CaptureConfig,
    stop: &AtomicBool,
    analyze: &AnalyzeHook,
) -> Result<(PathBuf, Manifest)> {
    let dir = cfg.run_dir();
    claim_run_dir(&dir, cfg.resume, cfg.force)?;
    std::fs::create_dir_all(&dir).map_err(|e| CaptureError::io(&dir, e))?;
    let mut tools = std::collections::BTreeMap::new();
    for (name, t) in [("nsys", &cfg.nsys), ("ncu", &cfg.ncu)] {
        if let Tool::Use(p) = t {
            tools.insert(name.to_string(), profiler::version_of(p).unwrap_or_else(|| "unknown".into()));
        }
    }
    let mut steps: Vec<Step> = cfg.regimes().iter().map(|(name, _)| Step::new(*name)).collect();
    for p in &cfg.canonical {
        let l = p.label();
        for s in ["nsys", "nsys_export", "ncu", "analyze"] {
            steps.push(Step::new(format!("{s}_{l}")));
        }
    }
    if cfg.profile_sweeps {
        for (r, _) in cfg.regimes() {
            for s in ["nsys", "nsys_export", "analyze"] {
                steps.push(Step::new(format!("{s}_{r}")));
            }
        }
    }
    let previous = if cfg.resume { Some(Manifest::load(&dir)?) } else { None };
    let mut m = Manifest {
        resumed_utc: Vec::new(),
        schema: MANIFEST_SCHEMA,
        run_id: cfg.run_id.clone(),
        created_utc: utc_now(),
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        argv: cfg.argv.clone(),
        device: cfg.device.label(),
        device_name: match cfg.device {
            DeviceKind::Cpu => format!("CPU ({} threads)", std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)),
            DeviceKind::Cuda(n) => format!("CUDA device {n}"),
        },
        model: cfg.model.name.clone(),
        weights: serde_json::to_value(&cfg.model.weights).expect("serializes"),
        model_config: cfg.model.config_json.clone(),
        dtype: cfg.dtype.as_str().into(),
        gen_tokens: cfg.gen_tokens,
        warmup: cfg.warmup,
        reps: cfg.reps,
        tools,
        steps,
    };
    if let Some(prev) = &previous {
        m.created_utc = prev.created_utc.clone();
        m.argv = prev.argv.clone();
        m.resumed_utc = prev.resumed_utc.clone();
        m.resumed_utc.push(utc_now());
        for s in m.steps.iter_mut() {
            if let Some(p) = prev.steps.iter().find(|p| p.name == s.name && p.status == StepStatus::Ok) {
                *s = p.clone();
            }
        }
    }
    m.save(&dir)?;
    // On --resume, a step that finished before is not run again.
    let done = |m: &Manifest, name: &str| cfg.resume && m.steps.iter().any(|s| s.name == name && s.status == StepStatus::Ok);

    // 1-2: the two regimes, in process.
    for (name, regime) in cfg.regimes() {
        if done(&m, name) {
            eprintln!("== {name}: done in the earlier run");
            continue;
        }
        let out = dir.join(format!("{name}.csv"));
        let sc = SweepConfig {
            model: cfg.model.clone(),
            dtype: cfg.dtype,
            device: cfg.device,
            points: regime.points(),
            gen_tokens: cfg.gen_tokens,
            warmup: cfg.warmup,
            reps: cfg.reps,
            collapse_factor: cfg.collapse_factor,
            reps_out: SweepConfig::default_reps_path(&out),
            out: out.clone(),
            progress: cfg.progress,
            resume: cfg.resume,
        };
        let argv = cfg.sweep_argv(&sc.points, &out, cfg.warmup, cfg.reps).words();
        begin(&mut m, &dir, name, argv)?;
        eprintln!("== {name}: {} configuration(s)", sc.points.len());
        let t = Instant::now();
        let res = run_sweep(&sc, stop);
        let s = step_mut(&mut m, name);
        s.seconds = t.elapsed().as_secs_f64();
        s.outputs = vec![rel(&dir, &out), rel(&dir, &sc.reps_out)];
        match res {
            Ok(o) if o.interrupted => {
                s.status = StepStatus::Interrupted;
                s.message = format!("{} of {} configuration(s) finished before the stop", o.rows.len(), sc.points.len());
                m.save(&dir)?;
                return Err(CaptureError::Interrupted);
            }
            Ok(o) if o.nothing_measured() => {
                s.status = StepStatus::Failed;
                s.message = o.failure_summary();
                eprintln!("   {name} failed: {}", s.message);
            }
            Ok(o) => {
                s.status = StepStatus::Ok;
                let flagged: Vec<String> = o.rows.iter().filter(|r| !r.flag.is_empty()).map(|r| format!("{}={}", r.label(), r.flag)).collect();
                s.message = if flagged.is_empty() { format!("{} rows", o.rows.len()) } else { format!("{} rows; flagged: {}", o.rows.len(), flagged.join(", ")) };
            }
            Err(e) => {
                s.status = StepStatus::Failed;
                s.message = e.to_string();
                m.save(&dir)?;
                return Err(e);
            }
        }
        m.save(&dir)?;
    }

    // 3: profilers on the canonical points.
    for p in &cfg.canonical {
        let label = p.label();
        match &cfg.nsys {
            Tool::Skip(why) => {
                for s in ["nsys", "nsys_export"] {
                    skip(&mut m, &format!("{s}_{label}"), why);
                }
            }
            Tool::Use(_) if done(&m, &format!("nsys_export_{label}")) => eprintln!("== nsys_{label}: done in the earlier run"),
            Tool::Use(nsys) => profile_nsys(cfg, &mut m, &dir, nsys, &label, &[*p], stop)?,
        }
        match &cfg.ncu {
            Tool::Skip(why) => skip(&mut m, &format!("ncu_{label}"), why),
            Tool::Use(_) if done(&m, &format!("ncu_{label}")) => eprintln!("== ncu_{label}: done in the earlier run"),
            Tool::Use(ncu) => {
                // The report is read by the analysis itself (the built-in .ncu-rep reader): no CSV export.
                let ncu_dir = dir.join("ncu");
                std::fs::create_dir_all(&ncu_dir).map_err(|e| CaptureError::io(&ncu_dir, e))?;
                let base = ncu_dir.join(&label);
                let child = cfg.sweep_argv(&[*p], &base.with_extension("csv"), 1, 1);
                let argv = profiler::ncu_profile(ncu, &base, &cfg.ncu_options, &child);
                let name = format!("ncu_{label}");
                external(&mut m, &dir, &name, &argv, &base.with_extension("stdout.log"), &base.with_extension("log"), cfg.timeout, stop)?;
                let report = base.with_extension("ncu-rep");
                step_mut(&mut m, &name).outputs = [report.clone(), base.with_extension("log")].iter().filter(|f| f.exists()).map(|f| rel(&dir, f)).collect();
                m.save(&dir)?;
            }
        }
        let ncu_rep = dir.join("ncu").join(&label).with_extension("ncu-rep");
        let ncu_rep = ncu_rep.is_file().then_some(ncu_rep);
        let finished = done(&m, &format!("analyze_{label}"));
        analyze_export(cfg, &mut m, &dir, &label, ncu_rep.as_deref(), analyze, finished)?;
    }
    // 5: each regime's whole sweep under nsys (apart from the timing runs above, whose latencies stay clean),
    // analyzed point by point (`points.csv`).
    if cfg.profile_sweeps {
        for (name, regime) in cfg.regimes() {
            match &cfg.nsys {
                Tool::Skip(why) => {
                    for s in ["nsys", "nsys_export"] {
                        skip(&mut m, &format!("{s}_{name}"), why);
                    }
                }
                Tool::Use(_) if done(&m, &format!("nsys_export_{name}")) => eprintln!("== nsys_{name}: done in the earlier run"),
                Tool::Use(nsys) => profile_nsys(cfg, &mut m, &dir, nsys, name, &regime.points(), stop)?,
            }
            let finished = done(&m, &format!("analyze_{name}"));
            analyze_export(cfg, &mut m, &dir, name, None, analyze, finished)?;
        }
    }
    m.save(&dir)?;
    Ok((dir, m))
}

/// Profiles the sweep of `points` under nsys into `nsys/<label>.nsys-rep` and exports it to SQLite (steps
/// `nsys_<label>`, `nsys_export_<label>`).
#[allow(clippy::too_many_arguments)]
fn profile_nsys(cfg: &CaptureConfig, m: &mut Manifest, dir: &Path, nsys: &Path, label: &str, points: &[SweepPoint], stop: &AtomicBool) -> Result<()> {
    let nsys_dir = dir.join("nsys");
    let base = nsys_dir.join(label);
    std::fs::create_dir_all(&nsys_dir).map_err(|e| CaptureError::io(&nsys_dir, e))?;
    let child = cfg.sweep_argv(points, &base.with_extension("csv"), cfg.warmup, cfg.reps);
    let argv = profiler::nsys_profile(nsys, &base, cfg.device != DeviceKind::Cpu, &child);
    let name = format!("nsys_{label}");
    let rep = base.with_extension("nsys-rep");
    let mut ok = external(m, dir, &name, &argv, &base.with_extension("stdout.log"), &base.with_extension("log"), cfg.timeout, stop)?;
    // nsys sometimes fails to reach its own daemon on a loaded machine ("Local Endpoint is not
    // available"): a transient failure, tried once more, and said so.
    if !ok && step_mut(m, &name).message.contains(NSYS_TRANSIENT) {
        eprintln!("   {name}: nsys could not reach its daemon; trying once more");
        ok = external(m, dir, &name, &argv, &base.with_extension("stdout.log"), &base.with_extension("log"), cfg.timeout, stop)?;
        let s = step_mut(m, &name);
        s.message = format!("second try (the first failed with \"{NSYS_TRANSIENT}\"){}{}", if s.message.is_empty() { "" } else { "; " }, s.message);
    }
    if ok && !rep.is_file() {
        // Some installs cannot find the importer and leave a .qdstrm: import it ourselves.
        let qd = base.with_extension("qdstrm");
        let msg = match (qd.is_file(), profiler::find_qdstrm_importer(nsys)) {
            (true, Some(imp)) => {
                let r = profiler::run(&profiler::qdstrm_import(&imp, &qd), &base.with_extension("import.log"), &base.with_extension("import.err.log"), cfg.timeout)
                    .map_err(|e| CaptureError::io(&imp, e))?;
                if r.ok() && rep.is_file() { format!("imported the left-over .qdstrm with {}", imp.display()) } else { format!("QdstrmImporter failed: {}", r.stderr_tail) }
            }
            (true, None) => "nsys left a .qdstrm and QdstrmImporter was not found next to nsys".into(),
            (false, _) => "nsys wrote no report".into(),
        };
        let s = step_mut(m, &name);
        s.message = msg;
        if !rep.is_file() {
            s.status = StepStatus::Failed;
        }
        m.save(dir)?;
    }
    let s = step_mut(m, &name);
    s.outputs = [rep.clone(), base.with_extension("csv"), base.with_extension("log")].iter().filter(|f| f.exists()).map(|f| rel(dir, f)).collect();
    m.save(dir)?;
    let sqlite = base.with_extension("sqlite");
    let export_name = format!("nsys_export_{label}");
    if rep.is_file() {
        let argv = profiler::nsys_export(nsys, &rep, &sqlite);
        external(m, dir, &export_name, &argv, &base.with_extension("export.log"), &base.with_extension("export.err.log"), cfg.timeout, stop)?;
        step_mut(m, &export_name).outputs = vec![rel(dir, &sqlite)];
    } else {
        skip(m, &export_name, "no .nsys-rep to export");
    }
    Ok(())
}

/// Analyzes `nsys/<label>.sqlite` (with the point's `.ncu-rep`, when given) into `analysis/<label>/` (step
/// `analyze_<label>`); nothing when `done` (an earlier run of a resumed capture did it).
fn analyze_export(cfg: &CaptureConfig, m: &mut Manifest, dir: &Path, label: &str, ncu_rep: Option<&Path>, analyze: &AnalyzeHook, done: bool) -> Result<()> {
    if done {
        return Ok(());
    }
    let sqlite = dir.join("nsys").join(label).with_extension("sqlite");
    let an_name = format!("analyze_{label}");
    if sqlite.is_file() {
        let out = dir.join("analysis").join(label);
        let mut argv = vec!["latency-anatomy".into(), "analyze".into(), rel(dir, &sqlite)];
        if let Some(n) = ncu_rep {
            argv.extend(["--ncu".into(), rel(dir, n)]);
        }
        argv.extend(["--out".into(), rel(dir, &out)]);
        begin(m, dir, &an_name, argv)?;
        let t = Instant::now();
        let r = analyze(&sqlite, ncu_rep, &out);
        let s = step_mut(m, &an_name);
        s.seconds = t.elapsed().as_secs_f64();
        match r {
            Ok(summary) => {
                s.status = StepStatus::Ok;
                s.message = summary;
                s.outputs = vec![rel(dir, &out)];
            }
            Err(e) => {
                s.status = StepStatus::Failed;
                s.message = e;
            }
        }
        m.save(dir)?;
    } else {
        skip(m, &an_name, if matches!(cfg.nsys, Tool::Skip(_)) { "nsys was not run" } else { "no SQLite export to analyze" });
    }
    Ok(())
}

/// A new run never writes over another: an existing non-empty run folder is an error unless the run resumes it
/// or `force` replaces it (only a folder with a `manifest.json` is ever removed).
fn claim_run_dir(dir: &Path, resume: bool, force: bool) -> Result<()> {
    let busy = std::fs::read_dir(dir).is_ok_and(|mut rd| rd.next().is_some());
    if resume || !busy {
        return Ok(());
    }
    let shown = crate::text::path(dir);
    if !force {
        return Err(CaptureError::BadFlag {
            flag: "--run-id",
            message: format!(
                "{shown} already holds a run; continue it with `latency-anatomy capture --resume {shown}`, replace it with --force, or choose another --run-id"
            ),
        });
    }
    if !dir.join("manifest.json").is_file() {
        return Err(CaptureError::BadFlag {
            flag: "--force",
            message: format!("{shown} is not empty and is not a capture run folder (no manifest.json); it is left alone: choose another --run-id or --results"),
        });
    }
    std::fs::remove_dir_all(dir).map_err(|e| CaptureError::io(dir, e))
}

fn begin(m: &mut Manifest, dir: &Path, name: &str, argv: Vec<String>) -> Result<()> {
    let s = step_mut(m, name);
    s.status = StepStatus::Running;
    s.argv = argv;
    m.save(dir)
}

fn skip(m: &mut Manifest, name: &str, why: &str) {
    let s = step_mut(m, name);
    s.status = StepStatus::Skipped;
    s.message = why.to_string();
}

/// Runs an external step, recording its outcome; returns whether it succeeded. A failing or hanging tool is
/// recorded (stderr tail, timeout) and the capture goes on; a stop request ends the capture.
#[allow(clippy::too_many_arguments)]
fn external(m: &mut Manifest, dir: &Path, name: &str, argv: &Argv, stdout: &Path, log: &Path, timeout: Duration, stop: &AtomicBool) -> Result<bool> {
    begin(m, dir, name, argv.words())?;
    eprintln!("== {name}: {}", argv.shell_line());
    let r = profiler::run(argv, stdout, log, timeout);
    let s = step_mut(m, name);
    let ok = match r {
        Ok(r) => {
            s.seconds = r.seconds;
            if r.ok() {
                s.status = StepStatus::Ok;
            } else {
                s.status = StepStatus::Failed;
                s.message = if r.timed_out {
                    format!("timed out after {:.0} s (--profiler-timeout); stderr: {}", timeout.as_secs_f64(), r.stderr_tail)
                } else {
                    format!("exit {}; stderr: {}", r.code.map_or("by signal".to_string(), |c| c.to_string()), r.stderr_tail)
                };
                eprintln!("   {name} failed: {}", s.message);
            }
            r.ok()
        }
        Err(e) => {
            s.status = StepStatus::Failed;
            s.message = format!("cannot start {}: {e}", argv.program.display());
            eprintln!("   {name} failed: {}", s.message);
            false
        }
    };
    if stop.load(Ordering::SeqCst) {
        step_mut(m, name).status = StepStatus::Interrupted;
        m.save(dir)?;
        return Err(CaptureError::Interrupted);
    }
    m.save(dir)?;
    Ok(ok)
}
