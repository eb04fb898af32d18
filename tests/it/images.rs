//! Images in the editor, reordering from the course page, and export back to git.
//!
//! Through Rocket's client: the editor's JSON upload (alt text and CSRF
//! required, the same type checks as the images page), deleting an image
//! (refused while a lesson or a past revision shows it), moving a lesson to
//! a position (the public outline follows), the dashboard's count of changes
//! not in git and its Export button (the image written beside the lesson,
//! the link made relative, the next sync quiet). In headless Chromium: an
//! image dropped into the editor's text ends up on the public page and,
//! after the dashboard's export, in the content folder.

use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};
use fantoccini::{Client as Browser, Locator};
use lectern::db::entity::Role;
use rocket::http::{ContentType, Header, Status};
use rocket::local::asynchronous::Client;

use crate::browser::{
    click, click_button, click_link, expect_heading, require_browsers, save_evidence, type_into,
    wait_text, ChromeDriver, Server, WAIT,
};
use crate::common::{add_user, count, csrf, get, hidden, log_in, post, Fixture, PASSWORD};

/// The sample content's PNG with bytes added, so it is a new image.
fn png(extra: &str) -> Vec<u8> {
    let png = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/content/backend-dev/images/request-cycle.png"
    ))
    .unwrap();
    [png.as_slice(), extra.as_bytes()].concat()
}

/// A multipart body of text fields and one file.
fn multipart(fields: &[(&str, &str)], filename: &str, bytes: &[u8]) -> (ContentType, Vec<u8>) {
    let boundary = "lecternimages9Qz";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
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

/// Sends the editor's JSON upload; returns the status and the reply.
async fn upload_json(
    client: &Client,
    fields: &[(&str, &str)],
    filename: &str,
    bytes: &[u8],
) -> (Status, serde_json::Value) {
    let (ct, body) = multipart(fields, filename, bytes);
    let res = client
        .post("/admin/media/upload.json")
        .header(ct)
        .header(Header::new("Accept", "application/json"))
        .body(body)
        .dispatch()
        .await;
    let status = res.status();
    let text = res.into_string().await.unwrap_or_default();
    (
        status,
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}")),
    )
}

/// A site with the sample content and a logged-in user of `role`.
async fn site(role: Role) -> (Fixture, Client, String) {
    let f = Fixture::with_sample_content().await;
    let client = f.client().await;
    let db = f.connect().await;
    add_user(&db, "eve", role).await;
    assert_eq!(log_in(&client, "eve", PASSWORD).await, Status::SeeOther);
    let token = csrf(&client).await;
    (f, client, token)
}

/// Saves `body` as the text of lesson `slug` through the editor's form.
async fn save_body(f: &Fixture, client: &Client, token: &str, slug: &str, body: &str) {
    let db = f.connect().await;
    let q = |col: &str| format!("SELECT {col} FROM lessons WHERE slug = '{slug}'");
    let id = count(&db, &q("id")).await;
    let version = count(&db, &q("version")).await.to_string();
    let course = count(&db, &q("course_id")).await.to_string();
    let (_, page) = get(client, &format!("/admin/lessons/{id}/edit")).await;
    let title_at = page.find("name=\"title\" value=\"").unwrap() + 20;
    let title = page[title_at..title_at + page[title_at..].find('"').unwrap()].to_string();
    let (status, _, page) = post(
        client,
        &format!("/admin/lessons/{id}/edit"),
        &[
            ("csrf", token),
            ("version", &version),
            ("title", &title.replace("&amp;", "&")),
            ("slug", slug),
            ("course_id", &course),
            ("status", "published"),
            ("summary", "A lesson with an image."),
            ("body_md", body),
            ("action", "save"),
        ],
    )
    .await;
    assert_eq!(status, Status::SeeOther, "saved: {page}");
}

