//! The push webhook as each git host calls it: GitHub, Gitea, Forgejo and
//! GitLab, with the headers their documentation lists and payloads of the
//! same shape (written here, trimmed to a few fields of each kind), against
//! real repositories: a bare remote, an author's clone and the site's clone.
//! Only a push to the branch the site's clone tracks is pulled.

use std::path::Path;
use std::process::Command;

use hmac::{Hmac, Mac};
use rocket::http::{Header, Status};
use rocket::local::asynchronous::Client;
use serde_json::{json, Value};
use sha2::Sha256;

use crate::common::{count, get, lesson, Fixture};
use crate::git::{git, signature, Repos, SECRET};

/// The HMAC-SHA256 of `body` in hex, without GitHub's `sha256=` prefix, as
/// Gitea's and Forgejo's own headers carry it.
fn plain_signature(body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// Posts `body` with `headers` (and JSON's content type, as every host sends it).
async fn deliver(client: &Client, headers: Vec<(&str, String)>, body: &str) -> (Status, Value) {
    let mut req = client
        .post("/hooks/git")
        .header(Header::new("Content-Type", "application/json"))
        .body(body);
    for (name, value) in headers {
        req = req.header(Header::new(name.to_string(), value));
    }
    let res = req.dispatch().await;
    let status = res.status();
    let text = res.into_string().await.unwrap_or_default();
    let json = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"));
    (status, json)
}

/// GitHub's headers for `event`, signed as GitHub signs.
fn github(event: &str, body: &str) -> Vec<(&'static str, String)> {
    vec![
        ("User-Agent", "GitHub-Hookshot/7f1a2b3".into()),
        ("X-GitHub-Event", event.into()),
        (
            "X-GitHub-Delivery",
            "0b9e3d4a-1111-4c2d-9e8f-000000000001".into(),
        ),
        ("X-GitHub-Hook-ID", "424242".into()),
        ("X-Hub-Signature-256", signature(body.as_bytes())),
    ]
}

/// Gitea's headers for `event` with Gitea's own signature header only.
fn gitea(event: &str, signature: String) -> Vec<(&'static str, String)> {
    vec![
        ("User-Agent", "Go-http-client/1.1".into()),
        ("X-Gitea-Event", event.into()),
        ("X-Gitea-Event-Type", event.into()),
        (
            "X-Gitea-Delivery",
            "5d2f7c1e-2222-4a3b-8c9d-000000000002".into(),
        ),
        ("X-Gitea-Signature", signature),
    ]
}

/// Forgejo's headers for `event`: its own, and Gitea's that it sends too.
fn forgejo(event: &str, body: &str) -> Vec<(&'static str, String)> {
    let sig = plain_signature(body.as_bytes());
    vec![
        ("User-Agent", "Go-http-client/1.1".into()),
        ("X-Forgejo-Event", event.into()),
        ("X-Forgejo-Event-Type", event.into()),
        (
            "X-Forgejo-Delivery",
            "9a8b7c6d-3333-4e5f-a1b2-000000000003".into(),
        ),
        ("X-Forgejo-Signature", sig.clone()),
        ("X-Gitea-Event", event.into()),
        ("X-Gitea-Signature", sig),
    ]
}

/// GitLab's headers for `event` ("Push Hook", "Tag Push Hook", …).
fn gitlab(event: &str, token: &str) -> Vec<(&'static str, String)> {
    vec![
        ("User-Agent", "GitLab/17.5.0".into()),
        ("X-Gitlab-Event", event.into()),
        ("X-Gitlab-Token", token.into()),
        ("X-Gitlab-Instance", "https://gitlab.example.org".into()),
        (
            "X-Gitlab-Webhook-UUID",
            "1f2e3d4c-4444-4b5a-9c8d-000000000004".into(),
        ),
        (
            "X-Gitlab-Event-UUID",
            "6a5b4c3d-5555-4e6f-8a9b-000000000005".into(),
        ),
    ]
}

/// A push payload of GitHub's shape (Gitea and Forgejo send the same
/// fields): the ref, the commits before and after, the repository, the pusher.
fn push_payload(git_ref: &str, before: &str, after: &str) -> String {
    json!({
        "ref": git_ref,
        "before": before,
        "after": after,
        "created": false,
        "deleted": false,
        "forced": false,
        "compare": format!("https://git.example.org/school/lessons/compare/{before}...{after}"),
        "commits": [{
            "id": after,
            "message": "Lessons: a new version",
            "author": { "name": "Author", "email": "author@example.org" },
            "added": [], "removed": [], "modified": ["intro/01-hello.md"],
        }],
        "head_commit": { "id": after, "message": "Lessons: a new version" },
        "repository": {
            "id": 7, "name": "lessons", "full_name": "school/lessons",
            "default_branch": "main", "clone_url": "https://git.example.org/school/lessons.git",
        },
        "pusher": { "name": "author", "email": "author@example.org" },
        "sender": { "login": "author", "id": 3 },
    })
    .to_string()
}

/// A push payload of GitLab's shape: `object_kind` names the event.
fn gitlab_payload(kind: &str, git_ref: &str, before: Value, after: Value) -> String {
    json!({
        "object_kind": kind,
        "event_name": kind,
        "before": before,
        "after": after,
        "ref": git_ref,
        "ref_protected": true,
        "checkout_sha": after,
        "user_id": 3,
        "user_name": "Author",
        "user_username": "author",
        "project_id": 15,
        "project": {
            "id": 15, "name": "lessons", "path_with_namespace": "school/lessons",
            "default_branch": "main", "git_http_url": "https://gitlab.example.org/school/lessons.git",
        },
        "commits": [],
        "total_commits_count": 0,
        "repository": { "name": "lessons", "homepage": "https://gitlab.example.org/school/lessons" },
    })
    .to_string()
}

fn head(dir: &Path) -> String {
    git(dir, &["rev-parse", "HEAD"]).trim().to_string()
}

/// Whether `git_ref` exists in the repository at `dir`: a fetch would have
/// brought another branch's remote-tracking ref.
fn has_ref(dir: &Path, git_ref: &str) -> bool {
    Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["rev-parse", "--verify", "-q", git_ref])
        .output()
        .unwrap()
        .status
        .success()
}

