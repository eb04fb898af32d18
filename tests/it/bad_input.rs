//! Bad content: each problem is reported with its file (and line), nothing
//! crashes, the other lessons keep being served, and no script reaches a page.

use std::collections::BTreeSet;

use lectern::content::{Diagnostic, Severity};
use rocket::http::Status;

use crate::common::{course, get, lesson, Fixture};

/// The finding about `path` whose message contains `needle`.
fn finding<'a>(diags: &'a [Diagnostic], path: &str, needle: &str) -> &'a Diagnostic {
    diags
        .iter()
        .find(|d| d.path == path && d.message.contains(needle))
        .unwrap_or_else(|| panic!("no finding for {path} containing {needle:?} in {diags:#?}"))
}

fn broken_site(f: &Fixture) {
    f.write("intro/_course.md", course("Intro"));
    f.write(
        "intro/01-good.md",
        lesson("Good", "Fine text. [World](02-also-good.md)"),
    );
    f.write("intro/02-also-good.md", lesson("Also good", "More text."));
    f.write(
        "intro/03-bad-toml.md",
        "+++\ntitle = \"Bad\"\nsummary = \"never closed\n+++\nBody\n",
    );
    f.write(
        "intro/04-no-title.md",
        "+++\nsummary = \"no title\"\n+++\nBody\n",
    );
    f.write(
        "intro/05-latin1.md",
        b"+++\ntitle = \"Caf\xe9\"\n+++\nBody\n",
    );
    f.write(
        "intro/06-huge.md",
        format!(
            "+++\ntitle = \"Huge\"\n+++\n{}",
            "x".repeat(1024 * 1024 + 10)
        ),
    );
    f.write(
        "intro/07-dup.md",
        "+++\ntitle = \"Dup\"\nslug = \"good\"\n+++\nBody\n",
    );
    f.write("intro/08-Upper.md", lesson("Upper", "Body"));
    f.write(
        "intro/09-dots.md",
        "+++\ntitle = \"Dots\"\nslug = \"../etc\"\n+++\nBody\n",
    );
    f.write(
        "intro/10-links.md",
        lesson(
            "Links",
            "Text\n\n[gone](99-missing.md)\n\n![none](images/none.png)",
        ),
    );
    f.write(
        "intro/11-xss.md",
        lesson(
            "Hostile",
            "<script>alert('x')</script>\n\n<img src=\"a.png\" onerror=\"alert(1)\">\n\n[click](javascript:alert(1))\n\n<a href=\"jAvAsCrIpT:alert(2)\" onclick=\"alert(3)\">x</a>",
        ),
    );
    f.write(
        "intro/12-yaml.md",
        "---\ntitle: Yaml\ntags: [a, b\n---\nBody\n",
    );
    f.write(
        "intro/13-unknown.md",
        "+++\ntitle = \"Unknown field\"\ncolour = \"red\"\n+++\nBody\n",
    );
    f.write("admin/_course.md", course("Reserved"));
    f.write("admin/01-x.md", lesson("X", "x"));
}

