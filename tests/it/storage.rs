//! What the database keeps, and how little (issue 20): a revision that is
//! the lesson's live text is not a second copy, yet every revision stays
//! readable; the one-page view is stored as its changes from the lesson
//! page; sync reads and writes in batches; existing databases upgrade.

use lectern::db::revisions;
use migrations::{Migrator, MigratorTrait};
use rocket::http::Status;
use sea_orm::ConnectionTrait;

use crate::common::{count, course, get, lesson, Fixture};

/// Undoes migration `name` and every one applied after it, as on a site of
/// the release before it.
async fn down_to_before(db: &lectern::db::Db, name: &str) {
    let applied = Migrator::get_applied_migrations(db).await.unwrap();
    let at = applied.iter().position(|m| m.name() == name).unwrap();
    Migrator::down(db.connection(), Some((applied.len() - at) as u32))
        .await
        .unwrap();
}

async fn lesson_id(db: &lectern::db::Db, slug: &str) -> i32 {
    count(db, &format!("SELECT id FROM lessons WHERE slug = '{slug}'")).await as i32
}

/// The texts of a lesson's revisions, oldest first.
async fn texts(db: &lectern::db::Db, id: i32) -> Vec<String> {
    let mut all: Vec<String> = revisions::for_lesson(db, id)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.body_md)
        .collect();
    all.reverse();
    all
}

#[rocket::async_test]
async fn a_revision_of_the_live_text_is_kept_once_and_every_text_stays_readable() {
    let f = Fixture::new().await;
    f.write("intro/_course.md", course("Intro"));
    f.write("intro/01-fish.md", lesson("Fish", "First text about fish."));
    let db = f.connect().await;
    f.sync(&db).await;
    let id = lesson_id(&db, "fish").await;
    // The first revision shares the lesson's text.
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM lesson_revisions WHERE body_md = ''"
        )
        .await,
        1
    );
    assert_eq!(texts(&db, id).await, ["\nFirst text about fish.\n"]);

    // A changed file: the old revision gets its own copy before the text
    // changes, the new one shares.
    f.write(
        "intro/01-fish.md",
        lesson("Fish", "Second text about fish."),
    );
    f.sync(&db).await;
    assert_eq!(
        texts(&db, id).await,
        ["\nFirst text about fish.\n", "\nSecond text about fish.\n"]
    );
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM lesson_revisions WHERE body_md = ''"
        )
        .await,
        1
    );

    // Any write path is covered, even one that records no revision.
    db.execute_unprepared(&format!(
        "UPDATE lessons SET body_md = 'written by hand' WHERE id = {id}"
    ))
    .await
    .unwrap();
    assert_eq!(
        texts(&db, id).await,
        ["\nFirst text about fish.\n", "\nSecond text about fish.\n"]
    );
    let first = revisions::for_lesson(&db, id).await.unwrap();
    let by_id = revisions::by_id(&db, first[0].id).await.unwrap().unwrap();
    assert_eq!(by_id.body_md, "\nSecond text about fish.\n");
    assert!(!by_id.body_in_lesson);
}

#[rocket::async_test]
async fn the_whole_course_page_is_stored_as_changes_and_shown_whole() {
    let f = Fixture::new().await;
    f.write("intro/_course.md", course("Intro"));
    let body: String = (0..40)
        .map(|i| format!("Paragraph {i} of a long lesson.\n\n"))
        .collect();
    f.write(
        "intro/01-long.md",
        lesson(
            "Long",
            &format!("## Part one\n\n{body}See [two](02-two.md)."),
        ),
    );
    f.write("intro/02-two.md", lesson("Two", "## Start\n\nText."));
    let db = f.connect().await;
    f.sync(&db).await;
    let id = lesson_id(&db, "long").await;
    // As stored (compressed: `db::stored_html`), the one-page view is a
    // delta (`db::html_delta`), a fraction of the lesson page.
    let row = lectern::db::lessons::by_id(&db, id).await.unwrap().unwrap();
    let (page, delta) = (row.body_html.html().unwrap(), row.all_html.html().unwrap());
    assert!(delta.starts_with('\u{1}'), "{delta}");
    assert!(
        delta.len() * 4 < page.len(),
        "stored as a small delta: {delta}"
    );
    let client = f.client().await;
    let (status, page) = get(&client, "/intro/all/").await;
    assert_eq!(status, Status::Ok);
    assert!(page.contains("id=\"long--part-one\""), "{page}");
    assert!(page.contains("Paragraph 39 of a long lesson."), "{page}");
    assert!(page.contains("href=\"#lesson-two\""), "{page}");
    assert!(!page.contains('\u{1}'));
}