#[rocket::async_test]
async fn the_editors_upload_needs_alt_text_and_the_csrf_token_and_refuses_a_non_image() {
    let (f, client, token) = site(Role::Editor).await;
    let db = f.connect().await;
    let bytes = png("json upload");
    let hash = lectern::content::scan::hash_bytes(&bytes);
    let stored = |db| {
        let sql = format!("SELECT COUNT(*) FROM media WHERE sha256 = '{hash}'");
        async move { count(db, &sql).await }
    };

    let (status, reply) = upload_json(&client, &[("csrf", &token)], "diagram.png", &bytes).await;
    assert_eq!(status, Status::UnprocessableEntity, "{reply}");
    assert!(
        reply["error"].as_str().unwrap().contains("alt text"),
        "{reply}"
    );
    let (status, reply) = upload_json(
        &client,
        &[("csrf", "forged"), ("alt", "A diagram")],
        "diagram.png",
        &bytes,
    )
    .await;
    assert_eq!(status, Status::Forbidden, "{reply}");
    assert!(
        reply["error"].as_str().unwrap().contains("Reload"),
        "{reply}"
    );
    assert_eq!(
        stored(&db).await,
        0,
        "nothing stored without alt text or token"
    );

    let (status, reply) = upload_json(
        &client,
        &[("csrf", &token), ("alt", "The request cycle")],
        "not an image.png",
        b"<html><script>alert(1)</script></html>",
    )
    .await;
    assert_eq!(status, Status::UnprocessableEntity, "{reply}");
    assert!(
        reply["error"].as_str().unwrap().contains("not a PNG"),
        "{reply}"
    );

    let (status, reply) = upload_json(
        &client,
        &[("csrf", &token), ("alt", "  The request cycle ")],
        "diagram.png",
        &bytes,
    )
    .await;
    assert_eq!(status, Status::Created, "{reply}");
    let url = format!("/media/{hash}/diagram.png");
    assert_eq!(reply["url"], url.as_str());
    assert_eq!(
        reply["markdown"],
        format!("![The request cycle]({url})").as_str()
    );
    assert_eq!(stored(&db).await, 1);
    assert_eq!(
        count(
            &db,
            &format!(
                "SELECT COUNT(*) FROM media WHERE sha256 = '{hash}' AND alt = 'The request cycle'"
            )
        )
        .await,
        1,
        "the alt text is stored with the image"
    );
    let served = client.get(url.clone()).dispatch().await;
    assert_eq!(served.status(), Status::Ok);
    assert_eq!(served.into_bytes().await.unwrap(), bytes);

    // The editor's panel offers it with its alt text, and the images page's
    // form asks for alt text too.
    let id = count(&db, "SELECT id FROM lessons WHERE slug = 'install-node'").await;
    let (_, editor) = get(&client, &format!("/admin/lessons/{id}/edit")).await;
    assert!(
        editor.contains(&format!(
            "data-url=\"{url}\" data-alt=\"The request cycle\""
        )),
        "{editor}"
    );
    let (ct, body) = multipart(&[("csrf", &token)], "other.png", &png("other"));
    let res = client
        .post("/admin/media")
        .header(ct)
        .body(body)
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::UnprocessableEntity);
    assert!(res.into_string().await.unwrap().contains("alt text"));
}

/// An image a lesson from a file shows by a relative path appears only in
/// the lesson's rendered page, which is stored compressed: it is still
/// found in use, and kept.
#[rocket::async_test]
async fn an_image_a_synced_lesson_shows_by_its_path_cannot_be_deleted() {
    let (f, client, token) = site(Role::Editor).await;
    let db = f.connect().await;
    use sea_orm::ConnectionTrait;
    let rows = db
        .connection()
        .query_all_raw(sea_orm::Statement::from_string(
            db.connection().get_database_backend(),
            "SELECT sha256 FROM media WHERE name = 'request-cycle.png'",
        ))
        .await
        .unwrap();
    let sha: String = rows[0].try_get("", "sha256").unwrap();
    let (status, page) = get(&client, &format!("/admin/media/{sha}/delete")).await;
    assert_eq!(status, Status::Ok);
    assert!(
        page.contains("cannot be deleted") && page.contains("What backend developers do"),
        "{page}"
    );
    let (status, _, _) = post(
        &client,
        &format!("/admin/media/{sha}/delete"),
        &[("csrf", &token)],
    )
    .await;
    assert_eq!(status, Status::Conflict);
}