#[rocket::async_test]
async fn each_bad_file_is_reported_and_the_rest_is_served() {
    let f = Fixture::new().await;
    broken_site(&f);
    let db = f.connect().await;
    let report = f.sync(&db).await;
    let d = &report.diagnostics;

    assert_eq!(
        finding(d, "intro/03-bad-toml.md", "summary must be text in quotes").line,
        Some(3)
    );
    assert_eq!(
        finding(d, "intro/04-no-title.md", "title").severity,
        Severity::Error
    );
    assert_eq!(finding(d, "intro/05-latin1.md", "UTF-8").line, Some(2));
    finding(d, "intro/06-huge.md", "limit");
    finding(d, "intro/07-dup.md", "already used by intro/01-good.md");
    finding(d, "intro/08-Upper.md", "lowercase");
    finding(d, "intro/09-dots.md", "..");
    assert_eq!(
        finding(d, "intro/10-links.md", "99-missing.md").line,
        Some(8)
    );
    // A published lesson with a dead link is not published (strict_links).
    assert_eq!(
        finding(d, "intro/10-links.md", "images/none.png").severity,
        Severity::Error
    );
    finding(d, "intro/10-links.md", "not published");
    let yaml = finding(d, "intro/12-yaml.md", "");
    assert!(
        yaml.line.is_some() && !yaml.message.contains("YAML"),
        "{yaml}"
    );
    assert_eq!(
        finding(d, "intro/13-unknown.md", "colour").severity,
        Severity::Warning
    );
    finding(d, "admin", "reserved");
    assert!(report.errors() >= 9);

    let client = f.client().await;
    for ok in [
        "/intro/good/",
        "/intro/also-good/",
        "/intro/xss/",
        "/intro/unknown/",
    ] {
        assert_eq!(get(&client, ok).await.0, Status::Ok, "{ok}");
    }
    // Refused files have no page: a plain 404 (never a 500).
    for missing in [
        "/intro/bad-toml/",
        "/intro/no-title/",
        "/intro/huge/",
        "/intro/links/",
    ] {
        let (status, html) = get(&client, missing).await;
        assert_eq!(status, Status::NotFound, "{missing}");
        assert!(html.contains("Page not found"), "{missing}: {html}");
    }
    // The reserved course name was never synced, and its lesson's path is
    // no page of the admin's either.
    assert_eq!(
        crate::common::count(
            &f.connect().await,
            "SELECT COUNT(*) FROM courses WHERE slug = 'admin'"
        )
        .await,
        0
    );
    let res = client.get("/admin/x/").dispatch().await;
    assert_eq!(res.status(), Status::NotFound, "/admin/x/");
    let (_, good) = get(&client, "/intro/good/").await;
    assert!(
        good.contains("Fine text"),
        "the first file with a slug keeps it"
    );
}

/// Hostile raw HTML and markdown, one lesson each (so an input that
/// swallowed the rest of a page could not hide another): (slug, body).
const HOSTILE_BODIES: &[(&str, &str)] = &[
    ("script", "<script>alert('x')</script>\n\n<SCRIPT SRC=\"https://evil.example/x.js\"></SCRIPT>"),
    ("img-onerror", "<img src=\"a.png\" onerror=\"alert(1)\">\n\n<img/src=x/onerror=alert(1)>"),
    ("md-javascript", "[click](javascript:alert(1))\n\n![pic](javascript:alert(1))\n\n<javascript:alert(1)>"),
    ("mixed-case", "<a href=\"jAvAsCrIpT:alert(2)\" onclick=\"alert(3)\">x</a>\n\n[h](JaVaScRiPt:alert(1))"),
    ("inline-svg", "<svg onload=\"alert(1)\" xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script><a xlink:href=\"javascript:alert(1)\"><circle r=\"5\"/></a><animate onbegin=\"alert(1)\"/></svg>\n\n<math><mi xlink:href=\"javascript:alert(1)\">m</mi></math>"),
    ("svg-file", "![evil](images/evil.svg)\n\n[evil svg](images/evil.svg)\n\n<img src=\"images/evil.svg\" alt=\"raw\">"),
    ("data-urls", "[html](data:text/html,<script>alert(1)</script>)\n\n![svg](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)\n\n<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">d</a>\n\n<img src=\"data:image/svg+xml,<svg onload=alert(1)>\">\n\n<img src=\"DaTa:text/html,x\">"),
    ("entity-javascript", "<a href=\"&#106;avascript:alert(1)\">e</a> <a href=\"&#x6A;avascript&colon;alert(1)\">f</a>\n\n[g](&#106;avascript:alert(1))"),
    ("tab-javascript", "<a href=\"java&#x09;script:alert(1)\">j</a> <a href=\"java\tscript:alert(1)\">k</a> <a href=\"java&NewLine;script:alert(1)\">n</a>\n\n[l](java&#x09;script:alert(1))"),
    ("space-javascript", "<a href=\"  javascript:alert(1)\">m</a> <a href=\"\u{1}javascript:alert(1)\">o</a> <a href=\" &#32;javascript:alert(1)\">p</a>"),
    ("iframe-srcdoc", "<iframe srcdoc=\"<script>alert(1)</script>\"></iframe>\n\n<iframe src=\"javascript:alert(1)\"></iframe>\n\n<frameset><frame src=\"javascript:alert(1)\"></frameset>"),
    ("form-action", "<form action=\"javascript:alert(1)\"><button formaction=\"javascript:alert(1)\">go</button><input type=\"submit\" formaction=\"javascript:alert(1)\"><input type=\"image\" src=\"javascript:alert(1)\"></form>"),
    ("meta-refresh", "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">\n\n<base href=\"javascript:alert(1)//\">\n\n<link rel=\"import\" href=\"javascript:alert(1)\">"),
    ("object-embed", "<object data=\"javascript:alert(1)\"></object><embed src=\"javascript:alert(1)\"><object data=\"images/evil.svg\" type=\"image/svg+xml\"></object><applet code=\"x\"></applet>"),
    ("style", "<style>body{background:url(javascript:alert(1))}</style>\n\n<p style=\"background:url(javascript:alert(1))\">styled</p>\n\n<div is=\"x-evil\" xmlns:x=\"y\">custom</div>"),
];

