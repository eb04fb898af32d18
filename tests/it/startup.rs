//! The start-up sync (`sync_on_start`, README "Performance"): a database
//! that already holds content is served at once while the content folder is
//! synced in the background, and each page that sync changes is served
//! new; a fresh database is synced before the first request, so a first
//! start shows the lessons; the errors a background sync finds are kept in
//! its run like any other sync's.
//!
//! To see a page served while the sync is still running, without timing
//! anything, one lesson file is a FIFO: the sync's read of it waits until
//! the test opens the gate (writes the lesson into it).

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rocket::http::Status;

use crate::common::{count, course, get, lesson, Fixture};

/// Long enough for any machine; reached only if something never happens.
const HANG: Duration = Duration::from_secs(120);

/// A lesson file that is a FIFO: the sync's read of it (`open`) waits for
/// a writer. [`Gate::open`] puts a regular file with `text` in its place
/// (what the sync reads from then on) and hands `text` to the waiting read.
struct Gate {
    open: Arc<AtomicBool>,
}

impl Gate {
    /// `spare` is a path outside the content folder on the same file
    /// system, where the regular file is written before it is moved in.
    fn new(path: PathBuf, spare: PathBuf, text: String) -> Gate {
        let made = std::process::Command::new("mkfifo")
            .arg(&path)
            .status()
            .expect("mkfifo runs");
        assert!(made.success(), "mkfifo {}", path.display());
        let open = Arc::new(AtomicBool::new(false));
        let opened = open.clone();
        std::thread::spawn(move || {
            let start = Instant::now();
            // Opened for good after HANG, so a server that waits for this
            // sync before serving is not stuck forever (its test fails).
            while !opened.load(Ordering::Relaxed) && start.elapsed() < HANG {
                std::thread::sleep(Duration::from_millis(10));
            }
            loop {
                // Non-blocking: fails (ENXIO) until a reader waits.
                match std::fs::OpenOptions::new()
                    .write(true)
                    .custom_flags(libc::O_NONBLOCK)
                    .open(&path)
                {
                    Ok(mut writer) => {
                        std::fs::write(&spare, &text).unwrap();
                        std::fs::rename(&spare, &path).unwrap();
                        let _ = writer.write_all(text.as_bytes());
                        return;
                    }
                    Err(_) if start.elapsed() < HANG * 2 => {
                        std::thread::sleep(Duration::from_millis(10))
                    }
                    Err(_) => return,
                }
            }
        });
        Gate { open }
    }

    fn open(&self) {
        self.open.store(true, Ordering::Relaxed);
    }
}

/// Polls `path` until its page contains `needle`; panics after [`HANG`].
async fn wait_for(client: &rocket::local::asynchronous::Client, path: &str, needle: &str) {
    let start = Instant::now();
    loop {
        let (status, body) = get(client, path).await;
        if status == Status::Ok && body.contains(needle) {
            return;
        }
        assert!(
            start.elapsed() < HANG,
            "{path} never showed {needle:?}; last {status}: {body}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Start-up sync runs that finished.
async fn finished_startup_runs(db: &lectern::db::Db) -> i64 {
    count(
        db,
        "SELECT COUNT(*) FROM sync_runs WHERE origin = 'startup' AND finished_at IS NOT NULL",
    )
    .await
}

#[rocket::async_test]
async fn a_database_with_content_is_served_while_the_start_up_sync_runs() {
    let f = Fixture::new().await;
    f.write("intro/_course.md", course("Intro"));
    f.write("intro/01-hello.md", lesson("Hello", "Version one."));
    let db = f.connect().await;
    f.sync(&db).await;

    // Edited while the server was down, and a new lesson the sync cannot
    // read until the gate opens.
    f.write("intro/01-hello.md", lesson("Hello", "Version two."));
    let gate = Gate::new(
        f.content().join("intro/02-gated.md"),
        f.dir.path().join("gated.md"),
        lesson("Gated", "Behind the gate."),
    );
    let client = f
        .client_while_syncing(f.figment(), lectern::base::clock::Clock::system())
        .await;

    // The sync is held at the gate: what the database holds is served.
    let (status, body) = get(&client, "/intro/hello/").await;
    assert_eq!(status, Status::Ok);
    assert!(body.contains("Version one."), "{body}");
    assert_eq!(get(&client, "/intro/gated/").await.0, Status::NotFound);
    assert_eq!(get(&client, "/healthz").await.0, Status::Ok);
    assert_eq!(finished_startup_runs(&db).await, 0);

    // Once the sync can read every file, its writes are served, in place of
    // the pages cached meanwhile.
    gate.open();
    wait_for(&client, "/intro/hello/", "Version two.").await;
    wait_for(&client, "/intro/gated/", "Behind the gate.").await;
    wait_for(&client, "/intro/", "Gated").await;
    let start = Instant::now();
    while finished_startup_runs(&db).await == 0 {
        assert!(start.elapsed() < HANG, "the start-up sync never finished");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[rocket::async_test]
async fn an_empty_database_is_synced_before_the_first_request() {
    let f = Fixture::new().await;
    f.write("intro/_course.md", course("Intro"));
    f.write("intro/01-hello.md", lesson("Hello", "The first start."));
    let client = f.client().await;
    let db = f.connect().await;

    // No waiting: the sync finished before the client was ready.
    assert_eq!(finished_startup_runs(&db).await, 1);
    let (status, body) = get(&client, "/intro/hello/").await;
    assert_eq!(status, Status::Ok);
    assert!(body.contains("The first start."), "{body}");
    let (status, body) = get(&client, "/").await;
    assert_eq!(status, Status::Ok);
    assert!(body.contains("Intro"), "{body}");
}

#[rocket::async_test]
async fn a_background_start_up_sync_keeps_its_errors_and_serves_the_last_good_version() {
    let f = Fixture::new().await;
    f.write("intro/_course.md", course("Intro"));
    f.write("intro/01-hello.md", lesson("Hello", "Good text."));
    let db = f.connect().await;
    f.sync(&db).await;

    // Broken while the server was down: its title (line 2) is a number.
    f.write("intro/01-hello.md", "+++\ntitle = 3\n+++\n\nBroken text.\n");
    let client = f.client().await;
    let start = Instant::now();
    while finished_startup_runs(&db).await == 0 {
        assert!(start.elapsed() < HANG, "the start-up sync never finished");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let errors = count(
        &db,
        "SELECT errors FROM sync_runs WHERE origin = 'startup' AND finished_at IS NOT NULL",
    )
    .await;
    assert_eq!(errors, 1);
    let naming = count(
        &db,
        "SELECT COUNT(*) FROM sync_runs WHERE origin = 'startup' AND report LIKE '%intro/01-hello.md%'",
    )
    .await;
    assert_eq!(naming, 1, "the run's report names the broken file");
    let (status, body) = get(&client, "/intro/hello/").await;
    assert_eq!(status, Status::Ok);
    assert!(body.contains("Good text."), "{body}");
}
