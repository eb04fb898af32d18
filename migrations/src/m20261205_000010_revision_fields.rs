//! A revision keeps, beside its text, the lesson's other fields as the
//! editor shows them (slug, course, status, learner information), as JSON.
//! A three-way merge of a stale save needs them to tell which side changed
//! a field; the history shows them in its comparisons. Existing revisions
//! have none (NULL): a merge then treats a differing field as a conflict.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum LessonRevisions {
    Table,
    Fields,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(LessonRevisions::Table)
                    .add_column(ColumnDef::new(LessonRevisions::Fields).text().null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(LessonRevisions::Table)
                    .drop_column(LessonRevisions::Fields)
                    .to_owned(),
            )
            .await
    }
}
