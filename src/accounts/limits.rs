//! Login rate limits, counted in the database so every instance shares them:
//! at most 5 failed password checks per account and 20 per client address in
//! a 15-minute window.
//!
//! A login takes its attempt *before* the password is checked, with one
//! atomic upsert per counter (`login_limits`), so thirty requests sent at
//! once cannot all pass a check that is only recorded afterwards. A login
//! that succeeds gives its attempt back; failures keep theirs.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
};

use crate::db::entity::{login_attempt, login_limit};

use super::AccountError;

pub const WINDOW_MINUTES: i64 = 15;
pub const MAX_FAILURES_PER_ACCOUNT: i32 = 5;
pub const MAX_FAILURES_PER_ADDRESS: i32 = 20;

/// The attempt a login holds while its password is checked.
pub struct Reservation {
    keys: [String; 2],
}

fn account_key(username: &str) -> String {
    format!("account:{username}")
}

fn address_key(address: &str) -> String {
    format!("address:{}", address.chars().take(64).collect::<String>())
}

/// Counts one more attempt against `key` and returns the window's count: a
/// new window starts at 1 when the old one is over. One statement, atomic on
/// SQLite and PostgreSQL alike.
async fn take(
    db: &impl ConnectionTrait,
    key: &str,
    now: DateTime<Utc>,
) -> Result<i32, AccountError> {
    use login_limit::Column;
    let expired = Expr::col((login_limit::Entity, Column::WindowStartedAt))
        .lte(now - Duration::minutes(WINDOW_MINUTES));
    let row = login_limit::Entity::insert(login_limit::ActiveModel {
        key: Set(key.to_string()),
        window_started_at: Set(now),
        attempts: Set(1),
    })
    .on_conflict(
        OnConflict::column(Column::Key)
            .value(
                Column::Attempts,
                Expr::case(expired.clone(), 1)
                    .finally(Expr::col((login_limit::Entity, Column::Attempts)).add(1)),
            )
            .value(
                Column::WindowStartedAt,
                Expr::case(expired, now)
                    .finally(Expr::col((login_limit::Entity, Column::WindowStartedAt))),
            )
            .to_owned(),
    )
    .exec_with_returning(db)
    .await?;
    Ok(row.attempts)
}

/// Gives back one attempt on each key (a login that succeeded, or one
/// refused by the other counter).
async fn give_back(db: &impl ConnectionTrait, keys: &[String]) -> Result<(), AccountError> {
    use login_limit::Column;
    login_limit::Entity::update_many()
        .col_expr(Column::Attempts, Expr::col(Column::Attempts).sub(1))
        .filter(Column::Key.is_in(keys.iter().cloned()))
        .filter(Column::Attempts.gt(0))
        .exec(db)
        .await?;
    Ok(())
}

/// Takes an attempt for the account and the address, or refuses with
/// [`AccountError::RateLimited`] when either has used up its window.
pub async fn reserve(
    db: &impl ConnectionTrait,
    username: &str,
    address: &str,
) -> Result<Reservation, AccountError> {
    let now = Utc::now();
    let account = account_key(username);
    let address = address_key(address);
    if take(db, &account, now).await? > MAX_FAILURES_PER_ACCOUNT {
        give_back(db, std::slice::from_ref(&account)).await?;
        return Err(AccountError::RateLimited);
    }
    if take(db, &address, now).await? > MAX_FAILURES_PER_ADDRESS {
        give_back(db, &[account, address]).await?;
        return Err(AccountError::RateLimited);
    }
    Ok(Reservation {
        keys: [account, address],
    })
}

/// The password was right: the attempt does not count against the limits.
pub async fn succeeded(
    db: &impl ConnectionTrait,
    reservation: Reservation,
) -> Result<(), AccountError> {
    give_back(db, &reservation.keys).await
}

/// Keeps a record of the attempt (for the audit trail of who tried what) and
/// forgets records and counters older than a day.
pub async fn record(
    db: &impl ConnectionTrait,
    username: &str,
    address: &str,
    succeeded: bool,
) -> Result<(), AccountError> {
    let now = Utc::now();
    login_attempt::ActiveModel {
        username: Set(username.to_string()),
        address: Set(address.chars().take(64).collect()),
        succeeded: Set(succeeded),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let day_ago = now - Duration::days(1);
    login_attempt::Entity::delete_many()
        .filter(login_attempt::Column::CreatedAt.lt(day_ago))
        .exec(db)
        .await?;
    login_limit::Entity::delete_many()
        .filter(login_limit::Column::WindowStartedAt.lt(day_ago))
        .exec(db)
        .await?;
    Ok(())
}
