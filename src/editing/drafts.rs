//! Autosaved drafts: the lesson editor's form, saved every few seconds as a
//! private copy of one editor, so a crash or a closed tab loses nothing. A
//! draft is not the lesson: it is never live, never a revision, never in the
//! history; saving the lesson forgets it.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::accounts::SessionUser;
use crate::db::drafts;
use crate::db::lessons::Lesson;
use crate::db::Db;

use super::lessons::{LearnerText, MAX_BODY_BYTES};
use super::{over_limit, EditError};

/// Drafts not written to for this long are forgotten.
pub const KEEP_DAYS: i64 = 30;
/// The fields besides the text together (title, summary, prerequisites …):
/// far more than any real form, small enough that nobody fills the table.
pub const MAX_OTHER_FIELDS_BYTES: usize = 64 * 1024;

/// What a draft belongs to: a lesson, or a lesson not created yet in a course.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DraftTarget {
    Lesson(i32),
    NewIn(i32),
}

const NEW_PREFIX: &str = "new:";

impl DraftTarget {
    fn key(self) -> String {
        match self {
            DraftTarget::Lesson(id) => format!("lesson:{id}"),
            DraftTarget::NewIn(course) => format!("{NEW_PREFIX}{course}"),
        }
    }

    fn parse(key: &str) -> Option<DraftTarget> {
        let (kind, id) = key.split_once(':')?;
        let id = id.parse().ok()?;
        match kind {
            "lesson" => Some(DraftTarget::Lesson(id)),
            "new" => Some(DraftTarget::NewIn(id)),
            _ => None,
        }
    }
}

/// The lesson form's fields as the editor left them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftFields {
    pub course_id: i32,
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub body_md: String,
    pub status: String,
    pub position: Option<i32>,
    pub duration: Option<String>,
    pub level: Option<String>,
    pub publish_at: Option<String>,
    pub prerequisites: Option<String>,
}

impl DraftFields {
    fn other_fields_len(&self) -> usize {
        let optional = [
            &self.duration,
            &self.level,
            &self.publish_at,
            &self.prerequisites,
        ];
        self.slug.len()
            + self.title.len()
            + self.summary.len()
            + self.status.len()
            + optional
                .iter()
                .map(|f| f.as_deref().map_or(0, str::len))
                .sum::<usize>()
    }

    /// Whether these fields say something other than `lesson` (or, for a new
    /// lesson, anything at all): only then is a draft worth offering.
    pub fn differs_from(&self, lesson: Option<&Lesson>) -> bool {
        let body = normalise(&self.body_md);
        let Some(lesson) = lesson else {
            return !(self.title.trim().is_empty()
                && self.summary.trim().is_empty()
                && body.trim().is_empty());
        };
        let learner = LearnerText::of(lesson);
        // A field the form did not send is not a difference.
        let same = |sent: &Option<String>, live: &str| {
            sent.as_deref()
                .is_none_or(|s| normalise(s).trim() == live.trim())
        };
        self.title != lesson.title
            || self.summary != lesson.summary
            || self.slug.trim() != lesson.slug
            || body != lesson.body_md
            || !same(&self.duration, &learner.duration)
            || !same(&self.level, &learner.level)
            || !same(&self.publish_at, &learner.publish_at)
            || !same(&self.prerequisites, &learner.prerequisites)
    }
}

fn normalise(text: &str) -> String {
    text.replace("\r\n", "\n")
}

/// A stored draft.
#[derive(Clone, Debug)]
pub struct Draft {
    pub target: DraftTarget,
    pub fields: DraftFields,
    /// The lesson's version when the form was opened.
    pub opened_version: Option<i32>,
    pub saved_at: DateTime<Utc>,
}

fn from_row(row: drafts::Draft) -> Option<Draft> {
    Some(Draft {
        target: DraftTarget::parse(&row.target)?,
        // A row this version cannot read is as good as none.
        fields: serde_json::from_str(&row.fields).ok()?,
        opened_version: row.opened_version,
        saved_at: row.saved_at,
    })
}

