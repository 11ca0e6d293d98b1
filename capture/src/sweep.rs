//! The measurement engine behind `latency-anatomy sweep`: for each configuration, `warmup` unmeasured runs,
//! then `reps` measured runs, each a prefill plus `gen_tokens` greedy decode steps (never stopped early at EOS).
//! The device is synchronized before every timestamp. Rows are appended to the CSV and flushed as each
//! configuration finishes, so an interrupted sweep leaves a valid CSV of the finished configurations.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use candle_core::Device;

use crate::error::{CaptureError, Result};
use crate::mem;
use crate::metrics::{collapse, row_from_reps, RepTiming, RowContext, SweepRow};
use crate::model::{kv_cache_bytes, synthetic_prompt, tokenizer_prompt, weights_bytes, Dtype, ModelSpec, Runner};
use crate::nvtx_ranges as nvtx;
use crate::plan::SweepPoint;

/// Where to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum DeviceKind {
    /// The CPU.
    Cpu,
    /// CUDA device with this ordinal.
    Cuda(usize),
}

impl DeviceKind {
    /// Parses `cpu`, `cuda` or `cuda:N`.
    pub fn parse(s: &str) -> Option<DeviceKind> {
        match s {
            "cpu" => Some(DeviceKind::Cpu),
            "cuda" | "gpu" => Some(DeviceKind::Cuda(0)),
            _ => s.strip_prefix("cuda:").and_then(|n| n.parse().ok()).map(DeviceKind::Cuda),
        }
    }

    /// The flag value.
    pub fn label(&self) -> String {
        match self {
            DeviceKind::Cpu => "cpu".into(),
            DeviceKind::Cuda(0) => "cuda".into(),
            DeviceKind::Cuda(n) => format!("cuda:{n}"),
        }
    }

    /// Opens the device.
    pub fn open(&self) -> Result<Device> {
        match self {
            DeviceKind::Cpu => Ok(Device::Cpu),
            DeviceKind::Cuda(n) => {
                if !cfg!(feature = "cuda") {
                    return Err(CaptureError::Device {
                        device: self.label(),
                        message: "this binary was built without CUDA; rebuild with `--features cuda` (see docs/capture.md) or use --device cpu".into(),
                    });
                }
                Device::new_cuda(*n).map_err(|e| CaptureError::Device {
                    device: self.label(),
                    message: format!("no usable CUDA device ({}); use --device cpu", crate::error::one_line(&e)),
                })
            }
        }
    }
}

/// A validated sweep.
#[derive(Debug, Clone)]
pub struct SweepConfig {
    /// The model.
    pub model: ModelSpec,
    /// Weights and activations type.
    pub dtype: Dtype,
    /// Device.
    pub device: DeviceKind,
    /// Configurations, in order.
    pub points: Vec<SweepPoint>,
    /// Decode steps per run.
    pub gen_tokens: u32,
    /// Unmeasured runs per configuration.
    pub warmup: u32,
    /// Measured runs per configuration.
    pub reps: u32,
    /// Collapse threshold (seed appendix C).
    pub collapse_factor: f64,
    /// The sweep CSV.
    pub out: PathBuf,
    /// Per-rep timings CSV (`<out stem>.reps.csv` by default).
    pub reps_out: PathBuf,
    /// Show a progress bar on stderr.
    pub progress: bool,
    /// Continue an interrupted sweep: keep the rows already in `out` (and `reps_out`), skip their
    /// configurations, and append the rest.
    pub resume: bool,
}

impl SweepConfig {
    /// The default per-rep CSV next to `out`.
    pub fn default_reps_path(out: &Path) -> PathBuf {
        let stem = out.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "sweep".into());
        out.with_file_name(format!("{stem}.reps.csv"))
    }
}

/// What a sweep produced.
#[derive(Debug, Clone, Default)]
pub struct SweepOutcome {
    /// One row per finished configuration.
    pub rows: Vec<SweepRow>,
    /// Every measured rep.
    pub reps: Vec<RepTiming>,
    /// True when a stop was requested before the end.
    pub interrupted: bool,
    /// Configurations that could not be measured in this run: (label, flag `oom`/`error`, message).
    pub failures: Vec<(String, String, String)>,
}

impl SweepOutcome {
    /// True when configurations were attempted and none of them could be measured (every row `oom` or `error`).
    pub fn nothing_measured(&self) -> bool {
        !self.rows.is_empty() && self.rows.iter().all(|r| r.flag == "oom" || r.flag == "error")
    }

