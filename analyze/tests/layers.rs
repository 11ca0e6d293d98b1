//! The crate's layers, checked from its sources: `model` is the leaf, readers never import a pass, the writers
//! only the tables, and no module imports one that (through others) imports it back. The graph is read from the
//! `crate::…`, `super::…` and child-module paths of each file (comments and test modules left out).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Module = Vec<String>;

fn rs_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rs_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// `read/nsys/api.rs` → `[read, nsys, api]`; `read/mod.rs` → `[read]`; `lib.rs` → `[]`.
fn module_of(rel: &Path) -> Module {
    let mut parts: Module = rel.with_extension("").iter().map(|s| s.to_string_lossy().into_owned()).collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

/// The source without comments and without its `#[cfg(test)]` module.
fn code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let text = text.split("#[cfg(test)]").next().unwrap_or("");
    text.lines().map(|l| l.split("//").next().unwrap_or("")).collect::<Vec<_>>().join("\n")
}

/// Words of a path after `at` (`crate::read::nsys::Foo` → `[read, nsys, Foo]`).
fn path_words(s: &str) -> Vec<String> {
    s.split("::").map(|w| w.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect::<String>()).take_while(|w| !w.is_empty()).collect()
}

fn graph() -> BTreeMap<Module, BTreeSet<Module>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rs_files(&src, &mut files);
    let modules: BTreeMap<Module, PathBuf> = files.iter().map(|f| (module_of(f.strip_prefix(&src).unwrap()), f.clone())).collect();
    let longest = |words: &[String]| (1..=words.len()).rev().map(|k| words[..k].to_vec()).find(|m| modules.contains_key(m));
    let mut g = BTreeMap::new();
    for (m, f) in &modules {
        let text = code(f);
        let is_mod_file = f.file_name().is_some_and(|n| n == "mod.rs" || n == "lib.rs");
        let mut deps = BTreeSet::new();
        for (i, _) in text.match_indices("crate::") {
            if let Some(d) = longest(&path_words(&text[i + "crate::".len()..])) {
                deps.insert(d);
            }
        }
        for (i, _) in text.match_indices("super::") {
            let mut base: Module = if is_mod_file { m[..m.len().saturating_sub(1)].to_vec() } else { m[..m.len() - 1].to_vec() };
            base.extend(path_words(&text[i + "super::".len()..]));
            if let Some(d) = longest(&base) {
                deps.insert(d);
            }
        }
        // `use child::…` inside a mod.rs.
        if is_mod_file {
            for line in text.lines() {
                let l = line.trim_start().trim_start_matches("pub(crate) ").trim_start_matches("pub ");
                if let Some(rest) = l.strip_prefix("use ") {
                    let mut child = m.clone();
                    child.extend(path_words(rest).into_iter().take(1));
                    if child.len() > m.len() && modules.contains_key(&child) {
                        deps.insert(child);
                    }
                }
            }
        }
        deps.remove(m);
        g.insert(m.clone(), deps);
    }
    g
}

fn name(m: &Module) -> String {
    if m.is_empty() { "lib".into() } else { m.join("::") }
}

#[test]
fn layers_hold() {
    let g = graph();
    assert!(g.contains_key(&vec!["read".to_string(), "nsys".to_string(), "api".to_string()]), "the graph sees the readers");
    let top = |m: &Module| m.first().cloned().unwrap_or_default();
    let mut wrong = Vec::new();
    for (m, deps) in &g {
        for d in deps {
            let (from, to) = (top(m), top(d));
            let allowed = match from.as_str() {
                "model" => to == "model",
                "read" => !matches!(to.as_str(), "passes" | "pipeline" | "write" | "bench"),
                "passes" => !matches!(to.as_str(), "pipeline" | "write" | "bench") && (to != "read" || d.get(1).is_none_or(|w| w != "nsys")),
                "write" => matches!(to.as_str(), "write" | "error" | "fsutil"),
                _ => true,
            };
            if !allowed {
                wrong.push(format!("{} imports {}", name(m), name(d)));
            }
        }
    }
    assert!(wrong.is_empty(), "layer rules broken:\n{}", wrong.join("\n"));
}

#[test]
fn no_import_cycles() {
    let g = graph();
    // Every strongly connected component of more than one module is a cycle (Tarjan, iteratively small enough).
    fn visit(v: &Module, g: &BTreeMap<Module, BTreeSet<Module>>, st: &mut State) {
        st.index.insert(v.clone(), st.next);
        st.low.insert(v.clone(), st.next);
        st.next += 1;
        st.stack.push(v.clone());
        for w in &g[v] {
            if !st.index.contains_key(w) {
                visit(w, g, st);
                let lw = st.low[w];
                st.low.entry(v.clone()).and_modify(|l| *l = (*l).min(lw));
            } else if st.stack.contains(w) {
                let iw = st.index[w];
                st.low.entry(v.clone()).and_modify(|l| *l = (*l).min(iw));
            }
        }
        if st.low[v] == st.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = st.stack.pop() {
                let done = &w == v;
                comp.push(name(&w));
                if done {
                    break;
                }
            }
            if comp.len() > 1 {
                st.cycles.push(comp);
            }
        }
    }
    #[derive(Default)]
    struct State {
        index: BTreeMap<Module, usize>,
        low: BTreeMap<Module, usize>,
        stack: Vec<Module>,
        next: usize,
        cycles: Vec<Vec<String>>,
    }
    let mut st = State::default();
    for v in g.keys() {
        if !st.index.contains_key(v) {
            visit(v, &g, &mut st);
        }
    }
    assert!(st.cycles.is_empty(), "modules importing each other: {:?}", st.cycles);
}
