//! The authors' git workflow with real repositories: a bare remote, the
//! site's working clone (its content folder), and an author's clone.

use std::path::{Path, PathBuf};
use std::process::Command;

use hmac::{Hmac, Mac};
use lectern::base::clock::Clock;
use lectern::db::entity::Role;
use rocket::http::{Header, Status};
use rocket::local::asynchronous::Client;
use sha2::Sha256;

use crate::common::{add_user, count, course, get, lesson, log_in, post, Fixture, PASSWORD};

pub(crate) const SECRET: &str = "webhook secret for tests";

pub(crate) fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "Author")
        .env("GIT_AUTHOR_EMAIL", "author@example.org")
        .env("GIT_COMMITTER_NAME", "Author")
        .env("GIT_COMMITTER_EMAIL", "author@example.org")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?} in {}: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A remote, an author's clone with a small course pushed, and the site's
/// clone as the fixture's content folder.
pub(crate) struct Repos {
    pub(crate) f: Fixture,
    pub(crate) author: PathBuf,
}

impl Repos {
    pub(crate) async fn new() -> Repos {
        let f = Fixture::new().await;
        let root = f.dir.path().to_path_buf();
        let root = root.as_path();
        let remote = root.join("remote.git");
        let author = root.join("author");
        std::fs::create_dir_all(&remote).unwrap();
        git(&remote, &["init", "--bare", "-q", "-b", "main"]);
        git(
            root,
            &[
                "clone",
                "-q",
                remote.to_str().unwrap(),
                author.to_str().unwrap(),
            ],
        );
        let repos = Repos { f, author };
        repos.write("intro/_course.md", &course("Intro"));
        repos.write(
            "intro/01-hello.md",
            &lesson("Hello", "Version one of hello."),
        );
        repos.write("intro/02-world.md", &lesson("World", "The world lesson."));
        repos.push("first lessons");
        std::fs::remove_dir_all(repos.f.content()).unwrap();
        git(
            root,
            &[
                "clone",
                "-q",
                remote.to_str().unwrap(),
                repos.f.content().to_str().unwrap(),
            ],
        );
        repos
    }

