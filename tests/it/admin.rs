//! The admin panel through Rocket's local client: accounts, sessions, CSRF,
//! the lesson editor and its refusals, history, images, users.

use lectern::db::entity::{setup_token, Role};
use rocket::http::{ContentType, Status};
use rocket::local::asynchronous::Client;
use sea_orm::sea_query::Expr;
use sea_orm::{ConnectionTrait, EntityTrait};

use crate::common::{add_user, count, csrf, get, hidden, log_in, post, Fixture, PASSWORD};

/// A site with the sample content, an admin `ada` and an editor `eve`, and a
/// client logged in as `who`.
pub(crate) async fn admin_site(who: &str) -> (Fixture, Client) {
    let f = Fixture::with_sample_content().await;
    let client = f.client().await;
    let db = f.connect().await;
    add_user(&db, "ada", Role::Admin).await;
    add_user(&db, "eve", Role::Editor).await;
    assert_eq!(log_in(&client, who, PASSWORD).await, Status::SeeOther);
    (f, client)
}

pub(crate) async fn lesson_id(f: &Fixture, slug: &str) -> i64 {
    count(
        &f.connect().await,
        &format!("SELECT id FROM lessons WHERE slug = '{slug}'"),
    )
    .await
}

/// The editor form of a lesson, filled from its page.
pub(crate) async fn edit_form(client: &Client, id: i64) -> Vec<(String, String)> {
    let (status, page) = get(client, &format!("/admin/lessons/{id}/edit")).await;
    assert_eq!(status, Status::Ok);
    editor_fields(&page)
}

/// The fields of the editor form on `page`, as a browser would send them.
pub(crate) fn editor_fields(page: &str) -> Vec<(String, String)> {
    let page = page.to_string();
    let field = |name: &str| hidden(&page, name);
    let body_start = page.find("name=\"body_md\"").unwrap();
    let body_start = body_start + page[body_start..].find('>').unwrap() + 1;
    let body = &page[body_start..body_start + page[body_start..].find("</textarea>").unwrap()];
    // As a browser does: one newline right after <textarea> is not content.
    let body = body.strip_prefix('\n').unwrap_or(body);
    let body = unescape(body);
    let course = {
        let sel = page.find("name=\"course_id\"").unwrap();
        let opt = page[sel..].find(" selected").unwrap() + sel;
        let val = page[..opt].rfind("value=\"").unwrap() + 7;
        page[val..val + page[val..].find('"').unwrap()].to_string()
    };
    let title_at = page.find("id=\"title\" name=\"title\" value=\"").unwrap() + 31;
    let title =
        page[title_at..title_at + page[title_at..].find('"').unwrap()].replace("&amp;", "&");
    vec![
        ("csrf".into(), field("csrf")),
        ("version".into(), field("version")),
        ("title".into(), title),
        ("slug".into(), {
            let at = page.find("id=\"slug\" name=\"slug\" value=\"").unwrap() + 29;
            page[at..at + page[at..].find('"').unwrap()].to_string()
        }),
        ("course_id".into(), course),
        ("status".into(), "published".into()),
        ("summary".into(), "A summary".into()),
        ("body_md".into(), body),
        ("action".into(), "save".into()),
    ]
}

pub(crate) fn with<'a>(
    fields: &'a [(String, String)],
    changes: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    let mut out: Vec<(&str, &str)> = fields
        .iter()
        .filter(|(k, _)| !changes.iter().any(|(c, _)| c == k))
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    out.extend(changes.iter().copied());
    out
}

// ------------------------------------------------------------ accounts

#[rocket::async_test]
async fn login_failures_all_read_the_same() {
    let f = Fixture::with_sample_content().await;
    let client = f.client().await;
    let db = f.connect().await;
    add_user(&db, "ada", Role::Admin).await;
    add_user(&db, "gone", Role::Editor).await;
    db.execute_unprepared("UPDATE users SET disabled = TRUE WHERE username = 'gone'")
        .await
        .unwrap();
    for (user, pass) in [
        ("ada", "wrong password!!"),
        ("nobody", PASSWORD),
        ("gone", PASSWORD),
    ] {
        let (_, page) = get(&client, "/admin/login").await;
        let token = hidden(&page, "login_csrf");
        let (status, _, body) = post(
            &client,
            "/admin/login",
            &[
                ("username", user),
                ("password", pass),
                ("login_csrf", &token),
            ],
        )
        .await;
        assert_eq!(status, Status::Unauthorized, "{user}");
        assert!(
            body.contains("wrong username or password"),
            "{user}: {body}"
        );
    }
    assert_eq!(
        get(&client, "/admin").await.0,
        Status::SeeOther,
        "still logged out"
    );
}

#[rocket::async_test]
async fn logins_are_rate_limited_per_account() {
    let f = Fixture::with_sample_content().await;
    let client = f.client().await;
    add_user(&f.connect().await, "ada", Role::Admin).await;
    for _ in 0..5 {
        assert_eq!(
            log_in(&client, "ada", "not the password").await,
            Status::Unauthorized
        );
    }
    // Even the right password is refused until the window passes.
    assert_eq!(
        log_in(&client, "ada", PASSWORD).await,
        Status::TooManyRequests
    );
}

/// Posts the login form from a fresh login page; returns status and page.
async fn login_answer(client: &Client, name: &str, password: &str) -> (Status, String) {
    let (_, page) = get(client, "/admin/login").await;
    let token = hidden(&page, "login_csrf");
    let (status, _, body) = post(
        client,
        "/admin/login",
        &[
            ("username", name),
            ("password", password),
            ("login_csrf", &token),
        ],
    )
    .await;
    (status, body)
}

#[rocket::async_test]
async fn a_successful_login_gives_its_attempt_back() {
    let f = Fixture::with_sample_content().await;
    add_user(&f.connect().await, "ada", Role::Admin).await;
    let client = f.client().await;
    for _ in 0..4 {
        assert_eq!(
            log_in(&client, "ada", "not the password").await,
            Status::Unauthorized
        );
    }
    assert_eq!(log_in(&client, "ada", PASSWORD).await, Status::SeeOther);
    // The right password used no attempt: four failures so far, so a fifth
    // is still checked (401)…
    let other = f.client().await;
    assert_eq!(
        log_in(&other, "ada", "not the password").await,
        Status::Unauthorized,
        "the successful login gave its attempt back"
    );
    // …and the sixth is over the limit.
    assert_eq!(
        log_in(&other, "ada", "not the password").await,
        Status::TooManyRequests
    );
}

#[rocket::async_test]
async fn a_limited_login_reads_the_same_whether_or_not_the_account_exists() {
    let f = Fixture::with_sample_content().await;
    add_user(&f.connect().await, "ada", Role::Admin).await;
    let mut limited = Vec::new();
    for user in ["ada", "nobody"] {
        let client = f.client().await;
        for i in 0..5 {
            let (status, body) = login_answer(&client, user, "not the password").await;
            assert_eq!(status, Status::Unauthorized, "{user}, failure {i}");
            assert!(body.contains("wrong username or password"), "{user}");
        }
        let (status, body) = login_answer(&client, user, "not the password").await;
        assert_eq!(status, Status::TooManyRequests, "{user}");
        assert!(
            body.contains("too many failed logins; try again in a few minutes"),
            "{user}: {body}"
        );
        // The form keeps what was typed (echoing the input says nothing of
        // the account); beyond that, the page names nobody.
        let body = body.replace(&format!("value=\"{user}\""), "value=\"TYPED\"");
        assert!(!body.contains(user), "{user}: the page names nobody");
        // The only difference between two such pages is the form's token.
        let token = hidden(&body, "login_csrf");
        limited.push(body.replace(&token, "TOKEN"));
    }
    assert_eq!(
        limited[0], limited[1],
        "the limit's answer says nothing of whether the account exists"
    );
}

#[rocket::async_test]
async fn login_form_needs_its_token() {
    let f = Fixture::with_sample_content().await;
    let client = f.client().await;
    add_user(&f.connect().await, "ada", Role::Admin).await;
    let (status, _, _) = post(
        &client,
        "/admin/login",
        &[
            ("username", "ada"),
            ("password", PASSWORD),
            ("login_csrf", "forged"),
        ],
    )
    .await;
    assert_eq!(status, Status::Forbidden);
    assert_eq!(get(&client, "/admin").await.0, Status::SeeOther);
}

