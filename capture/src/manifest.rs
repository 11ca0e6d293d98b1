//! `manifest.json` of a capture run: tool versions, device, model, the exact argv of every command and the
//! status of every step. Rewritten (atomically) after every step, so a crash or Ctrl-C leaves it current.

use std::path::Path;

use crate::error::{CaptureError, Result};

pub use schema::{Manifest, Step, StepStatus, MANIFEST_SCHEMA};

/// Saving and loading a [`Manifest`] in a run folder.
pub trait ManifestFile: Sized {
    /// Writes the manifest to `dir/manifest.json` through a temporary file.
    fn save(&self, dir: &Path) -> Result<()>;
    /// Reads `dir/manifest.json`.
    fn load(dir: &Path) -> Result<Self>;
}

impl ManifestFile for Manifest {
    fn save(&self, dir: &Path) -> Result<()> {
        let mut bytes = serde_json::to_vec_pretty(self).expect("manifest serializes");
        bytes.push(b'\n');
        schema::io::write_atomic(&dir.join("manifest.json"), &bytes).map_err(CaptureError::from)
    }

    fn load(dir: &Path) -> Result<Manifest> {
        let path = dir.join("manifest.json");
        let bytes = std::fs::read(&path).map_err(|e| CaptureError::io(&path, e))?;
        serde_json::from_slice(&bytes).map_err(|e| CaptureError::BadFlag {
            flag: "--resume",
            message: format!("{} is not a capture manifest ({e})", path.display()),
        })
    }
}

/// The step named `name` of `m` (every step is registered before the first runs).
pub fn step_mut<'m>(m: &'m mut Manifest, name: &str) -> &'m mut Step {
    m.step_mut(name).expect("steps are registered up front")
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
