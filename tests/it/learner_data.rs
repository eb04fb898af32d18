//! What learners read about the site and its lessons beside the lessons
//! themselves: honest "Updated" dates (the same in feeds, the sitemap and
//! JSON-LD), search results that lead to the section the words are in with
//! snippets that keep blocks apart, and the site's description and icon.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, SystemTime};

use chrono::{NaiveDate, Utc};
use lectern::base::clock::Clock;
use lectern::db::entity::Role;
use lectern::web::templates::SiteView;
use rocket::http::Status;
use rocket::local::asynchronous::Client;
use sea_orm::ConnectionTrait;

use crate::admin::{edit_form, lesson_id, with};
use crate::common::{
    add_user, count, course, form, get, lesson, log_in, post, server_command, Fixture, PASSWORD,
};

const BASE: &str = "https://lessons.example.org";

async fn site(f: &Fixture) -> Client {
    f.client_with(f.figment().merge(("base_url", BASE)), Clock::system())
        .await
}

// ------------------------------------------------------------ dates

/// Runs git in `dir` as an author whose commits carry the moment `at`
/// (`None`: git's own clock), for both author and committer.
fn git_at(dir: &Path, at: Option<&str>, args: &[&str]) {
    let mut command = Command::new("git");
    command
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "Author")
        .env("GIT_AUTHOR_EMAIL", "author@example.org")
        .env("GIT_COMMITTER_NAME", "Author")
        .env("GIT_COMMITTER_EMAIL", "author@example.org");
    if let Some(at) = at {
        command
            .env("GIT_AUTHOR_DATE", at)
            .env("GIT_COMMITTER_DATE", at);
    }
    let out = command.output().expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Commits everything in `dir` at moment `at`.
fn commit_all(dir: &Path, at: &str, message: &str) {
    git_at(dir, None, &["add", "-A"]);
    git_at(dir, Some(at), &["commit", "-q", "-m", message]);
}

/// Sets a content file's modification time to noon (UTC) of `day`.
fn set_modified(f: &Fixture, rel: &str, day: &str) {
    let day = NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap();
    let noon = day.and_hms_opt(12, 0, 0).unwrap().and_utc().timestamp();
    let at = SystemTime::UNIX_EPOCH + Duration::from_secs(noon as u64);
    std::fs::File::options()
        .write(true)
        .open(f.content().join(rel))
        .unwrap()
        .set_modified(at)
        .unwrap();
}

/// The date a lesson page says it was updated: its JSON-LD `dateModified`,
/// which must also be the date shown on the page.
fn page_date(html: &str) -> String {
    let needle = "\"dateModified\":\"";
    let start = html
        .find(needle)
        .unwrap_or_else(|| panic!("no dateModified in {html}"))
        + needle.len();
    let date = html[start..start + html[start..].find('"').unwrap()].to_string();
    assert!(
        html.contains(&format!(">{date}<")),
        "the page shows {date} as well: {html}"
    );
    date
}

/// The date "Updated" shows on the lesson page at `uri`.
async fn shown(client: &Client, uri: &str) -> String {
    let (status, html) = get(client, uri).await;
    assert_eq!(status, Status::Ok, "{uri}");
    page_date(&html)
}

