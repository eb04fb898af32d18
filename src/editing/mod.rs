//! What editors do to content through the admin panel, as plain functions:
//! validate, preview, save with optimistic locking, archive, restore a
//! revision, diff. Every change writes the lesson, a revision, an audit entry
//! and the content version in one transaction.

pub mod courses;
pub mod diff;
pub mod lessons;

use sea_orm::DbErr;

use crate::db::lessons::Lesson;

/// A problem with one form field.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error("the form has errors")]
    Invalid(Vec<FieldError>),
    /// Somebody saved first; the caller shows both texts. Nothing was applied
    /// (the refused text is kept as a revision, so it is never lost).
    #[error("this lesson changed since you opened it")]
    Stale { current: Box<Lesson> },
    #[error("not found")]
    NotFound,
    #[error("database error: {0}")]
    Db(#[from] DbErr),
}

pub(crate) fn invalid(field: &'static str, message: impl Into<String>) -> FieldError {
    FieldError {
        field,
        message: message.into(),
    }
}
