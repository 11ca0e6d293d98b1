//! CSV output: `<table>.csv` per registered table. For an nsys input, every table that is not optional is
//! written, with its header even when empty (scripts can read it); optional tables (ncu data, traffic) only when
//! they have rows. For ncu input alone, only its own tables.

use std::path::Path;

use schema::table::{visit, Table, Visitor};

use crate::error::{AnalyzeError, Result};
use crate::fsutil::write_atomic;
use crate::tables::Tables;

/// The bytes of one table: serde's header and rows, or the registered header alone when there are no rows.
fn csv_bytes<T: Table>(rows: &[T], path: &Path) -> Result<Vec<u8>> {
    let ser = |e: csv::Error| AnalyzeError::Serialize { path: path.to_path_buf(), detail: e.to_string() };
    let mut w = csv::WriterBuilder::new().has_headers(!rows.is_empty()).from_writer(Vec::new());
    if rows.is_empty() {
        w.write_record(T::COLUMNS.iter().map(|c| c.name)).map_err(ser)?;
    }
    for r in rows {
        w.serialize(r).map_err(ser)?;
    }
    w.into_inner().map_err(|e| AnalyzeError::Serialize { path: path.to_path_buf(), detail: e.to_string() })
}

/// Writes the CSV tables of `t` into `dir`; returns the file names written.
pub(super) fn write_csv(t: &Tables, dir: &Path) -> Result<Vec<String>> {
    struct W<'a> {
        t: &'a Tables,
        dir: &'a Path,
        written: Vec<String>,
    }
    impl Visitor for W<'_> {
        type Error = AnalyzeError;
        fn table<T: Table>(&mut self) -> Result<()> {
            let rows = T::rows(self.t);
            let wanted = if self.t.is_ncu_only() { T::NCU_INPUT && !rows.is_empty() } else { !T::OPTIONAL || !rows.is_empty() };
            if wanted {
                let file = format!("{}.csv", T::NAME);
                let path = self.dir.join(&file);
                write_atomic(&path, &csv_bytes(rows, &path)?)?;
                self.written.push(file);
            }
            Ok(())
        }
    }
    let mut w = W { t, dir, written: Vec::new() };
    visit(&mut w)?;
    Ok(w.written)
}
