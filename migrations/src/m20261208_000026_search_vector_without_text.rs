//! PostgreSQL keeps a lesson's plain text only in its search vector (issue
//! 20: the database was 3.7 times the markdown it holds; the aim is at most
//! 3), as SQLite keeps it only in its search index since migration 17.
//!
//! `search_vector` was generated from `body_text`, a second copy of each
//! body that nothing else read but search's snippets. It becomes an
//! ordinary column, written by the application with every write of a
//! lesson's text from the plain text it makes (`db::lessons`, as a
//! `tsvector` literal: `db::search_vector`; vectors already there are kept
//! and answer the same queries), and `body_text` is dropped; snippets
//! are made again from the markdown of a page's hits, as on SQLite. A row
//! whose plain text was still to be made (its vector indexes the markdown)
//! loses its sections instead, which is how SQLite marks such a row: the
//! start after this migration (`db::lessons::fill_body_text`) makes both.
//! The partial index of those rows (migration 19) follows.
//!
//! Down adds `body_text` back, empty, and the generated vector over it:
//! it indexes the markdown until the application of that time fills the
//! plain text in at its start, as for rows older than plain text. So
//! nothing is lost either way. SQLite: nothing to do (its `body_text`, always
//! empty, stays: dropping it would rewrite the table for nothing).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

const POSTGRES_UP: &[&str] = &[
    "UPDATE lessons SET body_sections = NULL WHERE body_text IS NULL",
    "ALTER TABLE lessons ALTER COLUMN search_vector DROP EXPRESSION",
    "DROP INDEX IF EXISTS ix_lessons_lacking_text",
    "CREATE INDEX ix_lessons_lacking_text ON lessons (id) WHERE body_sections IS NULL",
    "ALTER TABLE lessons DROP COLUMN body_text",
];

const POSTGRES_DOWN: &[&str] = &[
    "ALTER TABLE lessons ADD COLUMN body_text text",
    "DROP INDEX IF EXISTS ix_lessons_lacking_text",
    "CREATE INDEX ix_lessons_lacking_text ON lessons (id) \
     WHERE body_text IS NULL OR body_sections IS NULL",
    // Drops its index with it; migration 4 makes both again.
    "ALTER TABLE lessons DROP COLUMN search_vector",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        for sql in POSTGRES_UP {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        for sql in POSTGRES_DOWN {
            db.execute_unprepared(sql).await?;
        }
        for sql in super::m20261125_000004_search::postgres_up() {
            db.execute_unprepared(&sql).await?;
        }
        Ok(())
    }
}
