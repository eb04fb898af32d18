//! Which version of the renderer wrote each row's stored HTML. When Lectern's
//! rendering changes (the highlighter, the sanitiser, heading ids), rows
//! written by an older version are rendered again from their markdown;
//! existing rows start at 0, so the first start after this migration
//! renders them all once.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Lessons {
    Table,
    RenderVersion,
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
