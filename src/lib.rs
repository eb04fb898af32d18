//! Lectern: a lesson CMS. Courses and lessons are written as markdown (in
//! `content/`, or later in the admin), rendered once when written, stored
//! through SeaORM, and served as a fast multi-page site by Rocket.
//!
//! Layers, with dependencies pointing down only (`tests/layers.rs` checks
//! the rules that matter most):
//!
//! - `web` (Rocket routes, guards, templates) and `cli` (the `lectern` verbs)
//!   parse requests and commands and call the layers below;
//! - `editing` (what editors do in the admin), `discovery` (search, feeds,
//!   sitemap) and `content` (scan, plan, sync, export, git) hold the rules;
//! - `accounts` (users, sessions, limits, audit) and `db` (SeaORM entities
//!   and named queries) keep the state;
//! - `markdown` (pure rendering) and `base` (URL shapes, hashes) use nothing
//!   of Lectern's own.
//!
//! Beside `web` and `cli`: `config` (settings) and `watch` (the file watcher
//! and live reload behind `serve --watch`).

pub mod accounts;
pub mod base;
pub mod cli;
pub mod config;
pub mod content;
pub mod db;
pub mod discovery;
pub mod editing;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
pub mod import;
pub mod markdown;
pub mod watch;
pub mod web;

use rocket::fairing::{self, AdHoc};
use rocket::figment::Figment;
use rocket::{Build, Rocket};

use crate::base::clock::Clock;
use crate::config::{BaseUrlSource, Settings};
use crate::content::SyncOptions;
use crate::db::entity::SyncOrigin;
use crate::web::assets::StaticAssets;
use crate::web::templates::SiteView;

/// Assembles the application from a figment (see [`config::figment`]). The
/// one place Lectern is put together, for `serve` and for tests alike.
pub fn build(figment: Figment) -> Rocket<Build> {
    build_with(figment, Parts::default())
}

/// What may be handed to [`build_with`] instead of what Lectern makes itself.
#[derive(Default)]
pub struct Parts {
    /// Where readers' pages take "now" from (default: the system clock);
    /// tests move a fixed one to see scheduled lessons appear.
    pub clock: Clock,
    /// A database handle to serve through instead of connecting to
    /// `database_url`. Clients built on one handle are one instance: each
    /// sees the others' edits at once (tests use one handle per database).
    pub db: Option<db::Db>,
}

/// [`build`], with some parts handed in.
pub fn build_with(figment: Figment, parts: Parts) -> Rocket<Build> {
    let figment = web::templates::ensure_template_dir(figment);
    let Parts { clock, db } = parts;
    let rocket = rocket::custom(figment)
        .manage(clock)
        .attach(AdHoc::try_on_ignite(
            "Lectern database and content",
            |rocket| Box::pin(set_up(rocket, db)),
        ))
        .attach(web::templates::fairing())
        .attach(web::security::SecurityHeaders)
        .attach(web::cache::poller());
    web::mount(rocket)
}

/// Reads settings, connects, migrates, optionally syncs content, and puts the
/// connection and settings in managed state. Any failure stops start-up.
async fn set_up(rocket: Rocket<Build>, given: Option<db::Db>) -> fairing::Result {
    let settings = match Settings::from_figment(rocket.figment()) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!("invalid configuration: {e}");
            return Err(rocket);
        }
    };
    let config: rocket::Config = rocket.figment().extract().unwrap_or_default();
    let base_url = match settings.public_base_url(&config) {
        Ok((url, BaseUrlSource::Configured)) => url,
        Ok((url, BaseUrlSource::Guessed)) => {
            if rocket.figment().profile() == rocket::Config::RELEASE_PROFILE {
                tracing::warn!(
                    "base_url is not set: feeds, the sitemap and page metadata will use {url}, \
                     which is wrong for visitors; set base_url in Rocket.toml or ROCKET_BASE_URL \
                     to the site's public address (e.g. https://lessons.example.org)"
                );
            }
            url
        }
        Err(e) => {
            tracing::error!("invalid configuration: {e}");
            return Err(rocket);
        }
    };
    let favicon = match settings.favicon_file() {
        Ok(file) => web::assets::Favicon::load(file),
        Err(e) => {
            tracing::error!("invalid configuration: {e}");
            return Err(rocket);
        }
    };
    let proxies = match settings.trusted_proxy_addresses() {
        Ok(trusted) => web::auth::ProxyPolicy {
            trusted,
            header: settings.client_ip_header.clone(),
        },
        Err(e) => {
            tracing::error!("invalid configuration: {e}");
            return Err(rocket);
        }
    };
    let connected = match given {
        Some(db) => Ok(db),
        None => db::connect(&settings.database_url).await,
    };
    let db = match connected {
        Ok(db) => db,
        Err(e) => {
            tracing::error!(url = %redact(&settings.database_url), "cannot open the database: {e}");
            return Err(rocket);
        }
    };
    if let Err(e) = db::migrate(&db).await {
        tracing::error!("database migration failed: {e}");
        return Err(rocket);
    }
    let (startup_done, startup_seen) = tokio::sync::watch::channel(false);
    let startup = StartupSync(startup_seen);
    if settings.sync_on_start {
        let live = rocket.state::<watch::LiveReload>().cloned();
        // A database that already holds content is served at once and synced
        // in the background: at 100,000 lessons even a sync that finds
        // nothing changed takes seconds, and readers get what the database
        // holds meanwhile (each page the sync changes is built again, as the
        // page cache sees this handle's commits). A fresh database is synced
        // first, so a first `cargo run` shows the lessons rather than an
        // empty site that fills while the reader looks.
        if holds_content(&db).await {
            tracing::info!(
                "serving; syncing content in the background from {}",
                settings.content_dir.display()
            );
            let (db, settings) = (db.clone(), settings.clone());
            let done = startup_done.clone();
            tokio::spawn(async move {
                startup_sync(&db, &settings, live.as_ref(), true).await;
                done.send_replace(true);
                rerender_stale(&db, &settings).await;
                release_free_memory();
            });
        } else {
            startup_sync(&db, &settings, live.as_ref(), false).await;
            startup_done.send_replace(true);
            // Rows an older Lectern rendered are rendered again in the
            // background, so an upgrade does not delay start-up; until then
            // they show the old HTML.
            let (db, settings) = (db.clone(), settings.clone());
            tokio::spawn(async move {
                rerender_stale(&db, &settings).await;
                release_free_memory();
            });
        }
    }
    match accounts::setup::issue_if_no_users(&db).await {
        Ok(Some(token)) => {
            tracing::warn!(
                "no users yet: create the first admin at http://{}:{}/admin/setup/{token} (the link works once, for 24 hours)",
                config.address,
                config.port
            );
        }
        Ok(None) => {}
        Err(e) => tracing::error!("cannot issue a setup link: {e}"),
    }
    let policy = web::auth::CookiePolicy {
        secure: settings.secure_cookies || config.tls_enabled(),
    };
    let cache =
        web::cache::PageCache::new(settings.page_cache_mib.saturating_mul(1 << 20), db.clone());
    cache.poll().await;
    let assets = StaticAssets::load();
    let site = SiteView {
        title: settings.site_title.clone(),
        description: settings.site_description.clone(),
        lang: settings.site_lang.clone(),
        favicon_url: favicon.url(),
        css_url: assets.url("style.css"),
        admin_css_url: assets.url("admin.css"),
        admin_js_url: assets.url("admin.js"),
        js_url: assets.url("site.js"),
        live_js_url: rocket
            .state::<watch::LiveReload>()
            .map(|_| assets.url("live.js")),
        base_url,
    };
    if !settings.sync_on_start {
        startup_done.send_replace(true);
    }
    Ok(rocket
        .manage(startup)
        .manage(db)
        .manage(settings)
        .manage(assets)
        .manage(favicon)
        .manage(site)
        .manage(policy)
        .manage(proxies)
        .manage(cache))
}

