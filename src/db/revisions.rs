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
    lesson_revision::ActiveModel {
        lesson_id: Set(lesson.id),
        version: Set(lesson.version),
        title: Set(lesson.title.clone()),
        summary: Set(lesson.summary.clone()),
        body_md: Set(lesson.body_md.clone()),
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
