//! What the README promises about setting Lectern up and running it: a bad
//! `base_url` stops start-up, the SQLite folder is made, templates can be
//! overridden, and the binary serves from any directory with its templates
//! and styles inside it.

use std::path::Path;

use lectern::base::clock::Clock;
use rocket::http::Status;
use rocket::local::asynchronous::Client;
use sea_orm::{ConnectionTrait, Statement};

use crate::common::{
    free_port, get, http_get, server_command, wait_until_healthy, Fixture, Server,
};

#[rocket::async_test]
async fn a_malformed_base_url_stops_start_up() {
    let f = Fixture::with_sample_content().await;
    for bad in [
        "lessons.example.org",
        "https://lessons.example.org/path",
        "ftp://x",
    ] {
        let figment = f.figment().merge(("base_url", bad));
        let parts = lectern::Parts {
            db: Some(f.connect().await),
            ..Default::default()
        };
        match Client::tracked(lectern::build_with(figment, parts)).await {
            // Inspecting the error is what keeps Rocket from panicking on it.
            Err(e) => assert!(
                matches!(e.kind(), rocket::error::ErrorKind::FailedFairings(_)),
                "{e}"
            ),
            Ok(_) => panic!("started with base_url = {bad}"),
        }
    }
    let good = f
        .figment()
        .merge(("base_url", "https://lessons.example.org"));
    let client = f.client_with(good, Clock::system()).await;
    assert_eq!(get(&client, "/").await.0, Status::Ok);
}

/// A fresh machine: the database's folder does not exist yet.
#[rocket::async_test]
async fn the_sqlite_folder_is_made_and_runs_in_wal_with_foreign_keys() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("data/nested/lectern.db");
    let url = format!("sqlite://{}?mode=rwc", file.display());
    let db = lectern::db::connect(&url).await.unwrap();
    lectern::db::migrate(&db).await.unwrap();
    assert!(file.is_file(), "{} was not made", file.display());
    let pragma = |name: &'static str| {
        let db = &db;
        async move {
            let row = db
                .query_one_raw(Statement::from_string(
                    db.get_database_backend(),
                    format!("PRAGMA {name}"),
                ))
                .await
                .unwrap()
                .unwrap();
            row.try_get_by_index::<String>(0)
                .or_else(|_| row.try_get_by_index::<i64>(0).map(|n| n.to_string()))
                .unwrap()
        }
    };
    assert_eq!(pragma("journal_mode").await, "wal");
    assert_eq!(pragma("foreign_keys").await, "1");
    assert_ne!(pragma("busy_timeout").await, "0");
}

#[rocket::async_test]
async fn a_template_in_template_dir_overrides_the_built_in_one() {
    let f = Fixture::with_sample_content().await;
    let theme = f.dir.path().join("theme");
    std::fs::create_dir_all(theme.join("site")).unwrap();
    std::fs::write(
        theme.join("site/home.html.tera"),
        "<!doctype html><title>{{ site.title }}</title><p>A themed home</p>",
    )
    .unwrap();
    let figment = f.figment().merge(("template_dir", &theme));
    let client = f.client_with(figment, Clock::system()).await;
    let (status, home) = get(&client, "/").await;
    assert_eq!(status, Status::Ok);
    assert!(home.contains("<p>A themed home</p>"), "{home}");
    // The templates not overridden are the built-in ones.
    let (status, page) = get(&client, "/backend-dev/install-node/").await;
    assert_eq!(status, Status::Ok);
    assert!(page.contains("Installing Node"), "{page}");
    assert!(!page.contains("A themed home"));
}

