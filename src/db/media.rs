//! Queries on `media`.

use std::collections::HashSet;

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter, QuerySelect,
};

use super::entity::media;

pub use media::Model as Media;

/// Which of `hashes` are already stored.
pub async fn existing(
    db: &impl ConnectionTrait,
    hashes: &[String],
) -> Result<HashSet<String>, DbErr> {
    let mut found = HashSet::new();
    for chunk in hashes.chunks(500) {
        let rows: Vec<String> = media::Entity::find()
            .select_only()
            .column(media::Column::Sha256)
            .filter(media::Column::Sha256.is_in(chunk.iter().cloned()))
            .into_tuple()
            .all(db)
            .await?;
        found.extend(rows);
    }
    Ok(found)
}

pub async fn insert(
    db: &impl ConnectionTrait,
    sha256: &str,
    name: &str,
    content_type: &str,
    bytes: Vec<u8>,
) -> Result<(), DbErr> {
    media::ActiveModel {
        sha256: Set(sha256.to_string()),
        name: Set(name.to_string()),
        content_type: Set(content_type.to_string()),
        size: Set(bytes.len() as i64),
        bytes: Set(bytes),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

pub async fn by_hash(db: &impl ConnectionTrait, sha256: &str) -> Result<Option<Media>, DbErr> {
    media::Entity::find()
        .filter(media::Column::Sha256.eq(sha256))
        .one(db)
        .await
}

/// A stored file without its bytes.
#[derive(Clone, Debug, sea_orm::FromQueryResult, serde::Serialize)]
pub struct MediaInfo {
    pub sha256: String,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// The newest stored files, without their bytes.
pub async fn recent(db: &impl ConnectionTrait, limit: u64) -> Result<Vec<MediaInfo>, DbErr> {
    use sea_orm::QueryOrder;
    media::Entity::find()
        .select_only()
        .columns([
            media::Column::Sha256,
            media::Column::Name,
            media::Column::ContentType,
            media::Column::Size,
            media::Column::CreatedAt,
        ])
        .order_by_desc(media::Column::Id)
        .limit(limit)
        .into_model::<MediaInfo>()
        .all(db)
        .await
}
