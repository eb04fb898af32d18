use sea_orm::entity::prelude::*;

/// An editor's autosaved, unsaved form for one lesson (`target` is
/// `lesson:<id>`) or for a new lesson in a course (`new:<course id>`). One
/// row per user and target, replaced on each autosave; never live, never in
/// a lesson's history.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "lesson_drafts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub user_id: i32,
    pub target: String,
    /// The lesson's version when the editor opened the form (none for a new
    /// lesson): a restored draft saves through the stale-save check from it.
    pub opened_version: Option<i32>,
    /// The form's fields as JSON (`editing::drafts::DraftFields`).
    pub fields: String,
    pub saved_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::UserId",
        to = "super::user::Column::Id",
        on_delete = "Cascade"
    )]
    User,
}

impl ActiveModelBehavior for ActiveModel {}
