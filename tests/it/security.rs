//! Holes an attacker found, each tried again the way it was found: files off
//! the host through every channel that renders or writes content, the login
//! limits under concurrent requests and forged address headers, open
//! redirects, export through a linked folder, caching of private pages and
//! active files served from `content/`.

use lectern::base::clock::Clock;
use lectern::content::scan::hash_bytes;
use lectern::db::entity::Role;
use rocket::futures::future::join_all;
use rocket::http::{ContentType, Header, Status};
use rocket::local::asynchronous::Client;

use crate::common::{
    add_user, count, csrf, form, get, hidden, lesson, log_in, post, Fixture, PASSWORD,
};

const SECRET: &str = "root:x:0:0:the secret this test must never see published\n";

/// A content repository holding what an attacker would reach for: a `.git`
/// folder, a committed link to a folder outside (`evil/lnk`), a link to a
/// file outside inside a course, and a hidden file in a course.
fn plant(f: &Fixture) -> std::path::PathBuf {
    let outside = f.dir.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("passwd"), SECRET).unwrap();
    f.write(".git/config", SECRET);
    f.write("backend-dev/.env", SECRET);
    std::fs::create_dir_all(f.content().join("evil")).unwrap();
    std::os::unix::fs::symlink(&outside, f.content().join("evil/lnk")).unwrap();
    std::os::unix::fs::symlink(
        outside.join("passwd"),
        f.content().join("backend-dev/alias.png"),
    )
    .unwrap();
    outside
}

const HOSTILE_BODY: &str = "Files:\n\n![a](../.git/config)\n\n![b](../evil/lnk/passwd)\n\n\
                            ![c](alias.png)\n\n![d](.env)\n\n![e](../../outside/passwd)\n";

/// Whether the secret's bytes were stored as media or are served.
async fn secret_published(f: &Fixture, client: &Client) -> bool {
    let hash = hash_bytes(SECRET.as_bytes());
    let db = f.connect().await;
    let stored = count(
        &db,
        &format!("SELECT COUNT(*) FROM media WHERE sha256 = '{hash}'"),
    )
    .await;
    let served = get(client, &format!("/media/{hash}/passwd")).await.0 != Status::NotFound;
    stored > 0 || served
}

async fn site_as(who: &str, role: Role) -> (Fixture, Client) {
    let f = Fixture::with_sample_content().await;
    plant(&f);
    let client = f.client().await;
    add_user(&f.connect().await, who, role).await;
    assert_eq!(log_in(&client, who, PASSWORD).await, Status::SeeOther);
    (f, client)
}

#[rocket::async_test]
async fn an_editor_cannot_publish_files_off_the_content_folder() {
    let (f, client) = site_as("eve", Role::Editor).await;
    let token = csrf(&client).await;
    let fields = |action: &'static str| {
        [
            ("csrf", token.clone()),
            ("course_id", "1".to_string()),
            ("slug", "files".to_string()),
            ("title", "Files".to_string()),
            ("summary", String::new()),
            ("body_md", HOSTILE_BODY.to_string()),
            ("status", "draft".to_string()),
            ("action", action.to_string()),
        ]
    };
    let send = |fields: [(&'static str, String); 8]| {
        let client = &client;
        async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            post(client, "/admin/lessons/new", &fields).await
        }
    };

    // Preview: the editor is told which rule refused each file.
    let (status, _, page) = send(fields("preview")).await;
    assert_eq!(status, Status::Ok);
    assert!(
        page.contains("hidden files and folders"),
        "the dot rule is named: {page}"
    );
    assert!(page.contains("symbolic link"), "the link rule is named");
    assert!(
        page.contains("outside the content folder"),
        "climbing out is named"
    );
    assert!(!page.contains(&hash_bytes(SECRET.as_bytes())));

    // Save: the draft is saved, the files are not stored or served.
    let (status, _, _) = send(fields("save")).await;
    assert_eq!(status, Status::SeeOther, "the lesson itself is saved");
    assert!(!secret_published(&f, &client).await);
}

#[rocket::async_test]
async fn a_course_body_cannot_reach_files_off_the_content_folder() {
    let (f, client) = site_as("ada", Role::Admin).await;
    let token = csrf(&client).await;
    let (status, _, page) = post(
        &client,
        "/admin/courses/new",
        &[
            ("csrf", &token),
            ("title", "Probe"),
            ("slug", "probe"),
            ("summary", ""),
            ("body_md", HOSTILE_BODY),
            ("status", "draft"),
        ],
    )
    .await;
    assert_eq!(status, Status::SeeOther, "{page}");
    assert!(!secret_published(&f, &client).await);
    // The draft course page (shown to editors) does not reveal the file's hash.
    let (status, page) = get(&client, "/probe/").await;
    assert_eq!(status, Status::Ok);
    assert!(page.contains("Files:"), "{page}");
    assert!(!page.contains(&hash_bytes(SECRET.as_bytes())));
}