/// What in a public page could run script or leave the page, as html5ever's
/// tokenizer (a browser's) reads the tags: only the site's own scripts (its
/// `/static/` file and the JSON-LD block), its own search form, no element
/// that embeds or changes the document, no handler, `srcdoc`, `http-equiv`
/// or `formaction`, no URL but http(s), mailto and plain paths, no style
/// but a table cell's alignment.
fn unsafe_parts(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    for tag in lectern::fuzzing::html5ever_tags(html) {
        if tag.end {
            continue;
        }
        let attr = |n: &str| {
            tag.attrs
                .iter()
                .find(|(a, _)| a == n)
                .map(|(_, v)| v.clone().unwrap_or_default())
        };
        let name = tag.name.as_str();
        match name {
            "script" => {
                let own_file = attr("src").is_some_and(|s| s.starts_with("/static/"))
                    && tag.attrs.iter().all(|(a, _)| a == "src" || a == "defer");
                let json_ld =
                    tag.attrs.len() == 1 && attr("type").as_deref() == Some("application/ld+json");
                if !(own_file || json_ld) {
                    found.push(format!("script {:?}", tag.attrs));
                }
            }
            "form" if attr("action").as_deref() != Some("/search") => {
                found.push(format!("form {:?}", tag.attrs));
            }
            "iframe" | "frame" | "frameset" | "object" | "embed" | "applet" | "base" | "svg"
            | "math" | "style" | "template" | "portal" | "param" | "noscript" | "xmp"
            | "noembed" | "noframes" | "plaintext" | "textarea" | "select" => {
                found.push(format!("<{name}> {:?}", tag.attrs))
            }
            _ => {}
        }
        // The same attribute rule as rendered lessons (src/fuzzing.rs).
        for (attr_name, value) in &tag.attrs {
            let value = value.clone().unwrap_or_default();
            if let Some(problem) = lectern::fuzzing::attribute_problem(name, attr_name, &value) {
                found.push(problem);
            }
        }
    }
    found
}

/// A 200 page, checked with [`unsafe_parts`]; returns it.
async fn safe_page(client: &rocket::local::asynchronous::Client, uri: &str) -> String {
    let (status, html) = get(client, uri).await;
    assert_eq!(status, Status::Ok, "{uri}");
    let problems = unsafe_parts(&html);
    assert!(problems.is_empty(), "{uri}: {problems:#?}\n{html}");
    html
}

/// A 200 Atom feed whose elements are all Atom's own, with every text
/// construct plain text (so no title or summary is read as HTML).
async fn safe_feed(client: &rocket::local::asynchronous::Client, uri: &str) -> String {
    const ATOM: &str = "http://www.w3.org/2005/Atom";
    const ELEMENTS: &[&str] = &[
        "feed",
        "id",
        "title",
        "subtitle",
        "link",
        "updated",
        "author",
        "name",
        "generator",
        "entry",
        "published",
        "summary",
        "category",
    ];
    let (status, text) = get(client, uri).await;
    assert_eq!(status, Status::Ok, "{uri}");
    let doc = roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("{uri}: {e}"));
    for node in doc.descendants().filter(|n| n.is_element()) {
        let tag = node.tag_name();
        assert!(
            tag.namespace() == Some(ATOM) && ELEMENTS.contains(&tag.name()),
            "{uri}: element {tag:?} in {text}"
        );
        if matches!(tag.name(), "title" | "subtitle" | "summary") {
            assert!(
                matches!(node.attribute("type"), None | Some("text")),
                "{uri}: {} of type {:?}",
                tag.name(),
                node.attribute("type")
            );
        }
        for a in node.attributes() {
            assert!(
                !a.name().starts_with("on")
                    && matches!(
                        a.namespace(),
                        None | Some("http://www.w3.org/XML/1998/namespace")
                    ),
                "{uri}: attribute {a:?}"
            );
            if a.name() == "href" {
                assert!(
                    a.value().starts_with("http://127.0.0.1:8000/"),
                    "{uri}: {a:?}"
                );
            }
        }
    }
    text
}