/// Webhook runs whose findings hold `text`.
async fn runs_saying(f: &Fixture, text: &str) -> i64 {
    let db = f.connect().await;
    let sql = format!(
        "SELECT COUNT(*) FROM sync_runs WHERE origin = 'webhook' AND finished_at IS NOT NULL \
         AND report LIKE '%{text}%'"
    );
    count(&db, &sql).await
}

async fn page_says(client: &Client, text: &str) -> bool {
    get(client, "/intro/hello/").await.1.contains(text)
}

/// The author commits a new version of hello on `branch` and pushes it
/// there; returns (before, after) on that branch of the remote.
fn push_hello(r: &Repos, version: &str, to: &str) -> (String, String) {
    let before = head(&r.author);
    r.write(
        "intro/01-hello.md",
        &lesson("Hello", &format!("Version {version} of hello.")),
    );
    git(&r.author, &["commit", "-qam", &format!("hello {version}")]);
    git(&r.author, &["push", "-q", "origin", &format!("HEAD:{to}")]);
    (before, head(&r.author))
}

#[rocket::async_test]
async fn a_github_push_to_the_tracked_branch_syncs_and_another_branch_or_a_tag_pulls_nothing() {
    let r = Repos::new().await;
    let client = r.client().await;
    let site = r.f.content();
    let site_head = head(&site);
    // main moves on, and so does a draft branch, and a tag is pushed: only
    // the delivery for main may bring anything in.
    let (before, after) = push_hello(&r, "two", "main");
    push_hello(&r, "draft", "draft");
    git(&r.author, &["tag", "v1"]);
    git(&r.author, &["push", "-q", "origin", "v1"]);

    for (git_ref, reason) in [
        (
            "refs/heads/draft",
            "ignored: refs/heads/draft is not refs/heads/main",
        ),
        (
            "refs/tags/v1",
            "ignored: refs/tags/v1 is not refs/heads/main",
        ),
    ] {
        let body = push_payload(git_ref, &before, &after);
        let (status, json) = deliver(&client, github("push", &body), &body).await;
        assert_eq!(status, Status::Accepted, "{json}");
        assert_eq!(json["status"], "ignored");
        assert_eq!(json["reason"], reason);
        assert!(json["run_id"].is_i64(), "recorded as a run: {json}");
        assert_eq!(runs_saying(&r.f, reason).await, 1, "recorded once");
    }
    assert_eq!(head(&site), site_head, "nothing pulled");
    assert!(
        !has_ref(&site, "refs/remotes/origin/draft"),
        "nothing fetched"
    );
    assert!(page_says(&client, "Version one").await);

    let body = push_payload("refs/heads/main", &before, &after);
    let (status, json) = deliver(&client, github("push", &body), &body).await;
    assert_eq!(status, Status::Ok, "{json}");
    assert_eq!(json["pulled"], true, "{json}");
    assert_eq!(json["updated"], json!(["intro/01-hello.md"]));
    assert!(page_says(&client, "Version two").await);
}

