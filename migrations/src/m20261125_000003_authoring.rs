//! Authoring: what a lesson needs for prerequisites, reading-time estimates
//! and the course's one-page view. All three are written with the lesson
//! (sync or an admin save), never computed per request.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum Lessons {
    Table,
    Prerequisites,
    WordCount,
    AllHtml,
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

        // Rows written before this migration get these columns at their next
        // write (a changed file, an admin save). Until then pages estimate no
        // reading time, show no prerequisites and put the plain body on the
        // one-page view. Forcing a re-sync here would be simpler but would
        // also undo status and order changes made in the admin.
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
