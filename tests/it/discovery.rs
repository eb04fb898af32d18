//! Discovery: full-text search, the Atom feeds, the sitemap and robots.txt,
//! and the metadata on public pages (Open Graph, Twitter card, JSON-LD).

use std::collections::BTreeSet;

use chrono::{SecondsFormat, SubsecRound, Utc};
use lectern::base::clock::Clock;
use lectern::db::entity::Role;
use rocket::http::Status;
use rocket::local::asynchronous::Client;

use crate::common::{
    add_user, count, course, csrf, form, get, lesson, log_in, post, Fixture, PASSWORD,
};

const BASE: &str = "https://lessons.example.org";

/// The site with a configured `base_url`.
async fn site(f: &Fixture) -> Client {
    site_at(f, &Clock::system()).await
}

/// [`site`], with readers' pages going by `clock`.
async fn site_at(f: &Fixture, clock: &Clock) -> Client {
    let figment = f.figment().merge(("base_url", BASE));
    f.client_with(figment, clock.clone()).await
}

fn lesson_with(title: &str, front: &str, body: &str) -> String {
    format!("+++\ntitle = \"{title}\"\nsummary = \"About {title}\"\n{front}\n+++\n\n{body}\n")
}

/// The results page for `q` (encoded as a browser would); must be a 200.
async fn search(client: &Client, q: &str) -> String {
    let uri = format!("/search?{}", form(&[("q", q)]));
    let (status, html) = get(client, &uri).await;
    assert_eq!(status, Status::Ok, "{uri}");
    html
}

/// The lesson URLs a results page links to, in order.
fn results(html: &str) -> Vec<String> {
    let needle = "<h2 class=\"search-result-title\"><a href=\"";
    html.match_indices(needle)
        .map(|(at, _)| {
            let start = at + needle.len();
            html[start..start + html[start..].find('"').unwrap()].to_string()
        })
        .collect()
}

/// The snippets of a results page, as HTML.
fn snippets(html: &str) -> Vec<String> {
    let needle = "<p class=\"search-result-snippet\">";
    html.match_indices(needle)
        .map(|(at, _)| {
            let start = at + needle.len();
            html[start..start + html[start..].find("</p>").unwrap()].to_string()
        })
        .collect()
}

/// A course with a public lesson, a draft, a scheduled lesson, and a draft
/// course with a lesson: one distinctive word in each body.
fn write_search_content(f: &Fixture) {
    f.write("alpha/_course.md", course("Alpha"));
    f.write(
        "alpha/01-fish.md",
        lesson("Fish", "Today: the zebrafish swims."),
    );
    f.write(
        "alpha/02-draft.md",
        lesson_with("Draft", "draft = true", "The quokka smiles."),
    );
    f.write(
        "alpha/03-later.md",
        lesson_with(
            "Later",
            "publish_at = 2099-01-01T00:00:00Z",
            "The axolotl waits.",
        ),
    );
    f.write(
        "beta/_course.md",
        "+++\ntitle = \"Beta\"\ndraft = true\n+++\n\nHidden course.\n",
    );
    f.write("beta/01-hidden.md", lesson("Hidden", "The narwhal hides."));
}

/// A lesson's current version, as its forms send it.
async fn version(db: &lectern::db::Db, id: i64) -> String {
    count(db, &format!("SELECT version FROM lessons WHERE id = {id}"))
        .await
        .to_string()
}

// ------------------------------------------------------------ search

