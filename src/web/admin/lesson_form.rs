//! What the lesson editor's form holds, and the small conversions the
//! lesson pages share.

use rocket::form::FromForm;
use serde::Serialize;

use crate::db::courses;
use crate::db::entity::Status as LessonStatus;
use crate::db::lessons::Lesson;
use crate::db::Db;
use crate::editing::lessons::{LearnerText, LessonInput};

use super::carries_csrf;
use super::{AdminError, CsrfToken};

pub(super) fn parse_status(s: &str) -> LessonStatus {
    LessonStatus::from_name(s)
}

pub(super) fn status_name(s: LessonStatus) -> &'static str {
    s.as_str()
}

/// "scheduled for …" for a published lesson whose moment is still ahead.
pub(super) fn scheduled(
    status: LessonStatus,
    publish_at: Option<chrono::DateTime<chrono::Utc>>,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<String> {
    publish_at
        .filter(|at| status == LessonStatus::Published && *at > now)
        .map(|at| format!("scheduled for {}", at.format("%Y-%m-%d %H:%M UTC")))
}

#[derive(Serialize)]
pub(super) struct CourseOption {
    pub(super) id: i32,
    pub(super) slug: String,
    pub(super) title: String,
}

pub(super) async fn course_options(db: &Db) -> Result<Vec<CourseOption>, AdminError> {
    Ok(courses::names(db)
        .await?
        .into_iter()
        .map(|c| CourseOption {
            id: c.id,
            slug: c.slug,
            title: c.title,
        })
        .collect())
}

/// What the lesson form submits.
#[derive(Clone, Debug, Default, FromForm, Serialize)]
pub(super) struct LessonForm {
    #[serde(skip)]
    pub csrf: CsrfToken,
    pub course_id: i32,
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub body_md: String,
    pub status: String,
    pub position: Option<i32>,
    /// The version the form was opened at (absent for a new lesson).
    pub version: Option<i32>,
    /// After a refused merge: the live version the Replace action may
    /// write over.
    pub replaces: Option<i32>,
    /// Learner information (see [`LearnerText`]); a form without these
    /// fields leaves the lesson's as they are.
    pub duration: Option<String>,
    pub level: Option<String>,
    pub publish_at: Option<String>,
    pub prerequisites: Option<String>,
    /// `save`, `preview` or `replace`.
    #[serde(skip)]
    pub action: String,
}

/// The learner information a form sent, if it sent any.
fn learner_text(
    duration: &Option<String>,
    level: &Option<String>,
    publish_at: &Option<String>,
    prerequisites: &Option<String>,
) -> Option<LearnerText> {
    let sent = [duration, level, publish_at, prerequisites]
        .iter()
        .any(|f| f.is_some());
    sent.then(|| LearnerText {
        duration: duration.clone().unwrap_or_default(),
        level: level.clone().unwrap_or_default(),
        publish_at: publish_at.clone().unwrap_or_default(),
        prerequisites: prerequisites
            .clone()
            .unwrap_or_default()
            .replace("\r\n", "\n"),
    })
}

impl LessonForm {
    pub(super) fn input(&self) -> LessonInput {
        LessonInput {
            course_id: self.course_id,
            slug: self.slug.trim().to_string(),
            title: self.title.clone(),
            summary: self.summary.clone(),
            body_md: self.body_md.replace("\r\n", "\n"),
            status: parse_status(&self.status),
            position: self.position,
            learner: learner_text(
                &self.duration,
                &self.level,
                &self.publish_at,
                &self.prerequisites,
            ),
        }
    }

    /// The form holding `input` (a merge's result), keeping `like`'s token
    /// and position.
    pub(super) fn from_input(input: &LessonInput, like: LessonForm) -> LessonForm {
        let learner = input.learner.clone().unwrap_or_default();
        LessonForm {
            course_id: input.course_id,
            slug: input.slug.clone(),
            title: input.title.clone(),
            summary: input.summary.clone(),
            body_md: input.body_md.clone(),
            status: status_name(input.status).into(),
            duration: Some(learner.duration),
            level: Some(learner.level),
            publish_at: Some(learner.publish_at),
            prerequisites: Some(learner.prerequisites),
            ..like
        }
    }

    /// The form's fields beside the text, named as a revision keeps them.
    pub(super) fn shown_map(&self) -> std::collections::BTreeMap<&'static str, String> {
        let input = self.input();
        let learner = input.learner.unwrap_or_default();
        std::collections::BTreeMap::from([
            ("slug", input.slug),
            ("course_id", input.course_id.to_string()),
            ("status", status_name(input.status).to_string()),
            ("duration", learner.duration),
            ("level", learner.level),
            ("publish_at", learner.publish_at),
            ("prerequisites", learner.prerequisites),
        ])
    }

    pub(super) fn from_lesson(l: &Lesson) -> LessonForm {
        let learner = LearnerText::of(l);
        LessonForm {
            csrf: CsrfToken(String::new()),
            course_id: l.course_id,
            slug: l.slug.clone(),
            title: l.title.clone(),
            summary: l.summary.clone(),
            body_md: l.body_md.clone(),
            status: status_name(l.status).into(),
            position: Some(l.position),
            version: Some(l.version),
            replaces: None,
            duration: Some(learner.duration),
            level: Some(learner.level),
            publish_at: Some(learner.publish_at),
            prerequisites: Some(learner.prerequisites),
            action: String::new(),
        }
    }
}

/// A lesson form carried through a fresh login when the session ended
/// mid-edit (field names `resume.*` in the login form).
pub(super) type ResumeForm = ResumeFields;

#[derive(Clone, Debug, Default, FromForm, Serialize)]
pub(super) struct ResumeFields {
    pub lesson_id: Option<i32>,
    pub course_id: i32,
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub body_md: String,
    pub status: String,
    pub position: Option<i32>,
    pub version: Option<i32>,
    pub duration: Option<String>,
    pub level: Option<String>,
    pub publish_at: Option<String>,
    pub prerequisites: Option<String>,
}

/// The version a lesson form or button was opened at.
#[derive(FromForm)]
pub(super) struct VersionForm {
    pub(super) csrf: CsrfToken,
    pub(super) version: i32,
}

carries_csrf!(VersionForm);