const EVIL_SVG: &str =
    "<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"><script>alert(2)</script></svg>";
const HOSTILE_TEXT: &str =
    "<script>alert(1)</script> <img src=x onerror=alert(1)> <a href=javascript:alert(1)>";

#[rocket::async_test]
async fn no_script_reaches_a_page() {
    let f = Fixture::new().await;
    // The text reaches every public page: the course's title, summary and
    // introduction (home, outline), each lesson's title and summary
    // (outline, feeds, search) and body (its page, the one-page view,
    // search snippets).
    let hostile_toml = HOSTILE_TEXT.replace('"', "\\\"");
    f.write(
        "intro/_course.md",
        format!(
            "+++\ntitle = \"Intro {hostile_toml}\"\nsummary = \"Summary {hostile_toml}\"\n+++\n\nWelcome zyzzyva.\n\n{}\n",
            HOSTILE_BODIES.iter().map(|(_, b)| *b).collect::<Vec<_>>().join("\n\n")
        ),
    );
    f.write("intro/images/evil.svg", EVIL_SVG);
    for (i, (slug, body)) in HOSTILE_BODIES.iter().enumerate() {
        f.write(
            &format!("intro/{:02}-{slug}.md", i + 1),
            format!(
                "+++\ntitle = \"{slug} {hostile_toml}\"\nsummary = \"{slug} {hostile_toml}\"\n+++\n\nBefore zyzzyva {slug}.\n\n{body}\n\nAfter zyzzyva {slug}.\n"
            ),
        );
    }
    // Some hostile links lead nowhere as well ("java<tab>script:" is a
    // relative path): published anyway, so their pages are seen.
    let lenient = f.figment().merge(("strict_links", false));
    let client = f
        .client_with(lenient, lectern::base::clock::Clock::system())
        .await;
    let db = f.connect().await;
    assert_eq!(
        crate::common::count(
            &db,
            "SELECT COUNT(*) FROM lessons WHERE status = 'published'"
        )
        .await,
        HOSTILE_BODIES.len() as i64,
        "every hostile lesson is published"
    );

    for (slug, _) in HOSTILE_BODIES {
        let html = safe_page(&client, &format!("/intro/{slug}/")).await;
        // The page is the lesson's, whole: the text after the input is there.
        assert!(
            html.contains(&format!("After zyzzyva {slug}.")),
            "{slug}: {html}"
        );
    }
    for uri in ["/intro/", "/", "/intro/all/"] {
        let html = safe_page(&client, uri).await;
        assert!(html.contains("zyzzyva") || uri == "/", "{uri}: {html}");
        assert!(
            html.contains("Intro &lt;script&gt;"),
            "{uri}: the course title"
        );
    }
    let all = safe_page(&client, "/intro/all/").await;
    for (slug, _) in HOSTILE_BODIES {
        assert!(
            all.contains(&format!("After zyzzyva {slug}.")),
            "{slug} in /intro/all/"
        );
    }
    // Search results: every lesson is found, over two pages of ten.
    let mut found = 0;
    for page in [1, 2] {
        let html = safe_page(&client, &format!("/search?q=zyzzyva&page={page}")).await;
        found += html.matches("class=\"search-result-title\"").count();
    }
    assert_eq!(found, HOSTILE_BODIES.len());
    // Feeds: every lesson's hostile title and summary are there, as text.
    for uri in ["/feed.xml", "/intro/feed.xml"] {
        let text = safe_feed(&client, uri).await;
        assert_eq!(
            text.matches("<entry>").count(),
            HOSTILE_BODIES.len(),
            "{uri}"
        );
        assert!(
            text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{uri}"
        );
    }

    // The SVG file an image and a link point at is served as a download
    // under a sandboxing policy: a browser never runs its script.
    let html = safe_page(&client, "/intro/svg-file/").await;
    let media: BTreeSet<String> = lectern::fuzzing::html5ever_tags(&html)
        .into_iter()
        .flat_map(|t| t.attrs)
        .filter_map(|(_, v)| v.ok())
        .filter(|v| v.starts_with("/media/") && v.ends_with("/evil.svg"))
        .collect();
    assert_eq!(media.len(), 1, "{html}");
    for url in media {
        let res = client.get(url.clone()).dispatch().await;
        assert_eq!(res.status(), Status::Ok, "{url}");
        let disposition = res.headers().get_one("Content-Disposition").unwrap_or("");
        assert!(
            disposition.starts_with("attachment"),
            "{url}: {disposition}"
        );
        let csp = res
            .headers()
            .get_one("Content-Security-Policy")
            .unwrap_or("");
        assert!(
            csp.contains("sandbox") && csp.contains("default-src 'none'"),
            "{url}: {csp}"
        );
        assert_eq!(res.into_string().await.unwrap(), EVIL_SVG);
    }
}

