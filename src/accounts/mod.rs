//! Editors' accounts: argon2id passwords, users and roles, server-side
//! sessions with a CSRF token each, the one-time setup token, login rate
//! limits, and the audit log. Plain functions over the database, used by the
//! admin panel and the `lectern user` command alike.

pub mod audit;
pub mod limits;
pub mod password;
pub mod sessions;
pub mod setup;
pub mod users;

use sea_orm::DbErr;

pub use sessions::SessionUser;

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// Deliberately vague: never says whether the user exists.
    #[error("wrong username or password")]
    InvalidCredentials,
    /// A logged-in user's current password, asked before changing it, was wrong.
    #[error("the current password is not right")]
    WrongPassword,
    #[error("too many failed logins; try again in a few minutes")]
    RateLimited,
    #[error("{0}")]
    Invalid(String),
    #[error("the username “{0}” is already taken; choose another")]
    UsernameTaken(String),
    #[error("no user named {0}")]
    NoSuchUser(String),
    /// A change the rules do not allow, said plainly.
    #[error("{0}")]
    Refused(&'static str),
    #[error("password hashing failed: {0}")]
    Hash(String),
    #[error("database error: {0}")]
    Db(#[from] DbErr),
}

/// Random bytes as hex, from the operating system's generator.
pub fn random_token(bytes: usize) -> String {
    use rand::RngCore;
    let mut buf = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buf);
    hex::encode(buf)
}

/// The stored form of a secret token (sessions, setup links).
pub fn token_hash(token: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Compares secrets in constant time.
pub fn same_secret(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}
