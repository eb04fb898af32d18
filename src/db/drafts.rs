//! Queries on `lesson_drafts`: an editor's autosaved forms.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
};

use super::entity::lesson_draft::{self, Column, Entity};

pub use lesson_draft::Model as Draft;

/// Stores the user's draft for `target`, replacing the one it had.
pub async fn put(
    db: &impl ConnectionTrait,
    user_id: i32,
    target: &str,
    opened_version: Option<i32>,
    fields_json: String,
    saved_at: DateTime<Utc>,
) -> Result<(), DbErr> {
    Entity::insert(lesson_draft::ActiveModel {
        user_id: Set(user_id),
        target: Set(target.to_string()),
        opened_version: Set(opened_version),
        fields: Set(fields_json),
        saved_at: Set(saved_at),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([Column::UserId, Column::Target])
            .update_columns([Column::OpenedVersion, Column::Fields, Column::SavedAt])
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// The user's draft for `target`, if any.
pub async fn get(
    db: &impl ConnectionTrait,
    user_id: i32,
    target: &str,
) -> Result<Option<Draft>, DbErr> {
    Entity::find()
        .filter(Column::UserId.eq(user_id))
        .filter(Column::Target.eq(target))
        .one(db)
        .await
}

/// The user's most recent draft whose target starts with `prefix`.
pub async fn newest_with_prefix(
    db: &impl ConnectionTrait,
    user_id: i32,
    prefix: &str,
) -> Result<Option<Draft>, DbErr> {
    Entity::find()
        .filter(Column::UserId.eq(user_id))
        .filter(Column::Target.starts_with(prefix))
        .order_by_desc(Column::SavedAt)
        .one(db)
        .await
}

pub async fn delete(db: &impl ConnectionTrait, user_id: i32, target: &str) -> Result<(), DbErr> {
    Entity::delete_many()
        .filter(Column::UserId.eq(user_id))
        .filter(Column::Target.eq(target))
        .exec(db)
        .await?;
    Ok(())
}

/// Forgets every draft saved before `cutoff`, whoever wrote it.
pub async fn delete_older_than(
    db: &impl ConnectionTrait,
    cutoff: DateTime<Utc>,
) -> Result<u64, DbErr> {
    Ok(Entity::delete_many()
        .filter(Column::SavedAt.lt(cutoff))
        .exec(db)
        .await?
        .rows_affected)
}
