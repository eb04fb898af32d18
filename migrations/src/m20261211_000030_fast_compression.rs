//! PostgreSQL: the lesson columns it compresses itself (the markdown, the
//! one-page view's delta, the table of contents and the body's sections)
//! compressed with lz4 rather than pglz (issue 20: a cold sync of 100,000
//! lessons in a minute).
//!
//! `pglz_compress` was 6% of the whole machine's time in a cold sync of
//! 10,000 lessons (`perf`), most of it on the markdown. lz4 compresses it
//! several times faster and a little less (the database 2% larger, 3 MB at
//! 10,000 lessons), which zstd in `db::stored_html` more than paid for.
//!
//! Only values written from now on are compressed so; older ones stay as
//! they are and read alike. A server built without lz4 keeps pglz: the
//! change is a speed-up, not a need.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

const COLUMNS: [&str; 4] = ["body_md", "all_html", "toc", "body_sections"];

/// Sets the columns' compression, or does nothing where the server does
/// not know the method (it answers `feature_not_supported`).
fn set_compression(method: &str) -> String {
    let columns: Vec<String> = COLUMNS
        .iter()
        .map(|c| format!("ALTER COLUMN {c} SET COMPRESSION {method}"))
        .collect();
    format!(
        "DO $$ BEGIN ALTER TABLE lessons {}; \
         EXCEPTION WHEN feature_not_supported THEN NULL; END $$",
        columns.join(", ")
    )
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared(&set_compression("lz4"))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared(&set_compression("default"))
                .await?;
        }
        Ok(())
    }
}