#[rocket::async_test]
async fn an_unused_image_is_deleted_after_confirming_and_a_used_one_is_kept() {
    let (f, client, token) = site(Role::Editor).await;
    let db = f.connect().await;
    let mut urls = Vec::new();
    for (alt, extra) in [("Unused", "unused"), ("Used", "used")] {
        let (status, reply) = upload_json(
            &client,
            &[("csrf", &token), ("alt", alt)],
            &format!("{extra}.png"),
            &png(extra),
        )
        .await;
        assert_eq!(status, Status::Created, "{reply}");
        urls.push(reply["url"].as_str().unwrap().to_string());
    }
    let hash = |url: &str| url.split('/').nth(2).unwrap().to_string();
    let (unused, used) = (hash(&urls[0]), hash(&urls[1]));
    save_body(
        &f,
        &client,
        &token,
        "install-node",
        &format!("Look:\n\n![Used]({})\n", urls[1]),
    )
    .await;

    // The used one: the confirm page names the lesson and offers no button;
    // posting anyway is refused.
    let (status, page) = get(&client, &format!("/admin/media/{used}/delete")).await;
    assert_eq!(status, Status::Ok);
    assert!(
        page.contains("cannot be deleted") && page.contains("Installing Node.js"),
        "{page}"
    );
    assert!(!page.contains("Delete the image</button>"), "{page}");
    let (status, _, _) = post(
        &client,
        &format!("/admin/media/{used}/delete"),
        &[("csrf", &token)],
    )
    .await;
    assert_eq!(status, Status::Conflict);
    // Taken out of the lesson, it is still in a revision a restore would bring back.
    save_body(&f, &client, &token, "install-node", "No image now.\n").await;
    let (status, _, page) = post(
        &client,
        &format!("/admin/media/{used}/delete"),
        &[("csrf", &token)],
    )
    .await;
    assert_eq!(status, Status::Conflict, "{page}");
    assert!(page.contains("earlier versions"), "{page}");
    assert_eq!(get(&client, &urls[1]).await.0, Status::Ok);

    // The unused one: confirmed, deleted, audited, gone.
    let (_, page) = get(&client, &format!("/admin/media/{unused}/delete")).await;
    assert!(page.contains("Delete the image</button>"), "{page}");
    let (status, _, _) = post(
        &client,
        &format!("/admin/media/{unused}/delete"),
        &[("csrf", "forged")],
    )
    .await;
    assert_eq!(status, Status::Forbidden);
    let (status, location, _) = post(
        &client,
        &format!("/admin/media/{unused}/delete"),
        &[("csrf", &token)],
    )
    .await;
    assert_eq!(
        (status, location.as_deref()),
        (Status::SeeOther, Some("/admin/media"))
    );
    assert_eq!(
        count(
            &db,
            &format!("SELECT COUNT(*) FROM media WHERE sha256 = '{unused}'")
        )
        .await,
        0
    );
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'media.delete' AND actor = 'eve' AND detail = 'deleted the unused image unused.png'"
        )
        .await,
        1
    );
    assert_eq!(get(&client, &urls[0]).await.0, Status::NotFound);
}

/// The order in which `titles` appear in the public course page's outline.
fn outline(page: &str, titles: &[&str]) -> Vec<usize> {
    let page = &page[page.find("lesson-item").expect("an outline")..];
    let mut at: Vec<(usize, usize)> = titles
        .iter()
        .enumerate()
        .map(|(i, t)| {
            (
                page.find(t).unwrap_or_else(|| panic!("{t} not in {page}")),
                i,
            )
        })
        .collect();
    at.sort();
    at.into_iter().map(|(_, i)| i).collect()
}

