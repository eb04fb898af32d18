//! Settings, read from one figment: `Rocket.toml` profiles, `ROCKET_*`
//! variables, and `DATABASE_URL` (the common convention) over `database_url`.
//! The server and every CLI verb read the same figment, so they act on the
//! same site.

use std::path::PathBuf;

use rocket::figment::providers::{Env, Serialized};
use rocket::figment::Figment;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Settings {
    /// Shown in the header and page titles.
    pub site_title: String,
    /// The `lang` of every page.
    pub site_lang: String,
    /// The folder of course folders and lesson files.
    pub content_dir: PathBuf,
    /// `sqlite://…` (embedded default) or `postgres://…`.
    pub database_url: String,
    /// Sync `content_dir` into the database when the server starts.
    pub sync_on_start: bool,
    /// Mark cookies `Secure` even without Rocket's own TLS (behind an HTTPS proxy).
    pub secure_cookies: bool,
    /// Enables `POST /hooks/git`: the shared secret of the push webhook.
    pub webhook_secret: Option<String>,
    /// The git working copy to `git pull` on a push (default: `content_dir`;
    /// it may be the content folder itself or contain it).
    pub content_repo: Option<PathBuf>,
    /// Longest a `git pull` may take, in seconds.
    pub git_timeout_secs: u64,
    /// Memory for cached pages (with their compressed forms), in MiB.
    pub page_cache_mib: u64,
}

impl Settings {
    /// The folder `git pull` runs in.
    pub fn repo_dir(&self) -> &std::path::Path {
        self.content_repo.as_deref().unwrap_or(&self.content_dir)
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            site_title: "Lectern".into(),
            site_lang: "en".into(),
            content_dir: PathBuf::from("content"),
            database_url: "sqlite://data/lectern.db?mode=rwc".into(),
            sync_on_start: true,
            secure_cookies: false,
            webhook_secret: None,
            content_repo: None,
            git_timeout_secs: 60,
            page_cache_mib: 32,
        }
    }
}

/// The figment every part of Lectern reads: Lectern's defaults, then
/// `Rocket.toml` and `ROCKET_*` (Rocket's own rules), then `DATABASE_URL`.
pub fn figment() -> Figment {
    rocket::Config::figment()
        .join(Serialized::defaults(Settings::default()))
        // Lesson bodies (up to 1 MiB) come as forms; images (up to 10 MiB) as uploads.
        .join((
            "limits",
            rocket::data::Limits::default()
                .limit("form", rocket::data::ByteUnit::Mebibyte(2))
                .limit("data-form", rocket::data::ByteUnit::Mebibyte(11))
                .limit("file", rocket::data::ByteUnit::Mebibyte(10)),
        ))
        .merge(
            Env::raw()
                .only(&["DATABASE_URL"])
                .map(|_| "database_url".into())
                .global(),
        )
}

impl Settings {
    pub fn from_figment(figment: &Figment) -> Result<Settings, Box<rocket::figment::Error>> {
        figment.extract().map_err(Box::new)
    }
}
