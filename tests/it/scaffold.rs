//! `lectern new course SLUG` and `lectern new lesson COURSE TITLE`, as an
//! author runs them: files written with their front matter filled in, the
//! next number, a slug from the title; refusals that say why and write
//! nothing; and what they make checks clean and syncs into pages.

use std::process::{Command, Output};

use rocket::http::Status;

use crate::common::{course, get, lesson, Fixture};

/// The binary, on the fixture's content folder (and database).
fn lectern_new(f: &Fixture, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lectern"))
        .env_remove("DATABASE_URL")
        .env("DATABASE_URL", &f.db.url)
        .env("ROCKET_CONTENT_DIR", f.content())
        .env("LECTERN_LOG", "warn")
        .arg("new")
        .args(args)
        .output()
        .unwrap()
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[rocket::async_test]
async fn new_course_and_lessons_are_written_numbered_and_publish() {
    let f = Fixture::new().await;
    f.write("intro/_course.md", course("Intro"));
    f.write("intro/01-hello.md", lesson("Hello", "Hi."));

    let out = lectern_new(&f, &["course", "rust-basics"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    let made = f.content().join("rust-basics/_course.md");
    assert!(
        stdout.contains(&format!("created {}", made.display())),
        "{stdout}"
    );
    assert!(
        stdout.contains("lectern new lesson rust-basics"),
        "what to do next: {stdout}"
    );
    let written = std::fs::read_to_string(&made).unwrap();
    assert!(
        written.starts_with("+++\ntitle = \"Rust basics\"\n"),
        "{written}"
    );

    let out = lectern_new(&f, &["lesson", "rust-basics", "Hello, \"world\"!"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    let first = f.content().join("rust-basics/01-hello-world.md");
    assert!(
        stdout.contains(&format!("created {}", first.display())),
        "{stdout}"
    );
    assert!(stdout.contains("/rust-basics/hello-world/"), "{stdout}");
    assert!(stdout.contains("lectern serve --watch"), "{stdout}");
    let out = lectern_new(&f, &["lesson", "rust-basics", "Ownership & borrowing"]);
    assert!(out.status.success(), "{:?}", text(&out));
    assert!(f
        .content()
        .join("rust-basics/02-ownership-borrowing.md")
        .is_file());
    // In a course that has lessons: after its highest number.
    f.write("intro/07-later.md", lesson("Later", "Later."));
    let out = lectern_new(&f, &["lesson", "intro", "Wrap up", "--slug", "the-end"]);
    assert!(out.status.success(), "{:?}", text(&out));
    assert!(f.content().join("intro/08-the-end.md").is_file());

    // What was made passes check, and syncs into pages with those titles.
    let out = Command::new(env!("CARGO_BIN_EXE_lectern"))
        .arg("check")
        .arg(f.content())
        .output()
        .unwrap();
    let (stdout, _) = text(&out);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("0 error(s), 0 warning(s)"), "{stdout}");
    let db = f.connect().await;
    let report = f.sync(&db).await;
    assert_eq!(report.errors(), 0, "{:?}", report.diagnostics);
    let client = f.client().await;
    let (status, page) = get(&client, "/rust-basics/hello-world/").await;
    assert_eq!(status, Status::Ok);
    assert!(page.contains("Hello, &quot;world&quot;!"), "{page}");
    let (status, page) = get(&client, "/rust-basics/").await;
    assert_eq!(status, Status::Ok);
    assert!(
        page.contains("Rust basics") && page.contains("Ownership &amp; borrowing"),
        "{page}"
    );
}

#[rocket::async_test]
async fn new_refuses_clearly_and_never_overwrites() {
    let f = Fixture::new().await;
    f.write("intro/_course.md", course("Intro"));
    f.write("intro/01-hello.md", lesson("Hello", "Mine."));
    let before = std::fs::read_to_string(f.content().join("intro/_course.md")).unwrap();

    let refused = |args: &[&str], needle: &str| {
        let out = lectern_new(&f, args);
        let (stdout, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stdout}{stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
        assert!(!stderr.contains('`'), "{stderr}");
        assert!(stdout.is_empty(), "{args:?}: {stdout}");
    };
    refused(&["course", "intro"], "already exists; nothing was written");
    refused(&["course", "Intro Two"], "try “intro-two”");
    refused(&["course", "search"], "reserved");
    refused(
        &["course", "../outside"],
        "cannot use “../outside” as a course slug",
    );
    refused(&["lesson", "nope", "A title"], "there is no course “nope”");
    refused(&["lesson", "nope", "A title"], "lectern new course nope");
    refused(
        &["lesson", "intro", "Hello"],
        "intro/01-hello.md already has the slug “hello”",
    );
    refused(
        &["lesson", "intro", "A", "--slug", "Bad Slug"],
        "try “bad-slug”",
    );
    refused(&["lesson", "intro", "   "], "title is empty");
    refused(&["lesson", "intro", "こんにちは"], "--slug");

    assert_eq!(
        std::fs::read_to_string(f.content().join("intro/_course.md")).unwrap(),
        before
    );
    let mut names: Vec<_> = std::fs::read_dir(f.content())
        .unwrap()
        .chain(std::fs::read_dir(f.content().join("intro")).unwrap())
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["01-hello.md", "_course.md", "intro"]);
    assert!(!f.dir.path().join("outside").exists());
}

#[test]
fn each_new_verb_explains_itself() {
    for (verb, needles) in [
        (
            "course",
            &["Usage: lectern new course", "<SLUG>", "--title", "Example:"][..],
        ),
        (
            "lesson",
            &[
                "Usage: lectern new lesson",
                "<COURSE> <TITLE>",
                "--slug",
                "NN-routes-and-data.md",
            ][..],
        ),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_lectern"))
            .args(["new", verb, "--help"])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{stdout}");
        for needle in needles {
            assert!(stdout.contains(needle), "{verb}: {needle:?} in {stdout}");
        }
    }
    let out = Command::new(env!("CARGO_BIN_EXE_lectern"))
        .args(["new", "--help"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("course") && stdout.contains("lesson"),
        "{stdout}"
    );
}
