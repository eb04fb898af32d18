//! The layering the README draws, checked on the source: the markdown core
//! is pure, the database layer knows nothing of content files or the web,
//! nothing below the web layer knows Rocket, and the modules of `web` and of
//! `markdown` do not import each other in a circle. Reads `src/` as text, so
//! it fails the moment a change breaks a rule.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under `dir`, with its code: comments and the unit tests
/// at the end of the file left out (they may name anything).
fn files(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                let code = text.split("#[cfg(test)]").next().unwrap_or("");
                let code: Vec<&str> = code
                    .lines()
                    .filter(|l| !l.trim_start().starts_with("//"))
                    .collect();
                out.push((path, code.join("\n")));
            }
        }
    }
    out.sort();
    out
}

/// Files under `dir` that mention any of `words`, with the word.
fn mentions(dir: &str, words: &[&str]) -> Vec<String> {
    files(&src().join(dir))
        .into_iter()
        .flat_map(|(path, code)| {
            words
                .iter()
                .filter(|w| code.contains(*w))
                .map(|w| format!("{} mentions {w}", path.display()))
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn the_markdown_core_is_pure() {
    let found = mentions(
        "markdown",
        &[
            "rocket",
            "sea_orm",
            "tokio",
            "std::fs",
            "crate::content",
            "crate::db",
        ],
    );
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn the_database_layer_knows_nothing_above_it() {
    let found = mentions(
        "db",
        &[
            "crate::content",
            "crate::web",
            "crate::editing",
            "crate::discovery",
            "rocket",
        ],
    );
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn the_service_layers_know_nothing_of_the_web_or_the_command_line() {
    for dir in ["editing", "content", "discovery", "accounts"] {
        let found = mentions(dir, &["crate::web", "crate::cli"]);
        assert!(found.is_empty(), "{found:#?}");
    }
    let found = mentions("accounts", &["crate::editing", "crate::content"]);
    assert!(found.is_empty(), "{found:#?}");
    let found = mentions("db", &["crate::accounts"]);
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn nothing_below_the_web_layer_knows_rocket() {
    for dir in [
        "base",
        "markdown",
        "db",
        "content",
        "editing",
        "accounts",
        "discovery",
    ] {
        let found = mentions(dir, &["rocket"]);
        assert!(found.is_empty(), "{found:#?}");
    }
    let found = mentions("base", &["crate::"]);
    assert!(
        found.is_empty(),
        "the bottom layer uses nothing of Lectern's: {found:#?}"
    );
}

/// The modules of `layer` (a file, or a folder counted as one) and which of
/// the others each names.
fn module_graph(layer: &str) -> BTreeMap<String, BTreeSet<String>> {
    let root = src().join(layer);
    let mut names: BTreeSet<String> = BTreeSet::new();
    for entry in std::fs::read_dir(&root).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let name = name.strip_suffix(".rs").unwrap_or(&name).to_string();
        if name != "mod" {
            names.insert(name);
        }
    }
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (path, code) in files(&root) {
        let rel = path.strip_prefix(&root).unwrap();
        let module = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        if module == "mod" {
            continue; // the layer's root puts the modules together
        }
        // `super` of `admin/mod.rs` is the layer; of `admin/pages.rs`, `admin`.
        let nested = rel.components().count() > 1 && !rel.ends_with("mod.rs");
        let edges = graph.entry(module.clone()).or_default();
        for other in &names {
            if *other == module {
                continue;
            }
            let mut ways = vec![format!("crate::{layer}::{other}")];
            if nested {
                ways.push(format!("super::super::{other}"));
            } else {
                ways.push(format!("super::{other}"));
                ways.push(format!("super::{{{other}"));
            }
            let named = ways.iter().any(|w| {
                code.match_indices(w.as_str()).any(|(i, _)| {
                    let after = code[i + w.len()..].chars().next();
                    !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
                })
            }) || (!nested && names_in_braces(&code).contains(other));
            if named {
                edges.insert(other.clone());
            }
        }
    }
    graph
}

/// Names imported as `use super::{a, b::c}` from the parent module.
fn names_in_braces(code: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (i, _) in code.match_indices("use super::{") {
        let rest = &code[i + "use super::{".len()..];
        let inner = &rest[..rest.find('}').unwrap_or(rest.len())];
        for item in inner.split(',') {
            let first = item.trim().split("::").next().unwrap_or("").trim();
            found.insert(first.to_string());
        }
    }
    found
}

/// A circle in `graph`, if there is one.
fn circle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut found = path[at..].to_vec();
            found.push(node.to_string());
            return Some(found);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(found) = visit(next, graph, path, done) {
                return Some(found);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

#[test]
fn web_and_markdown_modules_import_each_other_in_no_circle() {
    for layer in ["web", "markdown"] {
        let graph = module_graph(layer);
        assert!(graph.len() > 5, "{layer}: {graph:?}");
        if let Some(found) = circle(&graph) {
            panic!("{layer}: {} ({graph:#?})", found.join(" → "));
        }
    }
}

#[test]
fn the_circle_finder_finds_circles() {
    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("a", vec!["b"]),
        ("b", vec!["c"]),
        ("c", vec!["a"]),
        ("d", vec![]),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.into_iter().map(String::from).collect()))
    .collect();
    assert_eq!(circle(&graph).unwrap().join(" → "), "a → b → c → a");
    assert!(names_in_braces("use super::{auth::Admin, error};").contains("auth"));
}
