//! The lesson editor's live parts: the preview refreshed as the editor types
//! and the autosaved draft, answered in JSON for the editor's script; and the
//! draft's restore and discard, plain pages and forms that work without it.

use chrono::{DateTime, Utc};
use rocket::http::Status;
use rocket::response::{content::RawHtml, Redirect};
use rocket::serde::json::Json;
use rocket::{get, post, routes, FromForm, Responder, Route, State};
use rocket_dyn_templates::Template;
use serde_json::{json, Value};

use crate::accounts::SessionUser;
use crate::config::Settings;
use crate::db::lessons::{self, Lesson};
use crate::db::{courses, Db};
use crate::editing::drafts::{self, Draft, DraftFields, DraftTarget};
use crate::editing::{lessons as edit, EditError};
use crate::markdown;
use crate::web::auth::Editor;
use crate::web::templates::SiteView;

use super::lesson_form::LessonForm;
use super::lesson_views::{edit_view, DraftOffer, EditState};
use super::{carries_csrf, check_csrf, render, AdminError, AdminForm, CsrfForm, CsrfToken};

pub(super) fn routes() -> Vec<Route> {
    routes![preview, autosave, restore_lesson, restore_new, discard]
}

/// A JSON answer with its status.
type Answer = (Status, Json<Value>);

/// The answer to a script whose session has ended: nothing was done, and
/// the editor is told how to go on without losing the text.
fn session_ended() -> Answer {
    (
        Status::Unauthorized,
        Json(json!({
            "error": "Your session has ended. Your text is kept in this browser: log in again in a new tab, then come back to this page.",
        })),
    )
}

/// Preview: the text rendered through the public page's pipeline, with the
/// links and images that lead nowhere, each with its line. Nothing is saved.
#[post("/lessons/preview", data = "<form>")]
async fn preview(
    form: AdminForm<LessonForm>,
    user: Option<Editor>,
    db: &State<Db>,
    settings: &State<Settings>,
) -> Result<Answer, AdminError> {
    let Some(Editor(user)) = user else {
        return Ok(session_ended());
    };
    check_csrf(&user, &form.csrf)?;
    let (html, problems) = rendered_preview(db, settings, &form).await?;
    Ok((
        Status::Ok,
        Json(json!({ "html": html, "problems": problems })),
    ))
}

/// The form's text rendered as its course's public page would show it, and
/// the problems found on the way, in words.
pub(super) async fn rendered_preview(
    db: &Db,
    settings: &Settings,
    form: &LessonForm,
) -> Result<(String, Vec<String>), AdminError> {
    let course_slug = courses::by_id(db, form.course_id)
        .await?
        .map(|c| c.slug)
        .unwrap_or_default();
    let rendered = edit::render(
        db,
        &settings.content_dir,
        &course_slug,
        &form.input().body_md,
    )
    .await?;
    // The same words as `lectern check` and the save's refusal.
    // Listed one a line, at most a page's worth.
    let found = edit::problems(&rendered);
    let mut problems: Vec<String> = found.iter().take(100).map(ToString::to_string).collect();
    if found.len() > 100 {
        problems.push(format!("and {} more", found.len() - 100));
    }
    // Editors see each quiz's answers, marked as theirs alone.
    let html = markdown::quiz::reveal(&rendered.html, &form.input().body_md);
    Ok((html, problems))
}