    pub(crate) fn write(&self, rel: &str, text: &str) {
        let path = self.author.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    pub(crate) fn push(&self, message: &str) {
        git(&self.author, &["add", "-A"]);
        git(&self.author, &["commit", "-q", "-m", message]);
        git(&self.author, &["push", "-q", "origin", "HEAD:main"]);
    }

    /// The site, answering each push once its sync is done (the limit of
    /// ten minutes only catches a sync that never ends).
    pub(crate) async fn client(&self) -> Client {
        self.client_answering_within(600).await
    }

    /// The site, answering a push `202` when its sync takes longer than
    /// `secs` seconds.
    async fn client_answering_within(&self, secs: u64) -> Client {
        let figment = self.f.figment().merge(("webhook_secret", SECRET));
        let figment = figment.merge(("webhook_answer_secs", secs));
        self.f.client_with(figment, Clock::system()).await
    }
}

pub(crate) fn signature(body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Sends a signed push event; returns status and JSON answer, at once.
async fn send_hook(client: &Client) -> (Status, serde_json::Value) {
    let body = br#"{"ref":"refs/heads/main"}"#;
    let res = client
        .post("/hooks/git")
        .header(Header::new("X-Hub-Signature-256", signature(body)))
        .header(Header::new("X-GitHub-Event", "push"))
        .body(body.as_slice())
        .dispatch()
        .await;
    let status = res.status();
    let json: serde_json::Value = serde_json::from_str(&res.into_string().await.unwrap()).unwrap();
    (status, json)
}

/// Waits for sync run `id` to be recorded as finished.
async fn wait_for_run(f: &Fixture, id: i64) {
    let db = f.connect().await;
    let finished =
        format!("SELECT COUNT(*) FROM sync_runs WHERE id = {id} AND finished_at IS NOT NULL");
    // A generous limit that only catches a sync that never ends.
    for _ in 0..1200 {
        if count(&db, &finished).await == 1 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the sync the webhook started (run {id}) never finished");
}

/// Sends a signed push event; returns status and JSON answer. A sync still
/// running after the hook answered (202) is waited for.
async fn push_hook(client: &Client, f: &Fixture) -> (Status, serde_json::Value) {
    let (status, json) = send_hook(client).await;
    if status == Status::Accepted {
        wait_for_run(f, json["run_id"].as_i64().unwrap()).await;
    }
    (status, json)
}

#[rocket::async_test]
async fn a_push_reaches_the_site_through_the_webhook() {
    let r = Repos::new().await;
    let client = r.client().await;
    assert!(get(&client, "/intro/hello/")
        .await
        .1
        .contains("Version one"));
    r.write(
        "intro/01-hello.md",
        &lesson("Hello", "Version two of hello."),
    );
    r.push("hello v2");
    let (status, json) = push_hook(&client, &r.f).await;
    assert_eq!(status, Status::Ok, "{json}");
    assert_eq!(json["status"], "ok");
    assert_eq!(json["pulled"], true);
    assert_eq!(json["updated"], serde_json::json!(["intro/01-hello.md"]));
    assert!(get(&client, "/intro/hello/")
        .await
        .1
        .contains("Version two"));

    // A second delivery with nothing new says so.
    let (status, json) = push_hook(&client, &r.f).await;
    assert_eq!(status, Status::Ok);
    assert_eq!(json["pulled"], false, "{json}");
    assert_eq!(json["updated"], serde_json::json!([]));
}

/// `content_repo`: the repository the webhook pulls may hold the content
/// folder instead of being it.
#[rocket::async_test]
async fn the_webhook_pulls_a_content_repo_that_holds_the_content_folder() {
    let f = Fixture::new().await;
    let root = f.dir.path();
    let (remote, author, site) = (
        root.join("remote.git"),
        root.join("author"),
        root.join("site"),
    );
    std::fs::create_dir_all(&remote).unwrap();
    git(&remote, &["init", "--bare", "-q", "-b", "main"]);
    let path = |p: &Path| p.to_str().unwrap().to_string();
    git(root, &["clone", "-q", &path(&remote), &path(&author)]);
    let write = |rel: &str, text: &str| {
        let file = author.join(rel);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, text).unwrap();
    };
    write(
        "README.md",
        "The school's lessons; the site reads lessons/.\n",
    );
    write("lessons/intro/_course.md", &course("Intro"));
    write(
        "lessons/intro/01-hello.md",
        &lesson("Hello", "Version one of hello."),
    );
    git(&author, &["add", "-A"]);
    git(&author, &["commit", "-q", "-m", "first"]);
    git(&author, &["push", "-q", "origin", "HEAD:main"]);
    git(root, &["clone", "-q", &path(&remote), &path(&site)]);

    let figment = f
        .figment()
        .merge(("content_dir", site.join("lessons")))
        .merge(("content_repo", &site))
        .merge(("webhook_secret", SECRET))
        .merge(("webhook_answer_secs", 600));
    let client = f.client_with(figment, Clock::system()).await;
    assert!(get(&client, "/intro/hello/")
        .await
        .1
        .contains("Version one"));

    write(
        "lessons/intro/01-hello.md",
        &lesson("Hello", "Version two of hello."),
    );
    git(&author, &["commit", "-qam", "hello v2"]);
    git(&author, &["push", "-q", "origin", "HEAD:main"]);
    let (status, json) = send_hook(&client).await;
    assert_eq!(status, Status::Ok, "{json}");
    assert_eq!(json["pulled"], true, "{json}");
    assert_eq!(
        json["updated"],
        serde_json::json!(["intro/01-hello.md"]),
        "{json}"
    );
    assert!(get(&client, "/intro/hello/")
        .await
        .1
        .contains("Version two"));
}

#[rocket::async_test]
async fn the_webhook_refuses_bad_signatures_and_huge_payloads_and_is_off_without_a_secret() {
    let r = Repos::new().await;
    let head = git(&r.f.content(), &["rev-parse", "HEAD"]);
    r.write("intro/01-hello.md", &lesson("Hello", "Sneaky."));
    r.push("sneaky");
    let client = r.client().await;
    for sig in [
        None,
        Some("sha256=00"),
        Some("sha256=zz"),
        Some(signature(b"another body").leak() as &str),
    ] {
        let mut req = client
            .post("/hooks/git")
            .body(r#"{"ref":"refs/heads/main"}"#);
        if let Some(s) = sig {
            req = req.header(Header::new("X-Hub-Signature-256", s.to_string()));
        }
        assert_eq!(
            req.dispatch().await.status(),
            Status::Unauthorized,
            "{sig:?}"
        );
    }
    let huge = vec![b'x'; 2 * 1024 * 1024];
    let res = client
        .post("/hooks/git")
        .header(Header::new("X-Hub-Signature-256", signature(&huge)))
        .body(huge)
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::PayloadTooLarge);
    let json: serde_json::Value = serde_json::from_str(&res.into_string().await.unwrap()).unwrap();
    assert_eq!(
        json["error"], "payload too large: the limit is 1 MiB",
        "names the limit"
    );
    assert_eq!(
        git(&r.f.content(), &["rev-parse", "HEAD"]),
        head,
        "nothing was pulled"
    );
    assert!(!get(&client, "/intro/hello/").await.1.contains("Sneaky"));

    let off = r.f.client().await; // no webhook_secret configured
    let body = br#"{}"#;
    let res = off
        .post("/hooks/git")
        .header(Header::new("X-Hub-Signature-256", signature(body)))
        .body(body.as_slice())
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::NotFound);
}

#[rocket::async_test]
async fn a_diverged_history_is_reported_and_changes_nothing() {
    let r = Repos::new().await;
    let site = r.f.content();
    // Someone committed on the server's clone; the author pushed something else.
    std::fs::write(
        site.join("intro/02-world.md"),
        lesson("World", "Local change on the server."),
    )
    .unwrap();
    git(&site, &["commit", "-q", "-am", "local"]);
    r.write("intro/01-hello.md", &lesson("Hello", "Pushed version."));
    r.push("pushed");
    let client = r.client().await;
    let (status, json) = push_hook(&client, &r.f).await;
    assert_eq!(status, Status::Conflict, "{json}");
    assert_eq!(json["synced"], false);
    assert!(json["error"].as_str().unwrap().contains("git pull failed"));
    assert!(!get(&client, "/intro/hello/")
        .await
        .1
        .contains("Pushed version"));
    let db = r.f.connect().await;
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM sync_runs WHERE origin = 'webhook' AND errors = 1"
        )
        .await,
        1,
        "the failure is on record"
    );
}

