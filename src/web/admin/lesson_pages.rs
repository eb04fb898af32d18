//! Lesson list, editor (with server-side preview and optimistic locking),
//! archive, reorder, history, diff and restore, conflict resolution.

use std::collections::HashMap;

use rocket::form::FromForm;
use rocket::http::{CookieJar, Status};
use rocket::response::{content::RawHtml, Redirect};
use rocket::{get, post, routes, Responder, Route, State};
use rocket_dyn_templates::Template;
use sea_orm::DatabaseConnection;
use serde::Serialize;

use crate::accounts::SessionUser;
use crate::config::Settings;
use crate::content::links::{lesson_url, media_url};
use crate::db::entity::Status as LessonStatus;
use crate::db::lessons::{self, AdminFilter, Lesson};
use crate::db::{courses, media, revisions, Db};
use crate::editing::diff::{line_diff, DiffLine};
use crate::editing::lessons::{self as edit, LearnerText, LessonInput};
use crate::editing::EditError;
use crate::web::auth::{login_csrf, CookiePolicy, Editor};
use crate::web::templates::SiteView;

use super::account_pages::CsrfOnly;
use super::{carries_csrf, CsrfForm};
use super::{
    check_csrf, field_errors, invalid_status, page, page_bounds, render, AdminError, AdminForm,
    AdminPage, CsrfToken, PageNo,
};

pub fn routes() -> Vec<Route> {
    routes![
        list,
        new_page,
        create,
        edit_page,
        save,
        archive,
        unarchive,
        move_lesson,
        history,
        revision,
        restore,
        keep_admin_text
    ]
}

const PER_PAGE: u64 = 50;

fn parse_status(s: &str) -> LessonStatus {
    match s {
        "published" => LessonStatus::Published,
        "archived" => LessonStatus::Archived,
        _ => LessonStatus::Draft,
    }
}

fn status_name(s: LessonStatus) -> &'static str {
    match s {
        LessonStatus::Draft => "draft",
        LessonStatus::Published => "published",
        LessonStatus::Archived => "archived",
    }
}

