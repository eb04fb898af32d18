//! When each lesson's text last changed: what its "Updated" date shows when
//! front matter gives no `updated`. `updated_at` moves on every write of the
//! row (a sync that changes nothing in the text, a status change), so it
//! made every lesson of a fresh install say it was updated on the day of
//! the first sync.
//!
//! Rows written before keep the best date there is, their `updated_at`;
//! for a lesson from a file the next sync replaces it with the file's date
//! (its last commit, or its modification time outside git).
//!
//! Sync reads the column for every lesson, so sync's narrow index (see
//! `m20261129_000008_render_version`) is made again with it at its end: the
//! column sits after the bodies on SQLite, and reading it from the rows
//! would walk each wide row.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum Lessons {
    Table,
    TextChangedAt,
    UpdatedAt,
    SourcePath,
    SourceHash,
    SyncedHash,
    ContentHash,
    CourseId,
    Slug,
    Status,
    Version,
}

const SYNC_INDEX: &str = "ix_lessons_sync_index";

/// Sync's index, with `text_changed_at` at its end or without it.
fn sync_index(with_text_changed_at: bool) -> IndexCreateStatement {
    let mut index = Index::create()
        .name(SYNC_INDEX)
        .table(Lessons::Table)
        .to_owned();
    for column in [
        Lessons::SourcePath,
        Lessons::SourceHash,
        Lessons::SyncedHash,
        Lessons::ContentHash,
        Lessons::CourseId,
        Lessons::Slug,
        Lessons::Status,
        Lessons::Version,
    ] {
        index.col(column);
    }
    if with_text_changed_at {
        index.col(Lessons::TextChangedAt);
    }
    index
}

fn drop_sync_index() -> IndexDropStatement {
    Index::drop()
        .name(SYNC_INDEX)
        .table(Lessons::Table)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds a NOT NULL column only with a constant default; every
        // row gets its real value at once below.
        manager
            .alter_table(
                Table::alter()
                    .table(Lessons::Table)
                    .add_column(
                        ColumnDef::new(Lessons::TextChangedAt)
                            .timestamp_with_time_zone()
                            .not_null()
                            .default("1970-01-01T00:00:00+00:00"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::update()
                    .table(Lessons::Table)
                    .value(Lessons::TextChangedAt, Expr::col(Lessons::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager.drop_index(drop_sync_index()).await?;
        manager.create_index(sync_index(true)).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(drop_sync_index()).await?;
        manager.create_index(sync_index(false)).await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Lessons::Table)
                    .drop_column(Lessons::TextChangedAt)
                    .to_owned(),
            )
            .await
    }
}
