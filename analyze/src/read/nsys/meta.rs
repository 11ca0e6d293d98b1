//! What the export says about itself and its target: nsys version, schema version, GPUs (`TARGET_INFO_*`).

use std::collections::BTreeMap;

use crate::error::Result;
use crate::model::{GpuInfo, TraceInfo};

use super::sqlite::{Reader, text_of};

pub(crate) fn read_metadata(rd: &Reader<'_>, info: &mut TraceInfo) -> Result<()> {
    let mut meta: BTreeMap<String, String> = BTreeMap::new();
    for t in ["META_DATA_EXPORT", "EXPORT_META_DATA"] {
        rd.scan(t, &["name", "value"], "", |v| {
            if let (Some(k), Some(val)) = (text_of(v[0]), text_of(v[1])) {
                meta.entry(k).or_insert(val);
            }
            Ok(())
        })?;
    }
    info.nsys_version = meta.get("EXPORT_PRODUCT_VERSION").cloned().unwrap_or_else(|| "unknown".into());
    info.schema_version = meta.get("EXPORT_SCHEMA_VERSION").cloned().unwrap_or_else(|| "unknown".into());
    let t = "TARGET_INFO_GPU";
    let cols = ["id", "cuDevice", "name", "memoryBandwidth", "smCount", "totalMemory", "computeMajor", "computeMinor"];
    rd.scan(t, &cols, "", |v| {
        let g = |i: usize| rd.int(v[i], t, cols[i]);
        let device = g(1)?.or(g(0)?).unwrap_or(0);
        let cc = match (g(6)?, g(7)?) {
            (Some(a), Some(b)) => format!("{a}.{b}"),
            _ => String::new(),
        };
        info.gpus.push(GpuInfo {
            device,
            name: text_of(v[2]).unwrap_or_default(),
            memory_bandwidth_bps: g(3)?.unwrap_or(0),
            sm_count: g(4)?.unwrap_or(0),
            total_memory_bytes: g(5)?.unwrap_or(0),
            compute_capability: cc,
        });
        Ok(())
    })?;
    info.gpus.sort_by(|a, b| a.device.cmp(&b.device).then(a.name.cmp(&b.name)));
    Ok(())
}

