//! Discovery routes: search results, the Atom feeds, the sitemap and
//! robots.txt. Each route reads its input, calls one function (in
//! `crate::discovery`, or [`search_page`] below) and picks a template or a
//! content type.
//!
//! Caching: search results are rendered on every request (they depend on
//! the query; never through the page cache). Feeds and the sitemap go
//! through the page cache like pages, keyed by path, with their own content
//! type: fresh after every content write, and expiring at the next scheduled
//! `publish_at`, so a scheduled lesson shows up in them on time.

use chrono::{DateTime, Utc};
use rocket::http::{ContentType, RawStr, Status};
use rocket::request::{FromRequest, Outcome, Request};
use rocket::response::content::{RawHtml, RawText};
use rocket::{get, routes, Route, State};
use rocket_dyn_templates::Template;
use sea_orm::DbErr;
use serde::Serialize;

use crate::base::clock::Clock;
use crate::config::Settings;
use crate::content::links::{course_url, lesson_url};
use crate::db::Db;
use crate::discovery::{feeds, search as finder};
use crate::markdown::slug;

use super::cache::{Cached, Conditional, PageCache};
use super::error::WebError;
use super::templates::{PageMeta, SiteView};

pub fn routes() -> Vec<Route> {
    routes![
        search,
        site_feed,
        course_feed,
        sitemap,
        sitemap_part,
        robots
    ]
}

fn atom() -> ContentType {
    ContentType::new("application", "atom+xml").with_params(("charset", "utf-8"))
}

fn xml() -> ContentType {
    ContentType::new("application", "xml").with_params(("charset", "utf-8"))
}

/// `/search?q=…&page=…`: any `q` and `page` (missing, malformed, huge)
/// answer a normal page.
#[get("/search?<q>&<page>")]
async fn search(
    q: Option<String>,
    page: Option<String>,
    db: &State<Db>,
    site: &State<SiteView>,
    clock: &State<Clock>,
) -> Result<RawHtml<Template>, WebError> {
    let view = search_page(
        db.inner(),
        site,
        q.as_deref().unwrap_or(""),
        page.as_deref(),
        clock.now(),
    )
    .await?;
    Ok(RawHtml(Template::render(
        "site/search",
        WithSite { site, view },
    )))
}

#[get("/feed.xml")]
async fn site_feed(req: DocumentRequest<'_>) -> Result<Cached, WebError> {
    let (db, site, now) = (req.db, req.site, req.now);
    req.serve(atom(), async move {
        Ok(Some(feeds::site_feed(db, site.discovery(), now).await?))
    })
    .await
}

#[get("/<course>/feed.xml")]
async fn course_feed(course: &str, req: DocumentRequest<'_>) -> Result<Cached, WebError> {
    slug::validate(course).map_err(|_| WebError::NotFound)?;
    let (db, site, now) = (req.db, req.site, req.now);
    req.serve(
        atom(),
        feeds::course_feed(db, site.discovery(), course, now),
    )
    .await
}

/// `/sitemap.xml`: the sitemap, or the index of its parts when it holds
/// more than `sitemap_urls` URLs.
#[get("/sitemap.xml")]
async fn sitemap(req: DocumentRequest<'_>, settings: &State<Settings>) -> Result<Cached, WebError> {
    let (db, site, now, per_file) = (req.db, req.site, req.now, settings.sitemap_urls);
    req.serve(xml(), async move {
        Ok(Some(
            feeds::sitemap(db, site.discovery(), now, per_file).await?,
        ))
    })
    .await
}

/// A path segment `sitemap-N.xml`; anything else is left to the other
/// routes (a course's slug never has a dot).
struct SitemapPart(usize);

impl<'a> rocket::request::FromParam<'a> for SitemapPart {
    type Error = ();

    fn from_param(param: &'a str) -> Result<Self, ()> {
        feeds::sitemap_part_number(param).map(SitemapPart).ok_or(())
    }
}

/// `/sitemap-N.xml`: part N of a sitemap too large for one file. Ranked
/// before the course route (rank 2), which gets every other one-segment path.
#[get("/<part>", rank = 1)]
async fn sitemap_part(
    part: SitemapPart,
    req: DocumentRequest<'_>,
    settings: &State<Settings>,
) -> Result<Cached, WebError> {
    let (db, site, now, per_file) = (req.db, req.site, req.now, settings.sitemap_urls);
    req.serve(
        xml(),
        feeds::sitemap_part(db, site.discovery(), now, per_file, part.0),
    )
    .await
}

#[get("/robots.txt")]
fn robots(site: &State<SiteView>) -> RawText<String> {
    RawText(feeds::robots(site.discovery()))
}

