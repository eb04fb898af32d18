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
    /// What the site offers, in a sentence: shown on the home page, and its
    /// description for search engines and link previews.
    pub site_description: String,
    /// An icon file (`.svg`, `.png` or `.ico`) to use as the site's icon
    /// instead of Lectern's own; read once at start-up (a path relative to
    /// the folder Lectern runs in, like `content_dir`).
    pub favicon: Option<PathBuf>,
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
    /// How long the push webhook waits for its sync before answering `202`
    /// (git hosts give up on a webhook after about ten seconds).
    pub webhook_answer_secs: u64,
    /// Memory for cached pages (with their compressed forms), in MiB.
    pub page_cache_mib: u64,
    /// How often the page cache looks for edits made through other
    /// instances, in milliseconds (its own edits it sees at once).
    pub content_poll_ms: u64,
    /// Most URLs in one sitemap file (the protocol's limit, 50,000, is also
    /// the most this takes); more make `/sitemap.xml` an index of parts.
    pub sitemap_urls: usize,
    /// The site's public address (`https://lessons.example.org`): scheme,
    /// host and port, no path. Feeds, the sitemap and page metadata make
    /// absolute URLs with it. See [`Settings::public_base_url`] when unset.
    pub base_url: Option<String>,
    /// Addresses of reverse proxies in front of Lectern. Only a request from
    /// one of them has its client read from `client_ip_header`; any other
    /// request's client is the connection's peer, whatever headers it sends.
    pub trusted_proxies: Vec<String>,
    /// The header trusted proxies name the client in.
    pub client_ip_header: String,
    /// The one rule for lessons with a link, image or prerequisite that
    /// leads nowhere, or a quiz with mistakes: `true`, such a lesson is not
    /// published (by sync or the admin's save; the version already live
    /// stays) and `lectern check` counts them as errors; `false`, it is
    /// published and they are warnings.
    pub strict_links: bool,
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
            site_description: DEFAULT_SITE_DESCRIPTION.into(),
            favicon: None,
            site_lang: "en".into(),
            content_dir: PathBuf::from("content"),
            database_url: "sqlite://data/lectern.db?mode=rwc".into(),
            sync_on_start: true,
            secure_cookies: false,
            webhook_secret: None,
            content_repo: None,
            git_timeout_secs: 60,
            webhook_answer_secs: 8,
            page_cache_mib: 32,
            content_poll_ms: 250,
            sitemap_urls: crate::discovery::feeds::SITEMAP_MAX_URLS,
            base_url: None,
            trusted_proxies: Vec::new(),
            client_ip_header: "X-Forwarded-For".into(),
            strict_links: true,
        }
    }
}

/// `site_description` when none is set.
pub const DEFAULT_SITE_DESCRIPTION: &str =
    "Courses and lessons to learn from, written to be read on any screen.";

/// The largest `favicon` file accepted.
pub const MAX_FAVICON_BYTES: u64 = 1024 * 1024;

/// Default `form` limit: a lesson text at its largest (1 MiB), url-encoded
/// at three bytes a byte, with the other fields of the editor.
pub const FORM_LIMIT_MIB: u64 = 4;

/// `1048576` → "1 MiB", `1468006` → "1.4 MiB", `2048` → "2 KiB": a size for
/// people, as error messages name limits.
pub fn format_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["bytes", "KiB", "MiB", "GiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    let tenths = (value * 10.0).round() / 10.0;
    if unit == 0 || tenths.fract() == 0.0 {
        format!("{} {}", tenths.round() as u64, UNITS[unit])
    } else {
        format!("{tenths:.1} {}", UNITS[unit])
    }
}

/// The figment every part of Lectern reads: Lectern's defaults, then
/// `Rocket.toml` and `ROCKET_*` (Rocket's own rules), then `DATABASE_URL`.
pub fn figment() -> Figment {
    rocket::Config::figment()
        .join(Serialized::defaults(Settings::default()))
        // Request body limits (`[default.limits]` in Rocket.toml overrides
        // them). Lesson texts (up to 1 MiB) come as url-encoded forms, which
        // can take three bytes per byte of text; images (up to 10 MiB) come
        // as multipart uploads. A body over a limit answers 413.
        // Rocket would believe a client's own X-Real-IP; Lectern reads a
        // forwarding header only from `trusted_proxies`.
        .join(("ip_header", false))
        // Idle keep-alive connections are closed after 5 s.
        .join(("keep_alive", 5))
        .join((
            "limits",
            rocket::data::Limits::default()
                .limit("form", rocket::data::ByteUnit::Mebibyte(FORM_LIMIT_MIB))
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

/// A configuration value that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("base_url “{0}” must be an http:// or https:// address with a host and no path, query or fragment (e.g. https://lessons.example.org)")]
    BaseUrl(String),
    #[error("trusted_proxies: {0:?} is not an IP address (write each proxy's address, such as 127.0.0.1)")]
    TrustedProxy(String),
    #[error("favicon “{}” cannot be read: {source}", path.display())]
    FaviconUnreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("favicon “{}” must be an icon file named .svg, .png or .ico", .0.display())]
    FaviconKind(PathBuf),
    #[error("favicon “{}” is larger than {}, the most an icon may be", .0.display(), format_size(MAX_FAVICON_BYTES))]
    FaviconTooLarge(PathBuf),
    #[error("favicon “{}” is named .{} but does not hold {}", path.display(), kind.extension(), kind.described())]
    FaviconContent { path: PathBuf, kind: IconKind },
}

/// The kinds of file `favicon` may name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IconKind {
    Svg,
    Png,
    Ico,
}

