//! Limits (issue #9). A request body over a size limit answers 413 with a
//! page naming the limit, and a lesson text over its limit comes back in the
//! editor, unsaved; malformed fields answer 422; page numbers that are not
//! a page are clamped (page 1, or the last page) and answer 200.
//!
//! Elsewhere: an oversize image in `admin.rs`, search queries and pages in
//! `discovery.rs`, the webhook payload limit and a hanging `git pull` in
//! `git.rs`.

use lectern::db::entity::{Origin, Role};
use rocket::http::{ContentType, Status};
use rocket::local::asynchronous::Client;
use sea_orm::ConnectionTrait;

use crate::common::{add_user, count, course, csrf, get, lesson, log_in, post, Fixture, PASSWORD};

/// A course of 60 lessons (two pages of the admin list), an admin `ada`
/// logged in, and her CSRF token.
async fn site() -> (Fixture, Client, String) {
    let f = Fixture::new().await;
    f.write("big/_course.md", course("Big"));
    for i in 1..=60 {
        f.write(
            &format!("big/{i:02}-l{i}.md"),
            lesson(&format!("L{i}"), "Text."),
        );
    }
    let client = f.client().await;
    add_user(&f.connect().await, "ada", Role::Admin).await;
    assert_eq!(log_in(&client, "ada", PASSWORD).await, Status::SeeOther);
    let token = csrf(&client).await;
    (f, client, token)
}

/// The fields of a new lesson in course `course_id`, with `body`.
fn lesson_fields<'a>(token: &'a str, course_id: &'a str, body: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", token),
        ("title", "Too long"),
        ("slug", "too-long"),
        ("course_id", course_id),
        ("status", "draft"),
        ("summary", ""),
        ("body_md", body),
        ("action", "save"),
    ]
}

/// The same fields as multipart/form-data.
fn multipart(fields: &[(&str, &str)]) -> (ContentType, Vec<u8>) {
    let boundary = "lecternlimits0Fx2";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(value.as_bytes());
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (
        ContentType::new("multipart", "form-data").with_params(("boundary", boundary)),
        body,
    )
}

/// An image upload of `bytes` (named `big.png`).
fn upload(token: &str, bytes: &[u8]) -> (ContentType, Vec<u8>) {
    let boundary = "lecternlimits0Fx2";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{token}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.png\"\r\n\
         Content-Type: image/png\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (
        ContentType::new("multipart", "form-data").with_params(("boundary", boundary)),
        body,
    )
}

async fn send(client: &Client, uri: &str, (ct, body): (ContentType, Vec<u8>)) -> (Status, String) {
    let res = client
        .post(uri.to_string())
        .header(ct)
        .body(body)
        .dispatch()
        .await;
    (res.status(), res.into_string().await.unwrap_or_default())
}

#[rocket::async_test]
async fn a_lesson_text_over_its_limit_comes_back_in_the_editor_unsaved_with_413() {
    let (f, client, token) = site().await;
    let db = f.connect().await;
    let course_id = count(&db, "SELECT id FROM courses WHERE slug = 'big'")
        .await
        .to_string();
    // 1.2 MiB of text: over the 1 MiB of a lesson, well within the form limit.
    let body = "Some words of a lesson.\n".repeat(52_500);
    let (status, _, html) = post(
        &client,
        "/admin/lessons/new",
        &lesson_fields(&token, &course_id, &body),
    )
    .await;
    assert_eq!(status, Status::PayloadTooLarge);
    assert!(
        html.contains("the text is 1.2 MiB, over the limit of 1 MiB: nothing was saved"),
        "names the size and the limit"
    );
    assert!(html.contains(&body), "the typed text is in the editor");
    assert!(html.contains("name=\"title\" value=\"Too long\""));
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM lessons WHERE slug = 'too-long'").await,
        0
    );

    // The same through an existing lesson's editor: nothing changes.
    let id = count(&db, "SELECT id FROM lessons WHERE slug = 'l1'").await;
    let mut fields = lesson_fields(&token, &course_id, &body);
    fields.extend([("version", "1"), ("slug", "l1")]);
    fields.retain(|(k, v)| *k != "slug" || *v == "l1");
    let (status, _, html) = post(&client, &format!("/admin/lessons/{id}/edit"), &fields).await;
    assert_eq!(status, Status::PayloadTooLarge);
    assert!(html.contains("over the limit of 1 MiB") && html.contains(&body));
    assert_eq!(
        count(&db, &format!("SELECT version FROM lessons WHERE id = {id}")).await,
        1
    );

    // The limit holds for a multipart form just the same.
    let (status, html) = send(
        &client,
        "/admin/lessons/new",
        multipart(&lesson_fields(&token, &course_id, &body)),
    )
    .await;
    assert_eq!(status, Status::PayloadTooLarge);
    assert!(html.contains("over the limit of 1 MiB") && html.contains(&body));

    // A text just within the limit fits in a form even where url-encoding
    // triples it (a three-byte character is nine bytes encoded).
    let euros = "€".repeat(99) + "\n";
    let body = euros.repeat((1 << 20) / euros.len());
    assert!(body.len() <= 1 << 20 && body.len() > 1_000_000);
    let mut fields = lesson_fields(&token, &course_id, &body);
    fields.retain(|(k, _)| *k != "slug");
    fields.push(("slug", "just-fits"));
    let (status, location, html) = post(&client, "/admin/lessons/new", &fields).await;
    assert_eq!(status, Status::SeeOther, "{html:.300}");
    assert!(location.unwrap().ends_with("/edit?saved=true"));
}

