//! What editors do to content through the admin panel, as plain functions:
//! validate, preview, save with optimistic locking, archive, restore a
//! revision, diff. Every change writes the lesson, a revision, an audit entry
//! and the content version in one transaction.

pub mod courses;
pub mod diff;
pub mod drafts;
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
    /// A save met a version saved meanwhile and the two edits overlap:
    /// nothing was applied; the caller shows both sides, merged where they
    /// could be.
    #[error("this lesson changed since you opened it, and the changes overlap")]
    Unmerged(Box<lessons::Unmerged>),
    #[error("not found")]
    NotFound,
    #[error("database error: {0}")]
    Db(#[from] DbErr),
    /// A bug, not a user's mistake (a rendering thread that panicked).
    #[error("internal error: {0}")]
    Internal(String),
}

/// What is put in order: the lessons of a course, or the courses.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Ordered {
    LessonsOf(i32),
    Courses,
}

/// A move in an order: one place up (`-1`) or down (`1`), or to a position
/// (1 = first).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Move {
    By(i32),
    To(usize),
}

/// Moves lesson or course `id` one place up (`-1`) or down (`1`) among its
/// neighbours and numbers them again, audited, in one transaction. Order is
/// not content: versions are not bumped.
pub(crate) async fn reorder(
    db: &crate::db::Db,
    user: &crate::accounts::SessionUser,
    what: Ordered,
    id: i32,
    delta: i32,
) -> Result<(), EditError> {
    apply_move(db, user, what, id, Move::By(delta))
        .await
        .map(|_| ())
}

/// Moves `id` as `how` says, numbers the list again and records the move in
/// words in the audit log, in one transaction. Returns the new order.
pub(crate) async fn apply_move(
    db: &crate::db::Db,
    user: &crate::accounts::SessionUser,
    what: Ordered,
    id: i32,
    how: Move,
) -> Result<Vec<i32>, EditError> {
    use crate::db::{courses, lessons};
    use sea_orm::TransactionTrait;
    let txn = db.begin().await?;
    let mut order = match what {
        Ordered::LessonsOf(course_id) => lessons::order_in_course(&txn, course_id).await?,
        Ordered::Courses => courses::order(&txn).await?,
    };
    let moved = match how {
        Move::By(delta) => move_in_order(&mut order, id, delta)?,
        Move::To(position) => move_to(&mut order, id, position)?,
    };
    if !moved {
        return Ok(order);
    }
    let (action, target) = match what {
        Ordered::LessonsOf(_) => {
            lessons::renumber(&txn, &order).await?;
            ("lesson.move", format!("lesson {id}"))
        }
        Ordered::Courses => {
            courses::renumber(&txn, &order).await?;
            ("course.move", format!("course {id}"))
        }
    };
    let now_at = order.iter().position(|x| *x == id).unwrap_or(0) + 1;
    let detail = match how {
        Move::By(d) if d < 0 => format!("moved up one place, to position {now_at}"),
        Move::By(_) => format!("moved down one place, to position {now_at}"),
        Move::To(_) => format!("moved to position {now_at}"),
    };
    crate::accounts::audit::record(&txn, &user.username, action, &target, &detail).await?;
    crate::db::site_state::commit(db, txn).await?;
    Ok(order)
}

/// Moves lesson `id` to `position` (1 = first) in its course; returns the
/// course's new order.
pub async fn move_lesson_to(
    db: &crate::db::Db,
    user: &crate::accounts::SessionUser,
    id: i32,
    position: usize,
) -> Result<Vec<i32>, EditError> {
    let lesson = crate::db::lessons::by_id(db, id)
        .await?
        .ok_or(EditError::NotFound)?;
    let what = Ordered::LessonsOf(lesson.course_id);
    apply_move(db, user, what, id, Move::To(position)).await
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

/// Moves `id` to `position` (1 = first; past the end = last, 0 = first) in
/// `order`, the others keeping their order. `false` when it is already
/// there; `NotFound` when it is not in the list.
pub(crate) fn move_to(order: &mut Vec<i32>, id: i32, position: usize) -> Result<bool, EditError> {
    let from = order
        .iter()
        .position(|x| *x == id)
        .ok_or(EditError::NotFound)?;
    let to = position.clamp(1, order.len()) - 1;
    if from == to {
        return Ok(false);
    }
    let item = order.remove(from);
    order.insert(to, item);
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

    #[test]
    fn moving_to_a_position_shifts_the_rows_between() {
        let mut order = vec![1, 2, 3, 4];
        assert!(move_to(&mut order, 1, 3).unwrap());
        assert_eq!(order, [2, 3, 1, 4]);
        assert!(move_to(&mut order, 4, 1).unwrap());
        assert_eq!(order, [4, 2, 3, 1]);
        assert!(!move_to(&mut order, 3, 3).unwrap(), "already there");
        assert!(move_to(&mut order, 4, 99).unwrap(), "past the end is last");
        assert_eq!(order, [2, 3, 1, 4]);
        assert!(move_to(&mut order, 1, 0).unwrap(), "0 is first");
        assert_eq!(order, [1, 2, 3, 4]);
        assert!(matches!(
            move_to(&mut order, 9, 1),
            Err(EditError::NotFound)
        ));
    }
}
