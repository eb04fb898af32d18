//! The content version: one number bumped in every transaction that changes
//! what the public sees, so page caches (on every instance) can tell cheaply
//! whether they are stale.

use sea_orm::{ConnectionTrait, DatabaseTransaction, DbErr, Statement, Value};

use super::Db;

/// Commits a transaction (begun on `db`) that changed public content,
/// bumping the content version in it. Counted on `db`'s handle only once
/// committed: its instance's cache sees the edit at once, and a page built
/// from data read before the commit is then stale. Other instances see it
/// through the database's `content_version`.
pub async fn commit(db: &Db, txn: DatabaseTransaction) -> Result<(), DbErr> {
    bump(&txn).await?;
    txn.commit().await?;
    db.note_change();
    Ok(())
}

/// Bumps the content version for a change already written outside a
/// transaction.
pub async fn changed(db: &Db) -> Result<(), DbErr> {
    bump(db).await?;
    db.note_change();
    Ok(())
}

/// Bumps the stored version; callers go through [`commit`] or [`changed`].
async fn bump(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    db.execute_raw(Statement::from_string(
        db.get_database_backend(),
        "UPDATE site_state SET content_version = content_version + 1 WHERE id = 1",
    ))
    .await?;
    Ok(())
}

pub async fn content_version(db: &impl ConnectionTrait) -> Result<i64, DbErr> {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT content_version FROM site_state WHERE id = 1",
        ))
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("site_state".into()))?;
    row.try_get("", "content_version")
}

/// A trivial round trip, for the health check.
pub async fn ping(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    db.query_one_raw(Statement::from_sql_and_values(
        db.get_database_backend(),
        "SELECT 1",
        Vec::<Value>::new(),
    ))
    .await?;
    Ok(())
}