#[rocket::async_test]
async fn moving_a_lesson_to_a_position_reorders_the_course_outline() {
    let (f, client, token) = site(Role::Editor).await;
    let db = f.connect().await;
    let course = count(&db, "SELECT id FROM courses WHERE slug = 'web-foundations'").await;
    let titles = [
        "How the web works",
        "HTML, CSS and JavaScript",
        "HTTP methods and status codes",
    ];
    let (_, page) = get(&client, "/web-foundations/").await;
    assert_eq!(outline(&page, &titles), [0, 1, 2]);
    let last = count(
        &db,
        "SELECT id FROM lessons WHERE slug = 'http-methods-and-status-codes'",
    )
    .await;

    // The course's admin page has a "move to position" form per lesson.
    let back = format!("/admin/courses/{course}/edit");
    let (_, admin) = get(&client, &back).await;
    assert!(
        admin.contains(&format!("action=\"/admin/lessons/{last}/move-to\"")),
        "{admin}"
    );
    assert!(
        admin.contains(&format!("name=\"back\" value=\"{back}\"")),
        "the form comes back to the course's page: {admin}"
    );
    let (status, location, _) = post(
        &client,
        &format!("/admin/lessons/{last}/move-to"),
        &[("csrf", &token), ("position", "1"), ("back", &back)],
    )
    .await;
    assert_eq!(
        (status, location.as_deref()),
        (Status::SeeOther, Some(back.as_str()))
    );
    let (_, page) = get(&client, "/web-foundations/").await;
    assert_eq!(outline(&page, &titles), [2, 0, 1]);
    assert_eq!(
        count(
            &db,
            &format!("SELECT COUNT(*) FROM audit_log WHERE action = 'lesson.move' AND target = 'lesson {last}' AND detail = 'moved to position 1'")
        )
        .await,
        1
    );

    // What drag and drop sends: the same form, answered with the new order.
    let first = count(
        &db,
        "SELECT id FROM lessons WHERE slug = 'how-the-web-works'",
    )
    .await;
    let res = client
        .post(format!("/admin/lessons/{first}/move-to"))
        .header(ContentType::Form)
        .header(Header::new("Accept", "application/json"))
        .body(crate::common::form(&[("csrf", &token), ("position", "3")]))
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::Ok);
    let reply: serde_json::Value = serde_json::from_str(&res.into_string().await.unwrap()).unwrap();
    assert_eq!(reply["order"].as_array().unwrap().last().unwrap(), first);
    assert_eq!(reply["message"], "Moved to position 3.");
    let (_, page) = get(&client, "/web-foundations/").await;
    assert_eq!(outline(&page, &titles), [2, 1, 0]);
    let (status, _, _) = post(
        &client,
        &format!("/admin/lessons/{first}/move-to"),
        &[("csrf", "forged"), ("position", "1")],
    )
    .await;
    assert_eq!(status, Status::Forbidden);
}

