//! The lesson editor's live preview, autosave and keyboard work: the JSON
//! endpoints through Rocket's client, then the editor in headless Chromium
//! with JavaScript on (live preview, shortcuts, a draft that outlives the
//! browser) and off (Preview still posts, and shows beside the form).

use std::time::{Duration, Instant};

use anyhow::{ensure, Context, Result};
use fantoccini::{Client as Browser, Locator};
use lectern::db::entity::Role;
use rocket::http::{ContentType, Status};
use rocket::local::asynchronous::Client;
use sea_orm::ConnectionTrait;
use serde_json::Value;

use crate::browser::{
    click_button, click_link, expect_heading, field_value, require_browsers, save_evidence,
    type_into, wait_text, ChromeDriver, Server, WAIT,
};
use crate::common::{add_user, count, csrf, form, get, log_in, post, Fixture, PASSWORD};

/// A site with the sample content, editors `eve` and `ada`, and a client
/// logged in as eve.
async fn site() -> (Fixture, Client) {
    let f = Fixture::with_sample_content().await;
    let client = f.client().await;
    let db = f.connect().await;
    add_user(&db, "eve", Role::Editor).await;
    add_user(&db, "ada", Role::Admin).await;
    assert_eq!(log_in(&client, "eve", PASSWORD).await, Status::SeeOther);
    (f, client)
}

async fn lesson_id(f: &Fixture, slug: &str) -> i64 {
    count(
        &f.connect().await,
        &format!("SELECT id FROM lessons WHERE slug = '{slug}'"),
    )
    .await
}

async fn drafts(f: &Fixture) -> i64 {
    count(&f.connect().await, "SELECT COUNT(*) FROM lesson_drafts").await
}