/// The branch is the one the site's clone pulls: here a local branch `live`
/// following the remote's `stable`, so neither `main` nor the local name.
#[rocket::async_test]
async fn the_tracked_branch_is_the_upstream_of_the_site_clones_branch() {
    let r = Repos::new().await;
    let site = r.f.content();
    git(&r.author, &["push", "-q", "origin", "HEAD:stable"]);
    git(&site, &["fetch", "-q"]);
    git(
        &site,
        &["checkout", "-q", "-b", "live", "--track", "origin/stable"],
    );
    let client = r.client().await;
    let (before, after) = push_hello(&r, "two", "stable");

    let body = push_payload("refs/heads/main", &before, &after);
    let (status, json) = deliver(&client, github("push", &body), &body).await;
    assert_eq!(status, Status::Accepted, "{json}");
    assert_eq!(
        json["reason"],
        "ignored: refs/heads/main is not refs/heads/stable"
    );
    let body = push_payload("refs/heads/live", &before, &after);
    let (status, json) = deliver(&client, github("push", &body), &body).await;
    assert_eq!(
        status,
        Status::Accepted,
        "the local name is not the remote's: {json}"
    );
    assert!(page_says(&client, "Version one").await);

    let body = push_payload("refs/heads/stable", &before, &after);
    let (status, json) = deliver(&client, github("push", &body), &body).await;
    assert_eq!(status, Status::Ok, "{json}");
    assert_eq!(json["pulled"], true, "{json}");
    assert!(page_says(&client, "Version two").await);
}

#[rocket::async_test]
async fn gitea_and_forgejo_are_trusted_by_their_own_signature_headers() {
    let r = Repos::new().await;
    let client = r.client().await;
    let site_head = head(&r.f.content());
    let (before, after) = push_hello(&r, "two", "main");

    // Gitea: X-Gitea-Signature alone, a wrong one first.
    let body = push_payload("refs/heads/main", &before, &after);
    let wrong = plain_signature(b"another body");
    for refused in [
        gitea("push", wrong),
        gitea("push", signature(body.as_bytes())), // GitHub's form, in Gitea's header
        gitea("push", String::new()),
    ] {
        let (status, json) = deliver(&client, refused, &body).await;
        assert_eq!(status, Status::Unauthorized, "{json}");
    }
    assert_eq!(head(&r.f.content()), site_head, "nothing pulled");
    let (status, json) = deliver(
        &client,
        gitea("push", plain_signature(body.as_bytes())),
        &body,
    )
    .await;
    assert_eq!(status, Status::Ok, "{json}");
    assert_eq!(json["pulled"], true, "{json}");
    assert!(page_says(&client, "Version two").await);

    // Gitea, another branch: answered, nothing pulled.
    let (b, a) = push_hello(&r, "draft", "draft");
    let body = push_payload("refs/heads/draft", &b, &a);
    let (status, json) = deliver(
        &client,
        gitea("push", plain_signature(body.as_bytes())),
        &body,
    )
    .await;
    assert_eq!(status, Status::Accepted, "{json}");
    assert_eq!(
        json["reason"],
        "ignored: refs/heads/draft is not refs/heads/main"
    );

    // Forgejo: its own headers (with Gitea's beside them, as it sends).
    let (before, after) = push_hello(&r, "three", "main");
    let body = push_payload("refs/heads/main", &before, &after);
    let mut tampered = forgejo("push", &body);
    tampered[4].1 = plain_signature(b"another body"); // X-Forgejo-Signature
    let (status, _) = deliver(&client, tampered, &body).await;
    assert_eq!(status, Status::Unauthorized, "a wrong Forgejo signature");
    let (status, json) = deliver(&client, forgejo("push", &body), &body).await;
    assert_eq!(status, Status::Ok, "{json}");
    assert!(page_says(&client, "Version three").await);
}

