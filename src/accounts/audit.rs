//! The audit log: who changed what, and when.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryOrder, QuerySelect,
};

use crate::db::entity::audit_entry;

pub use audit_entry::Model as AuditEntry;

pub async fn record(
    db: &impl ConnectionTrait,
    actor: &str,
    action: &str,
    target: &str,
    detail: &str,
) -> Result<(), DbErr> {
    audit_entry::ActiveModel {
        actor: Set(actor.chars().take(64).collect()),
        action: Set(action.to_string()),
        target: Set(target.chars().take(255).collect()),
        detail: Set(detail.to_string()),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

pub async fn recent(
    db: &impl ConnectionTrait,
    limit: u64,
    offset: u64,
) -> Result<Vec<AuditEntry>, DbErr> {
    audit_entry::Entity::find()
        .order_by_desc(audit_entry::Column::Id)
        .limit(limit)
        .offset(offset)
        .all(db)
        .await
}

/// How many entries the log holds.
pub async fn count(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    audit_entry::Entity::find().count(db).await
}
