//! Courses: list (with reordering), create, edit.

use std::collections::HashMap;

use rocket::form::FromForm;
use rocket::response::{content::RawHtml, Redirect};
use rocket::{get, post, routes, Route, State};
use rocket_dyn_templates::Template;
use serde::Serialize;

use crate::accounts::SessionUser;
use crate::config::Settings;
use crate::content::links::course_url;
use crate::db::entity::Status as CourseStatus;
use crate::db::{courses, Db};
use crate::editing::courses::{self as edit, CourseInput};
use crate::editing::EditError;
use crate::web::auth::Editor;
use crate::web::templates::SiteView;

use super::lesson_pages::EditResponse;
use super::{carries_csrf, CsrfForm};
use super::{field_errors, invalid_status, page, render, AdminError, AdminPage, CsrfToken};

pub(super) fn routes() -> Vec<Route> {
    routes![list, new_page, create, edit_page, save, move_course]
}

#[derive(Serialize)]
struct Row {
    id: i32,
    slug: String,
    title: String,
    status: CourseStatus,
    url: String,
    source_path: Option<String>,
}

#[derive(Serialize)]
struct ListView {
    page: AdminPage,
    courses: Vec<Row>,
}

#[get("/courses")]
async fn list(
    user: Editor,
    db: &State<Db>,
    site: &State<SiteView>,
) -> Result<RawHtml<Template>, AdminError> {
    let view = list_view(db.inner()).await?;
    Ok(render("admin/courses", site, &user.0, view))
}

/// Every course in home-page order.
async fn list_view(db: &Db) -> Result<ListView, AdminError> {
    let mut all = courses::all(db).await?;
    all.sort_by(|a, b| (a.position, &a.slug).cmp(&(b.position, &b.slug)));
    let courses = all
        .into_iter()
        .map(|c| Row {
            id: c.id,
            url: course_url(&c.slug),
            slug: c.slug,
            title: c.title,
            status: c.status,
            source_path: c.source_path,
        })
        .collect();
    Ok(ListView {
        page: page("Courses", "/admin/courses"),
        courses,
    })
}

#[derive(Clone, Debug, Default, FromForm, Serialize)]
struct CourseForm {
    #[serde(skip)]
    csrf: CsrfToken,
    slug: String,
    title: String,
    summary: String,
    body_md: String,
    status: String,
}

impl CourseForm {
    fn input(&self) -> CourseInput {
        CourseInput {
            slug: self.slug.trim().to_string(),
            title: self.title.clone(),
            summary: self.summary.clone(),
            body_md: self.body_md.replace("\r\n", "\n"),
            status: match self.status.as_str() {
                "published" => CourseStatus::Published,
                "archived" => CourseStatus::Archived,
                _ => CourseStatus::Draft,
            },
        }
    }
}

#[derive(Serialize)]
struct EditView {
    page: AdminPage,
    form: CourseForm,
    action_url: String,
    course_id: Option<i32>,
    public_url: Option<String>,
    errors: HashMap<&'static str, String>,
    lessons: Vec<LessonRow>,
}

/// A lesson of the course, in the course's order.
#[derive(Serialize)]
struct LessonRow {
    id: i32,
    title: String,
    status: CourseStatus,
    /// 1 = first.
    place: usize,
}

/// The course's lessons in order, for reordering on its page.
async fn lesson_rows(db: &Db, course_id: i32) -> Result<Vec<LessonRow>, AdminError> {
    let filter = crate::db::lessons::AdminFilter {
        course_id: Some(course_id),
        ..Default::default()
    };
    let (rows, _) = crate::db::lessons::admin_list(db, &filter, 1, 1000).await?;
    Ok(rows
        .into_iter()
        .enumerate()
        .map(|(i, l)| LessonRow {
            id: l.id,
            title: l.title,
            status: l.status,
            place: i + 1,
        })
        .collect())
}

