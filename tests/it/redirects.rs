//! Old URLs keep working: front matter aliases and changed slugs answer 301
//! with the page's current URL, in one hop, never over a live page.

use lectern::db::entity::Role;
use rocket::http::Status;
use rocket::local::asynchronous::Client;

use crate::common::{add_user, count, course, csrf, lesson, log_in, post, Fixture, PASSWORD};

async fn location(client: &Client, uri: &str) -> (Status, Option<String>) {
    let res = client.get(uri.to_string()).dispatch().await;
    (
        res.status(),
        res.headers().get_one("Location").map(str::to_string),
    )
}

fn site() -> impl Fn(&Fixture) {
    |f: &Fixture| {
        f.write("intro/_course.md", course("Intro"));
        f.write("intro/01-hello.md", "+++\ntitle = \"Hello\"\naliases = [\"/old/intro/\", \"/legacy-page.html\", \"/old/no-slash\"]\n+++\nHi.\n");
        f.write("intro/02-world.md", lesson("World", "W."));
    }
}

#[rocket::async_test]
async fn aliases_redirect_permanently_to_the_lesson() {
    let f = Fixture::new().await;
    site()(&f);
    let client = f.client().await;
    for old in [
        "/old/intro/",
        "/old/intro",
        "/legacy-page.html",
        "/old/no-slash/",
    ] {
        assert_eq!(
            location(&client, old).await,
            (Status::MovedPermanently, Some("/intro/hello/".into())),
            "{old}"
        );
    }
    // Dropping an alias from the file drops the redirect.
    f.write(
        "intro/01-hello.md",
        "+++\ntitle = \"Hello\"\naliases = [\"/old/intro/\"]\n+++\nHi.\n",
    );
    f.sync(&f.connect().await).await;
    assert_eq!(
        location(&client, "/legacy-page.html").await.0,
        Status::NotFound
    );
    assert_eq!(
        location(&client, "/old/intro/").await.0,
        Status::MovedPermanently
    );
}

#[rocket::async_test]
async fn aliases_over_live_pages_or_the_site_itself_are_refused_naming_the_file() {
    let f = Fixture::new().await;
    site()(&f);
    // The `aliases` field on line 5 of the file.
    f.write("intro/03-bad.md", "+++\ntitle = \"Bad\"\nsummary = \"B\"\nweight = 3\naliases = [\"/intro/world/\", \"/admin/users/\", \"relative/path\", \"/old/intro/\"]\n+++\nB.\n");
    let report = lectern::content::check(&f.content()).unwrap();
    // Every error is about the bad file, at the line of its `aliases`.
    let where_ = |diags: &[lectern::content::Diagnostic]| -> Vec<(String, Option<usize>)> {
        diags
            .iter()
            .filter(|d| d.is_error())
            .map(|d| (d.path.clone(), d.line))
            .collect()
    };
    let bad_line_5 = vec![("intro/03-bad.md".to_string(), Some(5)); 4];
    assert_eq!(
        where_(&report.diagnostics),
        bad_line_5,
        "{:#?}",
        report.diagnostics
    );
    let about: Vec<String> = report
        .diagnostics
        .iter()
        .filter(|d| d.path == "intro/03-bad.md")
        .map(|d| d.to_string())
        .collect();
    assert_eq!(about.len(), 4, "{about:#?}");
    assert!(
        about
            .iter()
            .all(|d| d.starts_with("intro/03-bad.md:5: error: alias")),
        "{about:#?}"
    );
    assert!(about.iter().any(|d| d.contains("live page")));
    assert!(about.iter().any(|d| d.contains("belongs to the site")));
    assert!(about
        .iter()
        .any(|d| d.contains("already an alias of intro/01-hello.md")));
    let db = f.connect().await;
    let sync = f.sync(&db).await;
    // Sync names the same file and line.
    assert_eq!(
        where_(&sync.diagnostics),
        bad_line_5,
        "{:#?}",
        sync.diagnostics
    );
    let client = f.client().await;
    assert_eq!(
        location(&client, "/intro/world/").await.0,
        Status::Ok,
        "the live page wins"
    );
    assert_eq!(
        location(&client, "/old/intro/").await.1.as_deref(),
        Some("/intro/hello/")
    );
}

#[rocket::async_test]
async fn a_changed_slug_redirects_in_one_hop_and_never_over_a_live_page() {
    let f = Fixture::new().await;
    site()(&f);
    let db = f.connect().await;
    f.sync(&db).await;
    f.write(
        "intro/02-world.md",
        "+++\ntitle = \"World\"\nslug = \"planet\"\n+++\nW.\n",
    );
    f.sync(&db).await;
    f.write(
        "intro/02-world.md",
        "+++\ntitle = \"World\"\nslug = \"globe\"\n+++\nW.\n",
    );
    f.sync(&db).await;
    let client = f.client().await;
    // Both old URLs go straight to the current one.
    assert_eq!(
        location(&client, "/intro/world/").await,
        (Status::MovedPermanently, Some("/intro/globe/".into()))
    );
    assert_eq!(
        location(&client, "/intro/planet/").await,
        (Status::MovedPermanently, Some("/intro/globe/".into()))
    );
    // Back to an old slug: that URL is live again, the other redirects there.
    f.write(
        "intro/02-world.md",
        "+++\ntitle = \"World\"\nslug = \"planet\"\n+++\nW.\n",
    );
    f.sync(&db).await;
    assert_eq!(location(&client, "/intro/planet/").await.0, Status::Ok);
    assert_eq!(
        location(&client, "/intro/globe/").await.1.as_deref(),
        Some("/intro/planet/")
    );
    // A new lesson at an old URL is served, not redirected.
    f.write("intro/03-world.md", lesson("A new world", "New."));
    f.sync(&db).await;
    assert_eq!(location(&client, "/intro/world/").await.0, Status::Ok);
    assert_eq!(
        location(&client, "/intro/world").await.1.as_deref(),
        Some("/intro/world/"),
        "and its slash-less form"
    );
}