    /// One line saying why nothing was measured (the first failure of this run).
    pub fn failure_summary(&self) -> String {
        match self.failures.first() {
            Some((label, flag, msg)) => format!("no configuration could be measured ({} of {}); first: {label}: {flag}: {msg}", self.failures.len(), self.rows.len()),
            None => "no configuration could be measured".into(),
        }
    }
}

/// Reads the rows of an existing sweep CSV (none when the file does not exist or is empty).
pub fn read_rows(path: &Path) -> Result<Vec<SweepRow>> {
    if !std::fs::metadata(path).is_ok_and(|m| m.len() > 0) {
        return Ok(Vec::new());
    }
    schema::sweep::read_rows(path).map_err(|e| CaptureError::io(path, std::io::Error::other(format!("not a sweep CSV of this tool: {e}"))))
}

/// Makes the two CSVs of an interrupted sweep agree before it resumes, whatever moment the kill came at: a
/// configuration's reps are written (and synced) before its row, so a kill in between leaves reps of a
/// configuration that has no row, which the resume measures again; and a kill inside a write leaves a cut last
/// line. Keeps the complete rows of `out` (rewriting it without a cut last line), keeps in `reps_out` only the
/// reps of those rows' configurations, and returns the rows.
pub fn prepare_resume(out: &Path, reps_out: &Path) -> Result<Vec<SweepRow>> {
    let rows = match read_rows(out) {
        Ok(rows) => rows,
        Err(first) => {
            // A cut last line: keep every complete line before it.
            let text = std::fs::read_to_string(out).map_err(|e| CaptureError::io(out, e))?;
            let Some(cut) = text.trim_end_matches('\n').rfind('\n') else { return Err(first) };
            let kept = &text[..=cut];
            let rows: Vec<SweepRow> = csv::Reader::from_reader(kept.as_bytes())
                .deserialize::<SweepRow>()
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(|_| first)?;
            write_replacing(out, kept.as_bytes())?;
            rows
        }
    };
    let done: std::collections::BTreeSet<(u32, u32)> = rows.iter().map(|r| (r.seq_len, r.batch)).collect();
    if let Ok(text) = std::fs::read_to_string(reps_out) {
        let mut lines = text.split_inclusive('\n');
        let mut kept = String::with_capacity(text.len());
        if let Some(header) = lines.next().filter(|h| h.ends_with('\n')) {
            kept.push_str(header);
            for line in lines.filter(|l| l.ends_with('\n')) {
                let mut f = line.split(',');
                let key = (f.next().and_then(|v| v.trim().parse().ok()), f.next().and_then(|v| v.trim().parse().ok()));
                if let (Some(s), Some(b)) = key {
                    if done.contains(&(s, b)) {
                        kept.push_str(line);
                    }
                }
            }
        }
        if kept != text {
            write_replacing(reps_out, kept.as_bytes())?;
        }
    }
    Ok(rows)
}

/// Replaces `path` by `bytes` through a temporary file, synced, then renamed.
fn write_replacing(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_file_name(format!(".{}.{}.partial", path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(), std::process::id()));
    let mut f = File::create(&tmp).map_err(|e| CaptureError::io(&tmp, e))?;
    f.write_all(bytes).and_then(|_| f.sync_data()).map_err(|e| CaptureError::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| CaptureError::io(path, e))
}

/// Bytes as GB with two decimals (10⁹ B).
fn gb(bytes: u64) -> String {
    format!("{:.2} GB", bytes as f64 / 1e9)
}

fn is_oom(msg: &str) -> bool {
    let m = msg.to_ascii_lowercase();
    m.contains("out of memory") || m.contains("out_of_memory") || m.contains("cannot allocate memory")
}

/// Runs one request batch: prefill + `gen` decode steps, under an NVTX range named `label`.
fn run_once(runner: &mut Runner, prompt: &[u32], batch: usize, gen: u32, label: &str) -> candle_core::Result<(u64, u64, Vec<u64>)> {
    runner.reset();
    let input = runner.prompt_tensor(prompt, batch)?;
    runner.sync()?;
    let _rep = nvtx::push(label);
    let prefill_range = nvtx::push(schema::phase::PREFILL);
    let t0 = Instant::now();
    let logits = runner.forward(&input, 0)?;
    runner.sync()?;
    let prefill = t0.elapsed().as_nanos() as u64;
    drop(prefill_range);
    let (mut next, _) = runner.sample(&logits)?;
    let ttft = t0.elapsed().as_nanos() as u64;
    let _decode = nvtx::push(schema::phase::DECODE);
    let mut steps = Vec::with_capacity(gen as usize);
    for k in 0..gen as usize {
        let _step = nvtx::push(&schema::phase::step_range(k as u32));
        let t = Instant::now();
        let logits = runner.forward(&next, prompt.len() + k)?;
        let (n, _) = runner.sample(&logits)?; // the host copy waits for the device
        next = n;
        steps.push(t.elapsed().as_nanos() as u64);
    }
    Ok((prefill, ttft, steps))
}