#[rocket::async_test]
async fn sync_refuses_the_same_files_and_says_why() {
    let f = Fixture::with_sample_content().await;
    plant(&f);
    f.write("backend-dev/09-files.md", lesson("Files", HOSTILE_BODY));
    let db = f.connect().await;
    // Published with its refused links (strict_links off), so the page
    // can be seen without the files.
    let report = f.sync_with_links(&db, false).await;
    let said = format!("{:?}", report.diagnostics);
    assert!(said.contains("09-files.md"), "{said}");
    assert!(said.contains("symbolic link"), "{said}");
    assert!(said.contains("hidden files"), "{said}");
    let client = f.client().await;
    assert!(!secret_published(&f, &client).await);
    // The lesson itself is published, without the files.
    let (status, page) = get(&client, "/backend-dev/files/").await;
    assert_eq!(status, Status::Ok);
    assert!(!page.contains(&hash_bytes(SECRET.as_bytes())));
}

#[rocket::async_test]
async fn export_never_writes_through_a_linked_folder() {
    let f = Fixture::with_sample_content().await;
    let elsewhere = f.dir.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::os::unix::fs::symlink(&elsewhere, f.content().join("outside-link")).unwrap();
    let client = f.client().await;
    add_user(&f.connect().await, "ada", Role::Admin).await;
    assert_eq!(log_in(&client, "ada", PASSWORD).await, Status::SeeOther);
    let token = csrf(&client).await;
    let (status, _, _) = post(
        &client,
        "/admin/courses/new",
        &[
            ("csrf", &token),
            ("title", "Linked"),
            ("slug", "outside-link"),
            ("summary", ""),
            ("body_md", "Intro"),
            ("status", "published"),
        ],
    )
    .await;
    assert_eq!(status, Status::SeeOther);
    let db = f.connect().await;
    let report = lectern::content::export(&db, &f.content()).await.unwrap();
    assert!(
        !elsewhere.join("_course.md").exists(),
        "nothing written outside"
    );
    assert!(
        report
            .diagnostics
            .iter()
            .any(|d| d.path == "outside-link/_course.md"
                && d.message.contains("symbolic link outside-link")),
        "{:?}",
        report.diagnostics
    );
}

/// A login form post with its own token fetched first.
async fn login_request(
    client: &Client,
    user: &str,
    password: &str,
    peer: &str,
    headers: &[(&str, &str)],
) -> Status {
    let (_, page) = get(client, "/admin/login").await;
    let token = hidden(&page, "login_csrf");
    let mut req = client
        .post("/admin/login")
        .header(ContentType::Form)
        .remote(peer.parse().unwrap())
        .body(form(&[
            ("username", user),
            ("password", password),
            ("login_csrf", &token),
        ]));
    for (name, value) in headers {
        req = req.header(Header::new(name.to_string(), value.to_string()));
    }
    req.dispatch().await.status()
}

#[rocket::async_test]
async fn concurrent_logins_run_at_most_the_limit_of_password_checks() {
    let f = Fixture::with_sample_content().await;
    let client = f.client().await;
    add_user(&f.connect().await, "ada", Role::Admin).await;
    let attempts = (0..30).map(|i| {
        let password = if i == 29 {
            PASSWORD
        } else {
            "not the password"
        };
        login_request(&client, "ada", password, "203.0.113.5:4000", &[])
    });
    let statuses = join_all(attempts).await;
    let checked = statuses
        .iter()
        .filter(|s| **s != Status::TooManyRequests)
        .count();
    assert!(
        checked <= 5,
        "at most five password checks in the window: {statuses:?}"
    );
    assert!(statuses.contains(&Status::TooManyRequests));
}

#[rocket::async_test]
async fn a_client_cannot_choose_its_own_address() {
    let f = Fixture::with_sample_content().await;
    let client = f.client().await;
    let mut statuses = Vec::new();
    for i in 0..22 {
        let forged = format!("198.51.100.{i}");
        statuses.push(
            login_request(
                &client,
                &format!("user{i}"),
                "wrong",
                "203.0.113.5:4000",
                &[("X-Real-IP", &forged), ("X-Forwarded-For", &forged)],
            )
            .await,
        );
    }
    assert_eq!(
        &statuses[..20],
        &[Status::Unauthorized; 20],
        "twenty failures from one address"
    );
    assert_eq!(
        &statuses[20..],
        &[Status::TooManyRequests; 2],
        "then the address is limited, whatever headers it sends"
    );
}

