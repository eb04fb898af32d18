//! The page cache: conditional requests, compression, and freshness after
//! every kind of write, in this process and from another one.

use std::io::Read;
use std::time::{Duration, Instant};

use lectern::db::entity::Role;
use rocket::http::{Header, Status};

use crate::common::{
    add_user, count, csrf, free_port, get, http_get, http_raw, lesson, log_in, post,
    server_command, wait_until_healthy, Fixture, Server, PASSWORD,
};

#[rocket::async_test]
async fn pages_carry_etags_and_answer_304() {
    let f = Fixture::with_sample_content().await;
    let client = f.client().await;
    let res = client.get("/backend-dev/first-server/").dispatch().await;
    let etag = res.headers().get_one("ETag").expect("etag").to_string();
    let modified = res
        .headers()
        .get_one("Last-Modified")
        .expect("last-modified")
        .to_string();
    assert_eq!(
        res.headers().get_one("Vary"),
        Some("Accept-Encoding, Cookie")
    );
    let res = client
        .get("/backend-dev/first-server/")
        .header(Header::new("If-None-Match", etag.clone()))
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::NotModified);
    assert!(res.into_bytes().await.unwrap_or_default().is_empty());
    let res = client
        .get("/backend-dev/first-server/")
        .header(Header::new("If-Modified-Since", modified))
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::NotModified);
    let res = client
        .get("/backend-dev/first-server/")
        .header(Header::new("If-None-Match", "\"other\""))
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::Ok);
}

#[rocket::async_test]
async fn pages_are_served_compressed_when_asked() {
    let f = Fixture::with_sample_content().await;
    let client = f.client().await;
    let plain = get(&client, "/backend-dev/").await.1;
    let res = client
        .get("/backend-dev/")
        .header(Header::new("Accept-Encoding", "gzip, deflate, br"))
        .dispatch()
        .await;
    assert_eq!(res.headers().get_one("Content-Encoding"), Some("br"));
    let bytes = res.into_bytes().await.unwrap();
    let mut out = String::new();
    brotli::Decompressor::new(bytes.as_slice(), 4096)
        .read_to_string(&mut out)
        .unwrap();
    assert_eq!(out, plain);
    let res = client
        .get("/backend-dev/")
        .header(Header::new("Accept-Encoding", "gzip"))
        .dispatch()
        .await;
    assert_eq!(res.headers().get_one("Content-Encoding"), Some("gzip"));
    let bytes = res.into_bytes().await.unwrap();
    let mut out = String::new();
    flate2::read::GzDecoder::new(bytes.as_slice())
        .read_to_string(&mut out)
        .unwrap();
    assert_eq!(out, plain);
}

/// Expects each page (already cached by the test) to be served and to
/// contain, or not, its text.
async fn fresh_after(client: &rocket::local::asynchronous::Client, pages: &[(&str, &str, bool)]) {
    for (uri, text, present) in pages {
        let (status, html) = get(client, uri).await;
        // Every page checked here is a live page; a page that should be
        // gone is checked for its 404 on its own.
        assert_eq!(status, Status::Ok, "{uri}");
        assert_eq!(
            html.contains(text),
            *present,
            "{uri} should {}contain {text:?}",
            if *present { "" } else { "not " }
        );
    }
}

