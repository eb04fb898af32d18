//! Moving in from another tool: `lectern import mdbook|zola DIR`.
//!
//! Each source module ([`mdbook`], [`zola`]) reads its format into one
//! neutral model, a [`Source`]: courses of lessons with titles, order,
//! bodies, aliases and the files they sit beside, plus a [`Report`] of what
//! it could not carry over. This module turns that model into Lectern's
//! content format and writes it:
//!
//! 1. course slugs and lesson file names (`NN-slug.md`, in order) are fixed;
//! 2. every link and image is resolved against the source's files and old
//!    URLs and rewritten by byte range ([`links`]) to a relative lesson link
//!    or to a copy of the image beside the lessons; what cannot be resolved
//!    keeps its text, loses its link and is reported;
//! 3. the files are written only where their bytes differ, so a second run
//!    changes nothing; a file that differs from what the import would write
//!    (an author edited it since) is kept unless `overwrite` is set.
//!
//! Nothing here knows a source format, and nothing here touches a database.

pub mod mdbook;
pub mod zola;

mod links;
mod report;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use crate::content::scan::{MAX_ASSET_BYTES, MAX_MARKDOWN_BYTES};
use crate::markdown::slug;

pub use report::{Finding, Report};

use links::{Action, Kind};
use report::Lines;

/// Why an import could not start or finish. Problems with single files are
/// findings in the [`Report`], never errors.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The folder is not what the command expects; the message says why.
    #[error("{0}")]
    NotASource(String),
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
}

/// A book or site read into Lectern's terms. Every file is named by its
/// key: its path relative to `root`, with `/` separators.
#[derive(Debug, Default)]
pub struct Source {
    pub root: PathBuf,
    /// What kind of source this is, for messages ("book", "site").
    pub noun: &'static str,
    pub courses: Vec<Course>,
    pub links: LinkStyle,
    pub report: Report,
}

/// How a source writes the links the importer must resolve.
#[derive(Debug, Default, Clone)]
pub struct LinkStyle {
    /// `@/path` names the file `<at_root>/path` (Zola's internal links).
    pub at_root: Option<String>,
    /// `/path` names the file `<absolute_root>/path` when it is not the old
    /// URL of a page (Zola's static folder, mdBook's source folder).
    pub absolute_root: Option<String>,
    /// `page.html` names `page.md` (mdBook's output names).
    pub html_names_markdown: bool,
}

#[derive(Debug, Default, Clone)]
pub struct Course {
    /// The wanted slug; made valid and unique when planned.
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub weight: Option<i64>,
    /// The key of the file holding the course's own text, if any.
    pub source: Option<String>,
    pub body: String,
    /// The file line of the body's first line.
    pub body_line: usize,
    /// Files under this folder keep their place below the course folder
    /// (`content/blog/post/pic.png` → `blog/post/pic.png`).
    pub dir: String,
    /// The course's old URLs: links to them are resolved to the course.
    pub old_urls: Vec<String>,
    pub lessons: Vec<Lesson>,
    /// Files copied whether or not a text links them (a page bundle's files).
    pub assets: Vec<String>,
}

#[derive(Debug, Default, Clone)]
pub struct Lesson {
    pub source: String,
    pub title: String,
    /// The wanted slug; made valid and unique within the course when planned.
    pub slug: String,
    pub summary: String,
    pub draft: bool,
    pub tags: Vec<String>,
    pub updated: Option<NaiveDate>,
    /// Old URLs: links to them resolve here, and they become redirects.
    pub aliases: Vec<String>,
    pub body: String,
    pub body_line: usize,
}

/// What happened to one destination file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileState {
    Written,
    Unchanged,
    /// It exists with other bytes and was left alone (no `overwrite`).
    Kept,
}

/// The result of an import: each destination file with what happened to
/// it, the counts, and the report of what was not converted.
#[derive(Debug)]
pub struct Outcome {
    /// Destination paths relative to the content folder, in writing order.
    pub files: Vec<(String, FileState)>,
    /// The course folders written to.
    pub course_slugs: Vec<String>,
    pub lessons: usize,
    pub assets: usize,
    pub report: Report,
    /// Lesson files in the imported course folders that this import did not
    /// write: an earlier import's (the source was reordered or shortened
    /// since) or the author's own.
    pub others: Vec<String>,
}

impl Outcome {
    pub fn count(&self, state: FileState) -> usize {
        self.files.iter().filter(|(_, s)| *s == state).count()
    }
}