/// "scheduled for …" for a published lesson whose moment is still ahead.
fn scheduled(
    status: LessonStatus,
    publish_at: Option<chrono::DateTime<chrono::Utc>>,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<String> {
    publish_at
        .filter(|at| status == LessonStatus::Published && *at > now)
        .map(|at| format!("scheduled for {}", at.format("%Y-%m-%d %H:%M UTC")))
}

#[derive(Serialize)]
struct CourseOption {
    id: i32,
    slug: String,
    title: String,
}

async fn course_options(db: &DatabaseConnection) -> Result<Vec<CourseOption>, AdminError> {
    Ok(courses::all(db)
        .await?
        .into_iter()
        .map(|c| CourseOption {
            id: c.id,
            slug: c.slug,
            title: c.title,
        })
        .collect())
}

// ---------------------------------------------------------------- list

#[derive(Serialize)]
struct ListRow {
    #[serde(flatten)]
    row: lessons::AdminRow,
    course_title: String,
    public_url: String,
    updated: String,
    /// "scheduled for …" while a published lesson waits for its moment.
    scheduled: Option<String>,
}

/// The lesson list's filters, from the query string.
#[derive(Debug, Default, FromForm)]
struct ListQuery {
    course: Option<i32>,
    status: Option<String>,
    q: Option<String>,
    conflicts: Option<bool>,
    page: PageNo,
}

#[get("/lessons?<query..>")]
async fn list(
    query: ListQuery,
    user: Editor,
    db: &State<Db>,
    site: &State<SiteView>,
) -> Result<RawHtml<Template>, AdminError> {
    let ListQuery {
        course,
        status,
        q,
        conflicts,
        page,
    } = query;
    let status = status.as_deref();
    let q: Option<String> = q.map(|q| q.chars().take(200).collect());
    let filter = AdminFilter {
        course_id: course,
        status: status.filter(|s| !s.is_empty()).map(parse_status),
        query: q.clone(),
        conflicts_only: conflicts.unwrap_or(false),
    };
    // A page past the last shows the last (see `web::admin::page_bounds`).
    let requested = page.0.clamp(1, 1_000_000);
    let (mut rows, total) = lessons::admin_list(db.inner(), &filter, requested, PER_PAGE).await?;
    let (page_no, pages) = page_bounds(requested, total, PER_PAGE);
    if page_no != requested {
        rows = lessons::admin_list(db.inner(), &filter, page_no, PER_PAGE)
            .await?
            .0;
    }
    let options = course_options(db.inner()).await?;
    let by_id: HashMap<i32, &CourseOption> = options.iter().map(|c| (c.id, c)).collect();
    let now = chrono::Utc::now();
    let rows: Vec<ListRow> = rows
        .into_iter()
        .map(|row| {
            let course = by_id.get(&row.course_id);
            ListRow {
                course_title: course.map_or_else(String::new, |c| c.title.clone()),
                public_url: course.map_or_else(String::new, |c| lesson_url(&c.slug, &row.slug)),
                updated: row.updated_at.format("%Y-%m-%d %H:%M").to_string(),
                scheduled: scheduled(row.status, row.publish_at, now),
                row,
            }
        })
        .collect();
    #[derive(Serialize)]
    struct View {
        page: AdminPage,
        rows: Vec<ListRow>,
        courses: Vec<CourseOption>,
        total: u64,
        page_no: u64,
        pages: u64,
        filter_course: Option<i32>,
        filter_status: String,
        filter_q: String,
        filter_conflicts: bool,
    }
    let view = View {
        page: super::page("Lessons", "/admin/lessons"),
        rows,
        courses: options,
        total,
        page_no,
        pages,
        filter_course: course,
        filter_status: status.unwrap_or("").to_string(),
        filter_q: q.unwrap_or_default(),
        filter_conflicts: filter.conflicts_only,
    };
    Ok(render("admin/lessons", site, &user.0, view))
}

// ---------------------------------------------------------------- editor

/// What the lesson form submits.
#[derive(Clone, Debug, Default, FromForm, Serialize)]
pub struct LessonForm {
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
    /// Learner information (see [`LearnerText`]); a form without these
    /// fields leaves the lesson's as they are.
    pub duration: Option<String>,
    pub level: Option<String>,
    pub publish_at: Option<String>,
    pub prerequisites: Option<String>,
    /// `save` or `preview`.
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
    fn input(&self) -> LessonInput {
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

    fn from_lesson(l: &Lesson) -> LessonForm {
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
pub type ResumeForm = ResumeFields;

#[derive(Clone, Debug, Default, FromForm, Serialize)]
pub struct ResumeFields {
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

#[derive(Serialize)]
struct LessonInfo {
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
struct StaleView {
    current_title: String,
    current_summary: String,
    current_body: String,
    current_version: i32,
    updated_by: Option<String>,
    hunks: Vec<Vec<DiffLine>>,
}

#[derive(Serialize)]
struct ImageItem {
    name: String,
    url: String,
}

#[derive(Serialize)]
struct EditView {
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

struct EditState {
    form: LessonForm,
    errors: HashMap<&'static str, String>,
    preview: Option<(String, Vec<String>)>,
    stale: Option<StaleView>,
    notice: Option<String>,
}

impl EditState {
    fn new(form: LessonForm) -> Self {
        EditState {
            form,
            errors: HashMap::new(),
            preview: None,
            stale: None,
            notice: None,
        }
    }
}

async fn edit_view(
    db: &DatabaseConnection,
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

#[get("/lessons/new?<course>")]
async fn new_page(
    course: Option<i32>,
    user: Editor,
    db: &State<Db>,
    site: &State<SiteView>,
) -> Result<RawHtml<Template>, AdminError> {
    let form = LessonForm {
        course_id: course.unwrap_or(0),
        status: "draft".into(),
        ..Default::default()
    };
    let view = edit_view(db.inner(), None, EditState::new(form)).await?;
    Ok(render("admin/lesson_edit", site, &user.0, view))
}

#[get("/lessons/<id>/edit?<saved>")]
async fn edit_page(
    id: i32,
    saved: Option<bool>,
    user: Editor,
    db: &State<Db>,
    site: &State<SiteView>,
) -> Result<RawHtml<Template>, AdminError> {
    let lesson = lessons::by_id(db.inner(), id)
        .await?
        .ok_or(AdminError::NotFound)?;
    let mut state = EditState::new(LessonForm::from_lesson(&lesson));
    if saved.unwrap_or(false) {
        state.notice = Some(format!("Saved as version {}.", lesson.version));
    }
    let view = edit_view(db.inner(), Some(&lesson), state).await?;
    Ok(render("admin/lesson_edit", site, &user.0, view))
}

#[derive(Responder)]
pub enum EditResponse {
    Page((Status, RawHtml<Template>)),
    Redirect(Redirect),
}

/// Preview: render through the same pipeline as the public page, save nothing.
async fn preview_state(
    db: &DatabaseConnection,
    settings: &Settings,
    form: LessonForm,
) -> Result<EditState, AdminError> {
    let course_slug = courses::all(db)
        .await?
        .into_iter()
        .find(|c| c.id == form.course_id)
        .map(|c| c.slug)
        .unwrap_or_default();
    let rendered = edit::render(
        db,
        &settings.content_dir,
        &course_slug,
        &form.input().body_md,
    )
    .await?;
    let problems = rendered
        .broken
        .iter()
        .map(|b| match &b.reason {
            Some(reason) => format!("line {}: “{}” is not published: {reason}", b.line, b.target),
            None => format!("line {}: “{}” points to nothing", b.line, b.target),
        })
        .collect();
    let mut state = EditState::new(form);
    state.preview = Some((rendered.html, problems));
    Ok(state)
}

/// The session ended while the editor was saving: show the login form with
/// the text kept in it, so logging in again brings the editor back to it.
fn expired(
    form: &LessonForm,
    lesson_id: Option<i32>,
    site: &SiteView,
    cookies: &CookieJar<'_>,
    policy: &CookiePolicy,
) -> EditResponse {
    let resume = ResumeFields {
        lesson_id,
        course_id: form.course_id,
        slug: form.slug.clone(),
        title: form.title.clone(),
        summary: form.summary.clone(),
        body_md: form.body_md.clone(),
        status: form.status.clone(),
        position: form.position,
        version: form.version,
        duration: form.duration.clone(),
        level: form.level.clone(),
        publish_at: form.publish_at.clone(),
        prerequisites: form.prerequisites.clone(),
    };
    let csrf = login_csrf(cookies, policy);
    EditResponse::Page((
        Status::Unauthorized,
        RawHtml(Template::render(
            "admin/login",
            rocket_dyn_templates::context! {
                site,
                page: rocket_dyn_templates::context! { title: "Log in again", description: "", canonical: "/admin/login" },
                login_csrf: csrf,
                next: "/admin",
                error: "Your session has ended. Log in again to continue: your text is kept and nothing was saved yet.",
                resume,
            },
        )),
    ))
}

/// The editor again after a re-login, holding the text that was being saved.
pub async fn resumed(
    db: &DatabaseConnection,
    site: &State<SiteView>,
    _settings: &Settings,
    user: &SessionUser,
    resume: &ResumeFields,
) -> Result<RawHtml<Template>, AdminError> {
    let form = LessonForm {
        csrf: CsrfToken(String::new()),
        course_id: resume.course_id,
        slug: resume.slug.clone(),
        title: resume.title.clone(),
        summary: resume.summary.clone(),
        body_md: resume.body_md.clone(),
        status: resume.status.clone(),
        position: resume.position,
        version: resume.version,
        duration: resume.duration.clone(),
        level: resume.level.clone(),
        publish_at: resume.publish_at.clone(),
        prerequisites: resume.prerequisites.clone(),
        action: String::new(),
    };
    let lesson = match resume.lesson_id {
        Some(id) => lessons::by_id(db, id).await?,
        None => None,
    };
    let mut state = EditState::new(form);
    state.notice = Some(
        "You are logged in again. Your text is below, not saved yet: check it and save.".into(),
    );
    let view = edit_view(db, lesson.as_ref(), state).await?;
    Ok(render("admin/lesson_edit", site, user, view))
}

#[allow(clippy::too_many_arguments)]
#[post("/lessons/new", data = "<form>")]
async fn create(
    form: AdminForm<LessonForm>,
    user: Option<Editor>,
    cookies: &CookieJar<'_>,
    db: &State<Db>,
    site: &State<SiteView>,
    settings: &State<Settings>,
    policy: &State<CookiePolicy>,
) -> Result<EditResponse, AdminError> {
    let form = form.into_inner();
    let Some(Editor(user)) = user else {
        return Ok(expired(&form, None, site, cookies, policy));
    };
    check_csrf(&user, &form.csrf)?;
    if form.action == "preview" {
        let state = preview_state(db.inner(), settings, form).await?;
        let view = edit_view(db.inner(), None, state).await?;
        return Ok(EditResponse::Page((
            Status::Ok,
            render("admin/lesson_edit", site, &user, view),
        )));
    }
    match edit::create(db.inner(), &settings.content_dir, &user, &form.input()).await {
        Ok(lesson) => Ok(EditResponse::Redirect(Redirect::to(format!(
            "/admin/lessons/{}/edit?saved=true",
            lesson.id
        )))),
        Err(EditError::Invalid(errors)) => {
            // A text over its size limit is 413; either way the text stays in the form.
            let status = invalid_status(&errors);
            let mut state = EditState::new(form);
            state.errors = field_errors(&errors);
            let view = edit_view(db.inner(), None, state).await?;
            Ok(EditResponse::Page((
                status,
                render("admin/lesson_edit", site, &user, view),
            )))
        }
        Err(e) => Err(e.into()),
    }
}

#[allow(clippy::too_many_arguments)]
#[post("/lessons/<id>/edit", data = "<form>")]
async fn save(
    id: i32,
    form: AdminForm<LessonForm>,
    user: Option<Editor>,
    cookies: &CookieJar<'_>,
    db: &State<Db>,
    site: &State<SiteView>,
    settings: &State<Settings>,
    policy: &State<CookiePolicy>,
) -> Result<EditResponse, AdminError> {
    let form = form.into_inner();
    let Some(Editor(user)) = user else {
        return Ok(expired(&form, Some(id), site, cookies, policy));
    };
    check_csrf(&user, &form.csrf)?;
    let lesson = lessons::by_id(db.inner(), id)
        .await?
        .ok_or(AdminError::NotFound)?;
    if form.action == "preview" {
        let state = preview_state(db.inner(), settings, form).await?;
        let view = edit_view(db.inner(), Some(&lesson), state).await?;
        return Ok(EditResponse::Page((
            Status::Ok,
            render("admin/lesson_edit", site, &user, view),
        )));
    }
    let version = form.version.unwrap_or(0);
    match edit::update(
        db.inner(),
        &settings.content_dir,
        &user,
        id,
        version,
        &form.input(),
    )
    .await
    {
        Ok(saved) => Ok(EditResponse::Redirect(Redirect::to(format!(
            "/admin/lessons/{}/edit?saved=true",
            saved.id
        )))),
        Err(EditError::Invalid(errors)) => {
            // A text over its size limit is 413; either way the text stays in the form.
            let status = invalid_status(&errors);
            let mut state = EditState::new(form);
            state.errors = field_errors(&errors);
            let view = edit_view(db.inner(), Some(&lesson), state).await?;
            Ok(EditResponse::Page((
                status,
                render("admin/lesson_edit", site, &user, view),
            )))
        }
        Err(EditError::Stale { current }) => {
            // Nothing was written to the lesson; the editor's text stays in the form.
            let mut state = EditState::new(form);
            // Saving again after reading the other text is a deliberate choice.
            state.form.version = Some(current.version);
            state.stale = Some(StaleView {
                hunks: line_diff(&current.body_md, &state.form.body_md.replace("\r\n", "\n")),
                current_title: current.title.clone(),
                current_summary: current.summary.clone(),
                current_body: current.body_md.clone(),
                current_version: current.version,
                updated_by: current.updated_by.clone(),
            });
            let view = edit_view(db.inner(), Some(&current), state).await?;
            Ok(EditResponse::Page((
                Status::Conflict,
                render("admin/lesson_edit", site, &user, view),
            )))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(FromForm)]
struct VersionForm {
    csrf: CsrfToken,
    version: i32,
}

async fn set_archived(
    id: i32,
    form: &VersionForm,
    user: &SessionUser,
    db: &Db,
    archived: bool,
) -> Result<Redirect, AdminError> {
    match edit::set_archived(db, user, id, form.version, archived).await {
        Ok(_) => Ok(Redirect::to(format!("/admin/lessons/{id}/edit?saved=true"))),
        // Changed meanwhile: show the editor with the current state.
        Err(EditError::Stale { .. }) => Ok(Redirect::to(format!("/admin/lessons/{id}/edit"))),
        Err(e) => Err(e.into()),
    }
}

#[post("/lessons/<id>/archive", data = "<form>")]
async fn archive(
    id: i32,
    form: CsrfForm<VersionForm>,
    user: Editor,
    db: &State<Db>,
) -> Result<Redirect, AdminError> {
    set_archived(id, &form, &user.0, db.inner(), true).await
}

#[post("/lessons/<id>/unarchive", data = "<form>")]
async fn unarchive(
    id: i32,
    form: CsrfForm<VersionForm>,
    user: Editor,
    db: &State<Db>,
) -> Result<Redirect, AdminError> {
    set_archived(id, &form, &user.0, db.inner(), false).await
}

#[derive(FromForm)]
struct MoveForm {
    csrf: CsrfToken,
    delta: i32,
    back: Option<String>,
}

#[post("/lessons/<id>/move", data = "<form>")]
async fn move_lesson(
    id: i32,
    form: CsrfForm<MoveForm>,
    user: Editor,
    db: &State<Db>,
) -> Result<Redirect, AdminError> {
    edit::move_by(db.inner(), &user.0, id, form.delta.signum()).await?;
    let back = form
        .back
        .as_deref()
        .and_then(crate::web::paths::admin_return_path);
    Ok(Redirect::to(
        back.unwrap_or_else(|| "/admin/lessons".into()),
    ))
}

// ---------------------------------------------------------------- history

#[derive(Serialize)]
struct RevisionRow {
    id: i32,
    version: i32,
    origin: crate::db::entity::Origin,
    author: Option<String>,
    note: Option<String>,
    created: String,
    title: String,
}

/// Revisions on a page of a lesson's history.
const HISTORY_PER_PAGE: u64 = 50;

#[get("/lessons/<id>/history?<page>")]
async fn history(
    id: i32,
    page: PageNo,
    user: Editor,
    db: &State<Db>,
    site: &State<SiteView>,
) -> Result<RawHtml<Template>, AdminError> {
    let lesson = lessons::by_id(db.inner(), id)
        .await?
        .ok_or(AdminError::NotFound)?;
    let total = revisions::count_for_lesson(db.inner(), id).await?;
    let (page_no, pages) = page_bounds(page.0, total, HISTORY_PER_PAGE);
    let offset = (page_no - 1) * HISTORY_PER_PAGE;
    let revisions = revisions::page_for_lesson(db.inner(), id, HISTORY_PER_PAGE, offset)
        .await?
        .into_iter()
        .map(|r| RevisionRow {
            id: r.id,
            version: r.version,
            origin: r.origin,
            author: r.author,
            note: r.note,
            created: r.created_at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
            title: r.title,
        })
        .collect::<Vec<_>>();
    #[derive(Serialize)]
    struct View {
        page: AdminPage,
        lesson_id: i32,
        lesson_title: String,
        version: i32,
        conflict_revision_id: Option<i32>,
        revisions: Vec<RevisionRow>,
        total: u64,
        page_no: u64,
        pages: u64,
    }
    let view = View {
        total,
        page_no,
        pages,
        page: super::page(
            format!("History of “{}”", lesson.title),
            format!("/admin/lessons/{id}/history"),
        ),
        lesson_id: id,
        lesson_title: lesson.title,
        version: lesson.version,
        conflict_revision_id: lesson.conflict_revision_id,
        revisions,
    };
    Ok(render("admin/history", site, &user.0, view))
}

#[get("/lessons/<id>/revisions/<rev>")]
async fn revision(
    id: i32,
    rev: i32,
    user: Editor,
    db: &State<Db>,
    site: &State<SiteView>,
) -> Result<RawHtml<Template>, AdminError> {
    let lesson = lessons::by_id(db.inner(), id)
        .await?
        .ok_or(AdminError::NotFound)?;
    let revision = revisions::by_id(db.inner(), rev)
        .await?
        .filter(|r| r.lesson_id == id)
        .ok_or(AdminError::NotFound)?;
    #[derive(Serialize)]
    struct View {
        page: AdminPage,
        lesson_id: i32,
        lesson_title: String,
        version: i32,
        revision_id: i32,
        revision_version: i32,
        revision_origin: crate::db::entity::Origin,
        revision_author: Option<String>,
        revision_note: Option<String>,
        revision_title: String,
        revision_body: String,
        title_changed: bool,
        is_conflict: bool,
        hunks: Vec<Vec<DiffLine>>,
    }
    let view = View {
        page: page(
            format!("Revision {} of “{}”", revision.id, lesson.title),
            format!("/admin/lessons/{id}/revisions/{rev}"),
        ),
        hunks: line_diff(&revision.body_md, &lesson.body_md),
        title_changed: revision.title != lesson.title,
        is_conflict: lesson.conflict_revision_id == Some(revision.id),
        lesson_id: id,
        lesson_title: lesson.title,
        version: lesson.version,
        revision_id: revision.id,
        revision_version: revision.version,
        revision_origin: revision.origin,
        revision_author: revision.author,
        revision_note: revision.note,
        revision_title: revision.title,
        revision_body: revision.body_md,
    };
    Ok(render("admin/revision", site, &user.0, view))
}

#[post("/lessons/<id>/revisions/<rev>/restore", data = "<form>")]
async fn restore(
    id: i32,
    rev: i32,
    form: CsrfForm<VersionForm>,
    user: Editor,
    db: &State<Db>,
    settings: &State<Settings>,
) -> Result<Redirect, AdminError> {
    match edit::restore_revision(
        db.inner(),
        &settings.content_dir,
        &user.0,
        id,
        rev,
        form.version,
    )
    .await
    {
        Ok(_) => Ok(Redirect::to(format!("/admin/lessons/{id}/edit?saved=true"))),
        Err(EditError::Stale { .. }) => {
            Ok(Redirect::to(format!("/admin/lessons/{id}/revisions/{rev}")))
        }
        Err(e) => Err(e.into()),
    }
}

#[post("/lessons/<id>/keep", data = "<_form>")]
async fn keep_admin_text(
    id: i32,
    _form: CsrfForm<CsrfOnly>,
    user: Editor,
    db: &State<Db>,
) -> Result<Redirect, AdminError> {
    edit::keep_admin_text(db.inner(), &user.0, id).await?;
    Ok(Redirect::to(format!("/admin/lessons/{id}/edit")))
}

carries_csrf!(VersionForm, MoveForm);
