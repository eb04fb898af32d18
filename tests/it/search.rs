//! Search at scale (issue 20): how results are ranked and counted when a
//! word is in more lessons than a search ranks (`db::search::RANKED`),
//! paging through them, visibility of every hit, and hostile queries. The
//! basics (a word in a body, snippets, sections) are in `discovery`.

use std::collections::BTreeSet;

use rocket::http::Status;
use rocket::local::asynchronous::Client;

use crate::common::{course, form, get, Fixture};

/// A lesson file with its own summary and front matter.
fn lesson_file(title: &str, summary: &str, front: &str, body: &str) -> String {
    format!("+++\ntitle = \"{title}\"\nsummary = \"{summary}\"\n{front}\n+++\n\n{body}\n")
}

/// The results page for `q`, page `page` (when given); must be a 200.
async fn search_page(client: &Client, q: &str, page: Option<&str>) -> String {
    let mut fields = vec![("q", q)];
    if let Some(page) = page {
        fields.push(("page", page));
    }
    let uri = format!("/search?{}", form(&fields));
    let (status, html) = get(client, &uri).await;
    assert_eq!(status, Status::Ok, "{uri}");
    html
}

async fn search(client: &Client, q: &str) -> String {
    search_page(client, q, None).await
}

/// The lesson URLs a results page links to (section anchors dropped), in
/// order.
fn results(html: &str) -> Vec<String> {
    let needle = "<h2 class=\"search-result-title\"><a href=\"";
    html.match_indices(needle)
        .map(|(at, _)| {
            let start = at + needle.len();
            let url = &html[start..start + html[start..].find('"').unwrap()];
            url.split('#').next().unwrap().to_string()
        })
        .collect()
}

/// The text of the page's count line.
fn count_line(html: &str) -> String {
    let needle = "<p class=\"meta search-count\">";
    let start = html.find(needle).expect("a count line") + needle.len();
    html[start..start + html[start..].find("</p>").unwrap()].to_string()
}

// ------------------------------------------------------------ ranking

/// Lessons holding "gecko" in their title, summary or body only.
fn write_gecko_lessons(f: &Fixture) {
    f.write("alpha/_course.md", course("Alpha"));
    f.write(
        "alpha/01-body.md",
        lesson_file(
            "Plain",
            "Nothing here",
            "",
            "A gecko, a gecko, a gecko and a gecko on warm rocks.",
        ),
    );
    f.write(
        "alpha/02-summary.md",
        lesson_file("Pets", "All about the gecko", "", "Feeding and water."),
    );
    f.write(
        "alpha/03-care.md",
        lesson_file("Gecko care", "Keeping one well", "", "Warm rocks at night."),
    );
    f.write(
        "alpha/04-lamps.md",
        lesson_file("Gecko lamps", "Light and heat", "", "Bulbs and timers."),
    );
    f.write(
        "alpha/05-habitats.md",
        lesson_file("Gecko habitats", "Rocks and sand", "", "Tanks."),
    );
}

#[rocket::async_test]
async fn lessons_with_the_words_in_their_title_come_first() {
    let f = Fixture::new().await;
    write_gecko_lessons(&f);
    let client = f.client().await;
    let found = results(&search(&client, "gecko").await);
    assert_eq!(found.len(), 5, "{found:?}");
    // Titles first (among themselves by how well the title matches), then
    // the summary, then the body that says "gecko" four times.
    let titles: BTreeSet<&str> = found[..3].iter().map(String::as_str).collect();
    assert_eq!(
        titles,
        BTreeSet::from(["/alpha/care/", "/alpha/habitats/", "/alpha/lamps/"])
    );
    assert_eq!(found[3..], ["/alpha/summary/", "/alpha/body/"]);
    // Every word in the title and summary together beats words spread into
    // the body; the body-only lessons follow.
    let found = results(&search(&client, "gecko rocks").await);
    assert_eq!(found[0], "/alpha/habitats/", "{found:?}");
    let rest: BTreeSet<&str> = found[1..].iter().map(String::as_str).collect();
    assert_eq!(rest, BTreeSet::from(["/alpha/body/", "/alpha/care/"]));
    // The last word is a prefix in the title too.
    assert_eq!(
        results(&search(&client, "gecko hab").await),
        ["/alpha/habitats/"]
    );
}