#[rocket::async_test]
async fn behind_a_trusted_proxy_each_client_has_its_own_limit() {
    let f = Fixture::with_sample_content().await;
    let figment = f
        .figment()
        .merge(("trusted_proxies", ["127.0.0.1"]))
        .merge(("client_ip_header", "X-Forwarded-For"));
    let client = f.client_with(figment, Clock::system()).await;
    for i in 0..25 {
        // The client put a forged address first; the proxy appended the real one.
        let header = format!("6.6.6.6, 198.51.100.{i}");
        let status = login_request(
            &client,
            &format!("user{i}"),
            "wrong",
            "127.0.0.1:5000",
            &[("X-Forwarded-For", &header)],
        )
        .await;
        assert_eq!(
            status,
            Status::Unauthorized,
            "client {i} is not limited by the others"
        );
    }
    // One client behind the proxy is still limited by its own address.
    let mut last = Status::Ok;
    for i in 0..21 {
        last = login_request(
            &client,
            &format!("other{i}"),
            "wrong",
            "127.0.0.1:5000",
            &[("X-Forwarded-For", "6.6.6.6, 192.0.2.77")],
        )
        .await;
    }
    assert_eq!(last, Status::TooManyRequests);
}

#[rocket::async_test]
async fn behind_a_proxy_that_sets_x_real_ip_each_client_has_its_own_limit() {
    let f = Fixture::with_sample_content().await;
    let figment = f
        .figment()
        .merge(("trusted_proxies", ["127.0.0.1"]))
        .merge(("client_ip_header", "X-Real-IP"));
    let client = f.client_with(figment, Clock::system()).await;
    // The proxy sets X-Real-IP; an X-Forwarded-For the client sent along
    // (the same forged address from all of them) is not the configured
    // header and is not read.
    for i in 0..25 {
        let real = format!("198.51.100.{i}");
        let status = login_request(
            &client,
            &format!("user{i}"),
            "wrong",
            "127.0.0.1:5000",
            &[("X-Real-IP", &real), ("X-Forwarded-For", "6.6.6.6")],
        )
        .await;
        assert_eq!(
            status,
            Status::Unauthorized,
            "client {i} is not limited by the others"
        );
    }
    // One X-Real-IP is limited by its own twenty failures, whatever
    // X-Forwarded-For says.
    let mut statuses = Vec::new();
    for i in 0..21 {
        let forwarded = format!("203.0.113.{i}");
        statuses.push(
            login_request(
                &client,
                &format!("other{i}"),
                "wrong",
                "127.0.0.1:5000",
                &[("X-Real-IP", "192.0.2.77"), ("X-Forwarded-For", &forwarded)],
            )
            .await,
        );
    }
    assert_eq!(&statuses[..20], &[Status::Unauthorized; 20]);
    assert_eq!(statuses[20], Status::TooManyRequests);
}

#[rocket::async_test]
async fn redirects_never_leave_the_site() {
    let f = Fixture::with_sample_content().await;
    let client = f.client().await;
    // Each path answers exactly this: a redirect to a path on this site, or
    // the site's own 404 page. A 500, a missing Location or any other status
    // fails, as does a Location that could leave the site.
    let moved = Status::MovedPermanently;
    for (path, status, expected) in [
        ("//1572395042", moved, Some("/1572395042/")),
        ("//evil.example", Status::NotFound, None),
        ("///evil.example", Status::NotFound, None),
        ("//evil.example/x", Status::NotFound, None),
        ("/%2F%2Fevil.example", Status::NotFound, None),
        ("/%5Cevil.example", Status::NotFound, None),
        ("/%5C%5Cevil.example", Status::NotFound, None),
        ("/./..//evil.example", Status::NotFound, None),
        ("//backend-dev", moved, Some("/backend-dev/")),
    ] {
        let res = client.get(path).dispatch().await;
        let location = res.headers().get_one("Location").map(str::to_string);
        assert_eq!(
            (res.status(), location.as_deref()),
            (status, expected),
            "{path}"
        );
        if let Some(location) = &location {
            assert!(
                location.starts_with('/')
                    && !location.starts_with("//")
                    && !location.contains('\\'),
                "{path} -> {location}"
            );
        }
        if status == Status::NotFound {
            let body = res.into_string().await.unwrap_or_default();
            assert!(
                body.contains("Page not found"),
                "{path}: the site's 404 page"
            );
        }
    }

    // After logging in, `next` is followed only to a normalised admin path.
    add_user(&f.connect().await, "ada", Role::Admin).await;
    for next in [
        "/admin/../..//1572395042",
        "/admin/..//evil.example",
        "//evil.example/admin",
        "/admin/%2e%2e/%2e%2e//evil.example",
    ] {
        next_goes_to_the_dashboard(&f, next).await;
    }
}

