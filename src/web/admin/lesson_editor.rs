//! The lesson editor: new and edit pages, server-side preview, saving with
//! optimistic locking, and keeping an editor's text through a new login.

use rocket::http::{CookieJar, Status};
use rocket::request::{FromRequest, Outcome, Request};
use rocket::response::{content::RawHtml, Redirect};
use rocket::{get, post, routes, Responder, Route, State};
use rocket_dyn_templates::Template;

use crate::accounts::SessionUser;
use crate::config::Settings;
use crate::content::links::LinkPolicy;
use crate::db::lessons::{self, Lesson};
use crate::db::{courses, Db};
use crate::editing::diff::{compare, field_label, Side};
use crate::editing::drafts::DraftTarget;
use crate::editing::lessons::{self as edit};
use crate::editing::EditError;
use crate::web::auth::{login_csrf, CookiePolicy, Editor};
use crate::web::templates::SiteView;

use super::lesson_form::*;
use super::lesson_live;
use super::lesson_views::{edit_view, EditState, FieldConflictView, StaleView};
use super::{check_csrf, field_errors, invalid_status, render, AdminError, AdminForm, CsrfToken};

pub(super) fn routes() -> Vec<Route> {
    routes![new_page, create, edit_page, save]
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
    let mut state = EditState::new(form);
    state.draft = lesson_live::offer_for_new(db, &user.0, course).await?;
    let view = edit_view(db.inner(), None, state).await?;
    Ok(render("admin/lesson_edit", site, &user.0, view))
}

#[get("/lessons/<id>/edit?<saved>&<merged>")]
async fn edit_page(
    id: i32,
    saved: Option<bool>,
    merged: Option<i32>,
    user: Editor,
    db: &State<Db>,
    site: &State<SiteView>,
    settings: &State<Settings>,
) -> Result<RawHtml<Template>, AdminError> {
    let lesson = lessons::by_id(db.inner(), id)
        .await?
        .ok_or(AdminError::NotFound)?;
    let mut state = EditState::new(LessonForm::from_lesson(&lesson));
    if saved.unwrap_or(false) {
        state.notice = Some(match merged {
            Some(theirs) => format!(
                "Saved as version {}. Version {theirs} was saved by someone else while you were editing; \
                 your changes and theirs touched different parts, so both are in.",
                lesson.version
            ),
            None => format!("Saved as version {}.", lesson.version),
        });
        if let Some(theirs) = merged {
            // Their version against the merge: what your edit added to it.
            let made = crate::db::revisions::making_version(db.inner(), id, theirs).await?;
            state.notice_link = made.map(|r| {
                (
                    format!("/admin/lessons/{id}/revisions/{}", r.id),
                    format!("See version {theirs} beside this one."),
                )
            });
        }
    }
    // The same checks as `lectern check`, next to the text: a draft may be
    // saved with them, a published lesson may not.
    let course_slug = courses::by_id(db.inner(), lesson.course_id)
        .await?
        .map(|c| c.slug)
        .unwrap_or_default();
    let rendered = edit::render(
        db.inner(),
        &settings.content_dir,
        &course_slug,
        &lesson.body_md,
    )
    .await?;
    let problems = edit::problems(&rendered);
    if !problems.is_empty() {
        state.errors.insert(
            "body_md",
            match settings.strict_links {
                true => format!(
                    "Fix these before the lesson can be published: {}",
                    edit::problems_in_words(&problems)
                ),
                // The lenient rule publishes it anyway: still worth fixing.
                false => format!(
                    "These lead nowhere or are mistaken; readers see them as they are: {}",
                    edit::problems_in_words(&problems)
                ),
            },
        );
    }
    state.draft = lesson_live::offer_for_lesson(db, &user.0, &lesson).await?;
    let view = edit_view(db.inner(), Some(&lesson), state).await?;
    Ok(render("admin/lesson_edit", site, &user.0, view))
}

#[derive(Responder)]
pub(super) enum EditResponse {
    Page((Status, RawHtml<Template>)),
    Redirect(Redirect),
}

