//! Where each section of a lesson's plain text begins, so a search result
//! can link to the heading of the section its words were found in, and cut
//! its snippet from that section only (a heading never runs into the
//! paragraph after it). JSON text: `[{"at": 120, "id": "run-it", "title":
//! "Run it"}, …]`, `at` a byte offset into `body_text`, `id` a heading id of
//! the lesson's table of contents.
//!
//! Rows written before have none (NULL) until the application fills them,
//! at its next start (`db::migrate`), from their markdown and table of
//! contents; their results link to the lesson meanwhile.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::text_null;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum Lessons {
    Table,
    BodySections,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Lessons::Table)
                    .add_column(text_null(Lessons::BodySections))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Lessons::Table)
                    .drop_column(Lessons::BodySections)
                    .to_owned(),
            )
            .await
    }
}
