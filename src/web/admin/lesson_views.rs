//! What the lesson editor page shows, built from a lesson and the state of
//! its form (errors, preview, a stale save), outside the handlers.

use std::collections::HashMap;

use serde::Serialize;

use crate::content::links::{lesson_url, media_url};
use crate::db::lessons::Lesson;
use crate::db::media;
use crate::db::Db;
use crate::editing::diff::Comparison;

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

/// A save that met a newer version: what was merged, what conflicts.
#[derive(Serialize)]
pub(super) struct StaleView {
    pub(super) opened_version: i32,
    pub(super) current_version: i32,
    /// "version 7 by bob on …"
    pub(super) theirs_label: String,
    /// Conflicting regions of the text, marked in the form.
    pub(super) body_conflicts: usize,
    pub(super) conflicts: Vec<FieldConflictView>,
    /// Labels of the fields only the other side changed, now in the form.
    pub(super) taken: Vec<&'static str>,
    /// The live version against the form's text.
    pub(super) comparison: Comparison,
    pub(super) current_body: String,
}

#[derive(Serialize)]
pub(super) struct FieldConflictView {
    pub(super) label: &'static str,
    pub(super) mine: String,
    pub(super) theirs: String,
}

/// The offer at the top of the editor to restore or discard the editor's
/// autosaved draft.
#[derive(Serialize)]
pub(super) struct DraftOffer {
    /// When the draft was kept, as text ("10:42 UTC").
    pub(super) saved_at: String,
    pub(super) opened_version: Option<i32>,
    pub(super) restore_url: String,
    /// What the discard button names (a lesson, or a new lesson's course).
    pub(super) lesson_id: Option<i32>,
    pub(super) course_id: Option<i32>,
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
    /// A link after the notice: (address, words).
    notice_link: Option<(String, String)>,
    images: Vec<ImageItem>,
    draft_offer: Option<DraftOffer>,
}

pub(super) struct EditState {
    pub(super) form: LessonForm,
    pub(super) errors: HashMap<&'static str, String>,
    pub(super) preview: Option<(String, Vec<String>)>,
    pub(super) stale: Option<StaleView>,
    pub(super) notice: Option<String>,
    pub(super) notice_link: Option<(String, String)>,
    pub(super) draft: Option<DraftOffer>,
}

impl EditState {
    pub(super) fn new(form: LessonForm) -> Self {
        EditState {
            form,
            errors: HashMap::new(),
            preview: None,
            stale: None,
            notice: None,
            notice_link: None,
            draft: None,
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
        notice_link: state.notice_link,
        images,
        draft_offer: state.draft,
    })
}
