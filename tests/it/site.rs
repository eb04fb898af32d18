//! The public reader site, on the shipped sample content.

use rocket::http::{ContentType, Status};

use sea_orm::ConnectionTrait;

use crate::common::{course, get, lesson, Fixture};

#[rocket::async_test]
async fn home_lists_courses_with_lesson_counts() {
    let f = Fixture::with_sample_content().await;
    let client = f.client().await;
    let (status, html) = get(&client, "/").await;
    assert_eq!(status, Status::Ok);
    assert!(html.contains("<html lang=\"en\">"));
    assert_eq!(html.matches("<h1").count(), 1, "one h1");
    let backend = html
        .find("href=\"/backend-dev/\"")
        .expect("backend course listed");
    let web = html
        .find("href=\"/web-foundations/\"")
        .expect("web course listed");
    assert!(backend < web, "courses follow their weight");
    // Five public lessons: the draft is not counted.
    assert!(html.contains("5 lessons"), "{html}");
    assert!(html.contains("3 lessons"));
}

#[rocket::async_test]
async fn course_page_has_ordered_outline_without_drafts() {
    let f = Fixture::with_sample_content().await;
    let client = f.client().await;
    let (status, html) = get(&client, "/backend-dev/").await;
    assert_eq!(status, Status::Ok);
    assert!(
        html.contains("<title>Backend Developer · Lectern</title>"),
        "{html}"
    );
    // Absolute, from the configured address (here Rocket.toml's, unset base_url).
    assert!(html.contains(r#"<link rel="canonical" href="http://127.0.0.1:8000/backend-dev/">"#));
    assert!(html.contains(r#"<meta name="description" content="Learn what happens"#));
    let order: Vec<usize> = [
        "what-backend-developers-do",
        "install-node",
        "first-server",
        "routes-and-data",
        "storing-data",
    ]
    .iter()
    .map(|s| {
        html.find(&format!("href=\"/backend-dev/{s}/\""))
            .unwrap_or_else(|| panic!("{s} listed"))
    })
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "lessons in NN order");
    assert!(
        !html.contains("/backend-dev/deploying/"),
        "draft not listed"
    );
}

#[rocket::async_test]
async fn lesson_page_has_toc_navigation_highlighting_and_rewritten_links() {
    let f = Fixture::with_sample_content().await;
    let client = f.client().await;
    let (status, html) = get(&client, "/backend-dev/first-server/").await;
    assert_eq!(status, Status::Ok);
    assert_eq!(html.matches("<h1").count(), 1);
    assert!(html.contains("<title>Your first HTTP server in Node · Lectern</title>"));
    // Table of contents pointing at heading ids.
    assert!(
        html.contains(r##"<a href="#run-it">Run it</a>"##),
        "toc entry"
    );
    assert!(
        html.contains(r#"<h2 id="run-it">Run it</h2>"#),
        "heading id"
    );
    // Previous and next lessons, breadcrumb.
    assert!(
        html.contains(r#"href="/backend-dev/install-node/" rel="prev""#),
        "prev link"
    );
    assert!(
        html.contains(r#"href="/backend-dev/routes-and-data/" rel="next""#),
        "next link"
    );
    assert!(html.contains(r#"aria-label="Breadcrumb""#));
    assert!(html.contains("Lesson 3 of 5"));
    // Code highlighted into classes, not inline styles.
    assert!(html.contains(r#"<pre class="code" data-lang="js"><code class="language-js">"#));
    assert!(html.contains("<span class=hk>"));
    assert!(!html.contains("style=\"color"));
    // Links in the lesson's body became site URLs: checked in the body
    // alone, where the pager's prev/next links are not.
    let body = lesson_body(&html);
    for link in [
        r#"<a href="/backend-dev/install-node/">the previous lesson</a>"#,
        r#"<a href="/backend-dev/what-backend-developers-do/#a-conversation-in-two-messages">the first lesson</a>"#,
        r#"<a href="/backend-dev/routes-and-data/">handling routes and data</a>"#,
    ] {
        assert!(body.contains(link), "{link} not in the body: {body}");
    }
    assert!(!html.contains(".md\""), "no raw .md links left");
    assert!(!html.contains(".md#"), "no raw .md links left");
}

/// The rendered markdown of a lesson page: its body, without the table of
/// contents, the pager or anything else around it.
fn lesson_body(html: &str) -> &str {
    let open = r#"<div class="lesson-body prose">"#;
    let start = html.find(open).expect("a lesson body") + open.len();
    let end = start
        + html[start..]
            .find(r#"<div class="progress-slot""#)
            .expect("the end of the lesson body");
    &html[start..end]
}

#[rocket::async_test]
async fn first_and_last_lessons_have_one_neighbour() {
    let f = Fixture::with_sample_content().await;
    let client = f.client().await;
    let (_, first) = get(&client, "/backend-dev/what-backend-developers-do/").await;
    assert!(!first.contains("rel=\"prev\""));
    assert!(first.contains("rel=\"next\""));
    let (_, last) = get(&client, "/backend-dev/storing-data/").await;
    assert!(last.contains("rel=\"prev\""));
    assert!(
        !last.contains("rel=\"next\""),
        "the draft after it is not linked"
    );
}

#[rocket::async_test]
async fn relative_images_are_served_from_media_with_immutable_caching() {
    let f = Fixture::with_sample_content().await;
    let client = f.client().await;
    let (_, html) = get(&client, "/backend-dev/what-backend-developers-do/").await;
    let start = html
        .find("src=\"/media/")
        .expect("image rewritten to /media")
        + 5;
    let url = &html[start..start + html[start..].find('"').unwrap()];
    let res = client.get(url.to_string()).dispatch().await;
    assert_eq!(res.status(), Status::Ok);
    assert_eq!(res.content_type(), Some(ContentType::PNG));
    assert!(res
        .headers()
        .get_one("Cache-Control")
        .unwrap()
        .contains("immutable"));
    let bytes = res.into_bytes().await.unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    let (status, _) = get(&client, &format!("/media/{}/x.png", "0".repeat(64))).await;
    assert_eq!(status, Status::NotFound);
}

#[rocket::async_test]
async fn unknown_pages_and_drafts_get_a_real_404_page() {
    let f = Fixture::with_sample_content().await;
    let client = f.client().await;
    for uri in [
        "/no-such-course/",
        "/backend-dev/no-such-lesson/",
        "/backend-dev/deploying/",
        "/Backend-Dev/",
        "/a/b/c/d",
    ] {
        let (status, html) = get(&client, uri).await;
        assert_eq!(status, Status::NotFound, "{uri}");
        assert!(html.contains("Page not found"), "{uri}: {html}");
        assert!(html.contains("stylesheet"), "404 page uses the site layout");
    }
}

#[rocket::async_test]
async fn urls_without_trailing_slash_redirect_to_the_canonical_one() {
    let f = Fixture::with_sample_content().await;
    let client = f.client().await;
    let res = client.get("/backend-dev/first-server").dispatch().await;
    assert_eq!(res.status(), Status::MovedPermanently);
    assert_eq!(
        res.headers().get_one("Location"),
        Some("/backend-dev/first-server/")
    );
    let res = client.get("/backend-dev").dispatch().await;
    assert_eq!(res.headers().get_one("Location"), Some("/backend-dev/"));
}

#[rocket::async_test]
async fn lesson_pages_serve_the_html_stored_at_write_time() {
    let f = Fixture::with_sample_content().await;
    let client = f.client().await;
    // Change the stored row behind the site's back: if a request rendered
    // markdown, the page would show the markdown marker.
    let db = f.connect().await;
    db.execute_unprepared(
        "UPDATE lessons SET body_html = '<p>stored-html-marker</p>', body_md = 'markdown-marker' \
         WHERE slug = 'first-server'",
    )
    .await
    .unwrap();
    let (status, html) = get(&client, "/backend-dev/first-server/").await;
    assert_eq!(status, Status::Ok);
    assert!(html.contains("stored-html-marker"));
    assert!(!html.contains("markdown-marker"));
}

#[rocket::async_test]
async fn healthz_reports_database_and_content_version() {
    let f = Fixture::with_sample_content().await;
    let client = f.client().await;
    let res = client.get("/healthz").dispatch().await;
    assert_eq!(res.status(), Status::Ok);
    assert_eq!(res.content_type(), Some(ContentType::JSON));
    let body: serde_json::Value = serde_json::from_str(&res.into_string().await.unwrap()).unwrap();
    assert_eq!(body["status"], "ok");
    assert!(body["content_version"].as_i64().unwrap() > 0);
}

#[rocket::async_test]
async fn pages_send_security_headers_and_a_fingerprinted_stylesheet() {
    let f = Fixture::with_sample_content().await;
    let client = f.client().await;
    let res = client.get("/").dispatch().await;
    let csp = res
        .headers()
        .get_one("Content-Security-Policy")
        .unwrap()
        .to_string();
    assert!(csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"));
    assert_eq!(
        res.headers().get_one("X-Content-Type-Options"),
        Some("nosniff")
    );
    let html = res.into_string().await.unwrap();
    let start = html.find("/static/style.css?v=").unwrap();
    let url = &html[start..start + html[start..].find('"').unwrap()];
    let css = client.get(url.to_string()).dispatch().await;
    assert_eq!(css.status(), Status::Ok);
    assert_eq!(css.content_type(), Some(ContentType::CSS));
    assert!(css
        .headers()
        .get_one("Cache-Control")
        .unwrap()
        .contains("immutable"));
    let (status, _) = get(&client, "/static/../Cargo.toml").await;
    assert_eq!(status, Status::NotFound);
}

#[rocket::async_test]
async fn stored_data_that_cannot_be_read_is_an_error_not_an_empty_list() {
    let f = Fixture::with_sample_content().await;
    let client = f.client().await;
    let db = f.connect().await;
    db.execute_unprepared("UPDATE lessons SET toc = '[{' WHERE slug = 'first-server'")
        .await
        .unwrap();
    let (status, _) = get(&client, "/backend-dev/first-server/").await;
    assert_eq!(status, Status::InternalServerError);
    // The other lessons are unaffected.
    let (status, _) = get(&client, "/backend-dev/install-node/").await;
    assert_eq!(status, Status::Ok);
}

/// 101 courses `c001`…`c101`, each with one lesson, synced.
async fn many_courses() -> Fixture {
    let f = Fixture::new().await;
    for n in 1..=101 {
        f.write(
            &format!("c{n:03}/_course.md"),
            course(&format!("Course {n:03}")),
        );
        f.write(&format!("c{n:03}/01-only.md"), lesson("Only", "Text."));
    }
    f.sync(&f.connect().await).await;
    f
}

/// The course slugs a home page links cards to, in order.
fn cards(html: &str) -> Vec<String> {
    let needle = "<h3 class=\"course-card-title\"><a href=\"/";
    html.match_indices(needle)
        .map(|(at, _)| {
            let start = at + needle.len();
            html[start..start + html[start..].find('/').unwrap()].to_string()
        })
        .collect()
}

fn slugs(range: std::ops::RangeInclusive<u32>) -> Vec<String> {
    range.map(|n| format!("c{n:03}")).collect()
}

/// README: "the home page lists 50 courses a page (`/?page=2`, …) with
/// previous and next links (`rel="prev"`/`rel="next"`); a site with 50
/// courses or fewer has one home page, as before".
#[rocket::async_test]
async fn a_home_page_holds_fifty_courses_and_links_the_next_and_previous() {
    let f = many_courses().await;
    let client = f.client().await;

    let (status, first) = get(&client, "/").await;
    assert_eq!(status, Status::Ok);
    assert_eq!(cards(&first), slugs(1..=50));
    assert!(
        first.contains(r#"<link rel="next" href="/?page=2">"#),
        "{first}"
    );
    assert!(!first.contains(r#"rel="prev""#));
    assert!(first.contains("Courses 1 to 50 of 101, page 1 of 3"));
    assert!(
        first.contains(r#"<nav class="search-pager course-pager" aria-label="Pages of courses">"#)
    );
    assert!(first.contains(r#"<link rel="canonical" href="http://127.0.0.1:8000/">"#));
    assert!(first.contains("1 lesson"), "each card counts its lessons");

    let (status, second) = get(&client, "/?page=2").await;
    assert_eq!(status, Status::Ok);
    assert_eq!(cards(&second), slugs(51..=100));
    assert!(second.contains(r#"<link rel="prev" href="/">"#));
    assert!(second.contains(r#"<link rel="next" href="/?page=3">"#));
    assert!(
        second.contains("<title>Courses, page 2 of 3 · Lectern</title>"),
        "{second}"
    );
    assert!(second.contains(r#"<link rel="canonical" href="http://127.0.0.1:8000/?page=2">"#));

    let (_, last) = get(&client, "/?page=3").await;
    assert_eq!(cards(&last), slugs(101..=101));
    assert!(last.contains(r#"<link rel="prev" href="/?page=2">"#));
    assert!(!last.contains(r#"rel="next""#));

    // Any page number answers: odd ones are the first page, large ones the last.
    for (uri, expected) in [
        ("/?page=0", slugs(1..=50)),
        ("/?page=abc", slugs(1..=50)),
        ("/?page=1", slugs(1..=50)),
        ("/?page=99999999999999999999999", slugs(101..=101)),
        ("/?page=4", slugs(101..=101)),
    ] {
        let (status, html) = get(&client, uri).await;
        assert_eq!(status, Status::Ok, "{uri}");
        assert_eq!(cards(&html), expected, "{uri}");
    }

    // Each page is cached under its own number, and rebuilt after a change:
    // a new first course moves every other one page on.
    f.write("c000/_course.md", course("Course 000"));
    f.sync(&f.connect().await).await;
    let (_, second) = get(&client, "/?page=2").await;
    assert_eq!(cards(&second), slugs(50..=99));
}

#[rocket::async_test]
async fn a_small_site_has_one_home_page_and_no_pager() {
    let f = Fixture::with_sample_content().await;
    let client = f.client().await;
    let (_, html) = get(&client, "/").await;
    assert!(!html.contains("course-pager"), "{html}");
    assert!(!html.contains(r#"rel="next""#) && !html.contains(r#"rel="prev""#));
    assert!(!html.contains("page 1 of"));
    let (status, again) = get(&client, "/?page=2").await;
    assert_eq!(status, Status::Ok);
    assert_eq!(cards(&again), cards(&html));
}
