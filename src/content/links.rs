//! The site map sync and check render against: which content paths are
//! pages (and their URLs) and which are assets (and their media URLs).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use sea_orm::{ConnectionTrait, DbErr};

use crate::db::{courses, lessons};
use crate::markdown::{BrokenRef, LessonRef, RefKind, Resolver};

pub use crate::base::urls::{course_url, lesson_url, media_url};

use super::safe_path::{self, Refused};
use super::scan::{hash_bytes, Asset};

pub struct LinkMap<'a> {
    pages: HashMap<String, String>,
    /// Lesson files and the lessons they are.
    lessons: HashMap<String, LessonRef>,
    assets: &'a BTreeMap<String, Asset>,
    /// Files the scan saw and refused, with the rule.
    refused: &'a BTreeMap<String, Refused>,
    used_assets: Mutex<BTreeSet<String>>,
    /// Hashes a `/media/…` address may name (stored media and the content
    /// folder's assets), when known: `lectern check` reads no database.
    media: Option<std::collections::HashSet<&'a str>>,
}

impl<'a> LinkMap<'a> {
    /// Lets `/media/<hash>/…` addresses be checked against the stored media
    /// (and the assets being synced).
    pub fn with_media(mut self, stored: Option<&'a std::collections::HashSet<String>>) -> Self {
        self.media = stored.map(|stored| {
            stored
                .iter()
                .map(String::as_str)
                .chain(self.assets.values().map(|a| a.hash.as_str()))
                .collect()
        });
        self
    }

    pub fn new(
        assets: &'a BTreeMap<String, Asset>,
        refused: &'a BTreeMap<String, Refused>,
    ) -> Self {
        LinkMap {
            pages: HashMap::new(),
            lessons: HashMap::new(),
            assets,
            refused,
            used_assets: Mutex::new(BTreeSet::new()),
            media: None,
        }
    }

    pub fn add_course(&mut self, course: &str) {
        let url = course_url(course);
        self.pages.insert(
            format!("{course}/{}", super::scan::COURSE_FILE),
            url.clone(),
        );
        self.pages.insert(format!("{course}/"), url.clone());
        self.pages.insert(course.to_string(), url);
    }

    pub fn add_lesson(&mut self, path: &str, course: &str, lesson: &str) {
        self.pages
            .insert(path.to_string(), lesson_url(course, lesson));
        self.lessons.insert(
            path.to_string(),
            LessonRef {
                course: course.to_string(),
                slug: lesson.to_string(),
            },
        );
    }

    /// Whether `url` is the URL of a page of the site.
    pub fn is_page_url(&self, url: &str) -> bool {
        self.pages.values().any(|u| u == url)
    }

