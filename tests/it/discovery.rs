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
        &[
            ("csrf", &token),
            ("version", &version(&db, id).await),
            ("confirm", "yes"),
        ],
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
    f.write("alpha/02-zzlinktarget.md", lesson("Other", "Nothing here."));
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

/// Lessons whose search text is still to be made at a start: the plain
/// text is kept in the search index only (migrations 17 and 26), so such a
/// lesson is one without its sections, which are made with it.
const UNFILLED: &str = "SELECT COUNT(*) FROM lessons WHERE body_sections IS NULL";

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
    f.write("alpha/02-other.md", lesson("Other", "Nothing here."));
    let client = site(&f).await;
    let db = f.connect().await;
    // As a row from before the search migration: no plain text yet, so its
    // markdown is indexed (the link's title included). The plain text is
    // kept in the index only (migrations 17 and 26): such a row is one
    // without its sections, and the index holds its markdown.
    db.execute_unprepared("UPDATE lessons SET body_sections = NULL")
        .await
        .unwrap();
    let markdown_indexed = match db.get_database_backend() {
        sea_orm::DatabaseBackend::Sqlite => {
            "INSERT OR REPLACE INTO lesson_search (rowid, title, summary, body_text) \
             SELECT id, title, summary, body_md FROM lessons"
        }
        _ => "UPDATE lessons SET search_vector = to_tsvector('simple', body_md)",
    };
    db.execute_unprepared(markdown_indexed).await.unwrap();
    assert_eq!(
        results(&search(&client, "zztarget").await),
        ["/alpha/links/"]
    );
    // The next start fills it in.
    lectern::db::migrate(&db).await.unwrap();
    assert_eq!(count(&db, UNFILLED).await, 0);
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
    assert_eq!(count(&db, UNFILLED).await, 0);
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

/// Lessons whose words tell each reading of an operator apart: `Node
/// setup` has `node` only in its title, `Words` holds the operator words
/// themselves (`title`, `near`, `and`, `or`, `not`) but never `node install`
/// side by side, `Quokka` has no `node`.
fn write_operator_content(f: &Fixture) {
    f.write("alpha/_course.md", course("Alpha"));
    f.write(
        "alpha/01-setup.md",
        lesson("Node setup", "How to install the runtime."),
    );
    f.write(
        "alpha/02-server.md",
        lesson("Server", "A node server listens on a port."),
    );
    f.write(
        "alpha/03-words.md",
        lesson(
            "Words",
            "The title of a node page; install it near and far, or not.",
        ),
    );
    f.write("alpha/04-quokka.md", lesson("Quokka", "Nothing else here."));
}

