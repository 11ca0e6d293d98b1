//! Parquet output (`--format parquet`): every table as `<table>.parquet`, with a fixed schema ([`SCHEMAS`]) and
//! two columns added for scale-out: `trace_id` (which export the row comes from) and, in the per-device tables,
//! `gpu` (the device's name). Files of many exports can then be queried together, e.g. with DuckDB:
//! `SELECT name, sum(total_ns) FROM read_parquet('runs/*/kernels.parquet') GROUP BY name ORDER BY 2 DESC`.
//!
//! Types: integers (ns, bytes, counts) are `Int64`, ratios `Float64` (nullable where the table says "unknown"),
//! text `Utf8`. Columns are only ever added (at the end), never renamed or retyped.

use std::path::Path;

use polars::prelude::{Column, DataFrame, ParquetWriter};

use crate::error::{AnalyzeError, Result};
use crate::tables::Tables;

/// Column type of a Parquet table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    /// `Int64`, never null.
    I64,
    /// `Float64`, never null.
    F64,
    /// `Float64`, null when unknown.
    OptF64,
    /// `Int64`, null when not applicable.
    OptI64,
    /// `Utf8`.
    Str,
}

use Ty::*;

/// Every Parquet table and its columns, in file order.
pub const SCHEMAS: [(&str, &[(&str, Ty)]); 10] = [
    ("kernels", &[("trace_id", Str), ("device", I64), ("gpu", Str), ("name", Str), ("short_name", Str), ("class", Str), ("instances", I64), ("total_ns", I64), ("pct_gpu_time", F64), ("avg_ns", F64), ("med_ns", F64), ("min_ns", I64), ("max_ns", I64), ("stddev_ns", F64)]),
    ("nvtx_ranges", &[("trace_id", Str), ("range", Str), ("style", Str), ("instances", I64), ("cpu_total_ns", I64), ("cpu_avg_ns", F64), ("gpu_total_ns", I64), ("gpu_inclusive_ns", I64), ("kernels", I64), ("kernels_innermost", I64), ("gpu_proj_total_ns", I64), ("gpu_proj_instances", I64)]),
    ("classes", &[("trace_id", Str), ("phase", Str), ("class", Str), ("instances", I64), ("total_ns", I64), ("pct_phase_time", F64)]),
    ("memory", &[("trace_id", Str), ("device", I64), ("gpu", Str), ("kind", Str), ("operation", Str), ("count", I64), ("bytes", I64), ("total_ns", I64), ("avg_ns", F64), ("min_ns", I64), ("max_ns", I64), ("achieved_gb_s", F64), ("peak_gb_s", F64)]),
    ("timeline", &[("trace_id", Str), ("device", I64), ("gpu", Str), ("kernels", I64), ("memops", I64), ("first_start_ns", I64), ("last_end_ns", I64), ("span_ns", I64), ("busy_ns", I64), ("kernel_busy_ns", I64), ("kernel_sum_ns", I64), ("memop_sum_ns", I64), ("utilization_pct", F64), ("idle_ns", I64), ("idle_gaps", I64), ("largest_gap_ns", I64), ("launch_api_ns", I64), ("launch_latency_med_ns", F64), ("short_kernels", I64), ("short_kernel_ns", I64), ("short_kernel_api_ns", I64)]),
    ("gaps", &[("trace_id", Str), ("device", I64), ("gpu", Str), ("rank", I64), ("start_ns", I64), ("end_ns", I64), ("gap_ns", I64), ("before", Str), ("after", Str)]),
    ("ncu_kernels", &[("trace_id", Str), ("file", Str), ("id", I64), ("kernel_name", Str), ("base_name", Str), ("grid", Str), ("block", Str), ("duration_ns", OptF64), ("dram_read_bytes", OptF64), ("dram_write_bytes", OptF64), ("dram_bytes", OptF64), ("l2_bytes", OptF64), ("dram_gb_s", OptF64), ("peak_dram_gb_s", OptF64), ("dram_pct_of_peak", OptF64), ("flops_fp16", OptF64), ("flops_fp32", OptF64), ("flops_fp64", OptF64), ("flops", OptF64), ("tensor_ops", OptF64), ("tensor_inst", OptF64), ("gflop_s", OptF64), ("arithmetic_intensity", OptF64), ("peak_fp32_gflop_s", OptF64), ("ridge_flop_per_byte", OptF64), ("sm_pct", OptF64), ("memory_pct", OptF64), ("dram_pct", OptF64), ("achieved_occupancy_pct", OptF64), ("roofline_side", Str), ("bound", Str), ("bound_reason", Str), ("phase", Str), ("nsys_kernel", Str)]),
    ("ncu_phases", &[("trace_id", Str), ("phase", Str), ("bound", Str), ("kernels", I64), ("total_ns", I64), ("pct_phase_time", F64), ("dram_bytes_est", F64), ("dram_pct_of_peak", OptF64)]),
    ("ncu_metrics", &[("trace_id", Str), ("launch_id", I64), ("kernel_name", Str), ("metric", Str), ("unit", Str), ("value", OptF64), ("text", Str), ("instance", OptI64)]),
    ("traffic", &[("trace_id", Str), ("phase", Str), ("kernel_ns", I64), ("profiled_ns", I64), ("kernel_dram_bytes", OptF64), ("kernel_gb_s", OptF64), ("copy_bytes", I64), ("copy_ns", I64), ("peak_gb_s", F64), ("predicted_bytes", OptF64), ("predicted_min_ns", OptF64), ("explained_pct", OptF64)]),
];

