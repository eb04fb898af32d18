//! Richer lessons for authors: callouts, scheduled publishing, learner
//! information (duration, level, prerequisites), code blocks with titles and
//! marked lines, and the whole course on one page. Each through real pages.

use std::collections::BTreeSet;

use chrono::{SecondsFormat, SubsecRound, Utc};
use lectern::base::clock::Clock;
use lectern::content::{check, Diagnostic, Severity};
use lectern::db::entity::Role;
use rocket::http::Status;
use rocket::local::asynchronous::Client;

use crate::common::{add_user, count, course, csrf, get, lesson, log_in, post, Fixture, PASSWORD};

/// A lesson file with extra front matter lines.
fn lesson_with(title: &str, front: &str, body: &str) -> String {
    format!("+++\ntitle = \"{title}\"\nsummary = \"About {title}\"\n{front}\n+++\n\n{body}\n")
}

/// The finding about `path` whose message contains `needle`.
fn finding<'a>(diags: &'a [Diagnostic], path: &str, needle: &str) -> &'a Diagnostic {
    diags
        .iter()
        .find(|d| d.path == path && d.message.contains(needle))
        .unwrap_or_else(|| panic!("no finding for {path} containing {needle:?} in {diags:#?}"))
}

/// The part of a page between `from` and the next `to`.
fn between<'a>(html: &'a str, from: &str, to: &str) -> &'a str {
    let start = html
        .find(from)
        .unwrap_or_else(|| panic!("{from:?} not in {html}"));
    let end = html[start..].find(to).map_or(html.len(), |i| start + i);
    &html[start..end]
}

/// Every `href="#…"` of a page has its `id="…"` on the page.
fn assert_anchors_resolve(html: &str) {
    let mut checked = 0;
    for part in html.split("href=\"#").skip(1) {
        let id = &part[..part.find('"').unwrap()];
        assert!(
            html.contains(&format!("id=\"{id}\"")),
            "in-page link #{id} has no target"
        );
        checked += 1;
    }
    assert!(checked > 0);
}

// ------------------------------------------------------------ callouts

#[rocket::async_test]
async fn each_callout_kind_renders_as_a_labelled_aside() {
    let f = Fixture::new().await;
    f.write("intro/_course.md", course("Intro"));
    f.write(
        "intro/01-notes.md",
        lesson(
            "Notes",
            "> [!NOTE]\n> A note.\n\n> [!TIP]\n> A tip.\n\n> [!IMPORTANT]\n> Important.\n\n> [!WARNING]\n> A warning.\n\n> [!CAUTION]\n> Careful.\n\n> [!DANGER]\n> Not a kind.\n\n> Just a quote.\n",
        ),
    );
    let client = f.client().await;
    let (status, html) = get(&client, "/intro/notes/").await;
    assert_eq!(status, Status::Ok);
    for (class, label, text) in [
        ("note", "Note", "A note."),
        ("tip", "Tip", "A tip."),
        ("important", "Important", "Important."),
        ("warning", "Warning", "A warning."),
        ("caution", "Caution", "Careful."),
    ] {
        let aside = between(
            &html,
            &format!("<aside class=\"callout callout-{class}\" role=\"note\">"),
            "</aside>",
        );
        assert!(
            aside.contains(&format!("<p class=\"callout-title\">{label}</p>")),
            "{aside}"
        );
        assert!(aside.contains(text), "{aside}");
    }
    // An unknown kind, and a plain quote, stay blockquotes.
    assert_eq!(html.matches("<aside class=\"callout").count(), 5);
    assert!(between(&html, "<blockquote>", "</blockquote>").contains("[!DANGER]"));
    assert_eq!(html.matches("<blockquote>").count(), 2);
}

#[rocket::async_test]
async fn callout_with_raw_html_is_sanitised() {
    let f = Fixture::new().await;
    f.write("intro/_course.md", course("Intro"));
    f.write(
        "intro/01-hostile.md",
        lesson(
            "Hostile",
            "> [!WARNING]\n> <script>alert(1)</script><b onmouseover=\"alert(2)\">Bold</b>\n>\n> <img src=x onerror=\"alert(3)\"> [click](javascript:alert(4)) <a href=\"JAVASCRIPT:alert(5)\">x</a>\n",
        ),
    );
    let client = f.client().await;
    let (status, html) = get(&client, "/intro/hostile/").await;
    assert_eq!(status, Status::Ok);
    let aside = between(
        &html,
        "<aside class=\"callout callout-warning\"",
        "</aside>",
    );
    assert!(aside.contains("<b>Bold</b>"), "{aside}");
    for bad in [
        "<script",
        "onmouseover",
        "onerror",
        "javascript:",
        "alert(1)",
    ] {
        assert!(!aside.to_lowercase().contains(bad), "{bad} in {aside}");
    }
}

// ------------------------------------------------------------ scheduling

