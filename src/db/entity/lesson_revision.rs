use sea_orm::entity::prelude::*;

use super::Origin;

/// One saved state of a lesson. Every change to a lesson writes one, in the
/// same transaction, so any text that was ever live can be recovered.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "lesson_revisions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub lesson_id: i32,
    /// The lesson's version this revision produced (or, for a conflict, the
    /// version it was offered against).
    pub version: i32,
    pub title: String,
    pub summary: String,
    /// Empty when `body_in_lesson`: read revisions through `db::revisions`,
    /// which puts the text in.
    pub body_md: String,
    /// The text is the lesson's live `body_md`, not repeated here (migration
    /// 13; a trigger copies it here before the lesson's text changes).
    pub body_in_lesson: bool,
    /// The lesson's other fields at this version, as JSON (see
    /// `db::lessons::ShownFields`); `None` for revisions written before
    /// fields were kept.
    pub fields: Option<String>,
    pub origin: Origin,
    pub author: Option<String>,
    pub note: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::lesson::Entity",
        from = "Column::LessonId",
        to = "super::lesson::Column::Id"
    )]
    Lesson,
}

impl Related<super::lesson::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Lesson.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
