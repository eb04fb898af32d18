//! The `lectern` binary as an author and an operator use it.

use std::process::Command;

use lectern::db::entity::Role;
use rocket::http::Status;

use crate::common::{add_user, count, course, csrf, lesson, log_in, post, Fixture, PASSWORD};

fn lectern() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lectern"));
    cmd.env_remove("DATABASE_URL").env("LECTERN_LOG", "warn");
    cmd
}

/// The binary, on the fixture's database and content folder.
fn lectern_on(f: &Fixture) -> Command {
    let mut command = lectern();
    command
        .env("DATABASE_URL", &f.db.url)
        .env("ROCKET_CONTENT_DIR", f.content());
    command
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
        stdout.contains(
            "intro/02-b.md:2: error: title must be text in quotes, for example title = \"Hello\""
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("intro/01-a.md:8: error: link to a missing file: “03-gone.md”"),
        "{stdout}"
    );
}

#[rocket::async_test]
async fn sync_prints_a_report_and_a_dry_run_writes_nothing() {
    let f = Fixture::new().await;
    f.write("intro/_course.md", course("Intro"));
    f.write("intro/01-a.md", lesson("A", "a"));
    let run = |args: &[&str]| {
        let out = lectern_on(&f).args(args).output().unwrap();
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

/// Runs the binary on the fixture's database and content folder; returns
/// the exit code and what it printed.
fn run_on(f: &Fixture, args: &[&str]) -> (Option<i32>, String) {
    let out = lectern_on(f).args(args).output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[rocket::async_test]
async fn sync_exits_non_zero_when_a_file_has_an_error_and_zero_when_clean() {
    let f = Fixture::new().await;
    f.write("intro/_course.md", course("Intro"));
    f.write("intro/01-a.md", lesson("A", "a"));
    let (code, out) = run_on(&f, &["sync"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("2 created, 0 updated, 0 unchanged"), "{out}");
    assert!(out.contains("0 error(s)"), "{out}");

    f.write("intro/02-b.md", "+++\ntitle = 3\n+++\n");
    let error =
        "intro/02-b.md:2: error: title must be text in quotes, for example title = \"Hello\"";
    for args in [&["sync", "--dry-run"][..], &["sync"]] {
        let (code, out) = run_on(&f, args);
        assert_eq!(code, Some(1), "{args:?}: {out}");
        assert!(out.contains(error), "{args:?}: {out}");
        assert!(out.contains("1 error(s)"), "{args:?}: {out}");
    }

    // Fixed, the file is created and the run is clean again.
    f.write("intro/02-b.md", lesson("B", "b"));
    let (code, out) = run_on(&f, &["sync"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("created    intro/02-b.md"), "{out}");
    assert!(out.contains("0 error(s)"), "{out}");
}

#[rocket::async_test]
async fn export_writes_an_admin_edit_and_the_next_sync_reports_it_unchanged() {
    let f = Fixture::new().await;
    f.write("intro/_course.md", course("Intro"));
    f.write(
        "intro/01-hello.md",
        "+++\n# kept by export\ntitle = \"Hello\"\ntags = [\"kept\"]\n+++\n\nHello.\n",
    );
    let (code, out) = run_on(&f, &["sync"]);
    assert_eq!(code, Some(0), "{out}");

    // An editor changes the lesson in the admin.
    let client = f.client().await;
    let db = f.connect().await;
    add_user(&db, "eve", Role::Editor).await;
    assert_eq!(log_in(&client, "eve", PASSWORD).await, Status::SeeOther);
    let token = csrf(&client).await;
    let id = count(&db, "SELECT id FROM lessons WHERE slug = 'hello'").await;
    let course_id = count(&db, "SELECT id FROM courses WHERE slug = 'intro'")
        .await
        .to_string();
    let (status, _, _) = post(
        &client,
        &format!("/admin/lessons/{id}/edit"),
        &[
            ("csrf", &token),
            ("version", "1"),
            ("title", "Hello, edited"),
            ("slug", "hello"),
            ("course_id", &course_id),
            ("status", "published"),
            ("summary", ""),
            ("body_md", "Edited in the admin."),
            ("action", "save"),
        ],
    )
    .await;
    assert_eq!(status, Status::SeeOther);

    let (code, out) = run_on(&f, &["export"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("wrote      intro/01-hello.md"), "{out}");
    assert!(out.contains("export: 1 file(s) written"), "{out}");
    let file = std::fs::read_to_string(f.content().join("intro/01-hello.md")).unwrap();
    assert!(file.contains("title = \"Hello, edited\""), "{file}");
    assert!(file.contains("Edited in the admin."), "{file}");
    assert!(!file.contains("Hello.\n"), "{file}");
    assert!(
        file.contains("# kept by export") && file.contains("tags = [\"kept\"]"),
        "comments and other fields kept: {file}"
    );

    // The next sync finds nothing to do, and the next export nothing to write.
    let (code, out) = run_on(&f, &["sync"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains("0 created, 0 updated, 2 unchanged, 0 archived, 0 conflict(s), 0 error(s)"),
        "{out}"
    );
    let (code, out) = run_on(&f, &["export"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("export: 0 file(s) written"), "{out}");
}

/// `lectern <words> --help`: exits 0; returns what it printed.
fn help(words: &[&str]) -> String {
    let out = lectern().args(words).arg("--help").output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{words:?}: {stdout}");
    stdout
}

/// The sub-commands a help text lists under `Commands:` (not `help`).
fn commands(help: &str) -> Vec<String> {
    help.split("Commands:\n")
        .nth(1)
        .unwrap_or_else(|| panic!("no commands in {help}"))
        .lines()
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(str::to_string)
        .collect()
}

/// README, "Command line": every verb and `user`'s sub-verbs have help
/// (`lectern --help` and `lectern <verb> --help`) that names them and the
/// options the README gives them.
#[test]
fn every_verb_has_help() {
    let top = help(&[]);
    assert!(top.contains("Usage: lectern [COMMAND]"), "{top}");
    assert_eq!(
        commands(&top),
        ["serve", "sync", "check", "new", "export", "import", "user"],
        "{top}"
    );
    for (verb, options) in [
        ("serve", &["--watch"][..]),
        ("sync", &["--dry-run"]),
        ("check", &["[DIR]"]),
        ("new", &["course", "lesson"]),
        ("export", &[]),
        ("import", &["mdbook", "zola"]),
        ("user", &[]),
    ] {
        let text = help(&[verb]);
        assert!(
            text.contains(&format!("Usage: lectern {verb}")),
            "{verb}: {text}"
        );
        for option in options {
            assert!(
                text.contains(option),
                "{verb} --help names {option}: {text}"
            );
        }
    }
    let user = help(&["user"]);
    let subs = ["add", "passwd", "disable", "enable", "role"];
    assert_eq!(commands(&user), subs, "{user}");
    // The one-line description lists them all too (shown by `lectern --help`).
    let line = top
        .lines()
        .find(|l| l.trim_start().starts_with("user "))
        .unwrap();
    for sub in subs {
        assert!(
            line.contains(sub),
            "`lectern --help` describes user as {line:?}"
        );
    }
    for (sub, usage) in [
        ("add", "Usage: lectern user add [OPTIONS] <NAME>"),
        ("passwd", "Usage: lectern user passwd <NAME>"),
        ("disable", "Usage: lectern user disable <NAME>"),
        ("enable", "Usage: lectern user enable <NAME>"),
        ("role", "Usage: lectern user role <NAME> <ROLE>"),
    ] {
        let text = help(&["user", sub]);
        assert!(text.contains(usage), "user {sub}: {text}");
    }
    assert!(help(&["user", "add"]).contains("--role <ROLE>"));
    assert!(help(&["user", "role"]).contains("[possible values: admin, editor]"));
}

#[rocket::async_test]
async fn the_command_line_keeps_the_last_admin_as_the_panel_does() {
    use lectern::db::entity::Role;
    let f = Fixture::new().await;
    let db = f.connect().await;
    crate::common::add_user(&db, "ada", Role::Admin).await;
    crate::common::add_user(&db, "eve", Role::Editor).await;
    let run = |args: &[&str]| {
        let out = lectern_on(&f).args(args).output().unwrap();
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

/// Runs `lectern` on the fixture's site with `stdin` piped in; returns the
/// exit code and what it printed (stdout, then stderr).
fn run_with_stdin(f: &Fixture, args: &[&str], stdin: &str) -> (Option<i32>, String) {
    use std::io::Write;
    let mut child = lectern_on(f)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let said =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.code(), said)
}

/// README, "Admin panel": `lectern user add|passwd|disable|enable|role`
/// through the real binary, the password read from stdin when piped; a
/// password change and a disable end the user's sessions; the last admin
/// stays an admin; an unknown user is a plain error.
#[rocket::async_test]
async fn the_user_commands_manage_accounts_and_sessions() {
    use crate::common::{count, get, log_in};
    use rocket::http::Status;
    let f = Fixture::new().await;
    let db = f.connect().await;
    let run = |args: &[&str], stdin: &str| run_with_stdin(&f, args, stdin);
    let sessions_of = |name: &str| {
        format!(
            "SELECT COUNT(*) FROM sessions WHERE user_id = (SELECT id FROM users WHERE username = '{name}')"
        )
    };
    const FIRST: &str = "the first long password";
    const SECOND: &str = "the second long password";

    // add: the password is one line of stdin; the role defaults to editor.
    let (code, said) = run(
        &["user", "add", "ada", "--role", "admin"],
        &format!("{FIRST}\n"),
    );
    assert_eq!(code, Some(0), "{said}");
    assert!(said.contains("created ada (Admin)"), "{said}");
    let (code, said) = run(&["user", "add", "eve"], &format!("{FIRST}\n"));
    assert_eq!(code, Some(0), "{said}");
    assert!(said.contains("created eve (Editor)"), "{said}");
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM users WHERE username = 'ada' AND role = 'admin'"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM users WHERE username = 'eve' AND role = 'editor'"
        )
        .await,
        1
    );
    let (code, said) = run(&["user", "add", "eve"], &format!("{FIRST}\n"));
    assert_eq!(code, Some(1), "a second eve: {said}");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM users").await, 2);

    // The password read from stdin is the one that logs in.
    let client = f.client().await;
    assert_eq!(log_in(&client, "eve", FIRST).await, Status::SeeOther);
    assert_eq!(get(&client, "/admin/lessons").await.0, Status::Ok);
    assert_eq!(count(&db, &sessions_of("eve")).await, 1);

    // passwd: eve's sessions end, the old password stops working.
    let (code, said) = run(&["user", "passwd", "eve"], &format!("{SECOND}\n"));
    assert_eq!(code, Some(0), "{said}");
    assert!(said.contains("password changed for eve"), "{said}");
    assert_eq!(count(&db, &sessions_of("eve")).await, 0);
    let res = client.get("/admin/lessons").dispatch().await;
    assert_eq!(res.status(), Status::SeeOther, "the session ended");
    assert!(res
        .headers()
        .get_one("Location")
        .is_some_and(|l| l.starts_with("/admin/login")));
    let fresh = f.client().await;
    assert_eq!(log_in(&fresh, "eve", FIRST).await, Status::Unauthorized);
    assert_eq!(log_in(&fresh, "eve", SECOND).await, Status::SeeOther);
    assert_eq!(count(&db, &sessions_of("eve")).await, 1);

    // disable: logged out at once, and no new login; enable: back again.
    let (code, said) = run(&["user", "disable", "eve"], "");
    assert_eq!(code, Some(0), "{said}");
    assert_eq!(count(&db, &sessions_of("eve")).await, 0);
    assert_eq!(
        fresh.get("/admin/lessons").dispatch().await.status(),
        Status::SeeOther
    );
    let other = f.client().await;
    assert_eq!(log_in(&other, "eve", SECOND).await, Status::Unauthorized);
    let (code, said) = run(&["user", "enable", "eve"], "");
    assert_eq!(code, Some(0), "{said}");
    assert!(said.contains("enabled eve"), "{said}");
    assert_eq!(log_in(&other, "eve", SECOND).await, Status::SeeOther);

    // role: both ways; the last admin cannot become an editor.
    let admin_count = "SELECT COUNT(*) FROM users WHERE role = 'admin'";
    let (code, said) = run(&["user", "role", "eve", "admin"], "");
    assert_eq!(code, Some(0), "{said}");
    assert!(said.contains("eve is now an admin"), "{said}");
    assert_eq!(count(&db, admin_count).await, 2);
    let (code, said) = run(&["user", "role", "eve", "editor"], "");
    assert_eq!(code, Some(0), "{said}");
    assert!(said.contains("eve is now an editor"), "{said}");
    let (code, said) = run(&["user", "role", "ada", "editor"], "");
    assert_eq!(code, Some(1), "{said}");
    assert!(said.contains("last admin"), "{said}");
    assert!(
        !said.contains("panicked") && !said.contains("Backtrace"),
        "{said}"
    );
    assert_eq!(count(&db, admin_count).await, 1);
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM users WHERE username = 'ada' AND role = 'admin'"
        )
        .await,
        1
    );
    // A role that is neither is refused by the parser, changing nobody.
    let (code, said) = run(&["user", "role", "eve", "owner"], "");
    assert_eq!(code, Some(2), "{said}");
    assert!(said.contains("invalid value 'owner'"), "{said}");

    // An unknown user: exit 1 and one plain line naming them.
    for args in [
        &["user", "passwd", "nobody"][..],
        &["user", "disable", "nobody"],
        &["user", "enable", "nobody"],
        &["user", "role", "nobody", "admin"],
    ] {
        let (code, said) = run(args, &format!("{SECOND}\n"));
        assert_eq!(code, Some(1), "{args:?}: {said}");
        let line = said.trim();
        assert!(
            line.starts_with("error: no user named")
                && line.contains("nobody")
                && !line.contains('\n'),
            "{args:?}: {said}"
        );
    }
    assert_eq!(count(&db, "SELECT COUNT(*) FROM users").await, 2);
}
