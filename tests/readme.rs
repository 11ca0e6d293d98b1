//! The manual keeps in step with the code: `docs/tables.md` names every registered table and exactly its columns,
//! in order (the registry in `schema/src/table.rs` is the one declaration), `docs/fleets.md`'s Parquet section
//! names every table, every relative link of the README and of `docs/` resolves (file and anchor), and every
//! subcommand's `--help` ends with the docs page to read.

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

/// A file of the repository, by its path from the root.
fn doc(path: &str) -> String {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn tables_page_lists_every_table_with_its_columns() {
    let text = doc("docs/tables.md");
    let section = &text[text.find("## Output tables").expect("an Output tables section")..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |i| i + 3)];
    let mut seen = BTreeSet::new();
    for line in section.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line.split(" | ").collect();
        let file = cells[0].trim_start_matches("| `").trim_end_matches('`');
        let Some(name) = file.strip_suffix(".csv") else { continue };
        let table = schema::table::tables().into_iter().find(|t| t.name == name).unwrap_or_else(|| panic!("docs/tables.md lists {file}, which no registered table writes"));
        let want: Vec<&str> = table.columns.iter().map(|c| c.name).collect();
        let got = names_outside_parens(cells.last().expect("a columns cell").trim_end_matches(" |").trim_end_matches('|'));
        assert_eq!(got, want, "docs/tables.md's columns of {file} differ from schema/src/tables/{name}.rs");
        seen.insert(name.to_string());
    }
    let registered: BTreeSet<String> = schema::table::tables().iter().map(|t| t.name.to_string()).collect();
    assert_eq!(seen, registered, "docs/tables.md's Output tables section must list every registered table");
}

#[test]
fn fleets_page_parquet_section_names_every_table() {
    let text = doc("docs/fleets.md");
    let at = text.find("as `<table>.parquet` (").expect("the Parquet section");
    let list = &text[at..at + text[at..].find(';').expect("the list ends with ';'")];
    let got: BTreeSet<String> = names_outside_parens(list.split_once(" (").expect("a list").1).into_iter().collect();
    let registered: BTreeSet<String> = schema::table::tables().iter().map(|t| t.name.to_string()).collect();
    assert_eq!(got, registered);
}

#[test]
fn backticks_outside_parens() {
    assert_eq!(names_outside_parens("`a`, `b` (see `c`), `d` (x (`e`))"), ["a", "b", "d"]);
}

/// The markdown files of the manual: the README and every page of `docs/`.
fn manual_files() -> Vec<std::path::PathBuf> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<_> = std::fs::read_dir(root.join("docs")).expect("a docs/ folder").map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|e| e == "md")).collect();
    files.sort();
    files.insert(0, root.join("README.md"));
    files
}

/// The lines of `text` outside fenced code blocks.
fn prose_lines(text: &str) -> Vec<&str> {
    let mut fenced = false;
    text.lines()
        .filter(|l| {
            if l.trim_start().starts_with("```") {
                fenced = !fenced;
                return false;
            }
            !fenced
        })
        .collect()
}

/// GitHub's anchors of the headings of a markdown text: lower case, every character but letters, digits, `-`, `_`
/// and spaces dropped, spaces turned into `-`; a repeated anchor gets `-1`, `-2`, ….
fn anchors(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for line in prose_lines(text) {
        let Some(h) = line.strip_prefix('#') else { continue };
        let h = h.trim_start_matches('#');
        if !h.starts_with(' ') {
            continue;
        }
        let slug: String = h.trim().to_lowercase().chars().filter(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | ' ')).map(|c| if c == ' ' { '-' } else { c }).collect();
        let mut s = slug.clone();
        let mut n = 0;
        while out.contains(&s) {
            n += 1;
            s = format!("{slug}-{n}");
        }
        out.insert(s);
    }
    out
}

/// The targets of the inline links `[text](target)` of a markdown text, outside code blocks and code spans.
fn link_targets(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in prose_lines(text) {
        // Drop code spans, which may hold `[x](y)` as an example.
        let mut plain = String::new();
        for (i, part) in line.split('`').enumerate() {
            if i % 2 == 0 {
                plain.push_str(part);
            }
        }
        let mut rest = plain.as_str();
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let Some(end) = after.find(')') else { break };
            out.push(after[..end].trim().to_string());
            rest = &after[end..];
        }
    }
    out
}

