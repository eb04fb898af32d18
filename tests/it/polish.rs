//! The admin's rough edges, smoothed: archiving and disabling ask first on a
//! page of their own; a lesson's states are "version N" everywhere; messages
//! quote values with “…”, never backticks; the audit log reads as linked
//! sentences; the login form keeps the username after a wrong password;
//! every user can change their own password; admin pages fit a phone.

use lectern::db::entity::Role;
use rocket::http::Status;
use rocket::local::asynchronous::Client;

use crate::common::{add_user, count, csrf, get, hidden, log_in, post, Fixture, PASSWORD};

const ADA: &str = "Ada Lovelace";

/// The sample site with an admin `ada` ("Ada Lovelace") and an editor `eve`,
/// and a client logged in as ada.
async fn site() -> (Fixture, Client) {
    let f = Fixture::with_sample_content().await;
    let client = f.client().await;
    let db = f.connect().await;
    lectern::accounts::users::create(&db, "ada", ADA, Role::Admin, PASSWORD)
        .await
        .unwrap();
    add_user(&db, "eve", Role::Editor).await;
    assert_eq!(log_in(&client, "ada", PASSWORD).await, Status::SeeOther);
    (f, client)
}

async fn lesson_id(f: &Fixture, slug: &str) -> i64 {
    let sql = format!("SELECT id FROM lessons WHERE slug = '{slug}'");
    count(&f.connect().await, &sql).await
}

async fn user_id(f: &Fixture, name: &str) -> String {
    let sql = format!("SELECT id FROM users WHERE username = '{name}'");
    count(&f.connect().await, &sql).await.to_string()
}

/// Saves lesson `id` through the editor's form with a new title.
async fn save_title(client: &Client, f: &Fixture, id: i64, title: &str) -> i32 {
    let db = f.connect().await;
    let lesson = lectern::db::lessons::by_id(&db, id as i32)
        .await
        .unwrap()
        .unwrap();
    let token = csrf(client).await;
    let (version, course) = (lesson.version.to_string(), lesson.course_id.to_string());
    let (status, _, page) = post(
        client,
        &format!("/admin/lessons/{id}/edit"),
        &[
            ("csrf", &token),
            ("version", &version),
            ("course_id", &course),
            ("slug", &lesson.slug),
            ("title", title),
            ("summary", &lesson.summary),
            ("body_md", &lesson.body_md),
            ("status", "published"),
            ("action", "save"),
        ],
    )
    .await;
    assert_eq!(status, Status::SeeOther, "saved: {page}");
    lesson.version + 1
}

/// A page's HTML with Tera's escapes of plain characters undone (it writes
/// `/` as `&#x2F;`), so assertions read like the page.
fn unescape(html: &str) -> String {
    html.replace("&#x2F;", "/")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
}

async fn get_text(client: &Client, uri: &str) -> (Status, String) {
    let (status, body) = get(client, uri).await;
    (status, unescape(&body))
}

async fn post_text(
    client: &Client,
    uri: &str,
    fields: &[(&str, &str)],
) -> (Status, Option<String>, String) {
    let (status, location, body) = post(client, uri, fields).await;
    (status, location, unescape(&body))
}

