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

/// Opens a run (counts zero, not finished) so its id can be handed out
/// before it completes, as the webhook does.
pub async fn start(db: &impl ConnectionTrait, origin: SyncOrigin) -> Result<i32, DbErr> {
    let run = sync_run::ActiveModel {
        origin: Set(origin),
        started_at: Set(chrono::Utc::now()),
        finished_at: Set(None),
        created: Set(0),
        updated: Set(0),
        unchanged: Set(0),
        archived: Set(0),
        conflicts: Set(0),
        errors: Set(0),
        report: Set("[]".into()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(run.id)
}

/// Closes run `id` with its counts and findings (JSON).
pub async fn finish(
    db: &impl ConnectionTrait,
    id: i32,
    counts: Counts,
    report_json: String,
) -> Result<(), DbErr> {
    sync_run::ActiveModel {
        id: Set(id),
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
    .update(db)
    .await?;
    Ok(())
}

pub async fn by_id(db: &impl ConnectionTrait, id: i32) -> Result<Option<SyncRun>, DbErr> {
    sync_run::Entity::find_by_id(id).one(db).await
}

/// The most recent runs, newest first.
pub async fn recent(db: &impl ConnectionTrait, limit: u64) -> Result<Vec<SyncRun>, DbErr> {
    sync_run::Entity::find()
        .order_by_desc(sync_run::Column::Id)
        .limit(limit)
        .all(db)
        .await
}
