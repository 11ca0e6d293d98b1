//! Parquet output (`--format parquet`): every table as `<table>.parquet`, with a fixed schema ([`columns`], from the registry's columns) and
//! two columns added for scale-out: `trace_id` (which export the row comes from) and, in the per-device tables,
//! `gpu` (the device's name). Files of many exports can then be queried together, e.g. with DuckDB:
//! `SELECT name, sum(total_ns) FROM read_parquet('runs/*/kernels.parquet') GROUP BY name ORDER BY 2 DESC`.
//!
//! Types: integers (ns, bytes, counts) are `Int64`, ratios `Float64` (nullable where the table says "unknown"),
//! text `Utf8`. Columns are only ever added (at the end), never renamed or retyped.

use std::path::Path;

use polars::prelude::{Column, DataFrame, ParquetWriter};
use schema::table::{ColType, Table, TableInfo};

use crate::error::{AnalyzeError, Result};
use schema::io::IoError;
use crate::tables::Tables;

/// The Parquet columns of a table: `trace_id`, then the table's columns, with the device's name (`gpu`) after
/// `device` in a per-device table that has no `gpu` column of its own.
pub fn columns(table: &TableInfo) -> Vec<(&'static str, ColType)> {
    let mut cols = vec![("trace_id", ColType::Str)];
    let has_gpu = table.columns.iter().any(|c| c.name == "gpu");
    for c in table.columns {
        cols.push((c.name, c.ty));
        if c.name == "device" && table.per_device && !has_gpu {
            cols.push(("gpu", ColType::Str));
        }
    }
    cols
}

/// The data frame of table `T` (columns of [`columns`]).
pub fn frame<T: Table>(t: &Tables, trace_id: &str) -> Result<DataFrame> {
    let table = T::NAME;
    let v = serde_json::to_value(T::rows(t)).map_err(|e| AnalyzeError::Serialize { path: table.into(), detail: e.to_string() })?;
    let rows = match v {
        serde_json::Value::Array(a) => a,
        _ => Vec::new(),
    };
    let gpu_of = |device: i64| t.info.gpus.iter().find(|g| g.device == device).map(|g| g.name.clone()).unwrap_or_default();
    let cols = columns(&TableInfo::of::<T>());
    let mut columns = Vec::with_capacity(cols.len());
    for (name, ty) in cols {
        let cell = |r: &serde_json::Value| -> serde_json::Value {
            match name {
                "trace_id" => serde_json::Value::String(trace_id.to_string()),
                "gpu" if r.get("gpu").is_none() => serde_json::Value::String(gpu_of(r["device"].as_i64().unwrap_or(-1))),
                _ => r.get(name).cloned().unwrap_or(serde_json::Value::Null),
            }
        };
        let c = match ty {
            ColType::I64 => Column::new(name.into(), rows.iter().map(|r| cell(r).as_i64().unwrap_or(0)).collect::<Vec<i64>>()),
            ColType::F64 => Column::new(name.into(), rows.iter().map(|r| cell(r).as_f64().unwrap_or(0.0)).collect::<Vec<f64>>()),
            ColType::OptF64 => Column::new(name.into(), rows.iter().map(|r| cell(r).as_f64()).collect::<Vec<Option<f64>>>()),
            ColType::OptI64 => Column::new(name.into(), rows.iter().map(|r| cell(r).as_i64()).collect::<Vec<Option<i64>>>()),
            ColType::Str => Column::new(name.into(), rows.iter().map(|r| cell(r).as_str().unwrap_or_default().to_string()).collect::<Vec<String>>()),
        };
        columns.push(c);
    }
    DataFrame::new(rows.len(), columns).map_err(|e| AnalyzeError::Serialize { path: table.into(), detail: e.to_string() })
}

/// Parquet output: every registered table for an nsys export, the ncu tables alone for ncu input (empty tables
/// too, so a glob over a fleet never misses a file). Each file goes through a temporary name and a rename.
pub struct Parquet<'a> {
    /// Value of the `trace_id` column.
    pub trace_id: &'a str,
    /// Write a Hive-style partition of a dataset (`<dir>/<table>/trace_id=<id>/part-0.parquet`, the `trace_id`
    /// column left to the partition's name) instead of `<dir>/<table>.parquet`.
    pub partitioned: bool,
}

/// The file of table `name` in a Hive-partitioned dataset rooted at `root`.
pub fn partition_path(root: &Path, name: &str, trace_id: &str) -> std::path::PathBuf {
    root.join(name).join(format!("trace_id={trace_id}")).join("part-0.parquet")
}

impl super::TableFormat for Parquet<'_> {
    fn write<T: Table>(&self, t: &Tables, dir: &Path) -> Result<Option<String>> {
        if t.is_ncu_only() && !T::NCU_INPUT {
            return Ok(None);
        }
        let mut df = frame::<T>(t, self.trace_id)?;
        let path = if self.partitioned {
            let path = partition_path(dir, T::NAME, self.trace_id);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|source| AnalyzeError::Io(IoError::Write { path: parent.to_path_buf(), source }))?;
            }
            df = df.drop("trace_id").map_err(|e| AnalyzeError::Serialize { path: path.clone(), detail: e.to_string() })?;
            path
        } else {
            dir.join(format!("{}.parquet", T::NAME))
        };
        let tmp = crate::fsutil::temp_beside(&path);
        let file = std::fs::File::create(&tmp).map_err(|source| AnalyzeError::Io(IoError::Write { path: path.clone(), source }))?;
        let written = ParquetWriter::new(file)
            .finish(&mut df)
            .map_err(|e| AnalyzeError::Serialize { path: path.clone(), detail: e.to_string() })
            .and_then(|_| std::fs::rename(&tmp, &path).map_err(|source| AnalyzeError::Io(IoError::Write { path: path.clone(), source })));
        if written.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        written?;
        Ok(Some(format!("{}.parquet", T::NAME)))
    }
}

/// Every Parquet table and its columns, in file order (for readers and tests).
pub fn schemas() -> Vec<(&'static str, Vec<(&'static str, ColType)>)> {
    schema::table::tables().iter().map(|t| (t.name, columns(t))).collect()
}
