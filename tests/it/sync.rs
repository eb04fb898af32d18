//! Sync of content/ into the database: create, unchanged, update, archive,
//! restore, rename, and the recorded runs.

use rocket::http::Status;

use crate::common::{count, course, get, lesson, Fixture};

async fn small_site() -> Fixture {
    let f = Fixture::new().await;
    f.write("intro/_course.md", course("Intro"));
    f.write(
        "intro/01-hello.md",
        lesson("Hello", "Say [next](02-world.md)."),
    );
    f.write("intro/02-world.md", lesson("World", "## Part one\n\nText."));
    f
}

#[rocket::async_test]
async fn second_sync_reports_every_file_unchanged() {
    let f = Fixture::with_sample_content().await;
    let db = f.connect().await;
    let first = f.sync(&db).await;
    assert_eq!(first.created.len(), 11, "{first:?}"); // 2 course files + 9 lessons
    assert_eq!(first.errors(), 0, "{:?}", first.diagnostics);
    let second = f.sync(&db).await;
    assert!(second.created.is_empty() && second.updated.is_empty() && second.archived.is_empty());
    assert_eq!(second.unchanged, 11);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM sync_runs").await, 2);
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM lesson_revisions").await,
        9,
        "no revision for unchanged files"
    );
}

/// A resync that finds every file as last read (by size and time) still
/// applies a file whose lesson does not hold its hash: what a sync killed
/// between remembering the files and writing their lessons leaves.
#[rocket::async_test]
async fn a_file_its_lesson_did_not_take_is_applied_though_no_file_changed() {
    use sea_orm::ConnectionTrait;
    let f = small_site().await;
    let db = f.connect().await;
    f.sync(&db).await;
    let quiet = f.sync(&db).await;
    assert_eq!(quiet.unchanged, 3);
    assert!(quiet.updated.is_empty() && quiet.created.is_empty());
    db.execute_unprepared(
        "UPDATE lessons SET source_hash = 'not the file', title = 'Stale' WHERE slug = 'world'",
    )
    .await
    .unwrap();
    let report = f.sync(&db).await;
    assert_eq!(report.updated, vec!["intro/02-world.md"], "{report:?}");
    assert_eq!(report.unchanged, 2);
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM lessons WHERE title = 'World'").await,
        1
    );
    // A lesson whose file is gone is archived though no file changed.
    f.remove("intro/01-hello.md");
    let report = f.sync(&db).await;
    assert_eq!(report.archived, vec!["intro/01-hello.md"], "{report:?}");
    let again = f.sync(&db).await;
    assert!(
        again.archived.is_empty() && again.updated.is_empty(),
        "{again:?}"
    );
    assert_eq!(again.unchanged, 2);
}

#[rocket::async_test]
async fn changed_file_updates_the_lesson_and_records_a_revision() {
    let f = small_site().await;
    let db = f.connect().await;
    f.sync(&db).await;
    f.write(
        "intro/02-world.md",
        lesson("World, revised", "## Part two\n\nNew text."),
    );
    let report = f.sync(&db).await;
    assert_eq!(report.updated, vec!["intro/02-world.md"]);
    assert_eq!(report.unchanged, 2);
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM lesson_revisions WHERE note = 'updated from file'"
        )
        .await,
        1
    );
    assert_eq!(
        count(&db, "SELECT MAX(version) FROM lessons WHERE slug = 'world'").await,
        2
    );

    let client = f.client().await;
    let (status, html) = get(&client, "/intro/world/").await;
    assert_eq!(status, Status::Ok);
    assert!(html.contains("World, revised") && html.contains("id=\"part-two\""));
    assert!(!html.contains("part-one"));
}

#[rocket::async_test]
async fn deleted_file_archives_the_lesson_and_a_returning_file_restores_it() {
    let f = small_site().await;
    let db = f.connect().await;
    f.sync(&db).await;
    let original = std::fs::read(f.content().join("intro/02-world.md")).unwrap();
    f.remove("intro/02-world.md");
    let report = f.sync(&db).await;
    assert_eq!(report.archived, vec!["intro/02-world.md"]);
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM lessons").await,
        2,
        "archived, not deleted"
    );

    let client = f.client().await;
    assert_eq!(get(&client, "/intro/world/").await.0, Status::NotFound);
    let (_, hello) = get(&client, "/intro/hello/").await;
    assert!(
        !hello.contains("rel=\"next\""),
        "the archived lesson is no longer a neighbour"
    );
    let (_, outline) = get(&client, "/intro/").await;
    assert!(!outline.contains("/intro/world/"));

    f.write("intro/02-world.md", original);
    let report = f.sync(&db).await;
    assert_eq!(report.updated, vec!["intro/02-world.md"]);
    assert_eq!(get(&client, "/intro/world/").await.0, Status::Ok);
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM lesson_revisions WHERE note LIKE 'restored%'"
        )
        .await,
        1
    );
}