/// Converts `source` into Lectern's content format under `dest` (the
/// content folder).
pub fn write(source: Source, dest: &Path, overwrite: bool) -> Result<Outcome, ImportError> {
    let plan = plan(source);
    let mut files = Vec::with_capacity(plan.files.len());
    for out in &plan.files {
        let target = dest.join(&out.path);
        let new = match &out.data {
            Data::Text(text) => text.as_bytes().to_vec(),
            Data::Copy(from) => std::fs::read(from).map_err(|source| ImportError::Read {
                path: from.display().to_string(),
                source,
            })?,
        };
        let state = match std::fs::read(&target) {
            Ok(old) if old == new => FileState::Unchanged,
            Ok(_) if !overwrite => FileState::Kept,
            _ => {
                crate::content::export::write_atomically(&target, &new).map_err(|source| {
                    ImportError::Write {
                        path: target.display().to_string(),
                        source,
                    }
                })?;
                FileState::Written
            }
        };
        files.push((out.path.clone(), state));
    }
    let written: HashSet<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
    let mut others = Vec::new();
    for slug in &plan.course_slugs {
        let Ok(entries) = std::fs::read_dir(dest.join(slug)) else {
            continue;
        };
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| n.ends_with(".md") && !n.starts_with('.'))
            .map(|n| format!("{slug}/{n}"))
            .filter(|p| !written.contains(p.as_str()))
            .collect();
        names.sort();
        others.extend(names);
    }
    Ok(Outcome {
        files,
        course_slugs: plan.course_slugs,
        lessons: plan.lessons,
        assets: plan.assets,
        report: plan.report,
        others,
    })
}

/// A file to write, relative to the content folder.
#[derive(Debug)]
struct OutFile {
    path: String,
    data: Data,
}

#[derive(Debug)]
enum Data {
    Text(String),
    Copy(PathBuf),
}

#[derive(Debug)]
struct Plan {
    files: Vec<OutFile>,
    course_slugs: Vec<String>,
    lessons: usize,
    assets: usize,
    report: Report,
}

/// Where a page of the source lands: a course, and a lesson file in it
/// (`None`: the course's own page, `_course.md`).
#[derive(Debug, Clone)]
struct Target {
    course: usize,
    file: Option<String>,
}

/// Decides every destination file; reads the source only to see which
/// linked files exist.
fn plan(source: Source) -> Plan {
    let Source {
        root,
        noun,
        courses,
        links: style,
        mut report,
    } = source;

    // 1. Names.
    let mut taken_courses = HashSet::new();
    let course_slugs: Vec<String> = courses
        .iter()
        .map(|c| {
            let wanted = valid_slug(&c.slug, &c.title, "course", slug::validate_course);
            unique(wanted, &mut taken_courses)
        })
        .collect();
    let mut lesson_files: Vec<Vec<String>> = Vec::with_capacity(courses.len());
    for course in &courses {
        let width = course.lessons.len().to_string().len().max(2);
        let mut taken = HashSet::new();
        lesson_files.push(
            course
                .lessons
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    let wanted = valid_slug(&l.slug, &l.title, "lesson", slug::validate_lesson);
                    format!("{:0width$}-{}.md", i + 1, unique(wanted, &mut taken))
                })
                .collect(),
        );
    }

    // 2. Where each source page and old URL lands.
    let mut pages: HashMap<String, Target> = HashMap::new();
    let mut old_urls: HashMap<String, Target> = HashMap::new();
    let mut new_urls: HashSet<String> = HashSet::new();
    let mut own_urls: HashMap<String, String> = HashMap::new();
    for (ci, course) in courses.iter().enumerate() {
        let target = Target {
            course: ci,
            file: None,
        };
        if let Some(key) = &course.source {
            pages.insert(key.clone(), target.clone());
        }
        for url in &course.old_urls {
            old_urls.insert(normalise_url(url), target.clone());
        }
        if let (Some(key), Some(url)) = (&course.source, course.old_urls.first()) {
            own_urls.insert(key.clone(), normalise_url(url));
        }
        new_urls.insert(format!("/{}/", course_slugs[ci]));
        for (li, lesson) in course.lessons.iter().enumerate() {
            let target = Target {
                course: ci,
                file: Some(lesson_files[ci][li].clone()),
            };
            pages.insert(lesson.source.clone(), target.clone());
            for url in &lesson.aliases {
                old_urls.insert(normalise_url(url), target.clone());
            }
            if let Some(url) = lesson.aliases.first() {
                own_urls.insert(lesson.source.clone(), normalise_url(url));
            }
            new_urls.insert(lesson_url(&course_slugs[ci], &lesson_files[ci][li]));
        }
    }

    // 3. Texts, with their links resolved, and the files they use.
    let mut resolver = Resolver {
        root: &root,
        noun,
        style: &style,
        pages: &pages,
        old_urls: &old_urls,
        course_slugs: &course_slugs,
        copies: vec![BTreeMap::new(); courses.len()],
        copied: vec![HashMap::new(); courses.len()],
        dirs: courses.iter().map(|c| c.dir.clone()).collect(),
        refused: HashMap::new(),
        own_urls,
    };
    let mut files = Vec::new();
    let mut alias_owners: HashMap<String, String> = HashMap::new();
    let mut lesson_count = 0;
    for (ci, course) in courses.iter().enumerate() {
        let slug = &course_slugs[ci];
        let own_key = course.source.clone().unwrap_or_default();
        let body = resolver.text(ci, &own_key, &course.body, course.body_line, &mut report);
        files.push(OutFile {
            path: format!("{slug}/_course.md"),
            data: Data::Text(course_file(course, &body)),
        });
        let own_url = format!("/{slug}/");
        for url in &course.old_urls {
            if normalise_url(url) != own_url {
                if let Some(key) = &course.source {
                    report.add(
                        key,
                        None,
                        format!(
                            "the old address {url} is not kept as a redirect: Lectern keeps old addresses for lessons only, and this is now the course page {own_url}"
                        ),
                    );
                }
            }
        }
        for key in &course.assets {
            resolver.copy(ci, key, None, &mut report);
        }
        for (li, lesson) in course.lessons.iter().enumerate() {
            let (body, body_line) =
                without_title_heading(&lesson.body, lesson.body_line, &lesson.title);
            let body = resolver.text(ci, &lesson.source, body, body_line, &mut report);
            let url = lesson_url(slug, &lesson_files[ci][li]);
            let aliases = kept_aliases(lesson, &url, &new_urls, &mut alias_owners, &mut report);
            if body.len() as u64 > MAX_MARKDOWN_BYTES {
                report.add(
                    &lesson.source,
                    None,
                    format!(
                        "the text is larger than Lectern's limit of {} KiB for a lesson; split it into several lessons",
                        MAX_MARKDOWN_BYTES / 1024
                    ),
                );
            }
            files.push(OutFile {
                path: format!("{slug}/{}", lesson_files[ci][li]),
                data: Data::Text(lesson_file(lesson, &aliases, &body)),
            });
            lesson_count += 1;
        }
    }
    let mut assets = 0;
    for (ci, copies) in resolver.copies.iter().enumerate() {
        for (dest, key) in copies {
            files.push(OutFile {
                path: format!("{}/{dest}", course_slugs[ci]),
                data: Data::Copy(root.join(key)),
            });
            assets += 1;
        }
    }
    Plan {
        files,
        course_slugs,
        lessons: lesson_count,
        assets,
        report,
    }
}