#[rocket::async_test]
async fn every_write_path_refreshes_the_pages_it_affects() {
    let f = Fixture::with_sample_content().await;
    let public = f.client().await;
    let db = f.connect().await;
    add_user(&db, "eve", Role::Editor).await;
    let editor = f.client().await;
    log_in(&editor, "eve", PASSWORD).await;
    let token = csrf(&editor).await;
    // Warm: the neighbours of first-server, its course, the home page.
    for uri in [
        "/",
        "/backend-dev/",
        "/backend-dev/install-node/",
        "/backend-dev/routes-and-data/",
        "/backend-dev/first-server/",
    ] {
        get(&public, uri).await;
    }

    // Admin save: the title shows in the neighbours' prev/next and the outline.
    let id = count(&db, "SELECT id FROM lessons WHERE slug = 'first-server'").await;
    let (status, _, _) = post(
        &editor,
        &format!("/admin/lessons/{id}/edit"),
        &[
            ("csrf", &token),
            ("version", "1"),
            ("title", "Servers, renamed"),
            ("slug", "first-server"),
            ("course_id", "1"),
            ("status", "published"),
            ("summary", ""),
            ("body_md", "Body."),
            ("action", "save"),
        ],
    )
    .await;
    assert_eq!(status, Status::SeeOther);
    fresh_after(
        &public,
        &[
            ("/backend-dev/install-node/", "Servers, renamed", true),
            ("/backend-dev/routes-and-data/", "Servers, renamed", true),
            ("/backend-dev/", "Servers, renamed", true),
            ("/backend-dev/first-server/", "Body.", true),
        ],
    )
    .await;

    // Archive: gone from the outline, the neighbours and the home page count.
    let (status, _, _) = post(
        &editor,
        &format!("/admin/lessons/{id}/archive"),
        &[("csrf", &token), ("version", "2"), ("confirm", "yes")],
    )
    .await;
    assert_eq!(status, Status::SeeOther);
    fresh_after(
        &public,
        &[
            ("/backend-dev/", "Servers, renamed", false),
            ("/backend-dev/install-node/", "Servers, renamed", false),
            ("/", "4 lessons", true),
        ],
    )
    .await;

    assert_eq!(
        get(&public, "/backend-dev/first-server/").await.0,
        Status::NotFound
    );

    // Bring back (a draft: still not public), then publish it again.
    let (status, _, _) = post(
        &editor,
        &format!("/admin/lessons/{id}/unarchive"),
        &[("csrf", &token), ("version", "3")],
    )
    .await;
    assert_eq!(status, Status::SeeOther);
    assert_eq!(
        get(&public, "/backend-dev/first-server/").await.0,
        Status::NotFound
    );
    let (status, _, _) = post(
        &editor,
        &format!("/admin/lessons/{id}/edit"),
        &[
            ("csrf", &token),
            ("version", "4"),
            ("title", "Servers, once more"),
            ("slug", "first-server"),
            ("course_id", "1"),
            ("status", "published"),
            ("summary", ""),
            ("body_md", "Published again."),
            ("action", "save"),
        ],
    )
    .await;
    assert_eq!(status, Status::SeeOther);
    fresh_after(
        &public,
        &[
            ("/backend-dev/", "Servers, once more", true),
            ("/backend-dev/first-server/", "Published again.", true),
        ],
    )
    .await;

    // Restore the first revision (the file's text): seen by itself.
    let first = count(
        &db,
        &format!("SELECT MIN(id) FROM lesson_revisions WHERE lesson_id = {id}"),
    )
    .await;
    let (status, _, _) = post(
        &editor,
        &format!("/admin/lessons/{id}/revisions/{first}/restore"),
        &[("csrf", &token), ("version", "5")],
    )
    .await;
    assert_eq!(status, Status::SeeOther);
    fresh_after(
        &public,
        &[
            ("/backend-dev/", "Your first HTTP server in Node", true),
            ("/backend-dev/", "Servers, once more", false),
            (
                "/backend-dev/first-server/",
                "Time to write some code",
                true,
            ),
            ("/backend-dev/first-server/", "Published again.", false),
            (
                "/backend-dev/install-node/",
                "Your first HTTP server in Node",
                true,
            ),
        ],
    )
    .await;

    // Sync, as the start-up sync and `lectern sync` run it: a changed file.
    f.write(
        "backend-dev/02-install-node.md",
        lesson("Installing Node, again", "Synced text."),
    );
    f.sync(&db).await;
    fresh_after(
        &public,
        &[
            ("/backend-dev/install-node/", "Synced text.", true),
            ("/backend-dev/first-server/", "Installing Node, again", true),
        ],
    )
    .await;

    // Sync now, in the admin: another changed file.
    f.write(
        "backend-dev/04-routes-and-data.md",
        lesson("Routes, synced from the admin", "Synced by Sync now."),
    );
    let (status, _, _) = post(&editor, "/admin/sync", &[("csrf", &token)]).await;
    assert_eq!(status, Status::SeeOther);
    fresh_after(
        &public,
        &[
            ("/backend-dev/routes-and-data/", "Synced by Sync now.", true),
            ("/backend-dev/", "Routes, synced from the admin", true),
        ],
    )
    .await;

    // Course edit and reorder: the home page, and a lesson of the course
    // (cached first, so its breadcrumb must be rebuilt).
    fresh_after(
        &public,
        &[("/web-foundations/how-the-web-works/", "Web Basics", false)],
    )
    .await;
    let course = count(&db, "SELECT id FROM courses WHERE slug = 'web-foundations'").await;
    let (status, _, _) = post(
        &editor,
        &format!("/admin/courses/{course}/move"),
        &[("csrf", &token), ("delta", "-1")],
    )
    .await;
    assert_eq!(status, Status::SeeOther);
    let (_, home) = get(&public, "/").await;
    assert!(
        home.find("/web-foundations/").unwrap() < home.find("/backend-dev/").unwrap(),
        "reorder is visible"
    );
    let (status, _, _) = post(
        &editor,
        &format!("/admin/courses/{course}/edit"),
        &[
            ("csrf", &token),
            ("title", "Web Basics"),
            ("slug", "web-foundations"),
            ("summary", "Renamed"),
            ("body_md", "Intro"),
            ("status", "published"),
        ],
    )
    .await;
    assert_eq!(status, Status::SeeOther);
    fresh_after(
        &public,
        &[
            ("/", "Web Basics", true),
            ("/web-foundations/how-the-web-works/", "Web Basics", true),
        ],
    )
    .await;

    // Export writes the admin's texts to files and changes no page; the
    // next sync finds nothing to do, and the pages stay as they were.
    let exported = lectern::content::export(&db, &f.content()).await.unwrap();
    assert!(!exported.written.is_empty(), "{exported:?}");
    let (status, _, _) = post(&editor, "/admin/sync", &[("csrf", &token)]).await;
    assert_eq!(status, Status::SeeOther);
    assert_eq!(
        count(&db, "SELECT created + updated + archived FROM sync_runs WHERE id = (SELECT MAX(id) FROM sync_runs)").await,
        0
    );
    fresh_after(
        &public,
        &[
            (
                "/backend-dev/first-server/",
                "Time to write some code",
                true,
            ),
            ("/backend-dev/routes-and-data/", "Synced by Sync now.", true),
            ("/", "Web Basics", true),
        ],
    )
    .await;
}