/// A feed or the sitemap: what serving one from the page cache needs.
struct DocumentRequest<'r> {
    path: String,
    conditional: Conditional,
    cache: &'r PageCache,
    db: &'r Db,
    site: &'r SiteView,
    /// The request's moment, from the site's clock.
    now: DateTime<Utc>,
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for DocumentRequest<'r> {
    type Error = ();

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, ()> {
        let conditional = req.guard::<Conditional>().await.succeeded();
        let (Some(conditional), Some(cache), Some(db), Some(site), Some(clock)) = (
            conditional,
            req.rocket().state::<PageCache>(),
            req.rocket().state::<Db>(),
            req.rocket().state::<SiteView>(),
            req.rocket().state::<Clock>(),
        ) else {
            return Outcome::Error((Status::InternalServerError, ()));
        };
        Outcome::Success(DocumentRequest {
            path: req.uri().path().to_string(),
            conditional,
            cache,
            db,
            site,
            now: clock.now(),
        })
    }
}

impl DocumentRequest<'_> {
    /// Serves the document from the cache, or builds it with `build` (`None`:
    /// not found) and caches it ([`PageCache::serve`]). Feeds show the public
    /// only what the public may see, so editors get the cached document too.
    async fn serve(
        self,
        content_type: ContentType,
        build: impl std::future::Future<Output = Result<Option<String>, DbErr>>,
    ) -> Result<Cached, WebError> {
        let build = async move {
            let body = build.await?;
            Ok::<_, WebError>(body.map(|body| (content_type, body)))
        };
        self.cache
            .serve(&self.path, self.now, self.conditional, build)
            .await?
            .ok_or(WebError::NotFound)
    }
}

/// A page's view plus what every page knows about the site.
#[derive(Serialize)]
struct WithSite<'a, T: Serialize> {
    site: &'a SiteView,
    #[serde(flatten)]
    view: T,
}

#[derive(Debug, Serialize)]
pub struct SearchResultView {
    /// The lesson's page, at the heading of the section the words were
    /// found in when there is one.
    pub url: String,
    pub title: String,
    /// That section's heading.
    pub section_title: Option<String>,
    pub course_url: String,
    pub course_title: String,
    /// Escaped text with matched words in `<mark>`: safe to output as is.
    pub snippet_html: String,
}

#[derive(Debug, Serialize)]
pub struct SearchPage {
    pub page: PageMeta,
    /// The query as searched (at most `MAX_QUERY_CHARS` characters).
    pub query: String,
    /// Whether the query had any word to search for.
    pub searched: bool,
    pub total: u64,
    /// More lessons match than were counted (see `finder::SearchResults`).
    pub more: bool,
    /// How many were found, in words: "12 lessons found", "More than 1,000
    /// lessons found".
    pub count_text: String,
    /// `total`, its thousands apart.
    pub total_text: String,
    pub page_number: u64,
    pub pages: u64,
    /// Numbers of the first and last result shown (1-based).
    pub first: u64,
    pub last: u64,
    pub results: Vec<SearchResultView>,
    pub prev_url: Option<String>,
    pub next_url: Option<String>,
}

/// The search results page for `q`, page `page` (as they came).
pub async fn search_page(
    db: &crate::db::Db,
    site: &SiteView,
    q: &str,
    page: Option<&str>,
    now: DateTime<Utc>,
) -> Result<SearchPage, WebError> {
    let found = finder::search(db, q, page, now).await?;
    let query = found.query.text.clone();
    let page_url = |n: u64| {
        format!(
            "/search?q={}&page={n}",
            RawStr::new(&query).percent_encode().as_str()
        )
    };
    let first = (found.page - 1) * finder::PAGE_SIZE + 1;
    let results: Vec<SearchResultView> = found
        .found
        .into_iter()
        .map(|f| SearchResultView {
            url: match &f.section {
                Some(section) => format!("{}#{}", lesson_url(&f.course_slug, &f.slug), section.id),
                None => lesson_url(&f.course_slug, &f.slug),
            },
            section_title: f.section.map(|s| s.title),
            course_url: course_url(&f.course_slug),
            title: f.title,
            course_title: f.course_title,
            snippet_html: f.snippet_html,
        })
        .collect();
    let count_text = match found.total {
        _ if found.more => format!("More than {} lessons found", finder::digits(found.total)),
        1 => "1 lesson found".to_string(),
        n => format!("{} lessons found", finder::digits(n)),
    };
    // The count in the title too: it is the first thing a screen reader says.
    let title = match found.total {
        _ if query.is_empty() => "Search".to_string(),
        0 => format!("Search: {query} (nothing found)"),
        _ => format!("Search: {query} ({})", count_text.to_lowercase()),
    };
    Ok(SearchPage {
        page: PageMeta {
            noindex: true,
            ..PageMeta::new(
                title,
                format!("Search the lessons of {}", site.title),
                "/search",
            )
        },
        searched: !found.query.is_empty(),
        total: found.total,
        more: found.more,
        count_text,
        total_text: finder::digits(found.total),
        page_number: found.page,
        pages: found.pages,
        first,
        last: first + results.len() as u64 - 1,
        prev_url: (found.page > 1).then(|| page_url(found.page - 1)),
        next_url: (found.page < found.pages).then(|| page_url(found.page + 1)),
        results,
        query,
    })
}