#[rocket::async_test]
async fn renamed_file_keeps_the_lesson_and_its_history() {
    let f = small_site().await;
    let db = f.connect().await;
    f.sync(&db).await;
    let id = count(&db, "SELECT id FROM lessons WHERE slug = 'world'").await;
    let text = std::fs::read(f.content().join("intro/02-world.md")).unwrap();
    f.remove("intro/02-world.md");
    f.write("intro/05-world.md", text);
    let report = f.sync(&db).await;
    assert_eq!(report.updated, vec!["intro/05-world.md"], "{report:?}");
    assert!(report.created.is_empty() && report.archived.is_empty());
    assert_eq!(
        count(&db, "SELECT id FROM lessons WHERE slug = 'world'").await,
        id
    );
    assert_eq!(
        count(
            &db,
            &format!("SELECT COUNT(*) FROM lesson_revisions WHERE lesson_id = {id}")
        )
        .await,
        2
    );
}

#[rocket::async_test]
async fn deleted_course_folder_archives_course_and_lessons() {
    let f = small_site().await;
    f.write("other/_course.md", course("Other"));
    f.write("other/01-a.md", lesson("A", "a"));
    let db = f.connect().await;
    f.sync(&db).await;
    std::fs::remove_dir_all(f.content().join("intro")).unwrap();
    let report = f.sync(&db).await;
    let mut archived = report.archived.clone();
    archived.sort();
    assert_eq!(
        archived,
        vec!["intro/01-hello.md", "intro/02-world.md", "intro/_course.md"]
    );
    let client = f.client().await;
    assert_eq!(get(&client, "/intro/").await.0, Status::NotFound);
    assert_eq!(get(&client, "/intro/hello/").await.0, Status::NotFound);
    let (_, home) = get(&client, "/").await;
    assert!(!home.contains("/intro/") && home.contains("/other/"));
}

#[rocket::async_test]
async fn dry_run_writes_nothing() {
    let f = small_site().await;
    let db = f.connect().await;
    let report = lectern::content::sync(
        &db,
        &f.content(),
        lectern::content::SyncOptions {
            origin: lectern::db::entity::SyncOrigin::Cli,
            dry_run: true,
            strict_links: true,
        },
    )
    .await
    .unwrap();
    assert_eq!(report.created.len(), 3);
    assert!(report.run_id.is_none());
    assert_eq!(count(&db, "SELECT COUNT(*) FROM lessons").await, 0);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM sync_runs").await, 0);
}

#[rocket::async_test]
async fn draft_front_matter_hides_a_lesson_until_it_is_published() {
    let f = small_site().await;
    f.write(
        "intro/03-soon.md",
        "+++\ntitle = \"Soon\"\ndraft = true\n+++\nLater.\n",
    );
    let db = f.connect().await;
    f.sync(&db).await;
    let client = f.client().await;
    assert_eq!(get(&client, "/intro/soon/").await.0, Status::NotFound);
    f.write("intro/03-soon.md", "+++\ntitle = \"Soon\"\n+++\nNow.\n");
    f.sync(&db).await;
    assert_eq!(get(&client, "/intro/soon/").await.0, Status::Ok);
}

#[rocket::async_test]
async fn lesson_order_follows_weight_then_number() {
    let f = small_site().await;
    f.write(
        "intro/03-first.md",
        "+++\ntitle = \"First of all\"\nweight = -1\n+++\nx\n",
    );
    let db = f.connect().await;
    f.sync(&db).await;
    let client = f.client().await;
    let (_, html) = get(&client, "/intro/").await;
    let first = html.find("/intro/first/").unwrap();
    let hello = html.find("/intro/hello/").unwrap();
    assert!(first < hello);
}

