//! Alt text stored with each image, so inserting it in a lesson starts from
//! the words its uploader gave. Images stored before (and those sync stores
//! from the content folder) have none: an empty text.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum Media {
    Table,
    Alt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Media::Table)
                    .add_column(
                        ColumnDef::new(Media::Alt)
                            .string_len(500)
                            .not_null()
                            .default(""),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Media::Table)
                    .drop_column(Media::Alt)
                    .to_owned(),
            )
            .await
    }
}
