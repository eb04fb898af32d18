//! PostgreSQL: GIN indexes over each lesson's title, and its title and
//! summary (issue 20), so a search can find the lessons whose title (or
//! title and summary) holds every word without reading a body: those are
//! listed first (`db::search`).
//!
//! The whole-lesson `search_vector` cannot answer that cheaply: its GIN index
//! keeps no weights, so a weight-restricted query (`'cache':AB`) rechecks
//! every lesson holding the word in its body, reading each one's vector (a
//! common word is in almost every lesson). These are over the title and
//! summary vectors `search_vector` starts with; `db::search` writes each
//! expression exactly as here, which is how PostgreSQL finds the index.
//!
//! SQLite needs nothing: FTS5 filters by column (`{title summary} : …`) in
//! the index it has.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        db.execute_unprepared(
            "CREATE INDEX ix_lessons_search_title ON lessons USING GIN (\
                (to_tsvector('simple', coalesce(title, ''))))",
        )
        .await?;
        db.execute_unprepared(
            "CREATE INDEX ix_lessons_search_title_summary ON lessons USING GIN ((\
                setweight(to_tsvector('simple', coalesce(title, '')), 'A') || \
                setweight(to_tsvector('simple', coalesce(summary, '')), 'B')))",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        manager
            .get_connection()
            .execute_unprepared(
                "DROP INDEX IF EXISTS ix_lessons_search_title, ix_lessons_search_title_summary",
            )
            .await?;
        Ok(())
    }
}