/// Preview: render through the same pipeline as the public page, save nothing.
async fn preview_state(
    db: &Db,
    settings: &Settings,
    form: LessonForm,
) -> Result<EditState, AdminError> {
    let preview = lesson_live::rendered_preview(db, settings, &form).await?;
    let mut state = EditState::new(form);
    state.preview = Some(preview);
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
pub(super) async fn resumed(
    db: &Db,
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
        replaces: None,
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
/// What the editor's form handlers need besides the form and the user.
struct EditorDeps<'r> {
    db: &'r Db,
    site: &'r SiteView,
    settings: &'r Settings,
    policy: &'r CookiePolicy,
    cookies: &'r CookieJar<'r>,
}

impl EditorDeps<'_> {
    /// What a save checks the text against, by the site's settings.
    fn checks(&self) -> edit::Checks<'_> {
        edit::Checks {
            content_dir: &self.settings.content_dir,
            links: LinkPolicy::strict(self.settings.strict_links),
        }
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for EditorDeps<'r> {
    type Error = ();

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, ()> {
        let rocket = req.rocket();
        match (
            rocket.state::<Db>(),
            rocket.state::<SiteView>(),
            rocket.state::<Settings>(),
            rocket.state::<CookiePolicy>(),
        ) {
            (Some(db), Some(site), Some(settings), Some(policy)) => Outcome::Success(EditorDeps {
                db,
                site,
                settings,
                policy,
                cookies: req.cookies(),
            }),
            _ => Outcome::Error((Status::InternalServerError, ())),
        }
    }
}

impl EditorDeps<'_> {
    fn page(
        &self,
        status: Status,
        user: &SessionUser,
        view: impl serde::Serialize,
    ) -> EditResponse {
        EditResponse::Page((status, render("admin/lesson_edit", self.site, user, view)))
    }

    /// The editor showing the form's text rendered, nothing saved.
    async fn preview(
        &self,
        user: &SessionUser,
        lesson: Option<&Lesson>,
        form: LessonForm,
    ) -> Result<EditResponse, AdminError> {
        let state = preview_state(self.db, self.settings, form).await?;
        let view = edit_view(self.db, lesson, state).await?;
        Ok(self.page(Status::Ok, user, view))
    }

    /// What a save led to: the saved lesson, the form with its errors (413
    /// for a text over its limit, else 422), or, when somebody saved first
    /// and the edits overlap, the form with both sides merged and marked
    /// (409). The editor's text is never lost.
    async fn after_save(
        &self,
        user: &SessionUser,
        lesson: Option<&Lesson>,
        form: LessonForm,
        saved: Result<Lesson, EditError>,
    ) -> Result<EditResponse, AdminError> {
        self.after_update(
            user,
            lesson,
            form,
            saved.map(|lesson| edit::Saved {
                lesson,
                merged_with: None,
            }),
        )
        .await
    }

    async fn after_update(
        &self,
        user: &SessionUser,
        lesson: Option<&Lesson>,
        form: LessonForm,
        saved: Result<edit::Saved, EditError>,
    ) -> Result<EditResponse, AdminError> {
        match saved {
            Ok(saved) => Ok(EditResponse::Redirect(Redirect::to(format!(
                "/admin/lessons/{}/edit?saved=true{}",
                saved.lesson.id,
                saved
                    .merged_with
                    .map(|v| format!("&merged={v}"))
                    .unwrap_or_default()
            )))),
            Err(EditError::Invalid(errors)) => {
                let mut state = EditState::new(form);
                state.errors = field_errors(&errors);
                let view = edit_view(self.db, lesson, state).await?;
                Ok(self.page(invalid_status(&errors), user, view))
            }
            Err(EditError::Unmerged(unmerged)) => {
                let state = unmerged_state(form, *unmerged);
                let view = edit_view(self.db, lesson, state).await?;
                Ok(self.page(Status::Conflict, user, view))
            }
            Err(e) => Err(e.into()),
        }
    }
}