/// Resolves the links of every text against the source's pages and files,
/// and gathers the files each course must receive.
struct Resolver<'a> {
    root: &'a Path,
    noun: &'static str,
    style: &'a LinkStyle,
    pages: &'a HashMap<String, Target>,
    old_urls: &'a HashMap<String, Target>,
    course_slugs: &'a [String],
    /// Per course: destination below the course folder → source key.
    copies: Vec<BTreeMap<String, String>>,
    /// Per course: source key → destination, the other way round.
    copied: Vec<HashMap<String, String>>,
    /// Per course: the source folder whose files keep their place.
    dirs: Vec<String>,
    /// Keys found unusable, with the reason, so each is checked once.
    refused: HashMap<String, Option<String>>,
    /// Each page's first old URL, by key, for links written as old URLs.
    own_urls: HashMap<String, String>,
}

impl Resolver<'_> {
    /// `body` (of the file `key`, starting on file line `first_line`) with
    /// its links rewritten for course `ci`.
    fn text(
        &mut self,
        ci: usize,
        key: &str,
        body: &str,
        first_line: usize,
        report: &mut Report,
    ) -> String {
        let lines = Lines::new(body, first_line);
        let base = key.rsplit_once('/').map_or("", |(dir, _)| dir);
        let out = links::rewrite(body, &mut |dest, kind, at| {
            let line = Some(lines.line_of(at));
            self.decide(ci, key, base, dest, kind, line, report)
        });
        for (at, value) in out.html_refs {
            report.add(
                key,
                Some(lines.line_of(at)),
                format!(
                    "“{value}” in raw HTML is left as it is: write it as a markdown link or image so the import can carry it over"
                ),
            );
        }
        out.text
    }

    #[allow(clippy::too_many_arguments)]
    fn decide(
        &mut self,
        ci: usize,
        key: &str,
        base: &str,
        dest: &str,
        kind: Kind,
        line: Option<usize>,
        report: &mut Report,
    ) -> Action {
        let (path, fragment) = match dest.split_once('#') {
            Some((p, f)) => (p, Some(f)),
            None => (dest, None),
        };
        let path = path.split('?').next().unwrap_or(path);
        if path.is_empty() {
            return Action::Keep;
        }
        let with_fragment = |mut url: String| {
            if let Some(f) = fragment {
                url.push('#');
                url.push_str(f);
            }
            url
        };

        // `@/path`: a file of the source, named from its content folder.
        if let (Some(at_root), Some(rest)) = (&self.style.at_root, path.strip_prefix("@/")) {
            let full = join(at_root, &percent_decoded(rest));
            return match full.as_deref().and_then(|f| self.pages.get(f)) {
                Some(target) => Action::Replace(with_fragment(self.link_to(ci, target))),
                None => {
                    report.add(key, line, format!("the link to {dest} leads to no page of the {}; its text is kept without the link", self.noun));
                    Action::Unlink
                }
            };
        }
        if path.starts_with("//") || (!is_relative(path) && !path.starts_with('/')) {
            return Action::Keep; // another site, or mailto: and the like
        }
        if path.starts_with('/') {
            if let Some(target) = self.old_urls.get(&normalise_url(path)) {
                return Action::Replace(with_fragment(self.link_to(ci, target)));
            }
            if let Some(full) = self
                .style
                .absolute_root
                .as_deref()
                .and_then(|r| join(r, &percent_decoded(path.trim_start_matches('/'))))
            {
                if let Some(target) = self.pages.get(&full) {
                    return Action::Replace(with_fragment(self.link_to(ci, target)));
                }
                if self.exists(&full) {
                    return self.copy_action(ci, key, &full, line, report);
                }
            }
            report.add(
                key,
                line,
                format!(
                    "the address {path} is not a page or file of the {}; it is left as it is",
                    self.noun
                ),
            );
            return Action::Keep;
        }

        let Some(full) = join(base, &percent_decoded(path)) else {
            report.add(
                key,
                line,
                match kind {
                    Kind::Link => format!(
                        "the link to {dest} leads outside the {}; its text is kept without the link",
                        self.noun
                    ),
                    Kind::Image => format!(
                        "the image {dest} is outside the {}; its description is kept instead",
                        self.noun
                    ),
                },
            );
            return Action::Unlink;
        };
        if let Some(target) = self.page_at(&full) {
            return Action::Replace(with_fragment(self.link_to(ci, &target)));
        }
        let exists = self.exists(&full);
        if kind == Kind::Link && !exists {
            if let Some(target) = self.old_page(key, path) {
                return Action::Replace(with_fragment(self.link_to(ci, &target)));
            }
        }
        if exists && full.ends_with(".md") {
            report.add(key, line, format!("the link to {dest} leads to a page that was not imported; its text is kept without the link"));
            return Action::Unlink;
        }
        if exists {
            return self.copy_action(ci, key, &full, line, report);
        }
        let message = match kind {
            Kind::Link => format!(
                "the link to {dest} leads to nothing in the {}; its text is kept without the link",
                self.noun
            ),
            Kind::Image => format!(
                "the image {dest} does not exist in the {}; its description is kept instead",
                self.noun
            ),
        };
        report.add(key, line, message);
        Action::Unlink
    }

    /// The page a source path names: the file itself, its `.md` when the
    /// source links output names, or a folder's index page.
    fn page_at(&self, full: &str) -> Option<Target> {
        if let Some(t) = self.pages.get(full) {
            return Some(t.clone());
        }
        if self.style.html_names_markdown {
            if let Some(stem) = full.strip_suffix(".html") {
                let md = if stem == "index" || stem.ends_with("/index") {
                    format!("{}README.md", &stem[..stem.len() - 5])
                } else {
                    format!("{stem}.md")
                };
                if let Some(t) = self
                    .pages
                    .get(&md)
                    .or_else(|| self.pages.get(&format!("{stem}.md")))
                {
                    return Some(t.clone());
                }
            }
        }
        let dir = full.trim_end_matches('/');
        ["index.md", "_index.md", "README.md"]
            .iter()
            .find_map(|name| self.pages.get(&format!("{dir}/{name}")))
            .cloned()
    }

    /// A relative address written as a URL of the old site (`../other/`),
    /// resolved against the old URL of the page it is in.
    fn old_page(&self, key: &str, path: &str) -> Option<Target> {
        let here = self.own_urls.get(key)?;
        let dir = if here.ends_with('/') {
            here.as_str()
        } else {
            here.rsplit_once('/').map_or("", |(d, _)| d)
        };
        let full = join(dir.trim_start_matches('/'), path)?;
        self.old_urls.get(&normalise_url(&full)).cloned()
    }

    /// The relative link from a file of course `from` to `target`.
    fn link_to(&self, from: usize, target: &Target) -> String {
        let file = target.file.as_deref().unwrap_or("_course.md");
        if target.course == from {
            file.to_string()
        } else {
            format!("../{}/{file}", self.course_slugs[target.course])
        }
    }

    fn exists(&self, key: &str) -> bool {
        std::fs::symlink_metadata(self.root.join(key)).is_ok()
    }

    fn copy_action(
        &mut self,
        ci: usize,
        key: &str,
        full: &str,
        line: Option<usize>,
        report: &mut Report,
    ) -> Action {
        match self.copy(ci, full, Some((key, line)), report) {
            Some(dest) => Action::Replace(dest),
            None => Action::Unlink,
        }
    }

    /// Adds the file `full` to course `ci`'s copies and returns its path
    /// below the course folder; `None` (reported) when it may not be copied.
    fn copy(
        &mut self,
        ci: usize,
        full: &str,
        linked_from: Option<(&str, Option<usize>)>,
        report: &mut Report,
    ) -> Option<String> {
        if let Some(dest) = self.copied[ci].get(full) {
            return Some(dest.clone());
        }
        let refusal = match self.refused.get(full) {
            Some(r) => r.clone(),
            None => {
                let r = self.refusal(full);
                self.refused.insert(full.to_string(), r.clone());
                r
            }
        };
        if let Some(why) = refusal {
            let (file, line) = linked_from.unwrap_or((full, None));
            report.add(file, line, format!("{full} is not copied: {why}"));
            return None;
        }
        // A file under the course's folder keeps its place below it; one
        // named from the site's root (a static folder) loses that root.
        let dir = self.dirs[ci].as_str();
        let root = self.style.absolute_root.as_deref().map(|r| format!("{r}/"));
        let rel = [Some(dir), root.as_deref()]
            .into_iter()
            .flatten()
            .filter(|prefix| !prefix.is_empty())
            .find_map(|prefix| full.strip_prefix(prefix).filter(|r| !r.is_empty()))
            .unwrap_or(full);
        let mut dest: String = rel.split('/').map(safe_name).collect::<Vec<_>>().join("/");
        let mut n = 2;
        while self.copies[ci].contains_key(&dest) {
            dest = numbered(&dest, n);
            n += 1;
        }
        self.copies[ci].insert(dest.clone(), full.to_string());
        self.copied[ci].insert(full.to_string(), dest.clone());
        Some(dest)
    }

    /// Why a file may not be copied, if it may not: Lectern publishes only
    /// regular, visible files within its size limit, and never markdown as an asset.
    fn refusal(&self, full: &str) -> Option<String> {
        if full.split('/').any(|p| p.starts_with('.')) {
            return Some("hidden files (names starting with a dot) are never published".into());
        }
        if full.ends_with(".md") {
            return Some("it is markdown that is not a page of the import".into());
        }
        if let Some(why) = unreadable(self.root, full) {
            return Some(why);
        }
        let at = self.root.join(full);
        match std::fs::metadata(&at) {
            Ok(m) if !m.is_file() => Some("it is a folder, not a file".into()),
            Ok(m) if m.len() > MAX_ASSET_BYTES => Some(format!(
                "it is larger than Lectern's {} MiB limit for images and downloads",
                MAX_ASSET_BYTES >> 20
            )),
            Ok(_) => None,
            Err(e) => Some(format!("it cannot be read ({e})")),
        }
    }
}

