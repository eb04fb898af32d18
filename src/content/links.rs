//! The site map sync and check render against: which content paths are
//! pages (and their URLs) and which are assets (and their media URLs).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use sea_orm::{ConnectionTrait, DbErr};

use crate::db::{courses, lessons};
use crate::markdown::{BrokenRef, LessonRef, RefKind, Resolver};

use super::Severity;

pub use crate::base::urls::{course_url, lesson_url, media_url};

use super::safe_path::{self, Refused};
use super::scan::{hash_bytes, Asset};

pub struct LinkMap<'a> {
    /// The courses' pages by the paths that name them; a lesson's page is
    /// told from `lessons` (its URL is made when asked for, not kept for
    /// each of 100,000 lessons: issue 20).
    pages: HashMap<String, String>,
    /// The page files of each folder, by name, for suggestions.
    folders: Folders,
    /// Lesson files and the lessons they are.
    lessons: HashMap<String, LessonRef>,
    assets: &'a BTreeMap<String, Asset>,
    /// Files the scan saw and refused, with the rule.
    refused: &'a BTreeMap<String, Refused>,
    used_assets: Mutex<BTreeSet<String>>,
    /// Hashes a `/media/…` address may name (stored media and the content
    /// folder's assets), when known: `lectern check` reads no database.
    media: Option<std::collections::HashSet<&'a str>>,
    /// The course folders of every path and URL looked up: a resync that
    /// left unchanged folders out of the map loads the ones asked about.
    asked: Mutex<BTreeSet<String>>,
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
            folders: Folders::default(),
            lessons: HashMap::new(),
            assets,
            refused,
            used_assets: Mutex::new(BTreeSet::new()),
            media: None,
            asked: Mutex::new(BTreeSet::new()),
        }
    }

    /// Notes that the page or file at `path` (from the content folder) was
    /// looked up.
    fn ask(&self, path: &str) {
        let folder = path.split_once('/').map_or(path, |(folder, _)| folder);
        let mut asked = self.asked.lock().unwrap_or_else(|e| e.into_inner());
        if !asked.contains(folder) {
            asked.insert(folder.to_string());
        }
    }

    /// The course folders looked up so far (see [`LinkMap::ask`]).
    pub fn asked_folders(&self) -> BTreeSet<String> {
        std::mem::take(&mut self.asked.lock().unwrap_or_else(|e| e.into_inner()))
    }

    pub fn add_course(&mut self, course: &str) {
        let url = course_url(course);
        let file = format!("{course}/{}", super::scan::COURSE_FILE);
        self.folders.add(&file);
        self.pages.insert(file, url.clone());
        self.pages.insert(format!("{course}/"), url.clone());
        self.pages.insert(course.to_string(), url);
    }

    pub fn add_lesson(&mut self, path: &str, course: &str, lesson: &str) {
        self.folders.add(path);
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
        // A lesson's URL is `/<course>/<slug>/`, neither holding a `/`.
        let lesson = url
            .strip_prefix('/')
            .and_then(|u| u.strip_suffix('/'))
            .and_then(|u| u.split_once('/'));
        self.ask(url.trim_start_matches('/'));
        self.pages.values().any(|u| u == url)
            || lesson.is_some_and(|(course, slug)| {
                self.lessons
                    .values()
                    .any(|l| l.course == course && l.slug == slug)
            })
    }

    /// Asset paths that rendered bodies referred to.
    pub fn take_used_assets(&self) -> BTreeSet<String> {
        std::mem::take(&mut self.used_assets.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// The URL of the page at `path`: a course's, or a lesson's.
fn page_url(
    pages: &HashMap<String, String>,
    lessons: &HashMap<String, LessonRef>,
    path: &str,
) -> Option<String> {
    if let Some(url) = pages.get(path) {
        return Some(url.clone());
    }
    lessons
        .get(path)
        .map(|lesson| lesson_url(&lesson.course, &lesson.slug))
}

impl Resolver for LinkMap<'_> {
    fn page(&self, path: &str) -> Option<String> {
        self.ask(path);
        page_url(&self.pages, &self.lessons, path)
    }

    fn missing_site_path(&self, path: &str) -> Option<String> {
        let media = self.media.as_ref()?;
        let hash = path.strip_prefix("/media/")?.split('/').next()?;
        (!media.contains(hash)).then(|| MISSING_MEDIA.to_string())
    }

    fn lesson(&self, path: &str) -> Option<LessonRef> {
        self.ask(path);
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

    fn nearest(&self, path: &str, kind: RefKind) -> Option<String> {
        self.ask(path);
        let (folder, _) = path.rsplit_once('/')?;
        let prefix = format!("{folder}/");
        // The folder's own assets: a range of the sorted map, nested
        // folders' files left out (a bounded number of entries read).
        let assets = self
            .assets
            .range(prefix.clone()..)
            .map(|(p, _)| p.as_str())
            .take_while(|p| p.starts_with(&prefix))
            .take(4 * MAX_CANDIDATES)
            .filter_map(|p| p.strip_prefix(&prefix))
            .filter(|name| !name.contains('/'));
        let pages = self.folders.names(folder);
        let names: Vec<&str> = match kind {
            RefKind::Image => assets.take(MAX_CANDIDATES).collect(),
            RefKind::Link => pages.chain(assets).take(MAX_CANDIDATES).collect(),
        };
        nearest_name(path, names).map(|name| format!("{prefix}{name}"))
    }
}

/// File names by folder (`intro` → `01-setup.md`, `_course.md`).
#[derive(Default)]
struct Folders(HashMap<String, Vec<String>>);

impl Folders {
    fn add(&mut self, path: &str) {
        if let Some((folder, name)) = path.rsplit_once('/') {
            // The folder's name is made once, not for each of its files.
            match self.0.get_mut(folder) {
                Some(names) => names.push(name.to_string()),
                None => {
                    self.0.insert(folder.to_string(), vec![name.to_string()]);
                }
            }
        }
    }

    fn names<'s>(&'s self, folder: &str) -> impl Iterator<Item = &'s str> {
        self.0.get(folder).into_iter().flatten().map(String::as_str)
    }
}