/// Autosave: the form's fields kept as the editor's private draft of
/// `lesson` (or of a new lesson in the form's course).
#[post("/lessons/autosave?<lesson>", data = "<form>")]
async fn autosave(
    lesson: Option<i32>,
    form: AdminForm<LessonForm>,
    user: Option<Editor>,
    db: &State<Db>,
) -> Result<Answer, AdminError> {
    let Some(Editor(user)) = user else {
        return Ok(session_ended());
    };
    check_csrf(&user, &form.csrf)?;
    // A draft belongs to a lesson or a course that exists; the script
    // reads the answer as JSON either way.
    let exists = match lesson {
        Some(id) => lessons::by_id(db.inner(), id).await?.is_some(),
        None => courses::by_id(db.inner(), form.course_id).await?.is_some(),
    };
    if !exists {
        return Ok((
            Status::NotFound,
            Json(json!({
                "error": "Not saved as a draft: this lesson or course no longer exists. Copy your text somewhere safe.",
            })),
        ));
    }
    let target = match lesson {
        Some(id) => DraftTarget::Lesson(id),
        None => DraftTarget::NewIn(form.course_id),
    };
    let now = Utc::now();
    let fields = draft_fields(&form);
    match drafts::autosave(db, &user, target, form.version, &fields, now).await {
        Ok(()) => Ok((
            Status::Ok,
            Json(json!({
                "saved_at": now.to_rfc3339(),
                "message": format!("Saved as draft at {}", time_text(now)),
            })),
        )),
        Err(EditError::Invalid(errors)) => Ok((
            super::invalid_status(&errors),
            Json(json!({
                "error": format!(
                    "Not saved as a draft: {}",
                    errors.first().map_or("", |e| e.message.as_str())
                ),
            })),
        )),
        Err(e) => Err(e.into()),
    }
}

fn draft_fields(form: &LessonForm) -> DraftFields {
    DraftFields {
        course_id: form.course_id,
        slug: form.slug.clone(),
        title: form.title.clone(),
        summary: form.summary.clone(),
        body_md: form.body_md.clone(),
        status: form.status.clone(),
        position: form.position,
        duration: form.duration.clone(),
        level: form.level.clone(),
        publish_at: form.publish_at.clone(),
        prerequisites: form.prerequisites.clone(),
    }
}

/// The lesson form holding a draft, at the version the draft was opened at
/// (so saving it goes through the stale-save check).
fn draft_form(draft: &Draft) -> LessonForm {
    let f = &draft.fields;
    LessonForm {
        csrf: CsrfToken(String::new()),
        course_id: f.course_id,
        slug: f.slug.clone(),
        title: f.title.clone(),
        summary: f.summary.clone(),
        body_md: f.body_md.clone(),
        status: f.status.clone(),
        position: f.position,
        version: draft.opened_version,
        replaces: None,
        duration: f.duration.clone(),
        level: f.level.clone(),
        publish_at: f.publish_at.clone(),
        prerequisites: f.prerequisites.clone(),
        action: String::new(),
    }
}

/// "10:42 UTC", the moment a draft was kept (times on the server are UTC;
/// the script shows the browser's own time).
fn time_text(at: DateTime<Utc>) -> String {
    if at.date_naive() == Utc::now().date_naive() {
        at.format("%H:%M UTC").to_string()
    } else {
        at.format("%Y-%m-%d %H:%M UTC").to_string()
    }
}

fn offer(draft: Draft) -> DraftOffer {
    let (lesson_id, course_id, restore_url) = match draft.target {
        DraftTarget::Lesson(id) => (Some(id), None, format!("/admin/lessons/{id}/draft")),
        DraftTarget::NewIn(course) => (
            None,
            Some(course),
            format!("/admin/lessons/new/draft?course={course}"),
        ),
    };
    DraftOffer {
        saved_at: time_text(draft.saved_at),
        opened_version: draft.opened_version,
        restore_url,
        lesson_id,
        course_id,
    }
}

/// The offer to restore or discard `user`'s draft of `lesson`, when it holds
/// something other than the live text.
pub(super) async fn offer_for_lesson(
    db: &Db,
    user: &SessionUser,
    lesson: &Lesson,
) -> Result<Option<DraftOffer>, AdminError> {
    Ok(drafts::offer_for_lesson(db, user, lesson).await?.map(offer))
}

/// The offer on the new-lesson page (for `course`, or the latest draft).
pub(super) async fn offer_for_new(
    db: &Db,
    user: &SessionUser,
    course: Option<i32>,
) -> Result<Option<DraftOffer>, AdminError> {
    Ok(drafts::offer_for_new(db, user, course).await?.map(offer))
}