#[rocket::async_test]
async fn session_cookie_is_http_only_and_same_site() {
    let f = Fixture::with_sample_content().await;
    let client = f.client().await;
    add_user(&f.connect().await, "ada", Role::Admin).await;
    assert!(client.cookies().get("lectern_session").is_none());
    log_in(&client, "ada", PASSWORD).await;
    let jar = client.cookies();
    let cookie = jar.get("lectern_session").unwrap();
    assert_eq!(cookie.http_only(), Some(true));
    assert_eq!(cookie.same_site(), Some(rocket::http::SameSite::Lax));
    assert_eq!(cookie.value().len(), 64);
}

#[rocket::async_test]
async fn forged_and_expired_sessions_send_you_to_login() {
    let (f, client) = admin_site("ada").await;
    assert_eq!(get(&client, "/admin").await.0, Status::Ok);
    f.connect()
        .await
        .execute_unprepared("UPDATE sessions SET expires_at = created_at")
        .await
        .unwrap();
    let res = client.get("/admin/lessons").dispatch().await;
    assert_eq!(res.status(), Status::SeeOther);
    assert!(res
        .headers()
        .get_one("Location")
        .unwrap()
        .starts_with("/admin/login?next=%2Fadmin%2Flessons"));

    let forged = Client::untracked(lectern::build(f.figment()))
        .await
        .unwrap();
    let res = forged
        .get("/admin")
        .cookie(rocket::http::Cookie::new("lectern_session", "f".repeat(64)))
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::SeeOther);
}

#[rocket::async_test]
async fn disabling_a_user_ends_their_session_at_once() {
    let (f, eve) = admin_site("eve").await;
    assert_eq!(get(&eve, "/admin").await.0, Status::Ok);
    let ada = f.client().await;
    log_in(&ada, "ada", PASSWORD).await;
    let token = csrf(&ada).await;
    let eve_id = count(
        &f.connect().await,
        "SELECT id FROM users WHERE username = 'eve'",
    )
    .await
    .to_string();
    let (status, _, _) = post(
        &ada,
        &format!("/admin/users/{eve_id}"),
        &[("csrf", &token), ("action", "disable"), ("confirm", "yes")],
    )
    .await;
    assert_eq!(status, Status::SeeOther);
    assert_eq!(
        get(&eve, "/admin").await.0,
        Status::SeeOther,
        "eve is logged out"
    );
    assert_eq!(log_in(&eve, "eve", PASSWORD).await, Status::Unauthorized);
}

#[rocket::async_test]
async fn logout_ends_the_session() {
    let (_f, client) = admin_site("ada").await;
    let token = csrf(&client).await;
    let (status, _, _) = post(&client, "/admin/logout", &[("csrf", &token)]).await;
    assert_eq!(status, Status::SeeOther);
    assert_eq!(get(&client, "/admin").await.0, Status::SeeOther);
}

#[rocket::async_test]
async fn setup_link_creates_the_first_admin_once() {
    let f = Fixture::with_sample_content().await;
    let db = f.connect().await;
    let token = lectern::accounts::setup::issue_if_no_users(&db)
        .await
        .unwrap()
        .expect("no users yet");
    let client = f.client().await; // start-up issues a fresh link and replaces ours
    let token = match get(&client, &format!("/admin/setup/{token}")).await.0 {
        Status::Ok => token,
        _ => lectern::accounts::setup::issue_if_no_users(&db)
            .await
            .unwrap()
            .unwrap(),
    };
    // A link works for 24 hours…
    let stored = setup_token::Entity::find().all(&db).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(
        stored[0].expires_at - stored[0].created_at,
        chrono::Duration::hours(24)
    );
    // …and not after: one whose moment passed an hour ago is refused, and
    // creates nobody.
    setup_token::Entity::update_many()
        .col_expr(
            setup_token::Column::ExpiresAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::hours(1)),
        )
        .exec(&db)
        .await
        .unwrap();
    let expired = format!("/admin/setup/{token}");
    let (status, page) = get(&client, &expired).await;
    assert_eq!(status, Status::NotFound);
    assert!(page.contains("Page not found"), "{page}");
    assert!(!page.contains("password_again"), "no setup form: {page}");
    let first = [
        ("username", "early"),
        ("display_name", "Early"),
        ("password", PASSWORD),
        ("password_again", PASSWORD),
    ];
    let (status, _, page) = post(&client, &expired, &first).await;
    assert_eq!(status, Status::NotFound);
    assert!(page.contains("Page not found"), "{page}");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM users").await, 0);
    assert_eq!(get(&client, "/admin").await.0, Status::SeeOther);

    // A fresh link works, once.
    let token = lectern::accounts::setup::issue_if_no_users(&db)
        .await
        .unwrap()
        .expect("still no users");
    let uri = format!("/admin/setup/{token}");
    assert_eq!(get(&client, &uri).await.0, Status::Ok);
    let fields = [
        ("username", "root"),
        ("display_name", "Root"),
        ("password", PASSWORD),
        ("password_again", PASSWORD),
    ];
    let (status, location, _) = post(&client, &uri, &fields).await;
    assert_eq!(
        (status, location.as_deref()),
        (Status::SeeOther, Some("/admin"))
    );
    assert_eq!(
        get(&client, "/admin").await.0,
        Status::Ok,
        "logged in as the new admin"
    );
    // The link is spent.
    assert_eq!(get(&client, &uri).await.0, Status::NotFound);
    let (status, _, _) = post(
        &client,
        &uri,
        &[
            ("username", "second"),
            ("display_name", ""),
            ("password", PASSWORD),
            ("password_again", PASSWORD),
        ],
    )
    .await;
    assert_eq!(status, Status::NotFound);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM users").await, 1);
}