impl IconKind {
    pub fn extension(self) -> &'static str {
        match self {
            IconKind::Svg => "svg",
            IconKind::Png => "png",
            IconKind::Ico => "ico",
        }
    }

    /// The kind a file name's extension says (case ignored).
    fn of_name(path: &std::path::Path) -> Option<IconKind> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        [IconKind::Svg, IconKind::Png, IconKind::Ico]
            .into_iter()
            .find(|k| k.extension() == ext)
    }

    fn described(self) -> &'static str {
        match self {
            IconKind::Svg => "an SVG image",
            IconKind::Png => "a PNG image",
            IconKind::Ico => "an ICO icon",
        }
    }

    /// Whether `bytes` start as a file of this kind does.
    fn holds(self, bytes: &[u8]) -> bool {
        match self {
            IconKind::Png => bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
            IconKind::Ico => bytes.starts_with(&[0, 0, 1, 0]),
            IconKind::Svg => std::str::from_utf8(bytes).is_ok_and(|text| text.contains("<svg")),
        }
    }
}

/// The `favicon` file, read at start-up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IconFile {
    pub kind: IconKind,
    pub bytes: Vec<u8>,
}

/// Where [`Settings::public_base_url`] found the address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BaseUrlSource {
    Configured,
    /// Made from Rocket's address and port: right for local use only.
    Guessed,
}

impl Settings {
    /// The `favicon` file, read and checked (its name, size and first
    /// bytes); `None` when unset: Lectern's own icon is used.
    pub fn favicon_file(&self) -> Result<Option<IconFile>, ConfigError> {
        let Some(path) = self.favicon.as_deref() else {
            return Ok(None);
        };
        if path.as_os_str().is_empty() {
            return Ok(None);
        }
        let kind = IconKind::of_name(path).ok_or_else(|| ConfigError::FaviconKind(path.into()))?;
        let unreadable = |source| ConfigError::FaviconUnreadable {
            path: path.into(),
            source,
        };
        let size = std::fs::metadata(path).map_err(unreadable)?.len();
        if size > MAX_FAVICON_BYTES {
            return Err(ConfigError::FaviconTooLarge(path.into()));
        }
        let bytes = std::fs::read(path).map_err(unreadable)?;
        if !kind.holds(&bytes) {
            return Err(ConfigError::FaviconContent {
                path: path.into(),
                kind,
            });
        }
        Ok(Some(IconFile { kind, bytes }))
    }

    /// `trusted_proxies`, parsed.
    pub fn trusted_proxy_addresses(&self) -> Result<Vec<std::net::IpAddr>, ConfigError> {
        self.trusted_proxies
            .iter()
            .map(|p| {
                p.trim()
                    .parse()
                    .map_err(|_| ConfigError::TrustedProxy(p.clone()))
            })
            .collect()
    }

    /// The public address absolute URLs start with, without a trailing
    /// slash: `base_url` when set, else one made from Rocket's address and
    /// port (an unspecified address such as `0.0.0.0` becomes `127.0.0.1`).
    pub fn public_base_url(
        &self,
        rocket: &rocket::Config,
    ) -> Result<(String, BaseUrlSource), ConfigError> {
        if let Some(url) = self.base_url.as_deref().map(str::trim) {
            if !url.is_empty() {
                return normalise_base_url(url).map(|u| (u, BaseUrlSource::Configured));
            }
        }
        let tls = rocket.tls_enabled();
        let scheme = if tls { "https" } else { "http" };
        let host = match rocket.address {
            a if a.is_unspecified() => "127.0.0.1".to_string(),
            std::net::IpAddr::V6(a) => format!("[{a}]"),
            a => a.to_string(),
        };
        let default_port = if tls { 443 } else { 80 };
        let url = match rocket.port {
            p if p == default_port => format!("{scheme}://{host}"),
            p => format!("{scheme}://{host}:{p}"),
        };
        Ok((url, BaseUrlSource::Guessed))
    }