// ------------------------------------------------------------ many matches

/// Lessons in a course, each with "everywhere" in its body.
const PER_COURSE: usize = 255;
const COURSES: usize = 4;

/// 1,020 public lessons holding "everywhere"; 12 of them "seldom"; one
/// (the last written) with "everywhere" in its title. Hidden lessons with
/// "everywhere" in their titles: a draft, a scheduled one, and one in a
/// draft course.
fn write_many(f: &Fixture) {
    for c in 1..=COURSES {
        f.write(&format!("c{c}/_course.md"), course(&format!("Course {c}")));
        for n in 1..=PER_COURSE {
            let seldom = if n % 85 == 0 { " A seldom word." } else { "" };
            f.write(
                &format!("c{c}/{n:03}-l{n}.md"),
                lesson_file(
                    &format!("Lesson {c} {n}"),
                    "A lesson",
                    "",
                    &format!("Words everywhere, {n} of them.{seldom}"),
                ),
            );
        }
    }
    f.write(
        &format!("c{COURSES}/999-titled.md"),
        lesson_file("Everywhere at once", "A lesson", "", "Text."),
    );
    f.write(
        "c1/998-draft.md",
        lesson_file("Everywhere draft", "A lesson", "draft = true", "Text."),
    );
    f.write(
        "c2/998-later.md",
        lesson_file(
            "Everywhere later",
            "A lesson",
            "publish_at = 2099-01-01T00:00:00Z",
            "Text.",
        ),
    );
    f.write(
        "hidden/_course.md",
        "+++\ntitle = \"Hidden\"\ndraft = true\n+++\n\nHidden course.\n",
    );
    f.write(
        "hidden/01-everywhere.md",
        lesson_file("Everywhere hidden", "A lesson", "", "Text."),
    );
}

#[rocket::async_test]
async fn a_word_in_more_lessons_than_are_ranked_pages_through_the_best() {
    let f = Fixture::new().await;
    write_many(&f);
    let client = f.client().await;

    let first = search(&client, "everywhere").await;
    assert_eq!(
        count_line(&first),
        "More than 1,000 lessons found · showing 1–10, page 1 of 100"
    );
    assert!(
        first.contains("<title>Search: everywhere (more than 1,000 lessons found)"),
        "the title says it too"
    );
    assert!(first.contains("The 1,000 best matches are listed"));
    // The title match comes first, though its id is past the lessons read.
    let page1 = results(&first);
    assert_eq!(page1.len(), 10);
    assert_eq!(page1[0], "/c4/titled/");

    // Page 2 continues page 1, the same on every request; no lesson twice.
    let page2 = results(&search_page(&client, "everywhere", Some("2")).await);
    assert_eq!(
        page2,
        results(&search_page(&client, "everywhere", Some("2")).await)
    );
    let page3 = results(&search_page(&client, "everywhere", Some("3")).await);
    let last = search_page(&client, "everywhere", Some("100")).await;
    assert!(count_line(&last).ends_with("showing 991–1000, page 100 of 100"));
    let page100 = results(&last);
    let all: Vec<&String> = [&page1, &page2, &page3, &page100]
        .into_iter()
        .flatten()
        .collect();
    assert_eq!(all.len(), 40);
    assert_eq!(all.iter().collect::<BTreeSet<_>>().len(), 40, "{all:?}");
    // Past the last page: the last page.
    let past = search_page(&client, "everywhere", Some("101")).await;
    assert_eq!(results(&past), page100);

    // No hidden lesson on any of them, though their titles match.
    for url in &all {
        assert!(url.starts_with("/c"), "{url}");
        assert!(
            !url.ends_with("/draft/") && !url.ends_with("/later/"),
            "{url}"
        );
    }

    // A rarer word is counted exactly and all its lessons listed.
    let seldom = search(&client, "seldom").await;
    assert_eq!(
        count_line(&seldom),
        "12 lessons found · showing 1–10, page 1 of 2"
    );
    assert!(!seldom.contains("best matches are listed"));
    let both: BTreeSet<String> = results(&seldom)
        .into_iter()
        .chain(results(&search_page(&client, "seldom", Some("2")).await))
        .collect();
    assert_eq!(both.len(), 12);
    // Two words, one common and one rare: exact too.
    assert!(count_line(&search(&client, "everywhere seldom").await).starts_with("12 lessons"));
}

