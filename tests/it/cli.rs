//! The `lectern` binary as an author and an operator use it.

use std::process::Command;

use crate::common::{course, lesson, Fixture};

fn lectern() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lectern"));
    cmd.env_remove("DATABASE_URL").env("LECTERN_LOG", "warn");
    cmd
}

#[test]
fn check_passes_on_the_shipped_sample_content() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/content");
    let out = lectern().args(["check", dir]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("2 course(s), 9 lesson(s)"), "{stdout}");
    assert!(stdout.contains("0 error(s), 0 warning(s)"), "{stdout}");
}

#[rocket::async_test]
async fn check_reports_file_and_line_and_fails() {
    let f = Fixture::new().await;
    f.write("intro/_course.md", course("Intro"));
    f.write(
        "intro/01-a.md",
        lesson("A", "See [b](02-b.md).\n\n[gone](03-gone.md)"),
    );
    f.write("intro/02-b.md", "+++\ntitle = 3\n+++\n");
    let out = lectern().arg("check").arg(f.content()).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("intro/02-b.md:2: error: field `title` must be a string"),
        "{stdout}"
    );
    assert!(
        stdout.contains("intro/01-a.md:8: error: link to a missing file: `03-gone.md`"),
        "{stdout}"
    );
}

#[rocket::async_test]
async fn sync_prints_a_report_and_a_dry_run_writes_nothing() {
    let f = Fixture::new().await;
    f.write("intro/_course.md", course("Intro"));
    f.write("intro/01-a.md", lesson("A", "a"));
    let run = |args: &[&str]| {
        let out = lectern()
            .args(args)
            .env("DATABASE_URL", &f.db.url)
            .env("ROCKET_CONTENT_DIR", f.content())
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (ok, dry) = run(&["sync", "--dry-run"]);
    assert!(ok, "{dry}");
    assert!(
        dry.contains("create     intro/01-a.md") && dry.contains("dry run"),
        "{dry}"
    );
    let (ok, first) = run(&["sync"]);
    assert!(ok && first.contains("created    intro/01-a.md"), "{first}");
    assert!(
        first.contains("2 created, 0 updated, 0 unchanged"),
        "{first}"
    );
    let (ok, second) = run(&["sync"]);
    assert!(
        ok && second.contains("0 created, 0 updated, 2 unchanged"),
        "{second}"
    );
}

#[test]
fn every_verb_has_help() {
    for verb in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["sync", "--help"],
        vec!["check", "--help"],
        vec!["export", "--help"],
        vec!["user", "--help"],
        vec!["user", "add", "--help"],
        vec!["user", "passwd", "--help"],
        vec!["user", "disable", "--help"],
        vec!["user", "enable", "--help"],
        vec!["user", "role", "--help"],
    ] {
        let out = lectern().args(&verb).output().unwrap();
        assert!(out.status.success(), "{verb:?}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("Usage"),
            "{verb:?}"
        );
    }
}

#[rocket::async_test]
async fn the_command_line_keeps_the_last_admin_as_the_panel_does() {
    use lectern::db::entity::Role;
    let f = Fixture::new().await;
    let db = f.connect().await;
    crate::common::add_user(&db, "ada", Role::Admin).await;
    crate::common::add_user(&db, "eve", Role::Editor).await;
    let run = |args: &[&str]| {
        let out = lectern()
            .args(args)
            .env("DATABASE_URL", &f.db.url)
            .env("ROCKET_CONTENT_DIR", f.content())
            .output()
            .unwrap();
        let said = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        (out.status.success(), said)
    };
    let (ok, said) = run(&["user", "disable", "ada"]);
    assert!(!ok, "the last admin cannot be disabled: {said}");
    assert!(said.contains("last admin"), "{said}");
    let (ok, said) = run(&["user", "role", "ada", "editor"]);
    assert!(!ok && said.contains("last admin"), "{said}");
    let admins = "SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = false";
    assert_eq!(crate::common::count(&db, admins).await, 1);

    // With a second admin, the first may go, and each change is audited.
    let (ok, said) = run(&["user", "role", "eve", "admin"]);
    assert!(ok, "{said}");
    let (ok, said) = run(&["user", "disable", "ada"]);
    assert!(ok, "{said}");
    assert_eq!(crate::common::count(&db, admins).await, 1);
    let audited = "SELECT COUNT(*) FROM audit_log WHERE actor = 'cli' AND action IN ('user.role', 'user.disable')";
    assert_eq!(crate::common::count(&db, audited).await, 2);
    let (ok, said) = run(&["user", "disable", "nobody"]);
    assert!(!ok && said.contains("no user named nobody"), "{said}");
}