#[rocket::async_test]
async fn editors_cannot_open_admin_only_pages() {
    let (_f, client) = admin_site("eve").await;
    assert_eq!(get(&client, "/admin").await.0, Status::Ok);
    for uri in ["/admin/users", "/admin/audit"] {
        let (status, html) = get(&client, uri).await;
        assert_eq!(status, Status::Forbidden, "{uri}");
        assert!(html.contains("Not allowed"));
    }
    let token = csrf(&client).await;
    let (status, _, _) = post(
        &client,
        "/admin/users/new",
        &[
            ("csrf", &token),
            ("username", "x"),
            ("display_name", "x"),
            ("role", "admin"),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert_eq!(status, Status::Forbidden);
}

// ------------------------------------------------------------ CSRF

/// Every state-changing admin route, with a body complete but for the token.
fn post_routes(lesson: i64, revision: i64) -> Vec<(String, Vec<(&'static str, String)>)> {
    let l = lesson;
    let lesson_fields = || {
        vec![
            ("title", "Forged".to_string()),
            ("slug", "forged".into()),
            ("course_id", "1".into()),
            ("status", "published".into()),
            ("summary", "".into()),
            ("body_md", "forged".into()),
            ("version", "1".into()),
            ("action", "save".into()),
        ]
    };
    let course_fields = || {
        vec![
            ("title", "Forged".to_string()),
            ("slug", "forged".into()),
            ("summary", "".into()),
            ("body_md", "".into()),
            ("status", "published".into()),
        ]
    };
    vec![
        ("/admin/logout".into(), vec![]),
        ("/admin/lessons/new".into(), lesson_fields()),
        (format!("/admin/lessons/{l}/edit"), lesson_fields()),
        (
            format!("/admin/lessons/{l}/archive"),
            vec![("version", "1".into()), ("confirm", "yes".into())],
        ),
        (
            format!("/admin/lessons/{l}/unarchive"),
            vec![("version", "1".into())],
        ),
        (
            format!("/admin/lessons/{l}/move"),
            vec![("delta", "1".into())],
        ),
        (
            format!("/admin/lessons/{l}/revisions/{revision}/restore"),
            vec![("version", "1".into())],
        ),
        (format!("/admin/lessons/{l}/keep"), vec![]),
        ("/admin/courses/new".into(), course_fields()),
        ("/admin/courses/1/edit".into(), course_fields()),
        ("/admin/courses/1/move".into(), vec![("delta", "1".into())]),
        (
            "/admin/users/new".into(),
            vec![
                ("username", "mallory".into()),
                ("display_name", "M".into()),
                ("role", "admin".into()),
                ("password", PASSWORD.into()),
            ],
        ),
        (
            "/admin/users/1".into(),
            vec![("action", "disable".into()), ("confirm", "yes".into())],
        ),
        (
            "/admin/account/password".into(),
            vec![
                ("current_password", PASSWORD.into()),
                ("new_password", "a brand new passphrase".into()),
                ("new_password_again", "a brand new passphrase".into()),
            ],
        ),
        (
            "/admin/media".into(),
            vec![("file", "not really a file".into())],
        ),
        ("/admin/sync".into(), vec![]),
        // The editor's live preview and autosave (JSON), and discarding a draft.
        ("/admin/lessons/preview".into(), lesson_fields()),
        (
            format!("/admin/lessons/autosave?lesson={l}"),
            lesson_fields(),
        ),
        (
            "/admin/lessons/drafts/discard".into(),
            vec![("lesson", l.to_string()), ("confirm", "yes".into())],
        ),
        (
            format!("/admin/lessons/{l}/move-to"),
            vec![("position", "1".into())],
        ),
        (
            "/admin/media/upload.json".into(),
            vec![
                ("alt", "An image".into()),
                ("file", "not really a file".into()),
            ],
        ),
        (format!("/admin/media/{}/delete", "0".repeat(64)), vec![]),
        ("/admin/export".into(), vec![]),
    ]
}

#[rocket::async_test]
async fn every_admin_form_refuses_a_missing_or_wrong_csrf_token() {
    let (f, client) = admin_site("ada").await;
    let db = f.connect().await;
    let lesson = lesson_id(&f, "first-server").await;
    let revision = count(
        &db,
        &format!("SELECT MIN(id) FROM lesson_revisions WHERE lesson_id = {lesson}"),
    )
    .await;
    let routes = post_routes(lesson, revision);

    // The table covers every POST route of the admin (login and setup carry
    // their own tokens), so a new form cannot forget its check unnoticed.
    let mounted = client
        .rocket()
        .routes()
        .filter(|r| r.method == rocket::http::Method::Post && r.uri.path().starts_with("/admin"))
        .count();
    assert_eq!(
        routes.len() + 2,
        mounted,
        "a POST route is missing from this test's table"
    );

    let version = count(&db, "SELECT content_version FROM site_state").await;
    for (uri, fields) in &routes {
        for token in [None, Some("forged")] {
            let mut body: Vec<(&str, &str)> =
                fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            if let Some(t) = token {
                body.push(("csrf", t));
            }
            let (status, _, _) = post(&client, uri, &body).await;
            assert_eq!(status, Status::Forbidden, "{uri} with token {token:?}");
        }
    }
    assert_eq!(
        count(&db, "SELECT content_version FROM site_state").await,
        version,
        "nothing changed"
    );
    assert_eq!(count(&db, "SELECT COUNT(*) FROM users").await, 2);
    assert_eq!(
        get(&client, "/admin").await.0,
        Status::Ok,
        "still logged in"
    );
}

// ------------------------------------------------------------ editing

/// The titles of the rows of an admin lesson list, in order.
fn listed_titles(html: &str) -> Vec<String> {
    let body = &html[html.find("<tbody>").expect("the list's table")..];
    let body = &body[..body.find("</tbody>").unwrap()];
    let mut titles = Vec::new();
    let mut rest = body;
    while let Some(at) = rest.find("<a href=\"/admin/lessons/") {
        rest = &rest[at..];
        let open = rest.find('>').unwrap();
        let end = rest.find("</a>").unwrap();
        if rest[..open].ends_with("/edit\"") {
            titles.push(rest[open + 1..end].to_string());
        }
        rest = &rest[end..];
    }
    titles
}

#[rocket::async_test]
async fn the_lessons_list_filters_by_course_status_and_title() {
    let f = Fixture::new().await;
    f.write("alpha/_course.md", crate::common::course("Alpha"));
    f.write(
        "alpha/01-intro.md",
        crate::common::lesson("Intro to Alpha", "Hi."),
    );
    f.write(
        "alpha/02-setup.md",
        "+++\ntitle = \"Setup Steps\"\ndraft = true\n+++\n\nSteps.\n",
    );
    f.write(
        "alpha/03-retired.md",
        crate::common::lesson("Retired Notes", "Old."),
    );
    f.write("beta/_course.md", crate::common::course("Beta"));
    f.write(
        "beta/01-basics.md",
        crate::common::lesson("Beta Basics", "Hi."),
    );
    f.write(
        "beta/02-setup.md",
        "+++\ntitle = \"Setup for Beta\"\ndraft = true\n+++\n\nSteps.\n",
    );
    let db = f.connect().await;
    add_user(&db, "ada", Role::Admin).await;
    let client = f.client().await; // syncs the files
    f.remove("alpha/03-retired.md");
    let report = f.sync(&db).await;
    assert_eq!(report.archived.len(), 1, "{report:?}");
    assert_eq!(log_in(&client, "ada", PASSWORD).await, Status::SeeOther);
    let alpha = count(&db, "SELECT id FROM courses WHERE slug = 'alpha'").await;
    let beta = count(&db, "SELECT id FROM courses WHERE slug = 'beta'").await;

    let everything = [
        "Intro to Alpha",
        "Setup Steps",
        "Retired Notes",
        "Beta Basics",
        "Setup for Beta",
    ];
    let cases: Vec<(String, Vec<&str>)> = vec![
        (String::new(), everything.to_vec()),
        (
            format!("course={alpha}"),
            vec!["Intro to Alpha", "Setup Steps", "Retired Notes"],
        ),
        (
            format!("course={beta}"),
            vec!["Beta Basics", "Setup for Beta"],
        ),
        (
            "status=published".into(),
            vec!["Intro to Alpha", "Beta Basics"],
        ),
        ("status=draft".into(), vec!["Setup Steps", "Setup for Beta"]),
        ("status=archived".into(), vec!["Retired Notes"]),
        // Any status, any course: the form's empty choices filter nothing.
        ("course=&status=&q=".into(), everything.to_vec()),
        // Title contains, case-insensitively, across courses.
        ("q=SETUP".into(), vec!["Setup Steps", "Setup for Beta"]),
        ("q=basics".into(), vec!["Beta Basics"]),
        // Body text is not the title.
        ("q=steps.".into(), vec![]),
        // Filters combine.
        (
            format!("course={beta}&status=draft"),
            vec!["Setup for Beta"],
        ),
        (format!("course={alpha}&q=setup"), vec!["Setup Steps"]),
        (format!("course={alpha}&status=published&q=setup"), vec![]),
        (format!("course={beta}&status=archived"), vec![]),
    ];
    for (query, expected) in cases {
        let (status, html) = get(&client, &format!("/admin/lessons?{query}")).await;
        assert_eq!(status, Status::Ok, "{query}");
        assert_eq!(listed_titles(&html), expected, "?{query}");
        let n = expected.len();
        let total = format!("{n} lesson{}", if n == 1 { "" } else { "s" });
        assert!(html.contains(&total), "?{query}: {total}");
        if n == 0 {
            assert!(html.contains("No lessons match."), "?{query}");
        }
    }
}

/// Pages past the middle of a list are read from its end (the last of
/// 2,000 pages would otherwise skip 99,950 rows): every page, filtered or
/// not, still holds the same rows as the one order would, with lessons of
/// equal weight in slug order, each lesson once, and links to its neighbours.
#[rocket::async_test]
async fn every_page_of_the_lessons_list_holds_its_rows_in_the_lists_order() {
    let f = Fixture::new().await;
    for (course, n) in [("alpha", 70), ("beta", 64)] {
        f.write(
            &format!("{course}/_course.md"),
            crate::common::course(course),
        );
        for i in 0..n {
            // Three lessons share each weight; their slugs run against the
            // files' order, so only the slug orders them.
            let draft = if i % 4 == 3 { "draft = true\n" } else { "" };
            f.write(
                &format!("{course}/{i:03}.md"),
                format!(
                    "+++\ntitle = \"{course} {i}\"\nslug = \"s{:03}\"\nweight = {}\n{draft}+++\n\nText.\n",
                    999 - i,
                    i / 3
                ),
            );
        }
    }
    let db = f.connect().await;
    add_user(&db, "ada", Role::Admin).await;
    let client = f.client().await;
    assert_eq!(log_in(&client, "ada", PASSWORD).await, Status::SeeOther);
    let cases = [
        ("", "1 = 1", 134),
        ("status=published", "status = 'published'", 101),
        ("q=ALPHA", "title LIKE 'alpha%'", 70),
        (
            "status=draft&q=a%201",
            "title LIKE '%a 1%' AND status = 'draft'",
            6,
        ),
    ];
    for (query, condition, total) in cases {
        let expected: Vec<String> = db
            .query_all_raw(sea_orm::Statement::from_string(
                db.get_database_backend(),
                format!(
                    "SELECT title FROM lessons WHERE {condition} \
                     ORDER BY course_id, position, slug"
                ),
            ))
            .await
            .unwrap()
            .iter()
            .map(|r| r.try_get::<String>("", "title").unwrap())
            .collect();
        assert_eq!(expected.len(), total, "{condition}");
        let pages = total.div_ceil(50);
        let mut listed = Vec::new();
        for page in 1..=pages {
            let uri = format!("/admin/lessons?{query}&page={page}");
            let (status, html) = get(&client, &uri).await;
            assert_eq!(status, Status::Ok, "{uri}");
            let titles = listed_titles(&html);
            let first = (page - 1) * 50;
            assert_eq!(titles, expected[first..total.min(first + 50)], "{uri}");
            listed.extend(titles);
            if pages > 1 {
                assert!(
                    html.contains(&format!("{total} lessons, page {page} of {pages}.")),
                    "{uri}"
                );
            }
            assert_eq!(html.contains("rel=\"prev\""), page > 1, "{uri}");
            assert_eq!(html.contains("rel=\"next\""), page < pages, "{uri}");
        }
        assert_eq!(listed, expected, "?{query}");
    }
}

#[rocket::async_test]
async fn an_edit_is_on_the_public_page_at_once() {
    let (f, client) = admin_site("eve").await;
    let id = lesson_id(&f, "first-server").await;
    let page_uri = "/backend-dev/first-server/";
    // A reader on the same instance (the fixture's one database handle),
    // not logged in, has the page in its cache before the edit.
    let public = f.client().await;
    let (status, before) = get(&public, page_uri).await;
    assert_eq!(status, Status::Ok);
    assert!(
        before.contains("Your first HTTP server in Node")
            && before.contains("The smallest useful server")
    );
    // It is served from the cache: a change behind the site's back (plain
    // SQL, which tells no cache) does not show.
    let db = f.connect().await;
    db.execute_unprepared(&format!(
        "UPDATE lessons SET title = 'Changed behind the cache' WHERE id = {id}"
    ))
    .await
    .unwrap();
    let (status, cached) = get(&public, page_uri).await;
    assert_eq!(status, Status::Ok);
    assert!(
        cached.contains("Your first HTTP server in Node")
            && !cached.contains("Changed behind the cache"),
        "the reader's page comes from the cache"
    );
    db.execute_unprepared(&format!(
        "UPDATE lessons SET title = 'Your first HTTP server in Node' WHERE id = {id}"
    ))
    .await
    .unwrap();

    let fields = edit_form(&client, id).await;
    let (status, location, _) = post(
        &client,
        &format!("/admin/lessons/{id}/edit"),
        &with(
            &fields,
            &[
                ("title", "Your first server, revised"),
                ("body_md", "## New part\n\nFresh text."),
            ],
        ),
    )
    .await;
    assert_eq!(status, Status::SeeOther);
    assert_eq!(
        location,
        Some(format!("/admin/lessons/{id}/edit?saved=true"))
    );
    // The reader's cached page shows the edit on the very next request.
    let (status, html) = get(&public, page_uri).await;
    assert_eq!(status, Status::Ok);
    assert!(html.contains("Your first server, revised") && html.contains("Fresh text."));
    assert!(html.contains(r#"<h2 id="new-part">"#));
    assert!(
        !html.contains("Your first HTTP server in Node")
            && !html.contains("The smallest useful server"),
        "the old title and text are gone"
    );
    assert!(
        !html.contains("Edit this lesson"),
        "no edit link for the public"
    );
    let (_, own) = get(&client, "/backend-dev/first-server/").await;
    assert!(
        own.contains(&format!("/admin/lessons/{id}/edit")),
        "editors get an edit link"
    );
    let db = f.connect().await;
    assert_eq!(
        count(&db, &format!("SELECT version FROM lessons WHERE id = {id}")).await,
        2
    );
    assert_eq!(count(&db, &format!("SELECT COUNT(*) FROM lesson_revisions WHERE lesson_id = {id} AND origin = 'admin' AND author = 'eve'")).await, 1);
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'lesson.save' AND actor = 'eve'"
        )
        .await,
        1
    );
}

/// Every `<input type="hidden">` of a page, as (name, value).
pub(crate) fn hidden_inputs(html: &str) -> Vec<(String, String)> {
    html.split("<input type=\"hidden\" name=\"")
        .skip(1)
        .map(|rest| {
            let name = &rest[..rest.find('"').unwrap()];
            let value = &rest[rest.find("value=\"").unwrap() + 7..];
            (
                name.to_string(),
                unescape(&value[..value.find('"').unwrap()]),
            )
        })
        .collect()
}

/// The text of the `<textarea name="…">` on a page, as a browser reads it.
pub(crate) fn textarea(html: &str, name: &str) -> String {
    let at = html
        .find(&format!("name=\"{name}\""))
        .unwrap_or_else(|| panic!("no textarea {name}"));
    let body = &html[at + html[at..].find('>').unwrap() + 1..];
    let body = &body[..body.find("</textarea>").unwrap()];
    unescape(body.strip_prefix('\n').unwrap_or(body))
}

#[rocket::async_test]
async fn a_save_after_the_session_ended_keeps_the_text_through_a_new_login() {
    let (f, client) = admin_site("eve").await;
    let id = lesson_id(&f, "first-server").await;
    let db = f.connect().await;
    let fields = edit_form(&client, id).await;
    // The session ends while eve writes.
    db.execute_unprepared("UPDATE sessions SET expires_at = created_at")
        .await
        .unwrap();
    let text = "## Written late\n\nThe session ran out <while> I wrote & \"quoted\" it / here.\n";
    let edit = format!("/admin/lessons/{id}/edit");
    let (status, _, page) = post(
        &client,
        &edit,
        &with(&fields, &[("title", "Kept title"), ("body_md", text)]),
    )
    .await;
    // The login form, holding the text; nothing saved.
    assert_eq!(status, Status::Unauthorized);
    assert!(page.contains("Your session has ended"), "{page}");
    assert!(page.contains("action=\"/admin/login\""));
    assert_eq!(textarea(&page, "resume.body_md"), text);
    let resume = hidden_inputs(&page);
    let value = |name: &str| {
        resume
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(value("resume.title"), Some("Kept title"));
    assert_eq!(value("resume.lesson_id"), Some(id.to_string().as_str()));
    assert_eq!(value("resume.version"), Some("1"));
    assert_eq!(
        count(&db, &format!("SELECT version FROM lessons WHERE id = {id}")).await,
        1
    );

    // Logging in through that form, as a browser submits it.
    let body = textarea(&page, "resume.body_md");
    let mut login: Vec<(&str, &str)> = resume
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    login.extend([
        ("username", "eve"),
        ("password", PASSWORD),
        ("resume.body_md", body.as_str()),
    ]);
    let (status, _, editor) = post(&client, "/admin/login", &login).await;
    assert_eq!(status, Status::Ok);
    assert!(editor.contains("You are logged in again"), "{editor}");
    assert!(
        editor.contains(&format!("action=\"{edit}\"")),
        "the lesson's editor"
    );
    let resumed = editor_fields(&editor);
    let field = |name: &str| {
        resumed
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    assert_eq!(textarea(&editor, "body_md"), text);
    assert_eq!(field("title"), "Kept title");
    assert_eq!(field("version"), "1");
    // Saving from there saves the kept text.
    let (status, location, _) = post(&client, &edit, &with(&resumed, &[("body_md", text)])).await;
    assert_eq!(status, Status::SeeOther);
    assert_eq!(location, Some(format!("{edit}?saved=true")));
    let (_, public) = get(&f.client().await, "/backend-dev/first-server/").await;
    assert!(public.contains("Kept title") && public.contains("The session ran out"));
}

#[rocket::async_test]
async fn preview_renders_without_saving() {
    let (f, client) = admin_site("eve").await;
    let id = lesson_id(&f, "first-server").await;
    let fields = edit_form(&client, id).await;
    let (status, _, html) = post(
        &client,
        &format!("/admin/lessons/{id}/edit"),
        &with(
            &fields,
            &[
                ("action", "preview"),
                (
                    "body_md",
                    "Preview **only** [gone](99-nope.md)\n\n```js\nlet x = 1;\n```",
                ),
            ],
        ),
    )
    .await;
    assert_eq!(status, Status::Ok);
    assert!(html.contains("Preview <strong>only</strong>"), "{html}");
    assert!(
        html.contains("<span class=hk>"),
        "highlighted like the public page"
    );
    assert!(html.contains("99-nope.md"), "broken links are pointed out");
    assert_eq!(
        count(
            &f.connect().await,
            &format!("SELECT version FROM lessons WHERE id = {id}")
        )
        .await,
        1
    );
}

#[rocket::async_test]
async fn a_stale_save_is_refused_and_keeps_both_texts() {
    let (f, client) = admin_site("eve").await;
    let id = lesson_id(&f, "first-server").await;
    let fields = edit_form(&client, id).await;
    let uri = format!("/admin/lessons/{id}/edit");
    let (first, _, _) = post(
        &client,
        &uri,
        &with(&fields, &[("body_md", "First editor's text.")]),
    )
    .await;
    assert_eq!(first, Status::SeeOther);
    // A second save from the same version (another tab, another editor).
    let (second, _, html) = post(
        &client,
        &uri,
        &with(&fields, &[("body_md", "Second editor's text.")]),
    )
    .await;
    assert_eq!(second, Status::Conflict);
    assert!(html.contains("This lesson changed while you were editing"));
    let text = textarea(&html, "body_md");
    assert!(
        text.contains("<<<<<<< your text\nSecond editor's text.\n=======\nFirst editor's text.\n>>>>>>> version 2 by eve"),
        "the refused text stays in the form, beside the saved one, both named: {text}"
    );
    assert!(html.contains("First editor"), "the saved text is shown");
    assert!(
        html.contains("diff-added") && html.contains("diff-removed"),
        "with a diff"
    );
    let public = f.client().await;
    let (_, page) = get(&public, "/backend-dev/first-server/").await;
    assert!(
        page.contains("First editor") && !page.contains("Second editor"),
        "no silent overwrite"
    );
    let db = f.connect().await;
    assert_eq!(
        count(&db, &format!("SELECT version FROM lessons WHERE id = {id}")).await,
        2
    );
    assert_eq!(count(&db, "SELECT COUNT(*) FROM lesson_revisions WHERE body_md = 'Second editor''s text.' AND note LIKE 'not applied%'").await, 1, "the refused text is kept");
}

#[rocket::async_test]
async fn invalid_fields_are_refused_with_messages() {
    let (f, client) = admin_site("eve").await;
    let id = lesson_id(&f, "first-server").await;
    let fields = edit_form(&client, id).await;
    let uri = format!("/admin/lessons/{id}/edit");
    for (field, value, message) in [
        ("title", "   ", "a title is required"),
        ("slug", "install-node", "already used by"),
        ("slug", "Bad Slug", "lowercase"),
        ("slug", "../etc", ".."),
        ("slug", "all", "reserved"),
    ] {
        let (status, _, html) = post(&client, &uri, &with(&fields, &[(field, value)])).await;
        assert_eq!(status, Status::UnprocessableEntity, "{field}={value}");
        assert!(html.contains(message), "{field}={value}: {message}");
        assert!(html.contains("aria-invalid=\"true\""));
    }
    assert_eq!(
        count(
            &f.connect().await,
            &format!("SELECT version FROM lessons WHERE id = {id}")
        )
        .await,
        1
    );
}

#[rocket::async_test]
async fn markup_and_sql_in_every_field_are_inert() {
    let (f, client) = admin_site("eve").await;
    let token = csrf(&client).await;
    let hostile = "<script>alert(1)</script>'; DROP TABLE lessons; --";
    let (status, location, _) = post(
        &client,
        "/admin/lessons/new",
        &[
            ("csrf", &token),
            ("course_id", "1"),
            ("slug", "hostile"),
            ("title", hostile),
            ("summary", hostile),
            (
                "body_md",
                &format!("{hostile}\n\n<img src=x onerror=alert(2)> [x](javascript:alert(3))"),
            ),
            ("status", "published"),
            ("action", "save"),
        ],
    )
    .await;
    assert_eq!(status, Status::SeeOther, "saved");
    let edit_uri = location.unwrap();
    let db = f.connect().await;
    assert_eq!(count(&db, "SELECT COUNT(*) FROM lessons WHERE title = '<script>alert(1)</script>''; DROP TABLE lessons; --'").await, 1);
    for uri in [
        edit_uri.as_str(),
        "/admin",
        "/admin/lessons",
        "/backend-dev/hostile/",
        "/backend-dev/",
    ] {
        let (status, html) = get(&client, uri).await;
        assert_eq!(status, Status::Ok, "{uri}");
        if let Some(at) = html.find("<script>alert") {
            panic!("{uri}: {}", &html[at.saturating_sub(300)..at + 50]);
        }
        // The source may be shown escaped in the editor; never as live markup.
        assert!(
            !html.contains("<img src=x onerror") && !html.contains("href=\"javascript:"),
            "{uri}"
        );
    }
    let (_, public) = get(&client, "/backend-dev/hostile/").await;
    assert!(!public.contains("onerror") && !public.contains("javascript:"));
}

#[rocket::async_test]
async fn new_lessons_and_archive_and_restore_from_archive() {
    let (f, client) = admin_site("eve").await;
    let token = csrf(&client).await;
    let (status, location, _) = post(
        &client,
        "/admin/lessons/new",
        &[
            ("csrf", &token),
            ("course_id", "1"),
            ("slug", "testing"),
            ("title", "Testing your API"),
            ("summary", "Tests"),
            ("body_md", "## Why test\n\nBecause."),
            ("status", "published"),
            ("action", "save"),
        ],
    )
    .await;
    assert_eq!(status, Status::SeeOther);
    let id = location.unwrap().split('/').nth(3).unwrap().to_string();
    let public = f.client().await;
    assert_eq!(get(&public, "/backend-dev/testing/").await.0, Status::Ok);
    let (status, _, _) = post(
        &client,
        &format!("/admin/lessons/{id}/archive"),
        &[("csrf", &token), ("version", "1"), ("confirm", "yes")],
    )
    .await;
    assert_eq!(status, Status::SeeOther);
    assert_eq!(
        get(&public, "/backend-dev/testing/").await.0,
        Status::NotFound
    );
    let (_, editor_view) = get(&client, "/backend-dev/testing/").await;
    assert!(editor_view.contains("Archived"), "editors see it, marked");
    let (status, _, _) = post(
        &client,
        &format!("/admin/lessons/{id}/unarchive"),
        &[("csrf", &token), ("version", "2")],
    )
    .await;
    assert_eq!(status, Status::SeeOther);
    let (_, editor_view) = get(&client, "/backend-dev/testing/").await;
    assert!(editor_view.contains("Draft"));
    assert_eq!(
        get(&public, "/backend-dev/testing/").await.0,
        Status::NotFound,
        "back as a draft"
    );
}

/// Text as a browser shows it: tags dropped, Tera's escapes undone.
pub(crate) fn text_of(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    unescape(out.trim())
}

pub(crate) fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#x2F;", "/")
        .replace("&amp;", "&")
}

/// The history table's rows: each row's cells as text, and the row's links.
fn history_rows(html: &str) -> Vec<(Vec<String>, Vec<String>)> {
    let start = html.find("<tbody>").expect("a history table");
    let body = &html[start..start + html[start..].find("</tbody>").unwrap()];
    body.split("<tr")
        .skip(1)
        .map(|row| {
            let cells = row
                .split("<td")
                .skip(1)
                .map(|cell| {
                    let cell = &cell[cell.find('>').unwrap() + 1..];
                    text_of(&cell[..cell.find("</td>").unwrap()])
                })
                .collect();
            let links = row
                .split("href=\"")
                .skip(1)
                .map(|l| l[..l.find('"').unwrap()].to_string())
                .collect();
            (cells, links)
        })
        .collect()
}

/// The lines of a revision page's diff: (kind, text), in order.
fn diff_lines(html: &str) -> Vec<(String, String)> {
    html.split("<div class=\"diff-line diff-")
        .skip(1)
        .map(|line| {
            let kind = line[..line.find('"').unwrap()].to_string();
            let open = "<code class=\"diff-text\" role=\"cell\">";
            let code = &line[line.find(open).unwrap() + open.len()..];
            // Changed words are marked with <ins>/<del>: read the text alone.
            let text = code[..code.find("</code>").unwrap()]
                .replace("<ins>", "")
                .replace("</ins>", "")
                .replace("<del>", "")
                .replace("</del>", "");
            (kind, unescape(&text))
        })
        .collect()
}

#[rocket::async_test]
async fn history_shows_revisions_and_restore_makes_a_new_one() {
    let (f, client) = admin_site("eve").await;
    let id = lesson_id(&f, "first-server").await;
    let db = f.connect().await;
    let edit = format!("/admin/lessons/{id}/edit");
    // Two admin edits by two editors, after the git import.
    let fields = edit_form(&client, id).await;
    let (status, _, _) = post(
        &client,
        &edit,
        &with(
            &fields,
            &[("title", "Changed title"), ("body_md", "Changed body.\n")],
        ),
    )
    .await;
    assert_eq!(status, Status::SeeOther);
    let ada = f.client().await;
    assert_eq!(log_in(&ada, "ada", PASSWORD).await, Status::SeeOther);
    let fields = edit_form(&ada, id).await;
    let (status, _, _) = post(
        &ada,
        &edit,
        &with(
            &fields,
            &[
                ("title", "Changed title"),
                ("body_md", "Changed body.\n\nAda wrote this line.\n"),
            ],
        ),
    )
    .await;
    assert_eq!(status, Status::SeeOther);
    let revision = |version: i32| {
        let db = db.clone();
        async move {
            count(
                &db,
                &format!(
                    "SELECT id FROM lesson_revisions WHERE lesson_id = {id} AND version = {version}"
                ),
            )
            .await
        }
    };
    let (r1, r2, r3) = (revision(1).await, revision(2).await, revision(3).await);

    // The lesson's history: newest first, each with its version and who made
    // it where, each but the current one compared on its own page.
    let history = format!("/admin/lessons/{id}/history");
    let (status, html) = get(&client, &history).await;
    assert_eq!(status, Status::Ok);
    assert!(
        html.contains("<h1>History of “Changed title”</h1>"),
        "{html}"
    );
    assert!(html.contains("current version 3"));
    let rows = history_rows(&html);
    let summary: Vec<(Vec<&str>, &[String])> = rows
        .iter()
        .map(|(cells, links)| {
            (
                cells[..2].iter().map(String::as_str).collect(),
                links.as_slice(),
            )
        })
        .collect();
    let compare = |rev: i64| vec![format!("/admin/lessons/{id}/revisions/{rev}")];
    assert_eq!(
        summary,
        vec![
            (
                vec!["version 3 current", "Saved in the admin by ada"],
                [].as_slice()
            ),
            (
                vec!["version 2", "Saved in the admin by eve"],
                compare(r2).as_slice()
            ),
            (
                vec![
                    "version 1",
                    "Synced from the lesson’s filecreated from file"
                ],
                compare(r1).as_slice()
            ),
        ],
        "{html}"
    );

    // The git revision against the current text: its own origin, both
    // titles, and a diff from the file's text to the admins'.
    let (status, page) = get(&client, &format!("/admin/lessons/{id}/revisions/{r1}")).await;
    assert_eq!(status, Status::Ok);
    assert!(
        page.contains("<p>version 1 (on ")
            && page.contains("<span class=\"badge badge-git\">git</span>"),
        "{page}"
    );
    assert!(
        page.contains(
            "<tr><th scope=\"row\">Title</th><td class=\"diff-removed\">Your first HTTP server in Node</td>\
             <td class=\"diff-added\">Changed title</td></tr>"
        ),
        "both titles, in the comparison's fields: {page}"
    );
    let diff = diff_lines(&page);
    let of = |kind: &str| -> Vec<String> {
        diff.iter()
            .filter(|(k, t)| k == kind && !t.is_empty())
            .map(|(_, t)| t.clone())
            .collect()
    };
    assert_eq!(of("added"), ["Changed body.", "Ada wrote this line."]);
    let removed = of("removed");
    assert!(
        removed.contains(&"## The smallest useful server".to_string())
            && removed
                .iter()
                .any(|l| l.starts_with("Time to write some code.")),
        "{removed:?}"
    );
    assert!(of("same").is_empty(), "nothing in common: {diff:?}");
    // Its restore button restores this revision, from the current version.
    let restore = format!("/admin/lessons/{id}/revisions/{r1}/restore");
    let form_at = page
        .find(&format!("<form method=\"post\" action=\"{restore}\""))
        .expect("a restore form for this revision");
    assert!(page[form_at..].contains("name=\"version\" value=\"3\""));
    assert!(page[form_at..].contains("Restore version 1"));

    // Eve's revision: authored by eve, and its diff is only ada's line.
    let (_, page) = get(&client, &format!("/admin/lessons/{id}/revisions/{r2}")).await;
    assert!(page.contains("<p>version 2 (by eve on "), "{page}");
    assert!(!page.contains("<th scope=\"row\">Title</th>"), "same title");
    let diff = diff_lines(&page);
    assert_eq!(
        diff.iter()
            .filter(|(k, _)| k != "same")
            .map(|(k, t)| (k.as_str(), t.as_str()))
            .collect::<Vec<_>>(),
        [("added", ""), ("added", "Ada wrote this line.")],
        "{diff:?}"
    );
    // The current revision: nothing to compare.
    let (_, page) = get(&client, &format!("/admin/lessons/{id}/revisions/{r3}")).await;
    assert!(
        page.contains("This is the current version.") && page.contains("version 3 (by ada on ")
    );
    assert!(
        !page.contains("/restore\""),
        "no restore of the current version"
    );

    let token = hidden(&page, "csrf");
    let (status, location, _) =
        post(&client, &restore, &[("csrf", &token), ("version", "3")]).await;
    assert_eq!(status, Status::SeeOther);
    assert_eq!(
        location,
        Some(format!("/admin/lessons/{id}/edit?saved=true"))
    );
    let public = f.client().await;
    let (_, page) = get(&public, "/backend-dev/first-server/").await;
    assert!(page.contains("Your first HTTP server in Node") && !page.contains("Changed body."));
    // The restore is a new revision on top, by eve, saying what it restored.
    let (_, html) = get(&client, &history).await;
    let rows = history_rows(&html);
    assert_eq!(rows.len(), 4, "{html}");
    let top = &rows[0].0;
    assert_eq!(top[0], "version 4 current", "{html}");
    assert!(
        top[1].starts_with("An earlier version restored by eve"),
        "{html}"
    );
    assert!(top[1].ends_with("restored the text of version 1"), "{html}");
    assert!(html.contains(&format!("/admin/lessons/{id}/revisions/{r1}")));
    assert!(html.contains("<h1>History of “Your first HTTP server in Node”</h1>"));
    assert_eq!(count(&db, &format!("SELECT COUNT(*) FROM lesson_revisions WHERE lesson_id = {id} AND origin = 'restore'")).await, 1);
    assert_eq!(
        count(&db, &format!("SELECT version FROM lessons WHERE id = {id}")).await,
        4
    );
}

#[rocket::async_test]
async fn courses_and_lessons_can_be_reordered() {
    let (f, client) = admin_site("eve").await;
    let token = csrf(&client).await;
    let public = f.client().await;
    let (_, home) = get(&public, "/").await;
    assert!(home.find("/backend-dev/").unwrap() < home.find("/web-foundations/").unwrap());
    let web = count(
        &f.connect().await,
        "SELECT id FROM courses WHERE slug = 'web-foundations'",
    )
    .await;
    let (status, _, _) = post(
        &client,
        &format!("/admin/courses/{web}/move"),
        &[("csrf", &token), ("delta", "-1")],
    )
    .await;
    assert_eq!(status, Status::SeeOther);
    let (_, home) = get(&public, "/").await;
    assert!(home.find("/web-foundations/").unwrap() < home.find("/backend-dev/").unwrap());

    let second = lesson_id(&f, "install-node").await;
    post(
        &client,
        &format!("/admin/lessons/{second}/move"),
        &[("csrf", &token), ("delta", "-1")],
    )
    .await;
    let (_, outline) = get(&public, "/backend-dev/").await;
    assert!(
        outline.find("/backend-dev/install-node/").unwrap()
            < outline
                .find("/backend-dev/what-backend-developers-do/")
                .unwrap()
    );
}

#[rocket::async_test]
async fn courses_can_be_created_with_valid_slugs_only() {
    let (_f, client) = admin_site("eve").await;
    let token = csrf(&client).await;
    let course = |slug: &'static str| {
        vec![
            ("csrf", token.clone()),
            ("title", "Databases".into()),
            ("slug", slug.to_string()),
            ("summary", "".into()),
            ("body_md", "Intro".into()),
            ("status", "published".into()),
        ]
    };
    for bad in ["admin", "backend-dev", "Data Bases"] {
        let fields = course(bad);
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, _, _) = post(&client, "/admin/courses/new", &fields).await;
        assert_eq!(status, Status::UnprocessableEntity, "{bad}");
    }
    let fields = course("databases");
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        post(&client, "/admin/courses/new", &fields).await.0,
        Status::SeeOther
    );
    assert_eq!(get(&client, "/databases/").await.0, Status::Ok);
}

// ------------------------------------------------------------ sync runs

/// The cells of the row of `/admin/sync` that links to run `id`, as text.
fn sync_run_row(html: &str, id: i64) -> Vec<String> {
    let link = format!("<a href=\"/admin/sync/{id}\">");
    let at = html
        .find(&link)
        .unwrap_or_else(|| panic!("no row for run {id}: {html}"));
    let start = html[..at].rfind("<tr>").unwrap();
    let row = &html[start..at + html[at..].find("</tr>").unwrap()];
    row.split("<td>")
        .skip(1)
        .map(|cell| text_of(cell).trim().to_string())
        .collect()
}

#[rocket::async_test]
async fn the_sync_page_lists_each_run_with_its_counts_and_findings() {
    let f = Fixture::new().await;
    f.write("alpha/_course.md", crate::common::course("Alpha"));
    f.write("alpha/01-one.md", crate::common::lesson("One", "First."));
    f.write("alpha/02-two.md", crate::common::lesson("Two", "Second."));
    f.write(
        "alpha/03-three.md",
        crate::common::lesson("Three", "Third."),
    );
    let db = f.connect().await;
    add_user(&db, "ada", Role::Admin).await;
    let client = f.client().await; // the start-up sync: run 1
    assert_eq!(log_in(&client, "ada", PASSWORD).await, Status::SeeOther);
    let first = count(&db, "SELECT MAX(id) FROM sync_runs").await;

    // Run 2, from the Sync page: one lesson changed, one new file broken.
    f.write(
        "alpha/02-two.md",
        crate::common::lesson("Two", "Second, edited."),
    );
    f.write(
        "alpha/04-broken.md",
        "+++\ntitle = \"Broken\"\nlevel = \"expert\"\n+++\n\nBody.\n",
    );
    let token = csrf(&client).await;
    let (status, location, _) = post(&client, "/admin/sync", &[("csrf", &token)]).await;
    assert_eq!(status, Status::SeeOther);
    let second = count(&db, "SELECT MAX(id) FROM sync_runs").await;
    assert_ne!(first, second);
    assert_eq!(location, Some(format!("/admin/sync/{second}")));

    let (status, list) = get(&client, "/admin/sync").await;
    assert_eq!(status, Status::Ok);
    // Run, started by, started, created, updated, unchanged, archived,
    // conflicts, errors: the course and three lessons new in the first…
    let first_row = sync_run_row(&list, first);
    assert_eq!(first_row[1], "startup");
    assert_eq!(
        first_row[3..],
        ["4", "0", "0", "0", "0", "0"],
        "{first_row:?}"
    );
    // …one lesson updated, the course and two lessons unchanged and one
    // error in the second.
    let second_row = sync_run_row(&list, second);
    assert_eq!(second_row[1], "admin");
    assert_eq!(
        second_row[3..],
        ["0", "1", "3", "0", "0", "1"],
        "{second_row:?}"
    );

    // A run's own page: its counts and each finding with path, line and
    // message.
    let (status, run) = get(&client, &format!("/admin/sync/{second}")).await;
    assert_eq!(status, Status::Ok);
    for row in [
        "<th scope=\"row\">Created / updated / unchanged / archived</th><td>0 / 1 / 3 / 0</td>",
        "<th scope=\"row\">Errors</th><td>1</td>",
    ] {
        assert!(run.contains(row), "{row}: {run}");
    }
    let findings = &run[run.find("<h2>Findings</h2>").expect("findings")..];
    assert!(
        findings.contains(
            "<li><code>alpha/04-broken.md:3: error: field “level”: “expert” is not one of \
             beginner, intermediate, advanced</code></li>"
        ),
        "{findings}"
    );
    assert_eq!(findings.matches("<li>").count(), 1, "{findings}");
    // A clean run says so.
    let (status, clean) = get(&client, &format!("/admin/sync/{first}")).await;
    assert_eq!(status, Status::Ok);
    assert!(clean.contains("None: every file was fine."), "{clean}");
    assert!(!clean.contains("04-broken.md"));
}

// ------------------------------------------------------------ images

fn multipart(token: &str, filename: &str, bytes: &[u8]) -> (ContentType, Vec<u8>) {
    let boundary = "lecternboundary7MA4YWxk";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{token}\r\n")
            .as_bytes(),
    );
    // Alt text is required for every upload.
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"alt\"\r\n\r\nA test image\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: image/png\r\n\r\n").as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (
        ContentType::new("multipart", "form-data").with_params(("boundary", boundary)),
        body,
    )
}

