//! A partial index of the lessons whose search text is still to be made
//! (`db::lessons::fill_body_text`, run by `db::migrate` at every start of
//! `lectern serve` and of every command). Without it that look for
//! (nearly always) no rows read the whole lessons table: about 2.6 GB of
//! page reads at 100,000 lessons before each sync (issue 20). The index
//! holds only the rows it finds, so it is empty once they are filled.
//!
//! The conditions are `fill_body_text`'s, per backend: SQLite keeps the
//! plain text in its search index only (migration 17) and looks for missing
//! sections; PostgreSQL for either column missing.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

const NAME: &str = "ix_lessons_lacking_text";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let lacking = match manager.get_database_backend() {
            DatabaseBackend::Sqlite => "body_sections IS NULL",
            _ => "body_text IS NULL OR body_sections IS NULL",
        };
        let sql = format!("CREATE INDEX {NAME} ON lessons (id) WHERE {lacking}");
        manager.get_connection().execute_unprepared(&sql).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(&format!("DROP INDEX IF EXISTS {NAME}"))
            .await?;
        Ok(())
    }
}
