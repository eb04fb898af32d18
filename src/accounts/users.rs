//! Users: create, change password, change role, disable, list.

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder,
};

use crate::db::entity::{session, user, Role};

use super::{password, AccountError};

pub use user::Model as User;

/// Usernames: 1–64 of lowercase letters, digits, `.`, `_`, `-`.
pub fn validate_username(name: &str) -> Result<(), AccountError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
        });
    if ok {
        Ok(())
    } else {
        Err(AccountError::Invalid(
            "a username is 1 to 64 lowercase letters, digits, dots, dashes or underscores".into(),
        ))
    }
}

pub async fn by_username(
    db: &impl ConnectionTrait,
    name: &str,
) -> Result<Option<User>, AccountError> {
    Ok(user::Entity::find()
        .filter(user::Column::Username.eq(name))
        .one(db)
        .await?)
}

pub async fn by_id(db: &impl ConnectionTrait, id: i32) -> Result<Option<User>, AccountError> {
    Ok(user::Entity::find_by_id(id).one(db).await?)
}

pub async fn all(db: &impl ConnectionTrait) -> Result<Vec<User>, AccountError> {
    Ok(user::Entity::find()
        .order_by_asc(user::Column::Username)
        .all(db)
        .await?)
}

pub async fn count(db: &impl ConnectionTrait) -> Result<u64, AccountError> {
    use sea_orm::PaginatorTrait;
    Ok(user::Entity::find().count(db).await?)
}

pub async fn create(
    db: &impl ConnectionTrait,
    username: &str,
    display_name: &str,
    role: Role,
    plain_password: &str,
) -> Result<User, AccountError> {
    validate_username(username)?;
    password::validate(plain_password)?;
    let display_name = display_name.trim();
    if display_name.chars().count() > 128 {
        return Err(AccountError::Invalid(
            "the display name may have at most 128 characters".into(),
        ));
    }
    if by_username(db, username).await?.is_some() {
        return Err(AccountError::UsernameTaken(username.to_string()));
    }
    let hash = password::hash_async(plain_password.to_string()).await?;
    let now = Utc::now();
    let created = user::ActiveModel {
        username: Set(username.to_string()),
        display_name: Set(if display_name.is_empty() {
            username.to_string()
        } else {
            display_name.to_string()
        }),
        password_hash: Set(hash),
        role: Set(role),
        disabled: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await;
    // A concurrent create of the same name loses on the unique index.
    created.map_err(|e| match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
            AccountError::UsernameTaken(username.to_string())
        }
        _ => AccountError::Db(e),
    })
}

pub async fn set_password(
    db: &impl ConnectionTrait,
    username: &str,
    plain_password: &str,
) -> Result<(), AccountError> {
    password::validate(plain_password)?;
    let user = by_username(db, username)
        .await?
        .ok_or_else(|| AccountError::NoSuchUser(username.into()))?;
    let hash = password::hash_async(plain_password.to_string()).await?;
    user::Entity::update_many()
        .col_expr(user::Column::PasswordHash, Expr::value(hash))
        .col_expr(user::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(user::Column::Id.eq(user.id))
        .exec(db)
        .await?;
    // A new password ends every existing session.
    session::Entity::delete_many()
        .filter(session::Column::UserId.eq(user.id))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn set_disabled(
    db: &impl ConnectionTrait,
    id: i32,
    disabled: bool,
) -> Result<(), AccountError> {
    user::Entity::update_many()
        .col_expr(user::Column::Disabled, Expr::value(disabled))
        .col_expr(user::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(user::Column::Id.eq(id))
        .exec(db)
        .await?;
    if disabled {
        // Takes effect at once: the user's sessions are gone.
        session::Entity::delete_many()
            .filter(session::Column::UserId.eq(id))
            .exec(db)
            .await?;
    }
    Ok(())
}

pub async fn set_role(db: &impl ConnectionTrait, id: i32, role: Role) -> Result<(), AccountError> {
    user::Entity::update_many()
        .col_expr(user::Column::Role, Expr::value(role))
        .col_expr(user::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(user::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Active admins other than `except`: the last admin may not be demoted or disabled.
pub async fn other_active_admins(
    db: &impl ConnectionTrait,
    except: i32,
) -> Result<u64, AccountError> {
    use sea_orm::PaginatorTrait;
    Ok(user::Entity::find()
        .filter(user::Column::Role.eq(Role::Admin))
        .filter(user::Column::Disabled.eq(false))
        .filter(user::Column::Id.ne(except))
        .count(db)
        .await?)
}
