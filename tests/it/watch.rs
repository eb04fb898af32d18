//! `lectern serve --watch` (README, "Authors' workflow with git"): the real
//! binary re-syncs, debounced, whenever a file in the content folder
//! changes. Nothing here waits for a set time: each step polls the page
//! until it shows the change, with a generous limit that only catches a hang.

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::common::{count, course, free_port, http_get, lesson, server_command, Fixture, Server};

/// Long enough for any machine; reached only if the watcher never syncs.
const HANG: Duration = Duration::from_secs(60);

/// Starts `lectern serve --watch` on the fixture's database and content
/// (no start-up sync: every change it serves came through the watcher), and
/// returns once it says it is watching the content folder.
fn serve_watching(f: &Fixture) -> (Server, u16) {
    let port = free_port();
    let mut child = server_command(f, port)
        .args(["serve", "--watch"])
        .env("ROCKET_SYNC_ON_START", "false")
        .env("LECTERN_LOG", "lectern=info")
        .env("NO_COLOR", "1")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The log, line by line, read on a thread of its own (and drained to
    // the end, so the server never blocks on a full pipe).
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            let _ = tx.send(line);
        }
    });
    let server = Server(child);
    let start = Instant::now();
    let mut log = Vec::new();
    loop {
        let left = HANG
            .checked_sub(start.elapsed())
            .unwrap_or_else(|| panic!("the server never said it was watching: {log:#?}"));
        match rx.recv_timeout(left) {
            Ok(line) if line.contains("watching") && line.contains("for changes") => break,
            Ok(line) => log.push(line),
            Err(_) => panic!("the server never said it was watching: {log:#?}"),
        }
    }
    (server, port)
}

/// Polls `path` until `done` holds for its answer; panics after [`HANG`].
fn poll_until(port: u16, path: &str, what: &str, done: impl Fn(u16, &str) -> bool) {
    let start = Instant::now();
    let mut last = None;
    loop {
        let answer = http_get(port, path);
        if let Some((code, body)) = &answer {
            if done(*code, body) {
                return;
            }
        }
        last = answer.or(last);
        assert!(
            start.elapsed() < HANG,
            "{path}: {what} never happened; last answer {last:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[rocket::async_test]
async fn serve_watch_resyncs_when_content_files_change() {
    let f = Fixture::new().await;
    f.write("intro/_course.md", course("Intro"));
    f.write("intro/01-hello.md", lesson("Hello", "Version one."));
    f.write("intro/02-world.md", lesson("World", "Still here."));
    let db = f.connect().await;
    f.sync(&db).await;
    let (_server, port) = serve_watching(&f);
    let (code, page) = http_get(port, "/intro/hello/").expect("the server answers");
    assert_eq!(code, 200);
    assert!(page.contains("Version one."), "{page}");
    assert_eq!(http_get(port, "/intro/new/").unwrap().0, 404);

    // A changed file: its page shows the new text.
    f.write("intro/01-hello.md", lesson("Hello", "Version two."));
    poll_until(port, "/intro/hello/", "the edit showing", |code, body| {
        code == 200 && body.contains("Version two.")
    });
    // A new file: its page appears.
    f.write("intro/03-new.md", lesson("Brand new", "Fresh text."));
    poll_until(
        port,
        "/intro/new/",
        "the new lesson appearing",
        |code, body| code == 200 && body.contains("Fresh text."),
    );
    // A deleted file: its page goes (the lesson is archived, not lost).
    f.remove("intro/02-world.md");
    poll_until(
        port,
        "/intro/world/",
        "the deleted lesson going",
        |code, _| code == 404,
    );
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM lessons WHERE slug = 'world' AND status = 'archived'"
        )
        .await,
        1
    );
    // Those were the watcher's syncs, recorded as such.
    assert!(count(&db, "SELECT COUNT(*) FROM sync_runs WHERE origin = 'watch'").await >= 3);
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM sync_runs WHERE origin <> 'watch'"
        )
        .await,
        1,
        "only the test's own first sync was not the watcher's"
    );
}