/// The dates of every lesson in the feed and the sitemap, by path, as
/// `YYYY-MM-DD`; each must be the date its page shows.
async fn dates_everywhere(client: &Client) -> BTreeMap<String, String> {
    const ATOM: &str = "http://www.w3.org/2005/Atom";
    const SITEMAP: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";
    let day = |stamp: &str| {
        chrono::DateTime::parse_from_rfc3339(stamp)
            .unwrap_or_else(|e| panic!("{stamp}: {e}"))
            .to_utc()
            .date_naive()
            .to_string()
    };
    let mut feed = BTreeMap::new();
    let text = get(client, "/feed.xml").await.1;
    let doc = roxmltree::Document::parse(&text).unwrap();
    for entry in doc
        .descendants()
        .filter(|n| n.has_tag_name((ATOM, "entry")))
    {
        let child = |name: &str| {
            entry
                .children()
                .find(|n| n.has_tag_name((ATOM, name)))
                .unwrap()
        };
        let path = child("id").text().unwrap().replace(BASE, "");
        feed.insert(path, day(child("updated").text().unwrap()));
    }
    let mut sitemap = BTreeMap::new();
    let text = get(client, "/sitemap.xml").await.1;
    let doc = roxmltree::Document::parse(&text).unwrap();
    for url in doc
        .descendants()
        .filter(|n| n.has_tag_name((SITEMAP, "url")))
    {
        let child = |name: &str| {
            url.children()
                .find(|n| n.has_tag_name((SITEMAP, name)))
                .and_then(|n| n.text())
                .unwrap()
                .to_string()
        };
        let path = child("loc").replace(BASE, "");
        if path.matches('/').count() == 3 {
            sitemap.insert(path, day(&child("lastmod")));
        }
    }
    assert_eq!(feed, sitemap, "the feed and the sitemap agree");
    for (path, date) in &feed {
        assert_eq!(
            &shown(client, path).await,
            date,
            "{path}: page and feed agree"
        );
    }
    feed
}

fn dates(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(p, d)| (p.to_string(), d.to_string()))
        .collect()
}

/// A fresh clone: the content folder sits inside a git repository (as
/// Lectern's own sample content does). Each lesson shows the date of the
/// last commit that touched its file, or its front matter's `updated`;
/// syncing again, starting again and rendering again move nothing; a commit
/// moves its files' dates only, also a commit of a file that was already
/// synced before it was committed.
#[rocket::async_test]
async fn lessons_show_the_date_of_their_last_commit_and_syncs_never_move_it() {
    let f = Fixture::new().await;
    let repo = f.dir.path();
    git_at(repo, None, &["init", "-q"]);
    std::fs::write(repo.join("README.md"), "The site's repository.\n").unwrap();
    // The test's SQLite database sits beside the content folder.
    std::fs::write(repo.join(".gitignore"), "test.db*\n").unwrap();
    f.write("alpha/_course.md", course("Alpha"));
    f.write("alpha/01-one.md", lesson("One", "First text."));
    f.write("alpha/02-two.md", lesson("Two", "Second text."));
    f.write(
        "alpha/03-three.md",
        "+++\ntitle = \"Three\"\nupdated = 2023-05-01\n+++\n\nThird text.\n",
    );
    commit_all(repo, "2024-01-10T12:00:00+00:00", "First lessons");
    f.write("alpha/02-two.md", lesson("Two", "Second text, revised."));
    commit_all(repo, "2024-02-20T12:00:00+00:00", "Revise two");
    std::fs::write(repo.join("README.md"), "Changed outside content.\n").unwrap();
    commit_all(repo, "2024-02-25T12:00:00+00:00", "Not a lesson");

    let client = site(&f).await;
    let expected = dates(&[
        ("/alpha/one/", "2024-01-10"),
        ("/alpha/two/", "2024-02-20"),
        ("/alpha/three/", "2023-05-01"),
    ]);
    assert_eq!(dates_everywhere(&client).await, expected);

    // Syncing again, starting again, rendering again: the same dates.
    let db = f.connect().await;
    f.sync(&db).await;
    assert_eq!(dates_everywhere(&site(&f).await).await, expected);
    db.execute_unprepared("UPDATE lessons SET render_version = 0")
        .await
        .unwrap();
    let again = lectern::content::rerender_stale(&db, &f.content())
        .await
        .unwrap();
    assert_eq!(again.lessons, 3);
    assert_eq!(dates_everywhere(&site(&f).await).await, expected);

    // A commit that changes only a field of one file dates that file.
    f.write(
        "alpha/01-one.md",
        "+++\ntitle = \"One\"\nsummary = \"About One\"\ntags = [\"new\"]\n+++\n\nFirst text.\n",
    );
    commit_all(repo, "2024-03-01T12:00:00+00:00", "Tag one");
    // A new file, synced before it is committed: its modification time,
    // then, unchanged, its commit's date.
    f.write("alpha/04-four.md", lesson("Four", "Fourth text."));
    set_modified(&f, "alpha/04-four.md", "2024-03-15");
    f.sync(&db).await;
    let client = site(&f).await;
    let mut expected = expected;
    expected.insert("/alpha/one/".into(), "2024-03-01".into());
    expected.insert("/alpha/four/".into(), "2024-03-15".into());
    assert_eq!(dates_everywhere(&client).await, expected);
    commit_all(repo, "2024-04-04T12:00:00+00:00", "Add four");
    let report = f.sync(&db).await;
    assert_eq!(report.updated.len() + report.created.len(), 0, "{report:?}");
    expected.insert("/alpha/four/".into(), "2024-04-04".into());
    assert_eq!(
        dates_everywhere(&client).await,
        expected,
        "the page cache was told"
    );

    // A file changed since its last commit (as `lectern export` leaves
    // one) has changed after that commit: its modification time, until
    // the change is committed.
    f.write("alpha/02-two.md", lesson("Two", "Second text, exported."));
    set_modified(&f, "alpha/02-two.md", "2024-05-05");
    f.sync(&db).await;
    expected.insert("/alpha/two/".into(), "2024-05-05".into());
    assert_eq!(dates_everywhere(&client).await, expected);
    commit_all(repo, "2024-06-06T12:00:00+00:00", "Export two");
    f.sync(&db).await;
    expected.insert("/alpha/two/".into(), "2024-06-06".into());
    assert_eq!(dates_everywhere(&client).await, expected);
}

