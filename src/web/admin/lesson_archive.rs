//! Archiving a lesson (after a confirm page) and bringing it back.

use rocket::form::FromForm;
use rocket::response::{content::RawHtml, Redirect};
use rocket::{get, post, routes, Responder, Route, State};
use rocket_dyn_templates::Template;

use crate::accounts::SessionUser;
use crate::db::entity::Status;
use crate::db::{courses, lessons, Db};
use crate::editing::lessons::{self as edit};
use crate::editing::EditError;
use crate::web::auth::Editor;
use crate::web::templates::SiteView;

use super::confirm::{confirm_page, Confirmed, Question};
use super::lesson_form::VersionForm;
use super::{carries_csrf, AdminError, CsrfForm, CsrfToken};

pub(super) fn routes() -> Vec<Route> {
    routes![archive_page, archive, unarchive]
}

#[derive(Responder)]
enum PageOrRedirect {
    Page(RawHtml<Template>),
    Redirect(Redirect),
}

/// "Archive “…”?": what archiving does, with the real button.
#[get("/lessons/<id>/archive")]
async fn archive_page(
    id: i32,
    user: Editor,
    db: &State<Db>,
    site: &State<SiteView>,
) -> Result<PageOrRedirect, AdminError> {
    let lesson = lessons::by_id(db.inner(), id)
        .await?
        .ok_or(AdminError::NotFound)?;
    if lesson.status == Status::Archived {
        return Ok(PageOrRedirect::Redirect(Redirect::to(editor(id))));
    }
    let page = question(db.inner(), site, &user.0, &lesson, lesson.version).await?;
    Ok(PageOrRedirect::Page(page))
}

async fn question(
    db: &Db,
    site: &SiteView,
    user: &SessionUser,
    lesson: &lessons::Lesson,
    version: i32,
) -> Result<RawHtml<Template>, AdminError> {
    let address = courses::by_id(db, lesson.course_id)
        .await?
        .map(|c| crate::base::urls::lesson_url(&c.slug, &lesson.slug));
    let hidden = match address {
        Some(url) => format!(
            "Learners will no longer see it: its page at {url} will answer “not found”, \
             and it leaves the course’s outline, search and feeds."
        ),
        None => "Learners will no longer see it.".to_string(),
    };
    let q = Question {
        title: format!("Archive “{}”?", lesson.title),
        explain: vec![
            hidden,
            "Its text and history are kept. You can bring it back as a draft from the \
             editor at any time."
                .to_string(),
        ],
        action: format!("/admin/lessons/{}/archive", lesson.id),
        fields: vec![("version", version.to_string())],
        button: "Archive the lesson".to_string(),
        cancel: editor(lesson.id),
    };
    Ok(confirm_page(site, user, q))
}

fn editor(id: i32) -> String {
    format!("/admin/lessons/{id}/edit")
}

#[derive(FromForm)]
struct ArchiveForm {
    csrf: CsrfToken,
    version: i32,
    confirm: Confirmed,
}

/// Archives only with `confirm=yes`; without it, asks first (an old form
/// that posted here directly cannot skip the question).
#[post("/lessons/<id>/archive", data = "<form>")]
async fn archive(
    id: i32,
    form: CsrfForm<ArchiveForm>,
    user: Editor,
    db: &State<Db>,
    site: &State<SiteView>,
) -> Result<PageOrRedirect, AdminError> {
    if !form.confirm.0 {
        let lesson = lessons::by_id(db.inner(), id)
            .await?
            .ok_or(AdminError::NotFound)?;
        let page = question(db.inner(), site, &user.0, &lesson, form.version).await?;
        return Ok(PageOrRedirect::Page(page));
    }
    let done = set_archived(id, form.version, &user.0, db.inner(), true).await?;
    Ok(PageOrRedirect::Redirect(done))
}

#[post("/lessons/<id>/unarchive", data = "<form>")]
async fn unarchive(
    id: i32,
    form: CsrfForm<VersionForm>,
    user: Editor,
    db: &State<Db>,
) -> Result<Redirect, AdminError> {
    set_archived(id, form.version, &user.0, db.inner(), false).await
}

async fn set_archived(
    id: i32,
    version: i32,
    user: &SessionUser,
    db: &Db,
    archived: bool,
) -> Result<Redirect, AdminError> {
    match edit::set_archived(db, user, id, version, archived).await {
        Ok(_) => Ok(Redirect::to(format!("{}?saved=true", editor(id)))),
        // Changed meanwhile: show the editor with the current state.
        Err(EditError::Stale { .. }) => Ok(Redirect::to(editor(id))),
        Err(e) => Err(e.into()),
    }
}

carries_csrf!(ArchiveForm);
