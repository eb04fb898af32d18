//! SQLite's search index stops keeping its own copy of every lesson's title,
//! summary and plain text (issue 20): `lesson_search` becomes an FTS5 table
//! with external content (`content='lessons'`), which holds the index only.
//! Nothing reads the indexed text back from it (snippets are cut in Rust from
//! `lessons.body_text`), so the copy was dead weight, about as large as the
//! markdown itself.
//!
//! Its columns are named as in `lessons` (`body_text` for the body), so
//! FTS5 can read them there (a full scan, `'rebuild'`, `'integrity-check'`).
//! The triggers remove a row's entries by giving FTS5 the very values that
//! were indexed (the `'delete'` command), as an external-content table
//! requires. They index what migration 4's
//! did: the plain text, or the markdown of a row written before there was
//! plain text, until the application fills it at the next start; from then
//! on the index and `lessons.body_text` agree, as FTS5's integrity check
//! verifies. PostgreSQL is unchanged (its `tsvector` holds no copy).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

/// The values indexed for a lesson row, in SQL; `row` is `new.`, `old.` or
/// `lessons.`: migration 4's, the plain text, else the markdown.
fn values(row: &str) -> String {
    format!("{row}id, {row}title, {row}summary, coalesce({row}body_text, {row}body_md, '')")
}

const DROP_OLD: &[&str] = &[
    "DROP TRIGGER IF EXISTS lessons_search_delete",
    "DROP TRIGGER IF EXISTS lessons_search_update",
    "DROP TRIGGER IF EXISTS lessons_search_insert",
    "DROP TABLE IF EXISTS lesson_search",
];

pub(crate) fn up_statements() -> Vec<String> {
    let insert = |row: &str| {
        format!(
            "INSERT INTO lesson_search (rowid, title, summary, body_text) VALUES ({})",
            values(row)
        )
    };
    let delete = |row: &str| {
        format!(
            "INSERT INTO lesson_search (lesson_search, rowid, title, summary, body_text) \
             VALUES ('delete', {})",
            values(row)
        )
    };
    let mut all: Vec<String> = DROP_OLD.iter().map(|s| String::from(*s)).collect();
    all.extend([
        "CREATE VIRTUAL TABLE lesson_search USING fts5(\
            title, summary, body_text, content = 'lessons', content_rowid = 'id', \
            tokenize = 'unicode61 remove_diacritics 2')"
            .to_string(),
        format!(
            "INSERT INTO lesson_search (rowid, title, summary, body_text) SELECT {} FROM lessons",
            values("lessons.")
        ),
        format!(
            "CREATE TRIGGER lessons_search_insert AFTER INSERT ON lessons BEGIN {}; END",
            insert("new.")
        ),
        format!(
            "CREATE TRIGGER lessons_search_update \
             AFTER UPDATE OF id, title, summary, body_md, body_text ON lessons BEGIN {}; {}; END",
            delete("old."),
            insert("new.")
        ),
        format!(
            "CREATE TRIGGER lessons_search_delete AFTER DELETE ON lessons BEGIN {}; END",
            delete("old.")
        ),
    ]);
    all
}

/// Migration 4's table and triggers, as they were.
fn down_statements() -> Vec<String> {
    let insert = |row: &str| {
        format!(
            "INSERT INTO lesson_search (rowid, title, summary, body) VALUES ({})",
            values(row)
        )
    };
    let mut all: Vec<String> = DROP_OLD.iter().map(|s| String::from(*s)).collect();
    all.extend([
        "CREATE VIRTUAL TABLE lesson_search USING fts5(\
            title, summary, body, tokenize = 'unicode61 remove_diacritics 2')"
            .to_string(),
        format!(
            "INSERT INTO lesson_search (rowid, title, summary, body) SELECT {} FROM lessons",
            values("lessons.")
        ),
        format!(
            "CREATE TRIGGER lessons_search_insert AFTER INSERT ON lessons BEGIN {}; END",
            insert("new.")
        ),
        format!(
            "CREATE TRIGGER lessons_search_update \
             AFTER UPDATE OF id, title, summary, body_md, body_text ON lessons BEGIN \
             DELETE FROM lesson_search WHERE rowid = old.id; {}; END",
            insert("new.")
        ),
        "CREATE TRIGGER lessons_search_delete AFTER DELETE ON lessons BEGIN \
            DELETE FROM lesson_search WHERE rowid = old.id; END"
            .to_string(),
    ]);
    all
}

async fn run(manager: &SchemaManager<'_>, statements: Vec<String>) -> Result<(), DbErr> {
    if manager.get_database_backend() != DatabaseBackend::Sqlite {
        return Ok(());
    }
    let db = manager.get_connection();
    for sql in statements {
        db.execute_unprepared(&sql).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(manager, up_statements()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(manager, down_statements()).await
    }
}