#[rocket::async_test]
async fn a_sync_of_several_batches_writes_every_file_and_names_a_broken_one() {
    let f = Fixture::new().await;
    f.write("many/_course.md", course("Many"));
    let n = lectern::content::plan::LESSON_BATCH * 2 + 30;
    for i in 1..=n {
        let text = if i == n - 10 {
            "+++\ntitle = \"Broken\"\nduration = \"ten\"\n+++\n\nText.\n".to_string()
        } else {
            lesson(
                &format!("Lesson {i}"),
                &format!("Text {i}, see [first](001-l1.md)."),
            )
        };
        f.write(&format!("many/{i:03}-l{i}.md"), text);
    }
    let db = f.connect().await;
    let report = f.sync(&db).await;
    assert_eq!(report.created.len(), n, "{:?}", report.diagnostics); // the course and n - 1 lessons
    let broken = format!("many/{:03}-l{}.md", n - 10, n - 10);
    assert!(
        report
            .diagnostics
            .iter()
            .any(|d| d.is_error() && d.path == broken),
        "{:?}",
        report.diagnostics
    );
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM lessons").await as usize,
        n - 1
    );
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM lesson_revisions").await as usize,
        n - 1
    );
    let again = f.sync(&db).await;
    assert_eq!(again.unchanged, n); // the course file and n - 1 lessons
    assert!(again.created.is_empty() && again.updated.is_empty());
}

#[rocket::async_test]
async fn an_existing_database_upgrades_to_shared_texts_and_the_leaner_index() {
    let f = Fixture::new().await;
    f.write("alpha/_course.md", course("Alpha"));
    f.write("alpha/01-fish.md", lesson("Fish", "The zebrafish swims."));
    let db = f.connect().await;
    f.sync(&db).await;
    f.write("alpha/01-fish.md", lesson("Fish", "The okapi walks."));
    f.sync(&db).await;
    let id = lesson_id(&db, "fish").await;
    // Back to before these migrations, as a site of the last release.
    down_to_before(&db, "m20261206_000013_shared_revision_text").await;
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM lesson_revisions WHERE body_md = ''"
        )
        .await,
        0,
        "every revision holds its text again"
    );
    lectern::db::migrate(&db).await.unwrap(); // up again, as at a start
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM lesson_revisions WHERE body_md = ''"
        )
        .await,
        1
    );
    assert_eq!(
        texts(&db, id).await,
        ["\nThe zebrafish swims.\n", "\nThe okapi walks.\n"]
    );
    let client = f.client().await;
    let (_, page) = get(&client, "/search?q=okapi").await;
    assert!(page.contains("/alpha/fish/"), "{page}");
    let (_, page) = get(&client, "/search?q=zebrafish").await;
    assert!(!page.contains("/alpha/fish/"), "{page}");
    // The index follows later writes (it holds no copy to fall out of step).
    f.write("alpha/01-fish.md", lesson("Fish", "The axolotl waits."));
    f.sync(&db).await;
    let (_, page) = get(&client, "/search?q=axolotl").await;
    assert!(page.contains("/alpha/fish/"), "{page}");
    let (_, page) = get(&client, "/search?q=okapi").await;
    assert!(!page.contains("/alpha/fish/"), "{page}");
}

/// What a visitor sees of the site `f`: pages, the one-page view and a
/// search with its snippet and section.
async fn shown(f: &Fixture) -> Vec<String> {
    let client = f.client().await;
    let mut all = Vec::new();
    for uri in [
        "/alpha/fish/",
        "/alpha/two/",
        "/alpha/all/",
        "/search?q=okapi",
        "/search?q=capybara",
    ] {
        let (status, page) = get(&client, uri).await;
        assert_eq!(status, Status::Ok, "{uri}");
        all.push(page);
    }
    all
}