/// Every relative link of `file` that does not resolve: a missing file, or an anchor that no heading makes.
fn broken_links(file: &std::path::Path, text: &str) -> Vec<String> {
    let mut broken = Vec::new();
    for target in link_targets(text) {
        if target.contains("://") || target.starts_with("mailto:") {
            continue;
        }
        let (path, anchor) = target.split_once('#').unwrap_or((&target, ""));
        let resolved = if path.is_empty() { file.to_path_buf() } else { file.parent().unwrap().join(path) };
        if !resolved.exists() {
            broken.push(format!("{target}: no file {}", resolved.display()));
            continue;
        }
        if !anchor.is_empty() {
            let other = std::fs::read_to_string(&resolved).unwrap_or_default();
            if !anchors(&other).contains(anchor) {
                broken.push(format!("{target}: no heading makes the anchor #{anchor} in {}", resolved.display()));
            }
        }
    }
    broken
}

#[test]
fn every_relative_link_of_the_manual_resolves() {
    let files = manual_files();
    assert!(files.len() >= 10, "README + the docs pages: {files:?}");
    let mut broken = Vec::new();
    let mut links = 0;
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        links += link_targets(&text).len();
        broken.extend(broken_links(f, &text).into_iter().map(|b| format!("{}: {b}", f.display())));
    }
    assert!(links >= 20, "the manual links its pages ({links} links found)");
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn the_link_checker_finds_broken_links() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("a.md");
    std::fs::write(dir.path().join("b.md"), "# B page\n\n## `latency-anatomy diff` — two runs\n\n```\n# not a heading\n```\n").unwrap();
    let text = "# A\n\n[ok](b.md) [ok](b.md#latency-anatomy-diff--two-runs) [self](#a) `[code](x.md)`\n[gone](c.md) [bad](b.md#not-a-heading) [web](https://example.com)\n```\n[fenced](d.md)\n```\n";
    std::fs::write(&page, text).unwrap();
    let broken = broken_links(&page, text);
    assert_eq!(broken.len(), 2, "{broken:?}");
    assert!(broken[0].starts_with("c.md:") && broken[1].starts_with("b.md#not-a-heading:"), "{broken:?}");
}

#[test]
fn the_readme_is_a_front_door_that_reaches_every_page() {
    let text = doc("README.md");
    assert!(text.lines().count() <= 260, "the README stays a short tour ({} lines); reference text goes to docs/", text.lines().count());
    assert!(text.contains("```sh\nbash .ci/setup && cargo run --release -- capture --model tiny --random-weights --device cpu\ncargo test --workspace\n```"), "the two quick-start commands, exactly");
    for f in manual_files().iter().skip(1) {
        let name = format!("docs/{}", f.file_name().unwrap().to_string_lossy());
        assert!(text.contains(&format!("]({name}")), "the README links {name}");
        let page = std::fs::read_to_string(f).unwrap();
        let mut lines = page.lines();
        assert!(lines.next().is_some_and(|l| l.starts_with("# ")), "{name} opens with its title");
        assert!(lines.next() == Some("") && lines.next().is_some_and(|l| !l.trim().is_empty()), "{name}: one line after the title says what the page answers");
    }
}

#[test]
fn every_subcommand_help_ends_with_its_docs_page() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for cmd in ["capture", "sweep", "analyze", "report", "diff", "bench"] {
        let out = test_support::bin().args([cmd, "--help"]).output().unwrap();
        assert!(out.status.success(), "{cmd} --help");
        let help = String::from_utf8(out.stdout).unwrap();
        let last = help.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or_default();
        let page = last.split_whitespace().find(|w| w.starts_with("docs/")).unwrap_or_else(|| panic!("{cmd} --help ends with its docs page: {last:?}"));
        let page = page.trim_end_matches(['.', ',', ')']);
        let (file, anchor) = page.split_once('#').unwrap_or((page, ""));
        assert!(root.join(file).is_file(), "{cmd} --help names {file}, which exists");
        if !anchor.is_empty() {
            assert!(anchors(&std::fs::read_to_string(root.join(file)).unwrap()).contains(anchor), "{cmd} --help: #{anchor} in {file}");
        }
    }
}
