//! The public reader site: home, course pages (and the whole course on one
//! page), lesson pages.

use chrono::{DateTime, Utc};
use rocket::http::uri::Origin;
use rocket::http::{ContentType, Status};
use rocket::request::{FromRequest, Outcome, Request};
use rocket::response::{content::RawHtml, Redirect};
use rocket::{get, routes, Orbit, Responder, Rocket, Route};
use rocket_dyn_templates::Template;
use serde::Serialize;

use crate::base::clock::Clock;
use crate::db::{redirects, Db};
use crate::markdown::slug;

use super::auth::Viewer;
use super::cache::{Cached, Conditional, PageCache};
use super::error::WebError;
use super::pages::{self, Audience};
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

/// Only well-formed slugs reach the database; anything else is simply not found.
fn valid(s: &str) -> Result<&str, WebError> {
    slug::validate(s).map(|_| s).map_err(|_| WebError::NotFound)
}

/// A page (cached for the public, fresh for editors), or a redirect to its
/// canonical URL (with a trailing slash).
#[derive(Responder)]
enum SiteResponse {
    Cached(Cached),
    Page(RawHtml<Template>),
    Redirect(Redirect),
}

/// `/course` and `/course/` reach the same route (Rocket ignores empty
/// segments); only the slashed form is served, the other redirects to it,
/// or straight to where an old URL now lives (one hop, never a chain).
async fn canonical(uri: &Origin<'_>, db: &Db) -> Result<Option<SiteResponse>, WebError> {
    let path = uri.path().as_str();
    if path.ends_with('/') {
        return Ok(None);
    }
    let target = redirects::resolve(db, path)
        .await?
        .unwrap_or_else(|| format!("{}/", super::paths::same_origin_path(path)));
    Ok(Some(SiteResponse::Redirect(Redirect::moved(target))))
}

/// Everything a public page needs besides its own view: who is looking, the
/// cache and the request's caching headers.
struct PageRequest<'r> {
    /// The page's key in the cache: its path (and page number, if any).
    path: String,
    editor: bool,
    conditional: Conditional,
    cache: &'r PageCache,
    db: &'r Db,
    site: &'r SiteView,
    rocket: &'r Rocket<Orbit>,
    /// The request's moment, from the site's clock.
    now: DateTime<Utc>,
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for PageRequest<'r> {
    type Error = ();

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, ()> {
        // Both guards are infallible.
        let viewer = req.guard::<Viewer>().await.succeeded();
        let conditional = req.guard::<Conditional>().await.succeeded();
        let (Some(Viewer(user)), Some(conditional), Some(cache), Some(db), Some(site), Some(clock)) = (
            viewer,
            conditional,
            req.rocket().state::<PageCache>(),
            req.rocket().state::<Db>(),
            req.rocket().state::<SiteView>(),
            req.rocket().state::<Clock>(),
        ) else {
            return Outcome::Error((Status::InternalServerError, ()));
        };
        Outcome::Success(PageRequest {
            path: req.uri().path().to_string(),
            editor: user.is_some(),
            conditional,
            cache,
            db,
            site,
            rocket: req.rocket(),
            now: clock.now(),
        })
    }
}

impl PageRequest<'_> {
    /// Serves the public page from the cache, or builds it with `build`,
    /// renders `template` once and caches it ([`PageCache::serve`]). Editors
    /// (who see drafts and edit links) always get a freshly built page.
    async fn serve<T: Serialize>(
        self,
        template: &'static str,
        build: impl std::future::Future<Output = Result<T, WebError>>,
    ) -> Result<SiteResponse, WebError> {
        let site = self.site;
        if self.editor {
            let view = build.await?;
            let page = Template::render(template, WithSite { site, view });
            return Ok(SiteResponse::Page(RawHtml(page)));
        }
        let rocket = self.rocket;
        let render = async move {
            match build.await {
                Ok(view) => Template::show(rocket, template, &WithSite { site, view })
                    .map(|html| Some((ContentType::HTML, html)))
                    .ok_or(WebError::Template(template)),
                Err(WebError::NotFound) => Ok(None),
                Err(e) => Err(e),
            }
        };
        self.cache
            .serve(&self.path, self.now, self.conditional, render)
            .await?
            .map(SiteResponse::Cached)
            .ok_or(WebError::NotFound)
    }

    fn audience(&self) -> Audience {
        if self.editor {
            Audience::Editor
        } else {
            Audience::Public
        }
    }
}

/// `/` and `/?page=N`: the courses, a page at a time. Each page is cached
/// under its own key (`/` for the first, whatever odd `page` came).
#[get("/?<page>")]
async fn home(page: Option<String>, mut req: PageRequest<'_>) -> Result<SiteResponse, WebError> {
    let requested = pages::home_page_number(page.as_deref());
    req.path = pages::home_url(requested);
    let (db, site, now) = (req.db, req.site, req.now);
    req.serve("site/home", pages::home(db, site, requested, now))
        .await
}

// After `/sitemap-N.xml` (rank 1), which forwards every other segment here.
#[get("/<course>", rank = 2)]
async fn course(
    course: &str,
    uri: &Origin<'_>,
    req: PageRequest<'_>,
) -> Result<SiteResponse, WebError> {
    let course = valid(course)?;
    if let Some(redirect) = canonical(uri, req.db).await? {
        return Ok(redirect);
    }
    let (db, site, now, who) = (req.db, req.site, req.now, req.audience());
    req.serve("site/course", pages::course(db, site, course, now, who))
        .await
}

/// `/<course>/all/`: the whole course on one page. `all` is a reserved lesson
/// slug, and this static segment outranks the lesson route.
#[get("/<course>/all")]
async fn whole_course(
    course: &str,
    uri: &Origin<'_>,
    req: PageRequest<'_>,
) -> Result<SiteResponse, WebError> {
    let course = valid(course)?;
    if let Some(redirect) = canonical(uri, req.db).await? {
        return Ok(redirect);
    }
    let (db, now, who) = (req.db, req.now, req.audience());
    req.serve("site/course_all", pages::whole_course(db, course, now, who))
        .await
}

#[get("/<course>/<lesson>")]
async fn lesson(
    course: &str,
    lesson: &str,
    uri: &Origin<'_>,
    req: PageRequest<'_>,
) -> Result<SiteResponse, WebError> {
    let (course, lesson) = (valid(course)?, valid(lesson)?);
    if let Some(redirect) = canonical(uri, req.db).await? {
        return Ok(redirect);
    }
    let (db, site, now, who) = (req.db, req.site, req.now, req.audience());
    req.serve(
        "site/lesson",
        pages::lesson(db, site, course, lesson, now, who),
    )
    .await
}