fn edit_render(
    site: &State<SiteView>,
    user: &SessionUser,
    id: Option<i32>,
    form: CourseForm,
    errors: HashMap<&'static str, String>,
    lessons: Vec<LessonRow>,
) -> RawHtml<Template> {
    let (title, action_url) = match id {
        Some(id) => (
            format!("Edit course “{}”", form.title),
            format!("/admin/courses/{id}/edit"),
        ),
        None => ("New course".to_string(), "/admin/courses/new".to_string()),
    };
    let public_url = id.map(|_| course_url(&form.slug));
    let view = EditView {
        page: page(title, action_url.clone()),
        form,
        action_url,
        course_id: id,
        public_url,
        errors,
        lessons,
    };
    render("admin/course_edit", site, user, view)
}

#[get("/courses/new")]
fn new_page(user: Editor, site: &State<SiteView>) -> RawHtml<Template> {
    let form = CourseForm {
        status: "draft".into(),
        ..Default::default()
    };
    edit_render(site, &user.0, None, form, HashMap::new(), Vec::new())
}

async fn load_form(db: &Db, id: i32) -> Result<CourseForm, AdminError> {
    let c = courses::by_id(db, id).await?.ok_or(AdminError::NotFound)?;
    let status = c.status.as_str();
    Ok(CourseForm {
        csrf: CsrfToken(String::new()),
        slug: c.slug,
        title: c.title,
        summary: c.summary,
        body_md: c.body_md,
        status: status.into(),
    })
}

#[get("/courses/<id>/edit")]
async fn edit_page(
    id: i32,
    user: Editor,
    db: &State<Db>,
    site: &State<SiteView>,
) -> Result<RawHtml<Template>, AdminError> {
    let form = load_form(db.inner(), id).await?;
    let lessons = lesson_rows(db.inner(), id).await?;
    Ok(edit_render(
        site,
        &user.0,
        Some(id),
        form,
        HashMap::new(),
        lessons,
    ))
}

async fn submit(
    id: Option<i32>,
    form: CourseForm,
    user: &SessionUser,
    db: &Db,
    site: &State<SiteView>,
    settings: &Settings,
) -> Result<EditResponse, AdminError> {
    match edit::save(db, &settings.content_dir, user, id, &form.input()).await {
        Ok(_) => Ok(EditResponse::Redirect(Redirect::to("/admin/courses"))),
        Err(EditError::Invalid(errors)) => {
            let lessons = match id {
                Some(id) => lesson_rows(db, id).await?,
                None => Vec::new(),
            };
            Ok(EditResponse::Page((
                invalid_status(&errors),
                edit_render(site, user, id, form, field_errors(&errors), lessons),
            )))
        }
        Err(e) => Err(e.into()),
    }
}

#[post("/courses/new", data = "<form>")]
async fn create(
    form: CsrfForm<CourseForm>,
    user: Editor,
    db: &State<Db>,
    site: &State<SiteView>,
    settings: &State<Settings>,
) -> Result<EditResponse, AdminError> {
    submit(None, form.into_inner(), &user.0, db.inner(), site, settings).await
}

#[post("/courses/<id>/edit", data = "<form>")]
async fn save(
    id: i32,
    form: CsrfForm<CourseForm>,
    user: Editor,
    db: &State<Db>,
    site: &State<SiteView>,
    settings: &State<Settings>,
) -> Result<EditResponse, AdminError> {
    submit(
        Some(id),
        form.into_inner(),
        &user.0,
        db.inner(),
        site,
        settings,
    )
    .await
}

#[derive(FromForm)]
struct MoveForm {
    csrf: CsrfToken,
    delta: i32,
}

#[post("/courses/<id>/move", data = "<form>")]
async fn move_course(
    id: i32,
    form: CsrfForm<MoveForm>,
    user: Editor,
    db: &State<Db>,
) -> Result<Redirect, AdminError> {
    edit::move_by(db.inner(), &user.0, id, form.delta.signum()).await?;
    Ok(Redirect::to("/admin/courses"))
}

carries_csrf!(CourseForm, MoveForm);
