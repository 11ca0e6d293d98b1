//! Writing the tables of an analysis into an output folder: CSV (`csv`), Parquet ([`parquet`]) and
//! `tables.json`. Which tables exist, their files and columns come from the registry
//! ([`schema::table::visit`]); nothing here names a table.

mod csv;
#[cfg(feature = "parquet")]
pub mod parquet;

use std::path::Path;

use schema::table::{Table, Visitor};

use crate::error::{AnalyzeError, Result};
use schema::io::IoError;
use crate::fsutil;
use crate::tables::Tables;

/// One file format of the tables (hyperfine's exporter shape): writes one registered table into a folder, or
/// nothing when the table has no file in this format for this input. Returns the file name written.
trait TableFormat {
    fn write<T: Table>(&self, t: &Tables, dir: &Path) -> Result<Option<String>>;
}

/// Writes every registered table in format `f`; returns the file names written.
fn write_all<F: TableFormat>(f: &F, t: &Tables, dir: &Path) -> Result<Vec<String>> {
    struct Each<'a, F> {
        f: &'a F,
        t: &'a Tables,
        dir: &'a Path,
        written: Vec<String>,
    }
    impl<F: TableFormat> Visitor for Each<'_, F> {
        type Error = AnalyzeError;
        fn table<T: Table>(&mut self) -> Result<()> {
            self.written.extend(self.f.write::<T>(self.t, self.dir)?);
            Ok(())
        }
    }
    let mut each = Each { f, t, dir, written: Vec::new() };
    schema::table::visit(&mut each)?;
    Ok(each.written)
}

/// Output formats of [`write_tables`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One CSV file per table.
    Csv,
    /// `tables.json` with every table.
    Json,
    /// One Parquet file per table (see the `parquet` module; needs the `parquet` feature, on by default).
    Parquet,
}

/// Names of every file [`write_tables`] and the report may write into an output folder (tables in every format,
/// `tables.json`, `report.md`, `charts`): an input with one of these names in that folder would be overwritten.
pub fn output_files() -> Vec<String> {
    schema::table::output_files()
}

/// Refuses an output folder in which writing the tables would overwrite one of `inputs`.
pub fn check_output_dir(dir: &Path, inputs: &[&Path]) -> Result<()> {
    for name in output_files() {
        fsutil::refuse_overwrite(&dir.join(name), inputs, "--out (another folder)")?;
    }
    Ok(())
}

/// Writes the tables into `dir` (created if needed) in the given formats; the Parquet `trace_id` is the input's
/// file name without extension.
pub fn write_tables(t: &Tables, dir: &Path, formats: &[Format]) -> Result<()> {
    let stem = Path::new(&t.info.file).file_stem().map(|s| s.to_string_lossy().into_owned());
    write_tables_as(t, dir, formats, stem.as_deref().unwrap_or("trace"))
}

/// [`write_tables`] with the `trace_id` of the Parquet tables given. Table files an earlier run left in `dir`
/// that this one does not write (an `ncu_kernels.csv` from a run with `--ncu`, Parquet files from a run with
/// `--format parquet`) are removed, so the folder holds one run's tables; other files are left alone.
pub fn write_tables_as(t: &Tables, dir: &Path, formats: &[Format], trace_id: &str) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|source| AnalyzeError::Io(IoError::Write { path: dir.to_path_buf(), source }))?;
    let mut written: Vec<String> = Vec::new();
    if formats.contains(&Format::Csv) {
        written.extend(write_all(&csv::Csv, t, dir)?);
    }
    if formats.contains(&Format::Parquet) {
        #[cfg(feature = "parquet")]
        written.extend(write_all(&parquet::Parquet { trace_id, partitioned: false }, t, dir)?);
        #[cfg(not(feature = "parquet"))]
        return Err(AnalyzeError::Serialize {
            path: dir.to_path_buf(),
            detail: format!("this build has no Parquet support (trace {trace_id}); build with the `parquet` feature"),
        });
    }
    if formats.contains(&Format::Json) {
        let path = dir.join("tables.json");
        let mut bytes = serde_json::to_vec_pretty(t).map_err(|e| AnalyzeError::Serialize { path: path.clone(), detail: e.to_string() })?;
        bytes.push(b'\n');
        fsutil::write_atomic(&path, &bytes)?;
        written.push("tables.json".into());
    }
    // Stale tables of an earlier run: removed (regular files with our table names only).
    for name in output_files().iter().filter(|n| n.ends_with(".csv") || n.ends_with(".parquet") || *n == "tables.json") {
        let path = dir.join(name);
        if !written.contains(name) && std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) {
            std::fs::remove_file(&path).map_err(|source| AnalyzeError::Io(IoError::Write { path, source }))?;
        }
    }
    Ok(())
}

/// Writes every table of `t` into the Hive-partitioned Parquet dataset rooted at `root`
/// (`<root>/<table>/trace_id=<trace_id>/part-0.parquet`), replacing that trace's partition.
#[cfg(feature = "parquet")]
pub fn write_parquet_partition(t: &Tables, root: &Path, trace_id: &str) -> Result<()> {
    write_all(&parquet::Parquet { trace_id, partitioned: true }, t, root).map(|_| ())
}
