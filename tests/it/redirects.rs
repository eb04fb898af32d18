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
    f.write("intro/03-bad.md", "+++\ntitle = \"Bad\"\naliases = [\"/intro/world/\", \"/admin/users/\", \"relative/path\", \"/old/intro/\"]\n+++\nB.\n");
    let report = lectern::content::check(&f.content()).unwrap();
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
            .all(|d| d.starts_with("intro/03-bad.md:3: error: alias")),
        "{about:#?}"
    );
    assert!(about.iter().any(|d| d.contains("live page")));
    assert!(about.iter().any(|d| d.contains("belongs to the site")));
    assert!(about
        .iter()
        .any(|d| d.contains("already an alias of intro/01-hello.md")));
    let db = f.connect().await;
    let sync = f.sync(&db).await;
    assert!(sync.errors() >= 4);
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
}
