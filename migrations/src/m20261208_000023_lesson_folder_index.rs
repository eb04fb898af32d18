//! An index of each lesson's course folder (the first segment of its file's
//! path), so that a resync reads the rows of the few folders that changed
//! (`db::lessons::sync_index_of`) rather than all 100,000 (issue 20). The
//! expression is the one those queries name, per backend.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

const NAME: &str = "ix_lessons_source_folder";

/// The folder expression of `db::lessons::source_folder`.
fn folder(backend: DatabaseBackend) -> &'static str {
    match backend {
        DatabaseBackend::Postgres => "split_part(source_path, '/', 1)",
        _ => "substr(source_path, 1, instr(source_path, '/') - 1)",
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let sql = format!(
            "CREATE INDEX {NAME} ON lessons (({}))",
            folder(manager.get_database_backend())
        );
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
