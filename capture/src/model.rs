//! Qwen2-family models: built-in configs, model sources (local directory, Hugging Face cache, random weights),
//! the memory the config predicts (weights, KV cache), and a runner for prefill and decode steps.

use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Shape, Tensor};
use candle_nn::var_builder::SimpleBackend;
use candle_nn::VarBuilder;
use candle_transformers::models::qwen2::{Config, ModelForCausalLM};

use crate::error::{CaptureError, Result};

/// Built-in configs: `(name, config.json text)`. The Qwen2.5 ones are the published configs' model-shape fields.
pub const BUILTIN_CONFIGS: &[(&str, &str)] = &[
    ("tiny", r#"{"vocab_size":512,"hidden_size":64,"intermediate_size":128,"num_hidden_layers":2,"num_attention_heads":4,"num_key_value_heads":2,"max_position_embeddings":8192,"sliding_window":8192,"max_window_layers":2,"tie_word_embeddings":true,"rope_theta":1000000.0,"rms_norm_eps":1e-6,"use_sliding_window":false,"hidden_act":"silu"}"#),
    ("qwen2.5-0.5b", r#"{"vocab_size":151936,"hidden_size":896,"intermediate_size":4864,"num_hidden_layers":24,"num_attention_heads":14,"num_key_value_heads":2,"max_position_embeddings":32768,"sliding_window":32768,"max_window_layers":24,"tie_word_embeddings":true,"rope_theta":1000000.0,"rms_norm_eps":1e-6,"use_sliding_window":false,"hidden_act":"silu"}"#),
    ("qwen2.5-1.5b", r#"{"vocab_size":151936,"hidden_size":1536,"intermediate_size":8960,"num_hidden_layers":28,"num_attention_heads":12,"num_key_value_heads":2,"max_position_embeddings":32768,"sliding_window":32768,"max_window_layers":28,"tie_word_embeddings":true,"rope_theta":1000000.0,"rms_norm_eps":1e-6,"use_sliding_window":false,"hidden_act":"silu"}"#),
    ("qwen2.5-3b", r#"{"vocab_size":151936,"hidden_size":2048,"intermediate_size":11008,"num_hidden_layers":36,"num_attention_heads":16,"num_key_value_heads":2,"max_position_embeddings":32768,"sliding_window":32768,"max_window_layers":36,"tie_word_embeddings":true,"rope_theta":1000000.0,"rms_norm_eps":1e-6,"use_sliding_window":false,"hidden_act":"silu"}"#),
    ("qwen2.5-7b", r#"{"vocab_size":152064,"hidden_size":3584,"intermediate_size":18944,"num_hidden_layers":28,"num_attention_heads":28,"num_key_value_heads":4,"max_position_embeddings":32768,"sliding_window":131072,"max_window_layers":28,"tie_word_embeddings":false,"rope_theta":1000000.0,"rms_norm_eps":1e-6,"use_sliding_window":false,"hidden_act":"silu"}"#),
];

/// The built-in config named `name` (case-insensitive; `Qwen/Qwen2.5-3B-Instruct` maps to `qwen2.5-3b`).
pub fn builtin_config(name: &str) -> Option<(&'static str, Config)> {
    let n = name.to_ascii_lowercase();
    let n = n.rsplit('/').next().unwrap_or(&n).trim_end_matches("-instruct");
    BUILTIN_CONFIGS
        .iter()
        .find(|(k, _)| *k == n)
        .map(|(k, json)| (*k, serde_json::from_str(json).expect("built-in configs are valid")))
}

/// True for a built-in config that exists only for tests and has no published weights (`tiny`): it runs with
/// random weights whether or not `--random-weights` is given.
pub fn is_weightless_builtin(name: &str) -> bool {
    name.eq_ignore_ascii_case("tiny")
}

/// Element type of the weights and activations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dtype {
    /// IEEE half precision.
    Fp16,
    /// bfloat16.
    Bf16,
    /// single precision.
    Fp32,
}

impl Dtype {
    /// candle's dtype.
    pub fn candle(self) -> DType {
        match self {
            Dtype::Fp16 => DType::F16,
            Dtype::Bf16 => DType::BF16,
            Dtype::Fp32 => DType::F32,
        }
    }

    /// Bytes per element.
    pub fn bytes(self) -> u64 {
        match self {
            Dtype::Fp16 | Dtype::Bf16 => 2,
            Dtype::Fp32 => 4,
        }
    }

    /// The flag value.
    pub fn as_str(self) -> &'static str {
        match self {
            Dtype::Fp16 => "fp16",
            Dtype::Bf16 => "bf16",
            Dtype::Fp32 => "fp32",
        }
    }
}

/// Checks a Qwen2 config before any model is built from it (candle panics or aborts on some invalid shapes):
/// every size positive, `hidden_size` divisible by `num_attention_heads` into an even head size, the attention
/// heads divisible by `num_key_value_heads`, finite positive `rms_norm_eps` and `rope_theta`, and a parameter
/// count that fits in 64 bits. Returns the field at fault and what it must be.
pub fn validate_config(c: &Config) -> std::result::Result<(), String> {
    for (field, v) in [
        ("vocab_size", c.vocab_size),
        ("hidden_size", c.hidden_size),
        ("intermediate_size", c.intermediate_size),
        ("num_hidden_layers", c.num_hidden_layers),
        ("num_attention_heads", c.num_attention_heads),
        ("num_key_value_heads", c.num_key_value_heads),
        ("max_position_embeddings", c.max_position_embeddings),
    ] {
        if v == 0 {
            return Err(format!("{field} is 0; it must be a positive integer"));
        }
        if v > u32::MAX as usize {
            return Err(format!("{field} is {v}; at most {} is supported", u32::MAX));
        }
    }
    if c.hidden_size % c.num_attention_heads != 0 {
        return Err(format!(
            "hidden_size ({}) is not divisible by num_attention_heads ({}); the head size must be a whole number",
            c.hidden_size, c.num_attention_heads
        ));
    }
    if (c.hidden_size / c.num_attention_heads) % 2 != 0 {
        return Err(format!(
            "hidden_size / num_attention_heads = {} is odd; rotary embeddings need an even head size",
            c.hidden_size / c.num_attention_heads
        ));
    }
    if c.num_attention_heads % c.num_key_value_heads != 0 {
        return Err(format!(
            "num_attention_heads ({}) is not divisible by num_key_value_heads ({})",
            c.num_attention_heads, c.num_key_value_heads
        ));
    }
    if !(c.rms_norm_eps.is_finite() && c.rms_norm_eps > 0.0) {
        return Err(format!("rms_norm_eps is {}; it must be a small positive number such as 1e-6", c.rms_norm_eps));
    }
    if !(c.rope_theta.is_finite() && c.rope_theta > 0.0) {
        return Err(format!("rope_theta is {}; it must be positive, such as 1000000", c.rope_theta));
    }
    if param_count_checked(c).is_none() {
        return Err("the parameter count overflows 64 bits; the sizes are not those of a real model".into());
    }
    Ok(())
}

/// Bytes a request batch of `batch` sequences of `seq_len` prompt tokens plus `gen_tokens` decode steps needs
/// beyond the weights, as an upper estimate: the KV cache at its largest, plus the prefill's activations at once
/// (attention scores `heads × seq × seq`, the MLP's three `intermediate`-wide tensors, a few `hidden`-wide ones)
/// per sequence. Saturates instead of overflowing.
pub fn run_bytes_estimate(c: &Config, seq_len: u64, batch: u64, gen_tokens: u64, dtype: Dtype) -> u64 {
    let b = dtype.bytes() as u128;
    let kv = kv_cache_bytes_wide(c, seq_len + gen_tokens, batch, dtype);
    let per_token = c.num_attention_heads as u128 * seq_len as u128 + 4 * c.intermediate_size as u128 + 8 * c.hidden_size as u128;
    let act = batch as u128 * seq_len as u128 * per_token * b;
    u64::try_from(kv + act).unwrap_or(u64::MAX)
}

/// Number of parameters of a Qwen2 config (embeddings, attention with q/k/v biases, MLP, norms, lm_head if untied).
pub fn param_count(c: &Config) -> u64 {
    param_count_checked(c).unwrap_or(u64::MAX)
}

/// [`param_count`] in 128-bit arithmetic: None when it does not fit in 64 bits (or the config has no heads).
pub fn param_count_checked(c: &Config) -> Option<u64> {
    let h = c.hidden_size as u128;
    let head_dim = h.checked_div(c.num_attention_heads as u128)?;
    let kv = c.num_key_value_heads as u128 * head_dim;
    let attn = h * h + h + 2 * (h * kv + kv) + h * h; // q (+bias), k, v (+biases), o
    let mlp = 3 * h * c.intermediate_size as u128;
    let layer = attn + mlp + 2 * h; // two RMS norms
    let embed = c.vocab_size as u128 * h;
    let head = if c.tie_word_embeddings { 0 } else { embed };
    u64::try_from(embed + c.num_hidden_layers as u128 * layer + h + head).ok()
}

/// Bytes of the weights at `dtype` (saturating: a config too large to count asks for more than any device has).
pub fn weights_bytes(c: &Config, dtype: Dtype) -> u64 {
    param_count(c).saturating_mul(dtype.bytes())
}

/// KV-cache bytes for `tokens` cached tokens per sequence and `batch` sequences (GQA formula):
/// `2 (K and V) × layers × kv_heads × head_dim × tokens × batch × bytes per element`.
pub fn kv_cache_bytes(c: &Config, tokens: u64, batch: u64, dtype: Dtype) -> u64 {
    u64::try_from(kv_cache_bytes_wide(c, tokens, batch, dtype)).unwrap_or(u64::MAX)
}

/// [`kv_cache_bytes`] in 128 bits.
fn kv_cache_bytes_wide(c: &Config, tokens: u64, batch: u64, dtype: Dtype) -> u128 {
    let head_dim = (c.hidden_size / c.num_attention_heads.max(1)) as u128;
    2 * c.num_hidden_layers as u128 * c.num_key_value_heads as u128 * head_dim * tokens as u128 * batch as u128 * dtype.bytes() as u128
}

/// Where the weights come from.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WeightSource {
    /// Random weights (same shapes, kernels and timings as the real model).
    Random,
    /// safetensors files in a local directory.
    Local {
        /// The directory.
        dir: PathBuf,
    },
}

/// A resolved model: config, weights and an optional tokenizer.
#[derive(Debug, Clone)]
pub struct ModelSpec {
    /// Short name for run ids and reports (`tiny`, `qwen2.5-0.5b`, the directory name, ...).
    pub name: String,
    /// The model config.
    pub config: Config,
    /// The config as JSON (for the manifest).
    pub config_json: serde_json::Value,
    /// Weights.
    pub weights: WeightSource,
    /// `tokenizer.json`, when the model has one.
    pub tokenizer: Option<PathBuf>,
}

fn read_config(path: &Path, model: &str) -> Result<(Config, serde_json::Value)> {
    let text = std::fs::read_to_string(path).map_err(|e| CaptureError::io(path, e))?;
    let json: serde_json::Value = serde_json::from_str(&text).map_err(|e| CaptureError::Model {
        model: model.into(),
        message: format!("{} is not valid JSON: {e}", path.display()),
    })?;
    let config: Config = serde_json::from_value(json.clone()).map_err(|e| CaptureError::Model {
        model: model.into(),
        message: format!("{} is not a Qwen2-family config ({e}); a config.json of Qwen2/Qwen2.5 is needed", path.display()),
    })?;
    validate_config(&config).map_err(|why| CaptureError::Model { model: model.into(), message: format!("{}: {why}", path.display()) })?;
    Ok((config, json))
}

/// The Hugging Face hub cache directory (`$HF_HUB_CACHE`, `$HF_HOME/hub`, or `~/.cache/huggingface/hub`).
pub fn hf_cache_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("HF_HUB_CACHE") {
        return Some(PathBuf::from(d));
    }
    if let Some(d) = std::env::var_os("HF_HOME") {
        return Some(PathBuf::from(d).join("hub"));
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/huggingface/hub"))
}

/// Resolves `org/name` in the local HF cache to its snapshot directory (the `refs/main` revision, else any).
pub fn resolve_hf_cache(id: &str, cache: &Path) -> Option<PathBuf> {
    let repo = cache.join(format!("models--{}", id.replace('/', "--")));
    let snapshots = repo.join("snapshots");
    if let Ok(rev) = std::fs::read_to_string(repo.join("refs/main")) {
        let d = snapshots.join(rev.trim());
        if d.join("config.json").is_file() {
            return Some(d);
        }
    }
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&snapshots).ok()?.filter_map(|e| e.ok().map(|e| e.path())).collect();
    dirs.sort();
    dirs.into_iter().find(|d| d.join("config.json").is_file())
}

impl ModelSpec {
    /// Resolves `--model` (and `--random-weights`):
    /// - with random weights: a built-in name (`tiny`, `qwen2.5-0.5b`, `-1.5b`, `-3b`, `-7b`), a `config.json`, or a
    ///   directory or HF id holding one;
    /// - otherwise: a local directory with `config.json` + `*.safetensors` (+ `tokenizer.json`), or a Hugging Face
    ///   id found in the local HF cache (no download is ever attempted).
    pub fn resolve(model: &str, random_weights: bool) -> Result<ModelSpec> {
        let path = Path::new(model);
        let dir = if path.is_dir() {
            Some(path.to_path_buf())
        } else if model.contains('/') && !path.exists() {
            hf_cache_dir().and_then(|c| resolve_hf_cache(model, &c))
        } else {
            None
        };
        let name_of = |p: &Path| p.file_name().map(|s| s.to_string_lossy().to_lowercase()).unwrap_or_else(|| "model".into());
        if random_weights {
            if let Some((name, config)) = builtin_config(model) {
                let config_json = serde_json::from_str(BUILTIN_CONFIGS.iter().find(|(k, _)| *k == name).unwrap().1).unwrap();
                return Ok(ModelSpec { name: name.into(), config, config_json, weights: WeightSource::Random, tokenizer: None });
            }
            let cfg_path = if path.is_file() { Some(path.to_path_buf()) } else { dir.as_ref().map(|d| d.join("config.json")) };
            let Some(cfg_path) = cfg_path.filter(|p| p.is_file()) else {
                return Err(CaptureError::Model {
                    model: model.into(),
                    message: format!(
                        "not a built-in config ({}), a config.json, or a directory with one",
                        BUILTIN_CONFIGS.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(", ")
                    ),
                });
            };
            let (config, config_json) = read_config(&cfg_path, model)?;
            let tok = cfg_path.with_file_name("tokenizer.json");
            let name = if cfg_path.file_name().is_some_and(|f| f == "config.json") {
                cfg_path.parent().map(name_of).unwrap_or_else(|| "model".into())
            } else {
                cfg_path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "model".into())
            };
            return Ok(ModelSpec { name, config, config_json, weights: WeightSource::Random, tokenizer: tok.is_file().then_some(tok) });
        }
        let Some(dir) = dir else {
            let hint = if builtin_config(model).is_some() {
                format!("'{model}' is a built-in config: add --random-weights to run it with random weights (no download)")
            } else if model.contains('/') {
                format!("not a local directory and not in the Hugging Face cache ({}); download it elsewhere and pass its directory, or add --random-weights with a config", hf_cache_dir().map(|d| d.display().to_string()).unwrap_or_default())
            } else {
                "not a directory with config.json and *.safetensors; or add --random-weights with a built-in config name".to_string()
            };
            return Err(CaptureError::Model { model: model.into(), message: hint });
        };
        let (config, config_json) = read_config(&dir.join("config.json"), model)?;
        let has_weights = std::fs::read_dir(&dir)
            .map_err(|e| CaptureError::io(&dir, e))?
            .filter_map(|e| e.ok())
            .any(|e| e.path().extension().is_some_and(|x| x == "safetensors"));
        if !has_weights {
            return Err(CaptureError::Model {
                model: model.into(),
                message: format!("{} has no *.safetensors weights; add --random-weights to use its config with random weights", dir.display()),
            });
        }
        let tok = dir.join("tokenizer.json");
        Ok(ModelSpec {
            name: name_of(&dir),
            config,
            config_json,
            tokenizer: tok.is_file().then_some(tok),
            weights: WeightSource::Local { dir },
        })
    }
}

