//! What a learner needs to keep their place in a course: the course's
//! lessons beside every lesson (the current one marked), a way to start and
//! to continue, a finish at the end of a course, and a lesson whose text is
//! on a phone's first screen.
//!
//! The markup through Rocket's local client on the sample content first;
//! then the same flows in headless Chromium (the harness of
//! `tests/it/browser.rs`), with JavaScript on and off, in a desktop and a
//! phone window.

use rocket::http::Status;

use crate::common::{get, Fixture};

/// The public lessons of the sample's first course, in order.
const BACKEND: [(&str, &str); 5] = [
    (
        "/backend-dev/what-backend-developers-do/",
        "What backend developers do",
    ),
    ("/backend-dev/install-node/", "Installing Node.js"),
    (
        "/backend-dev/first-server/",
        "Your first HTTP server in Node",
    ),
    ("/backend-dev/routes-and-data/", "Handling routes and data"),
    ("/backend-dev/storing-data/", "Storing data in a database"),
];

/// The text of `html` from `open` to the first `close` after it.
fn between<'a>(html: &'a str, open: &str, close: &str) -> &'a str {
    let start = html
        .find(open)
        .unwrap_or_else(|| panic!("{open:?} not in the page: {html}"));
    let end = html[start..]
        .find(close)
        .map(|i| start + i + close.len())
        .unwrap_or_else(|| panic!("no {close:?} after {open:?}"));
    &html[start..end]
}

/// The value of `name` in the first tag of `tag_html`.
fn attribute(tag_html: &str, name: &str) -> Option<String> {
    let tag = &tag_html[..tag_html.find('>')?];
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    Some(tag[start..start + tag[start..].find('"')?].to_string())
}

/// The `href`s of the links in `html`, in order.
fn hrefs(html: &str) -> Vec<String> {
    html.split("<a ")
        .skip(1)
        .filter_map(|a| attribute(&format!("<a {a}"), "href"))
        .collect()
}

#[rocket::async_test]
async fn every_lesson_lists_its_course_in_order_with_itself_marked_current() {
    let f = Fixture::with_sample_content().await;
    let client = f.client().await;
    for (i, (url, title)) in BACKEND.iter().enumerate() {
        let (status, html) = get(&client, url).await;
        assert_eq!(status, Status::Ok, "{url}");
        let nav = between(&html, "<nav class=\"course-nav\"", "</nav>");
        assert_eq!(
            attribute(nav, "aria-label").as_deref(),
            Some("Lessons in this course"),
            "{url}: the navigation is named"
        );
        // A drawer that opens without a script.
        assert!(
            nav.contains("<details class=\"drawer\"") && nav.contains("<summary"),
            "{url}: {nav}"
        );
        assert!(
            nav.contains(&format!("{} of 5", i + 1)),
            "{url}: the drawer says where the lesson is: {nav}"
        );
        let list = between(nav, "<ol class=\"course-nav-list\"", "</ol>");
        let urls: Vec<&str> = BACKEND.iter().map(|(u, _)| *u).collect();
        assert_eq!(hrefs(list), urls, "{url}: every public lesson, in order");
        assert!(
            !list.contains("deploying"),
            "{url}: the draft is not listed"
        );
        let current: Vec<&str> = list.split("aria-current=\"page\"").collect();
        assert_eq!(current.len(), 2, "{url}: one current lesson: {list}");
        assert!(
            current[0].ends_with(&format!("<a href=\"{url}\" ")),
            "{url}: the current lesson is this one: {list}"
        );
        assert!(current[1].starts_with(&format!(">{title}</a>")), "{list}");
        // Its ticks come from the browser's memory: the list says which
        // course and lesson each item is.
        assert!(list.contains("data-progress-course=\"/backend-dev/\""));
        assert!(list.contains(&format!("data-progress-lesson=\"{url}\"")));
    }
}