/// The aliases of a lesson Lectern can keep: plain paths, not its own new
/// address or another page's, each claimed once. The others are reported.
fn kept_aliases(
    lesson: &Lesson,
    own_url: &str,
    new_urls: &HashSet<String>,
    owners: &mut HashMap<String, String>,
    report: &mut Report,
) -> Vec<String> {
    let mut kept = Vec::new();
    // `a/index.html` is kept as it is and as its folder, `a/`: both were
    // addresses of the old page.
    let candidates = lesson.aliases.iter().flat_map(|alias| {
        let path = alias.split(['#', '?']).next().unwrap_or(alias);
        let folder = path
            .strip_suffix("index.html")
            .map(normalise_url)
            .filter(|f| f != "/");
        std::iter::once((alias, crate::db::redirects::normalise(path)))
            .chain(folder.map(|f| (alias, f)))
    });
    for (alias, path) in candidates {
        if path == own_url || kept.contains(&path) {
            continue;
        }
        let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
        let problem =
            if path.contains("..") || path.contains(['\\', '?', '#', ' ']) || path.len() > 400 {
                Some("it is not a plain path".to_string())
            } else if path == "/" || slug::RESERVED_COURSE_SLUGS.contains(&first) {
                Some("Lectern uses that address itself".to_string())
            } else if new_urls.contains(&path) {
                Some("it is the address of another imported page".to_string())
            } else {
                owners
                    .get(&path)
                    .map(|owner| format!("{owner} claims it already"))
            };
        match problem {
            Some(problem) => report.add(
                &lesson.source,
                None,
                format!("the old address {alias} is not kept as a redirect: {problem}"),
            ),
            None => {
                owners.insert(path.clone(), lesson.source.clone());
                kept.push(path);
            }
        }
    }
    kept
}

