//! `lectern serve --watch` (README, "Authors' workflow with git"): the real binary
//! re-syncs, debounced, whenever a file in the content folder changes; open
//! pages hear of it through server-sent events and reload, or show the
//! errors of a broken file (file, line, message) until it is fixed; the log
//! names each file, in plain text, without a line per request.
//!
//! Nothing here waits for a set time: each step polls (or reads events)
//! until it sees the change, with a generous limit that only catches a hang.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::Stdio;
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};
use fantoccini::{Client, Locator};
use rocket::http::{Header, Status};

use crate::browser::{docs_screenshot, require_browsers, save_evidence, wait_text, ChromeDriver};
use crate::common::{
    count, course, free_port, get, http_get, lesson, server_command, Fixture, Server,
};

/// Long enough for any machine; reached only if the watcher never syncs.
const HANG: Duration = Duration::from_secs(60);

/// A broken version of `intro/01-hello.md`: its title (line 2) is a number.
const BROKEN: &str = "+++\ntitle = 3\n+++\n\nBroken text.\n";

/// `lectern serve --watch` on a loopback port, with its log (stdout and
/// stderr, line by line) kept.
struct Watching {
    _server: Server,
    port: u16,
    log: Arc<Mutex<Vec<String>>>,
}

impl Watching {
    /// Starts the server on the fixture's database and content (no start-up
    /// sync unless `sync_on_start`: then every change it serves came
    /// through the watcher), with Rocket's and Lectern's log at their
    /// defaults for watch mode, no terminal and no NO_COLOR; returns once it
    /// says it is watching the content folder.
    fn start(f: &Fixture, port: u16, sync_on_start: bool) -> Watching {
        let mut child = server_command(f, port)
            .args(["serve", "--watch"])
            .env("ROCKET_SYNC_ON_START", sync_on_start.to_string())
            .env_remove("ROCKET_LOG_LEVEL")
            .env_remove("NO_COLOR")
            .env_remove("ROCKET_CLI_COLORS")
            .env("LECTERN_LOG", "info,sea_orm_migration=warn,sqlx=warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = mpsc::channel();
        // Drained to the end on threads of their own, so the server never
        // blocks on a full pipe.
        let streams: [Box<dyn Read + Send>; 2] = [
            Box::new(child.stdout.take().unwrap()),
            Box::new(child.stderr.take().unwrap()),
        ];
        for stream in streams {
            let (log, tx) = (log.clone(), tx.clone());
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines() {
                    let Ok(line) = line else { break };
                    log.lock().unwrap().push(line.clone());
                    let _ = tx.send(line);
                }
            });
        }
        let server = Server(child);
        let start = Instant::now();
        loop {
            let left = HANG.checked_sub(start.elapsed()).unwrap_or_default();
            match rx.recv_timeout(left) {
                Ok(line) if line.contains("watching") && line.contains("for changes") => break,
                Ok(_) => {}
                Err(_) => panic!(
                    "the server never said it was watching: {:#?}",
                    log.lock().unwrap()
                ),
            }
        }
        Watching {
            _server: server,
            port,
            log,
        }
    }

    fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    /// Waits until a log line contains `needle`; returns it.
    fn log_line(&self, needle: &str) -> String {
        let start = Instant::now();
        loop {
            if let Some(line) = self.log().into_iter().find(|l| l.contains(needle)) {
                return line;
            }
            assert!(
                start.elapsed() < HANG,
                "no log line says {needle:?}: {:#?}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
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
async fn serve_watch_resyncs_when_content_files_change_and_logs_each_file_plainly() {
    let f = Fixture::new().await;
    f.write("intro/_course.md", course("Intro"));
    f.write("intro/01-hello.md", lesson("Hello", "Version one."));
    f.write("intro/02-world.md", lesson("World", "Still here."));
    let db = f.connect().await;
    f.sync(&db).await;
    let server = Watching::start(&f, free_port(), false);
    let port = server.port;
    let (code, page) = http_get(port, "/intro/hello/").expect("the server answers");
    assert_eq!(code, 200);
    assert!(page.contains("Version one."), "{page}");
    assert_eq!(http_get(port, "/intro/new/").unwrap().0, 404);

    // A changed file: its page shows the new text.
    f.write("intro/01-hello.md", lesson("Hello", "Version two."));
    poll_until(port, "/intro/hello/", "the edit showing", |code, body| {
        code == 200 && body.contains("Version two.")
    });
    server.log_line("updated intro/01-hello.md");
    // A new file: its page appears.
    f.write("intro/03-new.md", lesson("Brand new", "Fresh text."));
    poll_until(
        port,
        "/intro/new/",
        "the new lesson appearing",
        |code, body| code == 200 && body.contains("Fresh text."),
    );
    server.log_line("created intro/03-new.md");
    // A deleted file: its page goes (the lesson is archived, not lost).
    f.remove("intro/02-world.md");
    poll_until(
        port,
        "/intro/world/",
        "the deleted lesson going",
        |code, _| code == 404,
    );
    server.log_line("archived intro/02-world.md");
    // A broken file: its line, and the message, in the log.
    f.write("intro/01-hello.md", BROKEN);
    let line = server.log_line("intro/01-hello.md:2: error:");
    assert!(line.contains("title"), "{line}");
    assert!(
        http_get(port, "/intro/hello/")
            .unwrap()
            .1
            .contains("Version two."),
        "the last good version stays live"
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
    assert!(count(&db, "SELECT COUNT(*) FROM sync_runs WHERE origin = 'watch'").await >= 4);
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM sync_runs WHERE origin <> 'watch'"
        )
        .await,
        1,
        "only the test's own first sync was not the watcher's"
    );

    // Not at a terminal: no colour codes, from Lectern or from Rocket; and
    // no line per request in watch mode (a dozen requests were made).
    let log = server.log();
    assert!(log.iter().all(|l| !l.contains('\x1b')), "{log:#?}");
    assert!(
        log.iter()
            .all(|l| !l.contains("GET /intro") && !l.contains("Response succeeded")),
        "{log:#?}"
    );
    assert!(
        log.iter()
            .any(|l| l.contains(&format!("http://127.0.0.1:{port}/"))),
        "the log says where to look: {log:#?}"
    );
}

// ------------------------------------------------------------ server-sent events

/// One server-sent event: its name and its data, parsed.
#[derive(Debug)]
struct Sse {
    name: String,
    data: serde_json::Value,
}

/// A page's connection to `/_lectern/live`, its events read on a thread.
struct Listener {
    events: mpsc::Receiver<Sse>,
    _stream: TcpStream,
}

impl Listener {
    fn open(port: u16) -> Listener {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        // HTTP/1.0: the body is the rest of the connection, never chunked.
        stream
            .write_all(b"GET /_lectern/live HTTP/1.0\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n")
            .unwrap();
        let reader = stream.try_clone().unwrap();
        let (tx, events) = mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(reader).lines();
            // The head: a 200 of type text/event-stream.
            let status = lines.next().and_then(Result::ok).unwrap_or_default();
            let mut head = vec![status];
            for line in lines.by_ref() {
                let Ok(line) = line else { return };
                if line.is_empty() {
                    break;
                }
                head.push(line);
            }
            let ok = head[0].contains(" 200 ")
                && head
                    .iter()
                    .any(|h| h.eq_ignore_ascii_case("content-type: text/event-stream"));
            if !ok {
                let _ = tx.send(Sse {
                    name: format!("not an event stream: {head:?}"),
                    data: serde_json::Value::Null,
                });
                return;
            }
            let (mut name, mut data) = (String::new(), String::new());
            for line in lines {
                let Ok(line) = line else { return };
                if let Some(v) = line.strip_prefix("event:") {
                    name = v.trim().to_string();
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push_str(v.trim_start());
                } else if line.is_empty() && !name.is_empty() {
                    let parsed = serde_json::from_str(&data).unwrap_or(serde_json::Value::Null);
                    let _ = tx.send(Sse {
                        name: std::mem::take(&mut name),
                        data: parsed,
                    });
                    data.clear();
                }
            }
        });
        Listener {
            events,
            _stream: stream,
        }
    }

    /// The next event, which must be named `name`.
    fn next(&self, name: &str) -> serde_json::Value {
        let event = self
            .events
            .recv_timeout(HANG)
            .unwrap_or_else(|_| panic!("no {name} event within {HANG:?}"));
        assert_eq!(event.name, name, "{event:?}");
        event.data
    }
}