/// After a save: the draft is in the lesson now. Failing to forget it must
/// not turn a save into an error page; the next save or discard removes it.
pub(super) async fn forget_draft(db: &Db, user: &SessionUser, target: DraftTarget) {
    if let Err(e) = drafts::discard(db, user, target).await {
        tracing::warn!(user = %user.username, ?target, "could not forget a saved draft: {e}");
    }
}

#[derive(Responder)]
enum Restored {
    Page(RawHtml<Template>),
    Gone(Redirect),
}

/// The editor holding `draft` in its form, nothing saved yet.
async fn restored_page(
    db: &Db,
    site: &SiteView,
    user: &SessionUser,
    lesson: Option<&Lesson>,
    draft: &Draft,
) -> Result<Restored, AdminError> {
    let mut state = EditState::new(draft_form(draft));
    state.notice = Some(format!(
        "Your unsaved text from {} is in the form below. It is not saved yet: check it, then save.",
        time_text(draft.saved_at)
    ));
    let view = edit_view(db, lesson, state).await?;
    Ok(Restored::Page(render(
        "admin/lesson_edit",
        site,
        user,
        view,
    )))
}

#[get("/lessons/<id>/draft")]
async fn restore_lesson(
    id: i32,
    user: Editor,
    db: &State<Db>,
    site: &State<SiteView>,
) -> Result<Restored, AdminError> {
    let lesson = lessons::by_id(db.inner(), id)
        .await?
        .ok_or(AdminError::NotFound)?;
    match drafts::find(db, &user.0, DraftTarget::Lesson(id)).await? {
        Some(draft) => restored_page(db, site, &user.0, Some(&lesson), &draft).await,
        None => Ok(Restored::Gone(Redirect::to(format!(
            "/admin/lessons/{id}/edit"
        )))),
    }
}

#[get("/lessons/new/draft?<course>")]
async fn restore_new(
    course: i32,
    user: Editor,
    db: &State<Db>,
    site: &State<SiteView>,
) -> Result<Restored, AdminError> {
    match drafts::find(db, &user.0, DraftTarget::NewIn(course)).await? {
        Some(draft) => restored_page(db, site, &user.0, None, &draft).await,
        None => Ok(Restored::Gone(Redirect::to(format!(
            "/admin/lessons/new?course={course}"
        )))),
    }
}

/// Which draft the discard button names: a lesson's, or a new lesson's.
#[derive(FromForm)]
struct DiscardForm {
    csrf: CsrfToken,
    lesson: Option<i32>,
    course: Option<i32>,
    /// Set by the confirm page's button; without it the page asks first.
    confirm: super::confirm::Confirmed,
}

#[derive(Responder)]
enum Discarded {
    Done(Redirect),
    Ask(RawHtml<Template>),
}

carries_csrf!(DiscardForm);

#[post("/lessons/drafts/discard", data = "<form>")]
async fn discard(
    form: CsrfForm<DiscardForm>,
    user: Editor,
    db: &State<Db>,
    site: &State<SiteView>,
) -> Result<Discarded, AdminError> {
    let (target, back, field) = match (form.lesson, form.course) {
        (Some(id), _) => (
            DraftTarget::Lesson(id),
            format!("/admin/lessons/{id}/edit"),
            ("lesson", id),
        ),
        (None, Some(course)) => (
            DraftTarget::NewIn(course),
            format!("/admin/lessons/new?course={course}"),
            ("course", course),
        ),
        (None, None) => return Err(AdminError::NotFound),
    };
    if !form.confirm.0 {
        let q = super::confirm::Question {
            title: "Discard your unsaved text?".to_string(),
            explain: vec![
                "The text kept while you typed, and never saved, is deleted for good. \
                 The lesson itself does not change."
                    .to_string(),
            ],
            action: "/admin/lessons/drafts/discard".to_string(),
            fields: vec![(field.0, field.1.to_string())],
            button: "Discard the unsaved text".to_string(),
            cancel: back,
        };
        return Ok(Discarded::Ask(super::confirm::confirm_page(
            site, &user.0, q,
        )));
    }
    drafts::discard(db, &user.0, target).await?;
    Ok(Discarded::Done(Redirect::to(back)))
}