/// Whether the start-up sync has ended (it runs in the background on a
/// database that holds content): what a test waits for before it syncs or
/// edits by itself, so two syncs never race over the same files.
pub struct StartupSync(tokio::sync::watch::Receiver<bool>);

impl StartupSync {
    /// Waits until the start-up sync has ended (at once without one).
    pub async fn finished(&self) {
        let mut seen = self.0.clone();
        // An error means the sender is gone, which only happens once done.
        let _ = seen.wait_for(|done| *done).await;
    }
}

/// Whether the database holds any course (so: content a reader can be
/// served). On error, no: syncing first is the safe choice.
async fn holds_content(db: &db::Db) -> bool {
    use sea_orm::{EntityTrait, QuerySelect};
    let first = db::entity::course::Entity::find()
        .select_only()
        .column(db::entity::course::Column::Id)
        .limit(1)
        .into_tuple::<i32>()
        .one(db.connection())
        .await;
    match first {
        Ok(found) => found.is_some(),
        Err(e) => {
            tracing::warn!("cannot tell whether the database holds content: {e}");
            false
        }
    }
}

/// The start-up sync: runs it, tells open pages (under --watch) what it
/// found, and logs it. The site serves what the database holds whatever
/// happens here.
async fn startup_sync(
    db: &db::Db,
    settings: &Settings,
    live: Option<&watch::LiveReload>,
    background: bool,
) {
    let options = SyncOptions {
        origin: SyncOrigin::Startup,
        dry_run: false,
        strict_links: settings.strict_links,
    };
    let result = content::sync(db, &settings.content_dir, options).await;
    if let Some(live) = live {
        live.synced(&result, &settings.content_dir);
        // Under --watch the watcher says so when it starts, which was
        // before a background sync ended.
        let problems = live.current().problems_total;
        if background && problems > 0 {
            tracing::warn!(
                "{problems} error(s) in the content: open pages show them until they are fixed"
            );
        }
    }
    match result {
        Ok(report) => {
            for d in &report.diagnostics {
                tracing::warn!("{d}");
            }
            tracing::info!(
                created = report.created.len(),
                updated = report.updated.len(),
                unchanged = report.unchanged,
                archived = report.archived.len(),
                errors = report.errors(),
                "content synced from {}",
                settings.content_dir.display()
            );
        }
        Err(e) => tracing::error!("startup sync failed: {e}"),
    }
}

/// Renders again the rows an older Lectern rendered (they need the
/// content folder, so only where content is synced).
async fn rerender_stale(db: &db::Db, settings: &Settings) {
    match content::rerender_stale(db, &settings.content_dir).await {
        Ok(done) if done.lessons + done.courses > 0 => tracing::info!(
            lessons = done.lessons,
            courses = done.courses,
            "rendered again by this version's renderer"
        ),
        Ok(_) => {}
        Err(e) => tracing::error!("rendering stored pages again failed: {e}"),
    }
}

/// Gives the heap's free memory back to the system, once the start-up
/// sync (and the re-rendering after it) ended: at 100,000 lessons a serving
/// process held 275 MB after a no-change start-up sync, and 86 MB once
/// trimmed (the page cache and SQLite's caches are the rest).
fn release_free_memory() {
    base::memory::release_free();
}

/// A database URL without its password, for logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}://{}:***@{}", &url[..scheme], user, &url[at + 1..])
        }
        _ => url.to_string(),
    }
}