#[rocket::async_test]
async fn a_broken_edit_keeps_the_old_version_live() {
    let f = Fixture::new().await;
    f.write("intro/_course.md", course("Intro"));
    f.write("intro/01-good.md", lesson("Good", "Version one."));
    let db = f.connect().await;
    f.sync(&db).await;
    f.write(
        "intro/01-good.md",
        "+++\ntitle = \"Good\"\nbroken = [\n+++\nVersion two.\n",
    );
    let report = f.sync(&db).await;
    assert!(
        report.errors() == 1 && report.archived.is_empty(),
        "{report:?}"
    );
    let client = f.client().await;
    let (status, html) = get(&client, "/intro/good/").await;
    assert_eq!(status, Status::Ok);
    assert!(html.contains("Version one."));
}

#[rocket::async_test]
async fn a_course_without_course_file_is_reported_and_skipped() {
    let f = Fixture::new().await;
    f.write("orphans/01-a.md", lesson("A", "a"));
    let db = f.connect().await;
    let report = f.sync(&db).await;
    finding(&report.diagnostics, "orphans/_course.md", "missing");
    finding(&report.diagnostics, "orphans", "skipped");
    assert!(report.created.is_empty());
}

#[rocket::async_test]
async fn hostile_titles_are_escaped() {
    let f = Fixture::new().await;
    f.write(
        "intro/_course.md",
        "+++\ntitle = \"<script>alert(1)</script> & co\"\n+++\n",
    );
    f.write("intro/01-a.md", "+++\ntitle = \"<img src=x onerror=alert(1)>\"\nsummary = \"\\\"><script>x</script>\"\n+++\nBody\n");
    let client = f.client().await;
    for uri in ["/", "/intro/", "/intro/a/"] {
        let (status, html) = get(&client, uri).await;
        assert_eq!(status, Status::Ok, "{uri}");
        assert!(
            !html.contains("<script>") && !html.contains("<img src=x"),
            "{uri}: {html}"
        );
    }
    let (_, html) = get(&client, "/intro/").await;
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;&#x2F;script&gt; &amp; co")
            || html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; co")
    );
}

// ------------------------------------------------ one rule for dead links

/// Adds `extra` to the end of the sample file `rel`.
fn append(f: &Fixture, rel: &str, extra: &str) {
    let path = f.content().join(rel);
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, format!("{text}{extra}")).unwrap();
}

/// The errors of a report, as printed.
fn errors(diags: &[Diagnostic]) -> Vec<String> {
    diags
        .iter()
        .filter(|d| d.is_error())
        .map(ToString::to_string)
        .collect()
}

const FIRST_SERVER: &str = "backend-dev/03-first-server.md";
const DEAD_LINK: &str = "\nA new closing line.\n\nNext: [routes](04-routs-and-data.md).\n";