/// Migration 17 on a site of the last release: the rendered HTML is stored
/// compressed, SQLite's plain text is kept in its search index only, and
/// every page, search result and revision is as it was, down and up again.
#[rocket::async_test]
async fn an_existing_database_upgrades_to_compressed_html_and_back_without_loss() {
    let f = Fixture::new().await;
    f.write("alpha/_course.md", course("Alpha"));
    let long: String = (0..30)
        .map(|i| format!("Paragraph {i} about the capybara, with `code` and *words*.\n\n"))
        .collect();
    let fish = |first: &str| {
        lesson(
            "Fish",
            &format!("## Habitat\n\n{first}\n\n{long}## Diet\n\nThe okapi eats leaves.\n"),
        )
    };
    f.write("alpha/01-fish.md", fish("The zebrafish swims."));
    f.write("alpha/02-two.md", lesson("Two", "See [fish](01-fish.md)."));
    let db = f.connect().await;
    f.sync(&db).await;
    f.write("alpha/01-fish.md", fish("The zebrafish dives."));
    f.sync(&db).await;
    let id = lesson_id(&db, "fish").await;
    let revisions_before = texts(&db, id).await;
    assert_eq!(revisions_before.len(), 2);
    let sqlite = db.get_database_backend() == sea_orm::DatabaseBackend::Sqlite;
    let compressed = "SELECT COUNT(*) FROM lessons WHERE slug = 'fish' \
                      AND length(body_html) * 2 < length(body_md)";
    assert_eq!(count(&db, compressed).await, 1);
    let before = shown(&f).await;
    assert!(before[0].contains("The zebrafish dives."), "{}", before[0]);
    assert!(before[2].contains("id=\"fish--diet\""), "{}", before[2]);
    assert!(before[3].contains("/alpha/fish/"), "{}", before[3]);
    assert!(before[3].contains("<mark>okapi</mark>"), "{}", before[3]);
    assert!(before[3].contains("“Diet”"), "{}", before[3]);
    assert!(before[4].contains("“Habitat”"), "{}", before[4]);
    if sqlite {
        assert_eq!(
            count(
                &db,
                "SELECT COUNT(*) FROM lessons WHERE body_text IS NOT NULL"
            )
            .await,
            0
        );
        assert_eq!(count(&db, "SELECT COUNT(*) FROM lesson_search").await, 2);
    }

    // Down to before migration 17: the HTML is text again, as the last
    // release reads it.
    down_to_before(&db, "m20261207_000017_compact_lessons").await;
    assert_eq!(count(&db, compressed).await, 0);
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM lessons WHERE slug = 'fish' AND body_html LIKE '%zebrafish dives%'"
        )
        .await,
        1
    );
    assert_eq!(texts(&db, id).await, revisions_before);

    // Up again, as at a start: the same site.
    lectern::db::migrate(&db).await.unwrap();
    assert_eq!(count(&db, compressed).await, 1);
    assert_eq!(shown(&f).await, before);
    assert_eq!(texts(&db, id).await, revisions_before);
    if sqlite {
        db.execute_unprepared(
            "INSERT INTO lesson_search (lesson_search) VALUES ('integrity-check')",
        )
        .await
        .expect("the search index is consistent");
    }

    // The index follows later writes: a change, then (SQLite: a trigger)
    // a removed lesson.
    f.write("alpha/01-fish.md", fish("The axolotl waits."));
    f.sync(&db).await;
    let client = f.client().await;
    let (_, page) = get(&client, "/search?q=axolotl").await;
    assert!(page.contains("/alpha/fish/"), "{page}");
    let (_, page) = get(&client, "/search?q=zebrafish").await;
    assert!(!page.contains("/alpha/fish/"), "{page}");
    db.execute_unprepared(&format!("DELETE FROM lessons WHERE id = {id}"))
        .await
        .unwrap();
    if sqlite {
        assert_eq!(count(&db, "SELECT COUNT(*) FROM lesson_search").await, 1);
    }
}