/// Outside git, a lesson shows its file's modification time; an admin save
/// that leaves the text as it was moves nothing, one that changes it dates
/// it the day of the save, and a sync of the unchanged file keeps that.
#[rocket::async_test]
async fn outside_git_the_file_dates_a_lesson_and_admin_saves_move_it_only_with_the_text() {
    let f = Fixture::new().await;
    f.write("alpha/_course.md", course("Alpha"));
    f.write("alpha/01-one.md", lesson("One", "First text."));
    f.write("alpha/02-two.md", lesson("Two", "Second text."));
    set_modified(&f, "alpha/01-one.md", "2023-06-07");
    set_modified(&f, "alpha/02-two.md", "2023-06-08");
    let client = site(&f).await;
    let mut expected = dates(&[("/alpha/one/", "2023-06-07"), ("/alpha/two/", "2023-06-08")]);
    assert_eq!(dates_everywhere(&client).await, expected);

    // A row from before dates were kept (the migration dates it by its
    // last write) gets its file's date at the next sync.
    let db = f.connect().await;
    db.execute_unprepared("UPDATE lessons SET text_changed_at = updated_at")
        .await
        .unwrap();
    f.sync(&db).await;
    assert_eq!(dates_everywhere(&client).await, expected);

    // Started before the saves: no start-up sync comes between them and
    // the pages it reads.
    let anonymous = site(&f).await;
    add_user(&db, "ada", Role::Editor).await;
    assert_eq!(log_in(&client, "ada", PASSWORD).await, Status::SeeOther);
    let id = lesson_id(&f, "one").await;
    let fields = edit_form(&client, id).await;
    let edit = format!("/admin/lessons/{id}/edit");
    let same = with(&fields, &[("summary", "About One")]);
    let (status, _, _) = post(&client, &edit, &same).await;
    assert_eq!(status, Status::SeeOther, "saved");
    assert_eq!(
        count(&db, &format!("SELECT version FROM lessons WHERE id = {id}")).await,
        2,
        "a new version, the same text"
    );
    assert_eq!(shown(&anonymous, "/alpha/one/").await, "2023-06-07");

    let before = Utc::now().date_naive();
    let fields = edit_form(&client, id).await;
    let changed = with(
        &fields,
        &[("summary", "About One"), ("body_md", "New text.")],
    );
    let (status, _, _) = post(&client, &edit, &changed).await;
    assert_eq!(status, Status::SeeOther, "saved");
    let after = Utc::now().date_naive();
    let date = shown(&anonymous, "/alpha/one/").await;
    assert!(
        [before.to_string(), after.to_string()].contains(&date),
        "{date}: the day of the save"
    );
    expected.insert("/alpha/one/".into(), date);
    f.sync(&db).await;
    assert_eq!(dates_everywhere(&anonymous).await, expected);

    // Outside git a file's modification time is its date, also when only
    // the time changed.
    set_modified(&f, "alpha/02-two.md", "2023-07-01");
    f.sync(&db).await;
    expected.insert("/alpha/two/".into(), "2023-07-01".into());
    assert_eq!(dates_everywhere(&anonymous).await, expected);
}