/// README: "a file renamed to a new name": the lesson keeps its history
/// and takes the new name's slug; its old URL answers 301 with the new one.
#[rocket::async_test]
async fn a_file_renamed_to_a_new_name_redirects_its_old_url() {
    let f = Fixture::new().await;
    site()(&f);
    let db = f.connect().await;
    f.sync(&db).await;
    let id = count(&db, "SELECT id FROM lessons WHERE slug = 'world'").await;
    let text = std::fs::read(f.content().join("intro/02-world.md")).unwrap();
    f.remove("intro/02-world.md");
    f.write("intro/02-planet.md", &text);
    let report = f.sync(&db).await;
    assert_eq!(report.updated, ["intro/02-planet.md"], "{report:?}");
    assert!(report.created.is_empty() && report.archived.is_empty());
    assert_eq!(
        count(&db, "SELECT id FROM lessons WHERE slug = 'planet'").await,
        id,
        "the same lesson"
    );
    let client = f.client().await;
    assert_eq!(location(&client, "/intro/planet/").await.0, Status::Ok);
    assert_eq!(
        location(&client, "/intro/world/").await,
        (Status::MovedPermanently, Some("/intro/planet/".into()))
    );
    // Renamed again: the first URL goes straight to the newest.
    f.remove("intro/02-planet.md");
    f.write("intro/02-globe.md", &text);
    f.sync(&db).await;
    for old in ["/intro/world/", "/intro/planet/"] {
        assert_eq!(
            location(&client, old).await,
            (Status::MovedPermanently, Some("/intro/globe/".into())),
            "{old}"
        );
    }
}

#[rocket::async_test]
async fn slug_changes_in_the_admin_redirect_lessons_and_courses() {
    let f = Fixture::with_sample_content().await;
    let client = f.client().await;
    let db = f.connect().await;
    add_user(&db, "eve", Role::Editor).await;
    log_in(&client, "eve", PASSWORD).await;
    let token = csrf(&client).await;
    let id = count(&db, "SELECT id FROM lessons WHERE slug = 'first-server'").await;
    let (status, _, _) = post(
        &client,
        &format!("/admin/lessons/{id}/edit"),
        &[
            ("csrf", &token),
            ("version", "1"),
            ("title", "First server"),
            ("slug", "hello-server"),
            ("course_id", "1"),
            ("status", "published"),
            ("summary", ""),
            ("body_md", "B."),
            ("action", "save"),
        ],
    )
    .await;
    assert_eq!(status, Status::SeeOther);
    let public = f.client().await;
    assert_eq!(
        location(&public, "/backend-dev/first-server/")
            .await
            .1
            .as_deref(),
        Some("/backend-dev/hello-server/")
    );

    let course_id = count(&db, "SELECT id FROM courses WHERE slug = 'backend-dev'").await;
    let (status, _, _) = post(
        &client,
        &format!("/admin/courses/{course_id}/edit"),
        &[
            ("csrf", &token),
            ("title", "Backend"),
            ("slug", "backend"),
            ("summary", ""),
            ("body_md", "Intro"),
            ("status", "published"),
        ],
    )
    .await;
    assert_eq!(status, Status::SeeOther);
    assert_eq!(
        location(&public, "/backend-dev/").await.1.as_deref(),
        Some("/backend/")
    );
    assert_eq!(
        location(&public, "/backend-dev/install-node/")
            .await
            .1
            .as_deref(),
        Some("/backend/install-node/")
    );
    assert_eq!(
        location(&public, "/backend/install-node/").await.0,
        Status::Ok
    );
    // The lesson's slug changed before the course was renamed: its oldest
    // URL goes to the current one in one hop, as does the one in between.
    for old in [
        "/backend-dev/first-server/",
        "/backend-dev/first-server",
        "/backend-dev/hello-server/",
    ] {
        assert_eq!(
            location(&public, old).await,
            (
                Status::MovedPermanently,
                Some("/backend/hello-server/".into())
            ),
            "{old}"
        );
    }
    assert_eq!(
        location(&public, "/backend/hello-server/").await.0,
        Status::Ok,
        "one hop: the target is live"
    );
    // And once more after the rename: every old URL, through either
    // course name, goes straight to the newest.
    let version = count(&db, &format!("SELECT version FROM lessons WHERE id = {id}")).await;
    let (status, _, _) = post(
        &client,
        &format!("/admin/lessons/{id}/edit"),
        &[
            ("csrf", &token),
            ("version", &version.to_string()),
            ("title", "First server"),
            ("slug", "server"),
            ("course_id", &course_id.to_string()),
            ("status", "published"),
            ("summary", ""),
            ("body_md", "B."),
            ("action", "save"),
        ],
    )
    .await;
    assert_eq!(status, Status::SeeOther);
    for old in [
        "/backend-dev/first-server/",
        "/backend-dev/hello-server/",
        "/backend/hello-server/",
    ] {
        assert_eq!(
            location(&public, old).await,
            (Status::MovedPermanently, Some("/backend/server/".into())),
            "{old}"
        );
    }
    assert_eq!(location(&public, "/backend/server/").await.0, Status::Ok);
}
