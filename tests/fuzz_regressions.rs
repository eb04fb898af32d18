//! Inputs the fuzzers (`fuzz/`) found problems with, kept under
//! `tests/fuzz_regressions/<target>/`, and the fuzzers' seed inputs
//! (`fuzz/seeds/<target>/`), run through the same property checks as the fuzz
//! targets (`lectern::fuzzing`). To add one: copy the minimized crash file
//! (`cargo fuzz tmin <target> <crash>`) into the target's folder.

use std::path::{Path, PathBuf};

fn inputs(target: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in [
        root.join("tests/fuzz_regressions").join(target),
        root.join("fuzz/seeds").join(target),
    ] {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            if entry.file_type().is_ok_and(|t| t.is_file()) {
                files.push(entry.path());
            }
        }
    }
    files.sort();
    files
}

/// Runs `check` on every input of `target`; fails naming each input that fails.
fn run(target: &str, check: impl Fn(&[u8]) + std::panic::RefUnwindSafe) {
    let files = inputs(target);
    assert!(!files.is_empty(), "no inputs for {target}");
    let failed: Vec<String> = files
        .iter()
        .filter(|path| {
            let bytes = std::fs::read(path).unwrap();
            std::panic::catch_unwind(|| check(&bytes)).is_err()
        })
        .map(|path| path.display().to_string())
        .collect();
    assert!(failed.is_empty(), "{target}: failing inputs: {failed:#?}");
}

#[test]
fn front_matter() {
    run("front_matter", lectern::fuzzing::front_matter);
}

#[test]
fn render() {
    run("render", |d| {
        lectern::fuzzing::render(d);
    });
}

#[test]
fn sanitize() {
    run("sanitize", |d| {
        lectern::fuzzing::sanitize(d);
    });
}

#[test]
fn slug() {
    run("slug", lectern::fuzzing::slug);
}

#[test]
fn search() {
    run("search", lectern::fuzzing::search);
}

#[test]
fn highlight() {
    run("highlight", lectern::fuzzing::highlight);
}
