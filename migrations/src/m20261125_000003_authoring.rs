//! Authoring: what a lesson needs for prerequisites, reading-time estimates
//! and the course's one-page view. All three are written with the lesson
//! (sync or an admin save), never computed per request.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Lessons {
    Table,
    Prerequisites,
    WordCount,
    AllHtml,
    SourcePath,
    SourceHash,
    SyncedHash,
    ContentHash,
    Status,
    ConflictRevisionId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one column at a time.
        for column in [
            // JSON list of `{"course": …, "slug": …}`, resolved when written.
            text(Lessons::Prerequisites).default("[]").to_owned(),
            // Words of prose in the body, for the reading-time estimate.
            integer(Lessons::WordCount).default(0).to_owned(),
            // The body as rendered for `/<course>/all/`.
            text(Lessons::AllHtml).default("").to_owned(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Lessons::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }

        // Lessons from files that nobody changed in the admin since their last
        // sync are applied again at the next sync (their file hash is
        // forgotten), which fills the new columns and stores the front matter's
        // prerequisites. Others keep their text and fill the columns at their
        // next save; pages read the plain body until then.
        manager
            .exec_stmt(
                Query::update()
                    .table(Lessons::Table)
                    .value(Lessons::SourceHash, Option::<String>::None)
                    .and_where(Expr::col(Lessons::SourcePath).is_not_null())
                    .and_where(Expr::col(Lessons::SyncedHash).equals(Lessons::ContentHash))
                    .and_where(Expr::col(Lessons::Status).ne("archived"))
                    .and_where(Expr::col(Lessons::ConflictRevisionId).is_null())
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Lessons::AllHtml, Lessons::WordCount, Lessons::Prerequisites] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Lessons::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
