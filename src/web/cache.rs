//! The page cache: rendered public pages (HTML, and the XML of feeds and
//! the sitemap) by URL path, each kept with its content type, its
//! gzip and brotli forms (compressed once, when the page is built) and an
//! ETag, bounded by bytes. A request for a cached page does no database work.
//!
//! Freshness: every entry remembers the content "stamp" it was built under:
//! the database's `content_version` as last polled (other instances' edits,
//! seen within a poll interval) and the changes committed through this
//! instance's own database handle (its edits, seen at once). An entry from an older stamp is rebuilt. An entry
//! also expires at the next scheduled `publish_at`, so scheduled lessons
//! appear on time with no job running.

use std::collections::HashMap;
use std::io::Write;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};
use quick_cache::sync::Cache;
use quick_cache::Weighter;
use rocket::http::{ContentType, Header, Status};
use rocket::request::{FromRequest, Outcome, Request};
use rocket::response::{self, Responder, Response};
use sha2::{Digest, Sha256};

use crate::config::Settings;
use crate::db::{site_state, Db};

/// How many missing paths are remembered (a few dozen bytes each).
const MISSING_PATHS: usize = 4096;

/// What a page was built from: (polled content_version, local changes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stamp(i64, u64);

pub struct CachedPage {
    stamp: Stamp,
    /// The page stops being valid at this moment (a scheduled publication).
    expires: Option<DateTime<Utc>>,
    content_type: ContentType,
    html: Vec<u8>,
    gzip: Vec<u8>,
    brotli: Vec<u8>,
    etag: String,
    last_modified: SystemTime,
}

#[derive(Clone)]
struct ByBytes;

impl Weighter<String, Arc<CachedPage>> for ByBytes {
    fn weight(&self, key: &String, page: &Arc<CachedPage>) -> u64 {
        // Capacities, not lengths: the bound is on memory held.
        (key.capacity()
            + page.html.capacity()
            + page.gzip.capacity()
            + page.brotli.capacity()
            + 256) as u64
    }
}

pub struct PageCache {
    /// This instance's database handle, which counts its committed changes.
    db: Db,
    pages: Cache<String, Arc<CachedPage>, ByBytes>,
    /// Shared with the poller task.
    polled_version: Arc<AtomicI64>,
    /// Paths found to have no page, with the stamp they were looked up under
    /// and when that answer expires (a scheduled lesson may appear there).
    missing: Cache<String, (Stamp, Option<DateTime<Utc>>)>,
    /// Builds under way, by path (see [`PageCache::flight`]).
    flights: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

/// The right to build one path's page; dropping it lets the next waiter in.
pub struct Flight<'a> {
    cache: &'a PageCache,
    path: String,
    guard: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl Drop for Flight<'_> {
    fn drop(&mut self) {
        let mut flights = self.cache.flights.lock().unwrap_or_else(|e| e.into_inner());
        self.guard.take();
        // Waiters hold the lock's Arc too; the last one out removes it, so
        // the map holds only paths being built (not every URL ever asked for).
        if flights
            .get(&self.path)
            .is_some_and(|lock| Arc::strong_count(lock) == 1)
        {
            flights.remove(&self.path);
        }
    }
}

impl PageCache {
    pub fn new(max_bytes: u64, db: Db) -> Self {
        // quick_cache wants an estimate of the number of items it will hold.
        let estimated_items = (max_bytes / 40_000).max(16) as usize;
        PageCache {
            db,
            pages: Cache::with_weighter(estimated_items, max_bytes, ByBytes),
            polled_version: Arc::new(AtomicI64::new(0)),
            missing: Cache::new(MISSING_PATHS),
            flights: Mutex::new(HashMap::new()),
        }
    }

    /// Whether `path` was found to have no page under the current stamp. Such
    /// requests skip the build (and its wait for [`PageCache::flight`]), so a
    /// flood of requests for a missing page is answered as fast as ever.
    pub fn is_missing(&self, path: &str, now: DateTime<Utc>) -> bool {
        self.missing.get(path).is_some_and(|(stamp, expires)| {
            stamp == self.stamp() && expires.is_none_or(|at| now < at)
        })
    }

