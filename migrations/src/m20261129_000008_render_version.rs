//! Which version of the renderer wrote each row's stored HTML. When Lectern's
//! rendering changes (the highlighter, the sanitiser, heading ids), rows
//! written by an older version are rendered again from their markdown;
//! existing rows start at 0, so the first start after this migration
//! renders them all once.
//!
//! Two narrow indexes keep what every sync and start reads off the wide rows
//! (on SQLite the columns after the bodies are reached through each row's
//! overflow pages: about 350 MB for 10,000 lessons): the look for stale rows,
//! and sync's index of files and hashes (a full scan of it took 75 ms, the
//! covering index 16 ms).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum Lessons {
    Table,
    Id,
    RenderVersion,
    SourcePath,
    SourceHash,
    SyncedHash,
    ContentHash,
    CourseId,
    Slug,
    Status,
    Version,
}

#[derive(DeriveIden)]
enum Courses {
    Table,
    RenderVersion,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Lessons::Table)
                    .add_column(
                        ColumnDef::new(Lessons::RenderVersion)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_lessons_render_version")
                    .table(Lessons::Table)
                    .col(Lessons::RenderVersion)
                    .col(Lessons::Id)
                    .to_owned(),
            )
            .await?;
        let mut sync_index = Index::create()
            .name("ix_lessons_sync_index")
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
            sync_index.col(column);
        }
        manager.create_index(sync_index).await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Courses::Table)
                    .add_column(
                        ColumnDef::new(Courses::RenderVersion)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_lessons_sync_index")
                    .table(Lessons::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("ix_lessons_render_version")
                    .table(Lessons::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Lessons::Table)
                    .drop_column(Lessons::RenderVersion)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Courses::Table)
                    .drop_column(Courses::RenderVersion)
                    .to_owned(),
            )
            .await
    }
}