/// A lesson's file: TOML front matter in Lectern's format, then the body.
fn lesson_file(lesson: &Lesson, aliases: &[String], body: &str) -> String {
    let mut fm = String::new();
    field(&mut fm, "title", &toml_string(&fitted_title(&lesson.title)));
    if !lesson.summary.trim().is_empty() {
        field(&mut fm, "summary", &toml_string(lesson.summary.trim()));
    }
    if lesson.draft {
        field(&mut fm, "draft", "true");
    }
    if !lesson.tags.is_empty() {
        field(&mut fm, "tags", &toml_list(&lesson.tags));
    }
    if let Some(date) = lesson.updated {
        field(&mut fm, "updated", &date.format("%Y-%m-%d").to_string());
    }
    if !aliases.is_empty() {
        field(&mut fm, "aliases", &toml_list(aliases));
    }
    with_body(fm, body)
}

fn course_file(course: &Course, body: &str) -> String {
    let mut fm = String::new();
    field(&mut fm, "title", &toml_string(&fitted_title(&course.title)));
    if !course.summary.trim().is_empty() {
        field(&mut fm, "summary", &toml_string(course.summary.trim()));
    }
    if let Some(weight) = course.weight {
        field(&mut fm, "weight", &weight.to_string());
    }
    with_body(fm, body)
}