/// Processes whose command line contains `needle` (Linux's /proc).
fn processes_with(needle: &str) -> Vec<String> {
    // Without /proc, "nothing is left running" could not be checked at all.
    let entries = std::fs::read_dir("/proc").expect("/proc lists this machine's processes");
    entries
        .filter_map(|e| std::fs::read(e.ok()?.path().join("cmdline")).ok())
        .map(|c| String::from_utf8_lossy(&c).replace('\0', " "))
        .filter(|c| c.contains(needle))
        .collect()
}

#[rocket::async_test]
async fn a_hanging_git_pull_is_stopped_at_the_timeout_recorded_and_the_site_keeps_serving() {
    use std::time::{Duration, Instant};
    let r = Repos::new().await;
    let site = r.f.content();
    // A remote that never answers: git's `ext::` transport running a command
    // that says nothing (the duration marks the process to look for later).
    let hang = format!("{}.{}", 3000 + std::process::id() % 1000, 4159);
    git(&site, &["config", "protocol.ext.allow", "always"]);
    git(
        &site,
        &["remote", "set-url", "origin", &format!("ext::sleep {hang}")],
    );
    let figment = r.f.figment().merge(("webhook_secret", SECRET));
    let client =
        r.f.client_with(figment.merge(("git_timeout_secs", 3)), Clock::system())
            .await;

    // The hook waits for git; meanwhile pages are served: a page read while
    // the hanging git process is alive, before and after the read.
    let hook = push_hook(&client, &r.f);
    let reader = async {
        // The limit only catches a pull that never started.
        let since = Instant::now();
        while processes_with(&hang).is_empty() {
            assert!(
                since.elapsed() < Duration::from_secs(60),
                "git never started"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let (status, html) = get(&client, "/intro/hello/").await;
        let still_hanging = !processes_with(&hang).is_empty();
        (status, html.contains("Version one"), still_hanging)
    };
    let ((status, json), (page_status, page_ok, still_hanging)) = tokio::join!(hook, reader);
    assert_eq!(status, Status::GatewayTimeout, "{json}");
    assert_eq!(json["synced"], false);
    let error = json["error"].as_str().unwrap();
    assert!(error.contains("longer than 3 s"), "{error}");
    assert_eq!(page_status, Status::Ok);
    assert!(page_ok, "the page kept its text");
    assert!(still_hanging, "the page was read while git hung");

    // On record, for the admin.
    let db = r.f.connect().await;
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM sync_runs WHERE origin = 'webhook' AND errors = 1 \
             AND finished_at IS NOT NULL AND report LIKE '%longer than 3 s%'"
        )
        .await,
        1
    );
    // Nothing git started is left behind.
    // Killed processes take a moment to be reaped; the limit only catches
    // ones that were never killed.
    let mut left = processes_with(&hang);
    let since = Instant::now();
    while !left.is_empty() && since.elapsed() < Duration::from_secs(60) {
        tokio::time::sleep(Duration::from_millis(50)).await;
        left = processes_with(&hang);
    }
    assert!(left.is_empty(), "still running: {left:?}");
    assert_eq!(get(&client, "/intro/hello/").await.0, Status::Ok);

    // With the remote back, the next push goes through.
    let remote = r.f.dir.path().join("remote.git");
    git(
        &site,
        &["remote", "set-url", "origin", remote.to_str().unwrap()],
    );
    r.write("intro/01-hello.md", &lesson("Hello", "After the hang."));
    r.push("after the hang");
    let (status, json) = push_hook(&client, &r.f).await;
    assert_eq!(status, Status::Ok, "{json}");
    assert!(get(&client, "/intro/hello/")
        .await
        .1
        .contains("After the hang"));
}

