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
    run("render", lectern::fuzzing::render);
}

#[test]
fn sanitize() {
    run("sanitize", lectern::fuzzing::sanitize);
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

/// The targets replayed above, each by the function of its name.
const TARGETS: &[&str] = &[
    "front_matter",
    "render",
    "sanitize",
    "slug",
    "search",
    "highlight",
];

/// "Through the same checks": every fuzz target is nothing but a call to
/// `lectern::fuzzing::<target>`, the function replayed above, so a check
/// added to a target (an html5ever comparison, say) cannot be missed here;
/// and every target in `fuzz/fuzz_targets/` is replayed, with inputs.
#[test]
fn each_fuzz_target_is_one_call_to_the_check_replayed_here() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/fuzz_targets");
    let mut found: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.strip_suffix(".rs").map(str::to_string)
        })
        .collect();
    found.sort();
    let mut expected: Vec<String> = TARGETS.iter().map(|t| t.to_string()).collect();
    expected.sort();
    assert_eq!(found, expected, "fuzz targets and replayed targets differ");
    for target in TARGETS {
        let source = std::fs::read_to_string(dir.join(format!("{target}.rs"))).unwrap();
        // The code, without comments and blank lines.
        let code: Vec<&str> = source
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with("//"))
            .collect();
        assert_eq!(
            code,
            [
                "#![no_main]",
                "use libfuzzer_sys::fuzz_target;",
                &format!("fuzz_target!(|data: &[u8]| lectern::fuzzing::{target}(data));"),
            ],
            "fuzz/fuzz_targets/{target}.rs must only call lectern::fuzzing::{target}"
        );
        assert!(!inputs(target).is_empty(), "no inputs for {target}");
    }
    // The fuzz crate has no code of its own that the targets could call.
    assert!(
        !Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fuzz/src")
            .exists(),
        "fuzz/src holds code the regression test does not run"
    );
}

/// Hostile shapes at the full size limit (1 MiB), rendered whole. Every step
/// of rendering is linear in its input, so each takes well under a second
/// (a few in a debug build); a quadratic step would take minutes to hours
/// here and hang the suite rather than pass slowly.
mod pathological {
    use lectern::markdown::{render_lesson, LessonRef, Resolver};

    const LIMIT: usize = 1024 * 1024;
    const RAW: &str = "\n\n<b>author HTML</b>\n";

    /// Resolves nothing: every link is broken, which is itself a shape.
    struct Nothing;
    impl Resolver for Nothing {
        fn page(&self, _: &str) -> Option<String> {
            None
        }
        fn asset(&self, _: &str) -> Option<String> {
            None
        }
        fn lesson(&self, _: &str) -> Option<LessonRef> {
            None
        }
    }

    /// `unit` repeated to the size limit, after `head` and before `tail`.
    fn fill(head: &str, unit: &str, tail: &str) -> String {
        let room = LIMIT - head.len() - tail.len();
        let mut body = String::with_capacity(LIMIT);
        body.push_str(head);
        body.push_str(&unit.repeat(room / unit.len()));
        body.push_str(tail);
        body
    }

    fn shapes() -> Vec<(&'static str, String)> {
        let raw = RAW;
        let nested_list: String = (0..700)
            .map(|i| format!("{}- x\n", "  ".repeat(i)))
            .collect();
        let footnotes: String = (0..30_000)
            .map(|i| format!("[^{i}]\n\n[^{i}]: note\n\n"))
            .collect();
        vec![
            ("headings", fill("", "## h\n", "")),
            ("headings with HTML", fill("", "## h\n", raw)),
            ("explicit duplicate ids", fill("", "## h {#x}\n", raw)),
            ("ids that take suffixes", fill("", "## h-1\n## h\n", raw)),
            ("nested divs", fill("", "<div>", "")),
            ("divs in tables", fill("", "<div><table></div></table>", "")),
            ("blocks in formatting", fill("", "<b><div></b>", "")),
            (
                "list items under divs",
                fill(&"<div>".repeat(200), "<li></li>", ""),
            ),
            ("paragraph tags", fill("", "<p>", "")),
            ("open comments", fill("", "<!--", "")),
            ("open tags", fill("", "<a ", "")),
            ("quotes on one line", fill("", ">", raw)),
            ("quotes on lines", fill("", ">\n", raw)),
            ("brackets", fill("", "[", raw)),
            ("image openers", fill("", "![a](", "")),
            ("broken links", fill("", "[x](nope.md)\n", raw)),
            ("emphasis", fill("", "*a", raw)),
            ("backticks", fill("", "`", "")),
            ("entities", fill("", "&amp;", "")),
            ("long line", fill("", "word ", raw)),
            ("table rows", fill("|a|b|\n|-|-|\n", "|x|y|\n", raw)),
            ("nested lists", fill(&nested_list, "- x\n", raw)),
            ("footnotes", footnotes + raw),
        ]
    }

    #[test]
    fn every_shape_at_the_size_limit_renders() {
        let this = LessonRef {
            course: "course".into(),
            slug: "lesson".into(),
        };
        for (name, body) in shapes() {
            assert!(body.len() <= LIMIT, "{name} is {} bytes", body.len());
            let started = std::time::Instant::now();
            let rendered = render_lesson(&body, &this, 1, &Nothing);
            // Not asserted (timing is for benchmarks): shown with --nocapture.
            println!("{name}: {:?}", started.elapsed());
            // Nothing was cut short: the author HTML at the end is there.
            if body.ends_with(RAW) {
                assert!(rendered.html.contains("<b>author HTML</b>"), "{name}");
            }
        }
    }
}
