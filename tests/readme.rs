//! The README's table of output files names every registered table and exactly its columns, in order (the
//! registry in `schema/src/table.rs` is the one declaration; this test keeps the prose in step with it).

use std::collections::BTreeSet;

/// The backticked words of `cell` outside parentheses (the README explains a column in parentheses after it).
fn names_outside_parens(cell: &str) -> Vec<String> {
    let (mut out, mut depth, mut tick, mut cur) = (Vec::new(), 0i32, false, String::new());
    for c in cell.chars() {
        match c {
            '`' if tick => {
                if depth == 0 {
                    out.push(std::mem::take(&mut cur));
                }
                cur.clear();
                tick = false;
            }
            '`' => tick = true,
            _ if tick => cur.push(c),
            '(' => depth += 1,
            ')' => depth -= 1,
            _ => {}
        }
    }
    out
}

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README.md beside Cargo.toml")
}

#[test]
fn readme_lists_every_table_with_its_columns() {
    let text = readme();
    let section = &text[text.find("### Output tables").expect("an Output tables section")..];
    let section = &section[..section[4..].find("\n### ").map_or(section.len(), |i| i + 4)];
    let mut seen = BTreeSet::new();
    for line in section.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line.split(" | ").collect();
        let file = cells[0].trim_start_matches("| `").trim_end_matches('`');
        let Some(name) = file.strip_suffix(".csv") else { continue };
        let table = schema::table::tables().into_iter().find(|t| t.name == name).unwrap_or_else(|| panic!("README lists {file}, which no registered table writes"));
        let want: Vec<&str> = table.columns.iter().map(|c| c.name).collect();
        let got = names_outside_parens(cells.last().expect("a columns cell").trim_end_matches(" |").trim_end_matches('|'));
        assert_eq!(got, want, "README's columns of {file} differ from schema/src/tables/{name}.rs");
        seen.insert(name.to_string());
    }
    let registered: BTreeSet<String> = schema::table::tables().iter().map(|t| t.name.to_string()).collect();
    assert_eq!(seen, registered, "README's Output tables section must list every registered table");
}

#[test]
fn readme_parquet_section_names_every_table() {
    let text = readme();
    let at = text.find("writes every table above as `<table>.parquet` (").expect("the Parquet section");
    let list = &text[at..at + text[at..].find(';').expect("the list ends with ';'")];
    let got: BTreeSet<String> = names_outside_parens(list.split_once(" (").expect("a list").1).into_iter().collect();
    let registered: BTreeSet<String> = schema::table::tables().iter().map(|t| t.name.to_string()).collect();
    assert_eq!(got, registered);
}

#[test]
fn backticks_outside_parens() {
    assert_eq!(names_outside_parens("`a`, `b` (see `c`), `d` (x (`e`))"), ["a", "b", "d"]);
}