#[rocket::async_test]
async fn admin_edits_are_exported_committed_and_the_next_sync_is_quiet() {
    let r = Repos::new().await;
    let client = r.client().await;
    let db = r.f.connect().await;
    add_user(&db, "eve", Role::Editor).await;
    log_in(&client, "eve", PASSWORD).await;
    let token = crate::common::csrf(&client).await;
    // An edit of a git lesson, and a lesson made in the admin.
    let id = count(&db, "SELECT id FROM lessons WHERE slug = 'hello'").await;
    let (status, _, _) = post(
        &client,
        &format!("/admin/lessons/{id}/edit"),
        &[
            ("csrf", &token),
            ("version", "1"),
            ("title", "Hello, edited"),
            ("slug", "hello"),
            ("course_id", "1"),
            ("status", "published"),
            ("summary", "Edited \"summary\""),
            ("body_md", "Edited in the admin."),
            ("action", "save"),
        ],
    )
    .await;
    assert_eq!(status, Status::SeeOther);
    let (status, _, _) = post(
        &client,
        "/admin/lessons/new",
        &[
            ("csrf", &token),
            ("title", "Made in the admin"),
            ("slug", "admin-made"),
            ("course_id", "1"),
            ("status", "draft"),
            ("summary", ""),
            ("body_md", "See [hello](01-hello.md)."),
            ("action", "save"),
        ],
    )
    .await;
    assert_eq!(status, Status::SeeOther);

    let report = lectern::content::export(&db, &r.f.content()).await.unwrap();
    let mut written = report.written.clone();
    written.sort();
    assert_eq!(
        written,
        vec!["intro/01-hello.md", "intro/03-admin-made.md"],
        "{report:?}"
    );
    let exported = std::fs::read_to_string(r.f.content().join("intro/01-hello.md")).unwrap();
    assert!(
        exported.contains("title = \"Hello, edited\"") && exported.contains("Edited in the admin."),
        "{exported}"
    );
    let new_file = std::fs::read_to_string(r.f.content().join("intro/03-admin-made.md")).unwrap();
    assert!(new_file.contains("draft = true"), "{new_file}");

    // The exported files pass check, and the next sync changes nothing.
    assert_eq!(lectern::content::check(&r.f.content()).unwrap().errors(), 0);
    let report = r.f.sync(&db).await;
    assert!(
        report.created.is_empty() && report.updated.is_empty() && report.conflicts.is_empty(),
        "{report:?}"
    );
    assert!(
        lectern::content::export(&db, &r.f.content())
            .await
            .unwrap()
            .written
            .is_empty(),
        "export is idempotent"
    );

    // Commit and push from the site's clone; the author gets it.
    git(&r.f.content(), &["add", "-A"]);
    git(
        &r.f.content(),
        &[
            "-c",
            "user.name=Site",
            "-c",
            "user.email=site@example.org",
            "commit",
            "-q",
            "-m",
            "admin edits",
        ],
    );
    git(&r.f.content(), &["push", "-q", "origin", "HEAD:main"]);
    git(&r.author, &["pull", "-q", "--ff-only"]);
    assert!(
        std::fs::read_to_string(r.author.join("intro/03-admin-made.md"))
            .unwrap()
            .contains("Made in the admin")
    );
    let (status, json) = push_hook(&client, &r.f).await;
    assert_eq!(status, Status::Ok);
    assert_eq!(json["updated"], serde_json::json!([]), "{json}");
    assert_eq!(json["created"], serde_json::json!([]));
}