#[rocket::async_test]
async fn images_are_checked_by_content_and_size() {
    let (_f, client) = admin_site("eve").await;
    let token = csrf(&client).await;
    let png = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/content/backend-dev/images/request-cycle.png"
    ))
    .unwrap();

    // Not byte-identical to the synced sample image, so it is stored anew.
    let png = [png.as_slice(), b"trailing bytes"].concat();
    let (ct, body) = multipart(&token, "diagram.png", &png);
    let res = client
        .post("/admin/media")
        .header(ct)
        .body(body)
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::SeeOther);
    let (_, page) = get(&client, "/admin/media").await;
    let start = page.find("](/media/").expect("markdown snippet") + 2;
    let url = &page[start..start + page[start..].find(')').unwrap()];
    assert!(url.ends_with("/diagram.png"));
    let served = client.get(url.to_string()).dispatch().await;
    assert_eq!(served.content_type(), Some(ContentType::PNG));

    let (ct, body) = multipart(&token, "fake.png", b"this is not an image at all");
    let res = client
        .post("/admin/media")
        .header(ct)
        .body(body)
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::UnprocessableEntity);
    assert!(res.into_string().await.unwrap().contains("not a PNG"));

    let huge = vec![0u8; 50 * 1024 * 1024];
    let (ct, body) = multipart(&token, "huge.png", &huge);
    let res = client
        .post("/admin/media")
        .header(ct)
        .body(body)
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::PayloadTooLarge);
}

