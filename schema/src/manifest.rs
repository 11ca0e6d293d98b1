//! `manifest.json` of a capture run: tool versions, device, model, the exact argv of every command and the
//! status of every step. `capture` rewrites it after every step; `reports` reads it to render `index.md`.

use serde::{Deserialize, Serialize};

/// Layout version of [`Manifest`].
pub const MANIFEST_SCHEMA: u32 = 1;

/// Status of a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    /// Not started yet.
    #[default]
    Pending,
    /// Running now (a manifest left in this state was interrupted hard).
    Running,
    /// Finished successfully.
    Ok,
    /// Failed; see `message`.
    Failed,
    /// Not run (tool missing, not applicable, or disabled by a flag); see `message`.
    Skipped,
    /// Stopped by SIGINT/SIGTERM.
    Interrupted,
}

impl StepStatus {
    /// The name `manifest.json` uses (`pending`, `running`, `ok`, `failed`, `skipped`, `interrupted`).
    pub fn as_str(self) -> &'static str {
        match self {
            StepStatus::Pending => "pending",
            StepStatus::Running => "running",
            StepStatus::Ok => "ok",
            StepStatus::Failed => "failed",
            StepStatus::Skipped => "skipped",
            StepStatus::Interrupted => "interrupted",
        }
    }
}

/// One step of a capture.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Step {
    /// Step name, e.g. `seq_sweep`, `nsys_s128_b32`.
    pub name: String,
    /// Status.
    pub status: StepStatus,
    /// The exact argv (empty for in-process steps).
    pub argv: Vec<String>,
    /// Files it wrote, relative to the run folder.
    pub outputs: Vec<String>,
    /// Wall time, s.
    pub seconds: f64,
    /// What happened (errors, skips).
    pub message: String,
}

impl Step {
    /// A pending step.
    pub fn new(name: impl Into<String>) -> Step {
        Step { name: name.into(), status: StepStatus::Pending, argv: Vec::new(), outputs: Vec::new(), seconds: 0.0, message: String::new() }
    }
}

/// The manifest.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Manifest {
    /// Layout version.
    pub schema: u32,
    /// Run id (the folder name).
    pub run_id: String,
    /// Creation time, UTC, `YYYY-MM-DDTHH:MM:SSZ`.
    pub created_utc: String,
    /// Times the run was continued with `--resume`.
    #[serde(default)]
    pub resumed_utc: Vec<String>,
    /// This tool's version.
    pub tool_version: String,
    /// The command line of the capture.
    pub argv: Vec<String>,
    /// Device flag value.
    pub device: String,
    /// Device description.
    pub device_name: String,
    /// Model name.
    pub model: String,
    /// Weights: random or a directory.
    pub weights: serde_json::Value,
    /// The model config.
    pub model_config: serde_json::Value,
    /// Element type.
    pub dtype: String,
    /// Decode steps per run.
    pub gen_tokens: u32,
    /// Warmup runs.
    pub warmup: u32,
    /// Measured reps.
    pub reps: u32,
    /// Versions of the external tools (`nsys`, `ncu`), when found.
    pub tools: std::collections::BTreeMap<String, String>,
    /// Steps in order.
    pub steps: Vec<Step>,
}

impl Manifest {
    /// The step named `name`, if registered.
    pub fn step_mut(&mut self, name: &str) -> Option<&mut Step> {
        self.steps.iter_mut().find(|s| s.name == name)
    }
}
