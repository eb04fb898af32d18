//! What editors do to content through the admin panel, as plain functions:
//! validate, preview, save with optimistic locking, archive, restore a
//! revision, diff. Every change writes the lesson, a revision, an audit entry
//! and the content version in one transaction.

pub mod courses;
pub mod diff;
pub mod lessons;
pub mod media;

use sea_orm::DbErr;

use crate::db::lessons::Lesson;

/// A problem with one form field.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
    /// The value is over a size limit (the web answers 413, not 422).
    #[serde(skip)]
    pub too_large: bool,
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
    /// A bug, not a user's mistake (a rendering thread that panicked).
    #[error("internal error: {0}")]
    Internal(String),
}

/// Moves `id` one place by `delta` (-1 up, 1 down) in `order`. `false` when
/// it is already at that end; `NotFound` when it is not in the list.
pub(crate) fn move_in_order(order: &mut [i32], id: i32, delta: i32) -> Result<bool, EditError> {
    let from = order
        .iter()
        .position(|x| *x == id)
        .ok_or(EditError::NotFound)?;
    let to = from as i64 + delta.signum() as i64;
    if to < 0 || to >= order.len() as i64 {
        return Ok(false);
    }
    order.swap(from, to as usize);
    Ok(true)
}

pub(crate) fn invalid(field: &'static str, message: impl Into<String>) -> FieldError {
    FieldError {
        field,
        message: message.into(),
        too_large: false,
    }
}

/// `field`'s text is over `limit` bytes: a message naming both sizes, or
/// `None` when it is within the limit.
pub(crate) fn over_limit(field: &'static str, text: &str, limit: usize) -> Option<FieldError> {
    (text.len() > limit).then(|| FieldError {
        field,
        message: format!(
            "the text is {}, over the limit of {}: nothing was saved; shorten it (or split it in two) and save again",
            crate::config::format_size(text.len() as u64),
            crate::config::format_size(limit as u64),
        ),
        too_large: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moving_swaps_with_the_neighbour_and_stops_at_the_ends() {
        let mut order = [1, 2, 3];
        assert!(move_in_order(&mut order, 2, -1).unwrap());
        assert_eq!(order, [2, 1, 3]);
        assert!(!move_in_order(&mut order, 2, -1).unwrap());
        assert!(move_in_order(&mut order, 2, 1).unwrap());
        assert_eq!(order, [1, 2, 3]);
        assert!(!move_in_order(&mut order, 3, 1).unwrap());
        assert!(matches!(
            move_in_order(&mut order, 9, 1),
            Err(EditError::NotFound)
        ));
    }
}