/// A 1×1 baseline JPEG (JFIF, one grey pixel).
const JPEG: &[u8] = &[
    0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x01, 0x00, 0x48,
    0x00, 0x48, 0x00, 0x00, 0xFF, 0xDB, 0x00, 0x43, 0x00, 0x03, 0x02, 0x02, 0x02, 0x02, 0x02, 0x03,
    0x02, 0x02, 0x02, 0x03, 0x03, 0x03, 0x03, 0x04, 0x06, 0x04, 0x04, 0x04, 0x04, 0x04, 0x08, 0x06,
    0x06, 0x05, 0x06, 0x09, 0x08, 0x0A, 0x0A, 0x09, 0x08, 0x09, 0x09, 0x0A, 0x0C, 0x0F, 0x0C, 0x0A,
    0x0B, 0x0E, 0x0B, 0x09, 0x09, 0x0D, 0x11, 0x0D, 0x0E, 0x0F, 0x10, 0x10, 0x11, 0x10, 0x0A, 0x0C,
    0x12, 0x13, 0x12, 0x10, 0x13, 0x0F, 0x10, 0x10, 0x10, 0xFF, 0xC9, 0x00, 0x0B, 0x08, 0x00, 0x01,
    0x00, 0x01, 0x01, 0x01, 0x11, 0x00, 0xFF, 0xCC, 0x00, 0x06, 0x00, 0x10, 0x10, 0x05, 0xFF, 0xDA,
    0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00, 0xD2, 0xCF, 0x20, 0xFF, 0xD9,
];