    /// Asset paths that rendered bodies referred to.
    pub fn take_used_assets(&self) -> BTreeSet<String> {
        std::mem::take(&mut self.used_assets.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

impl Resolver for LinkMap<'_> {
    fn page(&self, path: &str) -> Option<String> {
        self.pages.get(path).cloned()
    }

    fn missing_site_path(&self, path: &str) -> Option<String> {
        let media = self.media.as_ref()?;
        let hash = path.strip_prefix("/media/")?.split('/').next()?;
        (!media.contains(hash)).then(|| MISSING_MEDIA.to_string())
    }

    fn lesson(&self, path: &str) -> Option<LessonRef> {
        self.lessons.get(path).cloned()
    }

    fn asset(&self, path: &str) -> Option<String> {
        let asset = self.assets.get(path)?;
        self.used_assets
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(path.to_string());
        Some(media_url(&asset.hash, &asset.name))
    }

    fn refusal(&self, path: &str) -> Option<String> {
        self.refused.get(path).map(Refused::to_string)
    }
}

/// Resolves references in a body edited in the admin: pages from the
/// database's index of lesson files, assets from the content folder on disk
/// (the same files sync serves), so a lesson renders as it would from git.
pub struct SiteResolver {
    pages: HashMap<String, String>,
    lessons: HashMap<String, LessonRef>,
    content_dir: PathBuf,
    used: Mutex<BTreeMap<String, Asset>>,
    refused: Mutex<HashMap<String, Refused>>,
    /// The hashes of stored media, so a `/media/…` address written in the
    /// admin can be checked.
    media: std::collections::HashSet<String>,
}

impl SiteResolver {
    pub async fn load(db: &impl ConnectionTrait, content_dir: &Path) -> Result<Self, DbErr> {
        let mut map = LinkMap::new(&EMPTY_ASSETS, &EMPTY_REFUSED);
        for course in courses::all(db).await? {
            map.add_course(&course.slug);
        }
        for (path, course, lesson) in lessons::file_index(db).await? {
            map.add_lesson(&path, &course, &lesson);
        }
        let media = crate::db::media::hashes(db).await?;
        Ok(SiteResolver {
            pages: map.pages,
            lessons: map.lessons,
            content_dir: content_dir.to_path_buf(),
            used: Mutex::new(BTreeMap::new()),
            refused: Mutex::new(HashMap::new()),
            media,
        })
    }

    /// Assets the rendered body referred to, to store as media.
    pub fn take_used(&self) -> Vec<Asset> {
        std::mem::take(&mut *self.used.lock().unwrap_or_else(|e| e.into_inner()))
            .into_values()
            .collect()
    }
}

/// Why a `/media/…` address leads nowhere, on every channel.
const MISSING_MEDIA: &str = "no image or file with that address was uploaded";

static EMPTY_ASSETS: BTreeMap<String, Asset> = BTreeMap::new();
static EMPTY_REFUSED: BTreeMap<String, Refused> = BTreeMap::new();

impl Resolver for SiteResolver {
    fn page(&self, path: &str) -> Option<String> {
        self.pages.get(path).cloned()
    }

    fn missing_site_path(&self, path: &str) -> Option<String> {
        let hash = path.strip_prefix("/media/")?.split('/').next()?;
        (!self.media.contains(hash))
            .then(|| "no image or file with that address was uploaded".into())
    }

    fn lesson(&self, path: &str) -> Option<LessonRef> {
        self.lessons.get(path).cloned()
    }

    fn asset(&self, path: &str) -> Option<String> {
        // Read and hash each file once, however many references it has.
        if let Some(asset) = self
            .used
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(path)
        {
            return Some(media_url(&asset.hash, &asset.name));
        }
        // The same rules as sync's scan: no hidden files, no links at any
        // part of the path, regular files inside a course folder.
        let checked = safe_path::asset_file(&self.content_dir, path).and_then(|abs| {
            safe_path::read_asset(&abs)
                .map(|bytes| (abs, bytes))
                .map_err(|_| Refused::Missing)
        });
        let (abs, bytes) = match checked {
            Ok(found) => found,
            Err(refused) => {
                self.refused
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(path.to_string(), refused);
                return None;
            }
        };
        let name = path.rsplit('/').next().unwrap_or(path).to_string();
        let asset = Asset {
            path: path.to_string(),
            abs,
            hash: hash_bytes(&bytes),
            name,
        };
        let url = media_url(&asset.hash, &asset.name);
        self.used
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(path.to_string(), asset);
        Some(url)
    }

    fn refusal(&self, path: &str) -> Option<String> {
        match self
            .refused
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(path)
        {
            // A missing file is an ordinary broken reference.
            Some(Refused::Missing) | None => None,
            Some(refused) => Some(refused.to_string()),
        }
    }
}

/// A link or image in a lesson that leads nowhere: its line, and what
/// `lectern check`, sync and the admin's save all say of it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// The one wording of a broken link or image, for every channel.
pub fn broken_message(b: &BrokenRef) -> String {
    let what = match b.kind {
        RefKind::Link => "link to a missing file",
        RefKind::Image => "image not found",
    };
    match &b.reason {
        Some(reason) => format!("{what}: “{}” ({reason})", b.target),
        None => format!("{what}: “{}”", b.target),
    }
}

/// The problems of a rendered body's broken links and images.
pub fn problems(broken: &[BrokenRef]) -> Vec<Problem> {
    broken
        .iter()
        .map(|b| Problem {
            line: b.line,
            message: broken_message(b),
        })
        .collect()
}

/// Everything wrong in a rendered body that every channel reports alike
/// (`lectern check`, sync, the admin's save and preview): links and images
/// that lead nowhere and mistakes in quiz blocks, in line order.
pub fn render_problems(rendered: &crate::markdown::Rendered) -> Vec<Problem> {
    let mut found = problems(&rendered.broken);
    found.extend(rendered.quiz_problems.iter().map(|p| Problem {
        line: p.line,
        message: p.message.clone(),
    }));
    found.sort_by_key(|p| p.line);
    found
}
