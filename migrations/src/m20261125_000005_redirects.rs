//! Redirects: old URLs (front matter `aliases`, and slugs that changed) that
//! answer 301 to a lesson's or course's current URL.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum Redirects {
    Table,
    Id,
    FromPath,
    LessonId,
    CourseId,
    Kind,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Redirects::Table)
                    .col(pk_auto(Redirects::Id))
                    .col(string_len_uniq(Redirects::FromPath, 512))
                    .col(integer_null(Redirects::LessonId))
                    .col(integer_null(Redirects::CourseId))
                    .col(string_len(Redirects::Kind, 16))
                    .col(timestamp_with_time_zone(Redirects::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_redirects_lesson")
                    .table(Redirects::Table)
                    .col(Redirects::LessonId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Redirects::Table).to_owned())
            .await
    }
}