/// A real `lectern serve` process on the fixture's database.
fn serve(f: &Fixture) -> (Server, u16) {
    let port = free_port();
    let child = server_command(f, port)
        .env("ROCKET_SYNC_ON_START", "false")
        .spawn()
        .unwrap();
    (Server(child), port)
}

#[rocket::async_test]
async fn an_edit_through_one_instance_is_served_by_another_once_it_polls() {
    let f = Fixture::with_sample_content().await;
    let db = f.connect().await;
    f.sync(&db).await;
    let (_a, port_a) = serve(&f);
    let (_b, port_b) = serve(&f);
    for port in [port_a, port_b] {
        wait_until_healthy(port);
    }
    // Instance B has the page cached.
    assert!(http_get(port_b, "/backend-dev/install-node/")
        .unwrap()
        .1
        .contains("Installing Node"));
    assert!(http_get(port_b, "/backend-dev/install-node/")
        .unwrap()
        .1
        .contains("Installing Node"));

    // Instance A (an admin save there) changes the lesson.
    let editor = reqwest_free_login(port_a, &db).await;
    let page = http_get_cookie(port_a, "/admin/lessons?q=installing", &editor);
    let csrf = crate::common::hidden(&page, "csrf");
    let id = count(&db, "SELECT id FROM lessons WHERE slug = 'install-node'")
        .await
        .to_string();
    let body = crate::common::form(&[
        ("csrf", &csrf),
        ("version", "1"),
        ("title", "Node, from instance A"),
        ("slug", "install-node"),
        ("course_id", "1"),
        ("status", "published"),
        ("summary", ""),
        ("body_md", "Changed on A."),
        ("action", "save"),
    ]);
    let answer = http_post_cookie(port_a, &format!("/admin/lessons/{id}/edit"), &editor, &body);
    assert!(answer.starts_with("HTTP/1.1 303"), "{answer}");

    let saved = Instant::now();
    loop {
        if http_get(port_b, "/backend-dev/install-node/")
            .unwrap()
            .1
            .contains("Node, from instance A")
        {
            break;
        }
        // B learns of A's edit by polling (every content_poll_ms); how soon
        // is measured by bench/run, not here. This limit only catches a B
        // that never notices.
        assert!(
            saved.elapsed() < Duration::from_secs(60),
            "instance B still served the old page after a minute"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    eprintln!("instance B served the edit after {:?}", saved.elapsed());
}

/// Logs in on a real server through its form; returns the session cookie.
async fn reqwest_free_login(port: u16, db: &lectern::db::Db) -> String {
    add_user(db, "eve", Role::Editor).await;
    // The whole response: the login form's cookie is in its head.
    let page = http_raw(
        port,
        "GET /admin/login HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    )
    .unwrap();
    let csrf = crate::common::hidden(&page, "login_csrf");
    let cookie = cookie_of(&page, "lectern_login_csrf");
    let body = crate::common::form(&[
        ("username", "eve"),
        ("password", PASSWORD),
        ("login_csrf", &csrf),
    ]);
    let answer = http_post_cookie(port, "/admin/login", &cookie, &body);
    cookie_of(&answer, "lectern_session")
}

fn cookie_of(response: &str, name: &str) -> String {
    let line = response
        .lines()
        .find(|l| {
            l.to_ascii_lowercase().starts_with("set-cookie:") && l.contains(&format!("{name}="))
        })
        .unwrap_or_else(|| panic!("no {name} cookie in {response}"));
    let value = line.split_once(':').unwrap().1.trim();
    value.split(';').next().unwrap().to_string()
}

fn http_get_cookie(port: u16, path: &str, cookie: &str) -> String {
    http_raw(
        port,
        &format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n"),
    )
    .unwrap()
}

fn http_post_cookie(port: u16, path: &str, cookie: &str, body: &str) -> String {
    http_raw(
        port,
        &format!(
            "POST {path} HTTP/1.1\r\nHost: localhost\r\nCookie: {cookie}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    )
    .unwrap()
}