/// A candle weight backend that makes random tensors of whatever shape the model asks for: normal(0, 0.02)
/// for matrices and embeddings, ones for norm scales, zeros for biases. Tensors are drawn in F32 and cast
/// (candle's CUDA `randn` rejects BF16).
struct RandomBackend {
    tie_word_embeddings: bool,
    /// When set, every tensor handed out is also kept here (to save a random model as safetensors).
    record: Option<std::sync::Mutex<std::collections::HashMap<String, Tensor>>>,
}

impl SimpleBackend for RandomBackend {
    fn get(&self, s: Shape, name: &str, _h: candle_nn::Init, dtype: DType, dev: &Device) -> candle_core::Result<Tensor> {
        let t = if name.ends_with("norm.weight") {
            Tensor::ones(s, DType::F32, dev)?
        } else if name.ends_with(".bias") {
            Tensor::zeros(s, DType::F32, dev)?
        } else {
            Tensor::randn(0f32, 0.02f32, s, dev)?
        };
        let t = t.to_dtype(dtype)?;
        if let Some(rec) = &self.record {
            rec.lock().expect("not poisoned").insert(name.to_string(), t.clone());
        }
        Ok(t)
    }

    fn get_unchecked(&self, name: &str, _dtype: DType, _dev: &Device) -> candle_core::Result<Tensor> {
        candle_core::bail!("random weights need a shape for '{name}'")
    }