/// A 1×1 GIF89a (one transparent pixel).
const GIF: &[u8] = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;";

/// A 1×1 lossless WebP.
const WEBP: &[u8] = b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00";

async fn upload(client: &Client, token: &str, filename: &str, bytes: &[u8]) -> (Status, String) {
    let (ct, body) = multipart(token, filename, bytes);
    let res = client
        .post("/admin/media")
        .header(ct)
        .body(body)
        .dispatch()
        .await;
    (res.status(), res.into_string().await.unwrap_or_default())
}

#[rocket::async_test]
async fn jpeg_gif_and_webp_are_accepted_by_their_bytes_and_served_with_their_type() {
    let (f, client) = admin_site("eve").await;
    let db = f.connect().await;
    let token = csrf(&client).await;
    let public = f.client().await;
    // Each sent as "photo.png" with the type image/png: the bytes decide.
    for (bytes, mime, ext) in [
        (JPEG, "image/jpeg", "jpg"),
        (GIF, "image/gif", "gif"),
        (WEBP, "image/webp", "webp"),
    ] {
        let (status, page) = upload(&client, &token, "photo.png", bytes).await;
        assert_eq!(status, Status::SeeOther, "{mime}: {page}");
        let hash = lectern::content::scan::hash_bytes(bytes);
        let (_, list) = get(&client, "/admin/media").await;
        let start = list
            .find(&format!("](/media/{hash}/"))
            .unwrap_or_else(|| panic!("{mime}: no markdown line in {list}"))
            + 2;
        let url = &list[start..start + list[start..].find(')').unwrap()];
        assert!(url.ends_with(&format!(".{ext}")), "{mime}: {url}");
        let res = public.get(url.to_string()).dispatch().await;
        assert_eq!(res.status(), Status::Ok, "{url}");
        assert_eq!(res.headers().get_one("Content-Type"), Some(mime), "{url}");
        assert_eq!(res.headers().get_one("Content-Disposition"), Some("inline"));
        assert_eq!(res.into_bytes().await.unwrap(), bytes, "{url}");
        assert_eq!(
            count(
                &db,
                &format!("SELECT COUNT(*) FROM media WHERE sha256 = '{hash}' AND content_type = '{mime}'")
            )
            .await,
            1
        );
    }
    // Named .png, but not an image, or an image of a type not accepted.
    let before = count(&db, "SELECT COUNT(*) FROM media").await;
    for bytes in [
        &b"<html><script>alert(document.cookie)</script></html>"[..],
        &b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"[..],
        &b"BM\x3a\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00\x28\x00\x00\x00\x01\x00\x00\x00\x01\x00\x00\x00\x01\x00\x18\x00\x00\x00\x00\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\x00"[..],
    ] {
        let (status, page) = upload(&client, &token, "innocent.png", bytes).await;
        assert_eq!(status, Status::UnprocessableEntity, "{:?}", &bytes[..4]);
        assert!(page.contains("This file is not a PNG, JPEG, GIF or WebP image."));
        let hash = lectern::content::scan::hash_bytes(bytes);
        assert_eq!(
            get(&public, &format!("/media/{hash}/innocent.png")).await.0,
            Status::NotFound
        );
    }
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM media").await,
        before,
        "nothing stored"
    );
}

