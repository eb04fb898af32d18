use sea_orm::entity::prelude::*;

use super::Status;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "courses")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// The course folder's name; the first URL segment.
    #[sea_orm(unique)]
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub body_md: String,
    /// Sanitised HTML rendered from `body_md` when it was written.
    pub body_html: String,
    /// The renderer version that wrote the stored HTML (`markdown::RENDER_VERSION`);
    /// older rows are rendered again at start-up.
    pub render_version: i32,
    /// Order on the home page (the `weight` field).
    pub position: i32,
    pub status: Status,
    /// `course/_course.md`, relative to the content folder; `None` for courses made in the admin.
    pub source_path: Option<String>,
    /// Hash of the `_course.md` bytes last applied.
    pub source_hash: Option<String>,
    /// Hash of the row's content as last synced (to notice admin edits since).
    pub synced_hash: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::lesson::Entity")]
    Lesson,
}

impl Related<super::lesson::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Lesson.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