/// The sample content as a fresh clone has it: inside the project's git
/// repository, each lesson shows its last commit's date, not today's.
#[rocket::async_test]
async fn the_sample_content_shows_the_dates_of_its_commits() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut expected = BTreeMap::new();
    let inside = Command::new("git")
        .arg("-C")
        .arg(root.join("content"))
        .args(["rev-parse", "--is-inside-work-tree"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        inside,
        "the sample content is in the project's git repository"
    );
    for course in ["backend-dev", "web-foundations"] {
        for entry in std::fs::read_dir(root.join("content").join(course)).unwrap() {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            let path = root.join("content").join(course).join(&name);
            if name.starts_with('_') || !name.ends_with(".md") {
                continue;
            }
            if std::fs::read_to_string(&path)
                .unwrap()
                .contains("\ndraft = true\n")
            {
                continue; // not public
            }
            let out = Command::new("git")
                .arg("-C")
                .arg(root)
                .args(["log", "-1", "--format=%at", "--"])
                .arg(format!("content/{course}/{name}"))
                .output()
                .unwrap();
            let secs: i64 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
            let date = chrono::DateTime::from_timestamp(secs, 0)
                .unwrap()
                .date_naive();
            let slug = name[3..name.len() - 3].to_string();
            expected.insert(format!("/{course}/{slug}/"), date.to_string());
        }
    }
    let f = Fixture::new().await;
    let figment = f
        .figment()
        .merge(("base_url", BASE))
        .merge(("content_dir", root.join("content")));
    let client = f.client_with(figment, Clock::system()).await;
    assert_eq!(dates_everywhere(&client).await, expected);
}

// ------------------------------------------------------------ search

/// The results page for `q`; must be a 200.
async fn search(client: &Client, q: &str) -> String {
    let uri = format!("/search?{}", form(&[("q", q)]));
    let (status, html) = get(client, &uri).await;
    assert_eq!(status, Status::Ok, "{uri}");
    html
}

/// Each result of a results page: (link, the section named, the snippet).
fn results(html: &str) -> Vec<(String, Option<String>, String)> {
    html.split("<li class=\"search-result\">")
        .skip(1)
        .map(|item| {
            let item = &item[..item.find("</li>").unwrap()];
            let between = |start: &str, end: &str| {
                item.find(start).map(|at| {
                    let rest = &item[at + start.len()..];
                    rest[..rest.find(end).unwrap()].to_string()
                })
            };
            (
                between("<h2 class=\"search-result-title\"><a href=\"", "\"").unwrap(),
                between("<span class=\"search-result-section\">", "</span>"),
                between("<p class=\"search-result-snippet\">", "</p>").unwrap_or_default(),
            )
        })
        .collect()
}

const SERVER_LESSON: &str = "Start the server and wait until the server is ready.\n\n\
    ## Run it\n\nIn your terminal, type `node server.js` and watch the panda.\n\n\
    - open a browser\n- visit the page\n\n\
    ### Look inside {#inside}\n\nThe request carries headers.\n\n\
    ## Stop it\n\nPress Ctrl+C to stop the koala.\n";