    /// Remembers that `path` has no page under `stamp` until `expires`.
    pub fn insert_missing(&self, path: &str, stamp: Stamp, expires: Option<DateTime<Utc>>) {
        self.missing.insert(path.to_string(), (stamp, expires));
    }

    /// Waits for the right to build `path`. After every edit, every reader of
    /// a popular page misses at once; with this, one of them builds the page
    /// and the others wait and take it from the cache, instead of all of them
    /// querying the database and compressing the same page (under 256
    /// connections that herd took the whole pool).
    pub async fn flight(&self, path: &str) -> Flight<'_> {
        let lock = {
            let mut flights = self.flights.lock().unwrap_or_else(|e| e.into_inner());
            flights.entry(path.to_string()).or_default().clone()
        };
        let guard = lock.lock_owned().await;
        Flight {
            cache: self,
            path: path.to_string(),
            guard: Some(guard),
        }
    }

    /// The stamp to build a page under; take it before reading any data.
    pub fn stamp(&self) -> Stamp {
        Stamp(
            self.polled_version.load(Ordering::SeqCst),
            self.db.local_changes(),
        )
    }

    /// A fresh cached page for `path`, if there is one.
    pub fn get(&self, path: &str, now: DateTime<Utc>) -> Option<Arc<CachedPage>> {
        let page = self.pages.get(path)?;
        let fresh = page.stamp == self.stamp() && page.expires.is_none_or(|at| now < at);
        fresh.then_some(page)
    }

    /// Compresses and stores an HTML page built under `stamp`.
    pub fn insert(
        &self,
        path: &str,
        stamp: Stamp,
        expires: Option<DateTime<Utc>>,
        html: String,
    ) -> Arc<CachedPage> {
        self.insert_as(path, stamp, expires, ContentType::HTML, html)
    }

    /// Compresses and stores a document of type `content_type` (a feed, the
    /// sitemap) built under `stamp`.
    pub fn insert_as(
        &self,
        path: &str,
        stamp: Stamp,
        expires: Option<DateTime<Utc>>,
        content_type: ContentType,
        body: String,
    ) -> Arc<CachedPage> {
        // Templates grow their output buffer by doubling; a cached page keeps
        // only its bytes.
        let mut html = body.into_bytes();
        html.shrink_to_fit();
        let etag = format!("\"{}\"", hex::encode(&Sha256::digest(&html)[..12]));
        let page = Arc::new(CachedPage {
            stamp,
            expires,
            content_type,
            gzip: gzip(&html),
            brotli: brotli(&html),
            html,
            etag,
            last_modified: SystemTime::now(),
        });
        self.pages.insert(path.to_string(), page.clone());
        page
    }

    /// Serves `path` from the cache, or builds it with `build`: one build
    /// per path at a time (whoever waited takes what was built), stored
    /// under the stamp taken before any data was read, until the next
    /// scheduled lesson appears (`now` is the request's moment, from the
    /// site's clock). `build` gives the body and its type, or `None` when
    /// there is nothing at the path, which is remembered the same way and
    /// answered `None`.
    pub async fn serve<E: From<sea_orm::DbErr>>(
        &self,
        path: &str,
        now: DateTime<Utc>,
        conditional: Conditional,
        build: impl std::future::Future<Output = Result<Option<(ContentType, String)>, E>>,
    ) -> Result<Option<Cached>, E> {
        let fresh = |conditional: &Conditional| {
            if let Some(page) = self.get(path, now) {
                return Some(Some(Cached {
                    page,
                    request: conditional.clone(),
                }));
            }
            self.is_missing(path, now).then_some(None)
        };
        if let Some(answer) = fresh(&conditional) {
            return Ok(answer);
        }
        let _flight = self.flight(path).await;
        if let Some(answer) = fresh(&conditional) {
            return Ok(answer);
        }
        let stamp = self.stamp(); // before any data is read
        let built = build.await?;
        let expires = crate::db::lessons::next_scheduled(&self.db, now).await?;
        Ok(match built {
            Some((content_type, body)) => Some(Cached {
                page: self.insert_as(path, stamp, expires, content_type, body),
                request: conditional,
            }),
            None => {
                self.insert_missing(path, stamp, expires);
                None
            }
        })
    }

    /// Reads the database's content version now.
    pub async fn poll(&self) {
        poll_into(&self.polled_version, &self.db).await;
    }
}

