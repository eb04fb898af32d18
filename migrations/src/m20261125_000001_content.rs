//! Courses, lessons, their revisions, media, sync runs and the site's
//! content version (bumped by every content write, so caches can tell
//! cheaply whether anything changed).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum Courses {
    Table,
    Id,
    Slug,
    Title,
    Summary,
    BodyMd,
    BodyHtml,
    Position,
    Status,
    SourcePath,
    SourceHash,
    SyncedHash,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Lessons {
    Table,
    Id,
    CourseId,
    Slug,
    Title,
    Summary,
    BodyMd,
    BodyHtml,
    Toc,
    Position,
    Status,
    Version,
    Tags,
    Duration,
    Level,
    PublishAt,
    UpdatedOn,
    SourcePath,
    SourceHash,
    SyncedHash,
    ContentHash,
    ConflictRevisionId,
    UpdatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum LessonRevisions {
    Table,
    Id,
    LessonId,
    Version,
    Title,
    Summary,
    BodyMd,
    Origin,
    Author,
    Note,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Media {
    Table,
    Id,
    Sha256,
    Name,
    ContentType,
    Size,
    Bytes,
    CreatedAt,
}

#[derive(DeriveIden)]
enum SyncRuns {
    Table,
    Id,
    Origin,
    StartedAt,
    FinishedAt,
    Created,
    Updated,
    Unchanged,
    Archived,
    Conflicts,
    Errors,
    Report,
}

#[derive(DeriveIden)]
enum SiteState {
    Table,
    Id,
    ContentVersion,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Courses::Table)
                    .col(pk_auto(Courses::Id))
                    .col(string_len_uniq(Courses::Slug, 128))
                    .col(string_len(Courses::Title, 512))
                    .col(text(Courses::Summary))
                    .col(text(Courses::BodyMd))
                    .col(text(Courses::BodyHtml))
                    .col(integer(Courses::Position))
                    .col(string_len(Courses::Status, 16))
                    .col(string_len_null(Courses::SourcePath, 512).unique_key())
                    .col(string_len_null(Courses::SourceHash, 64))
                    .col(string_len_null(Courses::SyncedHash, 64))
                    .col(timestamp_with_time_zone(Courses::CreatedAt))
                    .col(timestamp_with_time_zone(Courses::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Lessons::Table)
                    .col(pk_auto(Lessons::Id))
                    .col(integer(Lessons::CourseId))
                    .col(string_len(Lessons::Slug, 128))
                    .col(string_len(Lessons::Title, 512))
                    .col(text(Lessons::Summary))
                    .col(text(Lessons::BodyMd))
                    .col(text(Lessons::BodyHtml))
                    .col(text(Lessons::Toc))
                    .col(integer(Lessons::Position))
                    .col(string_len(Lessons::Status, 16))
                    .col(integer(Lessons::Version))
                    .col(text(Lessons::Tags))
                    .col(integer_null(Lessons::Duration))
                    .col(string_len_null(Lessons::Level, 16))
                    .col(timestamp_with_time_zone_null(Lessons::PublishAt))
                    .col(date_null(Lessons::UpdatedOn))
                    .col(string_len_null(Lessons::SourcePath, 512).unique_key())
                    .col(string_len_null(Lessons::SourceHash, 64))
                    .col(string_len_null(Lessons::SyncedHash, 64))
                    .col(string_len(Lessons::ContentHash, 64))
                    .col(integer_null(Lessons::ConflictRevisionId))
                    .col(string_len_null(Lessons::UpdatedBy, 128))
                    .col(timestamp_with_time_zone(Lessons::CreatedAt))
                    .col(timestamp_with_time_zone(Lessons::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_lessons_course")
                            .from(Lessons::Table, Lessons::CourseId)
                            .to(Courses::Table, Courses::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_lessons_course_slug")
                    .table(Lessons::Table)
                    .col(Lessons::CourseId)
                    .col(Lessons::Slug)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(LessonRevisions::Table)
                    .col(pk_auto(LessonRevisions::Id))
                    .col(integer(LessonRevisions::LessonId))
                    .col(integer(LessonRevisions::Version))
                    .col(string_len(LessonRevisions::Title, 512))
                    .col(text(LessonRevisions::Summary))
                    .col(text(LessonRevisions::BodyMd))
                    .col(string_len(LessonRevisions::Origin, 16))
                    .col(string_len_null(LessonRevisions::Author, 128))
                    .col(text_null(LessonRevisions::Note))
                    .col(timestamp_with_time_zone(LessonRevisions::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_revisions_lesson")
                            .from(LessonRevisions::Table, LessonRevisions::LessonId)
                            .to(Lessons::Table, Lessons::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_revisions_lesson")
                    .table(LessonRevisions::Table)
                    .col(LessonRevisions::LessonId)
                    .col(LessonRevisions::Version)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Media::Table)
                    .col(pk_auto(Media::Id))
                    .col(string_len_uniq(Media::Sha256, 64))
                    .col(string_len(Media::Name, 255))
                    .col(string_len(Media::ContentType, 128))
                    .col(big_integer(Media::Size))
                    .col(blob(Media::Bytes))
                    .col(timestamp_with_time_zone(Media::CreatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(SyncRuns::Table)
                    .col(pk_auto(SyncRuns::Id))
                    .col(string_len(SyncRuns::Origin, 16))
                    .col(timestamp_with_time_zone(SyncRuns::StartedAt))
                    .col(timestamp_with_time_zone_null(SyncRuns::FinishedAt))
                    .col(integer(SyncRuns::Created))
                    .col(integer(SyncRuns::Updated))
                    .col(integer(SyncRuns::Unchanged))
                    .col(integer(SyncRuns::Archived))
                    .col(integer(SyncRuns::Conflicts))
                    .col(integer(SyncRuns::Errors))
                    .col(text(SyncRuns::Report))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(SiteState::Table)
                    .col(integer(SiteState::Id).primary_key())
                    .col(big_integer(SiteState::ContentVersion))
                    .to_owned(),
            )
            .await?;
        let seed = Query::insert()
            .into_table(SiteState::Table)
            .columns([SiteState::Id, SiteState::ContentVersion])
            .values_panic([1.into(), 0.into()])
            .to_owned();
        manager.exec_stmt(seed).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            SiteState::Table.into_iden(),
            SyncRuns::Table.into_iden(),
            Media::Table.into_iden(),
            LessonRevisions::Table.into_iden(),
            Lessons::Table.into_iden(),
            Courses::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