#[rocket::async_test]
async fn hidden_lessons_are_never_hits() {
    let f = Fixture::new().await;
    write_gecko_lessons(&f);
    f.write(
        "alpha/06-draft.md",
        lesson_file("Gecko draft", "Unfinished", "draft = true", "Gecko."),
    );
    f.write(
        "alpha/07-later.md",
        lesson_file(
            "Gecko later",
            "Scheduled",
            "publish_at = 2099-01-01T00:00:00Z",
            "Gecko.",
        ),
    );
    f.write(
        "beta/_course.md",
        "+++\ntitle = \"Beta\"\ndraft = true\n+++\n\nHidden course.\n",
    );
    f.write(
        "beta/01-gecko.md",
        lesson_file("Gecko hidden", "In a draft course", "", "Gecko."),
    );
    let client = f.client().await;
    let html = search(&client, "gecko").await;
    let found = results(&html);
    assert_eq!(found.len(), 5, "{found:?}");
    assert!(found.iter().all(|u| u.starts_with("/alpha/")));
    assert!(!found
        .iter()
        .any(|u| u.ends_with("/draft/") || u.ends_with("/later/")));
    assert_eq!(count_line(&html), "5 lessons found");
    for q in ["gecko draft", "gecko later", "gecko hidden", "unfinished"] {
        assert!(results(&search(&client, q).await).is_empty(), "{q}");
    }
}

// ------------------------------------------------------------ hostile input

#[rocket::async_test]
async fn query_syntax_typed_by_a_visitor_is_only_words() {
    let f = Fixture::new().await;
    write_gecko_lessons(&f);
    let client = f.client().await;
    let gecko = results(&search(&client, "gecko").await);
    // Operators, quotes, column filters and prefixes are not syntax: what
    // remains of them is the word.
    for q in [
        "gecko*",
        "\"gecko\"",
        "-gecko",
        "(gecko)",
        "^gecko",
        "gecko:",
        "'gecko'",
        "+gecko",
        "gecko;",
    ] {
        assert_eq!(results(&search(&client, q).await), gecko, "{q}");
    }
    // Column filters and operators become words every lesson must hold.
    for q in [
        "{title summary} : gecko",
        "title:gecko",
        "gecko NOT rocks",
        "gecko OR zebra",
        "NEAR(gecko rocks)",
        "gecko' | 'x",
        "'; DROP TABLE lessons; --",
        "*",
        "\"",
        "{",
        "):*",
    ] {
        let found = results(&search(&client, q).await);
        assert!(found.is_empty(), "{q}: {found:?}");
    }
    // Negation is not syntax either; a NUL splits words.
    let both = results(&search(&client, "gecko rocks").await);
    assert_eq!(both.len(), 3);
    for q in [
        "gecko & !rocks",
        "gecko -rocks",
        "gecko\u{0}rocks",
        "gecko/rocks",
    ] {
        assert_eq!(results(&search(&client, q).await), both, "{q}");
    }
    // The lessons are all still there.
    assert_eq!(results(&search(&client, "gecko").await), gecko);
}