    fn contains_tensor(&self, name: &str) -> bool {
        name != "lm_head.weight" || !self.tie_word_embeddings
    }
}

/// Writes a random-weight model of `config` as a local model directory: `config.json` and `model.safetensors`
/// (F32 tensors with the names and shapes the Qwen2 loader expects). Useful to test the local-directory path.
pub fn write_random_model(config_json: &serde_json::Value, dir: &Path) -> Result<()> {
    let config: Config = serde_json::from_value(config_json.clone())
        .map_err(|e| CaptureError::Model { model: dir.display().to_string(), message: e.to_string() })?;
    std::fs::create_dir_all(dir).map_err(|e| CaptureError::io(dir, e))?;
    let backend = std::sync::Arc::new(RandomBackend {
        tie_word_embeddings: config.tie_word_embeddings,
        record: Some(std::sync::Mutex::new(Default::default())),
    });
    struct Shared(std::sync::Arc<RandomBackend>);
    impl SimpleBackend for Shared {
        fn get(&self, s: Shape, name: &str, h: candle_nn::Init, dtype: DType, dev: &Device) -> candle_core::Result<Tensor> {
            self.0.get(s, name, h, dtype, dev)
        }
        fn get_unchecked(&self, name: &str, dtype: DType, dev: &Device) -> candle_core::Result<Tensor> {
            self.0.get_unchecked(name, dtype, dev)
        }
        fn contains_tensor(&self, name: &str) -> bool {
            self.0.contains_tensor(name)
        }
    }
    let err = |e: candle_core::Error| CaptureError::Model { model: dir.display().to_string(), message: crate::error::one_line(&e) };
    let vb = VarBuilder::from_backend(Box::new(Shared(backend.clone())), DType::F32, Device::Cpu);
    ModelForCausalLM::new(&config, vb).map_err(err)?;
    let tensors = backend.record.as_ref().expect("recording").lock().expect("not poisoned").clone();
    candle_core::safetensors::save(&tensors, dir.join("model.safetensors")).map_err(err)?;
    let text = serde_json::to_string_pretty(config_json).expect("serializes");
    std::fs::write(dir.join("config.json"), text).map_err(|e| CaptureError::io(dir.join("config.json"), e))
}

