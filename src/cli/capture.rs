//! `capture` and `sweep` arguments: model, device, sweep shape, profilers.

use std::path::PathBuf;

use clap::{Parser, ValueEnum};

use super::{Cli, Command};

/// Phase that ncu profiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PhaseArg {
    /// Decode steps of the first measured rep.
    Decode,
    /// Prefill of the first measured rep.
    Prefill,
}

/// `capture` arguments.
#[derive(Debug, clap::Args)]
pub struct CaptureArgs {
    #[command(flatten)]
    pub model: ModelArgs,
    /// Prompt lengths of the sequence regime (at batch 1).
    #[arg(long, value_delimiter = ',', default_value = "128,256,512,1024,2048,3072,4096")]
    pub seq: Vec<u32>,
    /// Batch sizes of the batch regime (at --batch-seq tokens).
    #[arg(long, value_delimiter = ',', default_value = "1,2,4,8,16,32,64")]
    pub batch_sizes: Vec<u32>,
    /// Prompt length of the batch regime.
    #[arg(long, default_value_t = 128)]
    pub batch_seq: u32,
    /// Measure every `--seq` prompt length at every `--batch-sizes` batch size (grid_sweep.csv, heatmaps in
    /// sweep.md) instead of the two one-dimensional regimes (`--batch-seq` is then unused).
    #[arg(long)]
    pub grid: bool,
    /// Points profiled with nsys and ncu, as SEQxBATCH (comma-separated).
    #[arg(long, value_delimiter = ',', default_value = "128x32,4096x1")]
    pub canonical: Vec<String>,
    #[command(flatten)]
    pub run: RunArgs,
    /// Folder of run folders.
    #[arg(long, default_value = "results")]
    pub results: PathBuf,
    /// Run id (folder name). Default is <UTC date>_<device>_<model>_<dtype>.
    #[arg(long)]
    pub run_id: Option<String>,
    /// Do not run Nsight Systems.
    #[arg(long)]
    pub no_nsys: bool,
    /// Do not run Nsight Compute.
    #[arg(long)]
    pub no_ncu: bool,
    /// Also profile each regime's whole sweep under nsys (nsys/seq_sweep.*, nsys/batch_sweep.*), apart from the
    /// timing runs, and analyze it point by point (points.csv). The default, when nsys runs.
    #[arg(long, overrides_with = "no_profile_sweeps")]
    pub profile_sweeps: bool,
    /// Profile only the canonical points (the sweeps' latencies are still measured, not explained point by
    /// point): roughly halves a capture's time.
    #[arg(long, overrides_with = "profile_sweeps")]
    pub no_profile_sweeps: bool,
    /// The nsys binary. Default: `nsys` on PATH.
    #[arg(long)]
    pub nsys: Option<PathBuf>,
    /// The ncu binary. Default: `ncu` on PATH.
    #[arg(long)]
    pub ncu: Option<PathBuf>,
    /// ncu section set.
    #[arg(long, default_value = "full")]
    pub ncu_set: String,
    /// ncu kernel name regex.
    #[arg(long, default_value = ".*")]
    pub ncu_kernel_regex: String,
    /// ncu: kernels to skip after the filters.
    #[arg(long, default_value_t = 0)]
    pub ncu_launch_skip: u32,
    /// ncu: kernels to profile.
    #[arg(long, default_value_t = 200)]
    pub ncu_launch_count: u32,
    /// ncu: the NVTX phase whose kernels are profiled.
    #[arg(long, value_enum, default_value = "decode")]
    pub ncu_phase: PhaseArg,
    /// Time limit of each profiler command, seconds.
    #[arg(long, default_value_t = 1800)]
    pub profiler_timeout: u64,
    /// Print every command the capture would run, and run nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Continue an interrupted capture in this run folder (results/<run-id>) with its original flags: finished
    /// steps are kept and interrupted sweeps skip the configurations already measured.
    #[arg(long, value_name = "RUN_DIR")]
    pub resume: Option<PathBuf>,
    /// Replace an earlier run with the same --run-id (its folder is removed first). Without it, an existing run
    /// folder is an error that points to --resume.
    #[arg(long, conflicts_with = "resume")]
    pub force: bool,
}


impl CaptureArgs {
    /// Validates the flags into a capture config; `notes` collects warnings to print before work starts.
    /// The configuration of this capture: a new run from these flags, or with `--resume DIR` the run's own
    /// flags from its manifest (`argv` is the command line after the program name; any flag besides `--resume`
    /// would be ignored, so it is refused).
    pub fn into_run_config(self, argv: impl Iterator<Item = String>, notes: &mut Vec<String>) -> anyhow::Result<::capture::run::CaptureConfig> {
        let Some(dir) = self.resume.clone() else { return self.into_config(notes) };
        let extra = flags_besides_resume(argv);
        if !extra.is_empty() {
            anyhow::bail!(
                "--resume {} continues the run with its own flags (from its manifest.json), so {} would be ignored; remove {}, or start a new run with another --run-id",
                ::capture::text::path(&dir),
                extra.iter().map(|f| ::capture::text::term_safe(f)).collect::<Vec<_>>().join(" "),
                if extra.len() == 1 { "it" } else { "them" }
            );
        }
        CaptureArgs::resumed(&dir, notes)
    }