/// How many names of one folder a suggestion compares at most, so a
/// folder of thousands of files costs a bounded amount per broken link.
const MAX_CANDIDATES: usize = 2_000;
/// Names longer than this are never compared (nobody mistypes those).
const MAX_NAME_CHARS: usize = 120;

/// Of `candidates` (file names in the folder of `missing`, a path), the one
/// nearest to `missing`'s file name by edit distance, when near enough to
/// be a slip: at most 3 edits, fewer for a short name (one per three
/// characters, rounded up).
/// Ties go to the first in sorted order, so the answer is stable.
pub(crate) fn nearest_name<'n>(
    missing: &str,
    candidates: impl IntoIterator<Item = &'n str>,
) -> Option<&'n str> {
    let wanted = missing.rsplit('/').next().unwrap_or(missing);
    let wanted: Vec<char> = wanted.to_lowercase().chars().collect();
    if wanted.is_empty() || wanted.len() > MAX_NAME_CHARS {
        return None;
    }
    let limit = 3.min((wanted.len() - 1) / 3 + 1).max(1);
    let mut best: Option<(usize, &str)> = None;
    for name in candidates.into_iter().take(MAX_CANDIDATES) {
        let lower: Vec<char> = name.to_lowercase().chars().collect();
        if lower.len() > MAX_NAME_CHARS || lower.len().abs_diff(wanted.len()) > limit {
            continue;
        }
        let Some(d) = edit_distance(&wanted, &lower, limit) else {
            continue;
        };
        let better = match best {
            None => true,
            Some((bd, bn)) => d < bd || (d == bd && name < bn),
        };
        if better {
            best = Some((d, name));
        }
    }
    best.map(|(_, name)| name)
}

/// Levenshtein distance of `a` and `b` when at most `limit`, else `None`
/// (it gives up as soon as every entry of a row is over the limit).
fn edit_distance(a: &[char], b: &[char], limit: usize) -> Option<usize> {
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut row = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitute = prev[j] + usize::from(ca != cb);
            row[j + 1] = substitute.min(prev[j + 1] + 1).min(row[j] + 1);
        }
        if row.iter().all(|&d| d > limit) {
            return None;
        }
        std::mem::swap(&mut prev, &mut row);
    }
    Some(prev[b.len()]).filter(|&d| d <= limit)
}

/// Resolves references in a body edited in the admin: pages from the
/// database's index of lesson files, assets from the content folder on disk
/// (the same files sync serves), so a lesson renders as it would from git.
pub struct SiteResolver {
    pages: HashMap<String, String>,
    folders: Folders,
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
            folders: map.folders,
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
        page_url(&self.pages, &self.lessons, path)
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

