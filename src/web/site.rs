//! The public reader site: home, course pages (and the whole course on one
//! page), lesson pages.

use rocket::http::uri::Origin;
use rocket::http::Status;
use rocket::request::{FromRequest, Outcome, Request};
use rocket::response::{content::RawHtml, Redirect};
use rocket::{get, routes, Orbit, Responder, Rocket, Route};
use rocket_dyn_templates::Template;
use serde::Serialize;

use crate::db::{lessons, redirects, Db};
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
    path: String,
    editor: bool,
    conditional: Conditional,
    cache: &'r PageCache,
    db: &'r Db,
    site: &'r SiteView,
    rocket: &'r Rocket<Orbit>,
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for PageRequest<'r> {
    type Error = ();

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, ()> {
        // Both guards are infallible.
        let viewer = req.guard::<Viewer>().await.succeeded();
        let conditional = req.guard::<Conditional>().await.succeeded();
        let (Some(Viewer(user)), Some(conditional), Some(cache), Some(db), Some(site)) = (
            viewer,
            conditional,
            req.rocket().state::<PageCache>(),
            req.rocket().state::<Db>(),
            req.rocket().state::<SiteView>(),
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
        })
    }
}

impl PageRequest<'_> {
    /// The answer the cache holds for this path, if fresh: its page, or
    /// that there is none.
    fn cached(&self, now: chrono::DateTime<chrono::Utc>) -> Option<Result<SiteResponse, WebError>> {
        if let Some(page) = self.cache.get(&self.path, now) {
            return Some(Ok(SiteResponse::Cached(Cached {
                page,
                request: self.conditional.clone(),
            })));
        }
        self.cache
            .is_missing(&self.path, now)
            .then_some(Err(WebError::NotFound))
    }

    fn audience(&self) -> Audience {
        if self.editor {
            Audience::Editor
        } else {
            Audience::Public
        }
    }

    /// Serves the public page from the cache, or builds it with `build`,
    /// renders `template` once and caches it. Editors (who see drafts and
    /// edit links) always get a freshly built page.
    async fn serve<T: Serialize>(
        self,
        template: &'static str,
        build: impl std::future::Future<Output = Result<T, WebError>>,
    ) -> Result<SiteResponse, WebError> {
        let now = chrono::Utc::now();
        let mut _flight = None;
        if !self.editor {
            if let Some(cached) = self.cached(now) {
                return cached;
            }
            // One build per page at a time; whoever waited may find it built.
            _flight = Some(self.cache.flight(&self.path).await);
            if let Some(cached) = self.cached(now) {
                return cached;
            }
        }
        let stamp = self.cache.stamp(); // before any data is read
        let view = match build.await {
            Err(WebError::NotFound) if !self.editor => {
                let expires = lessons::next_scheduled(self.db, now).await?;
                self.cache.insert_missing(&self.path, stamp, expires);
                return Err(WebError::NotFound);
            }
            view => view?,
        };
        let context = WithSite {
            site: self.site,
            view,
        };
        if self.editor {
            return Ok(SiteResponse::Page(RawHtml(Template::render(
                template, context,
            ))));
        }
        let html =
            Template::show(self.rocket, template, &context).ok_or(WebError::Template(template))?;
        let expires = lessons::next_scheduled(self.db, now).await?;
        let page = self.cache.insert(&self.path, stamp, expires, html);
        Ok(SiteResponse::Cached(Cached {
            page,
            request: self.conditional,
        }))
    }
}

#[get("/")]
async fn home(req: PageRequest<'_>) -> Result<SiteResponse, WebError> {
    let (db, site) = (req.db, req.site);
    req.serve("site/home", pages::home(db, site, chrono::Utc::now()))
        .await
}

#[get("/<course>")]
async fn course(
    course: &str,
    uri: &Origin<'_>,
    req: PageRequest<'_>,
) -> Result<SiteResponse, WebError> {
    let course = valid(course)?;
    if let Some(redirect) = canonical(uri, req.db).await? {
        return Ok(redirect);
    }
    let (db, site, who) = (req.db, req.site, req.audience());
    req.serve(
        "site/course",
        pages::course(db, site, course, chrono::Utc::now(), who),
    )
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
    let (db, who) = (req.db, req.audience());
    req.serve(
        "site/course_all",
        pages::whole_course(db, course, chrono::Utc::now(), who),
    )
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
    let (db, site, who) = (req.db, req.site, req.audience());
    req.serve(
        "site/lesson",
        pages::lesson(db, site, course, lesson, chrono::Utc::now(), who),
    )
    .await
}