/// README, Search: "Whatever is typed is read as plain words: quotes, `*`,
/// `-`, `:`, `AND`, `OR`, `NEAR` and brackets are not operators". Each
/// query finds exactly what its words find, which differs from what the
/// operator (FTS5's or tsquery's) would have found.
#[rocket::async_test]
async fn operators_are_read_as_plain_words() {
    let f = Fixture::new().await;
    write_operator_content(&f);
    let client = site(&f).await;
    let (setup, server, words, quokka) = (
        "/alpha/setup/",
        "/alpha/server/",
        "/alpha/words/",
        "/alpha/quokka/",
    );
    let found = |html: String| -> BTreeSet<String> { results(&html).into_iter().collect() };
    let set = |urls: &[&str]| -> BTreeSet<String> { urls.iter().map(|u| u.to_string()).collect() };
    assert_eq!(
        found(search(&client, "node").await),
        set(&[setup, server, words])
    );
    assert_eq!(found(search(&client, "quokka").await), set(&[quokka]));
    // (query, the same words typed plainly, what they find; as an operator
    // it would find something else, noted)
    let cases: [(&str, &str, &[&str]); 13] = [
        // NOT node would be only quokka.
        ("-node", "node", &[setup, server, words]),
        // node NOT server would be setup and words.
        ("node -server", "node server", &[server]),
        // A title column filter would be setup (node in its title).
        ("title:node", "title node", &[words]),
        // NEAR(node install) would need the two words close; "near" is a word.
        ("NEAR(node install)", "near node install", &[words]),
        ("NEAR(node install, 2)", "near node install 2", &[]),
        // A phrase would need "node install" side by side: nothing.
        ("\"node install\"", "node install", &[setup, words]),
        ("node*", "node", &[setup, server, words]),
        ("inst*", "inst", &[setup, words]),
        // node AND install would be setup and words; "and" is a word.
        ("node AND install", "node and install", &[words]),
        // node OR quokka would be all four.
        ("node OR quokka", "node or quokka", &[]),
        // NOT node would be quokka.
        ("NOT node", "not node", &[words]),
        // (node OR server) would be setup, server and words.
        ("(node OR server)", "node or server", &[]),
        ("node:server \"port\"", "node server port", &[server]),
    ];
    for (query, plain, expected) in cases {
        let typed = results(&search(&client, query).await);
        assert_eq!(
            typed.iter().cloned().collect::<BTreeSet<_>>(),
            set(expected),
            "{query:?}"
        );
        assert_eq!(
            typed,
            results(&search(&client, plain).await),
            "{query:?} finds what {plain:?} finds, in the same order"
        );
    }
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

/// README, Search: "ranked (title above summary above body)", and "the
/// last [word] also as a prefix". The word is only in the title of one
/// lesson, only in the summary of another, only in the body of a third;
/// they are written in the opposite order (ids break ties), so only the
/// ranking puts them in this one.
#[rocket::async_test]
async fn a_title_match_ranks_above_a_summary_match_above_a_body_match() {
    let f = Fixture::new().await;
    f.write("alpha/_course.md", course("Alpha"));
    let file = |title: &str, summary: &str, body: &str| {
        format!("+++\ntitle = \"{title}\"\nsummary = \"{summary}\"\n+++\n\n{body}\n")
    };
    f.write(
        "alpha/01-body.md",
        file("Sleeping", "Where cats rest", "The ocelot sleeps all day."),
    );
    f.write(
        "alpha/02-summary.md",
        file("Feeding", "What an ocelot eats", "Meat, mostly, all day."),
    );
    f.write(
        "alpha/03-title.md",
        file("Ocelot care", "Looking after cats", "Brush them all day."),
    );
    let client = site(&f).await;
    let ranked = ["/alpha/title/", "/alpha/summary/", "/alpha/body/"];
    assert_eq!(results(&search(&client, "ocelot").await), ranked);
    // The last word as a prefix: the same lessons, ranked the same.
    assert_eq!(results(&search(&client, "ocel").await), ranked);
    assert_eq!(results(&search(&client, "all oce").await), ranked);
    // Only the last word is a prefix.
    assert!(results(&search(&client, "oce all").await).is_empty());
}

/// README, Search: "only the first 200 characters and 8 words count". A
/// 9th word, or a word past the 200th character, that matches nothing
/// leaves the lesson found by the words before it.
#[rocket::async_test]
async fn words_past_the_eighth_or_the_200th_character_are_ignored() {
    let f = Fixture::new().await;
    f.write("alpha/_course.md", course("Alpha"));
    f.write(
        "alpha/01-count.md",
        lesson("Count", "one two three four five six seven eight"),
    );
    let client = site(&f).await;
    let eight = "one two three four five six seven eight";
    assert_eq!(results(&search(&client, eight).await), ["/alpha/count/"]);
    // Each of the eight counts: with a word that matches nothing in their
    // place, nothing is found.
    assert!(results(&search(&client, "one two three four five six seven zzz").await).is_empty());
    assert_eq!(
        results(&search(&client, &format!("{eight} zzz")).await),
        ["/alpha/count/"],
        "the 9th word is ignored"
    );
    // Characters: "one", spaces to the 200th, then a word that matches
    // nothing from the 201st.
    let padded = format!("one{}", " ".repeat(197));
    assert_eq!(padded.chars().count(), 200);
    assert_eq!(
        results(&search(&client, &format!("{padded}zzz")).await),
        ["/alpha/count/"],
        "the 201st character is ignored"
    );
    let padded = format!("one{}", " ".repeat(196));
    assert!(
        results(&search(&client, &format!("{padded}zzz")).await).is_empty(),
        "the 200th character counts"
    );
}

#[rocket::async_test]
async fn every_public_page_has_a_search_box_and_metadata() {
    let f = Fixture::with_sample_content().await;
    // A lesson with no summary still has a description.
    f.write(
        "backend-dev/90-bare.md",
        "+++\ntitle = \"Bare lesson\"\n+++\n\nText.\n",
    );
    let client = site(&f).await;
    for (uri, og_type) in [
        ("/", "website"),
        ("/backend-dev/", "website"),
        ("/backend-dev/first-server/", "article"),
        ("/backend-dev/bare/", "article"),
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
        // Open Graph and the Twitter card, each once and never empty; og:url
        // the absolute form of the canonical link, which is the page's path.
        let meta = metadata(&html);
        for key in [
            "description",
            "og:title",
            "og:description",
            "og:type",
            "og:url",
            "twitter:card",
        ] {
            let values = meta.get(key).map(Vec::as_slice).unwrap_or_default();
            assert!(
                values.len() == 1 && !values[0].trim().is_empty(),
                "{uri}: {key} = {values:?}"
            );
        }
        assert_eq!(meta["og:type"], [og_type], "{uri}");
        assert_eq!(meta["twitter:card"], ["summary"], "{uri}");
        assert_eq!(meta["og:description"], meta["description"], "{uri}");
        let canonical = &meta["canonical"];
        assert_eq!(canonical.len(), 1, "{uri}: one canonical link");
        let path = uri.split('?').next().unwrap();
        let absolute = if canonical[0].starts_with('/') {
            format!("{BASE}{}", canonical[0])
        } else {
            canonical[0].clone()
        };
        assert_eq!(absolute, format!("{BASE}{path}"), "{uri}: canonical");
        assert_eq!(meta["og:url"], [absolute], "{uri}: og:url");
        let title = html
            .split("<title>")
            .nth(1)
            .and_then(|t| t.split("</title>").next())
            .unwrap();
        assert!(
            title.starts_with(meta["og:title"][0].as_str()),
            "{uri}: og:title {:?}, title {title:?}",
            meta["og:title"]
        );
        assert!(html.contains(r#"<link rel="alternate" type="application/atom+xml""#));
    }
    let (_, html) = get(&client, "/backend-dev/first-server/").await;
    assert_eq!(
        metadata(&html)["og:title"],
        ["Your first HTTP server in Node"]
    );
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

/// A page's `<meta>` values by `property` or `name` (every occurrence),
/// and its canonical link's `href` as `canonical`; read by html5ever.
fn metadata(html: &str) -> std::collections::HashMap<String, Vec<String>> {
    let mut out: std::collections::HashMap<String, Vec<String>> = Default::default();
    for tag in lectern::fuzzing::html5ever_tags(html) {
        let attr = |n: &str| {
            tag.attrs
                .iter()
                .find(|(a, _)| a == n)
                .and_then(|(_, v)| v.clone().ok())
        };
        match tag.name.as_str() {
            "meta" if !tag.end => {
                if let (Some(key), Some(content)) =
                    (attr("property").or_else(|| attr("name")), attr("content"))
                {
                    out.entry(key).or_default().push(content);
                }
            }
            "link" if attr("rel").as_deref() == Some("canonical") => {
                out.entry("canonical".into())
                    .or_default()
                    .push(attr("href").unwrap_or_default());
            }
            _ => {}
        }
    }
    out
}

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

/// The entries of an Atom feed: (alternate link, title, updated, summary;
/// empty when the entry has none). A summary is plain text.
fn feed_entries(text: &str) -> Vec<(String, String, String, String)> {
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
            let summary = entry
                .children()
                .find(|n| n.has_tag_name((ATOM, "summary")))
                .map(|n| {
                    assert_eq!(n.attribute("type"), Some("text"), "a text summary");
                    n.text().unwrap_or("").to_string()
                })
                .unwrap_or_default();
            (
                link,
                child("title").text().unwrap_or("").to_string(),
                updated,
                summary,
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
    // "with summaries": each entry carries its lesson's summary, as text.
    for (link, title, _, summary) in entries.iter().chain(&course) {
        assert_eq!(summary, &format!("About {title}"), "{link}");
    }
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
    assert_eq!(entries[0].3, "About One, revised");
}

/// README, Feeds: "the 50 most recently published or changed public
/// lessons, newest first"; `/<course>/feed.xml` the same for one course.
/// Sixty lessons changed at sixty different moments, in an order unlike
/// their ids and titles: the feeds hold the newest fifty, newest first.
#[rocket::async_test]
async fn feeds_hold_the_fifty_newest_lessons_newest_first() {
    use lectern::db::entity::lesson;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let f = Fixture::new().await;
    f.write("alpha/_course.md", course("Alpha"));
    f.write("gamma/_course.md", course("Gamma"));
    for i in 0..60 {
        // Lessons alternate between the courses.
        let course = if i % 2 == 0 { "alpha" } else { "gamma" };
        f.write(
            &format!("{course}/{i:02}-l{i}.md"),
            lesson(&format!("L{i}"), "Text."),
        );
    }
    // Lesson i last changed (37 i mod 60) minutes after a fixed moment:
    // its file's modification time says so (the content is not in git).
    let base = chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let minute = |i: i64| (i * 37) % 60;
    for i in 0..60 {
        let course = if i % 2 == 0 { "alpha" } else { "gamma" };
        let at = base + chrono::Duration::minutes(minute(i));
        std::fs::File::options()
            .write(true)
            .open(f.content().join(format!("{course}/{i:02}-l{i}.md")))
            .unwrap()
            .set_modified(at.into())
            .unwrap();
    }
    let db = f.connect().await;
    f.sync(&db).await;
    for i in 0..60 {
        lesson::Entity::update_many()
            .col_expr(
                lesson::Column::CreatedAt,
                sea_orm::sea_query::Expr::value(base),
            )
            .filter(lesson::Column::Slug.eq(format!("l{i}")))
            .exec(&db)
            .await
            .unwrap();
    }
    let client = site(&f).await;
    let url = |i: i64| {
        let course = if i % 2 == 0 { "alpha" } else { "gamma" };
        format!("{BASE}/{course}/l{i}/")
    };
    // Newest first: by minute, descending.
    let mut by_age: Vec<i64> = (0..60).collect();
    by_age.sort_by_key(|i| std::cmp::Reverse(minute(*i)));

    let entries = feed_entries(&xml(&client, "/feed.xml", ATOM_TYPE).await);
    let listed: Vec<String> = entries.iter().map(|e| e.0.clone()).collect();
    let expected: Vec<String> = by_age[..50].iter().map(|i| url(*i)).collect();
    assert_eq!(listed, expected, "the fifty newest, newest first");
    let stamp = |i: i64| {
        (base + chrono::Duration::minutes(minute(i))).to_rfc3339_opts(SecondsFormat::Secs, true)
    };
    assert_eq!(entries[0].2, stamp(by_age[0]));
    assert_eq!(entries[49].2, stamp(by_age[49]));
    // The ten left out are the ten oldest.
    for i in &by_age[50..] {
        assert!(!listed.contains(&url(*i)), "L{i} is among the oldest ten");
        assert!(minute(*i) < 10, "L{i}");
    }

    // A course's feed: its thirty lessons, all of them, newest first; the
    // same limit, shown with thirty more lessons in it.
    let alpha = |entries: &[(String, String, String, String)]| -> Vec<String> {
        entries.iter().map(|e| e.0.clone()).collect()
    };
    let course_expected: Vec<String> = by_age
        .iter()
        .filter(|i| *i % 2 == 0)
        .map(|i| url(*i))
        .collect();
    assert_eq!(
        alpha(&feed_entries(
            &xml(&client, "/alpha/feed.xml", ATOM_TYPE).await
        )),
        course_expected
    );
    for i in 60..90 {
        f.write(
            &format!("alpha/{i:02}-l{i}.md"),
            lesson(&format!("L{i}"), "Text."),
        );
    }
    f.sync(&db).await;
    // The thirty new ones are the newest (changed now, after 2026-01-01):
    // with them the course has sixty, and its feed the newest fifty.
    let entries = feed_entries(&xml(&client, "/alpha/feed.xml", ATOM_TYPE).await);
    assert_eq!(entries.len(), 50);
    let listed = alpha(&entries);
    let new: BTreeSet<String> = (60..90).map(|i| format!("{BASE}/alpha/l{i}/")).collect();
    assert_eq!(
        listed[..30].iter().cloned().collect::<BTreeSet<_>>(),
        new,
        "the new lessons first"
    );
    assert_eq!(
        listed[30..],
        course_expected[..20],
        "then the old, newest first"
    );
}

#[rocket::async_test]
async fn sitemap_lists_exactly_the_public_pages_and_robots_points_at_it() {
    let (f, client) = feed_site().await;
    // A course whose name begins like a path crawlers are kept from.
    f.write("search-engines/_course.md", course("Search engines"));
    f.write("search-engines/01-ranking.md", lesson("Ranking", "Pages."));
    f.sync(&f.connect().await).await;
    let listed =
        sitemap_urls(&xml(&client, "/sitemap.xml", "application/xml; charset=utf-8").await);
    assert_eq!(
        listed,
        urls(&[
            "/alpha/",
            "/gamma/",
            "/search-engines/",
            "/alpha/one/",
            "/alpha/two/",
            "/gamma/three/",
            "/search-engines/ranking/",
        ])
    );
    let res = client.get("/robots.txt").dispatch().await;
    assert_eq!(res.status(), Status::Ok);
    assert_eq!(
        res.headers().get_one("Content-Type"),
        Some("text/plain; charset=utf-8")
    );
    let robots = res.into_string().await.unwrap();
    let lines: Vec<&str> = robots.lines().collect();
    assert_eq!(lines[0], "User-agent: *", "{robots}");
    assert!(
        lines.contains(&format!("Sitemap: {BASE}/sitemap.xml").as_str()),
        "{robots}"
    );
    let rules: Vec<&str> = lines
        .iter()
        .filter_map(|l| l.strip_prefix("Disallow: "))
        .collect();
    assert!(
        lines.iter().all(|l| l.is_empty()
            || l.starts_with("User-agent: ")
            || l.starts_with("Disallow: ")
            || l.starts_with("Sitemap: ")),
        "{robots}"
    );
    assert_eq!(
        rules,
        ["/admin/", "/hooks/", "/search$", "/search?"],
        "{robots}"
    );
    // The admin, the webhook and search results are kept out...
    for private in [
        "/admin/",
        "/admin/login",
        "/admin/lessons/3/edit",
        "/hooks/",
        "/hooks/git",
        "/search",
        "/search?q=one",
        "/search?q=one&page=2",
    ] {
        assert!(
            disallowed(&rules, private),
            "{private} is crawled: {robots}"
        );
    }
    // ...and nothing public: every page of the sitemap (`search-engines`
    // included), the home page, the feeds, static files and media.
    let mut public: Vec<String> = listed
        .iter()
        .map(|u| u.strip_prefix(BASE).unwrap().to_string())
        .collect();
    public.extend(
        [
            "/",
            "/feed.xml",
            "/alpha/feed.xml",
            "/sitemap.xml",
            "/robots.txt",
            "/static/style.css",
            "/media/0/x.png",
            "/search-engines/feed.xml",
        ]
        .map(str::to_string),
    );
    for path in &public {
        assert!(!disallowed(&rules, path), "{path} is not crawled: {robots}");
    }
}

/// Whether robots.txt `Disallow` rules keep a crawler from `path`, matched
/// as RFC 9309 says: a prefix of the path and query, `*` any characters,
/// a final `$` the end.
fn disallowed(rules: &[&str], path: &str) -> bool {
    fn matches(pattern: &[u8], text: &[u8]) -> bool {
        match pattern.split_first() {
            None => true,
            Some((b'$', [])) => text.is_empty(),
            Some((b'*', rest)) => (0..=text.len()).any(|i| matches(rest, &text[i..])),
            Some((c, rest)) => text.first() == Some(c) && matches(rest, &text[1..]),
        }
    }
    rules
        .iter()
        .any(|r| !r.is_empty() && matches(r.as_bytes(), path.as_bytes()))
}

/// The `loc` and `lastmod` of every `sitemap` of a sitemap index.
fn sitemap_index(text: &str) -> Vec<(String, String)> {
    const NS: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";
    let doc = roxmltree::Document::parse(text).unwrap_or_else(|e| panic!("{e}: {text}"));
    let root = doc.root_element();
    assert!(root.has_tag_name((NS, "sitemapindex")), "{text}");
    root.children()
        .filter(|n| n.is_element())
        .map(|part| {
            assert!(part.has_tag_name((NS, "sitemap")));
            let text_of = |name: &str| {
                part.children()
                    .find(|n| n.has_tag_name((NS, name)))
                    .and_then(|n| n.text())
                    .unwrap_or_else(|| panic!("sitemap has {name}"))
                    .to_string()
            };
            let lastmod = text_of("lastmod");
            chrono::DateTime::parse_from_rfc3339(&lastmod).expect("lastmod");
            (text_of("loc"), lastmod)
        })
        .collect()
}

/// README: "more than `sitemap_urls` (at most 50,000, the protocol's
/// limit) make `/sitemap.xml` a sitemap index of `/sitemap-N.xml` parts".
/// Here the limit is 3 URLs a file, so seven public pages make three parts.
#[rocket::async_test]
async fn a_sitemap_over_the_limit_becomes_an_index_of_parts() {
    let (f, _) = feed_site().await;
    // A course whose slug looks like a part stays a course.
    f.write("sitemap-1/_course.md", course("Sitemap one"));
    f.write("sitemap-1/01-maps.md", lesson("Maps", "Pages."));
    f.sync(&f.connect().await).await;
    let figment = f
        .figment()
        .merge(("base_url", BASE))
        .merge(("sitemap_urls", 3));
    let client = f.client_with(figment, Clock::system()).await;
    let every = urls(&[
        "/alpha/",
        "/gamma/",
        "/sitemap-1/",
        "/alpha/one/",
        "/alpha/two/",
        "/gamma/three/",
        "/sitemap-1/maps/",
    ]);

    let index =
        sitemap_index(&xml(&client, "/sitemap.xml", "application/xml; charset=utf-8").await);
    let locs: Vec<&str> = index.iter().map(|(loc, _)| loc.as_str()).collect();
    let parts: Vec<String> = (1..=3).map(|n| format!("{BASE}/sitemap-{n}.xml")).collect();
    assert_eq!(locs, parts);
    let mut listed = BTreeSet::new();
    for (n, (_, lastmod)) in index.iter().enumerate() {
        let uri = format!("/sitemap-{}.xml", n + 1);
        let text = xml(&client, &uri, "application/xml; charset=utf-8").await;
        let part = sitemap_urls(&text);
        assert!(!part.is_empty() && part.len() <= 3, "{uri}: {part:?}");
        // The part's lastmod is the latest of its URLs'.
        // (One format, UTC: the latest is the greatest string.)
        let latest = text
            .split("<lastmod>")
            .skip(1)
            .map(|rest| rest.split("</lastmod>").next().unwrap())
            .max()
            .unwrap();
        assert_eq!(lastmod, latest, "{uri}");
        for url in part {
            assert!(listed.insert(url), "listed once");
        }
    }
    assert_eq!(listed, every, "the parts together list every public page");
    for missing in [
        "/sitemap-4.xml",
        "/sitemap-0.xml",
        "/sitemap-01.xml",
        "/sitemap-x.xml",
    ] {
        let res = client.get(missing).dispatch().await;
        assert_eq!(res.status(), Status::NotFound, "{missing}");
    }
    let (status, html) = get(&client, "/sitemap-1/").await;
    assert_eq!(status, Status::Ok);
    assert!(html.contains("Sitemap one"));
    let robots = client
        .get("/robots.txt")
        .dispatch()
        .await
        .into_string()
        .await
        .unwrap();
    assert!(
        robots.contains(&format!("Sitemap: {BASE}/sitemap.xml\n")),
        "{robots}"
    );

    // At the limit, one file, and no parts.
    let figment = f
        .figment()
        .merge(("base_url", BASE))
        .merge(("sitemap_urls", 7));
    let client = f.client_with(figment, Clock::system()).await;
    let listed =
        sitemap_urls(&xml(&client, "/sitemap.xml", "application/xml; charset=utf-8").await);
    assert_eq!(listed, every);
    let res = client.get("/sitemap-1.xml").dispatch().await;
    assert_eq!(res.status(), Status::NotFound);
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
    assert_eq!(entries[0].3, HOSTILE, "the summary, as written");
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
    assert_eq!(feed_entries(&text)[0].3, HOSTILE);
    let map = sitemap_urls(&xml(&client, "/sitemap.xml", "application/xml; charset=utf-8").await);
    assert_eq!(map, urls(&["/alpha/", "/alpha/tricky/"]));
}

/// README: "Feeds and the sitemap are served from the page cache (with
/// ETags and compression)". Each answers 304 to its own ETag, and brotli or
/// gzip when asked, the same document once decoded.
#[rocket::async_test]
async fn feeds_and_the_sitemap_carry_etags_and_are_compressed() {
    use std::io::Read;

    use rocket::http::Header;
    let (_f, client) = feed_site().await;
    for uri in ["/feed.xml", "/alpha/feed.xml", "/sitemap.xml"] {
        let res = client.get(uri).dispatch().await;
        assert_eq!(res.status(), Status::Ok, "{uri}");
        assert_eq!(res.headers().get_one("Content-Encoding"), None, "{uri}");
        let etag = res
            .headers()
            .get_one("ETag")
            .unwrap_or_else(|| panic!("{uri} has no ETag"))
            .to_string();
        let plain = res.into_string().await.unwrap();
        assert!(plain.starts_with("<?xml"), "{uri}: {plain}");

        let res = client
            .get(uri)
            .header(Header::new("If-None-Match", etag.clone()))
            .dispatch()
            .await;
        assert_eq!(res.status(), Status::NotModified, "{uri}");
        assert!(res.into_bytes().await.unwrap_or_default().is_empty());
        let res = client
            .get(uri)
            .header(Header::new("If-None-Match", "\"other\""))
            .dispatch()
            .await;
        assert_eq!(res.status(), Status::Ok, "{uri}: another ETag");

        let res = client
            .get(uri)
            .header(Header::new("Accept-Encoding", "gzip, deflate, br"))
            .dispatch()
            .await;
        assert_eq!(
            res.headers().get_one("Content-Encoding"),
            Some("br"),
            "{uri}"
        );
        assert_eq!(res.headers().get_one("ETag"), Some(etag.as_str()), "{uri}");
        let bytes = res.into_bytes().await.unwrap();
        let mut decoded = String::new();
        brotli::Decompressor::new(bytes.as_slice(), 4096)
            .read_to_string(&mut decoded)
            .unwrap_or_else(|e| panic!("{uri}: not brotli: {e}"));
        assert_eq!(decoded, plain, "{uri}: brotli");

        let res = client
            .get(uri)
            .header(Header::new("Accept-Encoding", "gzip"))
            .dispatch()
            .await;
        assert_eq!(
            res.headers().get_one("Content-Encoding"),
            Some("gzip"),
            "{uri}"
        );
        let bytes = res.into_bytes().await.unwrap();
        let mut decoded = String::new();
        flate2::read::GzDecoder::new(bytes.as_slice())
            .read_to_string(&mut decoded)
            .unwrap_or_else(|e| panic!("{uri}: not gzip: {e}"));
        assert_eq!(decoded, plain, "{uri}: gzip");
    }
}
