//! Resyncs that read and plan only the course folders whose listing (names,
//! sizes and times of their markdown files) or rows changed since a sync
//! found them applied (issue 20: `db::folder_marks`): each shortcut must
//! give what a sync of every folder gives.

use std::path::Path;
use std::time::{Duration, SystemTime};

use sea_orm::ConnectionTrait;

use crate::common::{count, course, lesson, Fixture};

/// Sets every file's modification time `ago` in the past: old enough for
/// a resync to trust its folder's listing (a file changed within two
/// seconds of a scan is not).
fn age(dir: &Path, ago: Duration) {
    let then = SystemTime::now() - ago;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            age(&path, ago);
        } else {
            let file = std::fs::File::options().write(true).open(&path).unwrap();
            file.set_modified(then).unwrap();
        }
    }
}

const HOUR: Duration = Duration::from_secs(3600);

/// Three courses; a lesson of `alpha` links to one of `beta` whose slug is
/// not its file's name, and to a missing file there.
async fn three_courses() -> Fixture {
    let f = Fixture::new().await;
    f.write("alpha/_course.md", course("Alpha"));
    f.write(
        "alpha/01-one.md",
        lesson(
            "One",
            "See [two](02-two.md) and [first](../beta/01-first.md).",
        ),
    );
    f.write("alpha/02-two.md", lesson("Two", "Text."));
    f.write("beta/_course.md", course("Beta"));
    f.write(
        "beta/01-first.md",
        "+++\ntitle = \"First\"\nslug = \"the-first\"\n+++\n\nBody.\n",
    );
    f.write("gamma/_course.md", course("Gamma"));
    f.write("gamma/01-g.md", lesson("G", "Gee."));
    age(&f.content(), HOUR);
    f
}

async fn marked(db: &lectern::db::Db) -> i64 {
    count(
        db,
        "SELECT COUNT(*) FROM folder_marks WHERE listing IS NOT NULL",
    )
    .await
}

#[rocket::async_test]
async fn a_resync_with_nothing_changed_reads_no_folder_and_reports_every_file() {
    let f = three_courses().await;
    let db = f.connect().await;
    let first = f.sync(&db).await;
    assert_eq!(first.created.len(), 7, "{first:?}");
    assert_eq!(first.errors(), 0, "{:?}", first.diagnostics);
    assert_eq!(marked(&db).await, 3, "every folder found applied");
    let again = f.sync(&db).await;
    assert!(again.created.is_empty() && again.updated.is_empty() && again.archived.is_empty());
    assert_eq!(again.unchanged, 7);
    assert_eq!(marked(&db).await, 3);
}

#[rocket::async_test]
async fn a_changed_file_is_planned_with_links_into_folders_left_out() {
    let f = three_courses().await;
    let db = f.connect().await;
    f.sync(&db).await;
    // Changed, and a link added to a file of gamma (left out of the plan).
    f.write(
        "alpha/01-one.md",
        lesson(
            "One",
            "See [two](02-two.md), [first](../beta/01-first.md) and [g](../gamma/01-g.md).",
        ),
    );
    age(&f.content().join("alpha"), Duration::from_secs(600));
    let report = f.sync(&db).await;
    assert_eq!(report.updated, vec!["alpha/01-one.md"], "{report:?}");
    assert_eq!(report.unchanged, 6);
    assert_eq!(report.errors(), 0, "{:?}", report.diagnostics);
    let client = f.client().await;
    let (_, page) = crate::common::get(&client, "/alpha/one/").await;
    assert!(page.contains("href=\"/beta/the-first/\""), "{page}");
    assert!(page.contains("href=\"/gamma/g/\""), "{page}");
    // A link to a missing file of a folder left out is broken, with the
    // suggestion a sync of every folder makes.
    f.write(
        "alpha/02-two.md",
        lesson("Two", "See [first](../beta/01-frist.md)."),
    );
    age(&f.content().join("alpha"), Duration::from_secs(300));
    let report = f.sync(&db).await;
    let messages: Vec<String> = report.diagnostics.iter().map(|d| d.to_string()).collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("01-frist.md") && m.contains("did you mean ../beta/01-first.md")),
        "{messages:?}"
    );
    assert!(report.updated.is_empty(), "refused under strict_links");
}

#[rocket::async_test]
async fn a_change_seen_only_by_size_and_time_is_applied() {
    let f = three_courses().await;
    let db = f.connect().await;
    f.sync(&db).await;
    // Same size, new text, an older time than before: only the listing says so.
    f.write("gamma/01-g.md", lesson("G", "Hee."));
    age(&f.content().join("gamma"), 2 * HOUR);
    let report = f.sync(&db).await;
    assert_eq!(report.updated, vec!["gamma/01-g.md"], "{report:?}");
    assert_eq!(report.unchanged, 6);
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM lessons WHERE body_md LIKE '%Hee.%'"
        )
        .await,
        1
    );
}