/// Checks a draft's size: the text within a lesson's limit, the other
/// fields within theirs.
pub fn check(fields: &DraftFields) -> Result<(), EditError> {
    let mut errors: Vec<_> = over_limit("body_md", &fields.body_md, MAX_BODY_BYTES)
        .into_iter()
        .collect();
    if fields.other_fields_len() > MAX_OTHER_FIELDS_BYTES {
        errors.push(super::FieldError {
            field: "fields",
            message: "the title, summary and other fields are far too long to keep as a draft"
                .into(),
            too_large: true,
        });
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(EditError::Invalid(errors))
    }
}

/// Stores `user`'s draft for `target` at `now`, replacing the one it had,
/// and forgets every draft older than [`KEEP_DAYS`].
pub async fn autosave(
    db: &Db,
    user: &SessionUser,
    target: DraftTarget,
    opened_version: Option<i32>,
    fields: &DraftFields,
    now: DateTime<Utc>,
) -> Result<(), EditError> {
    check(fields)?;
    let json = serde_json::to_string(fields)
        .map_err(|e| EditError::Internal(format!("draft as JSON: {e}")))?;
    drafts::delete_older_than(db, now - Duration::days(KEEP_DAYS)).await?;
    drafts::put(db, user.id, &target.key(), opened_version, json, now).await?;
    Ok(())
}

/// `user`'s draft for `target`, if any.
pub async fn find(
    db: &Db,
    user: &SessionUser,
    target: DraftTarget,
) -> Result<Option<Draft>, EditError> {
    Ok(drafts::get(db, user.id, &target.key())
        .await?
        .and_then(from_row))
}

/// The draft to offer on a lesson's editor: `user`'s, when it says
/// something other than the live lesson.
pub async fn offer_for_lesson(
    db: &Db,
    user: &SessionUser,
    lesson: &Lesson,
) -> Result<Option<Draft>, EditError> {
    Ok(find(db, user, DraftTarget::Lesson(lesson.id))
        .await?
        .filter(|d| d.fields.differs_from(Some(lesson))))
}

/// The draft to offer on the new-lesson page: `user`'s for a new lesson in
/// `course`, or (no course chosen) their latest for a new lesson anywhere.
pub async fn offer_for_new(
    db: &Db,
    user: &SessionUser,
    course: Option<i32>,
) -> Result<Option<Draft>, EditError> {
    let row = match course {
        Some(course) => drafts::get(db, user.id, &DraftTarget::NewIn(course).key()).await?,
        None => drafts::newest_with_prefix(db, user.id, NEW_PREFIX).await?,
    };
    Ok(row
        .and_then(from_row)
        .filter(|d| d.fields.differs_from(None)))
}

/// Forgets `user`'s draft for `target` (discarded, or saved for real).
pub async fn discard(db: &Db, user: &SessionUser, target: DraftTarget) -> Result<(), EditError> {
    drafts::delete(db, user.id, &target.key()).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_round_trip_through_their_keys() {
        for t in [DraftTarget::Lesson(7), DraftTarget::NewIn(3)] {
            assert_eq!(DraftTarget::parse(&t.key()), Some(t));
        }
        assert_eq!(DraftTarget::parse("lesson:x"), None);
        assert_eq!(DraftTarget::parse("other:1"), None);
    }

    #[test]
    fn an_empty_new_lesson_is_not_worth_a_draft() {
        let mut fields = DraftFields::default();
        assert!(!fields.differs_from(None));
        fields.body_md = "Some words".into();
        assert!(fields.differs_from(None));
    }

    #[test]
    fn drafts_are_limited_like_lessons() {
        let mut fields = DraftFields {
            body_md: "x".repeat(MAX_BODY_BYTES),
            ..Default::default()
        };
        assert!(check(&fields).is_ok());
        fields.body_md.push('x');
        assert!(matches!(check(&fields), Err(EditError::Invalid(e)) if e[0].too_large));
        fields.body_md.clear();
        fields.title = "t".repeat(MAX_OTHER_FIELDS_BYTES + 1);
        assert!(check(&fields).is_err());
    }
}
