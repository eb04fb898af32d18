//! PostgreSQL's storage of lessons (issue 20: the database at most 3× its
//! markdown, and a cold sync of 100,000 lessons in a minute).
//!
//! It drops `ix_lessons_sync_index` (migration 8, widened in 11), a
//! copy of every lesson's path, three hashes, slug and version in one
//! index. On SQLite it spares a sync the wide rows, whose bodies sit in the
//! row itself; PostgreSQL moves bodies out of line, so its rows are already
//! narrow (1.8 KB a lesson) and a sync reads them as fast, while the index
//! took 58 MB at 100,000 lessons, a twentieth of the database. Lookups by
//! path use the unique index on `source_path`, and a resync's folders
//! `ix_lessons_source_folder`.
//!
//! And it stores the brotli-compressed pages and the search vectors out of
//! line without trying to compress them again: neither shrinks under
//! PostgreSQL's own compression (a vector by less than the quarter it asks
//! for, 4.6 KB stored as 4.6 KB), and `pglz_compress` was 15% of the
//! backends' time in a cold sync of 10,000 lessons (`perf`), some of it
//! spent on these two. The markdown is still compressed (to half).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

const NAME: &str = "ix_lessons_sync_index";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            let db = manager.get_connection();
            db.execute_unprepared(&format!("DROP INDEX IF EXISTS {NAME}"))
                .await?;
            db.execute_unprepared(
                "ALTER TABLE lessons ALTER COLUMN body_html SET STORAGE EXTERNAL, \
                 ALTER COLUMN search_vector SET STORAGE EXTERNAL",
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            let db = manager.get_connection();
            db.execute_unprepared(
                "ALTER TABLE lessons ALTER COLUMN body_html SET STORAGE EXTENDED, \
                 ALTER COLUMN search_vector SET STORAGE EXTENDED",
            )
            .await?;
            db.execute_unprepared(&format!(
                "CREATE INDEX IF NOT EXISTS {NAME} ON lessons (source_path, source_hash, \
                 synced_hash, content_hash, course_id, slug, status, version, text_changed_at)"
            ))
            .await?;
        }
        Ok(())
    }
}