/// The issue's example: "…the server is ready. Run it In your terminal…".
/// A result links to the heading of the section holding the words, with
/// the id the page's table of contents uses, names the section, and its
/// snippet comes from that section alone, blocks kept apart.
#[rocket::async_test]
async fn results_lead_to_the_section_holding_the_words_and_keep_blocks_apart() {
    let f = Fixture::new().await;
    f.write("alpha/_course.md", course("Alpha"));
    f.write("alpha/01-server.md", lesson("Servers", SERVER_LESSON));
    let client = site(&f).await;

    let found = results(&search(&client, "terminal").await);
    assert_eq!(
        found,
        [(
            "/alpha/server/#run-it".to_string(),
            Some("“Run it”".to_string()),
            "In your <mark>terminal</mark>, type node server.js and watch the panda. · \
             open a browser · visit the page"
                .to_string()
        )]
    );
    // The page's table of contents links to the same heading.
    let page = get(&client, "/alpha/server/").await.1;
    assert!(page.contains("id=\"run-it\"") && page.contains("href=\"#run-it\""));
    assert!(page.contains("id=\"inside\"") && page.contains("href=\"#inside\""));

    // The section with most of the words wins; an explicit id is kept.
    // Words in two sections, one each: the first of them.
    let found = results(&search(&client, "panda request").await);
    assert_eq!(found[0].0, "/alpha/server/#run-it");
    let found = results(&search(&client, "carries headers").await);
    assert_eq!(found[0].0, "/alpha/server/#inside");
    assert_eq!(found[0].1.as_deref(), Some("“Look inside”"));
    assert_eq!(
        found[0].2,
        "The request <mark>carries</mark> <mark>headers</mark>."
    );
    let found = results(&search(&client, "stop koala").await);
    assert_eq!(found[0].0, "/alpha/server/#stop-it");
    assert!(
        !found[0].2.contains("Stop it"),
        "the heading is named, not repeated"
    );

    // Words before the first heading: the lesson's top, no section.
    let found = results(&search(&client, "ready").await);
    assert_eq!(
        found,
        [(
            "/alpha/server/".to_string(),
            None,
            "Start the server and wait until the server is <mark>ready</mark>.".to_string()
        )]
    );
    // No snippet ever runs a heading into the text after it.
    for word in ["server", "terminal", "browser", "headers", "ctrl", "ready"] {
        for (_, _, snippet) in results(&search(&client, word).await) {
            for joined in ["ready. Run it", "Run it In", "page Look", "headers. Stop"] {
                assert!(!snippet.contains(joined), "{word}: {snippet}");
            }
        }
    }
    // Words only in the title or summary: the summary, the lesson's top.
    let found = results(&search(&client, "servers").await);
    assert_eq!(found[0].0, "/alpha/server/");
    assert_eq!(found[0].2, "About <mark>Servers</mark>");
}

/// README, Search: the results page says how many lessons were found, in
/// its title too (what a screen reader says first).
#[rocket::async_test]
async fn the_results_page_says_how_many_lessons_were_found() {
    let f = Fixture::new().await;
    f.write("alpha/_course.md", course("Alpha"));
    for i in 1..=12 {
        f.write(
            &format!("alpha/{i:02}-l{i}.md"),
            lesson(&format!("L{i}"), "The wombat digs."),
        );
    }
    f.write("alpha/13-one.md", lesson("Lone", "A quetzal flies."));
    let client = site(&f).await;
    let title = |html: &str| {
        let start = html.find("<title>").unwrap() + 7;
        html[start..start + html[start..].find("</title>").unwrap()].to_string()
    };
    let html = search(&client, "wombat").await;
    assert!(
        html.contains("12 lessons found · showing 1–10, page 1 of 2"),
        "{html}"
    );
    assert!(
        title(&html).starts_with("Search: wombat (12 lessons found)"),
        "{html}"
    );
    let html = search(&client, "quetzal").await;
    assert!(html.contains(">1 lesson found<"), "{html}");
    assert!(title(&html).starts_with("Search: quetzal (1 lesson found)"));
    let html = search(&client, "okapi").await;
    assert!(
        html.contains("Nothing found: no lesson has all of these words"),
        "{html}"
    );
    assert!(title(&html).starts_with("Search: okapi (nothing found)"));
}

