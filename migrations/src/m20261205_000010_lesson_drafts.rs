//! Autosaved drafts of the lesson editor: one row per editor and per lesson
//! (or per "new lesson in course X"), replaced on every autosave. A draft is
//! private to its editor: it is neither live nor a revision.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum LessonDrafts {
    Table,
    Id,
    UserId,
    Target,
    OpenedVersion,
    Fields,
    SavedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(LessonDrafts::Table)
                    .col(pk_auto(LessonDrafts::Id))
                    .col(integer(LessonDrafts::UserId))
                    .col(string_len(LessonDrafts::Target, 64))
                    .col(integer_null(LessonDrafts::OpenedVersion))
                    .col(text(LessonDrafts::Fields))
                    .col(timestamp_with_time_zone(LessonDrafts::SavedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_lesson_drafts_user")
                            .from(LessonDrafts::Table, LessonDrafts::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_lesson_drafts_user_target")
                    .table(LessonDrafts::Table)
                    .col(LessonDrafts::UserId)
                    .col(LessonDrafts::Target)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_lesson_drafts_saved_at")
                    .table(LessonDrafts::Table)
                    .col(LessonDrafts::SavedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(LessonDrafts::Table).to_owned())
            .await
    }
}
