//! A revision whose text is the lesson's live text does not keep a second
//! copy of it (issue 20: after a cold sync every lesson's only revision
//! repeated its whole body). `lesson_revisions.body_in_lesson` marks such a
//! revision: its `body_md` is empty and its text is `lessons.body_md`.
//!
//! The database keeps that true for every write path, as it keeps the search
//! index: before a lesson's body changes (or the lesson is deleted), a
//! trigger copies the old body into the revisions that shared it. So every
//! revision stays restorable and diffable with no code to forget; readers
//! take the text with one statement (`db::revisions`), never from two reads
//! a write could fall between.
//!
//! Existing revisions whose text is their lesson's live one are emptied here.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum LessonRevisions {
    Table,
    BodyInLesson,
}

const SQLITE_UP: &[&str] = &[
    "CREATE TRIGGER lessons_revision_text BEFORE UPDATE OF body_md ON lessons \
     WHEN old.body_md IS NOT new.body_md BEGIN \
     UPDATE lesson_revisions SET body_md = old.body_md, body_in_lesson = 0 \
     WHERE lesson_id = old.id AND body_in_lesson = 1; END",
    "CREATE TRIGGER lessons_revision_text_delete BEFORE DELETE ON lessons BEGIN \
     UPDATE lesson_revisions SET body_md = old.body_md, body_in_lesson = 0 \
     WHERE lesson_id = old.id AND body_in_lesson = 1; END",
    "UPDATE lesson_revisions SET body_md = '', body_in_lesson = 1 \
     WHERE body_md = (SELECT l.body_md FROM lessons l WHERE l.id = lesson_revisions.lesson_id)",
];

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS lessons_revision_text_delete",
    "DROP TRIGGER IF EXISTS lessons_revision_text",
    "UPDATE lesson_revisions SET body_md = \
     (SELECT l.body_md FROM lessons l WHERE l.id = lesson_revisions.lesson_id) \
     WHERE body_in_lesson = 1",
];

const POSTGRES_UP: &[&str] = &[
    "CREATE FUNCTION lectern_keep_revision_text() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN \
       UPDATE lesson_revisions SET body_md = OLD.body_md, body_in_lesson = false \
       WHERE lesson_id = OLD.id AND body_in_lesson; \
       IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; \
       RETURN NEW; \
     END $$",
    "CREATE TRIGGER lessons_revision_text BEFORE UPDATE OF body_md ON lessons \
     FOR EACH ROW WHEN (OLD.body_md IS DISTINCT FROM NEW.body_md) \
     EXECUTE FUNCTION lectern_keep_revision_text()",
    "CREATE TRIGGER lessons_revision_text_delete BEFORE DELETE ON lessons \
     FOR EACH ROW EXECUTE FUNCTION lectern_keep_revision_text()",
    "UPDATE lesson_revisions r SET body_md = '', body_in_lesson = true \
     FROM lessons l WHERE l.id = r.lesson_id AND r.body_md = l.body_md",
];

const POSTGRES_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS lessons_revision_text_delete ON lessons",
    "DROP TRIGGER IF EXISTS lessons_revision_text ON lessons",
    "DROP FUNCTION IF EXISTS lectern_keep_revision_text()",
    "UPDATE lesson_revisions r SET body_md = l.body_md \
     FROM lessons l WHERE l.id = r.lesson_id AND r.body_in_lesson",
];

async fn run(manager: &SchemaManager<'_>, statements: &[&str]) -> Result<(), DbErr> {
    let db = manager.get_connection();
    for sql in statements {
        db.execute_unprepared(sql).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(LessonRevisions::Table)
                    .add_column(
                        ColumnDef::new(LessonRevisions::BodyInLesson)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .to_owned(),
            )
            .await?;
        match manager.get_database_backend() {
            DatabaseBackend::Sqlite => run(manager, SQLITE_UP).await,
            DatabaseBackend::Postgres => run(manager, POSTGRES_UP).await,
            other => Err(DbErr::Migration(format!(
                "shared revision text is not implemented for {other:?}"
            ))),
        }
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DatabaseBackend::Sqlite => run(manager, SQLITE_DOWN).await?,
            DatabaseBackend::Postgres => run(manager, POSTGRES_DOWN).await?,
            _ => {}
        }
        manager
            .alter_table(
                Table::alter()
                    .table(LessonRevisions::Table)
                    .drop_column(LessonRevisions::BodyInLesson)
                    .to_owned(),
            )
            .await
    }
}
