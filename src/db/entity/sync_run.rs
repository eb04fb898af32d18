use sea_orm::entity::prelude::*;

use super::SyncOrigin;

/// One run of sync, with its counts and (as JSON) its findings.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sync_runs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub origin: SyncOrigin,
    pub started_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
    pub created: i32,
    pub updated: i32,
    pub unchanged: i32,
    pub archived: i32,
    pub conflicts: i32,
    pub errors: i32,
    /// The run's diagnostics as a JSON list.
    pub report: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