#[rocket::async_test]
async fn gitlab_is_trusted_by_its_token_and_its_tag_pushes_are_ignored() {
    let r = Repos::new().await;
    let client = r.client().await;
    let site_head = head(&r.f.content());
    let (before, after) = push_hello(&r, "two", "main");
    let body = gitlab_payload("push", "refs/heads/main", json!(before), json!(after));

    for token in ["not the secret", "", &SECRET[..SECRET.len() - 1]] {
        let (status, json) = deliver(&client, gitlab("Push Hook", token), &body).await;
        assert_eq!(status, Status::Unauthorized, "{token:?}: {json}");
    }
    assert_eq!(head(&r.f.content()), site_head, "nothing pulled");
    assert!(page_says(&client, "Version one").await);

    let (status, json) = deliver(&client, gitlab("Push Hook", SECRET), &body).await;
    assert_eq!(status, Status::Ok, "{json}");
    assert_eq!(json["pulled"], true, "{json}");
    assert!(page_says(&client, "Version two").await);

    git(&r.author, &["tag", "v2"]);
    git(&r.author, &["push", "-q", "origin", "v2"]);
    let tag = gitlab_payload(
        "tag_push",
        "refs/tags/v2",
        json!("0000000000000000000000000000000000000000"),
        json!(after),
    );
    let (status, json) = deliver(&client, gitlab("Tag Push Hook", SECRET), &tag).await;
    assert_eq!(status, Status::Accepted, "{json}");
    assert_eq!(
        json["reason"],
        "ignored: refs/tags/v2 is not refs/heads/main"
    );

    // A system hook's push of the branch is a push; other system events
    // and other hooks are answered and change nothing.
    let (before, after) = push_hello(&r, "three", "main");
    let system = gitlab_payload("push", "refs/heads/main", json!(before), json!(after));
    let (status, json) = deliver(&client, gitlab("System Hook", SECRET), &system).await;
    assert_eq!(status, Status::Ok, "{json}");
    assert!(page_says(&client, "Version three").await);
    let created = json!({ "event_name": "project_create", "name": "lessons" }).to_string();
    let (status, json) = deliver(&client, gitlab("System Hook", SECRET), &created).await;
    assert_eq!(status, Status::Accepted, "{json}");
    assert_eq!(
        json["reason"],
        "ignored: the GitLab system event project_create is not a push"
    );
    let mr = json!({ "object_kind": "merge_request", "object_attributes": { "action": "open" } });
    let (status, json) = deliver(
        &client,
        gitlab("Merge Request Hook", SECRET),
        &mr.to_string(),
    )
    .await;
    assert_eq!(status, Status::Accepted, "{json}");
    assert_eq!(
        json["reason"],
        "ignored: the Merge Request Hook event is not a push"
    );
    let runs = "SELECT COUNT(*) FROM sync_runs WHERE origin = 'webhook' AND report LIKE '%event%'";
    let db = r.f.connect().await;
    assert_eq!(count(&db, runs).await, 0, "other events are not recorded");
}

/// GitHub's `ping` (sent when a hook is created) and the test deliveries
/// of Gitea, Forgejo and GitLab are answered without pulling, though the
/// branch has moved on.
#[rocket::async_test]
async fn each_hosts_ping_or_test_delivery_is_answered_pong_without_pulling() {
    let r = Repos::new().await;
    let client = r.client().await;
    let site_head = head(&r.f.content());
    let (_, after) = push_hello(&r, "two", "main");

    let ping = json!({
        "zen": "Keep it logically awesome.",
        "hook_id": 424242,
        "hook": { "type": "Repository", "events": ["push"], "config": { "content_type": "json" } },
        "repository": { "full_name": "school/lessons" },
    })
    .to_string();
    // A test delivery: the branch's newest commit, as both before and after.
    let test = push_payload("refs/heads/main", &after, &after);
    let sample = gitlab_payload("push", "refs/heads/main", Value::Null, Value::Null);
    let sent = [
        ("GitHub", github("ping", &ping), ping.clone()),
        (
            "Gitea",
            gitea("push", plain_signature(test.as_bytes())),
            test.clone(),
        ),
        ("Forgejo", forgejo("push", &test), test.clone()),
        ("GitLab", gitlab("Push Hook", SECRET), sample),
    ];
    for (host, headers, body) in sent {
        let (status, json) = deliver(&client, headers, &body).await;
        assert_eq!(status, Status::Ok, "{host}: {json}");
        assert_eq!(json["pong"], true, "{host}: {json}");
    }
    assert_eq!(head(&r.f.content()), site_head, "nothing pulled");
    let db = r.f.connect().await;
    let runs = "SELECT COUNT(*) FROM sync_runs WHERE origin = 'webhook'";
    assert_eq!(count(&db, runs).await, 0, "no run for a ping");
    assert!(page_says(&client, "Version one").await);

    // A ping with a wrong signature is refused like any delivery.
    let mut bad = github("ping", &ping);
    bad[4].1 = signature(b"another body");
    let (status, _) = deliver(&client, bad, &ping).await;
    assert_eq!(status, Status::Unauthorized);
}

