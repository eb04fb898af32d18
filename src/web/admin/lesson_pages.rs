//! The lesson list and reordering; the routes of the lesson editor
//! (`lesson_editor`), of archiving (`lesson_archive`) and of a lesson's
//! history (`lesson_history`).

use std::collections::HashMap;

use rocket::form::FromForm;
use rocket::response::{content::RawHtml, Redirect};
use rocket::{get, post, routes, Route, State};
use rocket_dyn_templates::Template;
use serde::Serialize;

use crate::content::links::lesson_url;
use crate::db::lessons::{self, AdminFilter};
use crate::db::Db;
use crate::editing::lessons::{self as edit};
use crate::web::auth::Editor;
use crate::web::templates::SiteView;

use super::lesson_form::*;
use super::{carries_csrf, CsrfForm};
use super::{page_bounds, render, AdminError, AdminPage, CsrfToken, PageNo};

pub(super) use super::lesson_editor::{resumed, EditResponse};
pub(super) use super::lesson_form::ResumeForm;

pub(super) fn routes() -> Vec<Route> {
    routes![list, move_lesson, move_lesson_to]
}

const PER_PAGE: u64 = 50;

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
    /// Its place in its course (1 = first), when the list shows one course.
    place: Option<usize>,
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
    let view = list_view(db.inner(), query).await?;
    Ok(render("admin/lessons", site, &user.0, view))
}

#[derive(Serialize)]
struct ListView {
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

/// One page of the filtered lesson list, with what each row links to.
async fn list_view(db: &Db, query: ListQuery) -> Result<ListView, AdminError> {
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
    let matches = lessons::admin_matches(db, &filter).await?;
    let total = matches.total;
    let (page_no, pages) = page_bounds(requested, total, PER_PAGE);
    let rows = lessons::admin_page(db, &filter, &matches, page_no, PER_PAGE).await?;
    let options = course_options(db).await?;
    let by_id: HashMap<i32, &CourseOption> = options.iter().map(|c| (c.id, c)).collect();
    let places: HashMap<i32, usize> = match course {
        Some(course_id) => lessons::order_in_course(db, course_id)
            .await?
            .into_iter()
            .enumerate()
            .map(|(i, id)| (id, i + 1))
            .collect(),
        None => HashMap::new(),
    };
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
                place: places.get(&row.id).copied(),
                row,
            }
        })
        .collect();
    Ok(ListView {
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
    })
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

#[derive(FromForm)]
struct MoveToForm {
    csrf: CsrfToken,
    position: usize,
    back: Option<String>,
}

/// Whether the request asked for JSON (the scripts' reordering does).
pub(super) struct WantsJson(bool);

#[rocket::async_trait]
impl<'r> rocket::request::FromRequest<'r> for WantsJson {
    type Error = std::convert::Infallible;

    async fn from_request(
        req: &'r rocket::Request<'_>,
    ) -> rocket::request::Outcome<Self, Self::Error> {
        let json = req.accept().is_some_and(|a| a.preferred().is_json());
        rocket::request::Outcome::Success(WantsJson(json))
    }
}

/// The answer to a move: the page to go back to, or (for scripts) the new
/// order and a sentence saying what happened.
#[derive(rocket::Responder)]
pub(super) enum MoveReply {
    Json(rocket::serde::json::Json<serde_json::Value>),
    Back(Box<Redirect>),
}

/// Moves a lesson to a position in its course (the "move to position" form
/// and drag and drop).
#[post("/lessons/<id>/move-to", data = "<form>")]
async fn move_lesson_to(
    id: i32,
    form: CsrfForm<MoveToForm>,
    json: WantsJson,
    user: Editor,
    db: &State<Db>,
) -> Result<MoveReply, AdminError> {
    let order = crate::editing::move_lesson_to(db.inner(), &user.0, id, form.position).await?;
    if json.0 {
        let at = order.iter().position(|x| *x == id).unwrap_or(0) + 1;
        return Ok(MoveReply::Json(rocket::serde::json::Json(
            serde_json::json!({ "order": order, "message": format!("Moved to position {at}.") }),
        )));
    }
    let back = form
        .back
        .as_deref()
        .and_then(crate::web::paths::admin_return_path);
    Ok(MoveReply::Back(Box::new(Redirect::to(
        back.unwrap_or_else(|| "/admin/lessons".into()),
    ))))
}

// ---------------------------------------------------------------- history

carries_csrf!(MoveForm, MoveToForm);
