//! Three-way merges: stale admin saves and git edits meeting admin edits.
//! Two editors (or an editor and an author) change one lesson at once;
//! nobody's words are lost or replaced without their knowing.

use lectern::db::entity::Role;
use rocket::http::Status;
use rocket::local::asynchronous::Client;

use crate::admin::{admin_site, edit_form, hidden_inputs, lesson_id, textarea, with};
use crate::common::{count, get, log_in, post, Fixture, PASSWORD};

const FIRST: &str = "Time to write some code.";
const LATER: &str = "Here is what each part does.";
const URL: &str = "/backend-dev/first-server/";

/// A second client, logged in as the admin `ada` (admin_site made her).
async fn second_editor(f: &Fixture) -> Client {
    let client = f.client().await;
    assert_eq!(log_in(&client, "ada", PASSWORD).await, Status::SeeOther);
    client
}

fn body_of(fields: &[(String, String)]) -> String {
    fields
        .iter()
        .find(|(k, v)| k == "body_md" && !v.is_empty())
        .map(|(_, v)| v.clone())
        .expect("the form holds the lesson's text")
}

async fn live_body(f: &Fixture, id: i64) -> String {
    use sea_orm::{ConnectionTrait, Statement};
    let db = f.connect().await;
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            format!("SELECT body_md FROM lessons WHERE id = {id}"),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<String>("", "body_md").unwrap()
}

#[rocket::async_test]
async fn two_editors_saving_different_paragraphs_both_keep_their_edits() {
    let (f, eve) = admin_site("eve").await;
    let ada = second_editor(&f).await;
    let id = lesson_id(&f, "first-server").await;
    let uri = format!("/admin/lessons/{id}/edit");
    // Both open version 1.
    let eve_form = edit_form(&eve, id).await;
    let ada_form = edit_form(&ada, id).await;
    let body = body_of(&eve_form);
    assert!(body.contains(FIRST) && body.contains(LATER));

    let ada_body = body.replace(
        LATER,
        "Here is what each part of server.js does, line by line.",
    );
    let (status, _, _) = post(&ada, &uri, &with(&ada_form, &[("body_md", &ada_body)])).await;
    assert_eq!(status, Status::SeeOther);

    // Eve saves from version 1, after Ada's version 2.
    let eve_body = body.replace(FIRST, "Time to write some real code.");
    let (status, location, _) = post(&eve, &uri, &with(&eve_form, &[("body_md", &eve_body)])).await;
    assert_eq!(status, Status::SeeOther, "a merge without overlap is saved");
    let location = location.unwrap();
    assert!(location.contains("merged=2"), "{location}");
    let (_, page) = get(&eve, &location).await;
    assert!(page.contains("Saved as version 3"), "{page}");
    assert!(page.contains("both are in"), "the editor is told");
    assert!(
        page.contains("See version 2 beside this one."),
        "with a comparison"
    );

    let live = live_body(&f, id).await;
    assert!(live.contains("Time to write some real code."), "Eve's edit");
    assert!(live.contains("line by line"), "Ada's edit");
    let (_, public) = get(&f.client().await, URL).await;
    assert!(public.contains("real code") && public.contains("line by line"));

    let db = f.connect().await;
    assert_eq!(
        count(&db, &format!("SELECT version FROM lessons WHERE id = {id}")).await,
        3
    );
    assert_eq!(
        count(&db, &format!("SELECT COUNT(*) FROM lesson_revisions WHERE lesson_id = {id} AND version = 3 AND note LIKE 'merged an edit made from version 1 with version 2 by ada%'")).await,
        1,
        "the history says what was merged"
    );
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'lesson.merge'"
        )
        .await,
        1
    );
}

