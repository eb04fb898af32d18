//! Static files (embedded CSS and the like, fingerprinted for long caching,
//! text ones sent compressed), the site's icon, and media (images stored in
//! the database by content hash).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::OnceLock;

use rocket::http::{ContentType, Header};
use rocket::request::Request;
use rocket::response::{self, Response};
use rocket::{get, routes, Responder, Route, State};
use rust_embed::RustEmbed;
use sha2::{Digest, Sha256};

use crate::config::{IconFile, IconKind};
use crate::db::{media, Db};

use super::cache::{self, Conditional};
use super::error::WebError;

#[derive(RustEmbed)]
#[folder = "static/"]
struct StaticFiles;

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// Fingerprints of the static files, computed once at start, and the
/// compressed forms of the text ones, made when first asked for.
pub struct StaticAssets {
    fingerprints: HashMap<String, String>,
    compressed: HashMap<String, OnceLock<Compressed>>,
}

/// A text file's gzip and brotli forms.
struct Compressed {
    gzip: Vec<u8>,
    brotli: Vec<u8>,
}

/// Static files worth compressing: text (stylesheets, scripts, SVG).
fn is_text(name: &str) -> bool {
    [".css", ".js", ".svg", ".txt"]
        .iter()
        .any(|ext| name.ends_with(ext))
}

impl StaticAssets {
    pub fn load() -> Self {
        let fingerprints: HashMap<String, String> = StaticFiles::iter()
            .filter_map(|name| {
                let file = StaticFiles::get(&name)?;
                let hash = hex::encode(&Sha256::digest(&file.data)[..6]);
                Some((name.into_owned(), hash))
            })
            .collect();
        let compressed = fingerprints
            .keys()
            .filter(|name| is_text(name))
            .map(|name| (name.clone(), OnceLock::new()))
            .collect();
        StaticAssets {
            fingerprints,
            compressed,
        }
    }

    /// `data` (the file `name`) in the best encoding `request` takes:
    /// `(body, Content-Encoding)`.
    fn encoded(
        &self,
        name: &str,
        data: Vec<u8>,
        request: &Conditional,
    ) -> (Vec<u8>, Option<&'static str>) {
        let Some(forms) = self.compressed.get(name) else {
            return (data, None);
        };
        if !request.takes_brotli() && !request.takes_gzip() {
            return (data, None);
        }
        let forms = forms.get_or_init(|| Compressed {
            gzip: cache::gzip(&data),
            brotli: cache::brotli(&data),
        });
        if request.takes_brotli() && !forms.brotli.is_empty() {
            (forms.brotli.clone(), Some("br"))
        } else if request.takes_gzip() && !forms.gzip.is_empty() {
            (forms.gzip.clone(), Some("gzip"))
        } else {
            (data, None)
        }
    }

    /// `/static/<name>?v=<fingerprint>`: a new URL whenever the file changes.
    pub fn url(&self, name: &str) -> String {
        match self.fingerprints.get(name) {
            Some(v) => format!("/static/{name}?v={v}"),
            None => format!("/static/{name}"),
        }
    }
}

/// The site's icon: the `favicon` file read at start-up, or Lectern's own
/// (`static/favicon.svg`, inside the binary).
pub struct Favicon {
    kind: IconKind,
    bytes: Vec<u8>,
    fingerprint: String,
}

/// Lectern's own icon.
const DEFAULT_FAVICON: &str = "favicon.svg";

impl Favicon {
    /// The icon `file` (from `Settings::favicon_file`), or Lectern's own.
    pub fn load(file: Option<IconFile>) -> Favicon {
        let IconFile { kind, bytes } = file.unwrap_or_else(|| IconFile {
            kind: IconKind::Svg,
            bytes: StaticFiles::get(DEFAULT_FAVICON)
                .map(|f| f.data.into_owned())
                .unwrap_or_default(),
        });
        let fingerprint = hex::encode(&Sha256::digest(&bytes)[..6]);
        Favicon {
            kind,
            bytes,
            fingerprint,
        }
    }

    /// `/favicon.<svg|png|ico>?v=<fingerprint>`: a new URL whenever the icon changes.
    pub fn url(&self) -> String {
        format!("/favicon.{}?v={}", self.kind.extension(), self.fingerprint)
    }

    fn content_type(&self) -> ContentType {
        match self.kind {
            IconKind::Svg => ContentType::SVG,
            IconKind::Png => ContentType::PNG,
            IconKind::Ico => ContentType::Icon,
        }
    }