    pub fn into_config(mut self, notes: &mut Vec<String>) -> anyhow::Result<::capture::run::CaptureConfig> {
        use ::capture::run::Tool;
        let (model, device, dtype) = self.model.resolve(notes)?;
        let mut all_seqs = self.seq.clone();
        all_seqs.push(self.batch_seq);
        validate_run(&self.run, &all_seqs, &self.batch_sizes, model.config.max_position_embeddings)?;
        let mut canonical = Vec::new();
        for c in &self.canonical {
            let (s, b) = c
                .split_once(['x', 'X'])
                .and_then(|(s, b)| Some((s.trim().parse::<u32>().ok()?, b.trim().parse::<u32>().ok()?)))
                .filter(|(s, b)| *s > 0 && *b > 0)
                .ok_or_else(|| anyhow::anyhow!("--canonical {c}: expected SEQxBATCH, e.g. 128x32"))?;
            validate_run(&self.run, &[s], &[b], model.config.max_position_embeddings)?;
            let p = ::capture::plan::SweepPoint { seq_len: s, batch: b };
            if canonical.contains(&p) {
                notes.push(format!("--canonical: {} is given twice; profiled once", p.label()));
            } else {
                canonical.push(p);
            }
        }
        let nsys = if self.no_nsys {
            Tool::Skip("disabled by --no-nsys".into())
        } else {
            match self.nsys.clone().or_else(|| ::analyze::read::nsys::export::find_on_path("nsys")) {
                Some(p) if p.is_file() => Tool::Use(p),
                _ => {
                    notes.push("nsys not found (PATH or --nsys): install Nsight Systems (`bash .ci/setup`), or pass --no-nsys; the sweeps still run".into());
                    Tool::Skip("nsys not found".into())
                }
            }
        };
        let ncu = if self.no_ncu {
            Tool::Skip("disabled by --no-ncu".into())
        } else if device == ::capture::sweep::DeviceKind::Cpu && self.ncu.is_none() {
            Tool::Skip("ncu profiles CUDA kernels; this capture runs on the CPU".into())
        } else {
            match self.ncu.clone().or_else(|| ::analyze::read::nsys::export::find_on_path("ncu")) {
                Some(p) if p.is_file() => Tool::Use(p),
                _ => {
                    notes.push("ncu not found (PATH or --ncu): install Nsight Compute, or pass --no-ncu; the sweeps still run".into());
                    Tool::Skip("ncu not found".into())
                }
            }
        };
        let results = self.results;
        let run_id = match self.run_id {
            Some(id) => {
                ::capture::run::check_run_id(&id).map_err(|why| anyhow::anyhow!("--run-id {}: {why}", ::capture::text::quoted(&id)))?;
                id
            }
            None => ::capture::run::default_run_id(&results, device, &model.name, dtype),
        };
        let phase = match self.ncu_phase {
            PhaseArg::Decode => ::schema::phase::DECODE,
            PhaseArg::Prefill => ::schema::phase::PREFILL,
        };
        let self_exe = std::env::current_exe().map_err(|e| anyhow::anyhow!("cannot find this binary to profile it: {e}"))?;
        Ok(::capture::run::CaptureConfig {
            model_arg: self.model.model.clone().unwrap_or_default(),
            random_weights: self.model.random_weights,
            model,
            dtype,
            device,
            grid: self.grid.then(|| ::capture::plan::Regime::Grid { seq_lens: self.seq.clone(), batches: self.batch_sizes.clone() }),
            seq_regime: ::capture::plan::Regime::SeqSweep { seq_lens: self.seq },
            batch_regime: ::capture::plan::Regime::BatchSweep { seq_len: self.batch_seq, batches: self.batch_sizes },
            canonical,
            profile_sweeps: !self.no_profile_sweeps,
            gen_tokens: self.run.gen_tokens,
            warmup: self.run.warmup,
            reps: self.run.reps,
            collapse_factor: self.run.collapse_factor,
            progress: !self.run.no_progress,
            results,
            run_id,
            nsys,
            ncu,
            ncu_options: ::capture::profiler::NcuOptions {
                set: self.ncu_set,
                kernel_regex: self.ncu_kernel_regex,
                launch_skip: self.ncu_launch_skip,
                launch_count: self.ncu_launch_count,
                nvtx_include: ::capture::profiler::nvtx_include_for(phase),
            },
            timeout: std::time::Duration::from_secs(self.profiler_timeout.max(1)),
            self_exe,
            argv: std::env::args().collect(),
            resume: false,
            force: self.force,
        })
    }