#[rocket::async_test]
async fn a_touched_file_changes_nothing_but_its_date() {
    let f = three_courses().await;
    let db = f.connect().await;
    f.sync(&db).await;
    let revisions = count(&db, "SELECT COUNT(*) FROM lesson_revisions").await;
    age(&f.content().join("gamma"), 2 * HOUR);
    let report = f.sync(&db).await;
    assert!(
        report.updated.is_empty() && report.created.is_empty(),
        "{report:?}"
    );
    assert_eq!(report.unchanged, 7);
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM lesson_revisions").await,
        revisions
    );
    // Its lesson shows the file's new time; the next resync records it.
    let dated = f.sync(&db).await;
    assert_eq!(dated.unchanged, 7);
    assert_eq!(marked(&db).await, 3);
}

#[rocket::async_test]
async fn a_file_deleted_while_the_others_are_unchanged_is_archived() {
    let f = three_courses().await;
    let db = f.connect().await;
    f.sync(&db).await;
    f.remove("alpha/02-two.md");
    age(&f.content().join("alpha"), HOUR);
    let report = f.sync(&db).await;
    assert_eq!(report.archived, vec!["alpha/02-two.md"], "{report:?}");
    // 01-one.md links to the file that is gone: it is not planned again
    // (its text did not change), as in a sync of every folder.
    assert_eq!(report.unchanged, 6);
    let again = f.sync(&db).await;
    assert!(
        again.archived.is_empty() && again.updated.is_empty(),
        "{again:?}"
    );
}

#[rocket::async_test]
async fn a_course_file_change_and_a_deleted_folder_are_applied() {
    let f = three_courses().await;
    let db = f.connect().await;
    f.sync(&db).await;
    f.write("beta/_course.md", course("Beta, again"));
    age(&f.content().join("beta"), HOUR);
    let report = f.sync(&db).await;
    assert_eq!(report.updated, vec!["beta/_course.md"], "{report:?}");
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM courses WHERE title = 'Beta, again'"
        )
        .await,
        1
    );
    std::fs::remove_dir_all(f.content().join("gamma")).unwrap();
    let report = f.sync(&db).await;
    assert!(
        report.archived.contains(&"gamma/01-g.md".to_string()),
        "{report:?}"
    );
    assert!(
        report.archived.contains(&"gamma/_course.md".to_string()),
        "{report:?}"
    );
    let again = f.sync(&db).await;
    assert!(again.archived.is_empty(), "{again:?}");
    assert_eq!(again.unchanged, 5);
}

/// A row changed by anyone but sync (here by hand) clears its folder's
/// listing: the folder is read again, and its file applied again.
#[rocket::async_test]
async fn a_row_changed_in_the_database_has_its_folder_read_again() {
    let f = three_courses().await;
    let db = f.connect().await;
    f.sync(&db).await;
    assert_eq!(marked(&db).await, 3);
    db.execute_unprepared(
        "UPDATE lessons SET source_hash = 'not the file', title = 'Stale' WHERE slug = 'g'",
    )
    .await
    .unwrap();
    assert_eq!(marked(&db).await, 2, "the trigger cleared gamma's listing");
    let report = f.sync(&db).await;
    assert_eq!(report.updated, vec!["gamma/01-g.md"], "{report:?}");
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM lessons WHERE title = 'G'").await,
        1
    );
    // A lesson archived in the database whose file is still there: the
    // folder is read, and the file (the same bytes) left alone, as before.
    db.execute_unprepared("UPDATE lessons SET status = 'archived' WHERE slug = 'two'")
        .await
        .unwrap();
    let report = f.sync(&db).await;
    assert!(report.updated.is_empty(), "{report:?}");
    assert_eq!(report.unchanged, 7);
}

/// A resync reads a folder's rows by the folder the database derives from
/// each lesson's path (`db::lessons::source_folder`, the expression of
/// `ix_lessons_source_folder`) and plans them by the folder sync derives
/// (`content::plan::folder_of`): both must name the same folder, or a
/// changed folder's rows would be missed. Every lesson file lies in a
/// course folder, so every path has one.
#[rocket::async_test]
async fn the_database_and_the_plan_find_the_same_folder_of_a_path() {
    let f = Fixture::new().await;
    let db = f.connect().await;
    let backend = db.get_database_backend();
    let expr = lectern::db::lessons::source_folder(backend);
    for path in [
        "intro/01-first.md",
        "backend-dev-101/_course.md",
        "ünïcode-kurs/01-ça-marche.md",
        "a/b/c.md",
        "trailing/",
    ] {
        let sql = format!(
            "SELECT {expr} AS folder FROM (SELECT CAST('{path}' AS TEXT) AS source_path) AS t"
        );
        let row = db
            .query_one_raw(sea_orm::Statement::from_string(backend, sql))
            .await
            .unwrap()
            .unwrap();
        let folder: String = row.try_get("", "folder").unwrap();
        assert_eq!(folder, lectern::content::plan::folder_of(path), "{path}");
    }
}