/// Logging in with `next`, and the login page once logged in, both send
/// the editor to the dashboard, whatever `next` held.
async fn next_goes_to_the_dashboard(f: &Fixture, next: &str) {
    let client = f.client().await;
    let (_, page) = get(&client, "/admin/login").await;
    let token = hidden(&page, "login_csrf");
    let (status, location, _) = post(
        &client,
        "/admin/login",
        &[
            ("username", "ada"),
            ("password", PASSWORD),
            ("login_csrf", &token),
            ("next", next),
        ],
    )
    .await;
    assert_eq!(
        (status, location.as_deref()),
        (Status::SeeOther, Some("/admin")),
        "{next:?}"
    );
    let res = client
        .get(format!("/admin/login?next={}", urlencode(next)))
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::SeeOther, "{next:?}");
    assert_eq!(
        res.headers().get_one("Location"),
        Some("/admin"),
        "{next:?}"
    );
}

fn urlencode(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

#[rocket::async_test]
async fn a_next_with_quotes_or_line_breaks_gives_the_login_page() {
    let f = Fixture::with_sample_content().await;
    let client = f.client().await;
    for next in [
        "/admin/\"x",
        "/admin/\tx",
        "/admin/\r\nSet-Cookie: a=b",
        "\"><script>",
    ] {
        let (status, page) = get(&client, &format!("/admin/login?next={}", urlencode(next))).await;
        assert_eq!(status, Status::Ok, "{next:?}");
        assert!(page.contains("login_csrf"), "the normal login page");
        assert!(!page.contains("<script>"));
    }
    // Logging in with such a `next`, and the login page once logged in,
    // both go to the dashboard.
    add_user(&f.connect().await, "ada", Role::Admin).await;
    for next in ["/admin/\"x", "/admin/\tx", "/admin/\r\nSet-Cookie: a=b"] {
        next_goes_to_the_dashboard(&f, next).await;
    }
}

#[rocket::async_test]
async fn pages_that_depend_on_a_session_are_never_stored_by_caches() {
    let f = Fixture::with_sample_content().await;
    let client = f.client().await;
    // The public view: cacheable, but it varies with the cookie.
    let res = client.get("/backend-dev/").dispatch().await;
    assert_eq!(res.status(), Status::Ok);
    assert!(res
        .headers()
        .get_one("Cache-Control")
        .unwrap()
        .starts_with("public"));
    assert!(res.headers().get_one("Vary").unwrap().contains("Cookie"));
    assert!(res.headers().get_one("Strict-Transport-Security").is_none());
    // The login page holds a token.
    let res = client.get("/admin/login").dispatch().await;
    assert_eq!(res.headers().get_one("Cache-Control"), Some("no-store"));

    add_user(&f.connect().await, "ada", Role::Admin).await;
    assert_eq!(log_in(&client, "ada", PASSWORD).await, Status::SeeOther);
    for uri in [
        "/admin",
        "/admin/users",
        "/admin/lessons",
        "/backend-dev/",
        "/",
    ] {
        let res = client.get(uri).dispatch().await;
        assert_eq!(res.status(), Status::Ok, "{uri}");
        assert_eq!(
            res.headers().get_one("Cache-Control"),
            Some("no-store"),
            "{uri}"
        );
        assert_eq!(res.headers().get_one("Vary"), Some("Cookie"), "{uri}");
    }
}

#[rocket::async_test]
async fn https_is_made_sticky_when_lectern_knows_it_is_served_over_https() {
    let f = Fixture::with_sample_content().await;
    let figment = f.figment().merge(("secure_cookies", true));
    let client = f.client_with(figment, Clock::system()).await;
    let res = client.get("/").dispatch().await;
    assert!(res
        .headers()
        .get_one("Strict-Transport-Security")
        .is_some_and(|v| v.starts_with("max-age=")));
}

#[rocket::async_test]
async fn active_files_from_content_are_downloads_not_pages() {
    let f = Fixture::with_sample_content().await;
    let page = "<html><script>alert(document.cookie)</script></html>";
    let svg = "<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>";
    f.write("backend-dev/files/page.html", page);
    f.write("backend-dev/files/diagram.svg", svg);
    f.write(
        "backend-dev/09-files.md",
        lesson(
            "Files",
            "[page](files/page.html) ![diagram](files/diagram.svg) ![plain](images/architecture.svg)",
        ),
    );
    let client = f.client().await;
    for (bytes, name) in [(page, "page.html"), (svg, "diagram.svg")] {
        let uri = format!("/media/{}/{name}", hash_bytes(bytes.as_bytes()));
        let res = client.get(uri.clone()).dispatch().await;
        assert_eq!(res.status(), Status::Ok, "{uri}");
        assert_eq!(
            res.headers().get_one("Content-Disposition"),
            Some("attachment"),
            "{uri}"
        );
    }
    // A raster image is shown in place.
    let png = b"\x89PNG\r\n\x1a\n not really an image";
    f.write("backend-dev/files/photo.png", png);
    f.write(
        "backend-dev/10-photo.md",
        lesson("Photo", "![photo](files/photo.png)"),
    );
    lectern::content::sync(
        &f.connect().await,
        &f.content(),
        lectern::content::SyncOptions {
            origin: lectern::db::entity::SyncOrigin::Cli,
            dry_run: false,
            strict_links: true,
        },
    )
    .await
    .unwrap();
    let res = client
        .get(format!("/media/{}/photo.png", hash_bytes(png)))
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::Ok);
    assert_eq!(res.headers().get_one("Content-Disposition"), Some("inline"));
}