/// New files are written together; when that fails (here a trigger refuses
/// one lesson), they are written one by one and only the refused file is
/// reported, by its path.
#[rocket::async_test]
async fn a_refused_new_file_is_reported_and_the_others_are_written() {
    use sea_orm::{ConnectionTrait, DbBackend};
    let f = small_site().await;
    f.write("intro/03-refused.md", lesson("Refused", "Text."));
    let db = f.connect().await;
    let statements: &[&str] = match db.get_database_backend() {
        DbBackend::Sqlite => &["CREATE TRIGGER refuse_lesson BEFORE INSERT ON lessons \
             WHEN NEW.slug = 'refused' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"],
        _ => &[
            "CREATE OR REPLACE FUNCTION refuse_lesson() RETURNS trigger LANGUAGE plpgsql AS $$ \
             BEGIN IF NEW.slug = 'refused' THEN RAISE EXCEPTION 'refused by the test'; END IF; \
             RETURN NEW; END $$",
            "CREATE TRIGGER refuse_lesson BEFORE INSERT ON lessons \
             FOR EACH ROW EXECUTE FUNCTION refuse_lesson()",
        ],
    };
    for sql in statements {
        db.execute_unprepared(sql).await.unwrap();
    }
    let report = f.sync(&db).await;
    assert_eq!(report.errors(), 1, "{:?}", report.diagnostics);
    let error = report.diagnostics[0].to_string();
    assert!(
        error.contains("intro/03-refused.md") && error.contains("refused by the test"),
        "{error}"
    );
    assert_eq!(
        report.created,
        ["intro/_course.md", "intro/01-hello.md", "intro/02-world.md"]
    );
    assert_eq!(count(&db, "SELECT COUNT(*) FROM lessons").await, 2);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM lesson_revisions").await, 2);
    // The refused file is tried again by the next sync.
    let again = f.sync(&db).await;
    assert_eq!(again.errors(), 1);
    assert_eq!(again.unchanged, 3);
}

/// Pages a previous renderer wrote are rendered again (an upgrade changed
/// highlighting, say), without touching the text, version or revisions; a
/// lesson edited meanwhile keeps what its edit rendered.
#[rocket::async_test]
async fn html_from_an_older_renderer_is_rendered_again() {
    use lectern::db::lessons::{self, StoredRender};
    use lectern::db::stored_html::StoredHtml;
    use sea_orm::ConnectionTrait;
    let f = small_site().await;
    f.write(
        "intro/02-world.md",
        lesson(
            "World",
            "## Part one\n\n```rust\nfn main() {}\n```\n\n![A diagram](images/d.png)\n",
        ),
    );
    f.write("intro/images/d.png", b"\x89PNG first");
    let db = f.connect().await;
    f.sync(&db).await;
    let html_of = |slug: &str| format!("SELECT body_html FROM lessons WHERE slug = '{slug}'");
    let text = |sql: String| {
        let db = &db;
        async move {
            let row = db
                .query_one_raw(sea_orm::Statement::from_string(
                    db.get_database_backend(),
                    sql,
                ))
                .await
                .unwrap()
                .unwrap();
            // A lesson's HTML columns are stored compressed (`db::stored_html`).
            match row.try_get_by_index::<String>(0) {
                Ok(text) => text,
                Err(_) => row
                    .try_get_by_index::<lectern::db::stored_html::StoredHtml>(0)
                    .unwrap()
                    .html()
                    .unwrap(),
            }
        }
    };
    let fresh = text(html_of("world")).await;
    assert!(fresh.contains("<span class=hk>"), "{fresh}");
    db.execute_unprepared(
        "UPDATE lessons SET body_html = '<p>old</p>', all_html = '', toc = '[]', render_version = 0",
    )
    .await
    .unwrap();
    db.execute_unprepared("UPDATE courses SET body_html = '<p>old</p>', render_version = 0")
        .await
        .unwrap();
    let versions = count(&db, "SELECT SUM(version) FROM lessons").await;

    // Nothing is rendered again without the content folder: images would
    // not resolve.
    let none = lectern::content::rerender_stale(&db, &f.dir.path().join("missing"))
        .await
        .unwrap();
    assert_eq!((none.lessons, none.courses), (0, 0));

    let done = lectern::content::rerender_stale(&db, &f.content())
        .await
        .unwrap();
    assert_eq!((done.lessons, done.courses), (2, 1));
    assert_eq!(text(html_of("world")).await, fresh);

    // An image changed on disk while its lesson did not: the new rendering
    // points at the new bytes, which are stored as media.
    f.write("intro/images/d.png", b"\x89PNG second");
    db.execute_unprepared("UPDATE lessons SET render_version = 0 WHERE slug = 'world'")
        .await
        .unwrap();
    let done = lectern::content::rerender_stale(&db, &f.content())
        .await
        .unwrap();
    assert_eq!(done.lessons, 1);
    let html = text(html_of("world")).await;
    assert_ne!(html, fresh);
    let hash = html
        .split("/media/")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap();
    assert_eq!(
        count(
            &db,
            &format!("SELECT COUNT(*) FROM media WHERE sha256 = '{hash}'")
        )
        .await,
        1,
        "{html}"
    );
    assert_eq!(count(&db, "SELECT COUNT(*) FROM media").await, 2);
    assert!(text("SELECT toc FROM lessons WHERE slug = 'world'".into())
        .await
        .contains("part-one"));
    assert!(
        text("SELECT all_html FROM lessons WHERE slug = 'world'".into())
            .await
            .contains("world--part-one")
    );
    assert!(text("SELECT body_html FROM courses".into())
        .await
        .contains("Welcome to Intro"));
    assert_eq!(
        count(
            &db,
            &format!(
                "SELECT COUNT(*) FROM lessons WHERE render_version = {}",
                lectern::markdown::RENDER_VERSION
            )
        )
        .await,
        2
    );
    assert_eq!(
        count(&db, "SELECT SUM(version) FROM lessons").await,
        versions
    );
    assert_eq!(count(&db, "SELECT COUNT(*) FROM lesson_revisions").await, 2);
    let again = lectern::content::rerender_stale(&db, &f.content())
        .await
        .unwrap();
    assert_eq!((again.lessons, again.courses), (0, 0));

    // A rendering made from version 1 is not stored over version 2.
    db.execute_unprepared(
        "UPDATE lessons SET version = 2, body_html = '<p>edit</p>' WHERE slug = 'world'",
    )
    .await
    .unwrap();
    let id = count(&db, "SELECT id FROM lessons WHERE slug = 'world'").await as i32;
    let stale = StoredRender {
        body_html: StoredHtml::pack("<p>from version 1</p>"),
        all_html: StoredHtml::pack(""),
        toc: Vec::new(),
        word_count: 0,
        render_version: lectern::markdown::RENDER_VERSION,
        text: None,
    };
    assert!(!lessons::store_render(&db, id, 1, stale).await.unwrap());
    assert_eq!(text(html_of("world")).await, "<p>edit</p>");
    // Nor is an older renderer's over a newer one's (a rolling upgrade).
    let older = StoredRender {
        body_html: StoredHtml::pack("<p>older renderer</p>"),
        all_html: StoredHtml::pack(""),
        toc: Vec::new(),
        word_count: 0,
        render_version: lectern::markdown::RENDER_VERSION - 1,
        text: None,
    };
    assert!(!lessons::store_render(&db, id, 2, older).await.unwrap());
    assert_eq!(text(html_of("world")).await, "<p>edit</p>");
}

