//! `manifest.json` of a capture run: tool versions, device, model, the exact argv of every command and the
//! status of every step. Rewritten (atomically) after every step, so a crash or Ctrl-C leaves it current.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{CaptureError, Result};

/// Status of a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    /// Not started yet.
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

/// One step of a capture.
#[derive(Debug, Clone, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Serialize, Deserialize)]
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
    /// Writes the manifest to `dir/manifest.json` through a temporary file.
    pub fn save(&self, dir: &Path) -> Result<()> {
        let path = dir.join("manifest.json");
        let tmp = dir.join(format!(".manifest.json.{}.partial", std::process::id()));
        let mut bytes = serde_json::to_vec_pretty(self).expect("manifest serializes");
        bytes.push(b'\n');
        std::fs::write(&tmp, bytes).map_err(|e| CaptureError::io(&tmp, e))?;
        std::fs::rename(&tmp, &path).map_err(|e| CaptureError::io(&path, e))
    }

    /// Reads `dir/manifest.json`.
    pub fn load(dir: &Path) -> Result<Manifest> {
        let path = dir.join("manifest.json");
        let bytes = std::fs::read(&path).map_err(|e| CaptureError::io(&path, e))?;
        serde_json::from_slice(&bytes).map_err(|e| CaptureError::BadFlag {
            flag: "--resume",
            message: format!("{} is not a capture manifest ({e})", path.display()),
        })
    }

    /// The step named `name`.
    pub fn step_mut(&mut self, name: &str) -> &mut Step {
        self.steps.iter_mut().find(|s| s.name == name).expect("steps are registered up front")
    }
}

/// UTC `YYYY-MM-DDTHH:MM:SSZ` of now (civil-from-days, no time-zone database needed).
pub fn utc_now() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// Days since 1970-01-01 to (year, month, day) (Howard Hinnant's algorithm).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_779), (2026, 11, 22));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }
}