#[rocket::async_test]
async fn overlapping_edits_are_refused_again_and_again_until_the_explicit_replace() {
    let (f, eve) = admin_site("eve").await;
    let ada = second_editor(&f).await;
    let id = lesson_id(&f, "first-server").await;
    let uri = format!("/admin/lessons/{id}/edit");
    let eve_form = edit_form(&eve, id).await;
    let ada_form = edit_form(&ada, id).await;
    let body = body_of(&eve_form);

    let ada_body = body.replace(FIRST, "Ada's opening words.");
    let (status, _, _) = post(&ada, &uri, &with(&ada_form, &[("body_md", &ada_body)])).await;
    assert_eq!(status, Status::SeeOther);

    // Eve changed the same paragraph: refused, both sides in the form.
    let eve_body = body.replace(FIRST, "Eve's opening words.");
    let (status, _, html) = post(&eve, &uri, &with(&eve_form, &[("body_md", &eve_body)])).await;
    assert_eq!(status, Status::Conflict);
    assert!(html.contains("This lesson changed while you were editing"));
    assert!(html.contains("Nothing was saved or overwritten"));
    let text = textarea(&html, "body_md");
    let marked = "<<<<<<< your text\nEve's opening words.";
    assert!(text.contains(marked), "{text}");
    assert!(text.contains("=======\nAda's opening words."), "{text}");
    assert!(
        text.contains(">>>>>>> version 2 by ada on "),
        "their side names who and when: {text}"
    );
    let hidden = hidden_inputs(&html);
    let value = |name: &str| {
        hidden
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    assert_eq!(
        value("version"),
        "1",
        "the form keeps the version it was opened at"
    );
    assert_eq!(value("replaces"), "2");
    assert!(
        html.contains("diff-added"),
        "a diff of their version against the form"
    );

    // Save again, as returned: refused again, the form as it was (the
    // markers are not nested by a second merge).
    let (status, _, again) = post(&eve, &uri, &with(&eve_form, &[("body_md", &text)])).await;
    assert_eq!(status, Status::Conflict);
    assert_eq!(textarea(&again, "body_md"), text);
    // Save again with the markers resolved to Eve's words: still refused.
    let resolved = body.replace(FIRST, "Eve's opening words.");
    let (status, _, _) = post(&eve, &uri, &with(&eve_form, &[("body_md", &resolved)])).await;
    assert_eq!(status, Status::Conflict);
    assert!(live_body(&f, id).await.contains("Ada's opening words."));

    // Replace with markers left in: refused, naming the lines.
    let replace = |b: &'static str| vec![("action", "replace"), ("replaces", "2"), ("body_md", b)];
    let marked_text: &'static str = Box::leak(text.clone().into_boxed_str());
    let (status, _, html) = post(&eve, &uri, &with(&eve_form, &replace(marked_text))).await;
    assert_eq!(status, Status::UnprocessableEntity);
    assert!(
        html.contains("still holds conflict markers (lines "),
        "{html}"
    );

    // The explicit replace with the resolved text.
    let resolved_text: &'static str = Box::leak(resolved.into_boxed_str());
    let (status, _, _) = post(&eve, &uri, &with(&eve_form, &replace(resolved_text))).await;
    assert_eq!(status, Status::SeeOther);
    let live = live_body(&f, id).await;
    assert!(live.contains("Eve's opening words.") && !live.contains("Ada's opening"));

    let db = f.connect().await;
    assert_eq!(
        count(&db, &format!("SELECT COUNT(*) FROM lesson_revisions WHERE lesson_id = {id} AND note = 'replaced version 2 by ada after a conflict'")).await,
        1,
        "the history records the replace"
    );
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'lesson.replace' AND actor = 'eve'"
        )
        .await,
        1
    );
    // The history lists Eve's refused texts as kept beside a version, openable,
    // never as the live one.
    let (_, history) = get(&eve, &format!("/admin/lessons/{id}/history")).await;
    assert!(
        history.contains("a text kept beside version 2"),
        "{history}"
    );
    // Ada's words are still in the history, and so are each of Eve's refused texts.
    assert!(
        count(&db, &format!("SELECT COUNT(*) FROM lesson_revisions WHERE lesson_id = {id} AND body_md LIKE '%Ada''s opening words.%'")).await >= 1
    );
    assert_eq!(
        count(&db, &format!("SELECT COUNT(*) FROM lesson_revisions WHERE lesson_id = {id} AND note LIKE 'not applied%'")).await,
        3
    );
}

