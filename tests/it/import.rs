//! `lectern import mdbook|zola DIR`: a book and a site written for these
//! tests (tests/fixtures/import/) become course folders that `lectern
//! check` passes, that a second run leaves byte for byte alone, and that a
//! sync publishes, with the old addresses redirecting.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use rocket::http::Status;

use crate::common::{get, Fixture};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import")
        .join(name)
}

fn lectern(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lectern"))
        .env_remove("DATABASE_URL")
        .env("LECTERN_LOG", "warn")
        .args(args)
        .output()
        .unwrap()
}

/// Runs `lectern import KIND FIXTURE --to DEST`; returns success and stdout.
fn import(kind: &str, dest: &Path, extra: &[&str]) -> (bool, String) {
    let from = fixture(kind);
    let mut args = vec![
        "import",
        kind,
        from.to_str().unwrap(),
        "--to",
        dest.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let out = lectern(&args);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    (out.status.success(), format!("{stdout}{stderr}"))
}

/// Every file under `dir` with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    out
}

fn read(dir: &Path, rel: &str) -> String {
    std::fs::read_to_string(dir.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// `lectern check DIR`: success and stdout.
fn check(dir: &Path) -> (bool, String) {
    let out = lectern(&["check", dir.to_str().unwrap()]);
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn an_mdbook_becomes_one_course_per_part_with_chapters_in_summary_order() {
    let dest = tempfile::tempdir().unwrap();
    let (ok, out) = import("mdbook", dest.path(), &[]);
    assert!(ok, "{out}");
    let files: Vec<String> = snapshot(dest.path()).into_keys().collect();
    assert_eq!(
        files,
        [
            "getting-started/01-introduction.md",
            "getting-started/02-install.md",
            "getting-started/03-editors.md",
            "getting-started/04-check.md",
            "getting-started/05-hello.md",
            "getting-started/_course.md",
            "getting-started/images/ferris.png",
            "getting-started/setup/shots/terminal.png",
            "going-further/01-ownership.md",
            "going-further/02-borrowing.md",
            "going-further/03-modules.md",
            "going-further/04-glossary.md",
            "going-further/_course.md",
        ]
    );
    let course = read(dest.path(), "going-further/_course.md");
    assert_eq!(
        course,
        "+++\ntitle = \"Going further\"\nsummary = \"Part 2 of Rust in Small Steps.\"\nweight = 2\n+++\n"
    );
    // The chapter's own heading repeated the title and is gone; links lead
    // to the new lesson files, images to their copies beside the lessons.
    let install = read(dest.path(), "getting-started/02-install.md");
    assert!(
        install.starts_with("+++\ntitle = \"Setting up\"\naliases = [\"/small-steps/setup/install.html\", \"/small-steps/old-setup.html\"]\n+++\n\n## Before you start\n"),
        "{install}"
    );
    assert!(install.contains("[hello, world](05-hello.md)"), "{install}");
    assert!(
        install.contains("![The crab again](images/ferris.png \"Ferris\")"),
        "{install}"
    );
    assert!(
        install.contains("![A terminal after the install](setup/shots/terminal.png)"),
        "{install}"
    );
    let intro = read(dest.path(), "getting-started/01-introduction.md");
    assert!(
        intro.contains("[setting up your\nmachine](02-install.md#before-you-start)"),
        "{intro}"
    );
    assert!(
        intro.contains("[glossary](../going-further/04-glossary.md)"),
        "{intro}"
    );
    let check_md = read(dest.path(), "getting-started/04-check.md");
    assert!(
        check_md.contains("[setting up](02-install.md)"),
        "{check_md}"
    );
    assert!(
        check_md.contains("[borrowing](../going-further/02-borrowing.md)"),
        "{check_md}"
    );
    let hello = read(dest.path(), "getting-started/05-hello.md");
    assert!(
        hello.contains("[own]: ../going-further/01-ownership.md"),
        "{hello}"
    );
    assert!(
        hello.contains("The missing chapter was never written."),
        "{hello}"
    );
    let borrowing = read(dest.path(), "going-further/02-borrowing.md");
    assert!(borrowing.contains("(01-ownership.md#rules)"), "{borrowing}");
    assert!(
        borrowing.contains("[introduction](../getting-started/01-introduction.md)"),
        "{borrowing}"
    );
    let modules = read(dest.path(), "going-further/03-modules.md");
    assert!(
        modules.contains("[hello, world](../getting-started/05-hello.md)"),
        "{modules}"
    );
    assert!(
        modules.contains("(https://doc.rust-lang.org/book/)"),
        "{modules}"
    );
    assert_eq!(
        std::fs::read(dest.path().join("getting-started/images/ferris.png")).unwrap(),
        std::fs::read(fixture("mdbook").join("src/images/ferris.png")).unwrap()
    );

    // Everything not converted is named with its file and line.
    for line in [
        "book.toml:15: the mdBook preprocessor “mermaid” is not run",
        "book.toml:13: the redirect from /gone.html to https://example.org/elsewhere.html does not lead to an imported chapter",
        "src/SUMMARY.md:16: the draft chapter “Error handling” has no file yet, so it is not imported",
        "src/setup/install.md:12: the mdBook directive {{#include ../../code/hello.rs}} is not run; paste the included text in its place",
        "src/setup/editors.md:3: the mdBook directive {{#title Editors for Rust}} is not run",
        "src/setup/editors.md:7: the mdBook directive {{#playground ../../code/hello.rs}} is not run",
        "src/hello.md:4: the mdBook directive {{#rustdoc_include ../code/hello.rs:2:4}} is not run",
        "src/hello.md:7: the link to ./missing.md leads to nothing in the book",
        "src/glossary.md:4: the link to notes.md leads to a page that was not imported",
        "src/setup/check.md:7: “../images/ferris.png” in raw HTML is left as it is",
        "src/notes.md: not listed in SUMMARY.md, so not imported",
    ] {
        assert!(out.contains(line), "missing “{line}” in:\n{out}");
    }
    assert!(!out.contains("escaped"), "{out}");
    assert!(
        out.contains("import: 2 course(s), 9 lesson(s), 2 file(s) copied"),
        "{out}"
    );
    assert!(
        out.contains("check: 0 error(s), 0 warning(s) in the imported courses"),
        "{out}"
    );

    let (ok, checked) = check(dest.path());
    assert!(
        ok && checked.contains("2 course(s), 9 lesson(s)")
            && checked.contains("0 error(s), 0 warning(s)"),
        "{checked}"
    );
}

#[test]
fn one_course_from_a_book_with_parts_on_request() {
    let dest = tempfile::tempdir().unwrap();
    let (ok, out) = import("mdbook", dest.path(), &["--course", "rust-steps"]);
    assert!(ok, "{out}");
    let files: Vec<String> = snapshot(dest.path())
        .into_keys()
        .filter(|f| f.ends_with(".md"))
        .collect();
    assert_eq!(
        files,
        [
            "rust-steps/01-introduction.md",
            "rust-steps/02-install.md",
            "rust-steps/03-editors.md",
            "rust-steps/04-check.md",
            "rust-steps/05-hello.md",
            "rust-steps/06-ownership.md",
            "rust-steps/07-borrowing.md",
            "rust-steps/08-modules.md",
            "rust-steps/09-glossary.md",
            "rust-steps/_course.md",
        ]
    );
    assert!(
        read(dest.path(), "rust-steps/01-introduction.md").contains("[glossary](09-glossary.md)")
    );
    assert!(check(dest.path()).0);
    let (ok, out) = import("mdbook", dest.path(), &["--course", "Not A Slug"]);
    assert!(!ok && out.contains("--course: slug “Not A Slug”"), "{out}");
}

#[test]
fn a_zola_site_becomes_one_course_per_section_in_weight_and_date_order() {
    let dest = tempfile::tempdir().unwrap();
    let (ok, out) = import("zola", dest.path(), &[]);
    assert!(ok, "{out}");
    let files: Vec<String> = snapshot(dest.path()).into_keys().collect();
    assert_eq!(
        files,
        [
            // sort_by = "date": newest first.
            "css/01-colors.md",
            "css/02-layout.md",
            "css/03-selectors.md",
            "css/_course.md",
            "css/img/logo.png",
            // sort_by = "weight", the page without one last.
            "html/01-intro.md",
            "html/02-tags.md",
            "html/03-forms.md",
            "html/04-unweighted.md",
            "html/_course.md",
            "html/forms/diagram.svg",
            "html/forms/extra/notes.txt",
            "html/forms/form.png",
        ]
    );
    assert_eq!(
        read(dest.path(), "html/_course.md"),
        "+++\ntitle = \"HTML basics\"\nsummary = \"Write the structure of a web page.\"\nweight = 1\n+++\n\nBegin with the [introduction](01-intro.md), then learn the [tags](02-tags.md).\n"
    );
    let intro = read(dest.path(), "html/01-intro.md");
    assert!(
        intro.starts_with("+++\ntitle = \"Introduction to HTML\"\nsummary = \"What HTML is for.\"\ntags = [\"html\", \"basics\"]\nupdated = 2024-02-01\n+++\n\n"),
        "{intro}"
    );
    assert!(intro.contains("[CSS course](../css/_course.md)"), "{intro}");
    assert!(intro.contains("[about tags](02-tags.md)"), "{intro}");
    let tags = read(dest.path(), "html/02-tags.md");
    assert!(
        tags.contains("aliases = [\"/tags-old/\", \"/html/elements/\"]"),
        "{tags}"
    );
    assert!(tags.contains("[form fields](03-forms.md#fields)"), "{tags}");
    assert!(tags.contains("The lost page does not exist."), "{tags}");
    let forms = read(dest.path(), "html/03-forms.md");
    assert!(forms.contains("![A small form](forms/form.png)"), "{forms}");
    assert!(forms.contains("[diagram](forms/diagram.svg)"), "{forms}");
    assert!(read(dest.path(), "html/04-unweighted.md").contains("draft = true"));
    let layout = read(dest.path(), "css/02-layout.md");
    // Its old address is its new one: no alias.
    assert!(layout.contains("updated = 2024-06-02\n+++"), "{layout}");
    assert!(layout.contains("[selectors](03-selectors.md)"), "{layout}");
    assert!(
        layout.contains("[HTML introduction](../html/01-intro.md)"),
        "{layout}"
    );
    assert!(read(dest.path(), "css/01-colors.md").contains("![The site logo](img/logo.png)"));
    assert!(read(dest.path(), "css/03-selectors.md").contains("updated = 2024-03-01"));

    for line in [
        "content/_index.md: this section has no pages, so no course is made of it",
        "content/html/_index.md: the old address /old-html/ is not kept as a redirect",
        "content/html/_index.md:7: the field “template” has no counterpart in Lectern",
        "content/html/intro.md:14: the Zola shortcode {% note(kind=\"tip\") %} and its body up to {% end %} are not run",
        "content/html/tags.md:8: the taxonomy “categories” (reference) is not converted",
        "content/html/tags.md:13: the Zola shortcode {{ youtube(id=\"dQw4w9WgXcQ\") }} is not run",
        "content/html/tags.md:18: the link to @/html/lost.md leads to no page of the site",
        "content/html/unweighted.md: the section sorts its pages by weight, but this page has none",
        "content/css/layout.md:5: the field “template” has no counterpart in Lectern",
        "content/css/layout.md:9: the address /sitemap-old.xml is not a page or file of the site",
    ] {
        assert!(out.contains(line), "missing “{line}” in:\n{out}");
    }
    assert!(!out.contains("escaped"), "{out}");
    let (ok, checked) = check(dest.path());
    assert!(
        ok && checked.contains("2 course(s), 7 lesson(s)")
            && checked.contains("0 error(s), 0 warning(s)"),
        "{checked}"
    );
}

#[test]
fn a_second_import_changes_nothing_and_edited_files_are_kept() {
    for kind in ["mdbook", "zola"] {
        let dest = tempfile::tempdir().unwrap();
        let (ok, first) = import(kind, dest.path(), &[]);
        assert!(ok, "{first}");
        let before = snapshot(dest.path());
        let (ok, second) = import(kind, dest.path(), &[]);
        assert!(ok, "{second}");
        assert_eq!(
            snapshot(dest.path()),
            before,
            "{kind}: files changed on a second run"
        );
        assert!(!second.contains("wrote "), "{second}");
        assert!(
            second.contains(&format!("0 written, {} unchanged, 0 kept", before.len())),
            "{second}"
        );

        // An author's edit since the import is never overwritten silently.
        let edited = before.keys().find(|k| k.contains("/01-")).unwrap().clone();
        std::fs::write(
            dest.path().join(&edited),
            "+++\ntitle = \"Mine\"\n+++\nMy text.\n",
        )
        .unwrap();
        let (ok, third) = import(kind, dest.path(), &[]);
        assert!(!ok, "{third}");
        assert!(
            third.contains(&format!("kept       {edited}: it differs")),
            "{third}"
        );
        assert_eq!(
            read(dest.path(), &edited),
            "+++\ntitle = \"Mine\"\n+++\nMy text.\n"
        );
        // A lesson file the import did not write (an earlier import's, after
        // the source was reordered) is named.
        let course = edited.split('/').next().unwrap();
        std::fs::write(
            dest.path().join(course).join("99-old.md"),
            "+++\ntitle = \"Old\"\n+++\n",
        )
        .unwrap();
        let (_, third) = import(kind, dest.path(), &[]);
        assert!(
            third.contains(&format!(
                "other      {course}/99-old.md: not written by this import"
            )),
            "{third}"
        );
        std::fs::remove_file(dest.path().join(course).join("99-old.md")).unwrap();
        let (ok, fourth) = import(kind, dest.path(), &["--overwrite"]);
        assert!(
            ok && fourth.contains(&format!("wrote      {edited}")),
            "{fourth}"
        );
        assert_eq!(snapshot(dest.path()), before);
    }
}

#[test]
fn a_folder_that_is_not_a_book_or_site_is_named_plainly() {
    let dir = tempfile::tempdir().unwrap();
    let here = dir.path().to_str().unwrap();
    let out = lectern(&["import", "mdbook", here, "--to", here]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("has no readable book.toml, so it is not an mdBook folder"),
        "{stderr}"
    );
    let out = lectern(&["import", "zola", here, "--to", here]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("has no content folder, so it is not a Zola site"),
        "{stderr}"
    );
    let help = lectern(&["import", "mdbook", "--help"]);
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(
        help.contains("--course <SLUG>")
            && help.contains("--to <DIR>")
            && help.contains("--overwrite"),
        "{help}"
    );
}

/// A hostile book: chapters and images outside its folder, reached by
/// `..`, by absolute paths or through symbolic links, are reported and
/// never read or copied.
#[test]
fn nothing_outside_the_book_is_read_or_copied() {
    let book = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(
        outside.path().join("secret.md"),
        "# Secret\n\nsecret text\n",
    )
    .unwrap();
    std::fs::write(outside.path().join("secret.png"), b"\x89PNG secret").unwrap();
    let write = |rel: &str, text: &str| {
        let path = book.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("book.toml", "[book]\ntitle = \"Hostile\"\n");
    write(
        "src/SUMMARY.md",
        "- [Fine](fine.md)\n- [Escape](../../secret.md)\n- [Linked](linked.md)\n",
    );
    write(
        "src/fine.md",
        "# Fine\n\n![a](../../../secret.png) ![b](linked.png) [c](/../../secret.md) [d](secret/x.md)\n",
    );
    std::os::unix::fs::symlink(
        outside.path().join("secret.md"),
        book.path().join("src/linked.md"),
    )
    .unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("secret.png"),
        book.path().join("src/linked.png"),
    )
    .unwrap();
    std::os::unix::fs::symlink(outside.path(), book.path().join("src/secret")).unwrap();

    let dest = tempfile::tempdir().unwrap();
    let out = lectern(&[
        "import",
        "mdbook",
        book.path().to_str().unwrap(),
        "--to",
        dest.path().to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    for line in [
        "src/SUMMARY.md:2: the chapter “Escape” points outside the book (../../secret.md); not imported",
        "src/SUMMARY.md:3: the chapter “Linked” (linked.md) is not imported: it is reached through a symbolic link",
        "src/fine.md:3: the image ../../../secret.png is outside the book; its description is kept instead",
        "src/fine.md:3: src/linked.png is not copied: it is reached through a symbolic link",
        "src/fine.md:3: the address /../../secret.md is not a page or file of the book",
        "src/fine.md:3: the link to secret/x.md leads to nothing in the book",
    ] {
        assert!(stdout.contains(line), "missing “{line}” in:\n{stdout}");
    }
    let files = snapshot(dest.path());
    assert_eq!(
        files.keys().collect::<Vec<_>>(),
        ["hostile/01-fine.md", "hostile/_course.md"]
    );
    assert!(files
        .values()
        .all(|bytes| !String::from_utf8_lossy(bytes).contains("secret text")));
    assert!(check(dest.path()).0);
}

/// The imported folders, synced into a real database, are a site: lessons
/// in order, images served, old addresses redirecting.
#[rocket::async_test]
async fn imported_courses_sync_and_serve_with_their_old_addresses() {
    let f = Fixture::new().await;
    let (ok, out) = import("mdbook", &f.content(), &[]);
    assert!(ok, "{out}");
    let (ok, out) = import("zola", &f.content(), &[]);
    assert!(ok, "{out}");
    let db = f.connect().await;
    let report = f.sync(&db).await;
    assert_eq!(report.errors(), 0, "{:?}", report.diagnostics);
    assert_eq!(
        report
            .created
            .iter()
            .filter(|p| !p.ends_with("_course.md"))
            .count(),
        16
    );
    let client = f.client().await;

    let (status, html) = get(&client, "/getting-started/").await;
    assert_eq!(status, Status::Ok);
    let order: Vec<usize> = [
        "Introduction",
        "Setting up",
        "Editors",
        "Checking the install",
        "Hello, world",
    ]
    .iter()
    .map(|t| {
        html.find(&format!(">{t}<"))
            .unwrap_or_else(|| panic!("{t} in {html}"))
    })
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");

    let (status, html) = get(&client, "/getting-started/install/").await;
    assert_eq!(status, Status::Ok);
    assert!(html.contains("href=\"/getting-started/hello/\""), "{html}");
    assert!(html.contains("src=\"/media/"), "{html}");
    let (status, html) = get(&client, "/html/intro/").await;
    assert_eq!(status, Status::Ok);
    assert!(html.contains("href=\"/css/\""), "{html}");

    for (old, new) in [
        (
            "/small-steps/setup/install.html",
            "/getting-started/install/",
        ),
        ("/small-steps/old-setup.html", "/getting-started/install/"),
        ("/small-steps/index.html", "/getting-started/introduction/"),
        ("/tags-old/", "/html/tags/"),
        ("/css/layout/", "/css/layout/"),
    ] {
        let res = client.get(old).dispatch().await;
        if old == new {
            assert_eq!(res.status(), Status::Ok, "{old}");
        } else {
            assert_eq!(res.status(), Status::MovedPermanently, "{old}");
            assert_eq!(res.headers().get_one("Location"), Some(new), "{old}");
        }
    }
}
