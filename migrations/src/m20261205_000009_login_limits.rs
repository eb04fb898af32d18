//! Login limits as counters: one row per account and per client address,
//! holding how many password checks the current window has used. A login
//! takes its attempt with one atomic upsert before the password is checked,
//! so concurrent requests (on one instance or several sharing PostgreSQL)
//! cannot run more checks than the limit allows.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum LoginLimits {
    Table,
    Key,
    WindowStartedAt,
    Attempts,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(LoginLimits::Table)
                    .col(string_len(LoginLimits::Key, 200).primary_key())
                    .col(timestamp_with_time_zone(LoginLimits::WindowStartedAt))
                    .col(integer(LoginLimits::Attempts))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_login_limits_window")
                    .table(LoginLimits::Table)
                    .col(LoginLimits::WindowStartedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(LoginLimits::Table).to_owned())
            .await
    }
}