/// The problems of an event's data, as `path:line: message` lines.
fn problems(data: &serde_json::Value) -> Vec<String> {
    data["problems"]
        .as_array()
        .unwrap_or_else(|| panic!("no problems list: {data}"))
        .iter()
        .map(|p| {
            format!(
                "{}:{}: {}",
                p["path"].as_str().unwrap(),
                p["line"],
                p["message"].as_str().unwrap()
            )
        })
        .collect()
}

#[rocket::async_test]
async fn open_pages_hear_of_each_change_and_of_a_broken_file_until_it_is_fixed() {
    let f = Fixture::new().await;
    f.write("intro/_course.md", course("Intro"));
    f.write("intro/01-hello.md", lesson("Hello", "Version one."));
    let server = Watching::start(&f, free_port(), true);
    let port = server.port;

    let page = Listener::open(port);
    let hello = page.next("hello");
    assert!(problems(&hello).is_empty(), "{hello}");
    let instance = hello["instance"].as_str().unwrap().to_string();

    // An edit: the page is told to reload, naming the file.
    f.write("intro/01-hello.md", lesson("Hello", "Version two."));
    let reload = page.next("reload");
    assert_eq!(reload["changed"], serde_json::json!(["intro/01-hello.md"]));
    assert!(http_get(port, "/intro/hello/")
        .unwrap()
        .1
        .contains("Version two."));

    // The file broken: the page is told the file, the line and what is wrong.
    f.write("intro/01-hello.md", BROKEN);
    let broken = page.next("problems");
    let found = problems(&broken);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("intro/01-hello.md:2: "), "{found:?}");
    assert!(found[0].contains("title"), "{found:?}");
    // A page opened meanwhile (or reloaded) hears it at once, and the site
    // still serves the last good version.
    let later = Listener::open(port);
    let hello = later.next("hello");
    assert_eq!(problems(&hello), found);
    assert_eq!(hello["instance"].as_str(), Some(instance.as_str()));
    assert!(http_get(port, "/intro/hello/")
        .unwrap()
        .1
        .contains("Version two."));

    // Another file changed while this one is still broken: pages reload
    // (what they show changed) and keep showing the error.
    f.write("intro/02-more.md", lesson("More", "More text."));
    let both = page.next("problems");
    assert_eq!(both["changed"], serde_json::json!(["intro/02-more.md"]));
    assert_eq!(problems(&both), found);

    // Fixed: a reload, and no problems for pages opened from now on.
    f.write("intro/01-hello.md", lesson("Hello", "Version three."));
    let fixed = page.next("reload");
    assert_eq!(fixed["changed"], serde_json::json!(["intro/01-hello.md"]));
    assert!(problems(&fixed).is_empty(), "{fixed}");
    assert_eq!(later.next("problems")["generation"], both["generation"]);
    assert_eq!(later.next("reload")["generation"], fixed["generation"]);
    assert!(problems(&Listener::open(port).next("hello")).is_empty());
    assert!(http_get(port, "/intro/hello/")
        .unwrap()
        .1
        .contains("Version three."));

    // A save that changes nothing (an editor's swap file, the same bytes
    // again) is synced and sends nothing: the next event is the next real
    // change.
    let db = f.connect().await;
    let finished = "SELECT COUNT(*) FROM sync_runs WHERE finished_at IS NOT NULL";
    let before = count(&db, finished).await;
    f.write("intro/.01-hello.md.swp", "swap");
    f.write("intro/01-hello.md", lesson("Hello", "Version three."));
    let start = Instant::now();
    while count(&db, finished).await == before {
        assert!(
            start.elapsed() < HANG,
            "the save of the same text was never synced"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    f.write("intro/01-hello.md", lesson("Hello", "Version four."));
    let next = page.next("reload");
    assert_eq!(next["changed"], serde_json::json!(["intro/01-hello.md"]));
    assert_eq!(
        next["generation"],
        fixed["generation"].as_u64().unwrap() + 1
    );
}

#[rocket::async_test]
async fn a_file_broken_at_start_shows_on_pages_opened_under_watch() {
    let f = Fixture::new().await;
    f.write("intro/_course.md", course("Intro"));
    f.write("intro/01-hello.md", BROKEN);
    let server = Watching::start(&f, free_port(), true);
    let hello = Listener::open(server.port).next("hello");
    let found = problems(&hello);
    assert!(
        found.len() == 1 && found[0].starts_with("intro/01-hello.md:2: "),
        "{found:?}"
    );
}

/// A database that holds content is served before the start-up sync ends
/// (README "Performance"); open pages still hear of the errors it finds:
/// at once when they connect after it, or as a `problems` event if they
/// connected before.
#[rocket::async_test]
async fn a_file_broken_before_a_background_start_up_sync_shows_on_open_pages() {
    let f = Fixture::new().await;
    f.write("intro/_course.md", course("Intro"));
    f.write("intro/01-hello.md", lesson("Hello", "Good text."));
    let db = f.connect().await;
    f.sync(&db).await;
    f.write("intro/01-hello.md", BROKEN);
    let server = Watching::start(&f, free_port(), true);
    server.log_line("serving; syncing content in the background");
    let page = Listener::open(server.port);
    let hello = page.next("hello");
    let found = match problems(&hello) {
        found if found.is_empty() => problems(&page.next("problems")),
        found => found,
    };
    assert!(
        found.len() == 1 && found[0].starts_with("intro/01-hello.md:2: "),
        "{found:?}"
    );
    // The last good version is still served, and the log says why.
    let (code, body) = http_get(server.port, "/intro/hello/").unwrap();
    assert_eq!(code, 200);
    assert!(body.contains("Good text."), "{body}");
    server.log_line("open pages show them until they are fixed");
}

// ------------------------------------------------------------ the script

#[rocket::async_test]
async fn the_live_script_and_its_events_exist_only_in_watch_mode() {
    let f = Fixture::new().await;
    f.write("intro/_course.md", course("Intro"));
    f.write("intro/01-hello.md", lesson("Hello", "Hi."));
    let figment = f.figment().merge(("sync_on_start", true));

    // Without --watch: no script on any page, no event stream.
    let plain = f.client_with(figment.clone(), Default::default()).await;
    for path in [
        "/",
        "/intro/",
        "/intro/hello/",
        "/intro/all/",
        "/search?q=hi",
        "/nowhere/",
    ] {
        let (_, body) = get(&plain, path).await;
        assert!(body.contains("<html"), "{path}: {body}");
        assert!(!body.contains("live.js"), "{path}: {body}");
    }
    assert_eq!(
        plain.get("/_lectern/live").dispatch().await.status(),
        Status::NotFound
    );

    // With --watch (the same build, as `serve --watch` makes it): every
    // reader page loads the script, which is served.
    let parts = lectern::Parts {
        db: Some(f.connect().await),
        ..Default::default()
    };
    let watching = rocket::local::asynchronous::Client::tracked(lectern::watch::enable(
        lectern::build_with(figment, parts),
    ))
    .await
    .unwrap();
    let mut script = String::new();
    for path in [
        "/",
        "/intro/",
        "/intro/hello/",
        "/intro/all/",
        "/search?q=hi",
        "/nowhere/",
    ] {
        let (_, body) = get(&watching, path).await;
        let at = body
            .find("/static/live.js?v=")
            .unwrap_or_else(|| panic!("{path}: {body}"));
        script = body[at..].split('"').next().unwrap().to_string();
    }
    let res = watching.get(script.clone()).dispatch().await;
    assert_eq!(res.status(), Status::Ok);
    assert!(res.into_string().await.unwrap().contains("/_lectern/live"));

    // A browser that kept the watch-mode page cannot have it confirmed by a
    // server without --watch: the pages differ, and so do their tags.
    let tagged = watching.get("/intro/hello/").dispatch().await;
    let etag = tagged.headers().get_one("ETag").unwrap().to_string();
    let res = plain
        .get("/intro/hello/")
        .header(Header::new("If-None-Match", etag))
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::Ok);
    assert!(!res.into_string().await.unwrap().contains("live.js"));
}