#[rocket::async_test]
async fn under_strict_links_a_renamed_lesson_held_back_stays_live_under_its_old_address() {
    let f = Fixture::with_sample_content().await;
    let db = f.connect().await;
    f.sync(&db).await;
    let content = f.content();
    let rename = |from: &str, to: &str| {
        std::fs::rename(content.join(from), content.join(to)).unwrap();
    };
    // Renamed to a new slug, same bytes, a dead link in them (published
    // while the rule was off).
    let routes = "backend-dev/04-routes-and-data.md";
    let text = std::fs::read_to_string(content.join(routes)).unwrap();
    f.write(routes, format!("{text}\n[gone](99-gone.md)\n"));
    f.sync_with_links(&db, false).await;
    rename(routes, "backend-dev/04-routes-and-json.md");
    // Renamed with a dead link added: the same slug under a new number.
    append(&f, FIRST_SERVER, DEAD_LINK);
    rename(FIRST_SERVER, "backend-dev/13-first-server.md");

    let report = f.sync(&db).await;
    let d = &report.diagnostics;
    finding(d, "backend-dev/13-first-server.md", "not published");
    assert!(report.archived.is_empty(), "{:?} {d:#?}", report.archived);
    let client = f.client().await;
    for (url, text) in [
        ("/backend-dev/first-server/", "Node"),
        ("/backend-dev/routes-and-data/", "gone"),
    ] {
        let (status, html) = get(&client, url).await;
        assert_eq!(status, Status::Ok, "{url} stays live");
        assert!(html.contains(text), "{url}");
    }

    // Fixed, the renames are applied to the same lessons, the old address
    // of the renamed slug redirecting.
    rename("backend-dev/13-first-server.md", FIRST_SERVER);
    let text = std::fs::read_to_string(content.join(FIRST_SERVER)).unwrap();
    f.write(
        FIRST_SERVER,
        text.replace("04-routs-and-data.md", "04-routes-and-json.md")
            .replace("04-routes-and-data.md", "04-routes-and-json.md"),
    );
    // The renamed file's bytes unchanged, its link now leads somewhere.
    f.write("backend-dev/99-gone.md", lesson("Gone", "Back again."));
    let report = f.sync(&db).await;
    assert_eq!(report.errors(), 0, "{:#?}", report.diagnostics);
    assert!(report.archived.is_empty(), "{report:?}");
    assert_eq!(report.created, ["backend-dev/99-gone.md"], "{report:?}");
    let client = f.client().await;
    assert_eq!(
        get(&client, "/backend-dev/routes-and-json/").await.0,
        Status::Ok
    );
    let (status, _) = get(&client, "/backend-dev/routes-and-data/").await;
    assert_eq!(status, Status::MovedPermanently);
}