#[rocket::async_test]
async fn the_last_lesson_ends_with_what_the_course_covered_and_the_next_course() {
    let f = Fixture::with_sample_content().await;
    let client = f.client().await;
    for (url, _) in &BACKEND[..4] {
        let (_, html) = get(&client, url).await;
        assert!(!html.contains("class=\"finish\""), "{url}: not the end");
    }
    let (_, html) = get(&client, "/backend-dev/storing-data/").await;
    let finish = between(&html, "<section class=\"finish\"", "</section>");
    assert!(
        finish.contains(">You finished Backend Developer</h2>"),
        "{finish}"
    );
    let covered = between(finish, "<ol class=\"finish-covered\">", "</ol>");
    let titles: Vec<&str> = covered
        .split("</a>")
        .filter_map(|s| s.rsplit_once('>').map(|(_, title)| title))
        .filter(|t| !t.trim().is_empty())
        .collect();
    let expected: Vec<&str> = BACKEND.iter().map(|(_, t)| *t).collect();
    assert_eq!(titles, expected, "what the course covered: {covered}");
    assert!(
        finish.contains(
            r#"<a class="button button-primary" href="/web-foundations/">Next course: Web Foundations</a>"#
        ),
        "the next course on the home page follows: {finish}"
    );
    assert!(
        finish.contains(r#"<a class="button" href="/backend-dev/">Back to the course</a>"#),
        "{finish}"
    );
    // Server-rendered: shown without any script or memory.
    assert!(!finish.contains("hidden"), "{finish}");

    // The last course has nothing after it.
    let (_, html) = get(&client, "/web-foundations/http-methods-and-status-codes/").await;
    let finish = between(&html, "<section class=\"finish\"", "</section>");
    assert!(finish.contains(">You finished Web Foundations</h2>"));
    assert!(!finish.contains("Next course"), "{finish}");
    assert!(finish.contains(r#"href="/web-foundations/">Back to the course</a>"#));
}

#[rocket::async_test]
async fn the_course_page_offers_start_above_an_outline_that_comes_before_the_intro() {
    let f = Fixture::with_sample_content().await;
    let client = f.client().await;
    let (_, html) = get(&client, "/backend-dev/").await;
    let start = html
        .find(r#"<a class="button button-primary start-link" href="/backend-dev/what-backend-developers-do/" data-start-course="/backend-dev/">Start the course</a>"#)
        .unwrap_or_else(|| panic!("a start button to the first lesson: {html}"));
    let outline = html.find("<ol class=\"lesson-list\"").expect("an outline");
    let intro = html.find("class=\"course-intro prose\"").expect("an intro");
    assert!(start < outline, "start comes above the outline");
    assert!(outline < intro, "the outline starts high, before the intro");
    // The progress bar needs the browser's memory: hidden in the HTML.
    let progress = between(&html, "<div class=\"course-progress\"", "</div>");
    assert!(progress.contains(" hidden>"), "{progress}");
}

#[rocket::async_test]
async fn the_whole_course_page_lists_its_lessons_as_anchors_and_no_two_landmarks_share_a_name() {
    let f = Fixture::with_sample_content().await;
    let client = f.client().await;
    let (_, html) = get(&client, "/backend-dev/all/").await;
    let nav = between(&html, "<nav class=\"all-contents\"", "</nav>");
    assert!(nav.contains("<details class=\"drawer\""), "{nav}");
    let lessons: Vec<String> = nav
        .split("<li class=\"course-nav-item\"")
        .skip(1)
        .filter_map(|item| hrefs(item).into_iter().next())
        .collect();
    assert_eq!(
        lessons,
        [
            "#lesson-what-backend-developers-do",
            "#lesson-install-node",
            "#lesson-first-server",
            "#lesson-routes-and-data",
            "#lesson-storing-data",
        ],
        "{nav}"
    );
    let lists = &nav[nav.find("<ol").expect("a list")..];
    for href in hrefs(lists) {
        let id = href
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("{href}: an in-page link"));
        assert!(
            html.contains(&format!(" id=\"{id}\"")),
            "{href} has no target"
        );
    }
    // Every landmark has a name of its own (axe's landmark-unique): the
    // navigations, and no box of a table or code block among them, though
    // this page holds several of each.
    let landmarks = landmarks(&html);
    let navs = landmarks.iter().filter(|(role, _)| role == "navigation");
    assert!(navs.count() >= 2, "{landmarks:?}");
    assert!(html.matches("class=\"table-scroll\"").count() >= 2);
    for (i, landmark) in landmarks.iter().enumerate() {
        assert!(
            !landmarks[..i].contains(landmark),
            "two landmarks {landmark:?} on the page"
        );
    }
}

/// The landmarks of a page as (role, name, empty when it has none):
/// navigations, named sections, complementary asides, and anything with an
/// explicit landmark role. Names come from `aria-label` or the text of the element
/// `aria-labelledby` names.
fn landmarks(html: &str) -> Vec<(String, String)> {
    let name = |tag: &str| {
        attribute(tag, "aria-label").or_else(|| {
            let id = attribute(tag, "aria-labelledby")?;
            let at = html.find(&format!(" id=\"{id}\""))?;
            let text = &html[at..];
            let text = &text[text.find('>')? + 1..];
            Some(text[..text.find('<')?].trim().to_string())
        })
    };
    let mut out = Vec::new();
    for (at, _) in html.match_indices('<') {
        let rest = &html[at + 1..];
        let Some(end) = rest.find('>') else { break };
        let tag = &html[at..at + end + 2];
        let element: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        let role = match (attribute(tag, "role").as_deref(), element.as_str()) {
            (
                Some(
                    r @ ("region" | "navigation" | "complementary" | "banner" | "contentinfo"
                    | "main" | "search" | "form"),
                ),
                _,
            ) => r.to_string(),
            (Some(_), _) => continue,
            (None, "nav") => "navigation".to_string(),
            (None, "aside") => "complementary".to_string(),
            (None, "section") => "region".to_string(),
            _ => continue,
        };
        match name(tag) {
            Some(n) => out.push((role, n)),
            // A section without a name is no landmark.
            None if role == "region" && attribute(tag, "role").is_none() => {}
            None => out.push((role, String::new())),
        }
    }
    out
}

#[rocket::async_test]
async fn code_blocks_scroll_in_a_focusable_named_box_and_memory_slots_are_hidden() {
    let f = Fixture::with_sample_content().await;
    let client = f.client().await;
    let (_, html) = get(&client, "/backend-dev/first-server/").await;
    assert!(
        html.contains(r#"<div class="code-scroll" role="group" tabindex="0" aria-label="server.js, JavaScript code"><pre class="code" data-lang="js">"#),
        "{html}"
    );
    // What needs the browser's memory is hidden until the script fills it.
    let slot = between(&html, "<div class=\"progress-slot\"", "</div>");
    assert!(slot.contains(" hidden>"), "{slot}");
    assert!(
        slot.contains(r#"<a class="button button-primary progress-next" href="/backend-dev/routes-and-data/" hidden>Next lesson: Handling routes and data</a>"#),
        "{slot}"
    );
    let (_, home) = get(&client, "/").await;
    let resume = between(&home, "<section class=\"resume\"", ">");
    assert!(resume.ends_with(" hidden>"), "{resume}");
    assert!(home.contains(">Continue where you left off</h2>"));
}

#[rocket::async_test]
async fn the_home_page_names_the_site_once_and_says_what_it_is() {
    let f = Fixture::with_sample_content().await;
    let figment = f.figment().merge(("site_title", "Bee School")).merge((
        "site_description",
        "Lessons on keeping bees, for beginners.",
    ));
    let client = f
        .client_with(figment, lectern::base::clock::Clock::system())
        .await;
    let (_, html) = get(&client, "/").await;
    // The description is the page's visible lead and its meta description.
    assert!(
        html.contains(r#"<p class="home-description">Lessons on keeping bees, for beginners.</p>"#),
        "{html}"
    );
    assert!(html.contains(
        r#"<meta name="description" content="Lessons on keeping bees, for beginners.">"#
    ));
    // The name shows once, in the header; the heading that names the page
    // for screen readers is hidden from sight by the stylesheet.
    let body = &html[html.find("<body").unwrap()..];
    let shown: Vec<&str> = body.split("Bee School").collect();
    assert_eq!(shown.len(), 3, "the header and the page's heading: {body}");
    assert!(body.contains(r#"<a class="site-title" href="/">Bee School</a>"#));
    let hero = between(body, "<header class=\"home-hero\">", "</header>");
    assert!(
        hero.contains(r#"<h1 class="page-title">Bee School</h1>"#),
        "{hero}"
    );
    // The icon and an absolute canonical link, on every page.
    for uri in [
        "/",
        "/backend-dev/",
        "/backend-dev/install-node/",
        "/backend-dev/all/",
    ] {
        let (_, html) = get(&client, uri).await;
        let icon = between(&html, "<link rel=\"icon\"", ">");
        assert!(
            attribute(icon, "href").is_some_and(|h| h.starts_with("/favicon.svg?v=")),
            "{uri}: {icon}"
        );
        assert!(
            html.contains(&format!(
                r#"<link rel="canonical" href="http://127.0.0.1:8000{uri}">"#
            )),
            "{uri}"
        );
    }
}

#[rocket::async_test]
async fn a_missing_page_says_what_happened_in_its_description_and_leads_home() {
    let f = Fixture::with_sample_content().await;
    let client = f.client().await;
    let (status, html) = get(&client, "/no-such-course/").await;
    assert_eq!(status, Status::NotFound);
    assert!(
        html.contains(r#"<meta name="description" content="There is no page at this address. It may have moved, or the link may be mistyped.">"#),
        "{html}"
    );
    assert_eq!(html.matches("<meta name=\"description\"").count(), 1);
    assert!(
        !html.contains("rel=\"canonical\""),
        "a missing page names no canonical address"
    );
    assert!(html.contains(r#"<a href="/">Go to the home page</a>"#));
}

// ------------------------------------------------------------ in a browser

mod in_a_browser {
    use std::time::{Duration, Instant};

    use anyhow::{bail, ensure, Context, Result};
    use fantoccini::{Client as Browser, Locator};

    use crate::browser::{
        click, expect_heading, expect_path, require_browsers, save_evidence, wait_text,
        ChromeDriver, Server, WAIT,
    };
    use crate::common::Fixture;

    use super::BACKEND;

    /// Gives the page a viewport of `width` × `height` CSS pixels (the
    /// window is made taller by whatever the browser keeps for itself) and
    /// waits until the page follows (the limit only catches a hang).
    async fn window(c: &Browser, width: u32, height: u32) -> Result<()> {
        let mut outer = height;
        let deadline = Instant::now() + WAIT;
        loop {
            c.set_window_size(width, outer).await?;
            let seen = c
                .execute("return [window.innerWidth, window.innerHeight];", vec![])
                .await?;
            let (w, h) = (
                seen[0].as_f64().unwrap_or(0.0),
                seen[1].as_f64().unwrap_or(0.0),
            );
            if (w - f64::from(width)).abs() < 20.0 && (h - f64::from(height)).abs() < 2.0 {
                return Ok(());
            }
            ensure!(
                Instant::now() < deadline,
                "the page is {w} × {h} px, not {width} × {height}"
            );
            if h > 0.0 {
                outer = (f64::from(outer) + f64::from(height) - h).max(100.0) as u32;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Polls until `css` is shown (or hidden, with `shown` false).
    async fn wait_shown(c: &Browser, css: &str, shown: bool) -> Result<()> {
        let deadline = Instant::now() + WAIT;
        loop {
            let now = match c.find(Locator::Css(css)).await {
                Ok(el) => el.is_displayed().await.unwrap_or(false),
                Err(_) => false,
            };
            if now == shown {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!(
                    "`{css}` is {} after {WAIT:?}",
                    if now { "still shown" } else { "not shown" }
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn displayed(c: &Browser, css: &str) -> Result<bool> {
        Ok(c.find(Locator::Css(css)).await?.is_displayed().await?)
    }

    /// The top of the lesson's first paragraph and the window's height, in
    /// CSS pixels, at the top of the page.
    async fn first_paragraph(c: &Browser) -> Result<(f64, f64)> {
        let (_, top, _, _) = c
            .find(Locator::Css(".lesson-body > p"))
            .await?
            .rectangle()
            .await?;
        let height = c.execute("return window.innerHeight;", vec![]).await?;
        Ok((top, height.as_f64().unwrap_or(0.0)))
    }

    /// On every lesson, in a phone's window, the first screen shows lesson
    /// text: at least two lines of the first paragraph above the fold.
    async fn text_on_the_first_screen(c: &Browser, base: &str) -> Result<Vec<(String, f64)>> {
        let mut tops = Vec::new();
        for (url, title) in BACKEND {
            c.goto(&format!("{base}{url}")).await?;
            expect_heading(c, title).await?;
            let (top, height) = first_paragraph(c).await?;
            ensure!(
                top > 0.0 && top + 60.0 <= height,
                "{url}: the first paragraph starts at {top} px in a {height} px high window"
            );
            tops.push((url.to_string(), top));
        }
        Ok(tops)
    }

    /// JavaScript off, in a phone's window: the lessons' drawer opens with
    /// a tap, the current lesson is marked; contents and prerequisites
    /// wait closed under the title; lesson text is on the first screen;
    /// the last lesson ends with its finish.
    async fn phone_without_javascript(c: &Browser, base: &str) -> Result<()> {
        c.goto(&format!("{base}/backend-dev/first-server/")).await?;
        window(c, 390, 844).await?;
        expect_heading(c, "Your first HTTP server in Node").await?;
        ensure!(
            !displayed(c, ".course-nav-list").await?,
            "the lessons wait in a closed drawer"
        );
        ensure!(
            !displayed(c, ".toc-list").await? && !displayed(c, ".prereqs-list").await?,
            "contents and prerequisites wait closed"
        );
        let summary = c.find(Locator::Css(".course-nav summary")).await?;
        ensure!(
            summary.text().await?.contains("3 of 5"),
            "the drawer says where the lesson is"
        );
        click(c, summary, "the lessons' drawer").await?;
        wait_shown(c, ".course-nav-list", true).await?;
        let current = c
            .find(Locator::Css(".course-nav-list a[aria-current='page']"))
            .await?;
        ensure!(current.is_displayed().await?);
        ensure!(
            current.text().await? == "Your first HTTP server in Node",
            "the current lesson is marked"
        );
        ensure!(
            c.find_all(Locator::Css(".course-nav-list a")).await?.len() == 5,
            "every public lesson is in the drawer"
        );
        // A lesson from the drawer.
        let other = c
            .find(Locator::LinkText("Handling routes and data"))
            .await?;
        click(c, other, "a lesson in the drawer").await?;
        expect_heading(c, "Handling routes and data").await?;
        // The contents open too.
        let toc = c.find(Locator::Css(".toc summary")).await?;
        click(c, toc, "the contents' drawer").await?;
        wait_shown(c, ".toc-list", true).await?;

        let tops = text_on_the_first_screen(c, base).await?;
        eprintln!("first paragraph at 390 × 844 without JavaScript: {tops:?}");

        // The end of the course, without any memory.
        c.goto(&format!("{base}/backend-dev/storing-data/")).await?;
        wait_text(c, ".finish", "You finished Backend Developer").await?;
        ensure!(
            c.find_all(Locator::Css("button.mark-done"))
                .await?
                .is_empty(),
            "no button that needs memory"
        );
        let next = c
            .find(Locator::LinkText("Next course: Web Foundations"))
            .await?;
        click(c, next, "the next course").await?;
        expect_heading(c, "Web Foundations").await?;
        expect_path(c, "/web-foundations/").await?;
        ensure!(
            !displayed(c, ".course-progress").await?,
            "no progress without memory"
        );
        c.goto(&format!("{base}/")).await?;
        ensure!(!displayed(c, ".resume").await?, "no card without memory");
        Ok(())
    }

    /// JavaScript on: "Mark as done" ticks the lesson beside the text and
    /// offers the next one; the home page continues where the learner left
    /// off; the course page's button continues too; the drawer stands open
    /// on a wide screen and closed on a phone; the contents follow the
    /// reading.
    async fn moving_through_a_course(c: &Browser, base: &str) -> Result<()> {
        window(c, 1280, 900).await?;
        let first = BACKEND[0].0;
        c.goto(&format!("{base}{first}")).await?;
        let button = c
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css("button.mark-done"))
            .await?;
        ensure!(
            displayed(c, ".course-nav-list").await?,
            "beside the lesson on a wide screen"
        );
        ensure!(
            c.find_all(Locator::Css(".course-nav-item.is-done"))
                .await?
                .is_empty(),
            "nothing ticked yet"
        );
        ensure!(
            !displayed(c, ".progress-next").await?,
            "nothing offered yet"
        );
        click(c, button, "Mark as done").await?;
        wait_text(c, ".course-nav-item.is-done", "What backend developers do").await?;
        ensure!(
            c.find_all(Locator::Css(".course-nav-item.is-done"))
                .await?
                .len()
                == 1,
            "one lesson ticked"
        );
        // The lesson after it, offered beside the button.
        let next = c.find(Locator::Css(".progress-next")).await?;
        ensure!(next.is_displayed().await?, "the next lesson is offered");
        ensure!(next.text().await? == "Next lesson: Installing Node.js");
        click(c, next, "Next lesson").await?;
        expect_heading(c, "Installing Node.js").await?;
        wait_text(c, ".course-nav-item.is-done", "What backend developers do").await?;
        let current = c
            .find(Locator::Css(".course-nav-list a[aria-current='page']"))
            .await?;
        ensure!(current.text().await? == "Installing Node.js");

        // Unmarking takes the tick away again.
        c.goto(&format!("{base}{first}")).await?;
        let button = c
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css("button.mark-done[aria-pressed='true']"))
            .await?;
        click(c, button, "Done (to undo)").await?;
        wait_shown(c, ".course-nav-item.is-done", false).await?;
        ensure!(c
            .find_all(Locator::Css(".course-nav-item.is-done"))
            .await?
            .is_empty());
        let button = c.find(Locator::Css("button.mark-done")).await?;
        click(c, button, "Mark as done").await?;
        wait_text(c, ".course-nav-item.is-done", "What backend developers do").await?;

        // Home: continue where the learner left off, at the right lesson.
        c.goto(&format!("{base}/")).await?;
        let resume = wait_text(c, ".resume", "Installing Node.js").await?;
        ensure!(resume.contains("1 of 5 lessons done"), "the card: {resume}");
        let heading = c
            .find(Locator::Css(".resume h2"))
            .await?
            .prop("textContent")
            .await?;
        ensure!(
            heading.as_deref() == Some("Continue where you left off"),
            "the card's heading: {heading:?}"
        );
        let link = c.find(Locator::Css(".resume-link")).await?;
        click(c, link, "Continue where you left off").await?;
        expect_heading(c, "Installing Node.js").await?;
        expect_path(c, BACKEND[1].0).await?;
        let button = c
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css("button.mark-done"))
            .await?;
        click(c, button, "Mark as done").await?;
        wait_text(c, ".mark-done", "Done").await?;
        c.goto(&format!("{base}/")).await?;
        wait_text(c, ".resume", "Your first HTTP server in Node").await?;
        let link = c.find(Locator::Css(".resume-link")).await?;
        click(c, link, "Continue where you left off").await?;
        expect_path(c, BACKEND[2].0).await?;

        // The course page's button continues at the first lesson not done.
        c.goto(&format!("{base}/backend-dev/")).await?;
        let start = wait_text(c, ".start-link", "Continue").await?;
        ensure!(
            start == "Continue: Your first HTTP server in Node",
            "{start}"
        );
        wait_text(c, ".course-progress", "2 of 5 lessons done").await?;

        // The contents mark the section being read.
        c.goto(&format!("{base}/backend-dev/first-server/")).await?;
        ensure!(displayed(c, ".toc-list").await?, "the contents stand open");
        c.execute(
            "document.getElementById('see-the-raw-conversation').scrollIntoView({block: 'start', behavior: 'instant'});",
            vec![],
        )
        .await?;
        wait_text(c, ".toc-list a.is-active", "See the raw conversation").await?;
        let active = c.find_all(Locator::Css(".toc-list a.is-active")).await?;
        ensure!(active.len() == 1, "one section marked");
        // The whole course's page marks the section and its lesson.
        c.goto(&format!("{base}/backend-dev/all/")).await?;
        c.execute(
            "document.getElementById('routes-and-data--routing-by-method-and-path').scrollIntoView({block: 'start', behavior: 'instant'});",
            vec![],
        )
        .await?;
        wait_text(c, ".all-contents a.is-active", "Routing by method and path").await?;
        wait_text(c, ".all-contents a.is-active", "Handling routes and data").await?;
        ensure!(
            c.find_all(Locator::Css(".all-contents a.is-active"))
                .await?
                .len()
                == 2,
            "one section and its lesson marked"
        );
        // At the end of the page, the last section, which cannot reach the line.
        c.execute(
            "window.scrollTo({top: document.documentElement.scrollHeight, behavior: 'instant'});",
            vec![],
        )
        .await?;
        wait_text(c, ".all-contents a.is-active", "Recap").await?;
        wait_text(c, ".all-contents a.is-active", "Storing data in a database").await?;

        // On a phone the drawer starts closed, with the script too.
        window(c, 390, 844).await?;
        c.goto(&format!("{base}/backend-dev/first-server/")).await?;
        expect_heading(c, "Your first HTTP server in Node").await?;
        ensure!(
            !displayed(c, ".course-nav-list").await?,
            "closed on a phone"
        );
        let (top, height) = first_paragraph(c).await?;
        eprintln!("first paragraph at 390 × 844 with JavaScript: {top} of {height}");
        // Long code lines keep their shape: the box scrolls sideways, and
        // the keyboard scrolls it; a box that fits, once it has come into
        // view and been measured, is no tab stop.
        // Each box is brought into view; two frames and a task later the
        // script's observer has reported it (the settling point, not a timer).
        const BOX: &str = "const done = arguments[arguments.length - 1];\
             const b = document.querySelectorAll('.code-scroll')[arguments[0]];\
             if (!b) { done(null); return; }\
             b.scrollIntoView({block: 'center', behavior: 'instant'});\
             requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(() =>\
               done([b.scrollWidth > b.clientWidth, b.getAttribute('tabindex'),\
                     getComputedStyle(b.querySelector('pre')).whiteSpace]), 0)));";
        let mut seen = Vec::new();
        for i in 0.. {
            let b = c.execute_async(BOX, vec![serde_json::json!(i)]).await?;
            if b.is_null() {
                break;
            }
            ensure!(b[2] == "pre", "code box {i}: lines never wrap: {b}");
            ensure!(
                (b[0] == true) == (b[1] == "0"),
                "code box {i}: a tab stop when it scrolls, else none: {b}"
            );
            seen.push(b[0] == true);
        }
        ensure!(
            seen.contains(&true) && seen.contains(&false),
            "some code is wider than a phone, some not: {seen:?}"
        );
        let wide = c.find(Locator::Css(".code-scroll[tabindex='0']")).await?;
        click(c, wide.clone(), "a wide code box").await?;
        wide.send_keys("\u{E014}\u{E014}\u{E014}").await?;
        // (Chromium animates a scroll by key: poll until it has moved.)
        let deadline = Instant::now() + WAIT;
        loop {
            let moved = c
                .execute(
                    "const a = document.activeElement;\
                     return [a.classList.contains('code-scroll'), a.scrollLeft];",
                    vec![],
                )
                .await?;
            if moved[0] == true && moved[1].as_f64().unwrap_or(0.0) > 0.0 {
                break;
            }
            ensure!(
                Instant::now() < deadline,
                "the arrow keys scroll the focused box: focused, scrolled by {moved}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        text_on_the_first_screen(c, base).await?;
        window(c, 1280, 900).await?;
        Ok(())
    }

    /// The contrast (WCAG) of every shown element matching the selectors
    /// against the background it is drawn on: how many were checked, those
    /// under 4.5:1 as (selector, text, ratio), and whether the page sees a
    /// dark system setting. The search box's placeholder is checked too.
    const CONTRAST: &str = r#"
        const parse = c => {
          const p = c.match(/[\d.]+/g).map(Number);
          return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
        };
        const lum = rgb => {
          const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
          return 0.2126 * f(rgb[0]) + 0.7152 * f(rgb[1]) + 0.0722 * f(rgb[2]);
        };
        const background = el => {
          const layers = [];
          for (let e = el; e; e = e.parentElement) {
            const c = parse(getComputedStyle(e).backgroundColor);
            if (c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
          }
          let out = [255, 255, 255];
          for (let i = layers.length - 1; i >= 0; i--) {
            const [r, g, b, a] = layers[i];
            out = [r * a + out[0] * (1 - a), g * a + out[1] * (1 - a), b * a + out[2] * (1 - a)];
          }
          return out;
        };
        const ratio = (color, el) => {
          const bg = background(el);
          const [r, g, b, a] = parse(color);
          const fg = [r * a + bg[0] * (1 - a), g * a + bg[1] * (1 - a), b * a + bg[2] * (1 - a)];
          const [l1, l2] = [lum(fg), lum(bg)];
          return (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
        };
        const low = [];
        let checked = 0;
        for (const selector of arguments[0]) {
          for (const el of document.querySelectorAll(selector)) {
            const box = el.getBoundingClientRect();
            if (!box.width || !box.height || getComputedStyle(el).visibility === "hidden") continue;
            checked += 1;
            const r = ratio(getComputedStyle(el).color, el);
            if (r < 4.5) low.push([selector, el.textContent.trim().slice(0, 40), Math.round(r * 100) / 100]);
          }
        }
        const input = document.querySelector(".site-search-input");
        const r = ratio(getComputedStyle(input, "::placeholder").color, input);
        if (r < 4.5) low.push(["placeholder", input.placeholder, Math.round(r * 100) / 100]);
        return [checked, low, matchMedia("(prefers-color-scheme: dark)").matches];
    "#;

    /// Text on lesson and course pages whose contrast is checked.
    const TEXT: [&str; 31] = [
        ".site-title",
        ".site-search-button",
        ".breadcrumb a",
        ".breadcrumb li",
        ".kicker",
        "h1",
        ".lede",
        ".meta",
        ".drawer-summary",
        ".drawer-where",
        ".course-nav-title a",
        ".course-nav-item > a",
        ".toc-title",
        ".toc-list a",
        ".lesson-body p",
        ".lesson-body a",
        ".lesson-body code",
        ".code-head",
        ".mark-done",
        ".pager-label",
        ".pager-title",
        ".lesson-item-title a",
        ".lesson-item-summary",
        ".button",
        ".progress-text",
        ".course-about p",
        ".site-footer a",
        ".prereqs a",
        ".callout-title",
        ".callout p",
        "pre code span",
    ];

    /// Light and dark (as the system says), wide and narrow: text keeps
    /// AA contrast (4.5:1) on lesson and course pages, with a lesson done
    /// (ticks, Continue). The README's pictures are taken here when
    /// `LECTERN_SCREENSHOTS` names a folder.
    async fn colour_schemes(
        driver: &ChromeDriver,
        scratch: &std::path::Path,
        base: &str,
    ) -> Result<()> {
        for dark in [false, true] {
            // No scroll bars: the pictures show the page as a phone would.
            let switches: &[&str] = if dark {
                &["--force-dark-mode", "--hide-scrollbars"]
            } else {
                &["--hide-scrollbars"]
            };
            let scheme = if dark { "dark" } else { "light" };
            let c = driver
                .connect_with(&scratch.join(scheme), true, switches)
                .await;
            let outcome = async {
                c.goto(&format!("{base}{}", BACKEND[0].0)).await?;
                let button = c
                    .wait()
                    .at_most(WAIT)
                    .for_element(Locator::Css("button.mark-done"))
                    .await?;
                click(&c, button, "Mark as done").await?;
                wait_text(&c, ".mark-done", "Done").await?;
                for (width, height, size) in [(1280, 800, ""), (390, 844, "-phone")] {
                    window(&c, width, height).await?;
                    for (path, picture) in [
                        ("/backend-dev/first-server/", "lesson"),
                        ("/backend-dev/", "course"),
                    ] {
                        c.goto(&format!("{base}{path}")).await?;
                        let seen = c.execute(CONTRAST, vec![serde_json::json!(TEXT)]).await?;
                        ensure!(
                            seen[2].as_bool() == Some(dark),
                            "the page does not see a {scheme} system setting"
                        );
                        ensure!(
                            seen[0].as_u64().unwrap_or(0) >= 20,
                            "{width} px, {path}: only {} elements checked",
                            seen[0]
                        );
                        ensure!(
                            seen[1].as_array().is_some_and(|low| low.is_empty()),
                            "{width} px, {path}: text under 4.5:1: {}",
                            seen[1]
                        );
                        let tone = if dark { "-dark" } else { "" };
                        crate::browser::docs_screenshot(&c, &format!("{picture}{size}{tone}.png"))
                            .await?;
                    }
                }
                anyhow::Ok(())
            }
            .await;
            let evidence = match &outcome {
                Err(_) => save_evidence(&c).await,
                Ok(()) => String::new(),
            };
            let _ = c.close().await;
            if let Err(e) = outcome {
                bail!("in {scheme}: {e:#}\n{evidence}");
            }
        }
        Ok(())
    }

    #[rocket::async_test]
    async fn a_learner_moves_through_a_course_on_a_phone_and_a_desktop_with_and_without_javascript()
    {
        if !require_browsers() {
            return;
        }
        let f = Fixture::with_sample_content().await;
        let server = Server::start(&f);
        let driver = ChromeDriver::start();

        let no_js = driver.connect(&f.dir.path().join("js-off"), false).await;
        let outcome = phone_without_javascript(&no_js, &server.base).await;
        let evidence = match &outcome {
            Err(_) => save_evidence(&no_js).await,
            Ok(()) => String::new(),
        };
        let _ = no_js.close().await;
        if let Err(e) = outcome {
            panic!("without JavaScript: {e:#}\n{evidence}");
        }

        let c = driver.connect(&f.dir.path().join("js-on"), true).await;
        let outcome = moving_through_a_course(&c, &server.base)
            .await
            .context("with JavaScript");
        let evidence = match &outcome {
            Err(_) => save_evidence(&c).await,
            Ok(()) => String::new(),
        };
        let _ = c.close().await;
        if let Err(e) = outcome {
            panic!("{e:#}\n{evidence}\n--- lectern log ---\n{}", server.log());
        }

        if let Err(e) = colour_schemes(&driver, f.dir.path(), &server.base).await {
            panic!("colour schemes: {e:#}");
        }
    }
}