#[rocket::async_test]
async fn scheduled_lesson_appears_by_itself_at_its_moment() {
    let f = Fixture::new().await;
    f.write("intro/_course.md", course("Intro"));
    f.write("intro/01-first.md", lesson("First", "One."));
    f.write("intro/03-third.md", lesson("Third", "Three."));
    // The site's clock stands still until the test moves it.
    let clock = Clock::fixed(Utc::now().trunc_subsecs(0));
    let client = f.client_at(&clock).await;
    let db = f.connect().await;

    // Scheduled an hour from the site's now, applied by a sync.
    let at = clock.now() + chrono::Duration::hours(1);
    let stamp = at.to_rfc3339_opts(SecondsFormat::Millis, true);
    f.write(
        "intro/02-second.md",
        lesson_with("Second", &format!("publish_at = \"{stamp}\""), "Two."),
    );
    let report = f.sync(&db).await;
    assert_eq!(report.created, vec!["intro/02-second.md"], "{report:?}");

    let (status, _) = get(&client, "/intro/second/").await;
    assert_eq!(status, Status::NotFound, "hidden before its moment");
    let (_, outline) = get(&client, "/intro/").await;
    assert!(outline.contains("/intro/first/") && outline.contains("/intro/third/"));
    assert!(!outline.contains("/intro/second/"), "not in the outline");
    assert!(!outline.contains("Second"));
    let (_, first) = get(&client, "/intro/first/").await;
    assert!(
        first.contains(r#"href="/intro/third/" rel="next""#),
        "next skips it: {first}"
    );
    let (_, third) = get(&client, "/intro/third/").await;
    assert!(third.contains(r#"href="/intro/first/" rel="prev""#));
    assert!(third.contains("Lesson 2 of 2"));
    let (_, all) = get(&client, "/intro/all/").await;
    assert!(!all.contains("Second"), "not on the one-page view");
    let (_, home) = get(&client, "/").await;
    assert!(home.contains("2 lessons"), "{home}");

    // A millisecond before the moment, the pages cached above still hold.
    clock.advance(at - clock.now() - chrono::Duration::milliseconds(1));
    assert_eq!(get(&client, "/intro/second/").await.0, Status::NotFound);
    assert!(!get(&client, "/intro/").await.1.contains("/intro/second/"));

    // The moment comes: nothing else happens, and the lesson is there.
    clock.advance(chrono::Duration::milliseconds(1));
    let (status, page) = get(&client, "/intro/second/").await;
    assert_eq!(status, Status::Ok);
    assert!(page.contains("Two."));
    assert!(!page.contains("Scheduled"), "no badge for the public");
    let (_, outline) = get(&client, "/intro/").await;
    let order: Vec<usize> = ["/intro/first/", "/intro/second/", "/intro/third/"]
        .iter()
        .map(|u| outline.find(u).unwrap())
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]));
    let (_, first) = get(&client, "/intro/first/").await;
    assert!(first.contains(r#"href="/intro/second/" rel="next""#));
    let (_, all) = get(&client, "/intro/all/").await;
    assert!(all.contains("id=\"lesson-second\""));
    let (_, home) = get(&client, "/").await;
    assert!(home.contains("3 lessons"));
}

#[rocket::async_test]
async fn editors_see_a_scheduled_lesson_marked_where_the_public_gets_404() {
    let f = Fixture::new().await;
    f.write("intro/_course.md", course("Intro"));
    f.write("intro/01-first.md", lesson("First", "One."));
    f.write(
        "intro/02-second.md",
        lesson_with("Second", "publish_at = 2099-01-01T09:00:00+01:00", "Two."),
    );
    f.write("intro/03-third.md", lesson("Third", "Three."));
    let public = f.client().await;
    let editor = editor(&f).await;
    let mark = r#"<span class="badge badge-draft">Scheduled for 2099-01-01 08:00 UTC</span>"#;

    // The public: a 404, and no trace in the outline. Asked before and
    // after the editor, so that neither view is served to the other.
    for when in ["before the editor", "after the editor"] {
        let (status, _) = get(&public, "/intro/second/").await;
        assert_eq!(status, Status::NotFound, "{when}");
        let (status, outline) = get(&public, "/intro/").await;
        assert_eq!(status, Status::Ok, "{when}");
        assert!(outline.contains("/intro/first/"), "{when}");
        assert!(!outline.contains("/intro/second/"), "{when}: {outline}");
        assert!(!outline.contains("Scheduled for"), "{when}");

        if when == "before the editor" {
            // A logged-in editor: the page, marked, with its edit link…
            let (status, page) = get(&editor, "/intro/second/").await;
            assert_eq!(status, Status::Ok);
            assert!(page.contains("Two."));
            let title = between(&page, "<h1", "</h1>");
            assert!(title.contains(mark), "marked in its title: {title}");
            assert!(page.contains("Edit this lesson"));
            // …and the outline, with it in its place, marked.
            let (status, outline) = get(&editor, "/intro/").await;
            assert_eq!(status, Status::Ok);
            let order: Vec<usize> = ["/intro/first/", "/intro/second/", "/intro/third/"]
                .iter()
                .map(|u| outline.find(u).unwrap_or_else(|| panic!("{u}: {outline}")))
                .collect();
            assert!(order.windows(2).all(|w| w[0] < w[1]), "{outline}");
            assert_eq!(outline.matches(mark).count(), 1, "{outline}");
            let entry = &outline[order[1]..order[2]];
            assert!(entry.contains(mark), "the mark is on its entry: {entry}");
        }
    }
}

#[rocket::async_test]
async fn unparsable_publish_at_names_file_and_line() {
    let f = Fixture::new().await;
    f.write("intro/_course.md", course("Intro"));
    f.write(
        "intro/01-when.md",
        lesson_with(
            "When",
            "level = \"beginner\"\npublish_at = \"next tuesday\"",
            "x",
        ),
    );
    f.write(
        "intro/02-local.md",
        "+++\ntitle = \"Local\"\npublish_at = 2026-12-01T09:00:00\n+++\nx\n",
    );
    let report = check(&f.content()).unwrap();
    let d = finding(&report.diagnostics, "intro/01-when.md", "publish_at");
    assert_eq!((d.severity, d.line), (Severity::Error, Some(5)), "{d}");
    assert!(d.message.contains("next tuesday"), "{d}");
    // A date-time without an offset is refused too: its moment is unknown.
    let d = finding(&report.diagnostics, "intro/02-local.md", "publish_at");
    assert_eq!((d.severity, d.line), (Severity::Error, Some(3)), "{d}");
}

#[rocket::async_test]
async fn unknown_level_names_file_and_line() {
    let f = Fixture::new().await;
    f.write("intro/_course.md", course("Intro"));
    f.write(
        "intro/01-hard.md",
        lesson_with("Hard", "duration = 5\nlevel = \"expert\"", "x"),
    );
    let report = check(&f.content()).unwrap();
    let d = finding(&report.diagnostics, "intro/01-hard.md", "level");
    assert_eq!((d.severity, d.line), (Severity::Error, Some(5)), "{d}");
    assert!(
        d.to_string()
            .starts_with("intro/01-hard.md:5: error: field “level”: “expert”"),
        "{d}"
    );
}

// ------------------------------------------------------------ learner information

fn prerequisite_site(f: &Fixture) {
    f.write("intro/_course.md", course("Intro"));
    f.write("intro/01-setup.md", lesson("Setup", "Install things."));
    f.write("intro/02-basics.md", lesson("Basics", "The basics."));
    f.write(
        "intro/03-next.md",
        lesson_with(
            "Next steps",
            "duration = 25\nlevel = \"intermediate\"\nprerequisites = [\"01-setup.md\", \"02-basics.md\", \"../web/01-http.md\"]",
            "Go on.",
        ),
    );
    f.write("web/_course.md", course("Web"));
    f.write("web/01-http.md", lesson("HTTP", "Requests."));
}

#[rocket::async_test]
async fn prerequisites_render_as_links_on_lesson_and_outline() {
    let f = Fixture::new().await;
    prerequisite_site(&f);
    let report = check(&f.content()).unwrap();
    assert_eq!(report.errors(), 0, "{:#?}", report.diagnostics);

    let client = f.client().await;
    let (status, html) = get(&client, "/intro/next/").await;
    assert_eq!(status, Status::Ok);
    let box_ = between(&html, "<aside class=\"prereqs\"", "</aside>");
    assert!(box_.contains("Before you start"), "{box_}");
    let links: Vec<usize> = [
        r#"<a href="/intro/setup/">Setup</a>"#,
        r#"<a href="/intro/basics/">Basics</a>"#,
        r#"<a href="/web/http/">HTTP</a>"#,
    ]
    .iter()
    .map(|l| box_.find(l).unwrap_or_else(|| panic!("{l} in {box_}")))
    .collect();
    assert!(links.windows(2).all(|w| w[0] < w[1]), "in the order given");
    assert!(html.contains("<span class=\"meta-item\">25 min</span>"));
    assert!(html.contains("<span class=\"meta-item\">Intermediate</span>"));

    let (_, outline) = get(&client, "/intro/").await;
    let item = between(&outline, "href=\"/intro/next/\"", "</li>");
    assert!(item.contains("Before this:"), "{item}");
    assert!(
        item.contains(r#"<a href="/intro/setup/">Setup</a>"#),
        "{item}"
    );
    assert!(item.contains(r#"<a href="/web/http/">HTTP</a>"#), "{item}");

    // A prerequisite the public may not see is not linked for the public.
    f.write(
        "intro/01-setup.md",
        "+++\ntitle = \"Setup\"\ndraft = true\n+++\nInstall.\n",
    );
    f.sync(&f.connect().await).await;
    let (_, html) = get(&client, "/intro/next/").await;
    let box_ = between(&html, "<aside class=\"prereqs\"", "</aside>");
    assert!(!box_.contains("/intro/setup/"), "{box_}");
    assert!(box_.contains("/intro/basics/"));
}

#[rocket::async_test]
async fn missing_prerequisite_fails_check_and_is_reported_by_sync() {
    let f = Fixture::new().await;
    prerequisite_site(&f);
    f.write(
        "intro/04-more.md",
        lesson_with(
            "More",
            "level = \"advanced\"\nprerequisites = [\"01-setup.md\", \"09-gone.md\"]",
            "More.",
        ),
    );
    let report = check(&f.content()).unwrap();
    let d = finding(&report.diagnostics, "intro/04-more.md", "09-gone.md");
    assert_eq!((d.severity, d.line), (Severity::Error, Some(5)), "{d}");
    assert!(d.message.contains("missing lesson"), "{d}");
    // The lesson is not published (strict_links), which is said once.
    assert_eq!(report.errors(), 2);
    finding(&report.diagnostics, "intro/04-more.md", "not published");

    // Sync reports it too, and with strict_links off applies the lesson
    // with the prerequisites that exist.
    let db = f.connect().await;
    let sync = f.sync(&db).await;
    finding(&sync.diagnostics, "intro/04-more.md", "not published");
    let sync = f.sync_with_links(&db, false).await;
    let d = finding(&sync.diagnostics, "intro/04-more.md", "09-gone.md");
    assert_eq!((d.severity, d.line), (Severity::Warning, Some(5)));
    let client = f.client().await;
    let (status, html) = get(&client, "/intro/more/").await;
    assert_eq!(status, Status::Ok);
    assert!(html.contains(r#"<a href="/intro/setup/">Setup</a>"#));
}

#[rocket::async_test]
async fn self_prerequisite_fails_check() {
    let f = Fixture::new().await;
    prerequisite_site(&f);
    f.write(
        "intro/04-loop.md",
        lesson_with("Loop", "prerequisites = [\"./04-loop.md\"]", "Round."),
    );
    let report = check(&f.content()).unwrap();
    let d = finding(&report.diagnostics, "intro/04-loop.md", "itself");
    assert_eq!((d.severity, d.line), (Severity::Error, Some(4)), "{d}");
}

#[rocket::async_test]
async fn duration_is_estimated_from_the_text_when_absent() {
    let f = Fixture::new().await;
    f.write("intro/_course.md", course("Intro"));
    // 450 words of prose (and code, which does not count): three minutes.
    let prose = "word ".repeat(450);
    let code = "x ".repeat(1000);
    f.write(
        "intro/01-long.md",
        lesson("Long", &format!("{prose}\n\n```\n{code}\n```\n")),
    );
    f.write(
        "intro/02-given.md",
        lesson_with("Given", "duration = 40", "Short."),
    );
    let client = f.client().await;
    let (_, html) = get(&client, "/intro/long/").await;
    assert!(
        html.contains("<span class=\"meta-item\">About 3 min</span>"),
        "{html}"
    );
    let (_, outline) = get(&client, "/intro/").await;
    assert!(outline.contains("About 3 min"));
    assert!(outline.contains("<span class=\"meta-item\">40 min</span>"));
    assert!(!outline.contains("About 40"));
}

// ------------------------------------------------------------ code blocks

#[rocket::async_test]
async fn code_titles_and_highlighted_lines_render() {
    let f = Fixture::new().await;
    f.write("intro/_course.md", course("Intro"));
    f.write(
        "intro/01-code.md",
        lesson(
            "Code",
            "```js title=\"server.js\" hl_lines=\"2-3\"\nconst http = require('node:http');\nconst server = http.createServer();\nserver.listen(3000);\nconsole.log('up');\n```\n\n```\nplain\n```\n",
        ),
    );
    let client = f.client().await;
    let (status, html) = get(&client, "/intro/code/").await;
    assert_eq!(status, Status::Ok);
    let block = between(&html, "<figure class=\"code-block\">", "</figure>");
    assert!(
        block.contains(
            r#"<figcaption class="code-head"><span class="code-title">server.js</span> <span class="code-lang">JavaScript<span class="visually-hidden"> code</span></span></figcaption>"#
        ),
        "{block}"
    );
    let marks: Vec<&str> = block
        .split("<mark class=\"code-hl\">")
        .skip(1)
        .map(|m| &m[..m.find("</mark>").unwrap()])
        .collect();
    assert_eq!(marks.len(), 2, "{block}");
    assert!(marks[0].contains("server") && marks[0].contains("createServer"));
    assert!(marks[1].contains("listen"));
    assert!(!block.contains("style="));
    // A block without language or title has no caption.
    assert!(html.contains("<div class=\"code-block\"><div class=\"code-scroll\" role=\"group\" tabindex=\"0\" aria-label=\"Code\"><pre class=\"code\"><code>plain\n"));
    // The copy button comes from our own script; the page works without it.
    assert!(html.contains("<script src=\"/static/site.js?v="), "{html}");
    let script = client.get("/static/site.js").dispatch().await;
    assert_eq!(script.status(), Status::Ok);
    let csp = script
        .headers()
        .get_one("Content-Security-Policy")
        .map(str::to_string);
    assert!(script.into_string().await.unwrap().contains("code-copy"));
    assert!(csp.is_some_and(|c| c.contains("script-src 'self'")));
}

#[rocket::async_test]
async fn code_title_with_quotes_and_markup_is_escaped() {
    let f = Fixture::new().await;
    f.write("intro/_course.md", course("Intro"));
    f.write(
        "intro/01-title.md",
        lesson(
            "Title",
            "```html title=\"a \\\"quoted\\\" <script>alert(1)</script> & <b onclick=x>b</b>\" hl_lines=\"1\"\n<p>hi</p>\n```\n",
        ),
    );
    let client = f.client().await;
    let (status, html) = get(&client, "/intro/title/").await;
    assert_eq!(status, Status::Ok);
    let title = between(&html, "<span class=\"code-title\">", "</span>");
    assert_eq!(
        title,
        "<span class=\"code-title\">a &quot;quoted&quot; &lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b onclick=x&gt;b&lt;/b&gt;"
    );
    assert!(!html.contains("<script>alert"));
    assert!(!html.contains("<b onclick"));
    assert_eq!(html.matches("<mark class=\"code-hl\">").count(), 1);
}

#[rocket::async_test]
async fn hl_lines_out_of_bounds_are_ignored() {
    let f = Fixture::new().await;
    f.write("intro/_course.md", course("Intro"));
    f.write(
        "intro/01-bounds.md",
        lesson(
            "Bounds",
            "```rust hl_lines=\"0 7-9 99999999999999999999 3-1 2-100000000000\"\nfn a() {}\nfn b() {}\nfn c() {}\n```\n\n```js hl_lines=\"1-\"\nlet x;\n```\n\n```text hl_lines=\"x,y\"\nplain\n```\n",
        ),
    );
    let report = check(&f.content()).unwrap();
    assert_eq!(report.errors(), 0);
    let client = f.client().await;
    let (status, html) = get(&client, "/intro/bounds/").await;
    assert_eq!(status, Status::Ok);
    // Only lines 2 and 3 of the first block exist among those named.
    assert_eq!(
        html.matches("<mark class=\"code-hl\">").count(),
        2,
        "{html}"
    );
    assert!(html.contains("let"), "later blocks render");
    assert!(html.contains("plain"));
}

// ------------------------------------------------------------ the whole course

fn whole_course_site(f: &Fixture) {
    f.write("intro/_course.md", course("Intro"));
    f.write(
        "intro/01-alpha.md",
        lesson(
            "Alpha",
            "## Start\n\nGo on to [Beta](02-beta.md), or straight to [its detail](02-beta.md#detail). Back [to the start](#start).[^1] Also [the web](../web/01-http.md).\n\n[^1]: A note in Alpha.\n",
        ),
    );
    f.write(
        "intro/02-beta.md",
        lesson(
            "Beta",
            "## Detail {#detail}\n\nSee [Alpha](01-alpha.md#start) and [the draft](03-draft.md).[^1]\n\n[^1]: A note in Beta.\n\n### Deeper\n\nText.\n",
        ),
    );
    f.write(
        "intro/03-draft.md",
        "+++\ntitle = \"Draft lesson\"\ndraft = true\n+++\nNot yet.\n",
    );
    f.write(
        "intro/04-gamma.md",
        lesson("Gamma", "## Start\n\nThe same heading as Alpha's."),
    );
    f.write(
        "intro/05-later.md",
        lesson_with(
            "Later lesson",
            "publish_at = 2099-01-01T00:00:00Z",
            "Not yet either.",
        ),
    );
    f.write("web/_course.md", course("Web"));
    f.write("web/01-http.md", lesson("HTTP", "Requests."));
}

#[rocket::async_test]
async fn whole_course_page_has_every_published_lesson_in_order_with_working_anchors() {
    let f = Fixture::new().await;
    whole_course_site(&f);
    let client = f.client().await;

    let (_, course_page) = get(&client, "/intro/").await;
    assert!(
        course_page.contains(r#"<a href="/intro/all/">Read the whole course on one page</a>"#),
        "{course_page}"
    );
    let (status, html) = get(&client, "/intro/all/").await;
    assert_eq!(status, Status::Ok);
    assert_eq!(html.matches("<h1").count(), 1);
    assert!(html.contains(r#"<link rel="canonical" href="http://127.0.0.1:8000/intro/all/">"#));

    // Every published lesson, in order, each with its title and headings.
    let order: Vec<usize> = [
        r#"<h2 class="all-lesson-title" id="lesson-alpha">Alpha"#,
        r#"<h3 id="alpha--start">Start</h3>"#,
        r#"<h2 class="all-lesson-title" id="lesson-beta">Beta"#,
        r#"<h3 id="beta--detail">Detail</h3>"#,
        r#"<h4 id="beta--deeper">Deeper</h4>"#,
        r#"<h2 class="all-lesson-title" id="lesson-gamma">Gamma"#,
        r#"<h3 id="gamma--start">Start</h3>"#,
    ]
    .iter()
    .map(|s| html.find(s).unwrap_or_else(|| panic!("{s} in {html}")))
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "in course order");
    assert!(!html.contains("Draft lesson") && !html.contains("Not yet."));
    assert!(!html.contains("Later lesson"));
    assert!(html.contains("Lesson 3 of 3"));

    // Links between lessons of the course are in-page anchors; others stay URLs.
    let alpha = between(&html, "id=\"lesson-alpha\"", "id=\"lesson-beta\"");
    assert!(
        alpha.contains(r##"<a href="#lesson-beta">Beta</a>"##),
        "{alpha}"
    );
    assert!(alpha.contains(r##"<a href="#beta--detail">its detail</a>"##));
    assert!(alpha.contains(r##"<a href="#alpha--start">to the start</a>"##));
    assert!(alpha.contains(r#"<a href="/web/http/">the web</a>"#));
    assert!(!alpha.contains("href=\"/intro/beta/"));
    let beta = between(&html, "id=\"lesson-beta\"", "id=\"lesson-gamma\"");
    assert!(
        beta.contains(r##"<a href="#alpha--start">Alpha</a>"##),
        "{beta}"
    );
    // Footnotes of different lessons keep apart.
    assert!(alpha.contains(r#"id="alpha--1""#) && beta.contains(r#"id="beta--1""#));
    // The contents list lessons and their sections.
    let contents = between(&html, "<nav class=\"all-contents\"", "</nav>");
    assert!(contents.contains(r##"<a href="#lesson-gamma">Gamma</a>"##));
    assert!(contents.contains(r##"<a href="#beta--detail">Detail</a>"##));
    // Every in-page link has its target, except the one to the draft, which
    // is not on the page (nor public): it keeps no anchor at all.
    let without_draft = html.replace("href=\"#lesson-draft\"", "");
    assert_anchors_resolve(&without_draft);
    // Lesson pages themselves keep their URLs and plain ids.
    let (_, alpha_page) = get(&client, "/intro/alpha/").await;
    assert!(alpha_page.contains(r#"<a href="/intro/beta/">Beta</a>"#));
    assert!(alpha_page.contains(r#"<h2 id="start">Start</h2>"#));

    assert_eq!(get(&client, "/intro/all").await.0, Status::MovedPermanently);
    assert_eq!(get(&client, "/nope/all/").await.0, Status::NotFound);
}

// ------------------------------------------------------------ the admin editor

async fn editor(f: &Fixture) -> Client {
    let client = f.client().await;
    add_user(&f.connect().await, "eve", Role::Editor).await;
    assert_eq!(log_in(&client, "eve", PASSWORD).await, Status::SeeOther);
    client
}

/// The learner fields of an editor form, with the rest of lesson `basics`.
struct EditorForm {
    token: String,
    course_id: String,
}

impl EditorForm {
    fn fields(&self, version: &str, learner: [&str; 4]) -> Vec<(&'static str, String)> {
        let [duration, level, publish_at, prerequisites] = learner;
        vec![
            ("csrf", self.token.clone()),
            ("version", version.into()),
            ("title", "Basics".into()),
            ("slug", "basics".into()),
            ("course_id", self.course_id.clone()),
            ("status", "published".into()),
            ("summary", "The basics".into()),
            ("body_md", "The basics, again.".into()),
            ("duration", duration.into()),
            ("level", level.into()),
            ("publish_at", publish_at.into()),
            ("prerequisites", prerequisites.into()),
            ("action", "save".into()),
        ]
    }
}

async fn send(
    client: &Client,
    url: &str,
    fields: Vec<(&'static str, String)>,
) -> (Status, Option<String>, String) {
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    post(client, url, &pairs).await
}

#[rocket::async_test]
async fn admin_editor_sets_schedule_level_duration_and_prerequisites() {
    let f = Fixture::new().await;
    prerequisite_site(&f);
    let client = editor(&f).await;
    let db = f.connect().await;
    let id = count(&db, "SELECT id FROM lessons WHERE slug = 'basics'").await;
    let form = EditorForm {
        token: csrf(&client).await,
        course_id: count(&db, "SELECT id FROM courses WHERE slug = 'intro'")
            .await
            .to_string(),
    };
    let url = format!("/admin/lessons/{id}/edit");

    // The editor shows the fields.
    let (_, page) = get(&client, &url).await;
    for field in [
        "name=\"duration\"",
        "name=\"level\"",
        "name=\"publish_at\"",
        "name=\"prerequisites\"",
    ] {
        assert!(page.contains(field), "{field}");
    }

    // Bad values are refused, each with its message; nothing is saved.
    let bad = form.fields(
        "1",
        ["0", "expert", "tomorrow at nine", "basics\nnope\nweb/http"],
    );
    let (status, _, page) = send(&client, &url, bad).await;
    assert_eq!(status, Status::UnprocessableEntity);
    assert!(page.contains("id=\"duration-error\""), "{page}");
    assert!(page.contains("id=\"level-error\""));
    assert!(page.contains("id=\"publish_at-error\""));
    assert!(page.contains("cannot be its own prerequisite"), "{page}");
    assert!(page.contains("there is no lesson “intro/nope”"), "{page}");
    assert!(!page.contains("“web/http”"), "an existing lesson is fine");
    assert!(
        page.contains("tomorrow at nine"),
        "the text stays in the form"
    );

    // Good values: scheduled far ahead, so hidden from the public.
    let good = form.fields(
        "1",
        [
            "12",
            "advanced",
            "2099-01-01T09:00+01:00",
            "setup\nweb/http\n",
        ],
    );
    let (status, location, _) = send(&client, &url, good).await;
    assert_eq!(status, Status::SeeOther, "saved");
    assert_eq!(location, Some(format!("{url}?saved=true")));
    let (_, page) = get(&client, &url).await;
    assert!(
        page.contains("scheduled for 2099-01-01 08:00 UTC"),
        "{page}"
    );
    assert!(page.contains("value=\"2099-01-01T08:00:00Z\""), "{page}");
    assert!(
        page.contains("intro/setup\nweb/http\n</textarea>"),
        "{page}"
    );
    assert!(page.contains("<option value=\"advanced\" selected>"));
    let (_, list) = get(&client, "/admin/lessons").await;
    assert!(
        list.contains("scheduled for 2099-01-01 08:00 UTC"),
        "{list}"
    );
    let public = f.client().await;
    assert_eq!(get(&public, "/intro/basics/").await.0, Status::NotFound);
    let (_, outline) = get(&public, "/intro/").await;
    assert!(!outline.contains("/intro/basics/"));

    // Publishing at once (an empty moment) shows the rest to learners.
    let now = form.fields("2", ["12", "advanced", "", "setup\nweb/http"]);
    let (status, _, _) = send(&client, &url, now).await;
    assert_eq!(status, Status::SeeOther);
    let (status, html) = get(&public, "/intro/basics/").await;
    assert_eq!(status, Status::Ok);
    assert!(html.contains("<span class=\"meta-item\">12 min</span>"));
    assert!(html.contains("<span class=\"meta-item\">Advanced</span>"));
    let box_ = between(&html, "<aside class=\"prereqs\"", "</aside>");
    assert!(
        box_.contains(r#"<a href="/intro/setup/">Setup</a>"#),
        "{box_}"
    );
    assert!(box_.contains(r#"<a href="/web/http/">HTTP</a>"#));
}

// ------------------------------------------------- check: what authors meet

/// The sample content with `rel`'s front matter broken the way authors
/// break it (an unquoted value).
fn break_front_matter(f: &Fixture, rel: &str) {
    let path = f.content().join(rel);
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replacen("+++\n", "+++\nduration = 10 minutes\n", 1),
    )
    .unwrap();
}

#[rocket::async_test]
async fn a_file_that_fails_to_parse_still_counts_as_existing_for_links() {
    let f = Fixture::with_sample_content().await;
    let db = f.connect().await;
    f.sync(&db).await;
    // Two lessons link to it, and it is in another course's links too.
    break_front_matter(&f, "backend-dev/02-install-node.md");
    f.write(
        "web-foundations/04-next.md",
        lesson_with(
            "Next",
            "prerequisites = [\"../backend-dev/02-install-node.md\"]",
            "Then [install Node](../backend-dev/02-install-node.md).",
        ),
    );
    // A file too large to read, and a new course whose course file is broken.
    f.write(
        "backend-dev/07-huge.md",
        format!(
            "+++\ntitle = \"Huge\"\n+++\n{}",
            "x".repeat(1024 * 1024 + 1)
        ),
    );
    f.write(
        "tools/_course.md",
        "+++\ntitle = \"Tools\nsummary = \"x\"\n+++\n",
    );
    f.write("tools/01-editors.md", lesson("Editors", "Text."));
    f.write(
        "web-foundations/05-more.md",
        lesson(
            "More",
            "See [huge](../backend-dev/07-huge.md) and [editors](../tools/01-editors.md).",
        ),
    );

    let report = check(&f.content()).unwrap();
    let errors: Vec<&Diagnostic> = report.diagnostics.iter().filter(|d| d.is_error()).collect();
    let broken: Vec<&&Diagnostic> = errors
        .iter()
        .filter(|d| d.path == "backend-dev/02-install-node.md")
        .collect();
    assert_eq!(broken.len(), 1, "{errors:#?}");
    assert_eq!(broken[0].line, Some(2), "{errors:#?}");
    for d in &report.diagnostics {
        assert!(
            !d.message.contains("missing file") && !d.message.contains("missing lesson"),
            "a file that exists is not missing: {d}"
        );
    }
    // One error per broken file: the lesson, the huge file, the course file
    // (and the course's lessons waiting for it).
    let paths: BTreeSet<&str> = errors.iter().map(|d| d.path.as_str()).collect();
    assert_eq!(
        paths,
        BTreeSet::from([
            "backend-dev/02-install-node.md",
            "backend-dev/07-huge.md",
            "tools",
            "tools/_course.md"
        ]),
        "{errors:#?}"
    );

    // Sync says the same, and every other lesson goes live as it is.
    let sync = f.sync(&db).await;
    let sync_errors: BTreeSet<&str> = sync
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.path.as_str())
        .collect();
    assert_eq!(sync_errors, paths, "{:#?}", sync.diagnostics);
    let client = f.client().await;
    for live in [
        "/web-foundations/next/",
        "/web-foundations/more/",
        "/backend-dev/install-node/",
    ] {
        assert_eq!(get(&client, live).await.0, Status::Ok, "{live}");
    }
    // The link leads to the version still live.
    let (_, html) = get(&client, "/web-foundations/next/").await;
    assert!(
        html.contains("href=\"/backend-dev/install-node/\""),
        "{html}"
    );
}

#[rocket::async_test]
async fn broken_links_and_images_suggest_the_nearest_existing_file() {
    let f = Fixture::with_sample_content().await;
    f.write(
        "backend-dev/07-typos.md",
        lesson_with(
            "Typos",
            "prerequisites = [\"03-frist-server.md\"]",
            "Read [routes](04-routs-and-data.md#json) first.\n\n![Cycle](images/request-cycel.png)\n\n[Far](99-nothing-like-any-lesson.md) and [other](../web-foundations/01-how-the-web-work.md).",
        ),
    );
    let report = check(&f.content()).unwrap();
    let d = &report.diagnostics;
    let at = |needle: &str| {
        finding(d, "backend-dev/07-typos.md", needle)
            .message
            .clone()
    };
    assert_eq!(
        at("04-routs"),
        "link to a missing file: “04-routs-and-data.md#json”; did you mean 04-routes-and-data.md?"
    );
    assert_eq!(
        at("request-cycel"),
        "image not found: “images/request-cycel.png”; did you mean images/request-cycle.png?"
    );
    assert!(at("01-how-the-web-work.md")
        .ends_with("did you mean ../web-foundations/01-how-the-web-works.md?"));
    assert!(
        at("03-frist").ends_with("did you mean 03-first-server.md?"),
        "{d:#?}"
    );
    assert!(
        !at("99-nothing").contains("did you mean"),
        "no guess when nothing is near"
    );

    // The admin's save names the same file.
    let (f, eve) = crate::admin::admin_site("eve").await;
    let id = crate::admin::lesson_id(&f, "first-server").await;
    let form = crate::admin::edit_form(&eve, id).await;
    let body = "See [routes](04-routs-and-data.md).";
    let (status, _, html) = post(
        &eve,
        &format!("/admin/lessons/{id}/edit"),
        &crate::admin::with(&form, &[("body_md", body)]),
    )
    .await;
    assert_eq!(status, Status::UnprocessableEntity);
    assert!(
        html.contains("line 1: link to a missing file: “04-routs-and-data.md”; did you mean 04-routes-and-data.md?"),
        "{html}"
    );
}

#[rocket::async_test]
async fn check_given_a_course_folder_says_so_and_checks_that_course() {
    let f = Fixture::with_sample_content().await;
    // A finding in the other course, which is not the one asked about.
    f.write(
        "web-foundations/04-gone.md",
        lesson("Gone", "[x](99-missing.md)"),
    );
    f.write(
        "backend-dev/07-cross.md",
        lesson(
            "Cross",
            "See [HTTP](../web-foundations/01-how-the-web-works.md) and [nothing](08-nothing.md).",
        ),
    );
    let folder = f.content().join("backend-dev");
    let report = lectern::content::check_with(&folder, Default::default()).unwrap();
    assert_eq!(report.course.as_deref(), Some("backend-dev"));
    assert_eq!((report.courses, report.lessons), (1, 7));
    let errors: Vec<String> = report.diagnostics.iter().map(ToString::to_string).collect();
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert_eq!(
        errors[0],
        "backend-dev/07-cross.md:6: error: link to a missing file: “08-nothing.md”"
    );
    assert!(errors[1].starts_with("backend-dev/07-cross.md: error: not published"));

    // A course folder without its course file yet: beside other courses.
    std::fs::remove_file(folder.join("_course.md")).unwrap();
    let report = lectern::content::check_with(&folder, Default::default()).unwrap();
    assert_eq!(report.course.as_deref(), Some("backend-dev"));
    assert!(report
        .diagnostics
        .iter()
        .all(|d| !d.path.starts_with("backend-dev/images")));
    std::fs::write(folder.join("_course.md"), course("Backend")).unwrap();

    // The command says what it does, and nothing about images/ as a course.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_lectern"))
        .env_remove("DATABASE_URL")
        .env("LECTERN_LOG", "warn")
        .arg("check")
        .arg(&folder)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.starts_with(&format!(
            "{} is a course folder; checking that course\n",
            folder.display()
        )),
        "{stdout}"
    );
    assert!(!stdout.contains("images/"), "{stdout}");
    assert!(!stdout.contains("web-foundations"), "{stdout}");
    assert!(
        stdout.contains("check: 1 course(s), 7 lesson(s)"),
        "{stdout}"
    );
    // The content folder itself is checked whole, as before.
    let report = check(&f.content()).unwrap();
    assert_eq!((report.course, report.courses), (None, 2));

    // The folder above it (a repository's top folder) checks its content
    // folder, saying so; a folder that is not there is named plainly.
    let lectern_check = |dir: &std::path::Path| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_lectern"))
            .env_remove("DATABASE_URL")
            .env("LECTERN_LOG", "warn")
            .arg("check")
            .arg(dir)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).to_string()
            + &String::from_utf8_lossy(&out.stderr);
        (out.status.code(), text)
    };
    let top = f.content().parent().unwrap().to_path_buf();
    let (code, text) = lectern_check(&top);
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.starts_with(&format!(
            "{} holds the content folder {}; checking that\n",
            top.display(),
            top.join("content").display()
        )),
        "{text}"
    );
    assert!(text.contains("check: 2 course(s), "), "{text}");
    let (code, text) = lectern_check(&top.join("nowhere"));
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("there is no folder"), "{text}");
    assert!(!text.contains("os error"), "{text}");
}

// ------------------------------------------------------------ sync conflicts

/// A lesson and a course changed both in the admin and in their files: the
/// sync report says where to settle each (the lesson's editor, which links to
/// the comparison; the course's edit page), and the addresses it names open.
#[rocket::async_test]
async fn sync_conflicts_say_where_to_resolve_them() {
    let f = Fixture::new().await;
    prerequisite_site(&f);
    let client = editor(&f).await;
    let db = f.connect().await;
    let id = count(&db, "SELECT id FROM lessons WHERE slug = 'basics'").await;
    let course_id = count(&db, "SELECT id FROM courses WHERE slug = 'intro'").await;
    let form = EditorForm {
        token: csrf(&client).await,
        course_id: course_id.to_string(),
    };
    let (status, _, _) = send(
        &client,
        &format!("/admin/lessons/{id}/edit"),
        form.fields("1", ["", "", "", ""]),
    )
    .await;
    assert_eq!(status, Status::SeeOther);
    let course_form = vec![
        ("csrf", form.token.clone()),
        ("slug", "intro".into()),
        ("title", "Intro".into()),
        ("summary", "Changed in the admin".into()),
        ("body_md", "Admin words.".into()),
        ("status", "published".into()),
    ];
    let course_edit = format!("/admin/courses/{course_id}/edit");
    let (status, _, _) = send(&client, &course_edit, course_form).await;
    assert_eq!(status, Status::SeeOther);

    f.write("intro/02-basics.md", lesson("Basics", "File words."));
    f.write("intro/_course.md", course("Intro, from the file"));
    let report = f.sync(&db).await;
    assert_eq!(report.conflicts, vec!["intro/02-basics.md"]);
    let shown: Vec<String> = report.diagnostics.iter().map(|d| d.to_string()).collect();
    let lesson_edit = format!("/admin/lessons/{id}/edit");
    let lesson_line = format!(
        "intro/02-basics.md: warning: conflict: this lesson was edited in the admin and in this file; \
         the admin's text stays live and the file's text is kept beside it. \
         To resolve it, open {lesson_edit} and follow “Compare and resolve” to choose a text"
    );
    assert!(shown.contains(&lesson_line), "{shown:#?}");
    let course_line = shown
        .iter()
        .find(|l| l.starts_with("intro/_course.md: warning: conflict"))
        .unwrap_or_else(|| panic!("{shown:#?}"));
    assert!(
        course_line.contains(&format!(
            "edit the course at {course_edit} to match this file"
        )),
        "{course_line}"
    );
    assert!(!shown.join("\n").contains('`'));

    // The named pages are where the ways out are.
    let (status, page) = get(&client, &lesson_edit).await;
    assert_eq!(status, Status::Ok);
    assert!(page.contains("Compare and resolve"), "{page}");
    assert_eq!(get(&client, &course_edit).await.0, Status::Ok);
}
