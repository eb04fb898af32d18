//! Full-text search over lessons: title, summary and body.
//!
//! `lessons.body_text` holds the body as plain text, made by the application
//! whenever it writes a lesson (no markup, link targets or raw HTML). The
//! index is kept by the database itself, so every write path (sync, an admin
//! save, a restore, an archive, a future one) updates it in the same
//! transaction as the lesson row, with no code to forget:
//!
//! - SQLite: an FTS5 table `lesson_search` (rowid = lesson id) filled by
//!   triggers on `lessons` (insert, update of the text, delete).
//! - PostgreSQL: a stored generated `tsvector` column `lessons.search_vector`
//!   (title weighted A, summary B, body C) with a GIN index.
//!
//! Rows written before this migration have no `body_text` (NULL) until the
//! application fills it (at its next start, in `db::migrate`, as making plain
//! text needs the markdown parser); their markdown is indexed meanwhile.
//!
//! Both index every lesson whatever its status; what the public may find is
//! decided at query time (`public_condition` and a published course), because
//! scheduled lessons become public by the clock, not by a write. Both use
//! language-neutral tokenising (`unicode61` / the `simple` configuration), as
//! `site_lang` may be any language.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::text_null;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum Lessons {
    Table,
    BodyText,
}

/// PostgreSQL: at most this many characters of a body are indexed, so a
/// `tsvector` stays under its 1 MiB limit whatever the text (a body may be
/// up to 1 MiB). Real lessons are far shorter.
const PG_BODY_CHARS: usize = 262_144;

/// The text indexed as a lesson's body, in SQL; `row` qualifies the
/// columns (`new.`, `lessons.`, or nothing).
fn body(row: &str) -> String {
    format!("coalesce({row}body_text, {row}body_md, '')")
}

fn sqlite_up() -> Vec<String> {
    let insert = || {
        format!(
            "INSERT INTO lesson_search (rowid, title, summary, body) \
             VALUES (new.id, new.title, new.summary, {})",
            body("new.")
        )
    };
    vec![
        "CREATE VIRTUAL TABLE lesson_search USING fts5(\
            title, summary, body, tokenize = 'unicode61 remove_diacritics 2')"
            .into(),
        format!(
            "INSERT INTO lesson_search (rowid, title, summary, body) \
             SELECT lessons.id, lessons.title, lessons.summary, {} FROM lessons",
            body("lessons.")
        ),
        format!(
            "CREATE TRIGGER lessons_search_insert AFTER INSERT ON lessons BEGIN {}; END",
            insert()
        ),
        format!(
            "CREATE TRIGGER lessons_search_update \
             AFTER UPDATE OF id, title, summary, body_md, body_text ON lessons BEGIN \
             DELETE FROM lesson_search WHERE rowid = old.id; {}; END",
            insert()
        ),
        "CREATE TRIGGER lessons_search_delete AFTER DELETE ON lessons BEGIN \
            DELETE FROM lesson_search WHERE rowid = old.id; END"
            .into(),
    ]
}

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS lessons_search_delete",
    "DROP TRIGGER IF EXISTS lessons_search_update",
    "DROP TRIGGER IF EXISTS lessons_search_insert",
    "DROP TABLE IF EXISTS lesson_search",
];

pub(crate) fn postgres_up() -> Vec<String> {
    vec![
        format!(
            "ALTER TABLE lessons ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (\
                setweight(to_tsvector('simple', coalesce(title, '')), 'A') || \
                setweight(to_tsvector('simple', coalesce(summary, '')), 'B') || \
                setweight(to_tsvector('simple', left({}, {PG_BODY_CHARS})), 'C')\
            ) STORED",
            body("")
        ),
        "CREATE INDEX ix_lessons_search ON lessons USING GIN (search_vector)".into(),
    ]
}

const POSTGRES_DOWN: &[&str] = &[
    "DROP INDEX IF EXISTS ix_lessons_search",
    "ALTER TABLE lessons DROP COLUMN IF EXISTS search_vector",
];

async fn run(manager: &SchemaManager<'_>, statements: &[String]) -> Result<(), DbErr> {
    let db = manager.get_connection();
    for sql in statements {
        db.execute_unprepared(sql).await?;
    }
    Ok(())
}

fn owned(statements: &[&str]) -> Vec<String> {
    statements.iter().map(|s| (*s).to_owned()).collect()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Lessons::Table)
                    .add_column(text_null(Lessons::BodyText))
                    .to_owned(),
            )
            .await?;
        match manager.get_database_backend() {
            DatabaseBackend::Sqlite => run(manager, &sqlite_up()).await,
            DatabaseBackend::Postgres => run(manager, &postgres_up()).await,
            other => Err(DbErr::Migration(format!(
                "full-text search is not implemented for {other:?}"
            ))),
        }
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DatabaseBackend::Sqlite => run(manager, &owned(SQLITE_DOWN)).await?,
            DatabaseBackend::Postgres => run(manager, &owned(POSTGRES_DOWN)).await?,
            _ => {}
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Lessons::Table)
                    .drop_column(Lessons::BodyText)
                    .to_owned(),
            )
            .await
    }
}
