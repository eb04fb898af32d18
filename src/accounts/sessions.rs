//! Server-side sessions: the cookie holds a random token, the database its
//! hash, the user and an expiry. Logging out, disabling a user or changing a
//! password removes rows, so it takes effect at once on every instance.

use chrono::{Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
};
use serde::Serialize;

use crate::db::entity::{session, user, Role};

use super::{limits, password, random_token, token_hash, users, AccountError};

pub const SESSION_HOURS: i64 = 12;

/// The logged-in user behind a request.
#[derive(Clone, Debug, Serialize)]
pub struct SessionUser {
    pub id: i32,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    #[serde(skip)]
    pub csrf_token: String,
}

impl SessionUser {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

/// Starts a session for `user_id`; returns the token for the cookie.
pub async fn create(db: &impl ConnectionTrait, user_id: i32) -> Result<String, AccountError> {
    let token = random_token(32);
    let now = Utc::now();
    session::ActiveModel {
        token_hash: Set(token_hash(&token)),
        user_id: Set(user_id),
        csrf_token: Set(random_token(24)),
        created_at: Set(now),
        expires_at: Set(now + Duration::hours(SESSION_HOURS)),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(token)
}

/// The user of a live session: not expired, user not disabled.
pub async fn find(
    db: &impl ConnectionTrait,
    token: &str,
) -> Result<Option<SessionUser>, AccountError> {
    if token.len() != 64 {
        return Ok(None);
    }
    let found = session::Entity::find()
        .filter(session::Column::TokenHash.eq(token_hash(token)))
        .filter(session::Column::ExpiresAt.gt(Utc::now()))
        .find_also_related(user::Entity)
        .one(db)
        .await?;
    Ok(match found {
        Some((s, Some(u))) if !u.disabled => Some(SessionUser {
            id: u.id,
            username: u.username,
            display_name: u.display_name,
            role: u.role,
            csrf_token: s.csrf_token,
        }),
        _ => None,
    })
}

pub async fn end(db: &impl ConnectionTrait, token: &str) -> Result<(), AccountError> {
    session::Entity::delete_many()
        .filter(session::Column::TokenHash.eq(token_hash(token)))
        .exec(db)
        .await?;
    Ok(())
}

/// Checks a username and password, within the rate limits, and starts a
/// session. Every failure reads the same to the caller.
pub async fn login(
    db: &impl ConnectionTrait,
    username: &str,
    plain_password: &str,
    address: &str,
) -> Result<String, AccountError> {
    let username = username.trim().to_lowercase();
    let username: String = username.chars().take(64).collect();
    // The attempt is taken before the (slow) password check, so requests
    // sent at once cannot all get past the limit.
    let reservation = limits::reserve(db, &username, address).await?;
    let user = users::by_username(db, &username).await?;
    // Verify against a real hash even for unknown users, so timing says nothing.
    let phc = match &user {
        Some(u) => u.password_hash.clone(),
        None => dummy_hash().await,
    };
    let matches = password::verify_async(plain_password.to_string(), phc).await;
    match user {
        Some(u) if matches && !u.disabled => {
            limits::succeeded(db, reservation).await?;
            limits::record(db, &username, address, true).await?;
            create(db, u.id).await
        }
        _ => {
            limits::record(db, &username, address, false).await?;
            Err(AccountError::InvalidCredentials)
        }
    }
}

/// An Argon2id hash of a random secret nobody knows, made once per process.
async fn dummy_hash() -> String {
    static HASH: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    HASH.get_or_init(|| async {
        password::hash_async(random_token(16))
            .await
            .unwrap_or_default()
    })
    .await
    .clone()
}