#[rocket::async_test]
async fn the_dashboard_counts_changes_not_in_git_and_its_export_writes_the_image_beside_the_lesson()
{
    let (f, client, token) = site(Role::Admin).await;
    let db = f.connect().await;
    let (_, dashboard) = get(&client, "/admin").await;
    assert!(
        dashboard.contains("Every change made here is in the content folder."),
        "{dashboard}"
    );

    let bytes = png("exported");
    let (status, reply) = upload_json(
        &client,
        &[("csrf", &token), ("alt", "The request cycle")],
        "cycle diagram.png",
        &bytes,
    )
    .await;
    assert_eq!(status, Status::Created, "{reply}");
    let url = reply["url"].as_str().unwrap().to_string();
    let markdown = reply["markdown"].as_str().unwrap().to_string();
    save_body(
        &f,
        &client,
        &token,
        "install-node",
        &format!("Before the image.\n\n{markdown}\n\nAfter it.\n"),
    )
    .await;

    let (_, dashboard) = get(&client, "/admin").await;
    assert!(
        dashboard
            .contains("1 lesson and 0 courses changed here are not in the content folder yet."),
        "{dashboard}"
    );
    assert!(
        dashboard.contains("Installing Node.js") && dashboard.contains("href=\"/admin/export\"")
    );
    let (status, confirm) = get(&client, "/admin/export").await;
    assert_eq!(status, Status::Ok);
    let (status, _, report) = post(
        &client,
        "/admin/export",
        &[("csrf", &hidden(&confirm, "csrf"))],
    )
    .await;
    assert_eq!(status, Status::Ok, "{report}");
    assert!(
        report.contains("backend-dev/images/cycle-diagram.png"),
        "{report}"
    );
    assert!(
        report.contains("backend-dev/02-install-node.md"),
        "{report}"
    );
    assert!(
        report.contains("commit and push the content folder"),
        "{report}"
    );

    // The image is a file beside the lesson, the link relative to it.
    let image = f.content().join("backend-dev/images/cycle-diagram.png");
    assert_eq!(std::fs::read(&image).unwrap(), bytes);
    let file = std::fs::read_to_string(f.content().join("backend-dev/02-install-node.md")).unwrap();
    assert!(
        file.contains("![The request cycle](images/cycle-diagram.png)")
            && !file.contains("/media/"),
        "{file}"
    );
    let (_, dashboard) = get(&client, "/admin").await;
    assert!(
        dashboard.contains("Every change made here is in the content folder."),
        "{dashboard}"
    );

    // The next sync is quiet, the files pass check, and the page still shows the image.
    assert_eq!(lectern::content::check(&f.content()).unwrap().errors(), 0);
    let synced = f.sync(&db).await;
    assert!(
        synced.created.is_empty() && synced.updated.is_empty() && synced.conflicts.is_empty(),
        "{synced:?}"
    );
    let (_, page) = get(&client, "/backend-dev/install-node/").await;
    assert!(page.contains(&format!("src=\"{url}\"")), "{page}");
    let served = client.get(url).dispatch().await;
    assert_eq!(served.into_bytes().await.unwrap(), bytes);
    // A second export writes nothing: the image file is reused, never copied again.
    let again = lectern::content::export(&db, &f.content()).await.unwrap();
    assert!(again.written.is_empty(), "{again:?}");

    // Editors see the count; only admins export.
    add_user(&db, "ed", Role::Editor).await;
    let editor = f.client().await;
    log_in(&editor, "ed", PASSWORD).await;
    assert_eq!(get(&editor, "/admin/export").await.0, Status::Forbidden);
}

// ------------------------------------------------------------ in a browser

/// A 1×1 PNG, built in the page as a dropped file would be.
const DOT_PNG: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
const ALT: &str = "A single red dot";

#[rocket::async_test]
async fn an_image_dropped_into_the_editor_reaches_the_public_page_and_the_content_folder() {
    if !require_browsers() {
        return;
    }
    let f = Fixture::with_sample_content().await;
    let server = Server::start(&f);
    let driver = ChromeDriver::start();
    let client = driver.connect(f.dir.path(), true).await;
    let outcome = drop_flow(&client, &server.base, &server.setup_path, &f).await;
    let evidence = match &outcome {
        Err(_) => save_evidence(&client).await,
        Ok(()) => String::new(),
    };
    let _ = client.close().await;
    if let Err(e) = outcome {
        panic!(
            "image drop flow failed: {e:#}\n{evidence}\n--- lectern log ---\n{}",
            server.log()
        );
    }

    let no_js = driver.connect(&f.dir.path().join("js-off"), false).await;
    let outcome = without_javascript(&no_js, &server.base, &f).await;
    let evidence = match &outcome {
        Err(_) => save_evidence(&no_js).await,
        Ok(()) => String::new(),
    };
    let _ = no_js.close().await;
    if let Err(e) = outcome {
        panic!("without JavaScript: {e:#}\n{evidence}");
    }
}