    pub fn from_figment(figment: &Figment) -> Result<Settings, Box<rocket::figment::Error>> {
        figment.extract().map_err(Box::new)
    }
}

/// `https://Example.org/` → `https://Example.org`: checks the form and drops
/// trailing slashes. Pages link with root-relative paths, so a base URL with a
/// path would disagree with them and is refused.
fn normalise_base_url(url: &str) -> Result<String, ConfigError> {
    let invalid = || ConfigError::BaseUrl(url.to_string());
    let trimmed = url.trim_end_matches('/');
    let (scheme, rest) = trimmed.split_once("://").ok_or_else(invalid)?;
    let scheme_ok = scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https");
    let host_ok = !rest.is_empty()
        && !rest.chars().any(|c| {
            matches!(c, '/' | '?' | '#' | '@' | '\\' | '"' | '<' | '>')
                || c.is_whitespace()
                || c.is_control()
        });
    if scheme_ok && host_ok {
        Ok(trimmed.to_string())
    } else {
        Err(invalid())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_naturally() {
        assert_eq!(format_size(0), "0 bytes");
        assert_eq!(format_size(1000), "1000 bytes");
        assert_eq!(format_size(2048), "2 KiB");
        assert_eq!(format_size(1024 * 1024), "1 MiB");
        assert_eq!(format_size(1024 * 1024 + 400 * 1024), "1.4 MiB");
        assert_eq!(format_size(11 << 20), "11 MiB");
    }

    #[test]
    fn base_url_is_checked_and_loses_its_trailing_slash() {
        assert_eq!(
            normalise_base_url("https://lessons.example.org/").unwrap(),
            "https://lessons.example.org"
        );
        assert_eq!(
            normalise_base_url("http://127.0.0.1:8000").unwrap(),
            "http://127.0.0.1:8000"
        );
        for bad in [
            "lessons.example.org",
            "ftp://example.org",
            "https://",
            "https://example.org/sub/",
            "https://example.org?x=1",
            "https://user@example.org",
            "https://exa mple.org",
        ] {
            assert!(normalise_base_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn unset_base_url_is_made_from_the_address_and_port() {
        let settings = Settings::default();
        let mut rocket = rocket::Config::debug_default();
        rocket.address = "0.0.0.0".parse().unwrap();
        rocket.port = 8080;
        assert_eq!(
            settings.public_base_url(&rocket).unwrap(),
            ("http://127.0.0.1:8080".to_string(), BaseUrlSource::Guessed)
        );
        let settings = Settings {
            base_url: Some("https://example.org/".into()),
            ..Settings::default()
        };
        assert_eq!(
            settings.public_base_url(&rocket).unwrap(),
            ("https://example.org".to_string(), BaseUrlSource::Configured)
        );
    }

    #[test]
    fn a_favicon_file_is_read_and_checked_with_plain_messages() {
        let dir = tempfile::tempdir().unwrap();
        let with = |name: &str, bytes: &[u8]| {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).unwrap();
            Settings {
                favicon: Some(path),
                ..Settings::default()
            }
            .favicon_file()
        };
        assert_eq!(Settings::default().favicon_file().unwrap(), None);
        let png = b"\x89PNG\r\n\x1a\nrest";
        let icon = with("icon.PNG", png).unwrap().unwrap();
        assert_eq!(
            (icon.kind, icon.bytes.as_slice()),
            (IconKind::Png, &png[..])
        );
        let svg = with("icon.svg", b"<?xml version=\"1.0\"?><svg></svg>")
            .unwrap()
            .unwrap();
        assert_eq!(svg.kind, IconKind::Svg);
        assert_eq!(
            with("icon.ico", &[0, 0, 1, 0, 1]).unwrap().unwrap().kind,
            IconKind::Ico
        );

        let message = |r: Result<Option<IconFile>, ConfigError>| r.unwrap_err().to_string();
        let wrong = message(with("icon.gif", b"GIF89a"));
        assert!(
            wrong.ends_with("must be an icon file named .svg, .png or .ico"),
            "{wrong}"
        );
        let fake = message(with("icon.png", b"<svg></svg>"));
        assert!(
            fake.ends_with("is named .png but does not hold a PNG image"),
            "{fake}"
        );
        let big = message(with("big.svg", &vec![b' '; 1024 * 1024 + 1]));
        assert!(
            big.ends_with("is larger than 1 MiB, the most an icon may be"),
            "{big}"
        );
        let missing = Settings {
            favicon: Some(dir.path().join("nope.svg")),
            ..Settings::default()
        };
        let gone = message(missing.favicon_file());
        assert!(gone.contains("nope.svg” cannot be read: "), "{gone}");
    }
}