#[rocket::async_test]
async fn a_replace_against_an_older_version_merges_again_instead() {
    let (f, eve) = admin_site("eve").await;
    let ada = second_editor(&f).await;
    let id = lesson_id(&f, "first-server").await;
    let uri = format!("/admin/lessons/{id}/edit");
    let eve_form = edit_form(&eve, id).await;
    let body = body_of(&eve_form);
    // Ada saves twice: versions 2 and 3.
    for words in ["Ada one.", "Ada two."] {
        let form = edit_form(&ada, id).await;
        let b = body.replace(FIRST, words);
        let (status, _, _) = post(&ada, &uri, &with(&form, &[("body_md", &b)])).await;
        assert_eq!(status, Status::SeeOther);
    }
    // Eve replaces version 2, which is no longer live: not applied.
    let eve_body = body.replace(FIRST, "Eve's words.");
    let (status, _, html) = post(
        &eve,
        &uri,
        &with(
            &eve_form,
            &[
                ("action", "replace"),
                ("replaces", "2"),
                ("body_md", &eve_body),
            ],
        ),
    )
    .await;
    assert_eq!(status, Status::Conflict);
    assert!(
        html.contains("version 3 by ada"),
        "shown against the newest"
    );
    assert!(live_body(&f, id).await.contains("Ada two."));
}

#[rocket::async_test]
async fn a_dead_link_or_missing_image_blocks_publishing_with_its_line_and_a_draft_lists_them() {
    let (f, eve) = admin_site("eve").await;
    let id = lesson_id(&f, "first-server").await;
    let uri = format!("/admin/lessons/{id}/edit");
    let form = edit_form(&eve, id).await;
    let missing_image = format!("/media/{}/photo.png", "0".repeat(64));
    let body = format!(
        "An opening line.\n\nSee [the missing lesson](99-missing.md).\n\n![A photo]({missing_image})\n"
    );
    let (status, _, html) = post(
        &eve,
        &uri,
        &with(&form, &[("status", "published"), ("body_md", &body)]),
    )
    .await;
    assert_eq!(status, Status::UnprocessableEntity, "{html}");
    assert!(
        html.contains("line 3: link to a missing file: “99-missing.md”"),
        "{html}"
    );
    assert!(html.contains("line 5: image not found"), "{html}");
    assert!(!html.contains('`'), "no raw backticks in the message");
    let db = f.connect().await;
    assert_eq!(
        count(&db, &format!("SELECT version FROM lessons WHERE id = {id}")).await,
        1,
        "nothing was published"
    );

    // As a draft it saves, and the editor lists what to fix.
    let (status, location, _) = post(
        &eve,
        &uri,
        &with(&form, &[("status", "draft"), ("body_md", &body)]),
    )
    .await;
    assert_eq!(status, Status::SeeOther);
    let (_, page) = get(&eve, &location.unwrap()).await;
    assert!(page.contains("Fix these before the lesson can be published"));
    assert!(page.contains("line 3: link to a missing file"));

    // The same words as `lectern check` gives for the same text in a file.
    f.write(
        "backend-dev/09-broken.md",
        crate::common::lesson("Broken", &body),
    );
    let report = f.sync(&db).await;
    let messages: Vec<String> = report
        .diagnostics
        .iter()
        .map(|d| format!("line {}: {}", d.line.unwrap_or(0), d.message))
        .collect();
    assert!(
        messages
            .iter()
            .any(|m| m.ends_with("link to a missing file: “99-missing.md”")),
        "{messages:?}"
    );
    assert!(
        messages.iter().any(|m| m.ends_with(&format!(
            "image not found: “{missing_image}” (no image or file with that address was uploaded)"
        ))),
        "a /media/ address nobody uploaded is found in a file too: {messages:?}"
    );
}

/// A lesson edited in the admin, then its file edited by an author.
async fn admin_edit_then_file_edit(
    admin_words: (&str, &str),
    file_words: (&str, &str),
) -> (Fixture, i64, lectern::content::sync::SyncReport) {
    let (f, eve) = admin_site("eve").await;
    let id = lesson_id(&f, "first-server").await;
    let uri = format!("/admin/lessons/{id}/edit");
    let form = edit_form(&eve, id).await;
    let body = body_of(&form).replace(admin_words.0, admin_words.1);
    let summary = "Write a small web server with Node's built-in http module, run it, and look inside the requests it receives.";
    let (status, _, _) = post(
        &eve,
        &uri,
        &with(&form, &[("body_md", &body), ("summary", summary)]),
    )
    .await;
    assert_eq!(status, Status::SeeOther);
    let path = "backend-dev/03-first-server.md";
    let file = std::fs::read_to_string(f.content().join(path)).unwrap();
    f.write(path, file.replace(file_words.0, file_words.1));
    let report = f.sync(&f.connect().await).await;
    (f, id, report)
}