    /// The icon as an answer to `/favicon.<extension>`, if that is its
    /// name; long-cached when asked for with its fingerprint.
    fn serve(&self, extension: &str, v: Option<&str>) -> Result<CachedFile, WebError> {
        if extension != self.kind.extension() {
            return Err(WebError::NotFound);
        }
        let fresh = v == Some(self.fingerprint.as_str());
        Ok(CachedFile {
            body: self.bytes.clone(),
            content_type: self.content_type(),
            cache: Header::new("Cache-Control", if fresh { IMMUTABLE } else { "no-cache" }),
            encoding: None,
        })
    }
}

pub fn routes() -> Vec<Route> {
    routes![
        static_file,
        media_file,
        favicon_svg,
        favicon_png,
        favicon_ico
    ]
}

#[get("/favicon.svg?<v>")]
fn favicon_svg(v: Option<&str>, icon: &State<Favicon>) -> Result<CachedFile, WebError> {
    icon.serve("svg", v)
}

#[get("/favicon.png?<v>")]
fn favicon_png(v: Option<&str>, icon: &State<Favicon>) -> Result<CachedFile, WebError> {
    icon.serve("png", v)
}

/// Where browsers look for an icon when a page names none: the site's icon,
/// whatever its kind, so the request is never a 404 (which browsers log as
/// an error on the page).
#[get("/favicon.ico")]
fn favicon_ico(icon: &State<Favicon>) -> Result<CachedFile, WebError> {
    let extension = icon.kind.extension();
    icon.serve(extension, None)
}

/// A file of the binary's, with its caching and (when sent compressed) its
/// encoding.
struct CachedFile {
    body: Vec<u8>,
    content_type: ContentType,
    cache: Header<'static>,
    encoding: Option<&'static str>,
}

impl<'r> response::Responder<'r, 'static> for CachedFile {
    fn respond_to(self, _req: &'r Request<'_>) -> response::Result<'static> {
        let mut res = Response::build();
        res.header(self.content_type).header(self.cache);
        if let Some(encoding) = self.encoding {
            res.header(Header::new("Content-Encoding", encoding))
                .header(Header::new("Vary", "Accept-Encoding"));
        }
        res.sized_body(self.body.len(), std::io::Cursor::new(self.body))
            .ok()
    }
}

#[get("/static/<path..>?<v>")]
fn static_file(
    path: PathBuf,
    v: Option<&str>,
    assets: &State<StaticAssets>,
    request: Conditional,
) -> Result<CachedFile, WebError> {
    let name = path.to_str().ok_or(WebError::NotFound)?.replace('\\', "/");
    let file = StaticFiles::get(&name).ok_or(WebError::NotFound)?;
    let fresh = v.is_some() && assets.fingerprints.get(&name).map(String::as_str) == v;
    let content_type = path
        .extension()
        .and_then(|e| e.to_str())
        .and_then(ContentType::from_extension)
        .unwrap_or(ContentType::Binary);
    let (body, encoding) = assets.encoded(&name, file.data.into_owned(), &request);
    Ok(CachedFile {
        body,
        content_type,
        cache: Header::new("Cache-Control", if fresh { IMMUTABLE } else { "no-cache" }),
        encoding,
    })
}

#[derive(Responder)]
struct MediaFile {
    body: Vec<u8>,
    content_type: ContentType,
    cache: Header<'static>,
    /// An SVG opened on its own must not run script in the site's origin.
    csp: Header<'static>,
    /// `inline` for passive types, `attachment` for the rest.
    disposition: Header<'static>,
}

/// Types a browser shows without running anything: raster images, audio,
/// video, plain text. Anything else from `content/` (HTML, SVG, XML, PDF,
/// scripts) is sent as a download, so it never opens as a page of the site.
fn shown_inline(content_type: &ContentType) -> bool {
    let (top, sub) = (content_type.top().as_str(), content_type.sub().as_str());
    match top {
        "image" => matches!(
            sub,
            "png" | "jpeg" | "gif" | "webp" | "avif" | "x-icon" | "bmp"
        ),
        "audio" | "video" => true,
        "text" => sub == "plain",
        _ => false,
    }
}

#[get("/media/<hash>/<_name>")]
async fn media_file(hash: &str, _name: &str, db: &State<Db>) -> Result<MediaFile, WebError> {
    if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(WebError::NotFound);
    }
    let file = media::by_hash(db.inner(), hash)
        .await?
        .ok_or(WebError::NotFound)?;
    let content_type =
        ContentType::parse_flexible(&file.content_type).unwrap_or(ContentType::Binary);
    let disposition = if shown_inline(&content_type) {
        "inline"
    } else {
        "attachment"
    };
    Ok(MediaFile {
        disposition: Header::new("Content-Disposition", disposition),
        content_type,
        body: file.bytes,
        cache: Header::new("Cache-Control", IMMUTABLE),
        csp: Header::new(
            "Content-Security-Policy",
            "default-src 'none'; style-src 'unsafe-inline'; sandbox",
        ),
    })
}