/// The release layout: one binary, started from a folder that holds no
/// templates, styles or Rocket.toml.
#[rocket::async_test]
async fn the_binary_serves_from_any_folder_with_its_templates_and_styles_inside() {
    let f = Fixture::with_sample_content().await;
    let elsewhere = f.dir.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    assert!(!Path::new(&elsewhere).join("templates").exists());
    let port = free_port();
    let _server = Server(
        server_command(&f, port)
            .current_dir(&elsewhere)
            .env_remove("ROCKET_TEMPLATE_DIR")
            .spawn()
            .unwrap(),
    );
    wait_until_healthy(port);
    let (status, home) = http_get(port, "/").unwrap();
    assert_eq!(status, 200);
    assert!(
        home.contains("Backend Dev 101") || home.contains("backend-dev"),
        "{home}"
    );
    let css = home
        .split("rel=\"stylesheet\" href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a stylesheet link")
        .to_string();
    let (status, style) = http_get(port, &css).unwrap();
    assert_eq!(status, 200, "{css}");
    // Light and dark schemes, and print without navigation.
    assert!(
        style.contains("prefers-color-scheme: dark"),
        "no dark scheme in {css}"
    );
    assert!(style.contains("@media print"), "no print rules in {css}");
    let (status, page) = http_get(port, "/backend-dev/install-node/").unwrap();
    assert_eq!(status, 200);
    assert!(page.contains("Installing Node"));

    // README, Print: "lesson and whole-course pages print without
    // navigation, with link targets written out"; the one-page view puts
    // each lesson on a new page. Read from the print rules themselves.
    let (status, all) = http_get(port, "/backend-dev/all/").unwrap();
    assert_eq!(status, 200);
    let rules = print_rules(&style);
    let mut missing = Vec::new();
    // Navigation: skip link, breadcrumb, table of contents, pager, footer,
    // the search box and result pages; each on a page, and none in print.
    for (class, on) in [
        ("skip-link", &page),
        ("breadcrumb", &page),
        ("toc", &page),
        ("pager", &page),
        ("site-footer", &page),
        ("site-search", &page),
        ("breadcrumb", &all),
        ("site-search", &all),
        ("all-lesson-link", &all),
    ] {
        if !on.contains(&format!("class=\"{class}")) && !on.contains(&format!(" {class}\"")) {
            missing.push(format!("no .{class} on the page to hide"));
        }
        let hidden = rules.iter().any(|(selectors, decls)| {
            selectors.iter().any(|s| s == &format!(".{class}")) && decls.contains("display: none")
        });
        if !hidden {
            missing.push(format!(".{class} is not hidden in print"));
        }
    }
    // Link targets written out after the link text.
    let targets = rules.iter().any(|(selectors, decls)| {
        selectors
            .iter()
            .any(|s| s.contains("a[href") && s.ends_with("::after"))
            && decls.contains("content:")
            && decls.contains("attr(href)")
    });
    if !targets {
        missing.push("no a[href]::after { content: attr(href) } in print".into());
    }
    // Each lesson of the one-page view on a new page.
    let lessons = all.matches("<article class=\"all-lesson\"").count();
    if lessons != 5 {
        missing.push(format!("{lessons} lessons in the one-page view, not 5"));
    }
    let new_page = rules.iter().any(|(selectors, decls)| {
        selectors.iter().any(|s| s == ".all-lesson")
            && (decls.contains("break-before: page") || decls.contains("page-break-before: always"))
    });
    if !new_page {
        missing.push(".all-lesson does not start a new page in print".into());
    }
    assert!(missing.is_empty(), "{missing:#?}");
}

/// The rules inside a stylesheet's `@media print { … }` blocks, as (each
/// selector, the declarations), comments dropped and white space made one
/// space.
fn print_rules(css: &str) -> Vec<(Vec<String>, String)> {
    let squash = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut css = css.to_string();
    while let Some(start) = css.find("/*") {
        let end = css[start..].find("*/").map_or(css.len(), |e| start + e + 2);
        css.replace_range(start..end, " ");
    }
    let mut rules = Vec::new();
    let mut rest = css.as_str();
    while let Some(at) = rest.find("@media print") {
        let open = at + rest[at..].find('{').expect("a print block");
        let mut depth = 0;
        let mut close = rest.len();
        for (i, c) in rest[open..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        close = open + i;
                        break;
                    }
                }
                _ => {}
            }
        }
        let mut block = &rest[open + 1..close];
        while let Some(o) = block.find('{') {
            let c = o + block[o..].find('}').expect("a rule's end");
            let selectors = block[..o].split(',').map(squash).collect();
            rules.push((selectors, squash(&block[o + 1..c])));
            block = &block[c + 1..];
        }
        rest = &rest[(close + 1).min(rest.len())..];
    }
    rules
}

/// README, settings: `site_title` is the header and page titles, `site_lang`
/// the pages' `lang`. Set both: home, course, lesson and one-page view show
/// them, and the default ("Lectern", "en") is nowhere.
#[rocket::async_test]
async fn site_title_and_site_lang_take_effect() {
    let f = Fixture::with_sample_content().await;
    let figment = f
        .figment()
        .merge(("site_title", "Dev School"))
        .merge(("site_lang", "fr"));
    let client = f.client_with(figment, Clock::system()).await;
    for (uri, title) in [
        ("/", "Dev School"),
        ("/backend-dev/", "Backend Developer · Dev School"),
        (
            "/backend-dev/install-node/",
            "Installing Node.js · Dev School",
        ),
        (
            "/backend-dev/all/",
            "Backend Developer (all lessons) · Dev School",
        ),
    ] {
        let (status, html) = get(&client, uri).await;
        assert_eq!(status, Status::Ok, "{uri}");
        assert!(html.contains("<html lang=\"fr\">"), "{uri}: {html}");
        let shown = html
            .split("<title>")
            .nth(1)
            .and_then(|t| t.split("</title>").next())
            .unwrap_or_else(|| panic!("{uri} has no <title>"));
        assert_eq!(shown, title, "{uri}");
        assert!(
            html.contains(r#"<a class="site-title" href="/">Dev School</a>"#),
            "{uri}: the header"
        );
        assert!(
            !html.contains("Lectern"),
            "{uri}: the default title is gone"
        );
        assert!(!html.contains("lang=\"en\""), "{uri}");
    }
    let (_, home) = get(&client, "/").await;
    assert!(home.contains(r#"<h1 class="page-title">Dev School</h1>"#));
    // The feeds name the site and its language too.
    let (_, feed) = get(&client, "/feed.xml").await;
    assert!(feed.contains(r#"xml:lang="fr""#), "{feed}");
    assert!(feed.contains("<title>Dev School</title>"), "{feed}");
}