#[rocket::async_test]
async fn a_push_that_names_no_ref_or_is_not_json_is_refused_and_pulls_nothing() {
    let r = Repos::new().await;
    let client = r.client().await;
    let site_head = head(&r.f.content());
    push_hello(&r, "two", "main");
    for body in [
        "{}",
        "payload=%7B%22ref%22%3A%22refs%2Fheads%2Fmain%22%7D",
        r#"{"ref":7}"#,
    ] {
        let (status, json) = deliver(&client, github("push", body), body).await;
        assert_eq!(status, Status::BadRequest, "{body}: {json}");
        let error = json["error"].as_str().unwrap();
        assert!(
            error.contains("ref") && !error.contains("line 1"),
            "{error}"
        );
    }
    assert_eq!(head(&r.f.content()), site_head, "nothing pulled");
}

/// The bare repository's hook the README shows (`docs/hooks/post-receive`,
/// which the README quotes whole), installed in the remote and run by real
/// pushes against a running `lectern` server: it signs with openssl and
/// posts with curl; a branch the site does not track is answered ignored,
/// the tracked one is published.
#[rocket::async_test]
async fn the_readmes_post_receive_hook_publishes_pushes_to_the_tracked_branch() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let script = std::fs::read_to_string(root.join("docs/hooks/post-receive")).unwrap();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    assert!(
        readme.contains(&script),
        "the README shows the hook as it is"
    );

    let r = Repos::new().await;
    let port = crate::common::free_port();
    let _server = crate::common::Server(
        crate::common::server_command(&r.f, port)
            .env("ROCKET_WEBHOOK_SECRET", SECRET)
            .env("ROCKET_WEBHOOK_ANSWER_SECS", "600")
            .spawn()
            .unwrap(),
    );
    crate::common::wait_until_healthy(port);
    let remote = r.f.dir.path().join("remote.git");
    let hook = remote.join("hooks/post-receive");
    std::fs::write(&hook, &script).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    let secret_file = r.f.dir.path().join("webhook-secret");
    std::fs::write(&secret_file, format!("{SECRET}\n")).unwrap();

    // What the hook printed, as git shows it to whoever pushed.
    let push = |to: &str| {
        let out = Command::new("git")
            .arg("-C")
            .arg(&r.author)
            .args(["push", "origin", &format!("HEAD:{to}")])
            .env(
                "LECTERN_WEBHOOK_URL",
                format!("http://127.0.0.1:{port}/hooks/git"),
            )
            .env("LECTERN_WEBHOOK_SECRET_FILE", &secret_file)
            .output()
            .unwrap();
        assert!(out.status.success());
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let page = || crate::common::http_get(port, "/intro/hello/").unwrap().1;

    r.write(
        "intro/01-hello.md",
        &lesson("Hello", "Version draft of hello."),
    );
    git(&r.author, &["commit", "-qam", "draft"]);
    let said = push("draft");
    assert!(
        said.contains("ignored: refs/heads/draft is not refs/heads/main"),
        "{said}"
    );
    assert!(page().contains("Version one"));

    r.write(
        "intro/01-hello.md",
        &lesson("Hello", "Version two of hello."),
    );
    git(&r.author, &["commit", "-qam", "hello v2"]);
    let said = push("main");
    assert!(said.contains(r#""pulled":true"#), "{said}");
    assert!(page().contains("Version two"), "published");
}