#[rocket::async_test]
async fn a_body_over_the_form_limit_answers_a_413_page_naming_the_limits() {
    let (f, client, token) = site().await;
    let db = f.connect().await;
    let course_id = count(&db, "SELECT id FROM courses WHERE slug = 'big'")
        .await
        .to_string();
    let lessons_before = count(&db, "SELECT COUNT(*) FROM lessons").await;

    // Url-encoded, over `form` (4 MiB): Rocket refuses it before the editor.
    let body = "x".repeat(5 << 20);
    let (status, _, html) = post(
        &client,
        "/admin/lessons/new",
        &lesson_fields(&token, &course_id, &body),
    )
    .await;
    assert_eq!(status, Status::PayloadTooLarge);
    for needle in [
        "Too large",
        "The form you sent is larger than the 4 MiB this site accepts.",
        "Nothing was saved. Go back with your browser&#x27;s Back button: what you typed is still in the form.",
        "A lesson or course text may be at most 1 MiB, an image at most 10 MiB.",
    ] {
        assert!(html.contains(needle), "{needle:?} in {html}");
    }

    // Multipart, over `data-form` (11 MiB): 413 too, not 422 for the fields
    // that were cut off.
    let body = "x".repeat(12 << 20);
    let (status, html) = send(
        &client,
        "/admin/lessons/new",
        multipart(&lesson_fields(&token, &course_id, &body)),
    )
    .await;
    assert_eq!(status, Status::PayloadTooLarge);
    assert!(
        html.contains("The upload you sent is larger than the 11 MiB this site accepts."),
        "{html}"
    );
    // Any admin form, not only the editor's.
    let (status, html) = send(
        &client,
        "/admin/users/new",
        multipart(&[("csrf", &token), ("username", &body)]),
    )
    .await;
    assert_eq!(status, Status::PayloadTooLarge);
    assert!(html.contains("11 MiB"));
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM lessons").await,
        lessons_before
    );

    // A malformed field is 422, with its own page; nothing changes.
    let id = count(&db, "SELECT id FROM lessons WHERE slug = 'l1'").await;
    let (status, _, html) = post(
        &client,
        &format!("/admin/lessons/{id}/archive"),
        &[("csrf", &token), ("version", "one")],
    )
    .await;
    assert_eq!(status, Status::UnprocessableEntity);
    assert!(html.contains("This form could not be read"), "{html}");
    assert_eq!(
        count(&db, &format!("SELECT version FROM lessons WHERE id = {id}")).await,
        1
    );
}

#[rocket::async_test]
async fn an_image_over_its_limit_answers_413_naming_it() {
    let (f, client, token) = site().await;
    let db = f.connect().await;
    let media_before = count(&db, "SELECT COUNT(*) FROM media").await;
    // Just over `file` (10 MiB) but within `data-form` (11 MiB); then over both.
    for size in [(10 << 20) + 1, 12 << 20] {
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        png.resize(size, 0);
        let (status, html) = send(&client, "/admin/media", upload(&token, &png)).await;
        assert_eq!(status, Status::PayloadTooLarge, "{size}");
        assert!(
            html.contains(
                "The file is larger than the limit of 10 MiB for an image. Nothing was uploaded."
            ),
            "{size}: {html}"
        );
    }
    assert_eq!(count(&db, "SELECT COUNT(*) FROM media").await, media_before);
}