// ------------------------------------------------------------ in a browser

#[rocket::async_test]
async fn an_open_page_reloads_after_an_edit_shows_a_broken_files_error_then_the_fix() {
    if !require_browsers() {
        return;
    }
    let f = Fixture::new().await;
    f.write("intro/_course.md", course("Intro"));
    f.write("intro/01-hello.md", lesson("Hello", "Version one."));
    let port = free_port();
    let server = Watching::start(&f, port, true);
    let driver = ChromeDriver::start();
    let client = driver.connect(f.dir.path(), true).await;
    let mut server = Some(server);
    let outcome = live_flow(&client, &f, port, &mut server).await;
    let evidence = match &outcome {
        Err(_) => save_evidence(&client).await,
        Ok(()) => String::new(),
    };
    let _ = client.close().await;
    if let Err(e) = outcome {
        let log = server.map(|s| s.log()).unwrap_or_default();
        panic!("live reload in a browser: {e:#}\n{evidence}\n--- lectern log ---\n{log:#?}");
    }
}

/// Marks the page in the browser's memory: a reload forgets the mark.
async fn mark(c: &Client) -> Result<()> {
    c.execute("window.lecternMark = 1;", vec![]).await?;
    Ok(())
}

/// Waits until the page was reloaded (the mark is gone) and listens again.
async fn wait_reloaded_and_listening(c: &Client) -> Result<()> {
    let deadline = Instant::now() + HANG;
    loop {
        let state = c
            .execute(
                "return [window.lecternMark === undefined, document.documentElement.getAttribute('data-live-reload')];",
                vec![],
            )
            .await;
        if let Ok(v) = &state {
            if v[0] == true && (v[1] == "connected" || v[1] == "problems") {
                return Ok(());
            }
        }
        if Instant::now() > deadline {
            bail!("the page was not reloaded and listening again: {state:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn live_flow(
    c: &Client,
    f: &Fixture,
    port: u16,
    server: &mut Option<Watching>,
) -> Result<()> {
    let base = format!("http://127.0.0.1:{port}");
    c.goto(&format!("{base}/intro/hello/")).await?;
    wait_text(c, "main", "Version one.").await?;
    wait_attr(c, "connected").await?;

    // An edit: the page reloads by itself and shows it.
    mark(c).await?;
    f.write("intro/01-hello.md", lesson("Hello", "Version two."));
    wait_reloaded_and_listening(c).await?;
    wait_text(c, "main", "Version two.").await?;

    // Broken: the page says which file, which line and what is wrong, over
    // the last good version.
    f.write("intro/01-hello.md", BROKEN);
    let text = wait_text(c, "#lectern-live-problems", "intro/01-hello.md:2").await?;
    ensure!(text.contains("title"), "the message: {text}");
    ensure!(
        text.contains("Fix the file and save it"),
        "what to do: {text}"
    );
    docs_screenshot(c, "live-reload-error.png").await?;
    ensure!(
        c.find(Locator::Css("main"))
            .await?
            .text()
            .await?
            .contains("Version two."),
        "the last good version stays under the message"
    );
    // Still there after a reload by hand.
    c.refresh().await?;
    wait_text(c, "#lectern-live-problems", "intro/01-hello.md:2").await?;

    // Fixed: the page reloads to it, and the message is gone.
    mark(c).await?;
    f.write("intro/01-hello.md", lesson("Hello", "Version three."));
    wait_reloaded_and_listening(c).await?;
    wait_text(c, "main", "Version three.").await?;
    ensure!(
        c.find_all(Locator::Css("#lectern-live-problems"))
            .await?
            .is_empty(),
        "no message once fixed"
    );

    // The server restarts: the page reconnects by itself, and reloads.
    mark(c).await?;
    drop(server.take());
    wait_attr(c, "reconnecting").await?;
    *server = Some(Watching::start(f, port, true));
    wait_reloaded_and_listening(c).await?;
    wait_text(c, "main", "Version three.").await?;
    // And it still hears of edits.
    mark(c).await?;
    f.write("intro/01-hello.md", lesson("Hello", "Version four."));
    wait_reloaded_and_listening(c).await?;
    wait_text(c, "main", "Version four.")
        .await
        .context("an edit after the restart")?;

    // A tab in the background lets its connection go (browsers keep six
    // per site), and once shown again reloads if anything changed meanwhile.
    mark(c).await?;
    set_hidden(c, true).await?;
    wait_attr(c, "paused").await?;
    let db = f.connect().await;
    let finished = "SELECT COUNT(*) FROM sync_runs WHERE finished_at IS NOT NULL";
    let before = count(&db, finished).await;
    f.write("intro/01-hello.md", lesson("Hello", "Version five."));
    let start = Instant::now();
    while count(&db, finished).await == before {
        ensure!(start.elapsed() < HANG, "the edit was never synced");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    ensure!(
        c.execute("return window.lecternMark === 1;", vec![])
            .await?
            == true,
        "a hidden tab does not reload"
    );
    set_hidden(c, false).await?;
    wait_reloaded_and_listening(c).await?;
    wait_text(c, "main", "Version five.").await?;
    Ok(())
}

/// Makes the page believe it is in a background tab (or shown again).
async fn set_hidden(c: &Client, hidden: bool) -> Result<()> {
    c.execute(
        "Object.defineProperty(document, 'hidden', {value: arguments[0], configurable: true});\
         document.dispatchEvent(new Event('visibilitychange'));",
        vec![serde_json::json!(hidden)],
    )
    .await?;
    Ok(())
}

/// Waits until the live script says it is in `state`.
async fn wait_attr(c: &Client, state: &str) -> Result<()> {
    let deadline = Instant::now() + HANG;
    loop {
        let now = c
            .execute(
                "return document.documentElement.getAttribute('data-live-reload');",
                vec![],
            )
            .await
            .ok();
        if now.as_ref().and_then(|v| v.as_str()) == Some(state) {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("the live script never said {state:?}; last {now:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