/// The form after a save that met overlapping changes: it now holds both
/// edits merged, each conflicting part of the text between labelled
/// markers, and still the version it was opened at, so Save is refused
/// again until the parts are resolved; replacing the other version is the
/// separate Replace action.
fn unmerged_state(form: LessonForm, u: edit::Unmerged) -> EditState {
    let merged = LessonForm {
        version: Some(u.opened_version),
        replaces: Some(u.current.version),
        ..LessonForm::from_input(&u.merged, form)
    };
    let current_fields = lessons::ShownFields::of(&u.current).to_map();
    let mut theirs_fields: Vec<(&'static str, &str)> = vec![
        ("title", u.current.title.as_str()),
        ("summary", u.current.summary.as_str()),
    ];
    theirs_fields.extend(current_fields.iter().map(|(k, v)| (*k, v.as_str())));
    let mine_map = merged.shown_map();
    let mut mine_fields: Vec<(&'static str, &str)> = vec![
        ("title", merged.title.as_str()),
        ("summary", merged.summary.as_str()),
    ];
    mine_fields.extend(mine_map.iter().map(|(k, v)| (*k, v.as_str())));
    let comparison = compare(
        Side {
            label: u.theirs_label.clone(),
            fields: theirs_fields,
            body: &u.current.body_md,
        },
        Side {
            label: "the text in the form (yours, merged)".to_string(),
            fields: mine_fields,
            body: &merged.body_md,
        },
    );
    let stale = StaleView {
        opened_version: u.opened_version,
        current_version: u.current.version,
        theirs_label: u.theirs_label,
        body_conflicts: u.body_conflicts,
        conflicts: u
            .conflicts
            .iter()
            .map(|c| FieldConflictView {
                label: field_label(c.field),
                mine: c.mine.clone(),
                theirs: c.theirs.clone(),
            })
            .collect(),
        taken: u.from_theirs.iter().map(|f| field_label(f)).collect(),
        comparison,
        current_body: u.current.body_md.clone(),
    };
    let mut state = EditState::new(merged);
    state.stale = Some(stale);
    state
}

#[post("/lessons/new", data = "<form>")]
async fn create(
    form: AdminForm<LessonForm>,
    user: Option<Editor>,
    deps: EditorDeps<'_>,
) -> Result<EditResponse, AdminError> {
    let form = form.into_inner();
    let Some(Editor(user)) = user else {
        return Ok(expired(&form, None, deps.site, deps.cookies, deps.policy));
    };
    check_csrf(&user, &form.csrf)?;
    if form.action == "preview" {
        return deps.preview(&user, None, form).await;
    }
    let saved = edit::create(deps.db, deps.checks(), &user, &form.input()).await;
    if saved.is_ok() {
        lesson_live::forget_draft(deps.db, &user, DraftTarget::NewIn(form.course_id)).await;
    }
    deps.after_save(&user, None, form, saved).await
}

#[post("/lessons/<id>/edit", data = "<form>")]
async fn save(
    id: i32,
    form: AdminForm<LessonForm>,
    user: Option<Editor>,
    deps: EditorDeps<'_>,
) -> Result<EditResponse, AdminError> {
    let form = form.into_inner();
    let Some(Editor(user)) = user else {
        return Ok(expired(
            &form,
            Some(id),
            deps.site,
            deps.cookies,
            deps.policy,
        ));
    };
    check_csrf(&user, &form.csrf)?;
    let lesson = lessons::by_id(deps.db, id)
        .await?
        .ok_or(AdminError::NotFound)?;
    if form.action == "preview" {
        return deps.preview(&user, Some(&lesson), form).await;
    }
    let (checks, version) = (deps.checks(), form.version.unwrap_or(0));
    let input = form.input();
    let saved = match (form.action.as_str(), form.replaces) {
        ("replace", Some(replaces)) => {
            edit::replace(deps.db, checks, &user, id, version, replaces, &input).await
        }
        _ => edit::update(deps.db, checks, &user, id, version, &input).await,
    };
    if saved.is_ok() {
        lesson_live::forget_draft(deps.db, &user, DraftTarget::Lesson(id)).await;
    }
    deps.after_update(&user, Some(&lesson), form, saved).await
}