#[rocket::async_test]
async fn a_git_edit_and_an_admin_edit_to_different_paragraphs_merge_on_sync() {
    let (f, id, report) = admin_edit_then_file_edit(
        (FIRST, "Time to write some code in the admin."),
        (LATER, "Here is what each part does, says the author."),
    )
    .await;
    assert!(report.conflicts.is_empty(), "{report:?}");
    assert_eq!(
        report.updated,
        vec!["backend-dev/03-first-server.md".to_string()]
    );
    let live = live_body(&f, id).await;
    assert!(
        live.contains("in the admin") && live.contains("says the author"),
        "{live}"
    );
    let db = f.connect().await;
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
    assert_eq!(
        count(&db, &format!("SELECT COUNT(*) FROM lesson_revisions WHERE lesson_id = {id} AND note LIKE 'merged: the file%'")).await,
        1,
        "a revision records the merge"
    );
    let (_, public) = get(&f.client().await, URL).await;
    assert!(public.contains("in the admin") && public.contains("says the author"));

    // The author changes yet another paragraph before any export: it merges
    // again (the file's text at the first merge is the base now).
    let path = "backend-dev/03-first-server.md";
    let file = std::fs::read_to_string(f.content().join(path)).unwrap();
    f.write(
        path,
        file.replace("## Run it", "## Run it on your computer"),
    );
    let second = f.sync(&db).await;
    assert!(second.conflicts.is_empty(), "{second:?}");
    assert_eq!(second.updated, vec![path.to_string()]);
    let live = live_body(&f, id).await;
    assert!(
        live.contains("in the admin")
            && live.contains("says the author")
            && live.contains("## Run it on your computer"),
        "{live}"
    );

    // The next sync is quiet; export writes the merge, and the sync after is quiet too.
    let again = f.sync(&db).await;
    assert!(
        again.updated.is_empty() && again.conflicts.is_empty(),
        "{again:?}"
    );
    let exported = lectern::content::export::export(&db, &f.content())
        .await
        .unwrap();
    assert!(!exported.written.is_empty(), "{exported:?}");
    let file = std::fs::read_to_string(f.content().join("backend-dev/03-first-server.md")).unwrap();
    assert!(file.contains("in the admin") && file.contains("says the author"));
    assert!(file.contains("## Run it on your computer"));
    let after = f.sync(&db).await;
    assert!(
        after.updated.is_empty() && after.conflicts.is_empty() && after.created.is_empty(),
        "{after:?}"
    );
}

#[rocket::async_test]
async fn overlapping_git_and_admin_edits_keep_the_conflict_flow_with_labelled_sides() {
    let (f, id, report) = admin_edit_then_file_edit(
        (FIRST, "The admin's opening."),
        (FIRST, "The author's opening."),
    )
    .await;
    assert_eq!(
        report.conflicts,
        vec!["backend-dev/03-first-server.md".to_string()]
    );
    assert!(live_body(&f, id).await.contains("The admin's opening."));
    let db = f.connect().await;
    let revision = count(
        &db,
        &format!("SELECT conflict_revision_id FROM lessons WHERE id = {id}"),
    )
    .await;
    let eve = f.client().await;
    crate::common::add_user(&db, "zed", Role::Editor).await;
    assert_eq!(log_in(&eve, "zed", PASSWORD).await, Status::SeeOther);
    let (status, page) = get(&eve, &format!("/admin/lessons/{id}/revisions/{revision}")).await;
    assert_eq!(status, Status::Ok);
    assert!(
        page.contains("the file backend-dev/03-first-server.md"),
        "{page}"
    );
    assert!(
        page.contains("the admin&#x27;s text (version 2, by eve on "),
        "{page}"
    );
    assert!(
        page.contains("<del>") || page.contains("<ins>"),
        "word-level changes"
    );
}

// ------------------------------------------------------------ in a browser

mod in_a_browser {
    use anyhow::{ensure, Result};
    use fantoccini::{Client as Browser, Locator};
    use lectern::db::entity::Role;
    use serde_json::json;

    use crate::browser::{
        click_button, expect_heading, field_value, require_browsers, save_evidence, type_into,
        wait_text, ChromeDriver, Server,
    };
    use crate::common::{add_user, Fixture, PASSWORD};