struct CsvOut {
    path: PathBuf,
    w: csv::Writer<File>,
}

impl CsvOut {
    /// Creates (truncates) `path`, or opens it for appending rows under its existing header.
    fn create(path: &Path, append: bool) -> Result<CsvOut> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| CaptureError::io(dir, e))?;
        }
        let has_rows = append && std::fs::metadata(path).is_ok_and(|m| m.len() > 0);
        let f = if has_rows {
            std::fs::OpenOptions::new().append(true).open(path)
        } else {
            File::create(path)
        }
        .map_err(|e| CaptureError::io(path, e))?;
        let w = csv::WriterBuilder::new().has_headers(!has_rows).from_writer(f);
        Ok(CsvOut { path: path.to_path_buf(), w })
    }

    fn write<T: serde::Serialize>(&mut self, row: &T) -> Result<()> {
        let err = |e: std::io::Error| CaptureError::io(&self.path, e);
        self.w.serialize(row).map_err(|e| err(std::io::Error::other(e)))?;
        self.w.flush().map_err(err)?;
        self.w.get_ref().sync_data().map_err(err)
    }
}

/// Runs the sweep. `stop` is checked between runs: once set, the sweep ends after the current run, leaving
/// only finished configurations in the CSV.
pub fn run_sweep(cfg: &SweepConfig, stop: &AtomicBool) -> Result<SweepOutcome> {
    let device = cfg.device.open()?;
    // The weights must fit before anything is allocated (a huge vocab_size would otherwise abort the process).
    let weights = weights_bytes(&cfg.model.config, cfg.dtype);
    if let Some(avail) = mem::available_bytes(&device) {
        if weights > avail {
            return Err(CaptureError::Model {
                model: cfg.model.name.clone(),
                message: format!(
                    "the weights need {} at {} and {} has {} available; choose a smaller model or dtype",
                    gb(weights),
                    cfg.dtype.as_str(),
                    cfg.device.label(),
                    gb(avail)
                ),
            });
        }
    }
    let mut runner = Runner::load(&cfg.model, &device, cfg.dtype)?;
    // Rows of an interrupted earlier run of this sweep, with the per-rep file made to agree with them.
    let prior: Vec<SweepRow> = if cfg.resume { prepare_resume(&cfg.out, &cfg.reps_out)? } else { Vec::new() };
    let done: std::collections::BTreeSet<(u32, u32)> = prior.iter().map(|r| (r.seq_len, r.batch)).collect();
    let mut out = CsvOut::create(&cfg.out, cfg.resume)?;
    let mut reps_out = CsvOut::create(&cfg.reps_out, cfg.resume)?;
    let ctx = RowContext {
        weights_bytes: weights_bytes(&cfg.model.config, cfg.dtype),
        kv_bytes_per_token: kv_cache_bytes(&cfg.model.config, 1, 1, cfg.dtype),
        warmup: cfg.warmup,
        gen_tokens: cfg.gen_tokens,
    };
    let runs_per_point = (cfg.warmup + cfg.reps) as u64;
    let bar = if cfg.progress {
        let b = indicatif::ProgressBar::new(cfg.points.len() as u64 * runs_per_point);
        b.set_style(
            indicatif::ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} runs  {msg}  ETA {eta}")
                .expect("valid template"),
        );
        b
    } else {
        indicatif::ProgressBar::hidden()
    };
    let mut prompts: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    let mut outcome = SweepOutcome { rows: prior, ..Default::default() };
    let mut peak: Option<f64> = None;
    let n = cfg.points.len();
    'points: for (pi, p) in cfg.points.iter().enumerate() {
        if done.contains(&(p.seq_len, p.batch)) {
            bar.inc(runs_per_point);
            bar.suspend(|| eprintln!("[{}/{n}] {}: kept from the earlier run", pi + 1, p.label()));
            continue;
        }
        if stop.load(Ordering::SeqCst) {
            outcome.interrupted = true;
            break;
        }
        let prompt = match prompts.get(&p.seq_len) {
            Some(v) => v.clone(),
            None => {
                let v = match &cfg.model.tokenizer {
                    Some(t) => tokenizer_prompt(t, p.seq_len as usize)?,
                    None => synthetic_prompt(p.seq_len as usize, runner.vocab_size),
                };
                prompts.insert(p.seq_len, v.clone());
                v
            }
        };
        let label = p.label();
        let _cfg_range = nvtx::push(&label);
        let mut reps: Vec<RepTiming> = Vec::new();
        let mut failure: Option<(String, String)> = None;
        // A configuration that cannot fit is not attempted: recorded as `oom` with the estimate, and the sweep goes on.
        let need = crate::model::run_bytes_estimate(&cfg.model.config, p.seq_len as u64, p.batch as u64, cfg.gen_tokens as u64, cfg.dtype);
        if let Some(avail) = mem::available_bytes(&device).filter(|&a| need > a) {
            failure = Some(("oom".into(), format!("not run: needs about {} (KV cache + activations, estimated), {} available", gb(need), gb(avail))));
        }
        for i in 0..if failure.is_some() { 0 } else { runs_per_point as u32 } {
            if stop.load(Ordering::SeqCst) {
                outcome.interrupted = true;
                break 'points;
            }
            let measured = i >= cfg.warmup;
            let run_label = if measured { schema::phase::rep_range(i - cfg.warmup) } else { schema::phase::warmup_range(i) };
            bar.set_message(format!("[{}/{n}] {label} {run_label}", pi + 1));
            match run_once(&mut runner, &prompt, p.batch as usize, cfg.gen_tokens, &run_label) {
                Ok((prefill, ttft, steps)) => {
                    // CUDA: sample used memory after every run, while the run's KV cache is still allocated.
                    if let Some(used) = mem::cuda_used_mb(&device) {
                        peak = Some(peak.map_or(used, |p: f64| p.max(used)));
                    }
                    if measured {
                        let decode: u64 = steps.iter().sum();
                        reps.push(RepTiming {
                            seq_len: p.seq_len,
                            batch: p.batch,
                            rep: i - cfg.warmup,
                            prefill_ns: prefill,
                            ttft_ns: ttft,
                            decode_ns: decode,
                            e2e_ns: ttft + decode,
                            steps: steps.len() as u32,
                            step_ns: steps,
                        });
                    }
                }
                Err(e) => {
                    let msg = crate::error::one_line(&e);
                    let flag = if is_oom(&msg) { "oom" } else { "error" };
                    failure = Some((flag.to_string(), msg));
                    break;
                }
            }
            bar.inc(1);
        }
        let (cur, pk) = match mem::cuda_used_mb(&device) {
            Some(used) => (Some(used), Some(used)),
            None => mem::cpu_rss_mb(),
        };
        peak = match (peak, pk) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        let mut row = row_from_reps(p.seq_len, p.batch, &reps, ctx, (cur, peak));
        if let Some((flag, msg)) = &failure {
            row = SweepRow { flag: flag.clone(), ..row_from_reps(p.seq_len, p.batch, &[], ctx, (cur, peak)) };
            bar.suspend(|| eprintln!("[{}/{n}] {label}: {flag}: {msg}", pi + 1));
            outcome.failures.push((label.clone(), flag.clone(), msg.clone()));
            bar.inc(runs_per_point - bar.position() % runs_per_point.max(1));
        } else if collapse(&row, &outcome.rows, cfg.collapse_factor) {
            row.flag = "collapse".into();
        }
        for r in &reps {
            reps_out.write(r)?;
        }
        out.write(&row)?;
        if failure.is_none() {
            bar.suspend(|| {
                eprintln!(
                    "[{}/{n}] {label}: prefill p50 {:.3} ms, decode p50 {:.3} ms/tok, {:.1} tok/s{}",
                    pi + 1,
                    row.prefill_p50_ms.unwrap_or(f64::NAN),
                    row.decode_p50_ms_per_tok.unwrap_or(f64::NAN),
                    row.total_tok_s.unwrap_or(f64::NAN),
                    if row.flag.is_empty() { String::new() } else { format!(" [{}]", row.flag) }
                )
            });
        }
        outcome.reps.extend(reps);
        outcome.rows.push(row);
        // Free what the configuration held before the next one (the KV cache).
        runner.reset();
    }
    bar.finish_and_clear();
    let _ = std::io::stderr().flush();
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Regime;

    #[test]
    fn oom_messages_are_recognized() {
        assert!(is_oom("DriverError(CUDA_ERROR_OUT_OF_MEMORY, \"out of memory\")"));
        assert!(is_oom("Cuda(Cublas(CUBLAS_STATUS_ALLOC_FAILED)) out of memory"));
        assert!(!is_oom("shape mismatch in matmul"));
    }

    /// A tiny random-weight CPU sweep over `seqs` at batch 1 into `dir/s.csv`.
    fn tiny(dir: &Path, seqs: Vec<u32>, gen_tokens: u32, warmup: u32, reps: u32) -> SweepConfig {
        let out = dir.join("s.csv");
        SweepConfig {
            model: ModelSpec::resolve("tiny", true).unwrap(),
            dtype: Dtype::Fp32,
            device: DeviceKind::Cpu,
            points: Regime::SeqSweep { seq_lens: seqs }.points(),
            gen_tokens,
            warmup,
            reps,
            collapse_factor: 1000.0,
            reps_out: SweepConfig::default_reps_path(&out),
            out,
            progress: false,
            resume: false,
        }
    }

    #[test]
    fn tiny_cpu_sweep_writes_consistent_rows() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = tiny(dir.path(), vec![16, 32], 4, 1, 3);
        let out = cfg.out.clone();
        let o = run_sweep(&cfg, &AtomicBool::new(false)).unwrap();
        assert_eq!(o.rows.len(), 2);
        assert_eq!(o.reps.len(), 6);
        let text = std::fs::read_to_string(&out).unwrap();
        assert_eq!(text.lines().count(), 3);
        assert!(text.starts_with("seq_len,batch,prefill_p50_ms,prefill_ms_per_tok,prefill_tok_s,decode_p50_ms_per_tok,decode_tok_s,total_tok_s,vram_mb,flag,"));
        assert_eq!(std::fs::read_to_string(dir.path().join("s.reps.csv")).unwrap().lines().count(), 7);
        for r in &o.rows {
            assert!(r.prefill_p50_ms.unwrap() > 0.0 && r.flag.is_empty());
            assert!(r.vram_mb.unwrap() > 0.0);
        }
    }

    #[test]
    fn a_kill_between_reps_and_row_does_not_duplicate_reps_on_resume() {
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = tiny(dir.path(), vec![8, 16], 2, 0, 2);
        run_sweep(&cfg, &AtomicBool::new(false)).unwrap();
        // As if killed after the second configuration's reps were synced but before its row: drop the row.
        let text = std::fs::read_to_string(&cfg.out).unwrap();
        let first_two: String = text.split_inclusive('\n').take(2).collect();
        std::fs::write(&cfg.out, &first_two).unwrap();
        // And a kill inside a reps write: a cut line at the end.
        let mut reps = std::fs::read_to_string(&cfg.reps_out).unwrap();
        reps.push_str("16,1,9,12");
        std::fs::write(&cfg.reps_out, reps).unwrap();
        cfg.resume = true;
        let o = run_sweep(&cfg, &AtomicBool::new(false)).unwrap();
        assert_eq!(o.rows.len(), 2);
        let rows: Vec<(String, String)> = std::fs::read_to_string(&cfg.reps_out)
            .unwrap()
            .lines()
            .skip(1)
            .map(|l| {
                let mut f = l.split(',');
                (f.next().unwrap().to_string(), f.next().unwrap().to_string())
            })
            .collect();
        // Two reps per configuration, each once.
        assert_eq!(rows.iter().filter(|(s, _)| s == "8").count(), 2, "{rows:?}");
        assert_eq!(rows.iter().filter(|(s, _)| s == "16").count(), 2, "{rows:?}");
        assert_eq!(std::fs::read_to_string(&cfg.out).unwrap().lines().count(), 3);
    }

    #[test]
    fn a_cut_last_row_is_dropped_on_resume() {
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = tiny(dir.path(), vec![8, 16], 2, 0, 1);
        run_sweep(&cfg, &AtomicBool::new(false)).unwrap();
        let text = std::fs::read_to_string(&cfg.out).unwrap();
        std::fs::write(&cfg.out, &text[..text.len() - 20]).unwrap();
        cfg.resume = true;
        let o = run_sweep(&cfg, &AtomicBool::new(false)).unwrap();
        assert_eq!(o.rows.len(), 2);
        assert_eq!(crate::sweep::read_rows(&cfg.out).unwrap().len(), 2);
        assert_eq!(std::fs::read_to_string(&cfg.reps_out).unwrap().lines().count(), 3);
    }

    #[test]
    fn a_stop_request_leaves_only_finished_rows() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = tiny(dir.path(), vec![8, 16], 2, 0, 1);
        let out = cfg.out.clone();
        let o = run_sweep(&cfg, &AtomicBool::new(true)).unwrap();
        assert!(o.interrupted);
        assert!(o.rows.is_empty());
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "");
    }
}