/// README, "Upgrading": HTML stored by an older renderer is rendered again
/// from its markdown in the background after start-up, while text, versions
/// and revisions stay as they were. The test polls the public pages until
/// they show fresh HTML (the limit only catches a hang).
#[rocket::async_test]
async fn a_start_renders_pages_of_an_older_renderer_again() {
    use sea_orm::ConnectionTrait;
    let f = small_site().await;
    f.write(
        "intro/02-world.md",
        lesson("World", "## Part one\n\n```rust\nfn main() {}\n```\n"),
    );
    let db = f.connect().await;
    f.sync(&db).await;
    let older = lectern::markdown::RENDER_VERSION - 1;
    let before = |sql: &'static str| count(&db, sql);
    let versions = before("SELECT SUM(version) FROM lessons").await;
    let revisions = before("SELECT COUNT(*) FROM lesson_revisions").await;
    let md_length = before("SELECT SUM(LENGTH(body_md)) FROM lessons").await;
    let course_md = before("SELECT SUM(LENGTH(body_md)) FROM courses").await;
    // As an older Lectern left them: its own HTML, its version number.
    db.execute_unprepared(&format!(
        "UPDATE lessons SET body_html = '<p>old-renderer-page</p>', \
         all_html = '<p>old-renderer-all</p>', render_version = {older}"
    ))
    .await
    .unwrap();
    db.execute_unprepared(&format!(
        "UPDATE courses SET body_html = '<p>old-renderer-course</p>', render_version = {older}"
    ))
    .await
    .unwrap();

    // A start (with its start-up sync, which finds every file unchanged).
    let client = f.client().await;
    let start = std::time::Instant::now();
    loop {
        let (status, page) = get(&client, "/intro/world/").await;
        assert_eq!(status, Status::Ok);
        if !page.contains("old-renderer-page") {
            assert!(
                page.contains(r#"<h2 id="part-one">Part one</h2>"#) && page.contains("class=hk>"),
                "{page}"
            );
            break;
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(60),
            "the page was never rendered again"
        );
        rocket::tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    // Every row and page, not only the first: the other lesson, the course
    // introduction and the one-page view.
    let start = std::time::Instant::now();
    while count(
        &db,
        &format!(
            "SELECT (SELECT COUNT(*) FROM lessons WHERE render_version <> {v}) \
             + (SELECT COUNT(*) FROM courses WHERE render_version <> {v})",
            v = lectern::markdown::RENDER_VERSION
        ),
    )
    .await
        > 0
    {
        assert!(start.elapsed() < std::time::Duration::from_secs(60));
        rocket::tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    for (uri, fresh) in [
        ("/intro/hello/", "href=\"/intro/world/\""),
        ("/intro/", "Welcome to Intro."),
        ("/intro/all/", "id=\"world--part-one\""),
    ] {
        let (status, page) = get(&client, uri).await;
        assert_eq!(status, Status::Ok, "{uri}");
        assert!(!page.contains("old-renderer"), "{uri}: {page}");
        assert!(page.contains(fresh), "{uri}: {page}");
    }
    // Text, versions and revisions untouched.
    assert_eq!(
        count(&db, "SELECT SUM(version) FROM lessons").await,
        versions
    );
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM lesson_revisions").await,
        revisions
    );
    assert_eq!(
        count(&db, "SELECT SUM(LENGTH(body_md)) FROM lessons").await,
        md_length
    );
    assert_eq!(
        count(&db, "SELECT SUM(LENGTH(body_md)) FROM courses").await,
        course_md
    );
}

/// README: assets over 10 MiB are refused. A file in content/ one byte over
/// the limit, linked from a lesson, is refused by `lectern check` and by
/// sync with a message naming it; with strict_links off the lesson is
/// written all the same (under it, it waits for the link's fix), and
/// its page links no `/media/` URL for the file. A file of exactly 10 MiB
/// is served.
#[rocket::async_test]
async fn an_asset_over_10_mib_is_refused_by_name_and_its_lesson_still_syncs() {
    const MIB: usize = 1024 * 1024;
    let f = small_site().await;
    f.write("intro/files/big.pdf", vec![b'x'; 10 * MIB + 1]);
    f.write("intro/files/fits.pdf", vec![b'y'; 10 * MIB]);
    f.write(
        "intro/03-files.md",
        lesson(
            "Files",
            "Get [the big one](files/big.pdf) and [the one that fits](files/fits.pdf).",
        ),
    );
    let named = |d: &lectern::content::Diagnostic| {
        d.is_error() && d.to_string().contains("intro/files/big.pdf")
    };
    let checked = lectern::content::check(&f.content()).unwrap();
    assert!(
        checked.diagnostics.iter().any(named),
        "{:#?}",
        checked.diagnostics
    );
    assert!(
        checked
            .diagnostics
            .iter()
            .all(|d| !d.to_string().contains("fits.pdf")),
        "{:#?}",
        checked.diagnostics
    );

    let db = f.connect().await;
    // Under strict_links the lesson waits for its link to be fixed; with
    // it off the lesson is published, linking the file that fits.
    let report = f.sync(&db).await;
    assert!(report.diagnostics.iter().any(named), "{report:#?}");
    assert!(
        !report.created.contains(&"intro/03-files.md".to_string()),
        "{report:#?}"
    );
    let report = f.sync_with_links(&db, false).await;
    assert!(report.diagnostics.iter().any(named), "{report:#?}");
    assert!(
        report.created.contains(&"intro/03-files.md".to_string()),
        "{report:#?}"
    );
    let client = f.client().await;
    let (status, html) = get(&client, "/intro/files/").await;
    assert_eq!(status, Status::Ok);
    let media: Vec<&str> = html
        .match_indices("href=\"/media/")
        .map(|(at, _)| {
            let start = at + "href=\"".len();
            &html[start..start + html[start..].find('"').unwrap()]
        })
        .collect();
    assert_eq!(media.len(), 1, "only the file that fits: {media:?}");
    assert!(media[0].ends_with("/fits.pdf"), "{media:?}");
    let res = client.get(media[0].to_string()).dispatch().await;
    assert_eq!(res.status(), Status::Ok);
    assert_eq!(res.into_bytes().await.unwrap().len(), 10 * MIB);
    assert!(html.contains("the big one"), "the link text is kept");
}
