//! First run: while there are no users, a one-time setup link (printed to the
//! log) lets the first admin be created in the browser. The token works once.

use chrono::{Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    TransactionTrait,
};

use crate::db::entity::{setup_token, Role};

use super::{random_token, token_hash, users, AccountError};

pub const SETUP_HOURS: i64 = 24;

/// When no user exists, issues a fresh setup token (replacing unused ones)
/// and returns it; otherwise `None`.
pub async fn issue_if_no_users(db: &impl ConnectionTrait) -> Result<Option<String>, AccountError> {
    if users::count(db).await? > 0 {
        return Ok(None);
    }
    setup_token::Entity::delete_many()
        .filter(setup_token::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    let token = random_token(24);
    let now = Utc::now();
    setup_token::ActiveModel {
        token_hash: Set(token_hash(&token)),
        created_at: Set(now),
        expires_at: Set(now + Duration::hours(SETUP_HOURS)),
        used_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(Some(token))
}

/// Whether `token` is a live, unused setup token (and there are still no users).
pub async fn is_valid(db: &impl ConnectionTrait, token: &str) -> Result<bool, AccountError> {
    if users::count(db).await? > 0 {
        return Ok(false);
    }
    Ok(setup_token::Entity::find()
        .filter(setup_token::Column::TokenHash.eq(token_hash(token)))
        .filter(setup_token::Column::UsedAt.is_null())
        .filter(setup_token::Column::ExpiresAt.gt(Utc::now()))
        .one(db)
        .await?
        .is_some())
}

/// Spends the token and creates the first admin, in one transaction: two
/// browsers racing with the same link cannot both succeed.
pub async fn create_first_admin(
    db: &crate::db::Db,
    token: &str,
    username: &str,
    display_name: &str,
    password: &str,
) -> Result<users::User, AccountError> {
    let txn = db.begin().await?;
    let claimed = setup_token::Entity::update_many()
        .col_expr(setup_token::Column::UsedAt, Expr::value(Utc::now()))
        .filter(setup_token::Column::TokenHash.eq(token_hash(token)))
        .filter(setup_token::Column::UsedAt.is_null())
        .filter(setup_token::Column::ExpiresAt.gt(Utc::now()))
        .exec(&txn)
        .await?;
    if claimed.rows_affected != 1 || users::count(&txn).await? > 0 {
        return Err(AccountError::Invalid(
            "this setup link has expired or was already used".into(),
        ));
    }
    let user = users::create(&txn, username, display_name, Role::Admin, password).await?;
    txn.commit().await?;
    Ok(user)
}