// ------------------------------------------------------------ conflicts

#[rocket::async_test]
async fn a_file_change_after_an_admin_edit_is_a_conflict_and_both_texts_are_kept() {
    let (f, client) = admin_site("eve").await;
    let id = lesson_id(&f, "first-server").await;
    let fields = edit_form(&client, id).await;
    post(
        &client,
        &format!("/admin/lessons/{id}/edit"),
        &with(&fields, &[("body_md", "Admin text.")]),
    )
    .await;
    f.write(
        "backend-dev/03-first-server.md",
        "+++\ntitle = \"Your first HTTP server in Node\"\n+++\nFile text.\n",
    );
    let db = f.connect().await;
    let report = f.sync(&db).await;
    assert_eq!(report.conflicts, vec!["backend-dev/03-first-server.md"]);
    let public = f.client().await;
    let (_, page) = get(&public, "/backend-dev/first-server/").await;
    assert!(
        page.contains("Admin text.") && !page.contains("File text."),
        "the live text is the admin's"
    );
    let (_, dash) = get(&client, "/admin").await;
    assert!(dash.contains("Conflicts to resolve"));
    assert_eq!(f.sync(&db).await.conflicts.len(), 0, "reported once");

    // Take the file's text.
    let rev = count(
        &db,
        &format!("SELECT conflict_revision_id FROM lessons WHERE id = {id}"),
    )
    .await;
    let (_, diff) = get(&client, &format!("/admin/lessons/{id}/revisions/{rev}")).await;
    assert!(diff.contains("Take the file"));
    let version = count(&db, &format!("SELECT version FROM lessons WHERE id = {id}"))
        .await
        .to_string();
    let token = hidden(&diff, "csrf");
    let (status, _, _) = post(
        &client,
        &format!("/admin/lessons/{id}/revisions/{rev}/restore"),
        &[("csrf", &token), ("version", &version)],
    )
    .await;
    assert_eq!(status, Status::SeeOther);
    let (_, page) = get(&public, "/backend-dev/first-server/").await;
    assert!(page.contains("File text."));
    assert_eq!(
        count(
            &db,
            &format!(
                "SELECT COUNT(*) FROM lessons WHERE id = {id} AND conflict_revision_id IS NULL"
            )
        )
        .await,
        1
    );
    // In sync again: the next file change applies directly.
    f.write(
        "backend-dev/03-first-server.md",
        "+++\ntitle = \"Your first HTTP server in Node\"\n+++\nNewer file text.\n",
    );
    let report = f.sync(&db).await;
    assert_eq!(report.updated, vec!["backend-dev/03-first-server.md"]);
}

