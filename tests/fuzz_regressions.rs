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

#[test]
fn merge() {
    run("merge", lectern::fuzzing::merge);
}

/// The targets replayed above, each by the function of its name.
const TARGETS: &[&str] = &[
    "front_matter",
    "render",
    "sanitize",
    "slug",
    "search",
    "highlight",
    "merge",
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
/// here. Each shape runs on a thread of its own and the test fails if one
/// has not finished within [`pathological::HANG_CAP`]: a cap that turns a
/// hang into a failure, not a speed budget.
mod pathological {
    use std::sync::mpsc;
    use std::time::Duration;

    use lectern::markdown::{render_lesson, LessonRef, Rendered, Resolver};

    const LIMIT: usize = 1024 * 1024;
    const RAW: &str = "\n\n<b>author HTML</b>\n";
    /// How long one shape may take before the test calls it a hang. Not a
    /// speed budget (timing is for benchmarks): the slowest shape takes a few
    /// seconds in a debug build on a loaded machine; a superlinear step at
    /// 1 MiB takes minutes to hours.
    pub(super) const HANG_CAP: Duration = Duration::from_secs(120);

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

    /// What a rendered shape must hold: nothing was cut short or lost.
    type Check = fn(&str, &Rendered) -> Result<(), String>;

    /// The author HTML written after the shape (`RAW`) is on the page: the
    /// renderer read the whole body and the shape did not swallow the rest.
    fn raw_kept(_: &str, r: &Rendered) -> Result<(), String> {
        if r.html.contains("<b>author HTML</b>") {
            Ok(())
        } else {
            Err("the author HTML after the shape is missing".into())
        }
    }

    /// As [`raw_kept`], for a shape that turns what follows into code: the
    /// author HTML is shown as text.
    fn raw_as_text(_: &str, r: &Rendered) -> Result<(), String> {
        if r.html.contains("&lt;b&gt;author HTML&lt;/b&gt;") {
            Ok(())
        } else {
            Err("the author HTML after the shape is not shown as code".into())
        }
    }

    /// The author HTML after the shape is there at least as words: past
    /// the sanitiser's depth cap (`markdown::nesting`) tags are shown as
    /// text, so it may be there as text rather than as a tag.
    fn words_kept(_: &str, r: &Rendered) -> Result<(), String> {
        if r.html.contains("author HTML") {
            Ok(())
        } else {
            Err("the author text after the shape is missing".into())
        }
    }

    /// A shape nesting `<div>`s ever deeper: its words are kept
    /// ([`words_kept`]) and the page holds no more than about the depth
    /// cap's worth of real `<div>`s (the rest are shown as text).
    fn nesting_capped(body: &str, r: &Rendered) -> Result<(), String> {
        words_kept(body, r)?;
        let divs = r.html.matches("<div").count();
        if divs > 1_000 {
            return Err(format!("{divs} real <div>s on the page"));
        }
        Ok(())
    }

    /// Every `## h` line became a heading, none lost.
    fn every_heading(body: &str, r: &Rendered) -> Result<(), String> {
        let (written, rendered) = (
            body.matches("## h\n").count(),
            r.html.matches("<h2").count(),
        );
        if written == rendered && written > 100_000 {
            Ok(())
        } else {
            Err(format!("{written} headings written, {rendered} rendered"))
        }
    }

    /// Every `&amp;` is shown as one, and the author HTML after them is kept.
    fn every_entity(body: &str, r: &Rendered) -> Result<(), String> {
        let (written, rendered) = (
            body.matches("&amp;").count(),
            r.html.matches("&amp;").count(),
        );
        if rendered < written {
            return Err(format!("{written} entities written, {rendered} rendered"));
        }
        raw_kept(body, r)
    }

    /// Each shape with the check that holds for it. Every shape but
    /// `headings` ends with `RAW` after a blank line, which ends any HTML
    /// block or paragraph the shape left open.
    fn shapes() -> Vec<(&'static str, String, Check)> {
        let raw = RAW;
        let nested_list: String = (0..700)
            .map(|i| format!("{}- x\n", "  ".repeat(i)))
            .collect();
        let footnotes: String = (0..30_000)
            .map(|i| format!("[^{i}]\n\n[^{i}]: note\n\n"))
            .collect();
        // The open comment is closed only at the very end, so the author
        // HTML after it is outside it.
        let closed_late = format!("-->{raw}");
        vec![
            // Only headings, to the last byte: each one is counted instead.
            ("headings", fill("", "## h\n", ""), every_heading),
            ("headings with HTML", fill("", "## h\n", raw), raw_kept),
            (
                "explicit duplicate ids",
                fill("", "## h {#x}\n", raw),
                raw_kept,
            ),
            (
                "ids that take suffixes",
                fill("", "## h-1\n## h\n", raw),
                raw_kept,
            ),
            ("nested divs", fill("", "<div>", raw), nesting_capped),
            // The tables close the divs (foster parenting): many real divs,
            // none deep; only the words after them are checked.
            (
                "divs in tables",
                fill("", "<div><table></div></table>", raw),
                words_kept,
            ),
            (
                "blocks in formatting",
                fill("", "<b><div></b>", raw),
                nesting_capped,
            ),
            // 200 divs, past the cap: the author HTML is shown as text.
            (
                "list items under divs",
                fill(&"<div>".repeat(200), "<li></li>", raw),
                words_kept,
            ),
            ("paragraph tags", fill("", "<p>", raw), raw_kept),
            ("open comments", fill("", "<!--", &closed_late), raw_kept),
            ("open tags", fill("", "<a ", raw), raw_kept),
            ("quotes on one line", fill("", ">", raw), raw_kept),
            ("quotes on lines", fill("", ">\n", raw), raw_kept),
            ("brackets", fill("", "[", raw), raw_kept),
            ("image openers", fill("", "![a](", raw), raw_kept),
            ("broken links", fill("", "[x](nope.md)\n", raw), raw_kept),
            ("emphasis", fill("", "*a", raw), raw_kept),
            // A line of a million backticks opens a code fence that never
            // closes: what follows is code, shown as text.
            ("backticks", fill("", "`", raw), raw_as_text),
            ("entities", fill("", "&amp;", raw), every_entity),
            ("long line", fill("", "word ", raw), raw_kept),
            (
                "table rows",
                fill("|a|b|\n|-|-|\n", "|x|y|\n", raw),
                raw_kept,
            ),
            ("nested lists", fill(&nested_list, "- x\n", raw), raw_kept),
            ("footnotes", footnotes + raw, raw_kept),
        ]
    }

    #[test]
    fn every_shape_at_the_size_limit_renders() {
        let mut failures = Vec::new();
        for (name, body, check) in shapes() {
            assert!(body.len() <= LIMIT, "{name} is {} bytes", body.len());
            let (done, finished) = mpsc::channel();
            let started = std::time::Instant::now();
            std::thread::spawn(move || {
                let this = LessonRef {
                    course: "course".into(),
                    slug: "lesson".into(),
                };
                let rendered = render_lesson(&body, &this, 1, &Nothing);
                let _ = done.send(check(&body, &rendered));
            });
            match finished.recv_timeout(HANG_CAP) {
                Ok(Ok(())) => {}
                Ok(Err(why)) => failures.push(format!("{name}: {why}")),
                // A panic in the renderer drops the sender.
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    failures.push(format!("{name}: rendering panicked"))
                }
                // The thread is left running; the test process ends with it.
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    panic!("{name} did not render within {HANG_CAP:?}: a hang")
                }
            }
            // Not asserted (timing is for benchmarks): shown with --nocapture.
            println!("{name}: {:?}", started.elapsed());
        }
        assert!(failures.is_empty(), "{failures:#?}");
    }
}