#[rocket::async_test]
async fn a_word_only_in_a_body_finds_its_lesson() {
    let f = Fixture::new().await;
    write_search_content(&f);
    let client = site(&f).await;
    let html = search(&client, "zebrafish").await;
    assert_eq!(results(&html), ["/alpha/fish/"], "{html}");
    assert!(html.contains("1 lesson found"), "{html}");
    assert!(
        snippets(&html)[0].contains("<mark>zebrafish</mark>"),
        "{html}"
    );
    assert!(html.contains(r#"In <a href="/alpha/">Alpha</a>"#));
    // Case does not matter, and the last word also matches as a prefix.
    assert_eq!(
        results(&search(&client, "ZebraFish").await),
        ["/alpha/fish/"]
    );
    assert_eq!(
        results(&search(&client, "today zebraf").await),
        ["/alpha/fish/"]
    );
    // Titles and summaries are searched too.
    assert_eq!(results(&search(&client, "fish").await), ["/alpha/fish/"]);
    // Every word must match.
    assert!(results(&search(&client, "zebrafish quokka").await).is_empty());
    // Results are never indexed by search engines.
    assert!(html.contains(r#"<meta name="robots" content="noindex">"#));
}

#[rocket::async_test]
async fn drafts_scheduled_lessons_and_draft_courses_are_not_found() {
    let f = Fixture::new().await;
    write_search_content(&f);
    let client = site(&f).await;
    for word in ["quokka", "axolotl", "narwhal", "draft", "later", "hidden"] {
        let html = search(&client, word).await;
        assert!(results(&html).is_empty(), "{word} found: {html}");
        assert!(html.contains("Nothing found"), "{word}: {html}");
    }
    // Logged-in editors search what the public sees.
    let db = f.connect().await;
    add_user(&db, "eve", Role::Editor).await;
    assert_eq!(log_in(&client, "eve", PASSWORD).await, Status::SeeOther);
    assert!(results(&search(&client, "quokka").await).is_empty());
}

#[rocket::async_test]
async fn an_edit_through_every_write_path_is_searchable_at_once() {
    let f = Fixture::new().await;
    f.write("alpha/_course.md", course("Alpha"));
    f.write("alpha/01-fish.md", lesson("Fish", "About marmosets."));
    let client = site(&f).await;
    let db = f.connect().await;
    add_user(&db, "eve", Role::Editor).await;
    assert_eq!(log_in(&client, "eve", PASSWORD).await, Status::SeeOther);
    let found = |html: String| results(&html) == ["/alpha/fish/"];
    assert!(found(search(&client, "marmosets").await));

    // Sync: the file changes.
    f.write(
        "alpha/01-fish.md",
        lesson("Fish", "Changed in git: capybaras."),
    );
    let report = f.sync(&db).await;
    assert_eq!(report.updated, ["alpha/01-fish.md"], "{report:?}");
    assert!(found(search(&client, "capybaras").await), "sync update");
    assert!(results(&search(&client, "marmosets").await).is_empty());

    // The admin editor: a save through the form.
    let id = count(&db, "SELECT id FROM lessons WHERE slug = 'fish'").await;
    let course_id = count(&db, "SELECT course_id FROM lessons WHERE slug = 'fish'")
        .await
        .to_string();
    let token = csrf(&client).await;
    let (status, _, _) = post(
        &client,
        &format!("/admin/lessons/{id}/edit"),
        &[
            ("csrf", &token),
            ("version", &version(&db, id).await),
            ("course_id", &course_id),
            ("slug", "fish"),
            ("title", "Fish"),
            ("summary", "About Fish"),
            ("status", "published"),
            ("body_md", "Saved in the admin: okapis."),
            ("action", "save"),
        ],
    )
    .await;
    assert_eq!(status, Status::SeeOther);
    assert!(found(search(&client, "okapis").await), "admin save");
    assert!(results(&search(&client, "capybaras").await).is_empty());

    // Restoring the revision written by the sync.
    let rev = count(
        &db,
        &format!(
            "SELECT MAX(id) FROM lesson_revisions WHERE lesson_id = {id} AND body_md LIKE '%capybaras%'"
        ),
    )
    .await;
    let (status, _, _) = post(
        &client,
        &format!("/admin/lessons/{id}/revisions/{rev}/restore"),
        &[("csrf", &token), ("version", &version(&db, id).await)],
    )
    .await;
    assert_eq!(status, Status::SeeOther);
    assert!(found(search(&client, "capybaras").await), "restore");
    assert!(results(&search(&client, "okapis").await).is_empty());

    // Archiving hides it from search.
    let (status, _, _) = post(
        &client,
        &format!("/admin/lessons/{id}/archive"),
        &[("csrf", &token), ("version", &version(&db, id).await)],
    )
    .await;
    assert_eq!(status, Status::SeeOther);
    assert!(
        results(&search(&client, "capybaras").await).is_empty(),
        "archive"
    );
    assert!(results(&search(&client, "fish").await).is_empty());
}

#[rocket::async_test]
async fn snippets_are_escaped_and_carry_no_markup_from_the_lesson() {
    let f = Fixture::new().await;
    f.write("alpha/_course.md", course("Alpha"));
    f.write(
        "alpha/01-markup.md",
        lesson(
            "Pangolins & <i>friends</i>",
            "Before <b>bold pangolin</b> and <script>alert('pangolin')</script> \
             then <img src=x onerror=alert(1)> pangolin & more, \
             see [the **pangolin** notes](02-zzlinktarget.md).\n\n## Heading\n\n```\ncode pangolin\n```",
        ),
    );
    let client = site(&f).await;
    let html = search(&client, "pangolin").await;
    assert_eq!(results(&html), ["/alpha/markup/"], "{html}");
    let snippet = &snippets(&html)[0];
    assert!(snippet.contains("<mark>pangolin</mark>"), "{snippet}");
    let bare = snippet.replace("<mark>", "").replace("</mark>", "");
    assert!(
        !bare.contains('<') && !bare.contains('>'),
        "only <mark> is markup: {snippet}"
    );
    assert!(!html.contains("<b>bold") && !html.contains("<script>alert"));
    assert!(!html.contains("<img src=x"));
    // Only what readers see is indexed: not link targets, tags, attributes
    // or scripts (the page drops those too).
    for word in ["zzlinktarget", "alert", "onerror", "img", "script"] {
        assert!(results(&search(&client, word).await).is_empty(), "{word}");
    }
    assert!(!snippet.contains("**") && !snippet.contains("##") && !snippet.contains("```"));
    // The title is escaped too.
    assert!(
        html.contains("Pangolins &amp; &lt;i&gt;friends&lt;/i&gt;"),
        "{html}"
    );
}

#[rocket::async_test]
async fn lessons_written_before_search_existed_get_their_plain_text() {
    use sea_orm::ConnectionTrait;
    let f = Fixture::new().await;
    f.write("alpha/_course.md", course("Alpha"));
    f.write(
        "alpha/01-links.md",
        lesson(
            "Links",
            "See [the **okapi** notes](02-other.md 'zztarget').",
        ),
    );
    let client = site(&f).await;
    let db = f.connect().await;
    // As a row from before the search migration: no plain text yet, so its
    // markdown is indexed (the link's title included).
    db.execute_unprepared("UPDATE lessons SET body_text = NULL")
        .await
        .unwrap();
    assert_eq!(
        results(&search(&client, "zztarget").await),
        ["/alpha/links/"]
    );
    // The next start fills it in.
    lectern::db::migrate(&db).await.unwrap();
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM lessons WHERE body_text IS NULL").await,
        0
    );
    assert!(results(&search(&client, "zztarget").await).is_empty());
    assert_eq!(results(&search(&client, "okapi").await), ["/alpha/links/"]);
}

#[rocket::async_test]
async fn the_search_migration_indexes_existing_lessons() {
    use migrations::{Migrator, MigratorTrait};
    let f = Fixture::new().await;
    f.write("alpha/_course.md", course("Alpha"));
    f.write("alpha/01-fish.md", lesson("Fish", "The zebrafish swims."));
    let db = f.connect().await;
    f.sync(&db).await;
    // Back to before the search migration (and those after it), with the
    // lesson kept; then up again, as an existing site upgrades.
    let applied = Migrator::get_applied_migrations(&db).await.unwrap();
    let after = applied
        .iter()
        .position(|m| m.name() == "m20261125_000004_search")
        .map(|at| applied.len() - at)
        .unwrap();
    Migrator::down(db.connection(), Some(after as u32))
        .await
        .unwrap();
    assert_eq!(count(&db, "SELECT COUNT(*) FROM lessons").await, 1);
    lectern::db::migrate(&db).await.unwrap(); // up again, as at a start
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM lessons WHERE body_text IS NULL").await,
        0
    );
    let client = site(&f).await;
    assert_eq!(
        results(&search(&client, "zebrafish").await),
        ["/alpha/fish/"]
    );
}

#[rocket::async_test]
async fn any_query_and_page_answer_a_normal_page() {
    let f = Fixture::with_sample_content().await;
    let client = site(&f).await;
    let ten_kb = "node ".repeat(2048);
    let queries = [
        "\"",
        "\"node",
        "node\"",
        "*",
        "node*",
        "-",
        "-node",
        "node -server",
        ":",
        "title:node",
        "body:node:server",
        "NEAR",
        "NEAR(node server, 2)",
        "node NEAR server",
        "AND",
        "OR",
        "NOT",
        "node AND",
        "OR node OR",
        "(",
        ")",
        "((node",
        "node))",
        "(node OR server",
        "^node",
        "node + server",
        "{node}",
        "[node]",
        "'",
        "' OR 1=1 --",
        "\\",
        "%",
        "%%",
        "\u{0}node",
        "\u{1}\u{2}",
        "<script>alert(1)</script>",
        "",
        "   ",
        &ten_kb,
    ];
    for q in queries {
        let html = search(&client, q).await;
        assert!(
            html.contains("class=\"search-results\"")
                || html.contains("Nothing found")
                || html.contains("Type a word"),
            "{q:?}: {html}"
        );
        assert!(!html.contains("<script>alert"), "{q:?}");
    }
    assert!(!results(&search(&client, "node*").await).is_empty());
    assert!(!results(&search(&client, &ten_kb).await).is_empty());
    // A 10,000-character query is read to its first 200 characters (a 200
    // page, the query shown back cut).
    let long = "node ".repeat(2_000);
    assert_eq!(long.chars().count(), 10_000);
    let html = search(&client, &long).await;
    let heading = "Search results for “";
    let start = html.find(heading).expect("a results heading") + heading.len();
    let shown = &html[start..start + html[start..].find('”').unwrap()];
    assert!(
        shown.chars().count() <= lectern::discovery::search::MAX_QUERY_CHARS
            && shown.starts_with("node node"),
        "{shown}"
    );
    assert!(!results(&html).is_empty());

    let raw = [
        "/search",
        "/search?",
        "/search?q",
        "/search?q=",
        "/search?q=%",
        "/search?q=%zz",
        "/search?q=%ff%fe",
        "/search?q=%c3%28node",
        "/search?q=node%",
        "/search?q=%%%25",
        "/search?q=node&q=other",
        "/search?q=node&page=0",
        "/search?q=node&page=-1",
        "/search?q=node&page=1000000000000",
        "/search?q=node&page=99999999999999999999999999",
        "/search?q=node&page=abc",
        "/search?q=node&page=1.5",
        "/search?q=node&page=",
        "/search?q=node&page=%zz",
        "/search?page=2",
        "/search?&&&=&",
    ];
    for uri in raw {
        let (status, html) = get(&client, uri).await;
        assert_eq!(status, Status::Ok, "{uri}");
        assert!(html.contains("<h1"), "{uri}");
    }
    // Past the last page: the last page is shown.
    let (_, html) = get(&client, "/search?q=node&page=1000000000000").await;
    assert!(!results(&html).is_empty(), "{html}");
}

#[rocket::async_test]
async fn results_are_paged() {
    let f = Fixture::new().await;
    f.write("alpha/_course.md", course("Alpha"));
    for i in 1..=23 {
        f.write(
            &format!("alpha/{i:02}-part-{i}.md"),
            lesson(&format!("Part {i}"), "All about wombats."),
        );
    }
    let client = site(&f).await;
    let first = search(&client, "wombats").await;
    assert_eq!(results(&first).len(), 10);
    assert!(first.contains("23 lessons found"), "{first}");
    assert!(first.contains("page 1 of 3"), "{first}");
    assert!(
        first.contains(r#"href="/search?q=wombats&amp;page=2" rel="next""#),
        "{first}"
    );
    let (_, third) = get(&client, "/search?q=wombats&page=3").await;
    assert_eq!(results(&third).len(), 3);
    assert!(third.contains(r#"href="/search?q=wombats&amp;page=2" rel="prev""#));
    let mut all: Vec<String> = Vec::new();
    for page in 1..=3 {
        all.extend(results(
            &get(&client, &format!("/search?q=wombats&page={page}"))
                .await
                .1,
        ));
    }
    let distinct: BTreeSet<&String> = all.iter().collect();
    assert_eq!(distinct.len(), 23, "no lesson twice, none missing");
}

#[rocket::async_test]
async fn every_public_page_has_a_search_box_and_metadata() {
    let f = Fixture::with_sample_content().await;
    let client = site(&f).await;
    for (uri, og_type) in [
        ("/", "website"),
        ("/backend-dev/", "website"),
        ("/backend-dev/first-server/", "article"),
        ("/backend-dev/all/", "website"),
        ("/search?q=node", "website"),
    ] {
        let (status, html) = get(&client, uri).await;
        assert_eq!(status, Status::Ok, "{uri}");
        assert!(
            html.contains(
                r#"<form class="site-search" role="search" action="/search" method="get">"#
            ),
            "{uri}"
        );
        assert!(html.contains(r#"<label class="visually-hidden" for="site-search-q">"#));
        assert!(
            html.contains(&format!(r#"<meta property="og:type" content="{og_type}">"#)),
            "{uri}"
        );
        let canonical = uri.split('?').next().unwrap();
        assert!(
            html.contains(&format!(
                r#"<meta property="og:url" content="{BASE}{canonical}">"#
            )),
            "{uri}: {html}"
        );
        assert!(html.contains(r#"<meta property="og:title" content=""#));
        assert!(html.contains(r#"<meta name="twitter:card" content="summary">"#));
        assert!(html.contains(r#"<link rel="alternate" type="application/atom+xml""#));
    }
    let (_, html) = get(&client, "/backend-dev/first-server/").await;
    assert!(html.contains(r#"<meta property="og:description" content=""#));
    let (_, html) = get(&client, "/backend-dev/").await;
    assert!(html.contains(r#"href="/backend-dev/feed.xml""#));
    // The search page shows its query in the box, escaped.
    let html = search(&client, "\"><b>node").await;
    assert!(
        html.contains(r#"value="&quot;&gt;&lt;b&gt;node""#),
        "{html}"
    );
}

// ------------------------------------------------------------ metadata

/// The JSON-LD of a page, parsed.
fn json_ld(html: &str) -> serde_json::Value {
    let open = "<script type=\"application/ld+json\">";
    let start = html.find(open).expect("JSON-LD") + open.len();
    let end = start + html[start..].find("</script>").unwrap();
    serde_json::from_str(&html[start..end])
        .unwrap_or_else(|e| panic!("JSON-LD does not parse ({e}): {}", &html[start..end]))
}

const HOSTILE: &str = r#"Tags <b> & ]]> </script><script>alert(1)</script> <!-- "quoted" 'single'"#;
const HOSTILE_TOML: &str =
    r#"Tags <b> & ]]> </script><script>alert(1)</script> <!-- \"quoted\" 'single'"#;
const HOSTILE_COURSE: &str = "Course <&> ]]> </script>";

fn write_hostile_content(f: &Fixture) {
    f.write(
        "alpha/_course.md",
        format!("+++\ntitle = \"{HOSTILE_COURSE}\"\nsummary = \"<&> ]]>\"\n+++\n\nIntro.\n"),
    );
    f.write(
        "alpha/01-tricky.md",
        format!(
            "+++\ntitle = \"{HOSTILE_TOML}\"\nsummary = \"{HOSTILE_TOML}\"\nduration = 12\n+++\n\nBody.\n"
        ),
    );
}

#[rocket::async_test]
async fn json_ld_is_valid_json_whatever_the_titles() {
    let f = Fixture::new().await;
    write_hostile_content(&f);
    let client = site(&f).await;

    let (status, html) = get(&client, "/alpha/tricky/").await;
    assert_eq!(status, Status::Ok);
    assert!(
        !html.contains("<script>alert(1)"),
        "title escaped everywhere"
    );
    assert_eq!(
        html.matches("</script>").count(),
        2,
        "site.js and JSON-LD only"
    );
    let ld = json_ld(&html);
    assert_eq!(ld["@context"], "https://schema.org");
    let lesson = &ld["@graph"][0];
    assert_eq!(lesson["@type"], "LearningResource");
    assert_eq!(lesson["name"], HOSTILE);
    assert_eq!(lesson["description"], HOSTILE);
    assert_eq!(lesson["url"], format!("{BASE}/alpha/tricky/"));
    assert_eq!(lesson["timeRequired"], "PT12M");
    assert_eq!(lesson["isPartOf"]["name"], HOSTILE_COURSE);
    let crumbs = &ld["@graph"][1];
    assert_eq!(crumbs["@type"], "BreadcrumbList");
    let items = crumbs["itemListElement"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(items[1]["name"], HOSTILE_COURSE);
    assert_eq!(items[2]["item"], format!("{BASE}/alpha/tricky/"));

    let (_, html) = get(&client, "/alpha/").await;
    let ld = json_ld(&html);
    assert_eq!(ld["@graph"][0]["@type"], "Course");
    assert_eq!(ld["@graph"][0]["name"], HOSTILE_COURSE);
    assert_eq!(ld["@graph"][0]["url"], format!("{BASE}/alpha/"));
    assert_eq!(ld["@graph"][1]["@type"], "BreadcrumbList");
    assert!(html.contains(
        r#"<meta property="og:title" content="Course &lt;&amp;&gt; ]]&gt; &lt;/script&gt;">"#
    ));

    let (_, html) = get(&client, "/").await;
    assert_eq!(json_ld(&html)["@graph"][0]["@type"], "WebSite");
}

// ------------------------------------------------------------ feeds and sitemap

/// A site with public lessons in two courses, and a draft, a scheduled
/// lesson, an archived one and a draft course that must not be listed.
async fn feed_site() -> (Fixture, Client) {
    let f = Fixture::new().await;
    f.write("alpha/_course.md", course("Alpha"));
    f.write("alpha/01-one.md", lesson("One", "First."));
    f.write("alpha/02-two.md", lesson("Two", "Second."));
    f.write(
        "alpha/03-draft.md",
        lesson_with("Draft", "draft = true", "Not yet."),
    );
    f.write(
        "alpha/04-later.md",
        lesson_with("Later", "publish_at = 2099-01-01T00:00:00Z", "Later."),
    );
    f.write("alpha/05-gone.md", lesson("Gone", "Deleted."));
    f.write(
        "beta/_course.md",
        "+++\ntitle = \"Beta\"\ndraft = true\n+++\n\nHidden.\n",
    );
    f.write("beta/01-hidden.md", lesson("Hidden", "Hidden."));
    f.write("gamma/_course.md", course("Gamma"));
    f.write("gamma/01-three.md", lesson("Three", "Third."));
    let client = site(&f).await;
    f.remove("alpha/05-gone.md");
    let report = f.sync(&f.connect().await).await;
    assert_eq!(report.archived, ["alpha/05-gone.md"]);
    (f, client)
}

fn urls(paths: &[&str]) -> BTreeSet<String> {
    paths.iter().map(|p| format!("{BASE}{p}")).collect()
}

/// GETs an XML document; checks its status and content type.
async fn xml(client: &Client, uri: &str, content_type: &str) -> String {
    let res = client.get(uri.to_string()).dispatch().await;
    assert_eq!(res.status(), Status::Ok, "{uri}");
    assert_eq!(
        res.headers().get_one("Content-Type"),
        Some(content_type),
        "{uri}"
    );
    res.into_string().await.unwrap()
}

const ATOM: &str = "http://www.w3.org/2005/Atom";
const ATOM_TYPE: &str = "application/atom+xml; charset=utf-8";

/// The entries of an Atom feed: (alternate link, title, updated).
fn feed_entries(text: &str) -> Vec<(String, String, String)> {
    let doc = roxmltree::Document::parse(text).unwrap_or_else(|e| panic!("{e}: {text}"));
    let feed = doc.root_element();
    assert!(feed.has_tag_name((ATOM, "feed")), "{text}");
    for required in ["id", "title", "updated", "author"] {
        assert!(
            feed.children().any(|n| n.has_tag_name((ATOM, required))),
            "feed has {required}"
        );
    }
    feed.children()
        .filter(|n| n.has_tag_name((ATOM, "entry")))
        .map(|entry| {
            let child = |name: &str| {
                entry
                    .children()
                    .find(|n| n.has_tag_name((ATOM, name)))
                    .unwrap_or_else(|| panic!("entry has {name}"))
            };
            let link = child("link").attribute("href").unwrap().to_string();
            assert_eq!(child("id").text(), Some(link.as_str()));
            let updated = child("updated").text().unwrap().to_string();
            chrono::DateTime::parse_from_rfc3339(&updated).expect("RFC 3339 updated");
            (
                link,
                child("title").text().unwrap_or("").to_string(),
                updated,
            )
        })
        .collect()
}

/// The `loc` of every `url` of a sitemap; each has a valid `lastmod`.
fn sitemap_urls(text: &str) -> BTreeSet<String> {
    const NS: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";
    let doc = roxmltree::Document::parse(text).unwrap_or_else(|e| panic!("{e}: {text}"));
    let root = doc.root_element();
    assert!(root.has_tag_name((NS, "urlset")));
    root.children()
        .filter(|n| n.is_element())
        .map(|url| {
            assert!(url.has_tag_name((NS, "url")));
            let text_of = |name: &str| {
                url.children()
                    .find(|n| n.has_tag_name((NS, name)))
                    .and_then(|n| n.text())
                    .unwrap_or_else(|| panic!("url has {name}"))
                    .to_string()
            };
            chrono::DateTime::parse_from_rfc3339(&text_of("lastmod")).expect("lastmod");
            text_of("loc")
        })
        .collect()
}

#[rocket::async_test]
async fn feeds_list_exactly_the_public_lessons_newest_first() {
    let (f, client) = feed_site().await;
    let entries = feed_entries(&xml(&client, "/feed.xml", ATOM_TYPE).await);
    let listed: BTreeSet<String> = entries.iter().map(|e| e.0.clone()).collect();
    assert_eq!(
        listed,
        urls(&["/alpha/one/", "/alpha/two/", "/gamma/three/"])
    );
    let times: Vec<&str> = entries.iter().map(|e| e.2.as_str()).collect();
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(times, sorted, "newest first");

    let course = feed_entries(&xml(&client, "/alpha/feed.xml", ATOM_TYPE).await);
    let listed: BTreeSet<String> = course.iter().map(|e| e.0.clone()).collect();
    assert_eq!(listed, urls(&["/alpha/one/", "/alpha/two/"]));
    for hidden in ["/beta/feed.xml", "/nope/feed.xml", "/Bad_Slug/feed.xml"] {
        assert_eq!(get(&client, hidden).await.0, Status::NotFound, "{hidden}");
    }

    // An edit reaches the (cached) feed at once, at the top.
    let db = f.connect().await;
    f.write("alpha/01-one.md", lesson("One, revised", "First."));
    f.sync(&db).await;
    let entries = feed_entries(&xml(&client, "/feed.xml", ATOM_TYPE).await);
    assert_eq!(entries[0].0, format!("{BASE}/alpha/one/"));
    assert_eq!(entries[0].1, "One, revised");
}

#[rocket::async_test]
async fn sitemap_lists_exactly_the_public_pages_and_robots_points_at_it() {
    let (_f, client) = feed_site().await;
    let listed =
        sitemap_urls(&xml(&client, "/sitemap.xml", "application/xml; charset=utf-8").await);
    assert_eq!(
        listed,
        urls(&[
            "/alpha/",
            "/gamma/",
            "/alpha/one/",
            "/alpha/two/",
            "/gamma/three/",
        ])
    );
    let res = client.get("/robots.txt").dispatch().await;
    assert_eq!(res.status(), Status::Ok);
    assert_eq!(
        res.headers().get_one("Content-Type"),
        Some("text/plain; charset=utf-8")
    );
    let robots = res.into_string().await.unwrap();
    assert!(
        robots.contains(&format!("Sitemap: {BASE}/sitemap.xml\n")),
        "{robots}"
    );
    assert!(robots.contains("Disallow: /admin/"));
}

#[rocket::async_test]
async fn a_scheduled_lesson_joins_feeds_and_sitemap_at_its_moment() {
    let f = Fixture::new().await;
    f.write("alpha/_course.md", course("Alpha"));
    f.write("alpha/01-one.md", lesson("One", "First."));
    // The site's clock stands still until the test moves it.
    let clock = Clock::fixed(Utc::now().trunc_subsecs(0));
    let at = clock.now() + chrono::Duration::hours(1);
    let stamp = at.to_rfc3339_opts(SecondsFormat::Millis, true);
    f.write(
        "alpha/02-soon.md",
        lesson_with("Soon", &format!("publish_at = \"{stamp}\""), "Soon."),
    );
    let client = site_at(&f, &clock).await;
    let soon = format!("{BASE}/alpha/soon/");
    let feed = feed_entries(&xml(&client, "/feed.xml", ATOM_TYPE).await);
    assert!(feed.iter().all(|e| e.0 != soon));
    let map = sitemap_urls(&xml(&client, "/sitemap.xml", "application/xml; charset=utf-8").await);
    assert!(!map.contains(&soon));
    assert!(results(&search(&client, "soon").await).is_empty());

    // A millisecond before the moment: still out of everything.
    clock.advance(at - clock.now() - chrono::Duration::milliseconds(1));
    let feed = feed_entries(&xml(&client, "/feed.xml", ATOM_TYPE).await);
    assert!(feed.iter().all(|e| e.0 != soon));
    assert!(results(&search(&client, "soon").await).is_empty());

    // The moment comes; the cached feed and sitemap give way by themselves.
    clock.advance(chrono::Duration::milliseconds(1));
    let feed = feed_entries(&xml(&client, "/feed.xml", ATOM_TYPE).await);
    assert_eq!(feed[0].0, soon, "at the top: it appeared last");
    let map = sitemap_urls(&xml(&client, "/sitemap.xml", "application/xml; charset=utf-8").await);
    assert!(map.contains(&soon));
    assert_eq!(results(&search(&client, "soon").await), ["/alpha/soon/"]);
}

#[rocket::async_test]
async fn hostile_titles_keep_feeds_and_sitemap_well_formed() {
    let f = Fixture::new().await;
    write_hostile_content(&f);
    let client = site(&f).await;
    let entries = feed_entries(&xml(&client, "/feed.xml", ATOM_TYPE).await);
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].1, HOSTILE);
    let text = xml(&client, "/alpha/feed.xml", ATOM_TYPE).await;
    let doc = roxmltree::Document::parse(&text).unwrap();
    let title = doc
        .root_element()
        .children()
        .find(|n| n.has_tag_name((ATOM, "title")))
        .and_then(|n| n.text())
        .unwrap();
    assert_eq!(title, format!("{HOSTILE_COURSE} · Lectern"));
    assert_eq!(feed_entries(&text)[0].1, HOSTILE);
    let map = sitemap_urls(&xml(&client, "/sitemap.xml", "application/xml; charset=utf-8").await);
    assert_eq!(map, urls(&["/alpha/", "/alpha/tricky/"]));
}
