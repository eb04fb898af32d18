//! Indexes for the queries that run on every uncached page and in the admin
//! at scale: a course's outline, recent edits, open conflicts, the next
//! scheduled publication.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum Lessons {
    Table,
    CourseId,
    Position,
    UpdatedAt,
    ConflictRevisionId,
    PublishAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let indexes = [
            (
                "ix_lessons_course_position",
                vec![Lessons::CourseId, Lessons::Position],
            ),
            ("ix_lessons_updated_at", vec![Lessons::UpdatedAt]),
            ("ix_lessons_conflict", vec![Lessons::ConflictRevisionId]),
            ("ix_lessons_publish_at", vec![Lessons::PublishAt]),
        ];
        for (name, columns) in indexes {
            let mut index = Index::create().name(name).table(Lessons::Table).to_owned();
            for column in columns {
                index.col(column);
            }
            manager.create_index(index).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in [
            "ix_lessons_course_position",
            "ix_lessons_updated_at",
            "ix_lessons_conflict",
            "ix_lessons_publish_at",
        ] {
            manager
                .drop_index(Index::drop().name(name).table(Lessons::Table).to_owned())
                .await?;
        }
        Ok(())
    }
}