#[rocket::async_test]
async fn both_sides_changing_a_lesson_is_a_conflict_with_both_texts_kept() {
    let r = Repos::new().await;
    let client = r.client().await;
    let db = r.f.connect().await;
    add_user(&db, "eve", Role::Editor).await;
    log_in(&client, "eve", PASSWORD).await;
    let token = crate::common::csrf(&client).await;
    let id = count(&db, "SELECT id FROM lessons WHERE slug = 'hello'").await;
    post(
        &client,
        &format!("/admin/lessons/{id}/edit"),
        &[
            ("csrf", &token),
            ("version", "1"),
            ("title", "Hello"),
            ("slug", "hello"),
            ("course_id", "1"),
            ("status", "published"),
            ("summary", ""),
            ("body_md", "Admin words."),
            ("action", "save"),
        ],
    )
    .await;
    r.write("intro/01-hello.md", &lesson("Hello", "Author words."));
    r.push("author edit");
    let (status, json) = push_hook(&client, &r.f).await;
    assert_eq!(status, Status::Ok);
    assert_eq!(
        json["conflicts"],
        serde_json::json!(["intro/01-hello.md"]),
        "{json}"
    );
    assert!(get(&client, "/intro/hello/")
        .await
        .1
        .contains("Admin words."));
    assert_eq!(count(&db, "SELECT COUNT(*) FROM lesson_revisions WHERE origin = 'conflict' AND body_md LIKE '%Author words.%'").await, 1);
    let export = lectern::content::export(&db, &r.f.content()).await.unwrap();
    assert!(
        export.written.is_empty(),
        "an open conflict is not exported over the author's file"
    );
    assert!(export.diagnostics[0].message.contains("open conflict"));
}

#[rocket::async_test]
async fn delete_archives_rename_keeps_history_and_broken_pushes_keep_the_old_version() {
    let r = Repos::new().await;
    let client = r.client().await;
    let db = r.f.connect().await;
    let world = count(&db, "SELECT id FROM lessons WHERE slug = 'world'").await;

    git(&r.author, &["mv", "intro/02-world.md", "intro/05-world.md"]);
    r.write(
        "intro/01-hello.md",
        "+++\ntitle = \"Hello\"\nlevel = \"wizard\"\n+++\nBroken.\n",
    );
    r.push("rename and break");
    let (_, json) = push_hook(&client, &r.f).await;
    assert_eq!(
        json["updated"],
        serde_json::json!(["intro/05-world.md"]),
        "{json}"
    );
    assert_eq!(
        count(&db, "SELECT id FROM lessons WHERE slug = 'world'").await,
        world,
        "same lesson"
    );
    let finding = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["path"] == "intro/01-hello.md")
        .expect("reported");
    assert_eq!(finding["line"], 3);
    assert!(
        get(&client, "/intro/hello/")
            .await
            .1
            .contains("Version one"),
        "the old version stays live"
    );

    git(&r.author, &["rm", "-q", "intro/05-world.md"]);
    r.push("delete world");
    let (_, json) = push_hook(&client, &r.f).await;
    assert_eq!(json["archived"], serde_json::json!(["intro/05-world.md"]));
    assert_eq!(get(&client, "/intro/world/").await.0, Status::NotFound);

    git(&r.author, &["revert", "--no-edit", "HEAD"]);
    git(&r.author, &["push", "-q", "origin", "HEAD:main"]);
    let (_, json) = push_hook(&client, &r.f).await;
    assert_eq!(
        json["updated"],
        serde_json::json!(["intro/05-world.md"]),
        "{json}"
    );
    assert_eq!(get(&client, "/intro/world/").await.0, Status::Ok);
    assert_eq!(
        count(&db, "SELECT id FROM lessons WHERE slug = 'world'").await,
        world
    );
    assert!(
        count(
            &db,
            &format!("SELECT COUNT(*) FROM lesson_revisions WHERE lesson_id = {world}")
        )
        .await
            >= 4
    );

    std::fs::remove_dir_all(r.author.join("intro")).unwrap();
    r.write("other/_course.md", &course("Other"));
    r.push("remove the course");
    let (_, json) = push_hook(&client, &r.f).await;
    assert_eq!(json["archived"].as_array().unwrap().len(), 3, "{json}");
    assert_eq!(get(&client, "/intro/").await.0, Status::NotFound);
}