fn field(fm: &mut String, name: &str, value: &str) {
    fm.push_str(name);
    fm.push_str(" = ");
    fm.push_str(value);
    fm.push('\n');
}

fn with_body(fm: String, body: &str) -> String {
    let body = body.trim_start_matches(['\n', '\r']).trim_end();
    if body.is_empty() {
        format!("+++\n{fm}+++\n")
    } else {
        format!("+++\n{fm}+++\n\n{body}\n")
    }
}

fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn toml_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| toml_string(s)).collect();
    format!("[{}]", quoted.join(", "))
}

/// Lectern's titles are one line of at most 300 characters.
fn fitted_title(title: &str) -> String {
    let one_line = title.split_whitespace().collect::<Vec<_>>().join(" ");
    let one_line = if one_line.is_empty() {
        "Untitled".to_string()
    } else {
        one_line
    };
    one_line
        .chars()
        .take(crate::markdown::front_matter_title_limit())
        .collect()
}

/// Drops a first `# Heading` that repeats the title: Lectern shows the
/// title above the text already. Returns the body and its first file line.
fn without_title_heading<'b>(body: &'b str, first_line: usize, title: &str) -> (&'b str, usize) {
    let start = body.len() - body.trim_start_matches(['\n', '\r', ' ']).len();
    let start = body[..start].rfind('\n').map_or(0, |i| i + 1);
    let rest = &body[start..];
    let line_end = rest.find('\n').map_or(rest.len(), |i| i + 1);
    let heading = rest[..line_end].trim();
    let Some(text) = heading.strip_prefix("# ") else {
        return (body, first_line);
    };
    let text = text.trim().trim_end_matches('#').trim();
    if !text.eq_ignore_ascii_case(title.trim()) {
        return (body, first_line);
    }
    let cut = start + line_end;
    let skipped = body[..cut].bytes().filter(|b| *b == b'\n').count();
    (&body[cut..], first_line + skipped)
}

/// A slug Lectern accepts, from the wanted one, else the title, else a
/// placeholder named after what it is.
fn valid_slug(
    wanted: &str,
    title: &str,
    what: &str,
    validate: fn(&str) -> Result<(), String>,
) -> String {
    for candidate in [ascii_slug(wanted), ascii_slug(title)] {
        if !candidate.is_empty() && validate(&candidate).is_ok() {
            return candidate;
        }
        let suffixed = format!("{candidate}-{what}");
        if !candidate.is_empty() && validate(&suffixed).is_ok() {
            return suffixed;
        }
    }
    what.to_string()
}

/// Lowercase ASCII letters and digits joined by single hyphens, at most
/// 80 characters (cut at a hyphen when it can be).
pub(crate) fn ascii_slug(text: &str) -> String {
    let mut out = String::new();
    let mut hyphen = false;
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            if hyphen && !out.is_empty() {
                out.push('-');
            }
            hyphen = false;
            out.push(c.to_ascii_lowercase());
        } else if c != '\'' && c != '’' {
            hyphen = true;
        }
    }
    if out.len() > 80 {
        out.truncate(80);
        if let Some(i) = out.rfind('-') {
            out.truncate(i);
        }
    }
    out
}