    /// For `--resume DIR`: the capture's original flags from `DIR/manifest.json`, re-validated, writing into DIR.
    pub fn resumed(dir: &std::path::Path, notes: &mut Vec<String>) -> anyhow::Result<::capture::run::CaptureConfig> {
        let m = <::capture::manifest::Manifest as ::capture::manifest::ManifestFile>::load(dir)?;
        let cli = Cli::try_parse_from(&m.argv).map_err(|e| anyhow::anyhow!("--resume {}: the manifest's command line no longer parses: {e}", dir.display()))?;
        let Command::Capture(mut args) = cli.command else {
            anyhow::bail!("--resume {}: the manifest is not from `latency-anatomy capture`", dir.display());
        };
        let run_id = dir.file_name().map(|s| s.to_string_lossy().into_owned()).ok_or_else(|| anyhow::anyhow!("--resume {}: give the run folder", dir.display()))?;
        args.results = dir.parent().map(std::path::Path::to_path_buf).unwrap_or_default();
        args.run_id = Some(run_id);
        args.resume = None;
        let mut cfg = args.into_config(notes)?;
        cfg.resume = true;
        Ok(cfg)
    }
}

/// The flags of a `capture --resume DIR` command line (program name left out) other than `--resume` and the
/// ones that only change how the run is shown or checked (`--dry-run`, `--no-progress`).
pub fn flags_besides_resume(args: impl Iterator<Item = String>) -> Vec<String> {
    let mut out = Vec::new();
    let mut skip_value = false;
    for a in args {
        if skip_value {
            skip_value = false;
            continue;
        }
        match a.as_str() {
            "capture" | "--dry-run" | "--no-progress" => {}
            "--resume" => skip_value = true,
            f if f.starts_with("--resume=") => {}
            f if f.starts_with('-') => out.push(f.split('=').next().unwrap_or(f).to_string()),
            _ => {}
        }
    }
    out
}

/// Weights and activation type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DtypeArg {
    /// IEEE half precision (default on CUDA).
    Fp16,
    /// bfloat16.
    Bf16,
    /// single precision (default on CPU).
    Fp32,
}

/// Model and device flags shared by `sweep` and `capture`.
#[derive(Debug, clap::Args)]
pub struct ModelArgs {
    /// Model: a built-in config with --random-weights (tiny, qwen2.5-0.5b, qwen2.5-1.5b, qwen2.5-3b, qwen2.5-7b),
    /// a config.json, a local directory (config.json + *.safetensors + tokenizer.json), or a Hugging Face id
    /// found in the local HF cache. Nothing is ever downloaded.
    #[arg(long)]
    pub model: Option<String>,
    /// Use random weights with the model's config: same kernels and timings as the real weights, no download.
    #[arg(long)]
    pub random_weights: bool,
    /// Weights and activation type. Default: fp16 on CUDA, fp32 on CPU.
    #[arg(long, value_enum)]
    pub dtype: Option<DtypeArg>,
    /// Device: cpu, cuda or cuda:N. Default: cuda when this binary has CUDA, else cpu.
    #[arg(long)]
    pub device: Option<String>,
}

/// Sweep shape flags shared by `sweep` and `capture`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Decode steps per request batch (always all of them: no early stop at EOS).
    #[arg(long, default_value_t = 32)]
    pub gen_tokens: u32,
    /// Unmeasured runs per configuration.
    #[arg(long, default_value_t = 3)]
    pub warmup: u32,
    /// Measured runs per configuration.
    #[arg(long, default_value_t = 7)]
    pub reps: u32,
    /// Flag a configuration `collapse` when per-token latency or throughput degrades by more than this factor
    /// relative to the best earlier configuration.
    #[arg(long, default_value_t = 2.0)]
    pub collapse_factor: f64,
    /// Hide the progress bar.
    #[arg(long)]
    pub no_progress: bool,
}

/// `sweep` arguments.
#[derive(Debug, clap::Args)]
pub struct SweepArgs {
    #[command(flatten)]
    pub model: ModelArgs,
    /// Prompt lengths, tokens (comma-separated).
    #[arg(long, value_delimiter = ',', required = true)]
    pub seq: Vec<u32>,
    /// Batch sizes (comma-separated).
    #[arg(long, value_delimiter = ',', default_value = "1")]
    pub batch_sizes: Vec<u32>,
    #[command(flatten)]
    pub run: RunArgs,
    /// The sweep CSV to write (one row per configuration).
    #[arg(long)]
    pub out: PathBuf,
    /// Per-rep timings CSV. Default is `<out stem>.reps.csv` next to --out.
    #[arg(long)]
    pub reps_out: Option<PathBuf>,
}