/// The same pages with JavaScript off: the panel shows lines to copy, and
/// the position form moves a lesson (through a reload).
async fn without_javascript(c: &Browser, base: &str, f: &Fixture) -> Result<()> {
    c.goto(&format!("{base}/admin/login")).await?;
    type_into(c, "#username", "ada").await?;
    type_into(c, "#password", PASSWORD).await?;
    click_button(c, "Log in").await?;
    expect_heading(c, "Dashboard").await?;

    click_link(c, "Lessons").await?;
    click_link(c, "Installing Node.js").await?;
    expect_heading(c, "Edit “Installing Node.js”").await?;
    let insert = c.find(Locator::Css(".insert-image")).await?;
    ensure!(
        !insert.is_displayed().await?,
        "no Insert button without JavaScript"
    );
    wait_text(c, ".image-list code", "](/media/").await?;

    let db = f.connect().await;
    let course = count(&db, "SELECT id FROM courses WHERE slug = 'web-foundations'").await;
    let first = count(
        &db,
        "SELECT id FROM lessons WHERE slug = 'how-the-web-works'",
    )
    .await;
    c.goto(&format!("{base}/admin/courses/{course}/edit"))
        .await?;
    let field = format!("#position-{first}");
    c.find(Locator::Css(&field)).await?.clear().await?;
    type_into(c, &field, "2").await?;
    let button = c
        .find(Locator::XPath(&format!(
            "//tr[@data-id='{first}']//button[normalize-space(.)='Move']"
        )))
        .await?;
    click(c, button, "Move").await?;
    let deadline = Instant::now() + WAIT;
    loop {
        // The page is replaced after the form posts: an element read while
        // that happens is gone, which only means "look again".
        let second = match c.find_all(Locator::Css("tr[data-id]")).await {
            Ok(rows) if rows.len() == 3 => rows[1].attr("data-id").await.ok().flatten(),
            _ => None,
        };
        if second.as_deref() == Some(&first.to_string()) {
            break;
        }
        ensure!(
            Instant::now() < deadline,
            "the lesson did not move to position 2"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let place = count(
        &db,
        &format!("SELECT position FROM lessons WHERE id = {first}"),
    )
    .await;
    ensure!(place == 2, "stored at position {place}");
    Ok(())
}

/// Polls `script` (returning a value) until `done` accepts it.
async fn wait_for(
    c: &Browser,
    script: &str,
    done: impl Fn(&serde_json::Value) -> bool,
) -> Result<serde_json::Value> {
    let deadline = Instant::now() + WAIT;
    loop {
        let value = c.execute(script, vec![]).await?;
        if done(&value) {
            return Ok(value);
        }
        if Instant::now() > deadline {
            bail!("{script} gave {value} until the wait ran out");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Drops a file built in the page onto the editor's text (WebDriver cannot
/// drag one from the desktop: this is the event the browser would send, to
/// the real handler), then gives it alt text in the dialog. The file holds
/// `png` (base64) when given, else the text `other`.
async fn drop_file(
    c: &Browser,
    png: Option<&str>,
    other: &str,
    name: &str,
    alt: &str,
) -> Result<()> {
    c.execute(
        "const bytes = arguments[0] ? Uint8Array.from(atob(arguments[0]), ch => ch.charCodeAt(0)) : arguments[2];
         const file = new File([bytes], arguments[1], { type: 'image/png' });
         const data = new DataTransfer();
         data.items.add(file);
         const text = document.getElementById('body_md');
         text.focus();
         text.setSelectionRange(0, 0);
         text.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));",
        vec![png.into(), name.into(), other.into()],
    )
    .await?;
    c.wait()
        .at_most(WAIT)
        .for_element(Locator::Css("dialog.alt-dialog[open]"))
        .await
        .context("the alt text dialog opens")?;
    type_into(c, "#alt-dialog-text", alt).await?;
    let ok = c
        .find(Locator::Css("dialog.alt-dialog button[value=ok]"))
        .await?;
    click(c, ok, "the dialog's Insert").await
}

async fn drop_flow(c: &Browser, base: &str, setup_path: &str, f: &Fixture) -> Result<()> {
    c.goto(&format!("{base}{setup_path}")).await?;
    type_into(c, "#username", "ada").await?;
    type_into(c, "#display_name", "Ada").await?;
    type_into(c, "#password", PASSWORD).await?;
    type_into(c, "#password_again", PASSWORD).await?;
    click_button(c, "Create admin").await?;
    expect_heading(c, "Dashboard").await?;

    click_link(c, "Lessons").await?;
    click_link(c, "Installing Node.js").await?;
    expect_heading(c, "Edit “Installing Node.js”").await?;

    // A file that only claims to be an image: refused, and the placeholder
    // goes away with a message, leaving the text as it was.
    let before = c
        .execute("return document.getElementById('body_md').value;", vec![])
        .await?;
    drop_file(
        c,
        None,
        "just some notes, not a picture",
        "notes.png",
        "Notes",
    )
    .await?;
    wait_text(c, ".image-status", "Not uploaded: This file is not a PNG").await?;
    let after = c
        .execute("return document.getElementById('body_md').value;", vec![])
        .await?;
    ensure!(
        before == after,
        "a refused upload leaves the text as it was"
    );

    drop_file(c, Some(DOT_PNG), "", "red dot.png", ALT).await?;
    let text = wait_for(c, "return document.getElementById('body_md').value;", |v| {
        v.as_str()
            .is_some_and(|t| t.starts_with(&format!("![{ALT}](/media/")))
    })
    .await?;
    ensure!(
        !text.as_str().unwrap_or("").contains("Uploading"),
        "the placeholder is gone: {text}"
    );
    wait_text(c, ".image-status", "Inserted").await?;

    // One click on an image of the panel inserts it at the cursor, asking
    // for alt text first (the sample image has none yet).
    let insert = c
        .find(Locator::Css(".image-list li:last-child .insert-image"))
        .await?;
    ensure!(
        insert.is_displayed().await?,
        "Insert buttons show with JavaScript"
    );
    c.execute(
        "const t = document.getElementById('body_md'); t.setSelectionRange(t.value.length, t.value.length);",
        vec![],
    )
    .await?;
    click(c, insert, "an image's Insert button").await?;
    type_into(c, "#alt-dialog-text", "The request cycle").await?;
    let ok = c
        .find(Locator::Css("dialog.alt-dialog button[value=ok]"))
        .await?;
    click(c, ok, "the dialog's Insert").await?;
    wait_for(c, "return document.getElementById('body_md').value;", |v| {
        v.as_str().is_some_and(|t| {
            t.trim_end().ends_with(".png)") && t.contains("![The request cycle](/media/")
        })
    })
    .await?;
    click_button(c, "Save").await?;
    let db = f.connect().await;
    let deadline = Instant::now() + WAIT;
    let saved = format!("SELECT COUNT(*) FROM lessons WHERE slug = 'install-node' AND body_md LIKE '![{ALT}](/media/%'");
    while count(&db, &saved).await != 1 {
        ensure!(
            Instant::now() < deadline,
            "the lesson was not saved with the image"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    c.goto(&format!("{base}/backend-dev/install-node/")).await?;
    let width = wait_for(
        c,
        &format!("const img = document.querySelector(\"img[alt='{ALT}']\"); return img && img.complete ? img.naturalWidth : 0;"),
        |v| v.as_i64() == Some(1),
    )
    .await?;
    ensure!(width == 1, "the public page shows the dropped image");

    reorder_flow(c, base, f).await?;

    c.goto(&format!("{base}/admin")).await?;
    wait_text(c, ".unexported-count", "1 lesson").await?;
    crate::browser::docs_screenshot(c, "admin-dashboard.png").await?;
    click_link(c, "Export to files").await?;
    expect_heading(c, "Export to files").await?;
    click_button(c, "Export to files").await?;
    let written = wait_text(c, ".export-written", "backend-dev/images/").await?;
    let name = written
        .lines()
        .find_map(|l| l.trim().strip_prefix("backend-dev/images/"))
        .context("an image among the files written")?
        .to_string();
    let file = std::fs::read_to_string(f.content().join("backend-dev/02-install-node.md"))?;
    ensure!(
        file.contains(&format!("![{ALT}](images/{name})")),
        "the exported lesson links images/{name}: {file}"
    );
    let dot = std::fs::read(f.content().join("backend-dev/images").join(&name))?;
    ensure!(dot.starts_with(b"\x89PNG"), "the image file is the PNG");
    Ok(())
}

/// The ids of the course page's lesson rows, in the order shown.
const ROW_IDS: &str =
    "return Array.from(document.querySelectorAll('tr[data-id]')).map(r => Number(r.dataset.id));";

/// Drags a lesson row onto another on the course's page (synthetic drag
/// events to the real handlers, as for the file), then moves one with the
/// position form; both save without a reload and survive one.
async fn reorder_flow(c: &Browser, base: &str, f: &Fixture) -> Result<()> {
    let db = f.connect().await;
    let course = count(&db, "SELECT id FROM courses WHERE slug = 'web-foundations'").await;
    c.goto(&format!("{base}/admin/courses/{course}/edit"))
        .await?;
    let before = c.execute(ROW_IDS, vec![]).await?;
    let ids: Vec<i64> = serde_json::from_value(before)?;
    ensure!(ids.len() == 3, "three lessons listed: {ids:?}");
    c.execute(
        "window.notReloaded = true;
         const rows = document.querySelectorAll('tr[data-id]');
         const data = new DataTransfer();
         const fire = (el, type) => el.dispatchEvent(new DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true }));
         fire(rows[2], 'dragstart');
         fire(rows[0], 'dragover');
         fire(rows[0], 'drop');
         fire(rows[2], 'dragend');",
        vec![],
    )
    .await?;
    let moved = vec![ids[2], ids[0], ids[1]];
    wait_for(c, ROW_IDS, |v| v == &serde_json::json!(moved)).await?;
    wait_text(c, "#reorder-status", "Moved to position 1.").await?;

    // The keyboard's way: type a position, press Move.
    let field = format!("#position-{}", ids[2]);
    c.find(Locator::Css(&field)).await?.clear().await?;
    type_into(c, &field, "3").await?;
    let button = c
        .find(Locator::XPath(&format!(
            "//tr[@data-id='{}']//button[normalize-space(.)='Move']",
            ids[2]
        )))
        .await?;
    click(c, button, "Move").await?;
    let last = vec![ids[0], ids[1], ids[2]];
    wait_for(c, ROW_IDS, |v| v == &serde_json::json!(last)).await?;
    wait_text(c, "#reorder-status", "Moved to position 3.").await?;
    let same_page = c
        .execute("return window.notReloaded === true;", vec![])
        .await?;
    ensure!(
        same_page == serde_json::json!(true),
        "both moves saved without a reload"
    );
    c.refresh().await?;
    wait_for(c, ROW_IDS, |v| v == &serde_json::json!(last)).await?;
    let audited = count(
        &db,
        "SELECT COUNT(*) FROM audit_log WHERE action = 'lesson.move' AND detail IN ('moved to position 1', 'moved to position 3')",
    )
    .await;
    ensure!(audited == 2, "both moves audited: {audited}");
    Ok(())
}