    use super::{FIRST, LATER, URL};

    async fn log_in(c: &Browser, base: &str, name: &str) -> Result<()> {
        c.goto(&format!("{base}/admin/login")).await?;
        type_into(c, "#username", name).await?;
        type_into(c, "#password", PASSWORD).await?;
        click_button(c, "Log in").await?;
        expect_heading(c, "Dashboard").await
    }

    /// Changes the editor's text as a person would after selecting a
    /// sentence and typing over it (with JavaScript on).
    async fn replace_in_text(c: &Browser, old: &str, new: &str) -> Result<()> {
        let changed = c
            .execute(
                "const t = document.getElementById('body_md');\
                 const at = t.value.indexOf(arguments[0]);\
                 if (at < 0) return false;\
                 t.value = t.value.slice(0, at) + arguments[1] + t.value.slice(at + arguments[0].length);\
                 t.dispatchEvent(new Event('input', { bubbles: true }));\
                 return true;",
                vec![json!(old), json!(new)],
            )
            .await?;
        ensure!(
            changed == json!(true),
            "{old:?} is not in the editor's text"
        );
        Ok(())
    }

    /// Ada (JavaScript on) and Eve (JavaScript off) edit one lesson at once:
    /// different paragraphs merge; then the same paragraph comes back to
    /// Eve marked, Save is refused again, and Replace (a button outside the
    /// form, joined to it) puts her resolved text live.
    async fn two_editors(ada: &Browser, eve: &Browser, server: &Server, edit: &str) -> Result<()> {
        log_in(ada, &server.base, "ada").await?;
        log_in(eve, &server.base, "eve").await?;
        ada.goto(edit).await?;
        eve.goto(edit).await?;

        // Eve saves a change to a later paragraph first (no JavaScript:
        // she retypes the whole text box).
        let text = field_value(eve, "body_md").await?;
        let eve_text = text.replace(LATER, "Here is what each part does, in Eve's words.");
        eve.find(Locator::Id("body_md")).await?.clear().await?;
        type_into(eve, "#body_md", &eve_text).await?;
        click_button(eve, "Save").await?;
        wait_text(eve, "p.alert-ok", "Saved as version 2").await?;

        // Ada, still at version 1, changes the first paragraph and saves.
        replace_in_text(ada, FIRST, "Time to write code, says Ada.").await?;
        click_button(ada, "Save").await?;
        wait_text(ada, "p.alert-ok", "both are in").await?;
        let merged = field_value(ada, "body_md").await?;
        ensure!(
            merged.contains("says Ada") && merged.contains("in Eve's words"),
            "the saved text holds both edits: {merged:?}"
        );

        // Both now change the first paragraph: Ada saves, Eve (at version 2) is refused.
        replace_in_text(
            ada,
            "Time to write code, says Ada.",
            "Ada's second opening.",
        )
        .await?;
        click_button(ada, "Save").await?;
        wait_text(ada, "p.alert-ok", "Saved as version 4").await?;
        let text = field_value(eve, "body_md").await?;
        let eve_text = text.replace(FIRST, "Eve's own opening.");
        eve.find(Locator::Id("body_md")).await?.clear().await?;
        type_into(eve, "#body_md", &eve_text).await?;
        click_button(eve, "Save").await?;
        wait_text(
            eve,
            "#stale-title",
            "This lesson changed while you were editing",
        )
        .await?;
        let marked = field_value(eve, "body_md").await?;
        ensure!(
            marked.contains("<<<<<<< your text\nEve's own opening.")
                && marked.contains("=======\nAda's second opening.")
                && marked.contains(">>>>>>> version 4 by ada on "),
            "the form holds both sides, marked: {marked:?}"
        );
        // Save again (with Enter): refused again, nothing live changes. The refusal
        // before looks the same, so wait until that page is gone first.
        // Enter in a field presses the form's first button: Save, never
        // the merge panel's Replace.
        let before = eve.find(Locator::Id("stale-title")).await?;
        type_into(eve, "#title", "\u{E007}").await?;
        let deadline = std::time::Instant::now() + crate::browser::WAIT;
        while before.text().await.is_ok() {
            ensure!(
                std::time::Instant::now() < deadline,
                "the second Save never left the page"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        wait_text(
            eve,
            "#stale-title",
            "This lesson changed while you were editing",
        )
        .await?;
        // The README's picture of this page, when asked for.
        crate::browser::docs_screenshot(eve, "admin-stale.png").await?;
        // Eve keeps her words, deletes the markers, and replaces on purpose.
        let resolved = text.replace(FIRST, "Eve's own opening.");
        eve.find(Locator::Id("body_md")).await?.clear().await?;
        type_into(eve, "#body_md", &resolved).await?;
        click_button(eve, "Replace version 4 with the text in the form").await?;
        wait_text(eve, "p.alert-ok", "Saved as version 5").await?;

        eve.goto(&format!("{}{URL}", server.base)).await?;
        let page = eve
            .find(Locator::Css("article.lesson"))
            .await?
            .text()
            .await?;
        ensure!(
            page.contains("Eve's own opening.") && !page.contains("Ada's second opening."),
            "the public page shows the replacing text"
        );
        Ok(())
    }

    #[rocket::async_test]
    async fn two_editors_in_browsers_merge_and_replace_on_purpose() {
        if !require_browsers() {
            return;
        }
        let f = Fixture::with_sample_content().await;
        // Started first: it syncs the content and, with no user yet, prints its setup link.
        let server = Server::start(&f);
        let db = f.connect().await;
        add_user(&db, "ada", Role::Admin).await;
        add_user(&db, "eve", Role::Editor).await;
        let id = super::super::admin::lesson_id(&f, "first-server").await;
        let driver = ChromeDriver::start();
        let ada = driver.connect(&f.dir.path().join("ada"), true).await;
        let eve = driver.connect(&f.dir.path().join("eve"), false).await;
        let edit = format!("{}/admin/lessons/{id}/edit", server.base);
        let outcome = two_editors(&ada, &eve, &server, &edit).await;
        if let Err(e) = outcome {
            let (a, b) = (save_evidence(&ada).await, save_evidence(&eve).await);
            panic!(
                "{e:#}\nAda's page: {a}\nEve's page: {b}\n--- lectern log ---\n{}",
                server.log()
            );
        }
        let _ = ada.close().await;
        let _ = eve.close().await;
    }
}

#[rocket::async_test]
async fn a_new_lesson_or_a_restored_version_with_a_dead_link_is_not_published() {
    use crate::common::csrf;
    let (f, eve) = admin_site("eve").await;
    let token = csrf(&eve).await;
    let new_lesson = |status: &'static str| {
        vec![
            ("csrf", token.clone()),
            ("course_id", "1".to_string()),
            ("slug", "testing".to_string()),
            ("title", "Testing your API".to_string()),
            ("summary", String::new()),
            ("body_md", "Intro.\n\nSee [gone](99-gone.md).".to_string()),
            ("status", status.to_string()),
            ("action", "save".to_string()),
        ]
    };
    let fields = new_lesson("published");
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, _, html) = post(&eve, "/admin/lessons/new", &pairs).await;
    assert_eq!(status, Status::UnprocessableEntity);
    assert!(
        html.contains("line 3: link to a missing file: “99-gone.md”"),
        "{html}"
    );
    let db = f.connect().await;
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM lessons WHERE slug = 'testing'").await,
        0
    );

    // A draft is created; publishing an earlier version's dead link by
    // restoring it is refused on the version's page, naming the line.
    let fields = new_lesson("draft");
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, location, _) = post(&eve, "/admin/lessons/new", &pairs).await;
    assert_eq!(status, Status::SeeOther);
    let id: i64 = location
        .unwrap()
        .split('/')
        .nth(3)
        .unwrap()
        .parse()
        .unwrap();
    let form = edit_form(&eve, id).await;
    let (status, _, _) = post(
        &eve,
        &format!("/admin/lessons/{id}/edit"),
        &with(
            &form,
            &[("status", "published"), ("body_md", "Intro, fixed.")],
        ),
    )
    .await;
    assert_eq!(status, Status::SeeOther);
    let first = count(
        &db,
        &format!("SELECT MIN(id) FROM lesson_revisions WHERE lesson_id = {id}"),
    )
    .await;
    let (status, _, html) = post(
        &eve,
        &format!("/admin/lessons/{id}/revisions/{first}/restore"),
        &[("csrf", &token), ("version", "2")],
    )
    .await;
    assert_eq!(status, Status::UnprocessableEntity);
    assert!(html.contains("Not restored: "), "{html}");
    assert!(html.contains("line 3: link to a missing file"), "{html}");
    assert_eq!(
        count(&db, &format!("SELECT version FROM lessons WHERE id = {id}")).await,
        2
    );
}