/// `wanted`, or `wanted-2`, `wanted-3`… when taken.
fn unique(wanted: String, taken: &mut HashSet<String>) -> String {
    let mut slug = wanted.clone();
    let mut n = 2;
    while !taken.insert(slug.clone()) {
        slug = format!("{wanted}-{n}");
        n += 1;
    }
    slug
}

/// `a/b.png` → `a/b-2.png`.
fn numbered(path: &str, n: usize) -> String {
    let (dir, name) = path.rsplit_once('/').map_or(("", path), |(d, n)| (d, n));
    let name = match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => format!("{stem}-{n}.{ext}"),
        _ => format!("{name}-{n}"),
    };
    if dir.is_empty() {
        name
    } else {
        format!("{dir}/{name}")
    }
}

/// A file or folder name Lectern serves and markdown links without quoting:
/// ASCII letters, digits, `.`, `_` and `-`, not starting with a dot.
fn safe_name(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect();
    if out.starts_with('.') {
        out.replace_range(..1, "-");
    }
    out
}

/// The site address of a lesson file in a course.
fn lesson_url(course: &str, file: &str) -> String {
    let stem = file.trim_end_matches(".md");
    let slug = stem.split_once('-').map_or(stem, |(_, s)| s);
    format!("/{course}/{slug}/")
}

/// An old address as a path compared with others: a leading `/`, a
/// trailing `/` unless the last part names a file (as Lectern's redirects
/// store them), no `index.html`.
fn normalise_url(url: &str) -> String {
    let path = url.split(['#', '?']).next().unwrap_or(url);
    let path = path.strip_suffix("index.html").unwrap_or(path);
    crate::db::redirects::normalise(path)
}

/// Joins a relative path onto a folder, resolving `.` and `..`; `None` when
/// it climbs out of the root (the same rule as links in lessons).
fn join(base: &str, rel: &str) -> Option<String> {
    crate::markdown::join_relative(base, rel)
}

