//! The table registry: every output table of `analyze` is declared once, with [`table!`](crate::table!), as a row
//! type whose fields are the columns (name, type, unit, meaning), and listed once in [`visit`]. The CSV writer,
//! the Parquet schemas, `tables.json` and the docs check (docs/tables.md) all come from here; adding a table is one module in
//! `schema/src/tables/` plus one line in [`visit`].

use serde::Serialize;

use crate::tables::Tables;

/// Column type of a table, as the Parquet writer stores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColType {
    /// Integer (ns, bytes, counts, ids): `Int64`, never null.
    I64,
    /// Ratio: `Float64`, never null.
    F64,
    /// Ratio that may be unknown: `Float64`, null when unknown (an empty CSV cell).
    OptF64,
    /// Integer that may not apply: `Int64`, null when not applicable (an empty CSV cell).
    OptI64,
    /// Text: `Utf8`.
    Str,
}

/// The [`ColType`] of a Rust field type.
pub trait ColumnType {
    /// The column type.
    const TY: ColType;
}

macro_rules! column_types {
    ($($t:ty => $c:ident),* $(,)?) => { $(impl ColumnType for $t { const TY: ColType = ColType::$c; })* };
}
column_types!(i64 => I64, u64 => I64, u32 => I64, f64 => F64, Option<f64> => OptF64, Option<i64> => OptI64, Option<u32> => OptI64, String => Str);

/// One column of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// Column name (the CSV header, the Parquet column, the JSON key).
    pub name: &'static str,
    /// Type.
    pub ty: ColType,
    /// Unit of the values: `ns`, `bytes`, `%`, `GB/s`, `count`, ...; "" for text and ids.
    pub unit: &'static str,
    /// What the column holds.
    pub doc: &'static str,
}

/// An output table: a row type with its file name, columns and the rows it has in [`Tables`].
pub trait Table: Serialize + Default + Sized + 'static {
    /// File stem: `<NAME>.csv`, `<NAME>.parquet`.
    const NAME: &'static str;
    /// Columns, in file order (the fields of the row type, in order).
    const COLUMNS: &'static [Column];
    /// One row per device: the Parquet file adds the device's name as `gpu` after `device`.
    const PER_DEVICE: bool;
    /// Written as CSV only when it has rows (an ncu table without ncu input, traffic without data); the other
    /// tables of an nsys input are always written, with their header when empty.
    const OPTIONAL: bool;
    /// A table of Nsight Compute data: the only kind written for ncu input alone.
    const NCU_INPUT: bool;
    /// The table's rows in `t`.
    fn rows(t: &Tables) -> &[Self];
}

/// Receives every table type of the registry, in file order.
pub trait Visitor {
    /// Error of the visit.
    type Error;
    /// Called once per table.
    fn table<T: Table>(&mut self) -> Result<(), Self::Error>;
}

/// The registry: calls `v` for every table, in file order. One line per table.
pub fn visit<V: Visitor>(v: &mut V) -> Result<(), V::Error> {
    use crate::tables::*;
    v.table::<KernelRow>()?;
    v.table::<RangeRow>()?;
    v.table::<ClassRow>()?;
    v.table::<MemoryRow>()?;
    v.table::<TimelineRow>()?;
    v.table::<GapRow>()?;
    v.table::<NcuKernelRow>()?;
    v.table::<PhaseBoundRow>()?;
    v.table::<NcuMetricRow>()?;
    v.table::<TrafficRow>()?;
    v.table::<StepRow>()?;
    v.table::<StepSummaryRow>()?;
    v.table::<PointRow>()?;
    Ok(())
}

/// What the registry says of one table, without its row type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableInfo {
    /// [`Table::NAME`].
    pub name: &'static str,
    /// [`Table::COLUMNS`].
    pub columns: &'static [Column],
    /// [`Table::PER_DEVICE`].
    pub per_device: bool,
    /// [`Table::OPTIONAL`].
    pub optional: bool,
    /// [`Table::NCU_INPUT`].
    pub ncu_input: bool,
}

impl TableInfo {
    /// What the registry says of table `T`.
    pub fn of<T: Table>() -> TableInfo {
        TableInfo { name: T::NAME, columns: T::COLUMNS, per_device: T::PER_DEVICE, optional: T::OPTIONAL, ncu_input: T::NCU_INPUT }
    }
}