/// A loaded model ready to run prefill and decode steps.
pub struct Runner {
    model: ModelForCausalLM,
    device: Device,
    /// Vocabulary size (token ids are below it).
    pub vocab_size: usize,
}

impl Runner {
    /// Loads `spec` on `device` at `dtype`.
    pub fn load(spec: &ModelSpec, device: &Device, dtype: Dtype) -> Result<Runner> {
        let err = |e: candle_core::Error| CaptureError::Model { model: spec.name.clone(), message: crate::error::one_line(&e) };
        let vb = match &spec.weights {
            WeightSource::Random => VarBuilder::from_backend(
                Box::new(RandomBackend { tie_word_embeddings: spec.config.tie_word_embeddings, record: None }),
                dtype.candle(),
                device.clone(),
            ),
            WeightSource::Local { dir } => {
                let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
                    .map_err(|e| CaptureError::io(dir, e))?
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|x| x == "safetensors"))
                    .collect();
                files.sort();
                // SAFETY: the files are memory-mapped read-only; they must not change while the run lasts.
                unsafe { VarBuilder::from_mmaped_safetensors(&files, dtype.candle(), device) }.map_err(err)?
            }
        };
        let model = ModelForCausalLM::new(&spec.config, vb).map_err(err)?;
        Ok(Runner { model, device: device.clone(), vocab_size: spec.config.vocab_size })
    }

    /// Forgets the KV cache (start of a new request).
    pub fn reset(&mut self) {
        self.model.clear_kv_cache();
    }

    /// Waits for the device to finish queued work.
    pub fn sync(&self) -> candle_core::Result<()> {
        self.device.synchronize()
    }

    /// Runs the model on `tokens` (`batch × len` ids) at position `offset`; returns the logits of the last position.
    pub fn forward(&mut self, tokens: &Tensor, offset: usize) -> candle_core::Result<Tensor> {
        self.model.forward(tokens, offset)
    }

    /// Greedy next token per sequence, as a `batch × 1` tensor on the device, plus the ids on the host (the copy
    /// to the host waits for the device).
    pub fn sample(&self, logits: &Tensor) -> candle_core::Result<(Tensor, Vec<u32>)> {
        let next = logits.squeeze(1)?.argmax(candle_core::D::Minus1)?.to_dtype(DType::U32)?;
        let ids = next.to_vec1::<u32>()?;
        Ok((next.unsqueeze(1)?, ids))
    }

    /// A `batch × seq` tensor of prompt ids on the device.
    pub fn prompt_tensor(&self, ids: &[u32], batch: usize) -> candle_core::Result<Tensor> {
        let row = Tensor::new(ids, &self.device)?.unsqueeze(0)?;
        row.repeat((batch, 1))
    }
}