/// Rows written before sections were kept have none: their results lead to
/// the lesson until the next start fills them in; rendering a lesson again
/// (an upgrade of the renderer) makes them again with its headings.
#[rocket::async_test]
async fn lessons_stored_before_sections_were_kept_get_them_at_the_next_start() {
    let f = Fixture::new().await;
    f.write("alpha/_course.md", course("Alpha"));
    f.write("alpha/01-server.md", lesson("Servers", SERVER_LESSON));
    let client = site(&f).await;
    let db = f.connect().await;
    db.execute_unprepared("UPDATE lessons SET body_sections = NULL")
        .await
        .unwrap();
    let found = results(&search(&client, "terminal").await);
    assert_eq!(found[0].0, "/alpha/server/");
    assert!(found[0].2.contains("panda. · open a browser"), "{found:?}");
    assert!(found[0].2.contains(" · Look inside · "), "{found:?}");
    lectern::db::migrate(&db).await.unwrap();
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM lessons WHERE body_sections IS NULL"
        )
        .await,
        0
    );
    assert_eq!(
        results(&search(&client, "terminal").await)[0].0,
        "/alpha/server/#run-it"
    );

    db.execute_unprepared("UPDATE lessons SET body_sections = '[]', render_version = 0")
        .await
        .unwrap();
    lectern::content::rerender_stale(&db, &f.content())
        .await
        .unwrap();
    assert_eq!(
        results(&search(&client, "terminal").await)[0].0,
        "/alpha/server/#run-it"
    );
}

// ------------------------------------------------------------ settings

/// GETs `uri`: status, content type, cache policy and body.
async fn fetch(client: &Client, uri: &str) -> (Status, String, String, Vec<u8>) {
    let res = client.get(uri.to_string()).dispatch().await;
    let header = |name: &str| res.headers().get_one(name).unwrap_or_default().to_string();
    let (status, content_type, cache) = (
        res.status(),
        header("Content-Type"),
        header("Cache-Control"),
    );
    (
        status,
        content_type,
        cache,
        res.into_bytes().await.unwrap_or_default(),
    )
}

/// The site's description and icon: defaults, and each setting taking
/// effect. The icon is served at its fingerprinted URL for a year and at
/// `/favicon.ico` (never a 404, which browsers log as an error).
#[rocket::async_test]
async fn the_site_description_and_icon_have_defaults_and_settings() {
    let f = Fixture::new().await;
    let client = f.client().await;
    let site = client.rocket().state::<SiteView>().unwrap();
    assert_eq!(
        site.description,
        "Courses and lessons to learn from, written to be read on any screen."
    );
    let own =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("static/favicon.svg")).unwrap();
    assert!(
        site.favicon_url.starts_with("/favicon.svg?v="),
        "{}",
        site.favicon_url
    );
    let (status, kind, cache, body) = fetch(&client, &site.favicon_url).await;
    assert_eq!((status, kind.as_str()), (Status::Ok, "image/svg+xml"));
    assert_eq!(cache, "public, max-age=31536000, immutable");
    assert_eq!(body, own);
    let (status, kind, cache, body) = fetch(&client, "/favicon.ico").await;
    assert_eq!(
        (status, kind.as_str(), body),
        (Status::Ok, "image/svg+xml", own)
    );
    assert_eq!(
        cache, "no-cache",
        "not the fingerprinted URL: checked again"
    );
    assert_eq!(fetch(&client, "/favicon.png").await.0, Status::NotFound);

    let icon = f.dir.path().join("brand.png");
    let png = b"\x89PNG\r\n\x1a\n the rest of a PNG".to_vec();
    std::fs::write(&icon, &png).unwrap();
    let figment = f
        .figment()
        .merge(("site_description", "Lessons on keeping bees."))
        .merge(("favicon", &icon));
    let client = f.client_with(figment, Clock::system()).await;
    let site = client.rocket().state::<SiteView>().unwrap();
    assert_eq!(site.description, "Lessons on keeping bees.");
    assert!(
        site.favicon_url.starts_with("/favicon.png?v="),
        "{}",
        site.favicon_url
    );
    for uri in [site.favicon_url.as_str(), "/favicon.ico"] {
        let (status, kind, _, body) = fetch(&client, uri).await;
        assert_eq!((status, kind.as_str()), (Status::Ok, "image/png"), "{uri}");
        assert_eq!(body, png, "{uri}");
    }
    assert_eq!(fetch(&client, "/favicon.svg").await.0, Status::NotFound);
}