#[rocket::async_test]
async fn page_numbers_out_of_range_or_malformed_are_clamped_on_every_admin_list() {
    let (f, client, _) = site().await;
    let db = f.connect().await;
    // Two pages of each list: lessons (50 a page), a lesson's history (50),
    // the audit log (100).
    let id = count(&db, "SELECT id FROM lessons WHERE slug = 'l1'").await as i32;
    for n in 2..=60 {
        let text = lectern::db::revisions::RevisionText {
            title: "L1",
            summary: "",
            body_md: "Text.",
            fields: None,
        };
        lectern::db::revisions::record_text(&db, id, n, text, Origin::Admin, Some("ada"), None)
            .await
            .unwrap();
    }
    for n in 0..150 {
        lectern::accounts::audit::record(&db, "ada", "test.entry", &format!("n{n}"), "")
            .await
            .unwrap();
    }
    let lists = [
        ("/admin/lessons", "60 lessons, page {} of 2."),
        (
            &format!("/admin/lessons/{id}/history") as &str,
            "60 versions, page {} of 2",
        ),
        ("/admin/audit", "entries, page {} of 2."),
    ];
    let cases = [
        ("", 1),
        ("?page=", 1),
        ("?page=0", 1),
        ("?page=-1", 1),
        ("?page=abc", 1),
        ("?page=1.5", 1),
        ("?page=%zz", 1),
        ("?page=1", 1),
        ("?page=2", 2),
        ("?page=999999", 2),
        ("?page=18446744073709551615", 2),
        ("?page=99999999999999999999999", 2),
    ];
    for (list, marker) in lists {
        for (query, shown) in cases {
            let uri = format!("{list}{query}");
            let (status, html) = get(&client, &uri).await;
            assert_eq!(status, Status::Ok, "{uri}");
            let marker = marker.replace("{}", &shown.to_string());
            assert!(html.contains(&marker), "{uri}: no {marker:?} in {html}");
            // The last page has rows, and no link past it.
            if shown == 2 {
                assert!(!html.contains("rel=\"next\""), "{uri}");
                assert!(html.contains("rel=\"prev\""), "{uri}");
            }
        }
    }
    // A clamped page keeps its filters.
    let (status, html) = get(&client, "/admin/lessons?q=L5&page=999999").await;
    assert_eq!(status, Status::Ok);
    assert!(
        html.contains("11 lessons.") && html.contains(">L59<"),
        "{html}"
    );
}

/// The words filter counts and pages its matches in the list's order (on
/// PostgreSQL from the lowered titles of migration 28), whatever the case
/// typed, and with a status filter beside it.
#[rocket::async_test]
async fn the_words_filter_pages_its_matches_in_list_order() {
    let (f, client, _) = site().await;
    let db = f.connect().await;
    db.execute_unprepared("UPDATE lessons SET status = 'draft' WHERE title = 'L52'")
        .await
        .unwrap();
    let titles = |html: &str| -> Vec<String> {
        html.split(">L")
            .skip(1)
            .filter_map(|rest| rest.split('<').next())
            .filter(|n| n.chars().all(|c| c.is_ascii_digit()))
            .map(|n| format!("L{n}"))
            .collect()
    };
    let (status, html) = get(&client, "/admin/lessons?q=l5").await;
    assert_eq!(status, Status::Ok);
    assert!(html.contains("11 lessons."), "{html}");
    let expected: Vec<String> = std::iter::once(5)
        .chain(50..=59)
        .map(|n| format!("L{n}"))
        .collect();
    assert_eq!(titles(&html), expected);
    let (_, html) = get(&client, "/admin/lessons?q=%20L5%20&status=published").await;
    assert!(html.contains("10 lessons."), "{html}");
    assert!(!titles(&html).contains(&"L52".to_string()));
    let (_, html) = get(&client, "/admin/lessons?q=nothing-like-it").await;
    assert!(html.contains("No lessons match."), "{html}");
}
