//! Indexes for the admin's dashboard at 100,000 lessons (issue 20), which
//! read every lesson twice:
//!
//! - `ix_lessons_course_status` (course id, status): the lessons counted by
//!   course and status, from the index alone (the list's wider index,
//!   migration 7, holds titles between them).
//! - `ix_lessons_unexported`: a partial index of the lessons whose text the
//!   content folder does not have yet (made or edited in the admin, not
//!   archived), in course and position order. It holds only those lessons,
//!   usually none, so counting them and naming the first few reads nothing
//!   else. Its condition is `db::lessons::NEEDS_EXPORT`'s, word for word:
//!   SQLite uses a partial index only for a query that states its condition.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum Lessons {
    Table,
    CourseId,
    Status,
}

const COURSE_STATUS: &str = "ix_lessons_course_status";
const UNEXPORTED: &str = "ix_lessons_unexported";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(COURSE_STATUS)
                    .table(Lessons::Table)
                    .col(Lessons::CourseId)
                    .col(Lessons::Status)
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(&format!(
                "CREATE INDEX {UNEXPORTED} ON lessons (course_id, position) \
                 WHERE status <> 'archived' AND \
                 (source_path IS NULL OR synced_hash IS NULL OR synced_hash <> content_hash)"
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in [UNEXPORTED, COURSE_STATUS] {
            manager
                .get_connection()
                .execute_unprepared(&format!("DROP INDEX IF EXISTS {name}"))
                .await?;
        }
        Ok(())
    }
}