/// Deterministic pseudo-random prompt ids (for random-weight models without a tokenizer).
pub fn synthetic_prompt(seq_len: usize, vocab: usize) -> Vec<u32> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..seq_len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % vocab.max(1) as u64) as u32
        })
        .collect()
}

/// The text prompts are cut from: repeated until the tokenizer yields enough tokens.
const PROMPT_TEXT: &str = "Latency anatomy measures where the time of large language model inference goes on a GPU. \
The prefill phase processes the whole prompt in parallel and is bound by compute, while every decode step reads \
all the weights and the growing key-value cache to produce one token per sequence, and is bound by memory traffic. \
Batching turns the same weight reads into more useful work, until the cache and the attention cost take over. ";

/// Prompt ids of exactly `seq_len` tokens, built with the model's tokenizer from English text.
pub fn tokenizer_prompt(tokenizer: &Path, seq_len: usize) -> Result<Vec<u32>> {
    let tok = tokenizers::Tokenizer::from_file(tokenizer).map_err(|e| CaptureError::Model {
        model: tokenizer.display().to_string(),
        message: format!("cannot load tokenizer.json: {e}"),
    })?;
    let mut text = String::from(PROMPT_TEXT);
    loop {
        let enc = tok.encode(text.as_str(), false).map_err(|e| CaptureError::Model {
            model: tokenizer.display().to_string(),
            message: format!("tokenizer failed: {e}"),
        })?;
        let ids = enc.get_ids();
        if ids.len() >= seq_len {
            return Ok(ids[..seq_len].to_vec());
        }
        if ids.is_empty() {
            return Err(CaptureError::Model {
                model: tokenizer.display().to_string(),
                message: "the tokenizer produces no tokens for English text".into(),
            });
        }
        let reps = seq_len / ids.len() + 1;
        text = PROMPT_TEXT.repeat(reps * text.len() / PROMPT_TEXT.len() + 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qwen_sizes_match_the_published_parameter_counts() {
        // Published totals: 0.49B, 1.54B, 3.09B, 7.62B parameters.
        let p = |n: &str| param_count(&builtin_config(n).unwrap().1) as f64 / 1e9;
        assert!((p("qwen2.5-0.5b") - 0.494).abs() < 0.01, "{}", p("qwen2.5-0.5b"));
        assert!((p("qwen2.5-1.5b") - 1.544).abs() < 0.01, "{}", p("qwen2.5-1.5b"));
        assert!((p("qwen2.5-3b") - 3.086).abs() < 0.01, "{}", p("qwen2.5-3b"));
        assert!((p("Qwen/Qwen2.5-7B-Instruct") - 7.616).abs() < 0.01, "{}", p("qwen2.5-7b"));
    }

    #[test]
    fn invalid_configs_are_refused_naming_the_field() {
        let base = builtin_config("tiny").unwrap().1;
        for (field, value, want) in [
            ("num_attention_heads", 0usize, "num_attention_heads is 0"),
            ("num_key_value_heads", 0, "num_key_value_heads is 0"),
            ("hidden_size", 0, "hidden_size is 0"),
            ("vocab_size", 0, "vocab_size is 0"),
            ("hidden_size", 66, "not divisible by num_attention_heads"),
            ("num_key_value_heads", 3, "not divisible by num_key_value_heads"),
            ("vocab_size", 4_000_000_000_000, "vocab_size is 4000000000000"),
        ] {
            let mut json: serde_json::Value = serde_json::from_str(BUILTIN_CONFIGS[0].1).unwrap();
            json[field] = serde_json::json!(value);
            let c: Config = serde_json::from_value(json).unwrap();
            let e = validate_config(&c).unwrap_err();
            assert!(e.contains(want), "{field}={value}: {e}");
        }
        assert!(validate_config(&base).is_ok());
        for (n, _) in BUILTIN_CONFIGS {
            assert!(validate_config(&builtin_config(n).unwrap().1).is_ok(), "{n}");
        }
    }

    #[test]
    fn run_estimate_grows_with_batch_and_saturates() {
        let c = builtin_config("tiny").unwrap().1;
        let one = run_bytes_estimate(&c, 128, 1, 32, Dtype::Fp32);
        assert_eq!(run_bytes_estimate(&c, 128, 1000, 32, Dtype::Fp32), one * 1000);
        // tiny at batch 100,000 x 128 tokens: tens of GB, far beyond a laptop.
        assert!(run_bytes_estimate(&c, 128, 100_000, 32, Dtype::Fp32) > 50_000_000_000);
        assert_eq!(run_bytes_estimate(&c, u32::MAX as u64, u32::MAX as u64, 1, Dtype::Fp32), u64::MAX);
    }

    #[test]
    fn kv_cache_formula() {
        // Qwen2.5-3B: 36 layers, 2 KV heads, head_dim 128: 2*36*2*128*2 B = 36,864 B per token.
        let c = builtin_config("qwen2.5-3b").unwrap().1;
        assert_eq!(kv_cache_bytes(&c, 1, 1, Dtype::Fp16), 36_864);
        assert_eq!(kv_cache_bytes(&c, 4096, 2, Dtype::Bf16), 36_864 * 4096 * 2);
    }

    #[test]
    fn synthetic_prompts_are_deterministic_and_in_range() {
        let a = synthetic_prompt(100, 512);
        assert_eq!(a, synthetic_prompt(100, 512));
        assert!(a.iter().all(|&t| t < 512));
    }
}
