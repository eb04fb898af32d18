//! Argon2id password hashes (PHC strings with their own salt and parameters).

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;

use super::AccountError;

pub const MIN_LEN: usize = 10;
pub const MAX_LEN: usize = 1024;

pub fn validate(password: &str) -> Result<(), AccountError> {
    let n = password.chars().count();
    if n < MIN_LEN {
        return Err(AccountError::Invalid(format!(
            "the password needs at least {MIN_LEN} characters"
        )));
    }
    if n > MAX_LEN {
        return Err(AccountError::Invalid(format!(
            "the password may have at most {MAX_LEN} characters"
        )));
    }
    Ok(())
}

/// Hashes with Argon2id (the crate's default algorithm and OWASP-level
/// parameters). Slow on purpose: call it from blocking context.
pub fn hash(password: &str) -> Result<String, AccountError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AccountError::Hash(e.to_string()))
}

pub fn verify(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// Hashing and verifying take tens of milliseconds; keep them off the async workers.
pub async fn hash_async(password: String) -> Result<String, AccountError> {
    tokio::task::spawn_blocking(move || hash(&password))
        .await
        .map_err(|e| AccountError::Hash(e.to_string()))?
}

pub async fn verify_async(password: String, phc: String) -> bool {
    tokio::task::spawn_blocking(move || verify(&password, &phc))
        .await
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_and_verify() {
        let h = hash("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", &h));
        assert!(!verify("wrong horse battery", &h));
        assert!(!verify("x", "not a hash"));
    }

    #[test]
    fn short_passwords_are_refused() {
        assert!(validate("short").is_err());
        assert!(validate("long enough now").is_ok());
    }
}