#[rocket::async_test]
async fn twenty_failures_from_one_address_over_several_accounts_limit_that_address() {
    let f = Fixture::with_sample_content().await;
    let db = f.connect().await;
    for i in 0..6 {
        add_user(&db, &format!("user{i}"), Role::Editor).await;
    }
    let client = f.client().await;
    let here = "203.0.113.7:4000";
    // Four failures on each of five real accounts (under the account limit
    // of five), then one on a sixth: the address's 21st failure.
    let mut statuses = Vec::new();
    for i in 0..21 {
        let user = format!("user{}", i / 4);
        statuses.push(login_request(&client, &user, "wrong password", here, &[]).await);
    }
    assert_eq!(
        &statuses[..20],
        &[Status::Unauthorized; 20],
        "twenty failures are checked"
    );
    assert_eq!(statuses[20], Status::TooManyRequests, "the 21st is refused");
    // From that address even the right password of an account is refused,
    // also by another instance on the same database.
    assert_eq!(
        login_request(&client, "user0", PASSWORD, here, &[]).await,
        Status::TooManyRequests
    );
    let other_instance = f.client().await;
    assert_eq!(
        login_request(&other_instance, "user1", PASSWORD, here, &[]).await,
        Status::TooManyRequests
    );
    // Another address is not limited: a failure is checked, and an account
    // with four failures (so not limited itself) logs in.
    let elsewhere = "198.51.100.9:4000";
    assert_eq!(
        login_request(&client, "user2", "wrong password", elsewhere, &[]).await,
        Status::Unauthorized
    );
    assert_eq!(
        login_request(&client, "user0", PASSWORD, elsewhere, &[]).await,
        Status::SeeOther
    );
}

const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
                   object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

#[rocket::async_test]
async fn public_pages_send_the_security_headers() {
    let f = Fixture::with_sample_content().await;
    let client = f.client().await;
    for (uri, status) in [
        ("/", Status::Ok),
        ("/backend-dev/", Status::Ok),
        ("/backend-dev/first-server/", Status::Ok),
        ("/backend-dev/all/", Status::Ok),
        ("/backend-dev", Status::MovedPermanently),
        ("/search?q=server", Status::Ok),
        ("/feed.xml", Status::Ok),
        ("/backend-dev/feed.xml", Status::Ok),
        ("/sitemap.xml", Status::Ok),
        ("/robots.txt", Status::Ok),
        ("/no-such-course/", Status::NotFound),
        ("/backend-dev/no-such-lesson/", Status::NotFound),
    ] {
        // Twice: built, then from the page cache.
        for round in ["built", "cached"] {
            let res = client.get(uri).dispatch().await;
            assert_eq!(res.status(), status, "{uri} ({round})");
            let headers = res.headers();
            for (name, value) in [
                ("Content-Security-Policy", CSP),
                ("X-Frame-Options", "DENY"),
                ("X-Content-Type-Options", "nosniff"),
                ("Referrer-Policy", "strict-origin-when-cross-origin"),
            ] {
                assert_eq!(
                    headers.get(name).collect::<Vec<_>>(),
                    [value],
                    "{name} on {uri} ({round})"
                );
            }
        }
    }
}
