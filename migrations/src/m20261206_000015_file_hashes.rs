//! The content hash of each markdown file as sync last read it, with the
//! file's size and modification time then (issue 20). A resync hashes only
//! files whose size or time changed: reading and hashing 100,000 unchanged
//! files (760 MB) took longer than the no-change resync may. Only a cache:
//! a missing or stale row costs one read, never a wrong answer (see
//! `db::file_hashes` for the times it does not trust).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, string_len};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum FileHashes {
    Table,
    Path,
    Size,
    Modified,
    Hash,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(FileHashes::Table)
                    .col(string_len(FileHashes::Path, 512).primary_key())
                    .col(big_integer(FileHashes::Size))
                    .col(big_integer(FileHashes::Modified))
                    .col(string_len(FileHashes::Hash, 64))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(FileHashes::Table).to_owned())
            .await
    }
}
