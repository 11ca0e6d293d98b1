//! CSV output: `<table>.csv` per registered table. For an nsys input, every table that is not optional is
//! written, with its header even when empty (scripts can read it); optional tables (ncu data, traffic) only when
//! they have rows. For ncu input alone, only its own tables.

use std::path::Path;

use schema::table::Table;

use super::TableFormat;

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

/// CSV output (see the module doc for which tables are written).
pub(super) struct Csv;

impl TableFormat for Csv {
    fn write<T: Table>(&self, t: &Tables, dir: &Path) -> Result<Option<String>> {
        let rows = T::rows(t);
        let wanted = if t.is_ncu_only() { T::NCU_INPUT && !rows.is_empty() } else { !T::OPTIONAL || !rows.is_empty() };
        if !wanted {
            return Ok(None);
        }
        let file = format!("{}.csv", T::NAME);
        let path = dir.join(&file);
        write_atomic(&path, &csv_bytes(rows, &path)?)?;
        Ok(Some(file))
    }
}