/// `%20` and the like decoded; a malformed escape stays as written.
fn percent_decoded(s: &str) -> String {
    if !s.contains('%') {
        return s.to_string();
    }
    let hex = |b: u8| (b as char).to_digit(16);
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

/// A reference is relative when it has no scheme, is not root- or
/// protocol-relative and is not a bare fragment.
pub(crate) fn is_relative(dest: &str) -> bool {
    if dest.is_empty() || dest.starts_with(['#', '/', '\\']) {
        return false;
    }
    let scheme_end =
        dest.find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')));
    !matches!(scheme_end, Some(i) if i > 0 && dest[i..].starts_with(':'))
}

/// The files of a folder, recursively, as keys below `prefix`, sorted;
/// hidden names and symbolic links are left out (and returned apart).
pub(crate) fn walk(root: &Path, prefix: &str) -> Result<Vec<String>, ImportError> {
    let mut out = Vec::new();
    let mut stack = vec![prefix.trim_end_matches('/').to_string()];
    while let Some(dir) = stack.pop() {
        let abs = root.join(&dir);
        let read = std::fs::read_dir(&abs).map_err(|source| ImportError::Read {
            path: abs.display().to_string(),
            source,
        })?;
        let mut names: Vec<(String, bool)> = read
            .filter_map(Result::ok)
            .filter_map(|e| {
                let name = e.file_name().to_str()?.to_string();
                let kind = e.file_type().ok()?;
                (!name.starts_with('.') && !kind.is_symlink()).then_some((name, kind.is_dir()))
            })
            .collect();
        names.sort();
        for (name, is_dir) in names.into_iter().rev() {
            let key = if dir.is_empty() {
                name
            } else {
                format!("{dir}/{name}")
            };
            if is_dir {
                stack.push(key);
            } else {
                out.push(key);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Why the file `key` may not be read, if it may not: a part of its path
/// is a symbolic link (nothing is read from outside the source folder,
/// whatever a link points at) or does not exist.
fn unreadable(root: &Path, key: &str) -> Option<String> {
    let mut at = root.to_path_buf();
    for part in key.split('/') {
        at.push(part);
        match std::fs::symlink_metadata(&at) {
            Ok(m) if m.file_type().is_symlink() => {
                return Some(
                    "it is reached through a symbolic link, which the import does not follow"
                        .into(),
                )
            }
            Ok(_) => {}
            Err(_) => return Some("the file does not exist".into()),
        }
    }
    None
}

/// Reads a source file as text, or says why it cannot be used: reached
/// through a link, missing, larger than a lesson may be, or not UTF-8.
pub(crate) fn read_text(root: &Path, key: &str) -> Result<String, String> {
    use std::io::Read;
    if let Some(why) = unreadable(root, key) {
        return Err(why);
    }
    let mut bytes = Vec::new();
    std::fs::File::open(root.join(key))
        .and_then(|f| f.take(MAX_MARKDOWN_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| format!("the file cannot be read ({e})"))?;
    if bytes.len() as u64 > MAX_MARKDOWN_BYTES {
        return Err(format!(
            "the file is larger than Lectern's limit of {} KiB for a lesson; split it into several files first",
            MAX_MARKDOWN_BYTES / 1024
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        let line = 1 + e.as_bytes()[..e.utf8_error().valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        format!("the file is not valid UTF-8 (from line {line})")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_made_valid_and_unique() {
        assert_eq!(
            ascii_slug("Chapter_1: Hello, World!"),
            "chapter-1-hello-world"
        );
        assert_eq!(ascii_slug("Ünïcode"), "n-code");
        assert_eq!(
            valid_slug("admin", "Admin", "course", slug::validate_course),
            "admin-course"
        );
        assert_eq!(
            valid_slug("all", "All", "lesson", slug::validate_lesson),
            "all-lesson"
        );
        assert_eq!(
            valid_slug("", "", "lesson", slug::validate_lesson),
            "lesson"
        );
        let mut taken = HashSet::new();
        assert_eq!(unique("a".into(), &mut taken), "a");
        assert_eq!(unique("a".into(), &mut taken), "a-2");
    }

    #[test]
    fn a_heading_repeating_the_title_is_dropped_with_its_lines_counted() {
        let (body, line) = without_title_heading("\n# Intro\n\nText\n", 1, "Intro");
        assert_eq!((body, line), ("\nText\n", 3));
        let (body, line) = without_title_heading("# Other\nText\n", 4, "Intro");
        assert_eq!((body, line), ("# Other\nText\n", 4));
    }

    #[test]
    fn old_addresses_compare_as_lectern_stores_them() {
        assert_eq!(normalise_url("blog/post"), "/blog/post/");
        assert_eq!(normalise_url("/guide/index.html"), "/guide/");
        assert_eq!(normalise_url("/guide/a.html#x"), "/guide/a.html");
    }

    #[test]
    fn sources_are_read_only_inside_the_folder_and_within_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret.md"), "secret").unwrap();
        std::fs::create_dir(dir.path().join("src")).unwrap();
        std::os::unix::fs::symlink(
            outside.path().join("secret.md"),
            dir.path().join("src/a.md"),
        )
        .unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("src/linked")).unwrap();
        std::fs::write(outside.path().join("b.md"), "b").unwrap();
        std::fs::write(
            dir.path().join("src/big.md"),
            "x".repeat(MAX_MARKDOWN_BYTES as usize + 1),
        )
        .unwrap();
        std::fs::write(dir.path().join("src/ok.md"), "fine").unwrap();
        for (key, why) in [
            ("src/a.md", "symbolic link"),
            ("src/linked/b.md", "symbolic link"),
            ("src/big.md", "larger than"),
            ("src/none.md", "does not exist"),
        ] {
            let err = read_text(dir.path(), key).unwrap_err();
            assert!(err.contains(why), "{key}: {err}");
        }
        assert_eq!(read_text(dir.path(), "src/ok.md").unwrap(), "fine");
    }

    #[test]
    fn copied_names_are_plain() {
        assert_eq!(safe_name("my pic (1).png"), "my-pic--1-.png");
        assert_eq!(safe_name(".hidden"), "-hidden");
        assert_eq!(numbered("img/a.png", 2), "img/a-2.png");
        assert_eq!(percent_decoded("a%20b.png"), "a b.png");
        assert_eq!(percent_decoded("100%"), "100%");
    }

    #[test]
    fn front_matter_is_written_in_lectern_format() {
        let lesson = Lesson {
            title: "Say \"hi\"".into(),
            summary: "Short".into(),
            draft: true,
            tags: vec!["a".into()],
            updated: NaiveDate::from_ymd_opt(2024, 1, 5),
            ..Default::default()
        };
        let text = lesson_file(&lesson, &["/old/".to_string()], "\n\nBody");
        assert_eq!(
            text,
            "+++\ntitle = 'Say \"hi\"'\nsummary = \"Short\"\ndraft = true\ntags = [\"a\"]\nupdated = 2024-01-05\naliases = [\"/old/\"]\n+++\n\nBody\n"
        );
        let doc = crate::markdown::split_document(&text).unwrap();
        assert_eq!(doc.meta.title, "Say \"hi\"");
        assert!(doc.warnings.is_empty());
    }
}
