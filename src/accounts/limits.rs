//! Login rate limits, counted in the database so every instance shares them:
//! at most 5 failures per account and 20 per client address in 15 minutes.

use chrono::{Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter,
};

use crate::db::entity::login_attempt;

use super::AccountError;

pub const WINDOW_MINUTES: i64 = 15;
pub const MAX_FAILURES_PER_ACCOUNT: u64 = 5;
pub const MAX_FAILURES_PER_ADDRESS: u64 = 20;

pub async fn check(
    db: &impl ConnectionTrait,
    username: &str,
    address: &str,
) -> Result<(), AccountError> {
    let since = Utc::now() - Duration::minutes(WINDOW_MINUTES);
    let failures = || {
        login_attempt::Entity::find()
            .filter(login_attempt::Column::Succeeded.eq(false))
            .filter(login_attempt::Column::CreatedAt.gt(since))
    };
    let by_account = failures()
        .filter(login_attempt::Column::Username.eq(username))
        .count(db)
        .await?;
    let by_address = failures()
        .filter(login_attempt::Column::Address.eq(address))
        .count(db)
        .await?;
    if by_account >= MAX_FAILURES_PER_ACCOUNT || by_address >= MAX_FAILURES_PER_ADDRESS {
        return Err(AccountError::RateLimited);
    }
    Ok(())
}

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
    // Attempts older than a day matter to nobody.
    login_attempt::Entity::delete_many()
        .filter(login_attempt::Column::CreatedAt.lt(now - Duration::days(1)))
        .exec(db)
        .await?;
    Ok(())
}