#[rocket::async_test]
async fn under_strict_links_a_lesson_with_a_dead_link_keeps_its_live_version() {
    let f = Fixture::with_sample_content().await;
    let db = f.connect().await;
    f.sync(&db).await;
    append(&f, FIRST_SERVER, DEAD_LINK);
    f.write(
        "backend-dev/07-new.md",
        lesson("New", "![Cycle](images/gone.png)"),
    );
    f.write(
        "backend-dev/08-draft.md",
        "+++\ntitle = \"Draft\"\ndraft = true\n+++\n[x](99-x.md)\n",
    );
    f.write(
        "backend-dev/09-quiz.md",
        lesson("Quiz", "```quiz\n? A question with nothing to choose\n```"),
    );

    let checked = lectern::content::check(&f.content()).unwrap();
    let report = f.sync(&db).await;
    let d = &report.diagnostics;
    for refused in [
        FIRST_SERVER,
        "backend-dev/07-new.md",
        "backend-dev/09-quiz.md",
    ] {
        let why = finding(d, refused, "not published");
        assert_eq!((why.severity, why.line), (Severity::Error, None), "{why}");
    }
    assert!(finding(d, FIRST_SERVER, "not published")
        .message
        .contains("a version already live stays live"));
    assert_eq!(
        finding(d, FIRST_SERVER, "04-routs").severity,
        Severity::Error
    );
    // A draft is not published anyway: it is saved, with a warning.
    assert_eq!(
        finding(d, "backend-dev/08-draft.md", "99-x.md").severity,
        Severity::Warning
    );
    assert!(report
        .created
        .contains(&"backend-dev/08-draft.md".to_string()));
    assert!(!report.updated.contains(&FIRST_SERVER.to_string()));
    assert!(!report
        .created
        .iter()
        .any(|p| p.contains("07-new") || p.contains("09-quiz")));
    // `lectern check` says what sync does, finding for finding.
    assert_eq!(errors(&checked.diagnostics), errors(d));
    assert_eq!(report.errors(), 6, "{d:#?}");

    let client = f.client().await;
    let (status, html) = get(&client, "/backend-dev/first-server/").await;
    assert_eq!(status, Status::Ok);
    assert!(
        !html.contains("A new closing line"),
        "the old version stays"
    );
    for never in ["/backend-dev/new/", "/backend-dev/quiz/"] {
        assert_eq!(get(&client, never).await.0, Status::NotFound, "{never}");
    }
    // Syncing again changes nothing: the file is refused again, not skipped
    // as unchanged.
    let again = f.sync(&db).await;
    finding(&again.diagnostics, FIRST_SERVER, "not published");

    // The admin's sync page (the report every run records, the webhook's
    // too) names it.
    let eve = f.client().await;
    crate::common::add_user(&db, "eve", lectern::db::entity::Role::Editor).await;
    crate::common::log_in(&eve, "eve", crate::common::PASSWORD).await;
    let token = crate::common::csrf(&eve).await;
    let (status, location, _) = crate::common::post(&eve, "/admin/sync", &[("csrf", &token)]).await;
    assert_eq!(status, Status::SeeOther);
    let page = crate::admin::unescape(&get(&eve, &location.unwrap()).await.1);
    assert!(
        page.contains("backend-dev/03-first-server.md: error: not published"),
        "{page}"
    );
    assert!(
        page.contains("did you mean 04-routes-and-data.md?"),
        "{page}"
    );

    // Fixed, it goes live.
    let text = std::fs::read_to_string(f.content().join(FIRST_SERVER)).unwrap();
    f.write(
        FIRST_SERVER,
        text.replace("04-routs-and-data", "04-routes-and-data"),
    );
    let report = f.sync(&db).await;
    assert!(
        report.updated.contains(&FIRST_SERVER.to_string()),
        "{report:?}"
    );
    let (_, html) = get(&client, "/backend-dev/first-server/").await;
    assert!(html.contains("A new closing line"));
}

#[rocket::async_test]
async fn with_strict_links_off_the_lesson_is_published_with_warnings_on_every_channel() {
    let f = Fixture::with_sample_content().await;
    let db = f.connect().await;
    f.sync(&db).await;
    append(&f, FIRST_SERVER, DEAD_LINK);

    let lenient = lectern::content::links::LinkPolicy::strict(false);
    let checked = lectern::content::check_with(&f.content(), lenient).unwrap();
    assert_eq!(checked.errors(), 0, "{:#?}", checked.diagnostics);
    let warned = finding(&checked.diagnostics, FIRST_SERVER, "04-routs");
    assert_eq!(warned.severity, Severity::Warning);

    let report = f.sync_with_links(&db, false).await;
    assert_eq!(report.errors(), 0, "{:#?}", report.diagnostics);
    assert_eq!(
        finding(&report.diagnostics, FIRST_SERVER, "04-routs").severity,
        Severity::Warning
    );
    assert!(report.updated.contains(&FIRST_SERVER.to_string()));

    // The admin's save follows the same setting.
    let figment = f.figment().merge(("strict_links", false));
    let client = f
        .client_with(figment, lectern::base::clock::Clock::system())
        .await;
    let (_, html) = get(&client, "/backend-dev/first-server/").await;
    assert!(html.contains("A new closing line"));
    crate::common::add_user(&db, "eve", lectern::db::entity::Role::Editor).await;
    crate::common::log_in(&client, "eve", crate::common::PASSWORD).await;
    let id = crate::admin::lesson_id(&f, "install-node").await;
    let form = crate::admin::edit_form(&client, id).await;
    let body = "Install it, then see [routes](04-routs-and-data.md).";
    let uri = format!("/admin/lessons/{id}/edit");
    let fields = crate::admin::with(&form, &[("body_md", body), ("status", "published")]);
    let (status, location, _) = crate::common::post(&client, &uri, &fields).await;
    assert_eq!(status, Status::SeeOther);
    let (_, html) = get(&client, "/backend-dev/install-node/").await;
    assert!(
        html.contains("Install it, then see"),
        "published with its dead link"
    );
    // The editor still lists it, as a warning.
    let (_, page) = get(&client, &location.unwrap()).await;
    assert!(page.contains("readers see them as they are"), "{page}");
    assert!(page.contains("did you mean 04-routes-and-data.md?"));

    // Under the default the same save is refused.
    let strict = f.client().await;
    crate::common::log_in(&strict, "eve", crate::common::PASSWORD).await;
    let form = crate::admin::edit_form(&strict, id).await;
    let fields = crate::admin::with(
        &form,
        &[
            ("body_md", "Now [gone](99-gone.md)."),
            ("status", "published"),
        ],
    );
    let (status, _, html) = crate::common::post(&strict, &uri, &fields).await;
    assert_eq!(status, Status::UnprocessableEntity, "{html}");
}

