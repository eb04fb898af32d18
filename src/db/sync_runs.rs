//! Queries on `sync_runs`.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait, QueryOrder,
    QuerySelect,
};

use super::entity::{sync_run, SyncOrigin};

pub use sync_run::Model as SyncRun;

/// Counts of one finished run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub created: i32,
    pub updated: i32,
    pub unchanged: i32,
    pub archived: i32,
    pub conflicts: i32,
    pub errors: i32,
}

pub async fn record(
    db: &impl ConnectionTrait,
    origin: SyncOrigin,
    started_at: chrono::DateTime<chrono::Utc>,
    counts: Counts,
    report_json: String,
) -> Result<SyncRun, DbErr> {
    sync_run::ActiveModel {
        origin: Set(origin),
        started_at: Set(started_at),
        finished_at: Set(Some(chrono::Utc::now())),
        created: Set(counts.created),
        updated: Set(counts.updated),
        unchanged: Set(counts.unchanged),
        archived: Set(counts.archived),
        conflicts: Set(counts.conflicts),
        errors: Set(counts.errors),
        report: Set(report_json),
        ..Default::default()
    }
    .insert(db)
    .await
}

/// The most recent runs, newest first.
pub async fn recent(db: &impl ConnectionTrait, limit: u64) -> Result<Vec<SyncRun>, DbErr> {
    sync_run::Entity::find()
        .order_by_desc(sync_run::Column::Id)
        .limit(limit)
        .all(db)
        .await
}