/// The editor form's fields for lesson `id`, as the lesson stands, with `body`.
async fn lesson_fields(f: &Fixture, id: i64, csrf: &str, body: &str) -> Vec<(String, String)> {
    let lesson = lectern::db::lessons::by_id(&f.connect().await, id as i32)
        .await
        .unwrap()
        .unwrap();
    [
        ("csrf", csrf.to_string()),
        ("version", lesson.version.to_string()),
        ("course_id", lesson.course_id.to_string()),
        ("slug", lesson.slug.clone()),
        ("title", lesson.title.clone()),
        ("summary", lesson.summary.clone()),
        ("status", "published".to_string()),
        ("body_md", body.to_string()),
        ("action", "save".to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

fn pairs(fields: &[(String, String)]) -> Vec<(&str, &str)> {
    fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

/// POSTs a form to a JSON endpoint: status and the parsed answer (Null when
/// the answer is not JSON).
async fn post_json(client: &Client, uri: &str, fields: &[(&str, &str)]) -> (Status, Value) {
    let res = client
        .post(uri.to_string())
        .header(ContentType::Form)
        .body(form(fields))
        .dispatch()
        .await;
    let status = res.status();
    let body = res.into_string().await.unwrap_or_default();
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

/// The text of the `<textarea name="body_md">` on a page, unescaped.
fn body_of(page: &str) -> String {
    let at = page.find("name=\"body_md\"").expect("a body field");
    let rest = &page[at + page[at..].find('>').unwrap() + 1..];
    let text = &rest[..rest.find("</textarea>").unwrap()];
    text.strip_prefix('\n')
        .unwrap_or(text)
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#x2F;", "/")
        .replace("&amp;", "&")
}

#[rocket::async_test]
async fn the_live_preview_renders_markdown_and_lists_a_broken_link_with_its_line() {
    let (f, client) = site().await;
    let id = lesson_id(&f, "first-server").await;
    let token = csrf(&client).await;
    let body = "Live **preview**\n\nSee [a lesson that is not there](99-missing.md).\n";
    let fields = lesson_fields(&f, id, &token, body).await;
    let (status, answer) = post_json(&client, "/admin/lessons/preview", &pairs(&fields)).await;
    assert_eq!(status, Status::Ok, "{answer}");
    let html = answer["html"].as_str().unwrap();
    assert!(html.contains("Live <strong>preview</strong>"), "{html}");
    let problems: Vec<&str> = answer["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].starts_with("line 3: ") && problems[0].contains("99-missing.md"),
        "{problems:?}"
    );
    // The page's own Preview (no script) says the same, in the same words.
    let (status, _, page) = post(
        &client,
        &format!("/admin/lessons/{id}/edit"),
        &pairs(&lesson_fields(&f, id, &token, body).await)
            .into_iter()
            .map(|(k, v)| {
                if k == "action" {
                    (k, "preview")
                } else {
                    (k, v)
                }
            })
            .collect::<Vec<_>>(),
    )
    .await;
    assert_eq!(status, Status::Ok);
    assert!(page.contains(problems[0]), "{page}");
    // Nothing was saved.
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
async fn preview_and_autosave_refuse_without_the_token_or_a_login() {
    let (f, client) = site().await;
    let id = lesson_id(&f, "first-server").await;
    let token = csrf(&client).await;
    let autosave = format!("/admin/lessons/autosave?lesson={id}");
    for uri in ["/admin/lessons/preview", autosave.as_str()] {
        for bad in ["", "not-the-token"] {
            let fields = lesson_fields(&f, id, bad, "Forged").await;
            let (status, _) = post_json(&client, uri, &pairs(&fields)).await;
            assert_eq!(status, Status::Forbidden, "{uri} with token {bad:?}");
        }
        // Logged out: a JSON answer the script can read, not the login page.
        let anonymous = f.client().await;
        let fields = lesson_fields(&f, id, &token, "Anonymous").await;
        let (status, answer) = post_json(&anonymous, uri, &pairs(&fields)).await;
        assert_eq!(status, Status::Unauthorized, "{uri}");
        assert!(
            answer["error"]
                .as_str()
                .is_some_and(|e| e.contains("log in again")),
            "{answer}"
        );
    }
    assert_eq!(drafts(&f).await, 0, "nothing was kept");
    // The discard form checks its token too.
    let (status, _, _) = post(
        &client,
        "/admin/lessons/drafts/discard",
        &[("csrf", "wrong"), ("lesson", &id.to_string())],
    )
    .await;
    assert_eq!(status, Status::Forbidden);
}

#[rocket::async_test]
async fn an_autosaved_draft_is_private_restorable_discardable_and_gone_after_a_save() {
    let (f, client) = site().await;
    let id = lesson_id(&f, "first-server").await;
    let token = csrf(&client).await;
    let edit = format!("/admin/lessons/{id}/edit");
    let autosave = format!("/admin/lessons/autosave?lesson={id}");
    let (_, history_before) = get(&client, &format!("/admin/lessons/{id}/history")).await;
    let revisions = count(
        &f.connect().await,
        &format!("SELECT COUNT(*) FROM lesson_revisions WHERE lesson_id = {id}"),
    )
    .await;

    // eve types; the script keeps the form as her draft, opened at version 1.
    let draft = "## Half written\n\nWords typed <before> the tab & the browser closed.\n";
    let fields = lesson_fields(&f, id, &token, draft).await;
    let (status, answer) = post_json(&client, &autosave, &pairs(&fields)).await;
    assert_eq!(status, Status::Ok, "{answer}");
    assert!(answer["message"]
        .as_str()
        .unwrap()
        .starts_with("Saved as draft at "));
    // Autosaving again replaces it: one row per editor and lesson.
    let (status, _) = post_json(&client, &autosave, &pairs(&fields)).await;
    assert_eq!(status, Status::Ok);
    assert_eq!(drafts(&f).await, 1);

    // Not live, not a revision, not in the history.
    let (_, public) = get(&f.client().await, "/backend-dev/first-server/").await;
    assert!(!public.contains("Half written"));
    let (_, history) = get(&client, &format!("/admin/lessons/{id}/history")).await;
    assert!(!history.contains("Half written"));
    assert_eq!(
        history.matches("<tr").count(),
        history_before.matches("<tr").count()
    );
    let db = f.connect().await;
    let where_lesson = format!("lesson_id = {id}");
    assert_eq!(
        count(
            &db,
            &format!("SELECT COUNT(*) FROM lesson_revisions WHERE {where_lesson}")
        )
        .await,
        revisions
    );

    // Meanwhile ada saves the lesson: version 2.
    let other = f.client().await;
    assert_eq!(log_in(&other, "ada", PASSWORD).await, Status::SeeOther);
    let ada_token = csrf(&other).await;
    let ada_fields = lesson_fields(&f, id, &ada_token, "Ada's text, saved.\n").await;
    let (status, _, _) = post(&other, &edit, &pairs(&ada_fields)).await;
    assert_eq!(status, Status::SeeOther);
    // ada sees nothing of eve's draft, and cannot restore it.
    let (_, page) = get(&other, &edit).await;
    assert!(!page.contains("You have unsaved text"), "{page}");
    let (status, _) = get(&other, &format!("/admin/lessons/{id}/draft")).await;
    assert_eq!(
        status,
        Status::SeeOther,
        "no draft of hers: back to the editor"
    );

    // eve reopens the lesson: the offer, naming the version she opened.
    let (status, page) = get(&client, &edit).await;
    assert_eq!(status, Status::Ok);
    assert!(
        page.contains("You have unsaved text from ") && page.contains("(opened at version 1)"),
        "{page}"
    );
    assert!(page.contains(&format!(
        "href=\"/admin/lessons/{id}/draft\">Restore it</a>"
    )));
    assert_eq!(
        body_of(&page),
        "Ada's text, saved.\n",
        "the form holds the live text"
    );

    // Restore: the draft in the form, at the version it was opened at, so
    // saving it meets the stale-save check instead of replacing ada's text.
    let (status, restored) = get(&client, &format!("/admin/lessons/{id}/draft")).await;
    assert_eq!(status, Status::Ok);
    assert_eq!(body_of(&restored), draft);
    assert!(restored.contains("<input type=\"hidden\" name=\"version\" value=\"1\">"));
    assert!(restored.contains("is in the form below"), "{restored}");
    assert!(!restored.contains("You have unsaved text"));

    // Discard asks first: without the confirmation nothing is deleted.
    let (status, _, asked) = post(
        &client,
        "/admin/lessons/drafts/discard",
        &[("csrf", &token), ("lesson", &id.to_string())],
    )
    .await;
    assert_eq!(status, Status::Ok);
    assert!(asked.contains("Discard your unsaved text?"), "{asked}");
    assert_eq!(drafts(&f).await, 1);
    // Confirmed: gone, and the offer with it.
    let (status, location, _) = post(
        &client,
        "/admin/lessons/drafts/discard",
        &[
            ("csrf", &token),
            ("lesson", &id.to_string()),
            ("confirm", "yes"),
        ],
    )
    .await;
    assert_eq!(status, Status::SeeOther);
    assert_eq!(location.as_deref(), Some(edit.as_str()));
    assert_eq!(drafts(&f).await, 0);
    let (_, page) = get(&client, &edit).await;
    assert!(!page.contains("You have unsaved text"));

    // A save forgets the draft it contains.
    let mut fields = lesson_fields(&f, id, &token, draft).await;
    let (status, _) = post_json(&client, &autosave, &pairs(&fields)).await;
    assert_eq!(status, Status::Ok);
    assert_eq!(drafts(&f).await, 1);
    fields.retain(|(k, _)| k != "body_md");
    fields.push(("body_md".into(), "Saved for real.\n".into()));
    let (status, _, _) = post(&client, &edit, &pairs(&fields)).await;
    assert_eq!(status, Status::SeeOther);
    assert_eq!(drafts(&f).await, 0);
    let (_, page) = get(&client, &edit).await;
    assert!(!page.contains("You have unsaved text"));
}

#[rocket::async_test]
async fn a_new_lesson_draft_is_offered_on_the_new_lesson_page_and_creating_forgets_it() {
    let (f, client) = site().await;
    let token = csrf(&client).await;
    let course = count(
        &f.connect().await,
        "SELECT id FROM courses WHERE slug = 'backend-dev'",
    )
    .await
    .to_string();
    let fields = [
        ("csrf", token.as_str()),
        ("course_id", course.as_str()),
        ("slug", "kept-lesson"),
        ("title", "A kept lesson"),
        ("summary", ""),
        ("status", "draft"),
        ("body_md", "Begun but not saved."),
        ("action", "autosave"),
    ];
    let (status, _) = post_json(&client, "/admin/lessons/autosave", &fields).await;
    assert_eq!(status, Status::Ok);

    let (_, page) = get(&client, &format!("/admin/lessons/new?course={course}")).await;
    assert!(page.contains("You have unsaved text from "), "{page}");
    assert!(
        !page.contains("opened at version"),
        "a new lesson has no version"
    );
    let (status, restored) = get(
        &client,
        &format!("/admin/lessons/new/draft?course={course}"),
    )
    .await;
    assert_eq!(status, Status::Ok);
    assert_eq!(body_of(&restored), "Begun but not saved.");
    assert!(restored.contains("value=\"A kept lesson\""));

    let mut create: Vec<(&str, &str)> = fields.to_vec();
    create.retain(|(k, _)| *k != "action");
    create.push(("action", "save"));
    let (status, _, _) = post(&client, "/admin/lessons/new", &create).await;
    assert_eq!(status, Status::SeeOther);
    assert_eq!(drafts(&f).await, 0);
    let (_, page) = get(&client, &format!("/admin/lessons/new?course={course}")).await;
    assert!(!page.contains("You have unsaved text"));
}

#[rocket::async_test]
async fn a_draft_over_the_lesson_limit_is_refused_and_keeps_nothing() {
    let (f, client) = site().await;
    let id = lesson_id(&f, "first-server").await;
    let token = csrf(&client).await;
    let huge = "x".repeat(lectern::editing::lessons::MAX_BODY_BYTES + 1);
    let fields = lesson_fields(&f, id, &token, &huge).await;
    let (status, answer) = post_json(
        &client,
        &format!("/admin/lessons/autosave?lesson={id}"),
        &pairs(&fields),
    )
    .await;
    assert_eq!(status, Status::PayloadTooLarge);
    assert!(answer["error"]
        .as_str()
        .unwrap()
        .starts_with("Not saved as a draft"));
    assert_eq!(drafts(&f).await, 0);

    // Nor is a draft kept for a lesson or a course that does not exist; the
    // script still gets JSON it can show.
    let fields = lesson_fields(&f, id, &token, "Some text.").await;
    for uri in [
        "/admin/lessons/autosave?lesson=99999",
        "/admin/lessons/autosave",
    ] {
        let mut fields = fields.clone();
        if !uri.contains('?') {
            fields.retain(|(k, _)| k != "course_id");
            fields.push(("course_id".into(), "99999".into()));
        }
        let (status, answer) = post_json(&client, uri, &pairs(&fields)).await;
        assert_eq!(status, Status::NotFound, "{uri}");
        assert!(
            answer["error"]
                .as_str()
                .unwrap()
                .contains("no longer exists"),
            "{uri}: {answer}"
        );
    }
    assert_eq!(drafts(&f).await, 0);
}

#[rocket::async_test]
async fn drafts_untouched_for_30_days_are_dropped_by_the_next_autosave() {
    let (f, client) = site().await;
    let db = f.connect().await;
    let id = lesson_id(&f, "first-server").await;
    let ada = count(&db, "SELECT id FROM users WHERE username = 'ada'").await as i32;
    let now = chrono::Utc::now();
    for (target, days) in [("lesson:1", 31), ("lesson:2", 29)] {
        lectern::db::drafts::put(
            &db,
            ada,
            target,
            Some(1),
            "{}".into(),
            now - chrono::Duration::days(days),
        )
        .await
        .unwrap();
    }
    let token = csrf(&client).await;
    let fields = lesson_fields(&f, id, &token, "A fresh draft").await;
    let (status, _) = post_json(
        &client,
        &format!("/admin/lessons/autosave?lesson={id}"),
        &pairs(&fields),
    )
    .await;
    assert_eq!(status, Status::Ok);
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM lesson_drafts WHERE target = 'lesson:1'"
        )
        .await,
        0,
        "the 31-day-old draft is gone"
    );
    assert_eq!(
        drafts(&f).await,
        2,
        "the 29-day-old one and the new one stay"
    );
}

// ------------------------------------------------------------------ browser

const LESSON_SLUG: &str = "what-backend-developers-do";
const TYPED: &str = "Lively words typed here.";
const LATE: &str = "Written after the session ended.";
const LINKED: &str = "**Lively** words typed [here](https://example.com/).";
const USERNAME: &str = "grace";
const PASSWORD_UI: &str = "compiler-pioneer-1952";

/// Fails the test with the page kept as evidence and the servers' logs.
async fn report(
    c: &Browser,
    server: &Server,
    driver: &ChromeDriver,
    what: &str,
    outcome: Result<()>,
) {
    if let Err(e) = outcome {
        let evidence = save_evidence(c).await;
        panic!(
            "{what}: {e:#}\n{evidence}\n--- lectern log ---\n{}\n--- chromedriver log ---\n{}",
            server.log(),
            driver.log()
        );
    }
}

/// Polls a script's answer until `done` holds (the limit only catches a hang).
async fn wait_js(c: &Browser, script: &str, done: impl Fn(&Value) -> bool) -> Result<Value> {
    let deadline = Instant::now() + WAIT;
    loop {
        let value = c.execute(script, vec![]).await?;
        if done(&value) {
            return Ok(value);
        }
        ensure!(
            Instant::now() < deadline,
            "`{script}` still answers {value} after {WAIT:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn create_admin(c: &Browser, base: &str, setup_path: &str) -> Result<()> {
    c.goto(&format!("{base}{setup_path}")).await?;
    expect_heading(c, "Create the first admin").await?;
    type_into(c, "#username", USERNAME).await?;
    type_into(c, "#display_name", "Grace").await?;
    type_into(c, "#password", PASSWORD_UI).await?;
    type_into(c, "#password_again", PASSWORD_UI).await?;
    click_button(c, "Create admin").await?;
    expect_heading(c, "Dashboard").await
}

async fn log_in_ui(c: &Browser, base: &str) -> Result<()> {
    c.goto(&format!("{base}/admin/login")).await?;
    type_into(c, "#username", USERNAME).await?;
    type_into(c, "#password", PASSWORD_UI).await?;
    click_button(c, "Log in").await?;
    expect_heading(c, "Dashboard").await
}

#[rocket::async_test]
async fn the_editor_previews_live_formats_with_keys_and_its_draft_outlives_the_browser() {
    if !require_browsers() {
        return;
    }
    let f = Fixture::with_sample_content().await;
    let server = Server::start(&f);
    let driver = ChromeDriver::start();
    let id = lesson_id(&f, LESSON_SLUG).await;
    let edit = format!("{}/admin/lessons/{id}/edit", server.base);

    let c = driver.connect(&f.dir.path().join("first"), true).await;
    let outcome = write_and_leave(&c, &f, &server, &edit).await;
    report(&c, &server, &driver, "typing in the editor", outcome).await;
    // The browser goes away entirely, as after a crash.
    c.close().await.expect("close the browser session");

    let c = driver.connect(&f.dir.path().join("second"), true).await;
    let outcome = come_back_and_restore(&c, &server, &edit).await;
    report(&c, &server, &driver, "restoring the draft", outcome).await;
    let _ = c.close().await;

    let c = driver.connect(&f.dir.path().join("no-js"), false).await;
    let outcome = preview_without_javascript(&c, &server, &edit).await;
    report(&c, &server, &driver, "preview without JavaScript", outcome).await;
    let _ = c.close().await;
}

async fn write_and_leave(c: &Browser, f: &Fixture, server: &Server, edit: &str) -> Result<()> {
    create_admin(c, &server.base, &server.setup_path).await?;
    c.goto(edit).await?;
    wait_js(c, "return window.lecternEditorReady === true;", |v| {
        v == &Value::Bool(true)
    })
    .await
    .context("the editor's script did not start")?;
    // A mark on this page: gone if anything reloads or navigates.
    c.execute("window.sameEditorPage = 'yes'; return true;", vec![])
        .await?;
    ensure!(
        c.find(Locator::Css(".editor-toolbar"))
            .await?
            .is_displayed()
            .await?,
        "the toolbar shows with JavaScript"
    );

    let body = c.find(Locator::Id("body_md")).await?;
    body.send_keys(&format!("\n\n{TYPED}\n")).await?;
    wait_text(c, "#editor-preview", TYPED)
        .await
        .context("the preview did not show the typed text")?;
    let same = c.execute("return window.sameEditorPage;", vec![]).await?;
    ensure!(same == "yes", "the page reloaded for the preview: {same}");

    // Select "Lively" and press Ctrl+B; Ctrl+Z undoes it like typing.
    let select_lively = "const t = document.getElementById('body_md'); \
        const i = t.value.indexOf(arguments[0]); t.focus(); t.setSelectionRange(i, i + 6); return true;";
    c.execute(select_lively, vec![Value::from(TYPED)]).await?;
    body.send_keys("\u{E009}b\u{E000}").await?;
    let text = field_value(c, "body_md").await?;
    ensure!(
        text.contains("**Lively** words typed here."),
        "Ctrl+B did not make the selection bold: …{:?}",
        tail(&text)
    );
    body.send_keys("\u{E009}z\u{E000}").await?;
    let text = field_value(c, "body_md").await?;
    ensure!(
        text.contains(&format!("\n{TYPED}")),
        "Ctrl+Z did not undo the bold: …{:?}",
        tail(&text)
    );
    c.execute(select_lively, vec![Value::from(TYPED)]).await?;
    body.send_keys("\u{E009}b\u{E000}").await?;
    wait_text(c, "#editor-preview strong", "Lively")
        .await
        .context("the bold word in the preview")?;
    // Ctrl+K on "here": a link whose address is selected, ready to type over.
    c.execute(
        "const t = document.getElementById('body_md'); const i = t.value.lastIndexOf('here.'); \
         t.focus(); t.setSelectionRange(i, i + 4); return true;",
        vec![],
    )
    .await?;
    body.send_keys("\u{E009}k\u{E000}").await?;
    body.send_keys("https://example.com/").await?;
    let text = field_value(c, "body_md").await?;
    ensure!(
        text.contains("**Lively** words typed [here](https://example.com/)."),
        "Ctrl+K did not make a link of the selection: …{:?}",
        tail(&text)
    );
    wait_text(c, "#editor-status", "Saved as draft at")
        .await
        .context("no autosave")?;
    let same = c.execute("return window.sameEditorPage;", vec![]).await?;
    ensure!(same == "yes", "the page reloaded while editing: {same}");
    save_stays_on_screen(c, 390).await?;
    save_stays_on_screen(c, 1280).await?;

    // The session ends while the editor types: the server refuses the
    // autosave, the text stays in this browser, and the editor is told.
    f.connect()
        .await
        .execute_unprepared("UPDATE sessions SET expires_at = created_at")
        .await?;
    body.send_keys(&format!("\u{E009}\u{E010}\u{E000}\n{LATE}\n"))
        .await?;
    wait_text(c, "#editor-status", "Your session has ended")
        .await
        .context("no word of the ended session")?;
    let key = format!("lectern-editor:{}", edit_key(edit));
    let kept = c
        .execute(
            "return localStorage.getItem(arguments[0]);",
            vec![Value::from(key)],
        )
        .await?;
    ensure!(
        kept.as_str()
            .is_some_and(|k| k.contains(&LATE.replace(' ', "+"))),
        "the browser did not keep the text: {kept}"
    );
    // Logged in again in a new tab, back in this one, reloaded: the kept
    // text is offered and goes back in the form, then to the server.
    let editor_tab = c.window().await?;
    let tab = c.new_window(true).await?;
    c.switch_to_window(tab.handle).await?;
    log_in_ui(c, &server.base).await?;
    c.close_window().await?;
    c.switch_to_window(editor_tab).await?;
    c.refresh().await?;
    wait_text(c, ".draft-offer", "This browser kept unsaved text").await?;
    click_button(c, "Put it back in the form").await?;
    ensure!(field_value(c, "body_md").await?.contains(LATE));
    wait_text(c, "#editor-status", "Saved as draft at")
        .await
        .context("no autosave after logging in again")?;
    Ok(())
}

async fn come_back_and_restore(c: &Browser, server: &Server, edit: &str) -> Result<()> {
    log_in_ui(c, &server.base).await?;
    c.goto(edit).await?;
    wait_text(c, ".draft-offer", "You have unsaved text from")
        .await
        .context("no offer to restore the draft")?;
    ensure!(
        !field_value(c, "body_md").await?.contains(TYPED),
        "the form holds the live text until restored"
    );
    click_link(c, "Restore it").await?;
    wait_text(c, "p.alert-ok", "is in the form below").await?;
    let text = field_value(c, "body_md").await?;
    ensure!(
        text.contains(LINKED) && text.contains(LATE),
        "the restored form lacks the typed text: …{:?}",
        tail(&text)
    );
    // Ctrl+S saves it (through the stale-save check: nobody saved since),
    // and the draft is gone with it.
    c.find(Locator::Id("body_md"))
        .await?
        .send_keys("\u{E009}s\u{E000}")
        .await?;
    wait_text(c, "p.alert-ok", "Saved as version 2").await?;
    ensure!(
        c.find_all(Locator::Css(".draft-offer")).await?.is_empty(),
        "a saved draft is still offered"
    );
    // On a new lesson, the slug follows the title until typed by hand.
    c.goto(&format!("{}/admin/lessons/new", server.base))
        .await?;
    type_into(c, "#title", "Crème brûlée: Ætna's  first—step!").await?;
    ensure!(field_value(c, "slug").await? == "creme-brulee-aetna-s-first-step");
    // (End first: a click lands the caret mid-field.)
    type_into(c, "#slug", "\u{E010}-mine").await?;
    type_into(c, "#title", "\u{E010} again").await?;
    ensure!(field_value(c, "slug").await? == "creme-brulee-aetna-s-first-step-mine");
    Ok(())
}

async fn preview_without_javascript(c: &Browser, server: &Server, edit: &str) -> Result<()> {
    log_in_ui(c, &server.base).await?;
    c.goto(edit).await?;
    ensure!(
        !c.find(Locator::Css(".editor-toolbar"))
            .await?
            .is_displayed()
            .await?,
        "no toolbar without JavaScript"
    );
    let words = "Previewed without any script.";
    let body = c.find(Locator::Id("body_md")).await?;
    body.send_keys(&format!("\n\n{words}\n")).await?;
    click_button(c, "Preview").await?;
    wait_text(c, "section.preview", words).await?;
    // Wide: beside the form, its top in view with the text's.
    let preview = c.find(Locator::Css("section.preview")).await?;
    let text = c.find(Locator::Id("body_md")).await?;
    let form = c.find(Locator::Id("lesson-form")).await?;
    let (px, py, _, _) = preview.rectangle().await?;
    let (tx, _, tw, _) = text.rectangle().await?;
    ensure!(
        px >= tx + tw && py < 700.0,
        "at 1280 px the preview is not beside the text: preview at ({px}, {py}), text from {tx} wide {tw}"
    );
    // Narrow: directly above the form (measured again until the window has
    // settled at its new size; the limit only catches a hang).
    c.set_window_size(390, 844).await?;
    let deadline = Instant::now() + WAIT;
    loop {
        let (_, py, pw, ph) = preview.rectangle().await?;
        let (_, fy, _, _) = form.rectangle().await?;
        if py + ph <= fy && py < 900.0 && pw < 390.0 {
            return Ok(());
        }
        ensure!(
            Instant::now() < deadline,
            "at 390 px the preview (top {py}, height {ph}) is not above the form (top {fy})"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// `lesson:<id>` from the editor's address.
fn edit_key(edit: &str) -> String {
    let id = edit
        .trim_end_matches("/edit")
        .rsplit('/')
        .next()
        .unwrap_or_default();
    format!("lesson:{id}")
}

fn tail(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    chars[chars.len().saturating_sub(80)..].iter().collect()
}

/// Scrolls to the end of the page and checks Save is still in the window.
async fn save_stays_on_screen(c: &Browser, width: u32) -> Result<()> {
    c.set_window_size(width, 844).await?;
    // Once the window has its new width (the limit only catches a hang).
    wait_js(c, "return window.innerWidth;", |w| {
        w.as_f64()
            .is_some_and(|w| (w - f64::from(width)).abs() < 20.0)
    })
    .await?;
    let seen = c
        .execute(
            "window.scrollTo(0, document.documentElement.scrollHeight); \
             const b = document.querySelector(\"button[value='save']\").getBoundingClientRect(); \
             return [window.scrollY, b.top, b.bottom, window.innerHeight];",
            vec![],
        )
        .await?;
    let n = |i: usize| seen[i].as_f64().unwrap_or(-1.0);
    ensure!(
        n(0) > 500.0 && n(1) >= 0.0 && n(2) <= n(3),
        "at {width} px, scrolled to the end, Save is off screen: scrollY, top, bottom, height = {seen}"
    );
    Ok(())
}
