//! Queries on `lesson_revisions`.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter, QueryOrder,
};

use super::entity::{lesson, lesson_revision, Origin};

pub use lesson_revision::Model as Revision;

/// Records the lesson's current text as a revision. Called in the same
/// transaction as the change it records.
pub async fn record(
    db: &impl ConnectionTrait,
    lesson: &lesson::Model,
    origin: Origin,
    author: Option<&str>,
    note: Option<&str>,
) -> Result<Revision, DbErr> {
    let text = RevisionText {
        title: &lesson.title,
        summary: &lesson.summary,
        body_md: &lesson.body_md,
    };
    record_text(db, lesson.id, lesson.version, text, origin, author, note).await
}

/// The text a revision keeps.
#[derive(Clone, Copy, Debug)]
pub struct RevisionText<'a> {
    pub title: &'a str,
    pub summary: &'a str,
    pub body_md: &'a str,
}

/// Records a text that is not (or not yet) the lesson's current one: a
/// conflicting file, a refused stale save.
pub async fn record_text(
    db: &impl ConnectionTrait,
    lesson_id: i32,
    version: i32,
    text: RevisionText<'_>,
    origin: Origin,
    author: Option<&str>,
    note: Option<&str>,
) -> Result<Revision, DbErr> {
    lesson_revision::ActiveModel {
        lesson_id: Set(lesson_id),
        version: Set(version),
        title: Set(text.title.to_string()),
        summary: Set(text.summary.to_string()),
        body_md: Set(text.body_md.to_string()),
        origin: Set(origin),
        author: Set(author.map(str::to_string)),
        note: Set(note.map(str::to_string)),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await
}

/// A lesson's revisions, newest first.
pub async fn for_lesson(db: &impl ConnectionTrait, lesson_id: i32) -> Result<Vec<Revision>, DbErr> {
    lesson_revision::Entity::find()
        .filter(lesson_revision::Column::LessonId.eq(lesson_id))
        .order_by_desc(lesson_revision::Column::Id)
        .all(db)
        .await
}

pub async fn by_id(db: &impl ConnectionTrait, id: i32) -> Result<Option<Revision>, DbErr> {
    lesson_revision::Entity::find_by_id(id).one(db).await
}
