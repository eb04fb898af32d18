//! Users: create, change password, change role, disable and enable (within
//! the last-admin rule), list. The admin panel and `lectern user` call the
//! same functions, so a rule holds on both.

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};

use crate::db::entity::{session, user, Role};
use crate::db::Db;

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

/// Creates a user ([`create`]) with its audit entry, in one transaction.
pub async fn add(
    db: &Db,
    actor: Actor<'_>,
    username: &str,
    display_name: &str,
    role: Role,
    plain_password: &str,
) -> Result<User, AccountError> {
    // As people type them: `Ada ` is `ada`.
    let username = username.trim().to_lowercase();
    let txn = db.begin().await?;
    let user = create(&txn, &username, display_name, role, plain_password).await?;
    super::audit::record(
        &txn,
        actor.name(),
        "user.create",
        &user.username,
        &format!("{role:?}"),
    )
    .await?;
    txn.commit().await?;
    Ok(user)
}

/// Sets a user's password, ends their sessions and records who did it, in
/// one transaction.
pub async fn set_password(
    db: &Db,
    actor: Actor<'_>,
    username: &str,
    plain_password: &str,
) -> Result<(), AccountError> {
    let txn = db.begin().await?;
    replace_password(&txn, username, plain_password).await?;
    super::audit::record(&txn, actor.name(), "user.passwd", username, "").await?;
    txn.commit().await?;
    Ok(())
}

async fn replace_password(
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

/// A logged-in user changes their own password. The current password must
/// be right, checked within the login limits (guessing it here is no easier
/// than at the login form); the new one follows the rules of every password.
/// The user's other sessions end, the one whose cookie holds `keep_session`
/// (the browser making the change) stays. Returns how many sessions ended.
pub async fn change_own_password(
    db: &Db,
    user_id: i32,
    current: &str,
    new: &str,
    address: &str,
    keep_session: &str,
) -> Result<u64, AccountError> {
    let user = by_id(db, user_id)
        .await?
        .ok_or_else(|| AccountError::NoSuchUser(format!("#{user_id}")))?;
    password::validate(new)?;
    let reservation = super::limits::reserve(db, &user.username, address).await?;
    if !password::verify_async(current.to_string(), user.password_hash.clone()).await {
        super::limits::record(db, &user.username, address, false).await?;
        return Err(AccountError::WrongPassword);
    }
    super::limits::succeeded(db, reservation).await?;
    let hash = password::hash_async(new.to_string()).await?;
    let txn = db.begin().await?;
    user::Entity::update_many()
        .col_expr(user::Column::PasswordHash, Expr::value(hash))
        .col_expr(user::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(user::Column::Id.eq(user.id))
        .exec(&txn)
        .await?;
    let ended = session::Entity::delete_many()
        .filter(session::Column::UserId.eq(user.id))
        .filter(session::Column::TokenHash.ne(super::token_hash(keep_session)))
        .exec(&txn)
        .await?
        .rows_affected;
    let detail = format!(
        "ended {ended} other session{}",
        if ended == 1 { "" } else { "s" }
    );
    super::audit::record(
        &txn,
        &user.username,
        "user.password",
        &user.username,
        &detail,
    )
    .await?;
    txn.commit().await?;
    Ok(ended)
}

/// Who changes an account: an admin in the panel, or the command line
/// (run by whoever runs the server, so it may act on any account).
#[derive(Clone, Copy, Debug)]
pub enum Actor<'a> {
    Admin { id: i32, username: &'a str },
    Cli,
}

impl Actor<'_> {
    fn name(&self) -> &str {
        match self {
            Actor::Admin { username, .. } => username,
            Actor::Cli => "cli",
        }
    }
}

/// A change to an account that the rules allow or refuse.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    Role(Role),
    Disable,
    Enable,
}

/// Changes a user's role or whether they may log in, within the rules: the
/// last active admin stays an active admin, and an admin does not disable
/// themself. The check, the change and its audit entry are one transaction,
/// so two admins demoting each other at once cannot both succeed on
/// PostgreSQL (the admins' rows are locked) and nothing is changed without
/// its entry. Disabling ends the user's sessions at once.
pub async fn change(
    db: &Db,
    actor: Actor<'_>,
    id: i32,
    change: Change,
) -> Result<User, AccountError> {
    let txn = db.begin().await?;
    let target = by_id(&txn, id)
        .await?
        .ok_or_else(|| AccountError::NoSuchUser(format!("#{id}")))?;
    let leaves_admins = match change {
        Change::Role(role) => role != Role::Admin,
        Change::Disable => true,
        Change::Enable => false,
    };
    if leaves_admins
        && target.role == Role::Admin
        && !target.disabled
        && other_active_admins(&txn, id).await? == 0
    {
        return Err(AccountError::Refused(match change {
            Change::Disable => {
                "the last admin cannot be disabled; make another user an admin first"
            }
            _ => "the last admin cannot become an editor; make another user an admin first",
        }));
    }
    if change == Change::Disable && matches!(actor, Actor::Admin { id: me, .. } if me == id) {
        return Err(AccountError::Refused("you cannot disable yourself"));
    }
    let mut update = user::Entity::update_many()
        .col_expr(user::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(user::Column::Id.eq(id));
    let (action, detail) = match change {
        Change::Role(role) => {
            update = update.col_expr(user::Column::Role, Expr::value(role));
            ("user.role", format!("{role:?}"))
        }
        Change::Disable => {
            update = update.col_expr(user::Column::Disabled, Expr::value(true));
            ("user.disable", String::new())
        }
        Change::Enable => {
            update = update.col_expr(user::Column::Disabled, Expr::value(false));
            ("user.enable", String::new())
        }
    };
    update.exec(&txn).await?;
    if change == Change::Disable {
        session::Entity::delete_many()
            .filter(session::Column::UserId.eq(id))
            .exec(&txn)
            .await?;
    }
    super::audit::record(&txn, actor.name(), action, &target.username, &detail).await?;
    let changed = by_id(&txn, id)
        .await?
        .ok_or_else(|| AccountError::NoSuchUser(target.username.clone()))?;
    txn.commit().await?;
    Ok(changed)
}

/// Active admins other than `except`, their rows locked until the
/// transaction ends where the database can lock rows (PostgreSQL; SQLite
/// has one writer at a time anyway).
async fn other_active_admins(db: &impl ConnectionTrait, except: i32) -> Result<u64, AccountError> {
    let mut query = user::Entity::find()
        .filter(user::Column::Role.eq(Role::Admin))
        .filter(user::Column::Disabled.eq(false))
        .filter(user::Column::Id.ne(except));
    if db.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        query = query.lock_exclusive();
    }
    Ok(query.all(db).await?.len() as u64)
}
