use sea_orm::entity::prelude::*;

/// An old URL that answers 301 with the current URL of a lesson or course.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "redirects")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// The old path, normalised (`/course/old-slug/`).
    #[sea_orm(unique)]
    pub from_path: String,
    pub lesson_id: Option<i32>,
    pub course_id: Option<i32>,
    /// `alias` (from front matter) or `moved` (a slug that changed).
    pub kind: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
