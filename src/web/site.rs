//! The public reader site: home, course pages (and the whole course on one
//! page), lesson pages.

use rocket::http::uri::Origin;
use rocket::response::{content::RawHtml, Redirect};
use rocket::{get, routes, Responder, Route, State};
use rocket_dyn_templates::Template;
use serde::Serialize;

use crate::config::Settings;
use crate::db::Db;
use crate::markdown::slug;

use super::auth::Viewer;
use super::error::WebError;
use super::pages;
use super::templates::SiteView;

pub fn routes() -> Vec<Route> {
    routes![home, course, whole_course, lesson]
}

/// A page's view plus what every page knows about the site.
#[derive(Serialize)]
struct WithSite<'a, T: Serialize> {
    site: &'a SiteView,
    #[serde(flatten)]
    view: T,
}

fn render<T: Serialize>(
    template: &'static str,
    site: &State<SiteView>,
    view: T,
) -> RawHtml<Template> {
    RawHtml(Template::render(
        template,
        WithSite {
            site: site.inner(),
            view,
        },
    ))
}

/// Only well-formed slugs reach the database; anything else is simply not found.
fn valid(s: &str) -> Result<&str, WebError> {
    slug::validate(s).map(|_| s).map_err(|_| WebError::NotFound)
}

/// A page, or a redirect to its canonical URL (with a trailing slash).
#[derive(Responder)]
enum SiteResponse {
    Page(RawHtml<Template>),
    Redirect(Redirect),
}

/// `/course` and `/course/` reach the same route (Rocket ignores empty
/// segments); only the slashed form is served, the other redirects to it.
fn canonical(uri: &Origin<'_>) -> Option<SiteResponse> {
    let path = uri.path().as_str();
    (!path.ends_with('/')).then(|| SiteResponse::Redirect(Redirect::moved(format!("{path}/"))))
}

#[get("/")]
async fn home(
    db: &State<Db>,
    site: &State<SiteView>,
    settings: &State<Settings>,
) -> Result<SiteResponse, WebError> {
    let view = pages::home(db.inner(), &settings.site_title, chrono::Utc::now()).await?;
    Ok(SiteResponse::Page(render("site/home", site, view)))
}

#[get("/<course>")]
async fn course(
    course: &str,
    uri: &Origin<'_>,
    viewer: Viewer,
    db: &State<Db>,
    site: &State<SiteView>,
) -> Result<SiteResponse, WebError> {
    let course = valid(course)?;
    if let Some(redirect) = canonical(uri) {
        return Ok(redirect);
    }
    let view = pages::course(db.inner(), course, chrono::Utc::now(), viewer.audience()).await?;
    Ok(SiteResponse::Page(render("site/course", site, view)))
}

/// `/<course>/all/`: the whole course on one page. `all` is a reserved lesson
/// slug, and this static segment outranks the lesson route.
#[get("/<course>/all")]
async fn whole_course(
    course: &str,
    uri: &Origin<'_>,
    viewer: Viewer,
    db: &State<Db>,
    site: &State<SiteView>,
) -> Result<SiteResponse, WebError> {
    let course = valid(course)?;
    if let Some(redirect) = canonical(uri) {
        return Ok(redirect);
    }
    let view =
        pages::whole_course(db.inner(), course, chrono::Utc::now(), viewer.audience()).await?;
    Ok(SiteResponse::Page(render("site/course_all", site, view)))
}

#[get("/<course>/<lesson>")]
async fn lesson(
    course: &str,
    lesson: &str,
    uri: &Origin<'_>,
    viewer: Viewer,
    db: &State<Db>,
    site: &State<SiteView>,
) -> Result<SiteResponse, WebError> {
    let (course, lesson) = (valid(course)?, valid(lesson)?);
    if let Some(redirect) = canonical(uri) {
        return Ok(redirect);
    }
    let view = pages::lesson(
        db.inner(),
        course,
        lesson,
        chrono::Utc::now(),
        viewer.audience(),
    )
    .await?;
    Ok(SiteResponse::Page(render("site/lesson", site, view)))
}
