//! Model sources other than built-in random weights: a local directory (config.json + safetensors +
//! tokenizer.json, the tokenizer trained here with the `tokenizers` crate) and the local Hugging Face cache.

use std::path::Path;
use std::sync::atomic::AtomicBool;

use latency_anatomy_capture::model::{resolve_hf_cache, tokenizer_prompt, write_random_model, Dtype, ModelSpec, WeightSource, BUILTIN_CONFIGS};
use latency_anatomy_capture::plan::SweepPoint;
use latency_anatomy_capture::sweep::{run_sweep, DeviceKind, SweepConfig};
use tokenizers::models::bpe::{BpeTrainerBuilder, BPE};
use tokenizers::models::TrainerWrapper;
use tokenizers::pre_tokenizers::whitespace::Whitespace;
use tokenizers::Tokenizer;

fn tiny_json() -> serde_json::Value {
    serde_json::from_str(BUILTIN_CONFIGS.iter().find(|(k, _)| *k == "tiny").unwrap().1).unwrap()
}

/// Trains a small BPE tokenizer on English text and saves it as `tokenizer.json`.
fn train_tokenizer(dir: &Path) -> std::path::PathBuf {
    let corpus = dir.join("corpus.txt");
    let text = "The prefill phase processes the prompt in parallel. Every decode step reads all the weights and the \
                key value cache to produce one token. Batching turns the same reads into more useful work. "
        .repeat(20);
    std::fs::write(&corpus, text).unwrap();
    let mut tok = Tokenizer::new(BPE::default());
    tok.with_pre_tokenizer(Some(Whitespace {}));
    let mut trainer: TrainerWrapper = BpeTrainerBuilder::new().vocab_size(200).min_frequency(1).build().into();
    tok.train_from_files(&mut trainer, vec![corpus.display().to_string()]).unwrap();
    let path = dir.join("tokenizer.json");
    tok.save(&path, false).unwrap();
    path
}

#[test]
fn local_directory_with_tokenizer() {
    let tmp = tempfile::tempdir().unwrap();
    let model_dir = tmp.path().join("qwen-tiny-local");
    write_random_model(&tiny_json(), &model_dir).unwrap();
    let tok = train_tokenizer(&model_dir);
    let spec = ModelSpec::resolve(model_dir.to_str().unwrap(), false).unwrap();
    assert_eq!(spec.weights, WeightSource::Local { dir: model_dir.clone() });
    assert_eq!(spec.tokenizer.as_deref(), Some(tok.as_path()));
    assert_eq!(spec.name, "qwen-tiny-local");
    // Prompts of exactly `seq` tokens, cut from real text.
    for n in [1, 37, 300] {
        let ids = tokenizer_prompt(&tok, n).unwrap();
        assert_eq!(ids.len(), n);
    }
    let t = Tokenizer::from_file(&tok).unwrap();
    let ids = tokenizer_prompt(&tok, 300).unwrap();
    assert!(ids.iter().all(|&i| (i as usize) < t.get_vocab_size(true)));
    // The prompt is the tokenizer's own encoding of text, cut at `seq`: its prefix is stable as seq grows.
    assert_eq!(&ids[..37], &tokenizer_prompt(&tok, 37).unwrap()[..]);
    // Text of the prompt ("Latency anatomy measures ..."; 'L' is not in this small vocabulary and is dropped).
    let text = t.decode(&ids[..20], true).unwrap().replace(' ', "");
    assert!(text.starts_with("atencyanatomymeasures"), "{text}");
    let out = tmp.path().join("s.csv");
    let cfg = SweepConfig {
        model: spec,
        dtype: Dtype::Fp32,
        device: DeviceKind::Cpu,
        points: vec![SweepPoint { seq_len: 24, batch: 2 }],
        gen_tokens: 3,
        warmup: 0,
        reps: 2,
        collapse_factor: 2.0,
        reps_out: SweepConfig::default_reps_path(&out),
        out,
        progress: false,
        resume: false,
    };
    let o = run_sweep(&cfg, &AtomicBool::new(false)).unwrap();
    assert_eq!(o.rows.len(), 1);
    assert!(o.rows[0].flag.is_empty());
    // The safetensors weights are the ones used: a directory without them is refused with a hint.
    std::fs::remove_file(model_dir.join("model.safetensors")).unwrap();
    let e = ModelSpec::resolve(model_dir.to_str().unwrap(), false).unwrap_err().to_string();
    assert!(e.contains("--random-weights"), "{e}");
}

#[test]
fn hugging_face_cache_is_resolved_offline() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("models--Org--Tiny-Qwen");
    let snap = repo.join("snapshots/0123abcd");
    write_random_model(&tiny_json(), &snap).unwrap();
    std::fs::create_dir_all(repo.join("refs")).unwrap();
    std::fs::write(repo.join("refs/main"), "0123abcd\n").unwrap();
    assert_eq!(resolve_hf_cache("Org/Tiny-Qwen", tmp.path()), Some(snap.clone()));
    assert_eq!(resolve_hf_cache("Org/Missing", tmp.path()), None);
    // Through --model with the cache location from the environment (only this test sets it).
    std::env::set_var("HF_HUB_CACHE", tmp.path());
    let spec = ModelSpec::resolve("Org/Tiny-Qwen", false).unwrap();
    assert_eq!(spec.weights, WeightSource::Local { dir: snap });
    let e = ModelSpec::resolve("Org/Missing", false).unwrap_err().to_string();
    assert!(e.contains("not in the Hugging Face cache"), "{e}");
}
