//! PostgreSQL: lesson rows narrow enough that the table of 100,000 lessons
//! stays in memory (issue 20: search p99 at most 100 ms).
//!
//! A row is made smaller once it passes about 2 KB (with its markdown, a
//! lesson's row always does), and by default only until it is under that
//! again: the markdown went out of line, but the table of contents, the
//! quiz answers' markup and the sections of the body (1.1 KB together)
//! stayed in the row. That was 181 MB of rows at 100,000 lessons, more than
//! PostgreSQL's default 128 MB of buffers, and every search that reads its
//! matches through an index read most of their rows from the operating
//! system (46 ms for 2,400 rows). With a target of 700 bytes those values
//! go out of line too, read only with the lesson itself: the rows take
//! 64 MB, and the database was 26 MB smaller (1,590 MB against 1,616 MB).
//!
//! A row is narrowed when it is next written (a cold sync writes them
//! all); on an upgraded site the lessons unchanged since keep their wide
//! rows, which costs only speed.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("ALTER TABLE lessons SET (toast_tuple_target = 700)")
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("ALTER TABLE lessons RESET (toast_tuple_target)")
                .await?;
        }
        Ok(())
    }
}