async fn poll_into(version: &AtomicI64, db: &Db) {
    match site_state::content_version(db).await {
        Ok(v) => version.store(v, Ordering::SeqCst),
        Err(e) => tracing::warn!("cannot read the content version: {e}"),
    }
}

/// Polls the content version while the server runs, so edits made through
/// other instances reach this one's cache within `content_poll_ms`.
pub fn poller() -> impl rocket::fairing::Fairing {
    rocket::fairing::AdHoc::on_liftoff("Content version poller", |rocket| {
        Box::pin(async move {
            let (Some(cache), Some(settings)) =
                (rocket.state::<PageCache>(), rocket.state::<Settings>())
            else {
                return;
            };
            let every = Duration::from_millis(settings.content_poll_ms.max(1));
            let (version, db) = (cache.polled_version.clone(), cache.db.clone());
            let mut shutdown = rocket.shutdown();
            tokio::spawn(async move {
                loop {
                    poll_into(&version, &db).await;
                    tokio::select! {
                        _ = tokio::time::sleep(every) => {}
                        _ = &mut shutdown => break,
                    }
                }
            });
        })
    })
}

pub(super) fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(
        Vec::with_capacity(bytes.len() / 4),
        flate2::Compression::default(),
    );
    let _ = enc.write_all(bytes);
    let mut out = enc.finish().unwrap_or_default();
    out.shrink_to_fit();
    out
}

pub(super) fn brotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() / 4);
    // Quality 5 keeps most of the size win at a fraction of quality 9's time:
    // a page is compressed when first requested, on the request path.
    let params = brotli::enc::BrotliEncoderParams {
        quality: 5,
        // A page fits in a 128 KiB window; a smaller window also means much
        // smaller match tables to allocate and clear for every page.
        lgwin: 17,
        ..Default::default()
    };
    let _ = brotli::BrotliCompress(&mut &bytes[..], &mut out, &params);
    out.shrink_to_fit();
    out
}

/// What a request says about caching: accepted encodings and validators.
#[derive(Clone)]
pub struct Conditional {
    accept_br: bool,
    accept_gzip: bool,
    if_none_match: Option<String>,
    if_modified_since: Option<SystemTime>,
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Conditional {
    type Error = std::convert::Infallible;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        let accept = req
            .headers()
            .get("Accept-Encoding")
            .collect::<Vec<_>>()
            .join(",");
        let accepts = |name: &str| {
            accept.split(',').any(|part| {
                let mut it = part.trim().split(';');
                it.next()
                    .is_some_and(|enc| enc.trim().eq_ignore_ascii_case(name))
                    && !it.any(|p| p.trim().replace(' ', "") == "q=0")
            })
        };
        Outcome::Success(Conditional {
            accept_br: accepts("br"),
            accept_gzip: accepts("gzip"),
            if_none_match: req.headers().get_one("If-None-Match").map(str::to_string),
            if_modified_since: req
                .headers()
                .get_one("If-Modified-Since")
                .and_then(|d| httpdate::parse_http_date(d).ok()),
        })
    }
}

impl Conditional {
    /// Whether the client takes brotli (`br`).
    pub(super) fn takes_brotli(&self) -> bool {
        self.accept_br
    }

    /// Whether the client takes gzip.
    pub(super) fn takes_gzip(&self) -> bool {
        self.accept_gzip
    }
}