/// Every table of the registry, in file order.
pub fn tables() -> Vec<TableInfo> {
    struct Collect(Vec<TableInfo>);
    impl Visitor for Collect {
        type Error = std::convert::Infallible;
        fn table<T: Table>(&mut self) -> Result<(), Self::Error> {
            self.0.push(TableInfo::of::<T>());
            Ok(())
        }
    }
    let mut c = Collect(Vec::new());
    let Ok(()) = visit(&mut c);
    c.0
}

/// The names of every file `analyze` may write into an output folder: each table as CSV and Parquet,
/// `tables.json`, `report.md` and the `charts` folder.
pub fn output_files() -> Vec<String> {
    let t = tables();
    let mut v: Vec<String> = t.iter().map(|t| format!("{}.csv", t.name)).collect();
    v.extend(t.iter().map(|t| format!("{}.parquet", t.name)));
    v.extend(["tables.json", "report.md", "charts"].map(String::from));
    v
}

/// Declares one output table: the row struct (fields = columns, each with its unit in brackets and its meaning
/// as the doc comment) and its [`Table`] impl. `in FIELD` names the field of [`Tables`] holding the rows.
#[macro_export]
macro_rules! table {
    (
        $(#[doc = $sdoc:literal])*
        pub struct $row:ident in $field:ident {
            file: $name:literal, per_device: $pd:literal, optional: $opt:literal, ncu_input: $ncu:literal $(,)?
        }
        $(
            $(#[doc = $doc:literal])+
            $col:ident : $ty:ty [$unit:literal]
        ),+ $(,)?
    ) => {
        $(#[doc = $sdoc])*
        #[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
        pub struct $row {
            $( $(#[doc = $doc])+ pub $col: $ty, )+
        }
        impl $crate::table::Table for $row {
            const NAME: &'static str = $name;
            const COLUMNS: &'static [$crate::table::Column] = &[
                $( $crate::table::Column {
                    name: stringify!($col),
                    ty: <$ty as $crate::table::ColumnType>::TY,
                    unit: $unit,
                    doc: concat!($($doc),+),
                } ),+
            ];
            const PER_DEVICE: bool = $pd;
            const OPTIONAL: bool = $opt;
            const NCU_INPUT: bool = $ncu;
            fn rows(t: &$crate::tables::Tables) -> &[Self] {
                &t.$field
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every table is registered once, its columns unique and documented, and `COLUMNS` is exactly the header
    /// serde writes for a row (the CSV writer relies on both).
    #[test]
    fn registry_lists_every_table_once_with_its_serialized_columns() {
        struct Check;
        impl Visitor for Check {
            type Error = String;
            fn table<T: Table>(&mut self) -> Result<(), String> {
                assert!(T::rows(&Tables::default()).is_empty());
                let mut w = csv::Writer::from_writer(Vec::new());
                w.serialize(T::default()).map_err(|e| e.to_string())?;
                let text = String::from_utf8(w.into_inner().map_err(|e| e.to_string())?).map_err(|e| e.to_string())?;
                let header: Vec<&str> = text.lines().next().unwrap_or("").split(',').collect();
                let names: Vec<&str> = T::COLUMNS.iter().map(|c| c.name).collect();
                if header != names {
                    return Err(format!("{}: serde writes {header:?}, COLUMNS says {names:?}", T::NAME));
                }
                for c in T::COLUMNS {
                    if c.doc.trim().is_empty() {
                        return Err(format!("{}.{}: no doc", T::NAME, c.name));
                    }
                }
                Ok(())
            }
        }
        visit(&mut Check).unwrap();
        let names: Vec<&str> = tables().iter().map(|t| t.name).collect();
        assert_eq!(names, ["kernels", "nvtx_ranges", "classes", "memory", "timeline", "gaps", "ncu_kernels", "ncu_phases", "ncu_metrics", "traffic", "steps", "step_summary", "points"]);
        let files = output_files();
        let unique: std::collections::BTreeSet<&String> = files.iter().collect();
        assert_eq!(unique.len(), files.len());
    }
}