/// Migration 26 on a site of the last release: PostgreSQL keeps a lesson's
/// plain text in its search vector only (no `body_text`), written by the
/// application; every page, search result (snippet and section) and
/// revision is as it was, down and up again. SQLite has nothing to change.
#[rocket::async_test]
async fn an_existing_database_upgrades_to_a_search_vector_without_plain_text_and_back() {
    let f = Fixture::new().await;
    f.write("alpha/_course.md", course("Alpha"));
    let long: String = (0..30)
        .map(|i| format!("Paragraph {i} about the capybara, with `code` and *words*.\n\n"))
        .collect();
    let fish = |first: &str| {
        lesson(
            "Fish",
            &format!("## Habitat\n\n{first}\n\n{long}## Diet\n\nThe okapi eats leaves.\n"),
        )
    };
    f.write("alpha/01-fish.md", fish("The zebrafish swims."));
    f.write("alpha/02-two.md", lesson("Two", "See [fish](01-fish.md)."));
    let db = f.connect().await;
    f.sync(&db).await;
    f.write("alpha/01-fish.md", fish("The zebrafish dives."));
    f.sync(&db).await;
    let id = lesson_id(&db, "fish").await;
    let revisions_before = texts(&db, id).await;
    let before = shown(&f).await;
    assert!(before[3].contains("<mark>okapi</mark>"), "{}", before[3]);
    assert!(before[3].contains("“Diet”"), "{}", before[3]);
    assert!(before[4].contains("“Habitat”"), "{}", before[4]);
    let postgres = db.get_database_backend() == sea_orm::DatabaseBackend::Postgres;
    // Columns of `lessons` named `name`, and of those the generated ones.
    let columns = |name: &str| {
        format!(
            "SELECT COUNT(*) FROM information_schema.columns WHERE table_name = 'lessons' \
             AND column_name = '{name}'"
        )
    };
    let generated = "SELECT COUNT(*) FROM information_schema.columns \
                     WHERE table_name = 'lessons' AND column_name = 'search_vector' \
                     AND is_generated = 'ALWAYS'";
    if postgres {
        assert_eq!(count(&db, &columns("body_text")).await, 0);
        assert_eq!(count(&db, generated).await, 0);
    }

    // Down to before migration 26: the generated vector over `body_text`,
    // empty until that release fills it in; the markdown is indexed meanwhile.
    down_to_before(&db, "m20261208_000026_search_vector_without_text").await;
    if postgres {
        assert_eq!(count(&db, &columns("body_text")).await, 1);
        assert_eq!(count(&db, generated).await, 1);
        assert_eq!(
            count(
                &db,
                "SELECT COUNT(*) FROM lessons WHERE body_text IS NULL \
                 AND search_vector @@ to_tsquery('simple', 'okapi')"
            )
            .await,
            1
        );
    }
    assert_eq!(texts(&db, id).await, revisions_before);

    // Up again, as at a start: the same site.
    lectern::db::migrate(&db).await.unwrap();
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM lessons WHERE body_sections IS NULL"
        )
        .await,
        0
    );
    assert_eq!(shown(&f).await, before);
    assert_eq!(texts(&db, id).await, revisions_before);

    // The index follows later writes, and holds the plain text: a link's
    // target is not found.
    f.write(
        "alpha/01-fish.md",
        fish("The axolotl waits, see [two](02-two.md 'zztarget')."),
    );
    f.sync(&db).await;
    let client = f.client().await;
    let (_, page) = get(&client, "/search?q=axolotl").await;
    assert!(page.contains("/alpha/fish/"), "{page}");
    let (_, page) = get(&client, "/search?q=zebrafish").await;
    assert!(!page.contains("/alpha/fish/"), "{page}");
    let (_, page) = get(&client, "/search?q=zztarget").await;
    assert!(!page.contains("/alpha/fish/"), "{page}");
}

#[rocket::async_test]
async fn a_resync_reads_only_files_whose_size_or_time_changed() {
    use std::time::{Duration, SystemTime};
    let f = Fixture::new().await;
    f.write("intro/_course.md", course("Intro"));
    f.write("intro/01-old.md", lesson("Old", "Written long ago."));
    f.write("intro/02-new.md", lesson("New", "Written just now."));
    let an_hour_ago = SystemTime::now() - Duration::from_secs(3600);
    let set_time = |rel: &str| {
        let file = std::fs::File::options()
            .write(true)
            .open(f.content().join(rel))
            .unwrap();
        file.set_modified(an_hour_ago).unwrap();
    };
    set_time("intro/01-old.md");
    let db = f.connect().await;
    f.sync(&db).await;
    // Only a file old enough that a change could not hide in its time.
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM file_hashes").await,
        1,
        "the old file alone is remembered"
    );
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM file_hashes WHERE path = 'intro/01-old.md'"
        )
        .await,
        1
    );
    // Same size and time: taken as unchanged without being read (what a
    // tool that rewrites a file and puts its time back would hide).
    f.write("intro/01-old.md", lesson("Old", "Written long ago!"));
    set_time("intro/01-old.md");
    let report = f.sync(&db).await;
    assert!(report.updated.is_empty(), "{report:?}");
    // A new time: read, and applied.
    f.write("intro/01-old.md", lesson("Old", "Written long ago?"));
    let report = f.sync(&db).await;
    assert_eq!(report.updated, ["intro/01-old.md"]);
    // A file that is gone is forgotten.
    f.remove("intro/01-old.md");
    f.sync(&db).await;
    assert_eq!(count(&db, "SELECT COUNT(*) FROM file_hashes").await, 0);
}