/// The webhook answers with the report when the sync ends in time, and
/// otherwise `202` with the run, whose sync goes on to the end.
#[rocket::async_test]
async fn a_push_of_a_thousand_files_is_one_sync_answered_202_when_it_outlasts_the_answer_time() {
    let r = Repos::new().await;
    // Zero seconds: no sync of a thousand files ends in time.
    let client = r.client_answering_within(0).await;
    for i in 1..=1000 {
        r.write(
            &format!("big/{i:04}-lesson-{i}.md"),
            &lesson(&format!("Lesson {i}"), "## Part\n\nText with `code`."),
        );
    }
    r.write("big/_course.md", &course("Big"));
    r.push("a thousand lessons");
    let (status, json) = send_hook(&client).await;
    assert_eq!(status, Status::Accepted, "{}", json["status"]);
    assert_eq!(json["pulled"], true);
    let run = json["run_id"].as_i64().unwrap();
    wait_for_run(&r.f, run).await;
    let db = r.f.connect().await;
    assert_eq!(
        count(
            &db,
            &format!("SELECT created FROM sync_runs WHERE id = {run}")
        )
        .await,
        1001
    );
    assert_eq!(count(&db, "SELECT COUNT(*) FROM lessons").await, 1002);
    assert_eq!(get(&client, "/big/lesson-1000/").await.0, Status::Ok);
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM sync_runs WHERE origin = 'webhook'"
        )
        .await,
        1
    );

    // In time: the answer is the report itself.
    let client = r.client().await;
    r.write("big/0001-lesson-1.md", &lesson("Lesson one", "Changed."));
    r.push("one change");
    let (status, json) = send_hook(&client).await;
    assert_eq!(status, Status::Ok, "{json}");
    assert_eq!(
        json["updated"],
        serde_json::json!(["big/0001-lesson-1.md"]),
        "{json}"
    );
}

/// Pushes queue: a push that arrives while the last one's sync still runs
/// (after its `202`) waits, so a pull never changes files under a sync.
#[rocket::async_test]
async fn a_push_during_a_background_sync_waits_for_it() {
    let r = Repos::new().await;
    let client = r.client_answering_within(0).await;
    for i in 1..=1000 {
        r.write(
            &format!("big/{i:04}-lesson-{i}.md"),
            &lesson(&format!("Lesson {i}"), "Some text."),
        );
    }
    r.write("big/_course.md", &course("Big"));
    r.push("a thousand lessons");
    // Two deliveries at once: one of them pulls and syncs first, so the
    // other certainly arrives while that sync has not ended; its pull and
    // its run must wait for it.
    let ((status_a, a), (status_b, b)) = tokio::join!(send_hook(&client), send_hook(&client));
    assert_eq!(status_a, Status::Accepted, "{}", a["status"]);
    assert_eq!(status_b, Status::Accepted, "{}", b["status"]);
    let ids = (a["run_id"].as_i64().unwrap(), b["run_id"].as_i64().unwrap());
    let (one, two) = (ids.0.min(ids.1), ids.0.max(ids.1));
    wait_for_run(&r.f, two).await;
    let db = r.f.connect().await;
    let overlapping = format!(
        "SELECT COUNT(*) FROM sync_runs a, sync_runs b WHERE a.id = {one} AND b.id = {two} \
         AND (a.finished_at IS NULL OR b.started_at < a.finished_at)"
    );
    assert_eq!(
        count(&db, &overlapping).await,
        0,
        "the second push's run began before the first ended"
    );
    assert_eq!(count(&db, "SELECT COUNT(*) FROM lessons").await, 1002);
}

/// `lectern sync` against the fixture's database, its output dropped.
fn spawn_sync(f: &Fixture) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_lectern"))
        .arg("sync")
        .env("DATABASE_URL", &f.db.url)
        .env("ROCKET_CONTENT_DIR", f.content())
        .env("LECTERN_LOG", "error")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap()
}

/// The single text a query returns.
async fn text(db: &lectern::db::Db, sql: &str) -> String {
    use sea_orm::{ConnectionTrait, Statement};
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            sql.to_string(),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<String>(0).unwrap()
}

/// SQLite: the database is in WAL mode and its file is sound.
async fn sqlite_is_sound(db: &lectern::db::Db) {
    use sea_orm::ConnectionTrait;
    if db.get_database_backend() != sea_orm::DatabaseBackend::Sqlite {
        return;
    }
    assert_eq!(text(db, "PRAGMA journal_mode").await, "wal");
    assert_eq!(text(db, "PRAGMA integrity_check").await, "ok");
    // FTS5 checks its index against its rows (an error if they disagree).
    db.execute_unprepared("INSERT INTO lesson_search (lesson_search) VALUES ('integrity-check')")
        .await
        .expect("the search index is consistent");
}

