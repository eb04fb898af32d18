//! What the lesson editor page shows, built from a lesson and the state of
//! its form (errors, preview, a stale save), outside the handlers.

use std::collections::HashMap;

use serde::Serialize;

use crate::content::links::{lesson_url, media_url};
use crate::db::lessons::Lesson;
use crate::db::media;
use crate::db::Db;
use crate::editing::diff::DiffLine;

use super::lesson_form::*;
use super::{page, AdminError, AdminPage};

#[derive(Serialize)]
pub(super) struct LessonInfo {
    id: i32,
    status: &'static str,
    /// "scheduled for …" while a published lesson waits for its moment.
    scheduled: Option<String>,
    public_url: String,
    source_path: Option<String>,
    conflict_revision_id: Option<i32>,
    version: i32,
}

#[derive(Serialize)]
pub(super) struct StaleView {
    pub(super) current_title: String,
    pub(super) current_summary: String,
    pub(super) current_body: String,
    pub(super) current_version: i32,
    pub(super) updated_by: Option<String>,
    pub(super) hunks: Vec<Vec<DiffLine>>,
}

#[derive(Serialize)]
pub(super) struct ImageItem {
    name: String,
    url: String,
    alt: String,
}

#[derive(Serialize)]
pub(super) struct EditView {
    page: AdminPage,
    form: LessonForm,
    action_url: String,
    courses: Vec<CourseOption>,
    errors: HashMap<&'static str, String>,
    preview_html: Option<String>,
    preview_problems: Vec<String>,
    stale: Option<StaleView>,
    lesson: Option<LessonInfo>,
    notice: Option<String>,
    images: Vec<ImageItem>,
}

pub(super) struct EditState {
    pub(super) form: LessonForm,
    pub(super) errors: HashMap<&'static str, String>,
    pub(super) preview: Option<(String, Vec<String>)>,
    pub(super) stale: Option<StaleView>,
    pub(super) notice: Option<String>,
}

impl EditState {
    pub(super) fn new(form: LessonForm) -> Self {
        EditState {
            form,
            errors: HashMap::new(),
            preview: None,
            stale: None,
            notice: None,
        }
    }
}

pub(super) async fn edit_view(
    db: &Db,
    lesson: Option<&Lesson>,
    state: EditState,
) -> Result<EditView, AdminError> {
    let courses = course_options(db).await?;
    let course_slug = |id: i32| {
        courses
            .iter()
            .find(|c| c.id == id)
            .map(|c| c.slug.clone())
            .unwrap_or_default()
    };
    let now = chrono::Utc::now();
    let info = lesson.map(|l| LessonInfo {
        id: l.id,
        status: status_name(l.status),
        scheduled: scheduled(l.status, l.publish_at, now),
        public_url: lesson_url(&course_slug(l.course_id), &l.slug),
        source_path: l.source_path.clone(),
        conflict_revision_id: l.conflict_revision_id,
        version: l.version,
    });
    let images = media::recent(db, 12)
        .await?
        .into_iter()
        .filter(|m| m.content_type.starts_with("image/"))
        .map(|m| ImageItem {
            url: media_url(&m.sha256, &m.name),
            name: m.name,
            alt: m.alt,
        })
        .collect();
    let (title, action_url) = match lesson {
        Some(l) => (
            format!("Edit “{}”", l.title),
            format!("/admin/lessons/{}/edit", l.id),
        ),
        None => ("New lesson".to_string(), "/admin/lessons/new".to_string()),
    };
    let (preview_html, preview_problems) = match state.preview {
        Some((html, problems)) => (Some(html), problems),
        None => (None, Vec::new()),
    };
    Ok(EditView {
        page: page(title, action_url.clone()),
        form: state.form,
        action_url,
        courses,
        errors: state.errors,
        preview_html,
        preview_problems,
        stale: state.stale,
        lesson: info,
        notice: state.notice,
        images,
    })
}