/// The page's text without its tags (what a reader sees, roughly).
fn text_of(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

// ------------------------------------------------------------ confirmations

#[rocket::async_test]
async fn archiving_asks_first_and_a_post_without_confirm_changes_nothing() {
    let (f, client) = site().await;
    let db = f.connect().await;
    let id = lesson_id(&f, "install-node").await;
    let status_of = || {
        let db = db.clone();
        async move {
            count(
                &db,
                &format!("SELECT COUNT(*) FROM lessons WHERE id = {id} AND status = 'archived'"),
            )
            .await
        }
    };

    // The editor's button is a link to a page that asks; no form posts from it.
    let (_, editor) = get_text(&client, &format!("/admin/lessons/{id}/edit")).await;
    assert!(
        editor.contains(&format!("href=\"/admin/lessons/{id}/archive\"")),
        "{editor}"
    );
    assert!(!editor.contains(&format!("action=\"/admin/lessons/{id}/archive\"")));

    let (status, page) = get_text(&client, &format!("/admin/lessons/{id}/archive")).await;
    assert_eq!(status, Status::Ok);
    assert!(page.contains("Archive “Installing Node.js”?"), "{page}");
    assert!(page.contains("Learners will no longer see it"), "{page}");
    assert!(page.contains("name=\"confirm\" value=\"yes\""), "{page}");
    assert!(
        page.contains(&format!("href=\"/admin/lessons/{id}/edit\">Cancel</a>")),
        "{page}"
    );
    assert_eq!(status_of().await, 0, "asking changes nothing");

    // An old form (or any POST) without confirm=yes only shows the question.
    let token = csrf(&client).await;
    let version = hidden(&page, "version");
    let uri = format!("/admin/lessons/{id}/archive");
    for confirm in [None, Some("no"), Some("")] {
        let mut fields = vec![("csrf", token.as_str()), ("version", version.as_str())];
        fields.extend(confirm.map(|c| ("confirm", c)));
        let (status, _, again) = post_text(&client, &uri, &fields).await;
        assert_eq!(status, Status::Ok, "{confirm:?}");
        assert!(again.contains("Archive “Installing Node.js”?"), "{again}");
        assert_eq!(
            status_of().await,
            0,
            "not archived with confirm {confirm:?}"
        );
    }
    assert_eq!(
        get_text(&f.client().await, "/backend-dev/install-node/")
            .await
            .0,
        Status::Ok
    );

    let (status, location, _) = post_text(
        &client,
        &uri,
        &[("csrf", &token), ("version", &version), ("confirm", "yes")],
    )
    .await;
    assert_eq!(status, Status::SeeOther);
    assert_eq!(
        location.as_deref(),
        Some(format!("/admin/lessons/{id}/edit?saved=true").as_str())
    );
    assert_eq!(status_of().await, 1, "archived once confirmed");
}

#[rocket::async_test]
async fn disabling_a_user_asks_first_and_acts_only_when_confirmed() {
    let (f, ada) = site().await;
    let eve = f.client().await;
    assert_eq!(log_in(&eve, "eve", PASSWORD).await, Status::SeeOther);
    let eve_id = user_id(&f, "eve").await;

    let (_, users) = get_text(&ada, "/admin/users").await;
    assert!(
        users.contains(&format!("href=\"/admin/users/{eve_id}/disable\"")),
        "{users}"
    );
    let (status, page) = get_text(&ada, &format!("/admin/users/{eve_id}/disable")).await;
    assert_eq!(status, Status::Ok);
    assert!(page.contains("Disable the account of eve (eve)?"), "{page}");
    assert!(page.contains("will be logged out at once"), "{page}");
    assert!(page.contains("href=\"/admin/users\">Cancel</a>"), "{page}");

    let token = csrf(&ada).await;
    let uri = format!("/admin/users/{eve_id}");
    let (status, _, again) =
        post_text(&ada, &uri, &[("csrf", &token), ("action", "disable")]).await;
    assert_eq!(status, Status::Ok);
    assert!(again.contains("Disable the account of eve"), "{again}");
    assert_eq!(
        get_text(&eve, "/admin").await.0,
        Status::Ok,
        "eve is still in"
    );
    let disabled = "SELECT COUNT(*) FROM users WHERE username = 'eve' AND disabled = TRUE";
    assert_eq!(count(&f.connect().await, disabled).await, 0);

    let (status, _, _) = post_text(
        &ada,
        &uri,
        &[("csrf", &token), ("action", "disable"), ("confirm", "yes")],
    )
    .await;
    assert_eq!(status, Status::SeeOther);
    assert_eq!(count(&f.connect().await, disabled).await, 1);
    assert_eq!(
        get_text(&eve, "/admin").await.0,
        Status::SeeOther,
        "eve is out"
    );
}

// ------------------------------------------------------------ one word for versions

#[rocket::async_test]
async fn the_history_speaks_of_versions_and_offers_no_compare_on_the_current_one() {
    let (f, client) = site().await;
    let id = lesson_id(&f, "install-node").await;
    let saved = save_title(&client, &f, id, "Installing Node.js today").await;

    let (status, html) = get_text(&client, &format!("/admin/lessons/{id}/history")).await;
    assert_eq!(status, Status::Ok);
    let text = text_of(&html);
    assert!(
        !text.to_lowercase().contains("revision"),
        "only “version” wording: {text}"
    );
    assert!(text.contains(&format!("version {saved}")), "{text}");
    assert!(
        text.contains(&format!("Saved in the admin by {ADA}")),
        "{text}"
    );
    assert!(text.contains("Synced from the lesson’s file"), "{text}");

    let body = &html[html.find("<tbody>").unwrap()..html.find("</tbody>").unwrap()];
    let rows: Vec<&str> = body.split("<tr").skip(1).collect();
    assert_eq!(rows.len(), 2, "{body}");
    let current: Vec<&&str> = rows.iter().filter(|r| r.contains(">current<")).collect();
    assert_eq!(current.len(), 1, "one current version: {body}");
    assert!(current[0].contains(&format!("version {saved}")));
    assert!(
        !current[0].contains("Compare with current"),
        "no compare on the current version: {}",
        current[0]
    );
    let older = rows.iter().find(|r| !r.contains(">current<")).unwrap();
    assert!(older.contains("Compare with current"), "{older}");

    // The older version's own page is titled by its version.
    let link = &older[older.find("href=\"").unwrap() + 6..];
    let link = &link[..link.find('"').unwrap()];
    let (status, page) = get_text(&client, link).await;
    assert_eq!(status, Status::Ok);
    assert!(
        page.contains(&format!(
            "<h1>Version {} of “Installing Node.js today”</h1>",
            saved - 1
        )),
        "{page}"
    );
}

// ------------------------------------------------------------ plain messages

#[rocket::async_test]
async fn messages_quote_values_without_backticks() {
    let (f, client) = site().await;
    let token = csrf(&client).await;

    // A bad slug saved in the admin.
    let course = count(
        &f.connect().await,
        "SELECT id FROM courses WHERE slug = 'backend-dev'",
    )
    .await
    .to_string();
    let (status, _, page) = post_text(
        &client,
        "/admin/lessons/new",
        &[
            ("csrf", &token),
            ("course_id", &course),
            ("slug", "Testing Basics"),
            ("title", "Testing Basics"),
            ("summary", "About tests"),
            ("body_md", "Some text."),
            ("status", "draft"),
            ("action", "save"),
        ],
    )
    .await;
    assert_eq!(status, Status::UnprocessableEntity);
    assert!(
        page.contains("slug “Testing Basics” must be lowercase; try “testing-basics”"),
        "{page}"
    );
    assert!(!page.contains("`Testing Basics`"), "{page}");

    // A username that is taken.
    let (status, _, page) = post_text(
        &client,
        "/admin/users/new",
        &[
            ("csrf", &token),
            ("username", "eve"),
            ("display_name", "Another Eve"),
            ("role", "editor"),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert_eq!(status, Status::UnprocessableEntity);
    assert!(
        page.contains("The username “eve” is already taken; choose another."),
        "{page}"
    );
    assert!(!page.contains('`'), "{page}");

    // A prerequisite that is not a lesson.
    let id = lesson_id(&f, "install-node").await;
    let db = f.connect().await;
    let lesson = lectern::db::lessons::by_id(&db, id as i32)
        .await
        .unwrap()
        .unwrap();
    let (version, course) = (lesson.version.to_string(), lesson.course_id.to_string());
    let (status, _, page) = post_text(
        &client,
        &format!("/admin/lessons/{id}/edit"),
        &[
            ("csrf", &token),
            ("version", &version),
            ("course_id", &course),
            ("slug", &lesson.slug),
            ("title", &lesson.title),
            ("summary", &lesson.summary),
            ("body_md", &lesson.body_md),
            ("status", "published"),
            ("duration", ""),
            ("level", ""),
            ("publish_at", ""),
            ("prerequisites", "Not A Lesson\nweb-foundations/nope"),
            ("action", "save"),
        ],
    )
    .await;
    assert_eq!(status, Status::UnprocessableEntity);
    assert!(page.contains("“Not A Lesson” is not a lesson"), "{page}");
    assert!(
        page.contains("there is no lesson “web-foundations/nope”"),
        "{page}"
    );
    assert!(!page.contains("`Not A Lesson`"), "{page}");

    // A bad file synced: every finding in the report quotes with “…”.
    f.write(
        "backend-dev/07-bad.md",
        "+++\ntitle = \"Bad\"\nslug = \"Bad Slug\"\ncolour = \"red\"\n+++\n\nText.\n",
    );
    f.write(
        "backend-dev/08-links.md",
        "+++\ntitle = \"Links\"\nlevel = \"expert\"\n+++\n\nSee [gone](99-missing.md).\n",
    );
    f.write(
        "backend-dev/09-links.md",
        "+++\ntitle = \"More links\"\n+++\n\nSee [gone](99-missing.md) and ![x](images/none.png).\n",
    );
    let report = f.sync(&db).await;
    let findings: Vec<String> = report.diagnostics.iter().map(|d| d.to_string()).collect();
    for expected in [
        "backend-dev/07-bad.md:1: error: field “slug”: slug “Bad Slug” must be lowercase; try “bad-slug”",
        "backend-dev/08-links.md:3: error: field “level”: “expert” is not one of beginner, intermediate, advanced",
        "link to a missing file: “99-missing.md”",
        "image not found: “",
        "none.png”",
    ] {
        assert!(
            findings.iter().any(|d| d.contains(expected)),
            "{expected} in {findings:#?}"
        );
    }
    for finding in &findings {
        assert!(!finding.contains('`'), "{finding}");
    }
    // The admin's page of that run shows the same words.
    let (_, run) = get_text(&client, &format!("/admin/sync/{}", report.run_id.unwrap())).await;
    assert!(run.contains("slug “Bad Slug” must be lowercase"), "{run}");
}

// ------------------------------------------------------------ the audit log

#[rocket::async_test]
async fn the_audit_log_reads_as_sentences_that_link_their_targets() {
    let (f, client) = site().await;
    let id = lesson_id(&f, "install-node").await;
    let saved = save_title(&client, &f, id, "Install Node.js").await;
    let token = csrf(&client).await;
    let (status, _, _) = post_text(
        &client,
        &format!("/admin/lessons/{id}/move"),
        &[("csrf", &token), ("delta", "1")],
    )
    .await;
    assert_eq!(status, Status::SeeOther);
    // A target that no longer exists, and an action the page does not know.
    let db = f.connect().await;
    lectern::accounts::audit::record(&db, "ada", "lesson.archive", "lesson 9999", "")
        .await
        .unwrap();
    lectern::accounts::audit::record(&db, "ada", "lesson.teleport", "/x/y/", "far")
        .await
        .unwrap();

    let (status, html) = get_text(&client, "/admin/audit").await;
    assert_eq!(status, Status::Ok);
    let editor = format!("<a href=\"/admin/lessons/{id}/edit\">Install Node.js</a>");
    assert!(
        html.contains(&format!(
            "<strong>{ADA}</strong> saved “{editor}” (version {saved})</p>"
        )),
        "{html}"
    );
    assert!(
        html.contains(&format!(
            "<strong>{ADA}</strong> moved the lesson “{editor}” down one place, to position 3</p>"
        )),
        "{html}"
    );
    assert!(
        html.contains(&format!("<strong>{ADA}</strong> logged in from ")),
        "{html}"
    );
    assert!(
        html.contains("archived a lesson that no longer exists (lesson 9999)</p>"),
        "{html}"
    );
    assert!(
        html.contains("did “lesson teleport” to /x/y/ (far)</p>"),
        "{html}"
    );
    let text = text_of(&html);
    assert!(
        !text.contains("by 1") && !text.contains("lesson.save"),
        "{text}"
    );
    assert!(html.contains("<time datetime=\""), "{html}");
}

// ------------------------------------------------------------ login

#[rocket::async_test]
async fn a_wrong_password_keeps_the_username_but_not_the_password() {
    let f = Fixture::with_sample_content().await;
    let client = f.client().await;
    add_user(&f.connect().await, "ada", Role::Admin).await;
    let (_, page) = get_text(&client, "/admin/login").await;
    let token = hidden(&page, "login_csrf");
    let wrong = "not-the-password-123";
    let (status, _, body) = post_text(
        &client,
        "/admin/login",
        &[
            ("username", " ada "),
            ("password", wrong),
            ("login_csrf", &token),
            ("next", "/admin/lessons"),
        ],
    )
    .await;
    assert_eq!(status, Status::Unauthorized);
    assert!(body.contains("wrong username or password"), "{body}");
    let username = &body[body.find("id=\"username\"").expect("username field")..];
    let username = &username[..username.find('>').unwrap()];
    assert!(username.contains("value=\"ada\""), "{username}");
    assert!(username.contains("aria-describedby=\"login-error\""));
    let password = &body[body.find("id=\"password\"").expect("password field")..];
    let password = &password[..password.find('>').unwrap()];
    assert!(
        password.contains("autofocus") && !password.contains("value="),
        "{password}"
    );
    assert!(!body.contains(wrong), "the password never comes back");
    assert!(body.contains("name=\"next\" value=\"/admin/lessons\""));
    // The kept form logs in.
    let token = hidden(&body, "login_csrf");
    let (status, location, _) = post_text(
        &client,
        "/admin/login",
        &[
            ("username", "ada"),
            ("password", PASSWORD),
            ("login_csrf", &token),
            ("next", "/admin/lessons"),
        ],
    )
    .await;
    assert_eq!(status, Status::SeeOther);
    assert_eq!(location.as_deref(), Some("/admin/lessons"));
}

// ------------------------------------------------------------ your password

#[rocket::async_test]
async fn users_change_their_own_password_and_their_other_sessions_end() {
    let (f, here) = site().await;
    let elsewhere = f.client().await;
    assert_eq!(log_in(&elsewhere, "ada", PASSWORD).await, Status::SeeOther);
    let (status, page) = get_text(&here, "/admin/account").await;
    assert_eq!(status, Status::Ok);
    assert!(page.contains("Change your password"), "{page}");
    assert!(
        page.contains("href=\"/admin/account\""),
        "the header links to the account page"
    );
    let token = csrf(&here).await;
    let new = "a brand new passphrase";
    let change = |current: &'static str, new: &'static str, again: &'static str| {
        let token = token.clone();
        let here = &here;
        async move {
            post_text(
                here,
                "/admin/account/password",
                &[
                    ("csrf", &token),
                    ("current_password", current),
                    ("new_password", new),
                    ("new_password_again", again),
                ],
            )
            .await
        }
    };

    let (status, _, page) = change("wrong current password", new, new).await;
    assert_eq!(status, Status::UnprocessableEntity);
    assert!(
        page.contains("Your current password is not right"),
        "{page}"
    );
    assert!(page.contains("aria-invalid=\"true\""), "{page}");
    let (status, _, page) = change(PASSWORD, new, "a brand new passphrasE").await;
    assert_eq!(status, Status::UnprocessableEntity);
    assert!(page.contains("The two new passwords differ"), "{page}");
    let (status, _, page) = change(PASSWORD, "short", "short").await;
    assert_eq!(status, Status::UnprocessableEntity);
    assert!(
        page.contains("The password needs at least 10 characters."),
        "{page}"
    );
    // Nothing changed so far: both sessions live, the old password works.
    assert_eq!(get_text(&elsewhere, "/admin").await.0, Status::Ok);
    assert_eq!(
        log_in(&f.client().await, "ada", PASSWORD).await,
        Status::SeeOther
    );
    let third = f.client().await;
    assert_eq!(log_in(&third, "ada", PASSWORD).await, Status::SeeOther);

    let (status, _, page) = change(PASSWORD, new, new).await;
    assert_eq!(status, Status::Ok, "{page}");
    assert!(page.contains("Your password is changed."), "{page}");
    assert!(
        page.contains("your 3 other sessions (other browsers or devices) were logged out"),
        "{page}"
    );
    assert_eq!(
        get_text(&here, "/admin").await.0,
        Status::Ok,
        "this one stays"
    );
    assert_eq!(get_text(&elsewhere, "/admin").await.0, Status::SeeOther);
    assert_eq!(get_text(&third, "/admin").await.0, Status::SeeOther);
    assert_eq!(
        log_in(&f.client().await, "ada", PASSWORD).await,
        Status::Unauthorized
    );
    assert_eq!(
        log_in(&f.client().await, "ada", new).await,
        Status::SeeOther
    );
    let (_, audit) = get_text(&here, "/admin/audit").await;
    assert!(
        audit.contains(&format!(
            "<strong>{ADA}</strong> changed their own password and ended 3 other sessions"
        )),
        "{audit}"
    );
}

#[rocket::async_test]
async fn guessing_the_current_password_meets_the_login_limits() {
    let (_f, client) = site().await;
    let token = csrf(&client).await;
    let mut statuses = Vec::new();
    for current in [
        "guess number 1",
        "guess number 2",
        "guess number 3",
        "guess number 4",
        "guess number 5",
        PASSWORD,
    ] {
        let (status, _, _) = post_text(
            &client,
            "/admin/account/password",
            &[
                ("csrf", &token),
                ("current_password", current),
                ("new_password", "a brand new passphrase"),
                ("new_password_again", "a brand new passphrase"),
            ],
        )
        .await;
        statuses.push(status);
    }
    // Five wrong guesses use up the account's window of the login limits:
    // the sixth is refused even with the right password.
    assert_eq!(
        statuses,
        [
            [Status::UnprocessableEntity; 5].as_slice(),
            &[Status::TooManyRequests]
        ]
        .concat()
    );
}

// ------------------------------------------------------------ a phone's width

#[rocket::async_test]
async fn admin_pages_fit_a_phone_without_sideways_scrolling() {
    use crate::browser::{
        click_button, expect_heading, require_browsers, save_evidence, type_into, ChromeDriver,
        Server,
    };
    if !require_browsers() {
        return;
    }
    let f = Fixture::with_sample_content().await;
    let server = Server::start(&f);
    let driver = ChromeDriver::start();
    let c = driver.connect(f.dir.path(), true).await;
    let outcome = async {
        c.set_window_size(390, 844).await?;
        c.goto(&format!("{}{}", server.base, server.setup_path))
            .await?;
        type_into(&c, "#username", "ada").await?;
        type_into(&c, "#display_name", ADA).await?;
        type_into(&c, "#password", PASSWORD).await?;
        type_into(&c, "#password_again", PASSWORD).await?;
        click_button(&c, "Create admin").await?;
        expect_heading(&c, "Dashboard").await?;
        let id = lesson_id(&f, "install-node").await;
        let mut widths = Vec::new();
        for path in [
            "/admin/lessons".to_string(),
            "/admin/users".to_string(),
            "/admin/audit".to_string(),
            format!("/admin/lessons/{id}/history"),
            "/admin/media".to_string(),
            "/admin/courses".to_string(),
            "/admin/account".to_string(),
            format!("/admin/lessons/{id}/archive"),
        ] {
            c.goto(&format!("{}{path}", server.base)).await?;
            let seen = c
                .execute(
                    "return [document.documentElement.scrollWidth, window.innerWidth, \
                     document.querySelector('h1') ? document.querySelector('h1').textContent : ''];",
                    vec![],
                )
                .await?;
            let scroll = seen[0].as_u64().unwrap_or(u64::MAX);
            let inner = seen[1].as_u64().unwrap_or(0);
            anyhow::ensure!(
                inner <= 400,
                "the window is {inner} px wide, not a phone's 390"
            );
            anyhow::ensure!(
                !seen[2].as_str().unwrap_or("").is_empty(),
                "{path} shows no heading"
            );
            widths.push((path, scroll, inner));
        }
        let too_wide: Vec<_> = widths.iter().filter(|(_, s, i)| s > i).collect();
        anyhow::ensure!(
            too_wide.is_empty(),
            "pages wider than the screen: {too_wide:?}"
        );
        anyhow::Ok(())
    }
    .await;
    let evidence = match &outcome {
        Err(_) => save_evidence(&c).await,
        Ok(()) => String::new(),
    };
    let _ = c.close().await;
    if let Err(e) = outcome {
        panic!("{e:#}\n{evidence}\n--- lectern log ---\n{}", server.log());
    }
}
