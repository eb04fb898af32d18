//! Full-text search over lessons: title, summary and body.
//!
//! The index is kept by the database itself, so every write path (sync, an
//! admin save, a restore, an archive, a future one) updates it in the same
//! transaction as the lesson row, with no code to forget:
//!
//! - SQLite: an FTS5 table `lesson_search` (rowid = lesson id) filled by
//!   triggers on `lessons` (insert, update of the text, delete).
//! - PostgreSQL: a stored generated `tsvector` column `lessons.search_vector`
//!   with a GIN index.
//!
//! Both index every lesson whatever its status; what the public may find is
//! decided at query time (`public_condition` and a published course), because
//! scheduled lessons become public by the clock, not by a write. Both use
//! language-neutral tokenising (`unicode61` / the `simple` configuration), as
//! `site_lang` may be any language.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// PostgreSQL: at most this many characters of a body are indexed, so a
/// `tsvector` stays under its 1 MiB limit whatever the text (a body may be
/// up to 1 MiB). Real lessons are far shorter.
const PG_BODY_CHARS: usize = 262_144;

const SQLITE_UP: &[&str] = &[
    "CREATE VIRTUAL TABLE lesson_search USING fts5(\
        title, summary, body, tokenize = 'unicode61 remove_diacritics 2')",
    "INSERT INTO lesson_search (rowid, title, summary, body) \
        SELECT id, title, summary, body_md FROM lessons",
    "CREATE TRIGGER lessons_search_insert AFTER INSERT ON lessons BEGIN \
        INSERT INTO lesson_search (rowid, title, summary, body) \
        VALUES (new.id, new.title, new.summary, new.body_md); \
     END",
    "CREATE TRIGGER lessons_search_update AFTER UPDATE OF id, title, summary, body_md ON lessons BEGIN \
        DELETE FROM lesson_search WHERE rowid = old.id; \
        INSERT INTO lesson_search (rowid, title, summary, body) \
        VALUES (new.id, new.title, new.summary, new.body_md); \
     END",
    "CREATE TRIGGER lessons_search_delete AFTER DELETE ON lessons BEGIN \
        DELETE FROM lesson_search WHERE rowid = old.id; \
     END",
];

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS lessons_search_delete",
    "DROP TRIGGER IF EXISTS lessons_search_update",
    "DROP TRIGGER IF EXISTS lessons_search_insert",
    "DROP TABLE IF EXISTS lesson_search",
];

fn postgres_up() -> Vec<String> {
    vec![
        format!(
            "ALTER TABLE lessons ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (\
                setweight(to_tsvector('simple', coalesce(title, '')), 'A') || \
                setweight(to_tsvector('simple', coalesce(summary, '')), 'B') || \
                setweight(to_tsvector('simple', left(coalesce(body_md, ''), {PG_BODY_CHARS})), 'C')\
            ) STORED"
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
        match manager.get_database_backend() {
            DatabaseBackend::Sqlite => run(manager, &owned(SQLITE_UP)).await,
            DatabaseBackend::Postgres => run(manager, &postgres_up()).await,
            other => Err(DbErr::Migration(format!(
                "full-text search is not implemented for {other:?}"
            ))),
        }
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DatabaseBackend::Sqlite => run(manager, &owned(SQLITE_DOWN)).await,
            DatabaseBackend::Postgres => run(manager, &owned(POSTGRES_DOWN)).await,
            _ => Ok(()),
        }
    }
}