    fn nearest(&self, path: &str, kind: RefKind) -> Option<String> {
        let (folder, _) = path.rsplit_once('/')?;
        // Files on disk in the same folder, as sync would see them (the
        // rules of `safe_path` apply again to the one suggested).
        let on_disk: Vec<String> = std::fs::read_dir(self.content_dir.join(folder))
            .into_iter()
            .flatten()
            .take(MAX_CANDIDATES)
            .filter_map(|e| {
                let e = e.ok()?;
                let name = e.file_name().into_string().ok()?;
                let is_file = e.file_type().ok()?.is_file();
                (is_file && !name.starts_with('.') && !name.ends_with(".md")).then_some(name)
            })
            .collect();
        let assets = on_disk.iter().map(String::as_str);
        let names: Vec<&str> = match kind {
            RefKind::Image => assets.collect(),
            RefKind::Link => self
                .folders
                .names(folder)
                .chain(assets)
                .take(MAX_CANDIDATES)
                .collect(),
        };
        let name = nearest_name(path, names)?;
        let near = format!("{folder}/{name}");
        // Only a file the resolver would accept is worth naming.
        let page = self.pages.contains_key(&near) || self.lessons.contains_key(&near);
        (page || safe_path::asset_file(&self.content_dir, &near).is_ok()).then_some(near)
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
    match (&b.reason, &b.suggestion) {
        (Some(reason), _) => format!("{what}: “{}” ({reason})", b.target),
        (None, Some(near)) => format!("{what}: “{}”; did you mean {near}?", b.target),
        (None, None) => format!("{what}: “{}”", b.target),
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

/// The one rule for what a lesson with problems (a link, image or
/// prerequisite that leads nowhere, a quiz with mistakes) becomes, on every
/// channel: `lectern check`, sync (CLI, start-up, watch, webhook) and the
/// admin's save. Set by `strict_links`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinkPolicy {
    /// `true`: such a lesson is not published (the version already live
    /// stays), and its problems are errors. `false`: it is published, and
    /// they are warnings.
    pub strict: bool,
}

impl Default for LinkPolicy {
    fn default() -> Self {
        LinkPolicy { strict: true }
    }
}

impl LinkPolicy {
    pub fn strict(strict: bool) -> Self {
        LinkPolicy { strict }
    }

    /// Whether a lesson going live (`published`) with `problems` is refused.
    /// A draft may always hold them: it is not published.
    pub fn refuses(self, published: bool, problems: usize) -> bool {
        self.strict && published && problems > 0
    }

    /// How a problem of a lesson (`published` or a draft) is reported.
    pub fn severity(self, published: bool) -> Severity {
        if self.strict && published {
            Severity::Error
        } else {
            Severity::Warning
        }
    }
}

/// What becomes of a lesson the strict rule refuses, said once per file,
/// in the same words by `lectern check` and sync.
pub const NOT_PUBLISHED: &str = "not published: a lesson may not go live with a link, image or prerequisite that leads nowhere, or a quiz with mistakes (strict_links); fix these or set draft = true (a version already live stays live meanwhile)";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slip_in_a_name_finds_the_file_meant() {
        let names = [
            "01-setup.md",
            "04-routes-and-data.md",
            "05-deploy.md",
            "_course.md",
        ];
        assert_eq!(
            nearest_name("backend-dev/04-routs-and-data.md", names),
            Some("04-routes-and-data.md")
        );
        assert_eq!(nearest_name("c/05-DEPLOY.md", names), Some("05-deploy.md"));
        assert_eq!(nearest_name("c/01-setpu.md", names), Some("01-setup.md"));
        // Nothing near enough: no guess.
        assert_eq!(nearest_name("c/09-something-else.md", names), None);
        assert_eq!(nearest_name("c/a.md", ["b.png"]), None);
        // A short name allows one edit only.
        assert_eq!(nearest_name("c/ab.md", ["ab.md", "xy.md"]), Some("ab.md"));
        assert_eq!(nearest_name("c/a.png", ["b.jpg"]), None);
    }

    #[test]
    fn ties_go_to_the_first_name_in_order() {
        assert_eq!(
            nearest_name("c/02-b.md", ["02-c.md", "02-a.md"]),
            Some("02-a.md")
        );
    }

    #[test]
    fn long_names_and_huge_folders_cost_a_bounded_amount() {
        let long = "x".repeat(10_000);
        assert_eq!(nearest_name(&long, [long.as_str()]), None);
        let many: Vec<String> = (0..100_000).map(|i| format!("{i:06}-lesson.md")).collect();
        // Only the first MAX_CANDIDATES are compared.
        assert_eq!(
            nearest_name("c/000001-lesson.md", many.iter().map(String::as_str)),
            Some("000001-lesson.md")
        );
        // 099999 is past them: the nearest of those compared is named.
        assert_eq!(
            nearest_name("c/099999-lesson.md", many.iter().map(String::as_str)),
            Some("000999-lesson.md")
        );
    }

    #[test]
    fn edit_distance_counts_edits_and_gives_up_past_the_limit() {
        let c = |s: &str| s.chars().collect::<Vec<_>>();
        assert_eq!(edit_distance(&c("kitten"), &c("sitting"), 3), Some(3));
        assert_eq!(edit_distance(&c("kitten"), &c("sitting"), 2), None);
        assert_eq!(edit_distance(&c(""), &c("ab"), 2), Some(2));
        assert_eq!(edit_distance(&c("same"), &c("same"), 0), Some(0));
    }

    #[test]
    fn the_policy_refuses_live_lessons_only_when_strict() {
        let strict = LinkPolicy::strict(true);
        let lenient = LinkPolicy::strict(false);
        assert!(strict.refuses(true, 1));
        assert!(!strict.refuses(false, 1), "a draft may hold problems");
        assert!(!strict.refuses(true, 0));
        assert!(!lenient.refuses(true, 3));
        assert_eq!(strict.severity(true), Severity::Error);
        assert_eq!(strict.severity(false), Severity::Warning);
        assert_eq!(lenient.severity(true), Severity::Warning);
    }
}