fn rows_of(t: &Tables, table: &str) -> Result<Vec<serde_json::Value>> {
    let v = match table {
        "kernels" => serde_json::to_value(&t.kernels),
        "nvtx_ranges" => serde_json::to_value(&t.nvtx_ranges),
        "classes" => serde_json::to_value(&t.classes),
        "memory" => serde_json::to_value(&t.memory),
        "timeline" => serde_json::to_value(&t.timeline),
        "gaps" => serde_json::to_value(&t.gaps),
        "ncu_kernels" => serde_json::to_value(&t.ncu_kernels),
        "ncu_phases" => serde_json::to_value(&t.ncu_phases),
        "ncu_metrics" => serde_json::to_value(&t.ncu_metrics),
        "traffic" => serde_json::to_value(&t.traffic),
        other => return Err(AnalyzeError::Serialize { path: other.into(), detail: "no such table".into() }),
    };
    let v = v.map_err(|e| AnalyzeError::Serialize { path: table.into(), detail: e.to_string() })?;
    Ok(match v {
        serde_json::Value::Array(a) => a,
        _ => Vec::new(),
    })
}

/// The data frame of one table (columns of [`SCHEMAS`]).
pub fn frame(t: &Tables, table: &str, trace_id: &str) -> Result<DataFrame> {
    let (_, cols) = SCHEMAS.iter().find(|(n, _)| *n == table).ok_or_else(|| AnalyzeError::Serialize {
        path: table.into(),
        detail: "no such table".into(),
    })?;
    let rows = rows_of(t, table)?;
    let gpu_of = |device: i64| t.info.gpus.iter().find(|g| g.device == device).map(|g| g.name.clone()).unwrap_or_default();
    let mut columns = Vec::with_capacity(cols.len());
    for &(name, ty) in cols.iter() {
        let cell = |r: &serde_json::Value| -> serde_json::Value {
            match name {
                "trace_id" => serde_json::Value::String(trace_id.to_string()),
                "gpu" if r.get("gpu").is_none() => serde_json::Value::String(gpu_of(r["device"].as_i64().unwrap_or(-1))),
                _ => r.get(name).cloned().unwrap_or(serde_json::Value::Null),
            }
        };
        let c = match ty {
            I64 => Column::new(name.into(), rows.iter().map(|r| cell(r).as_i64().unwrap_or(0)).collect::<Vec<i64>>()),
            F64 => Column::new(name.into(), rows.iter().map(|r| cell(r).as_f64().unwrap_or(0.0)).collect::<Vec<f64>>()),
            OptF64 => Column::new(name.into(), rows.iter().map(|r| cell(r).as_f64()).collect::<Vec<Option<f64>>>()),
            OptI64 => Column::new(name.into(), rows.iter().map(|r| cell(r).as_i64()).collect::<Vec<Option<i64>>>()),
            Str => Column::new(
                name.into(),
                rows.iter().map(|r| cell(r).as_str().unwrap_or_default().to_string()).collect::<Vec<String>>(),
            ),
        };
        columns.push(c);
    }
    DataFrame::new(rows.len(), columns).map_err(|e| AnalyzeError::Serialize { path: table.into(), detail: e.to_string() })
}

/// Writes the tables of `t` as Parquet files into `dir`: all nine for an nsys export, `ncu_kernels` alone for
/// ncu input. Each file goes through a temporary name and a rename.
pub fn write_parquet(t: &Tables, dir: &Path, trace_id: &str) -> Result<Vec<String>> {
    let mut names = Vec::new();
    for (table, _) in SCHEMAS.iter() {
        if t.input_kind == "ncu" && *table != "ncu_kernels" && *table != "ncu_metrics" {
            continue;
        }
        let mut df = frame(t, table, trace_id)?;
        let path = dir.join(format!("{table}.parquet"));
        let tmp = crate::fsutil::temp_beside(&path);
        let file = std::fs::File::create(&tmp).map_err(|source| AnalyzeError::Write { path: path.clone(), source })?;
        let written = ParquetWriter::new(file)
            .finish(&mut df)
            .map_err(|e| AnalyzeError::Serialize { path: path.clone(), detail: e.to_string() })
            .and_then(|_| std::fs::rename(&tmp, &path).map_err(|source| AnalyzeError::Write { path: path.clone(), source }));
        if written.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        written?;
        names.push(format!("{table}.parquet"));
    }
    Ok(names)
}
