//! Bad content: each problem is reported with its file (and line), nothing
//! crashes, the other lessons keep being served, and no script reaches a page.

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

    assert_eq!(finding(d, "intro/03-bad-toml.md", "TOML").line, Some(3));
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
    assert_eq!(
        finding(d, "intro/10-links.md", "images/none.png").severity,
        Severity::Warning
    );
    assert!(finding(d, "intro/12-yaml.md", "YAML").line.is_some());
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
        "/intro/links/",
        "/intro/xss/",
        "/intro/unknown/",
    ] {
        assert_eq!(get(&client, ok).await.0, Status::Ok, "{ok}");
    }
    for missing in [
        "/intro/bad-toml/",
        "/intro/no-title/",
        "/intro/huge/",
        "/admin/x/",
    ] {
        assert_ne!(get(&client, missing).await.0, Status::Ok, "{missing}");
    }
    let (_, good) = get(&client, "/intro/good/").await;
    assert!(
        good.contains("Fine text"),
        "the first file with a slug keeps it"
    );
}

#[rocket::async_test]
async fn no_script_reaches_a_page() {
    let f = Fixture::new().await;
    broken_site(&f);
    let client = f.client().await;
    let (status, html) = get(&client, "/intro/xss/").await;
    assert_eq!(status, Status::Ok);
    let lower = html.to_lowercase();
    // The only scripts are the site's own files and its JSON-LD data block,
    // never anything from the lesson.
    let own = lower.matches("<script src=\"/static/").count()
        + lower
            .matches("<script type=\"application/ld+json\">")
            .count();
    assert_eq!(lower.matches("<script").count(), own, "{html}");
    assert!(!lower.contains("alert("), "{html}");
    assert!(!lower.contains("onerror") && !lower.contains("onclick"));
    assert!(!lower.contains("javascript:"));
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