#[rocket::async_test]
async fn a_marked_form_saved_again_after_another_edit_keeps_that_edit() {
    let (f, eve) = admin_site("eve").await;
    let ada = second_editor(&f).await;
    let id = lesson_id(&f, "first-server").await;
    let uri = format!("/admin/lessons/{id}/edit");
    let eve_form = edit_form(&eve, id).await;
    let body = body_of(&eve_form);
    let ada_form = edit_form(&ada, id).await;
    let ada_body = body.replace(FIRST, "Ada's opening.");
    post(&ada, &uri, &with(&ada_form, &[("body_md", &ada_body)])).await;
    let (status, _, html) = post(
        &eve,
        &uri,
        &with(
            &eve_form,
            &[("body_md", &body.replace(FIRST, "Eve's opening."))],
        ),
    )
    .await;
    assert_eq!(status, Status::Conflict);
    let marked = textarea(&html, "body_md");

    // Ada changes another paragraph (version 3) while Eve reads.
    let ada_form = edit_form(&ada, id).await;
    let ada_body = body_of(&ada_form).replace(LATER, "Ada's later words.");
    let (status, _, _) = post(&ada, &uri, &with(&ada_form, &[("body_md", &ada_body)])).await;
    assert_eq!(status, Status::SeeOther);

    // Eve saves her marked form again: refused, and the form now holds Ada's
    // newer paragraph too, against version 3.
    let (status, _, html) = post(&eve, &uri, &with(&eve_form, &[("body_md", &marked)])).await;
    assert_eq!(status, Status::Conflict);
    let again = textarea(&html, "body_md");
    assert!(again.contains("Ada's later words."), "{again}");
    assert!(
        again.contains("<<<<<<< your text\nEve's opening."),
        "{again}"
    );
    let replaces = hidden_inputs(&html)
        .into_iter()
        .find(|(n, _)| n == "replaces")
        .map(|(_, v)| v);
    assert_eq!(replaces.as_deref(), Some("3"));

    // She keeps her opening and replaces: Ada's later words stay.
    let start = again.find("<<<<<<< your text\n").unwrap();
    let end = again.find(">>>>>>> version").unwrap();
    let end = end + again[end..].find('\n').unwrap() + 1;
    let mine = &again[start + "<<<<<<< your text\n".len()..again.find("=======\n").unwrap()];
    let resolved = format!("{}{}{}", &again[..start], mine, &again[end..]);
    let (status, _, _) = post(
        &eve,
        &uri,
        &with(
            &eve_form,
            &[
                ("action", "replace"),
                ("replaces", "3"),
                ("body_md", &resolved),
            ],
        ),
    )
    .await;
    assert_eq!(status, Status::SeeOther);
    let live = live_body(&f, id).await;
    assert!(
        live.contains("Eve's opening.") && live.contains("Ada's later words."),
        "{live}"
    );
}

#[rocket::async_test]
async fn a_file_gone_while_its_lesson_has_admin_edits_is_reported() {
    let (f, eve) = admin_site("eve").await;
    let id = lesson_id(&f, "first-server").await;
    let form = edit_form(&eve, id).await;
    let body = body_of(&form).replace(FIRST, "Edited in the admin.");
    let (status, _, _) = post(
        &eve,
        &format!("/admin/lessons/{id}/edit"),
        &with(&form, &[("body_md", &body)]),
    )
    .await;
    assert_eq!(status, Status::SeeOther);
    f.remove("backend-dev/03-first-server.md");
    let report = f.sync(&f.connect().await).await;
    assert_eq!(
        report.archived,
        vec!["backend-dev/03-first-server.md".to_string()]
    );
    assert!(
        report.diagnostics.iter().any(|d| d
            .message
            .contains("while its lesson had admin edits not yet exported")),
        "{report:?}"
    );
    assert!(
        live_body(&f, id).await.contains("Edited in the admin."),
        "kept"
    );
}