#[rocket::async_test]
async fn under_strict_links_a_course_page_with_a_dead_link_keeps_its_text_or_waits_as_a_draft() {
    let f = Fixture::with_sample_content().await;
    let db = f.connect().await;
    f.sync(&db).await;
    let intro = "backend-dev/_course.md";
    append(
        &f,
        intro,
        "\nNEWCOURSEWORDS see [missing](99-missing.md).\n",
    );
    f.write(
        "tools/_course.md",
        course("Tools").replace("Welcome", "See [gone](01-gonne.md). Welcome"),
    );
    f.write("tools/01-gone.md", lesson("Gone", "Text."));
    let report = f.sync(&db).await;
    finding(&report.diagnostics, intro, "not updated");
    let d = finding(&report.diagnostics, "tools/_course.md", "01-gonne.md");
    assert_eq!(d.severity, Severity::Error);
    assert!(d.message.ends_with("did you mean 01-gone.md?"), "{d}");
    finding(
        &report.diagnostics,
        "tools/_course.md",
        "created as a draft",
    );
    let client = f.client().await;
    let (status, html) = get(&client, "/backend-dev/").await;
    assert_eq!(status, Status::Ok);
    assert!(!html.contains("NEWCOURSEWORDS"), "the live text stays");
    assert_eq!(get(&client, "/tools/").await.0, Status::NotFound);

    // Fixed, both go live.
    let text = std::fs::read_to_string(f.content().join(intro)).unwrap();
    f.write(
        intro,
        text.replace("99-missing.md", "01-what-backend-developers-do.md"),
    );
    f.write("tools/_course.md", course("Tools"));
    let report = f.sync(&db).await;
    assert_eq!(report.errors(), 0, "{:#?}", report.diagnostics);
    let client = f.client().await;
    assert!(get(&client, "/backend-dev/")
        .await
        .1
        .contains("NEWCOURSEWORDS"));
    assert_eq!(get(&client, "/tools/").await.0, Status::Ok);
}

/// A front matter value the parser refuses (`duration = 10 minutes`) is
/// reported by `lectern check` and by a sync in the same plain words, on the
/// file's line (not the front matter's), with none of the parser's text.
#[rocket::async_test]
async fn an_unreadable_front_matter_value_says_what_to_write_in_check_and_sync() {
    let f = Fixture::new().await;
    f.write("intro/_course.md", course("Intro"));
    f.write(
        "intro/01-timed.md",
        "+++\ntitle = \"Timed\"\nduration = 10 minutes\n+++\nBody\n",
    );
    let expected = "intro/01-timed.md:3: error: duration must be a number of minutes, for example duration = 10";

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_lectern"))
        .env_remove("DATABASE_URL")
        .env("LECTERN_LOG", "warn")
        .arg("check")
        .arg(f.content())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains(expected), "{stdout}");

    let db = f.connect().await;
    let report = f.sync(&db).await;
    let lines: Vec<String> = report.diagnostics.iter().map(|d| d.to_string()).collect();
    assert!(lines.iter().any(|l| l == expected), "{lines:#?}");
    for shown in [stdout.as_ref(), lines.join("\n").as_str()] {
        for raw in ["TOML", "`", "string values", "expected"] {
            assert!(!shown.contains(raw), "{raw} in {shown}");
        }
    }
}