/// A `favicon` that cannot be used stops start-up, saying why in words.
#[rocket::async_test]
async fn a_favicon_that_cannot_be_used_stops_start_up_with_a_message() {
    let f = Fixture::new().await;
    let fake = f.dir.path().join("icon.png");
    std::fs::write(&fake, "<svg></svg>").unwrap();
    let missing = f.dir.path().join("missing.svg");
    let cases = [
        (fake.clone(), "is named .png but does not hold a PNG image"),
        (missing, "cannot be read"),
        (
            f.dir.path().join("icon.gif"),
            "must be an icon file named .svg, .png or .ico",
        ),
    ];
    for (path, message) in cases {
        let port = crate::common::free_port();
        let mut child = server_command(&f, port)
            .env("ROCKET_FAVICON", &path)
            .stderr(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // It stops by itself; the minute only catches a server that started.
        let begun = std::time::Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if begun.elapsed() > Duration::from_secs(60) {
                child.kill().unwrap();
                child.wait().unwrap();
                panic!("started with favicon {}", path.display());
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        assert!(!status.success(), "{}", path.display());
        let out = child.wait_with_output().unwrap();
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            said.contains(&format!("favicon “{}” {message}", path.display())),
            "{said}"
        );
    }
}

/// Stylesheets and scripts are sent compressed (brotli, else gzip) to a
/// browser that takes it, whole to one that does not; images as they are.
#[rocket::async_test]
async fn stylesheets_and_scripts_are_sent_compressed_when_the_browser_takes_it() {
    use std::io::Read;
    let f = Fixture::new().await;
    let client = f.client().await;
    let site = client.rocket().state::<SiteView>().unwrap().clone();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("static");
    for (url, file) in [(&site.css_url, "style.css"), (&site.js_url, "site.js")] {
        let plain = std::fs::read(root.join(file)).unwrap();
        for (accept, encoding) in [
            ("gzip, deflate, br", "br"),
            ("gzip", "gzip"),
            ("identity", ""),
        ] {
            let res = client
                .get(url.to_string())
                .header(rocket::http::Header::new("Accept-Encoding", accept))
                .dispatch()
                .await;
            assert_eq!(res.status(), Status::Ok, "{url}");
            let header = |name: &str| res.headers().get_one(name).unwrap_or_default().to_string();
            assert_eq!(header("Content-Encoding"), encoding, "{url} for {accept}");
            assert_eq!(
                header("Cache-Control"),
                "public, max-age=31536000, immutable"
            );
            if !encoding.is_empty() {
                assert_eq!(header("Vary"), "Accept-Encoding", "{url}");
            }
            let bytes = res.into_bytes().await.unwrap();
            let mut body = Vec::new();
            match encoding {
                "br" => brotli::Decompressor::new(bytes.as_slice(), 4096)
                    .read_to_end(&mut body)
                    .map(|_| ())
                    .unwrap(),
                "gzip" => flate2::read::GzDecoder::new(bytes.as_slice())
                    .read_to_end(&mut body)
                    .map(|_| ())
                    .unwrap(),
                _ => body = bytes.clone(),
            }
            assert_eq!(body, plain, "{url} for {accept}");
            if !encoding.is_empty() {
                assert!(
                    bytes.len() < plain.len() / 2,
                    "{url}: {} bytes",
                    bytes.len()
                );
            }
        }
    }
    let icon = client
        .get("/favicon.ico")
        .header(rocket::http::Header::new("Accept-Encoding", "br"))
        .dispatch()
        .await;
    assert_eq!(icon.headers().get_one("Content-Encoding"), None);
}
