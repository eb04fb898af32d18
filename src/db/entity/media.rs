use sea_orm::entity::prelude::*;

/// An image or other file, stored in the database by content hash so every
/// instance can serve it and its URL never changes meaning.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "media")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub sha256: String,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub bytes: Vec<u8>,
    pub created_at: DateTimeUtc,
    /// The uploader's description of the image (empty for files from sync).
    pub alt: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