/// `lectern sync` is SIGKILLed at several points of a 2,000-lesson sync:
/// once its run is recorded (still reading and rendering), then when about
/// 10%, 50% and 90% of the lessons are in the database (each kill on a fresh
/// run that continues the last). A final run completes it, and the database
/// is complete and consistent: every lesson once, with its file's hash, one
/// revision and its search index entry; the killed runs stay unfinished on
/// record; a further sync changes nothing.
#[rocket::async_test]
async fn a_sync_killed_at_several_points_is_completed_by_running_it_again() {
    use std::time::{Duration, Instant};
    const LESSONS: i64 = 2_000;
    let clock = Instant::now();
    let f = Fixture::new().await;
    f.write("big/_course.md", course("Big"));
    for i in 1..=LESSONS {
        f.write(
            &format!("big/{i:04}-l{i}.md"),
            lesson(
                &format!("L{i}"),
                &format!("## A\n\nCommon text, marker{i:04}.\n\n```js\nlet x = {i};\n```\n"),
            ),
        );
    }
    let db = f.connect().await;
    let lessons = || count(&db, "SELECT COUNT(*) FROM lessons");
    let runs = || count(&db, "SELECT COUNT(*) FROM sync_runs");

    // (where, lessons in the database before the kill; None: once the run is recorded)
    let points = [
        ("run recorded", None),
        ("~10%", Some(LESSONS / 10)),
        ("~30%", Some(LESSONS * 3 / 10)),
        ("~60%", Some(LESSONS * 6 / 10)),
    ];
    let mut killed = 0;
    for (point, rows) in points {
        let runs_before = runs().await;
        let mut child = spawn_sync(&f);
        let pid = child.id().to_string();
        let signal = |name: &str| {
            let sent = Command::new("kill").args([name, &pid]).status().unwrap();
            assert!(sent.success(), "kill {name}");
        };
        let started = Instant::now();
        // The run goes on in short steps: it is stopped (SIGSTOP) while the
        // database is looked at, so however slowly the test itself runs, the
        // run cannot get further than what was seen before it is killed.
        let was_killed = loop {
            tokio::time::sleep(Duration::from_millis(2)).await;
            signal("-STOP");
            if child.try_wait().unwrap().is_some() {
                break false;
            }
            let reached = match rows {
                None => runs().await > runs_before,
                Some(n) => lessons().await >= n,
            };
            if reached {
                child.kill().unwrap(); // SIGKILL, which also ends a stopped process
                break true;
            }
            signal("-CONT");
            // The limit only catches a run that never gets there.
            assert!(
                started.elapsed() < Duration::from_secs(300),
                "stuck at {point}"
            );
        };
        // The run may have ended on its own just before the signal: only a
        // process that died of it counts as killed.
        let status = child.wait().unwrap();
        let was_killed = {
            use std::os::unix::process::ExitStatusExt;
            was_killed && status.signal() == Some(9)
        };
        killed += usize::from(was_killed);
        eprintln!(
            "kill at {point}: {}, {} lessons in the database",
            if was_killed {
                "killed"
            } else {
                "the run had ended"
            },
            lessons().await
        );
    }
    // Every kill lands: the run is stopped while it is looked at, and at
    // each point it still has four or more batches of 200 lessons to write,
    // far more than a 2 ms step lets it do.
    assert_eq!(killed, points.len(), "every kill must land mid-run");
    let unfinished = "SELECT COUNT(*) FROM sync_runs WHERE finished_at IS NULL";
    assert_eq!(count(&db, unfinished).await, killed as i64);
    sqlite_is_sound(&db).await;

    // The final run, through the CLI as well; it completes what is missing.
    let before = lessons().await;
    let status = spawn_sync(&f).wait().unwrap();
    assert!(status.success(), "{status}");
    eprintln!(
        "{killed} kills, then a full run from {before} lessons; {:.1} s so far",
        clock.elapsed().as_secs_f64()
    );

    // Complete: every file once, published.
    assert_eq!(lessons().await, LESSONS);
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM lessons WHERE status = 'published'"
        )
        .await,
        LESSONS
    );
    assert_eq!(count(&db, "SELECT COUNT(*) FROM courses").await, 1);
    // No slug, position or file twice.
    for key in ["course_id, slug", "course_id, position", "source_path"] {
        let dups = format!(
            "SELECT COUNT(*) FROM (SELECT {key} FROM lessons GROUP BY {key} HAVING COUNT(*) > 1) d"
        );
        assert_eq!(count(&db, &dups).await, 0, "duplicate {key}");
    }
    // Each lesson holds its file's hash and text.
    {
        use sea_orm::{ConnectionTrait, Statement};
        let rows = db
            .query_all_raw(Statement::from_string(
                db.get_database_backend(),
                "SELECT source_path, source_hash, body_md FROM lessons".to_string(),
            ))
            .await
            .unwrap();
        assert_eq!(rows.len() as i64, LESSONS);
        for row in rows {
            let path: String = row.try_get_by_index(0).unwrap();
            let hash: String = row.try_get_by_index(1).unwrap();
            let body: String = row.try_get_by_index(2).unwrap();
            let file = std::fs::read(f.content().join(&path)).unwrap();
            assert_eq!(hash, lectern::content::scan::hash_bytes(&file), "{path}");
            let marker = path.split('-').next().unwrap().trim_start_matches("big/");
            assert!(body.contains(&format!("marker{marker}")), "{path}: {body}");
        }
    }
    // Exactly one revision per lesson: nothing of a killed batch survived.
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM lesson_revisions").await,
        LESSONS
    );
    assert_eq!(count(&db, "SELECT COUNT(*) FROM lessons l WHERE (SELECT COUNT(*) FROM lesson_revisions r WHERE r.lesson_id = l.id) <> 1").await, 0);
    // The search index holds every lesson, and only those.
    let now = chrono::Utc::now();
    let found = |word: &str| {
        let words = vec![word.to_string()];
        let db = &db;
        async move { lectern::db::search::count(db, &words, now).await.unwrap() }
    };
    assert_eq!(found("common").await, LESSONS as u64);
    for i in [1, 200, 201, 1000, 1001, 1800, 1801, 2000] {
        assert_eq!(found(&format!("marker{i:04}")).await, 1, "marker{i:04}");
    }
    if sea_orm::ConnectionTrait::get_database_backend(&db) == sea_orm::DatabaseBackend::Sqlite {
        assert_eq!(
            count(&db, "SELECT COUNT(*) FROM lesson_search").await,
            LESSONS
        );
    }
    sqlite_is_sound(&db).await;

    // On record: the killed runs never finished; the last one did, cleanly.
    assert_eq!(count(&db, unfinished).await, killed as i64);
    let last = "(SELECT MAX(id) FROM sync_runs)";
    assert_eq!(
        count(
            &db,
            &format!(
                "SELECT COUNT(*) FROM sync_runs WHERE id = {last} AND finished_at IS NOT NULL \
                 AND errors = 0 AND created + unchanged = {}",
                LESSONS + 1
            )
        )
        .await,
        1
    );

    // A further sync is a no-op.
    let again = f.sync(&db).await;
    assert_eq!(again.errors(), 0, "{:?}", again.diagnostics);
    assert_eq!(
        (
            again.unchanged,
            again.created.len(),
            again.updated.len(),
            again.archived.len(),
            again.conflicts.len()
        ),
        (LESSONS as usize + 1, 0, 0, 0, 0)
    );
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM lesson_revisions").await,
        LESSONS
    );
    eprintln!("crash test: {:.1} s in all", clock.elapsed().as_secs_f64());
}

/// Export leaves a course file an author changed since the last sync, as it
/// does a lesson file: writing the admin's text over it would lose the
/// author's change without a trace.
#[rocket::async_test]
async fn export_leaves_a_course_file_changed_since_the_last_sync() {
    use sea_orm::ConnectionTrait;
    let f = Fixture::new().await;
    f.write("intro/_course.md", course("Intro"));
    f.write("intro/01-hello.md", lesson("Hello", "Hello text."));
    let db = f.connect().await;
    f.sync(&db).await;
    // An admin edit of the course, then the author's edit of its file.
    db.execute_unprepared("UPDATE courses SET title = 'Intro, edited' WHERE slug = 'intro'")
        .await
        .unwrap();
    let authors = course("Intro, as the author has it");
    f.write("intro/_course.md", &authors);

    let report = lectern::content::export(&db, &f.content()).await.unwrap();
    assert!(report.written.is_empty(), "{:?}", report.written);
    assert!(
        report
            .diagnostics
            .iter()
            .any(|d| d.path == "intro/_course.md" && d.message.contains("not exported")),
        "{:?}",
        report.diagnostics
    );
    let on_disk = std::fs::read_to_string(f.content().join("intro/_course.md")).unwrap();
    assert_eq!(on_disk, authors);
}
