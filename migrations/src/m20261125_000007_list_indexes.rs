//! Narrow indexes for lists that filter many lessons: the admin's lesson
//! list (course, position and slug order; status, conflict and title
//! filters) and search results (visibility of every matching lesson).
//!
//! On SQLite a row's columns are stored in table order and the bodies come
//! before `status`, `position` and `publish_at`, so reading those from the
//! table walks each row's overflow pages: at 10,000 lessons a filtered admin
//! list or a search for a common word took over 100 ms. These indexes hold
//! every column such a query reads, so it never touches the wide rows.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum Lessons {
    Table,
    Id,
    CourseId,
    Position,
    Slug,
    Status,
    ConflictRevisionId,
    Title,
    PublishAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let indexes = [
            (
                "ix_lessons_admin_list",
                vec![
                    Lessons::CourseId,
                    Lessons::Position,
                    Lessons::Slug,
                    Lessons::Status,
                    Lessons::ConflictRevisionId,
                    Lessons::Title,
                ],
            ),
            (
                "ix_lessons_visibility",
                vec![
                    Lessons::Id,
                    Lessons::Status,
                    Lessons::PublishAt,
                    Lessons::CourseId,
                ],
            ),
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
        for name in ["ix_lessons_admin_list", "ix_lessons_visibility"] {
            manager
                .drop_index(Index::drop().name(name).table(Lessons::Table).to_owned())
                .await?;
        }
        Ok(())
    }
}