impl ModelArgs {
    /// Resolves the model, device and dtype. `notes` collects what the user should know before work starts.
    pub fn resolve(&mut self, notes: &mut Vec<String>) -> anyhow::Result<(::capture::model::ModelSpec, ::capture::sweep::DeviceKind, ::capture::model::Dtype)> {
        let device = match &self.device {
            Some(d) => ::capture::sweep::DeviceKind::parse(d)
                .ok_or_else(|| anyhow::anyhow!("--device {d}: expected cpu, cuda or cuda:N"))?,
            None if cfg!(feature = "cuda") => ::capture::sweep::DeviceKind::Cuda(0),
            None => ::capture::sweep::DeviceKind::Cpu,
        };
        let dtype = match self.dtype {
            Some(DtypeArg::Fp16) => ::capture::model::Dtype::Fp16,
            Some(DtypeArg::Bf16) => ::capture::model::Dtype::Bf16,
            Some(DtypeArg::Fp32) => ::capture::model::Dtype::Fp32,
            None if device == ::capture::sweep::DeviceKind::Cpu => ::capture::model::Dtype::Fp32,
            None => ::capture::model::Dtype::Fp16,
        };
        let model = self.model.as_deref().ok_or_else(|| anyhow::anyhow!("--model is required (e.g. --model tiny --random-weights)"))?;
        // `tiny` is a test config that has no weights anywhere: it always runs with random ones.
        if !self.random_weights && ::capture::model::is_weightless_builtin(model) && !std::path::Path::new(model).exists() {
            notes.push(format!("--model {model}: a built-in test config with no published weights; running it with random weights (--random-weights)"));
            self.random_weights = true;
        }
        let spec = ::capture::model::ModelSpec::resolve(model, self.random_weights)?;
        Ok((spec, device, dtype))
    }
}

/// Checks the sweep shape against the model.
pub fn validate_run(run: &RunArgs, seqs: &[u32], batches: &[u32], max_pos: usize) -> anyhow::Result<()> {
    if seqs.is_empty() || seqs.contains(&0) {
        anyhow::bail!("--seq: give positive prompt lengths, e.g. --seq 128,256");
    }
    if batches.is_empty() || batches.contains(&0) {
        anyhow::bail!("--batch-sizes: give positive batch sizes, e.g. --batch-sizes 1,2,4");
    }
    if run.reps == 0 {
        anyhow::bail!("--reps must be at least 1");
    }
    if run.gen_tokens == 0 {
        anyhow::bail!("--gen-tokens must be at least 1 (decode is half of what is measured)");
    }
    // (NaN is refused too.)
    if run.collapse_factor.partial_cmp(&1.0) != Some(std::cmp::Ordering::Greater) {
        anyhow::bail!("--collapse-factor must be greater than 1");
    }
    let longest = *seqs.iter().max().unwrap() as usize + run.gen_tokens as usize;
    if longest > max_pos {
        anyhow::bail!("--seq/--gen-tokens: {longest} positions exceed the model's max_position_embeddings ({max_pos})");
    }
    Ok(())
}

impl SweepArgs {
    /// Validates the flags into a sweep config; `notes` collects warnings to print before work starts.
    pub fn into_config(mut self, notes: &mut Vec<String>) -> anyhow::Result<::capture::sweep::SweepConfig> {
        let (model, device, dtype) = self.model.resolve(notes)?;
        validate_run(&self.run, &self.seq, &self.batch_sizes, model.config.max_position_embeddings)?;
        let mut points = Vec::new();
        for &s in &self.seq {
            for &b in &self.batch_sizes {
                let p = ::capture::plan::SweepPoint { seq_len: s, batch: b };
                if !points.contains(&p) {
                    points.push(p);
                }
            }
        }
        let reps_out = self.reps_out.unwrap_or_else(|| ::capture::sweep::SweepConfig::default_reps_path(&self.out));
        if ::analyze::fsutil::same_file(&self.out, &reps_out) {
            anyhow::bail!("--out and --reps-out both name {}: give two different files (the per-rep CSV defaults to <out stem>.reps.csv)", reps_out.display());
        }
        if let Some(m) = self.model.model.as_deref().map(std::path::Path::new).filter(|m| m.is_file()) {
            ::analyze::fsutil::refuse_overwrite(&self.out, &[m], "--out")?;
            ::analyze::fsutil::refuse_overwrite(&reps_out, &[m], "--reps-out")?;
        }
        Ok(::capture::sweep::SweepConfig {
            model,
            dtype,
            device,
            points,
            gen_tokens: self.run.gen_tokens,
            warmup: self.run.warmup,
            reps: self.run.reps,
            collapse_factor: self.run.collapse_factor,
            out: self.out,
            reps_out,
            progress: !self.run.no_progress,
            resume: false,
        })
    }
}