/// A cached page, answered in the best encoding the client takes, or 304.
pub struct Cached {
    pub page: Arc<CachedPage>,
    pub request: Conditional,
}

impl<'r> Responder<'r, 'static> for Cached {
    fn respond_to(self, _req: &'r Request<'_>) -> response::Result<'static> {
        let page = self.page;
        let not_modified = match (&self.request.if_none_match, self.request.if_modified_since) {
            (Some(tags), _) => tags
                .split(',')
                .any(|t| t.trim() == page.etag || t.trim() == "*"),
            (None, Some(since)) => page
                .last_modified
                .duration_since(since)
                .map_or(true, |d| d.as_secs() == 0),
            (None, None) => false,
        };
        let mut res = Response::build();
        res.header(Header::new("ETag", page.etag.clone()))
            .header(Header::new(
                "Last-Modified",
                httpdate::fmt_http_date(page.last_modified),
            ))
            .header(Header::new(
                "Cache-Control",
                "public, max-age=0, must-revalidate",
            ))
            // The same URL answers an editor (a session cookie) differently.
            .header(Header::new("Vary", "Accept-Encoding, Cookie"))
            .header(page.content_type.clone());
        if not_modified {
            return res.status(Status::NotModified).ok();
        }
        let encoding = if self.request.accept_br && !page.brotli.is_empty() {
            Encoding::Brotli
        } else if self.request.accept_gzip && !page.gzip.is_empty() {
            Encoding::Gzip
        } else {
            Encoding::Identity
        };
        match encoding {
            Encoding::Brotli => res.header(Header::new("Content-Encoding", "br")),
            Encoding::Gzip => res.header(Header::new("Content-Encoding", "gzip")),
            Encoding::Identity => &mut res,
        };
        let body = Body(page, encoding);
        let len = body.as_ref().len();
        // One write for the whole page: Rocket's default 4 KiB chunks cost
        // several syscalls per response, which dominated serving time. The
        // byte to spare lets Rocket find the end of the body in the buffer
        // it read the page into; a buffer filled exactly is replaced by a
        // fresh one of the same size just to read nothing more.
        res.sized_body(len, std::io::Cursor::new(body))
            .max_chunk_size(len + 1)
            .ok()
    }
}

#[derive(Clone, Copy)]
enum Encoding {
    Identity,
    Gzip,
    Brotli,
}

/// One encoding of a cached page, sent without copying it.
struct Body(Arc<CachedPage>, Encoding);

impl AsRef<[u8]> for Body {
    fn as_ref(&self) -> &[u8] {
        match self.1 {
            Encoding::Identity => &self.0.html,
            Encoding::Gzip => &self.0.gzip,
            Encoding::Brotli => &self.0.brotli,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use super::*;

    #[rocket::async_test]
    async fn one_build_per_path_at_a_time_and_nothing_left_behind() {
        let db = crate::db::connect("sqlite::memory:").await.unwrap();
        let cache = Arc::new(PageCache::new(1 << 20, db));
        // Per path: builds under way now, and the most seen at once.
        let counts: Arc<[(AtomicUsize, AtomicUsize); 2]> = Arc::new(Default::default());
        // All sixteen ask at once (none starts before every task is there),
        // so the builds really do contend.
        let start = Arc::new(tokio::sync::Barrier::new(16));
        let mut tasks = Vec::new();
        for i in 0..16 {
            let (cache, counts, start) = (cache.clone(), counts.clone(), start.clone());
            tasks.push(tokio::spawn(async move {
                let (inside, most) = &counts[i % 2];
                start.wait().await;
                let _flight = cache.flight(if i % 2 == 0 { "/a/" } else { "/b/" }).await;
                most.fetch_max(inside.fetch_add(1, Ordering::SeqCst) + 1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(5)).await;
                inside.fetch_sub(1, Ordering::SeqCst);
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        for (_, most) in counts.iter() {
            assert_eq!(most.load(Ordering::SeqCst), 1);
        }
        assert!(cache.flights.lock().unwrap().is_empty());
    }
}