#[rocket::async_test]
async fn keeping_the_admin_text_closes_the_conflict() {
    let (f, client) = admin_site("eve").await;
    let id = lesson_id(&f, "first-server").await;
    let fields = edit_form(&client, id).await;
    post(
        &client,
        &format!("/admin/lessons/{id}/edit"),
        &with(&fields, &[("body_md", "Admin text.")]),
    )
    .await;
    f.write(
        "backend-dev/03-first-server.md",
        "+++\ntitle = \"X\"\n+++\nFile text.\n",
    );
    let db = f.connect().await;
    f.sync(&db).await;
    let token = csrf(&client).await;
    let (status, _, _) = post(
        &client,
        &format!("/admin/lessons/{id}/keep"),
        &[("csrf", &token)],
    )
    .await;
    assert_eq!(status, Status::SeeOther);
    assert_eq!(
        count(
            &db,
            &format!(
                "SELECT COUNT(*) FROM lessons WHERE id = {id} AND conflict_revision_id IS NULL"
            )
        )
        .await,
        1
    );
    assert_eq!(count(&db, "SELECT COUNT(*) FROM lesson_revisions WHERE body_md = 'File text.\n' AND origin = 'conflict'").await, 1, "the file's text stays in the history");
}

#[rocket::async_test]
async fn admin_pages_send_security_headers() {
    let (_f, client) = admin_site("ada").await;
    for uri in ["/admin", "/admin/lessons", "/admin/users", "/admin/login"] {
        let res = client.get(uri).dispatch().await;
        let csp = res
            .headers()
            .get_one("Content-Security-Policy")
            .unwrap_or_default()
            .to_string();
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{uri}"
        );
        assert_eq!(res.headers().get_one("X-Frame-Options"), Some("DENY"));
    }
}

#[rocket::async_test]
async fn a_role_that_is_missing_or_misspelled_changes_nobody() {
    let (f, client) = admin_site("ada").await;
    let db = f.connect().await;
    let token = csrf(&client).await;
    add_user(&db, "bob", Role::Admin).await;
    let bob = count(&db, "SELECT id FROM users WHERE username = 'bob'").await;
    for role in ["", "Admin ", "owner"] {
        let (status, _, page) = post(
            &client,
            &format!("/admin/users/{bob}"),
            &[("csrf", &token), ("action", "role"), ("role", role)],
        )
        .await;
        assert_eq!(status, Status::UnprocessableEntity, "{role:?}");
        assert!(page.contains("Choose a role."), "{page}");
    }
    let admins = "SELECT COUNT(*) FROM users WHERE role = 'admin'";
    assert_eq!(count(&db, admins).await, 2, "bob is still an admin");
    // A new user with a made-up role is refused, not made an editor.
    let (status, _, _) = post(
        &client,
        "/admin/users/new",
        &[
            ("csrf", &token),
            ("username", " Zed "),
            ("display_name", "Zed"),
            ("role", "root"),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert_eq!(status, Status::UnprocessableEntity);
    let (status, _, _) = post(
        &client,
        "/admin/users/new",
        &[
            ("csrf", &token),
            ("username", " Zed "),
            ("display_name", "Zed"),
            ("role", "editor"),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert_eq!(status, Status::SeeOther);
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM users WHERE username = 'zed'").await,
        1
    );
}

/// A run whose stored report cannot be read is an error page, never a run
/// that says every file was fine.
#[rocket::async_test]
async fn a_sync_run_whose_report_cannot_be_read_is_an_error() {
    use sea_orm::ConnectionTrait;
    let f = Fixture::with_sample_content().await;
    let db = f.connect().await;
    add_user(&db, "ada", Role::Admin).await;
    let client = f.client().await;
    assert_eq!(log_in(&client, "ada", PASSWORD).await, Status::SeeOther);
    let id = count(&db, "SELECT MAX(id) FROM sync_runs").await;
    assert_eq!(
        get(&client, &format!("/admin/sync/{id}")).await.0,
        Status::Ok
    );
    db.execute_unprepared(&format!(
        "UPDATE sync_runs SET report = 'not a report' WHERE id = {id}"
    ))
    .await
    .unwrap();
    let (status, page) = get(&client, &format!("/admin/sync/{id}")).await;
    assert_eq!(status, Status::InternalServerError);
    assert!(!page.contains("every file was fine"), "{page}");
}
