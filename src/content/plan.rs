//! Deciding, file by file, what a sync will do (DESIGN §6), and finding every
//! problem `check` reports. Pure: it reads the scanned tree and what the
//! database already holds, and returns actions; `sync` applies them.
//!
//! An unchanged file (same hash as last applied) is not parsed or rendered.
//! Changed files are parsed first (their slugs make the link map), then
//! rendered against the map, so links between lessons become site URLs.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::Utc;
use rayon::prelude::*;

use crate::base::merge;
use crate::db::courses::{Course, CourseFields};
use crate::db::entity::Status;
use crate::db::lessons::{LessonFields, ShownFields, StoredRender, SyncIndexRow};
use crate::db::redirects;
use crate::markdown::{self, slug, LessonRef};

use super::links::{self, LinkMap, LinkPolicy};
use super::parse::{parse_course, parse_lesson, Parsed};
use super::scan::{LessonFile, Tree, COURSE_FILE};
use super::{content_hash, Diagnostic};

/// What the database holds, as far as sync needs to know.
#[derive(Debug, Default)]
pub struct Known {
    pub courses: Vec<Course>,
    pub lessons: Vec<SyncIndexRow>,
    /// The hashes of stored media, so `/media/…` addresses in files are
    /// checked as the admin's save checks them (`None`: not known, as for
    /// `lectern check`, which reads no database).
    pub media: Option<std::collections::HashSet<String>>,
    /// For lessons with admin edits not yet exported whose file changed:
    /// the texts a merge with the file needs, by lesson id.
    pub admin_edits: HashMap<i32, AdminEdit>,
    /// Course folders a resync leaves out (applied and unchanged since, see
    /// `db::folder_marks`), whose course pages links may still name.
    pub other_courses: Vec<String>,
    /// Lessons of such folders that links may name: (file path, course
    /// folder, slug), as the link map holds them.
    pub other_lessons: Vec<(String, String, String)>,
}

/// The note of the revision that keeps a file's own text beside the version
/// its merge with admin edits made.
pub const FILE_TEXT_KEPT: &str =
    "the file's own text at this sync, merged with the admin's edits into this version";

/// A lesson edited in the admin since its file was last synced.
#[derive(Debug, Clone)]
pub struct AdminEdit {
    /// The text as last synced (the common start of both edits), with its
    /// fields when the revision kept them; `None` when no revision holds it.
    pub base: Option<merge::Parts>,
    /// The admin's live text and fields.
    pub live: merge::Parts,
}

#[derive(Debug)]
pub enum CourseAction {
    Create(CourseFields),
    Update { id: i32, fields: CourseFields },
    Archive { id: i32 },
}

#[derive(Debug)]
pub enum LessonAction {
    Create {
        course: String,
        fields: LessonFields,
        /// Old URLs (front matter `aliases`, normalised) that redirect here.
        aliases: Vec<String>,
    },
    /// Replace the content of lesson `id` (at `version`); `note` says why.
    Update {
        id: i32,
        version: i32,
        fields: LessonFields,
        note: String,
        aliases: Vec<String>,
        /// The lesson's URL before this change, when its slug changed.
        moved_from: Option<String>,
        /// When the file's text was merged with admin edits: the file's own
        /// text, kept as a revision (the base of the next merge).
        file_text: Option<merge::Parts>,
    },
    Archive {
        id: i32,
        version: i32,
    },
    /// The file changed but so did the lesson, in the admin: keep the live
    /// text, store the file's text as a conflict revision for a person.
    Conflict {
        id: i32,
        version: i32,
        fields: LessonFields,
    },
}

#[derive(Debug, Default)]
pub struct Plan {
    /// (file path, action)
    pub courses: Vec<(String, CourseAction)>,
    pub lessons: Vec<(String, LessonAction)>,
    /// Files whose hash matches what was last applied.
    pub unchanged: usize,
    /// Asset paths referenced by rendered bodies (to store as media).
    pub used_assets: BTreeSet<String>,
    pub diagnostics: Vec<Diagnostic>,
    pub course_count: usize,
    pub lesson_count: usize,
    /// The course folders whose pages and files the rendered texts asked
    /// the link map about (see [`LinkMap::asked_folders`]).
    pub asked_folders: BTreeSet<String>,
}

impl Plan {
    pub fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }
}

struct CourseWork<'t> {
    slug: &'t str,
    /// The existing row, if any.
    row: Option<&'t Course>,
    /// Parsed `_course.md` when it changed.
    parsed: Option<Parsed>,
}

/// A changed lesson file waiting to be rendered: small, so that a cold
/// sync of many thousands of files keeps only these between its passes,
/// never every file's text (issue 20).
struct Pending<'t> {
    file: &'t LessonFile,
    row: Option<&'t SyncIndexRow>,
    course: &'t str,
    course_id: Option<i32>,
    /// The slug its front matter (or name) gave when the link map was made.
    slug: String,
}

/// Lesson files rendered together (in parallel) by [`Planner::next_batch`]:
/// enough to keep both cores busy, few enough that a batch's texts and
/// renderings stay a few megabytes.
pub const LESSON_BATCH: usize = 200;

/// A plan made in steps, so that sync can write each batch of rendered
/// lessons before the next is rendered: [`Planner::start`] decides the
/// courses and the link map, [`Planner::next_batch`] renders and decides
/// the next changed lesson files, [`Planner::finish`] the files that are
/// gone. [`plan`] runs all three.
pub struct Planner<'t> {
    tree: &'t Tree,
    known: &'t Known,
    links: LinkPolicy,
    map: LinkMap<'t>,
    lessons_by_slug: HashMap<(i32, &'t str), &'t SyncIndexRow>,
    present: HashSet<&'t str>,
    adopted: HashSet<&'t str>,
    alias_owners: HashMap<String, String>,
    /// Changed lesson files, those of known lessons first (see `start`);
    /// `next` is the first not yet planned.
    pending: Vec<Pending<'t>>,
    next: usize,
}

/// Where a person settles a lesson edited both in the admin and in its file.
/// Export leaves a lesson with an open conflict alone, so the admin is the
/// one way out: its editor links to the page that compares the two texts.
pub fn lesson_conflict_message(id: i32) -> String {
    format!(
        "conflict: this lesson was edited in the admin and in this file; the admin's text stays live and the file's text is kept beside it. \
         To resolve it, open /admin/lessons/{id}/edit and follow “Compare and resolve” to choose a text"
    )
}

/// Where a person settles a course edited both in the admin and in its file.
/// Courses keep no conflict revision, and export leaves a file sync has not
/// read alone, so the way out is to make the two texts agree; either way
/// the next sync takes it.
pub fn course_conflict_message(id: i32) -> String {
    format!(
        "conflict: the course was edited in the admin and in this file; the admin's text stays live. \
         To resolve it, make the two agree: edit the course at /admin/courses/{id}/edit to match this file, \
         or copy the admin's title, summary and text into this file; the next sync then takes it"
    )
}

/// Plans a sync of `tree` over `known`. What a lesson with broken links or
/// images (or quiz mistakes) becomes follows `links`, for `check` and sync
/// alike: under the strict rule a live one is not applied and its problems
/// are errors; otherwise it is applied and they are warnings.
pub fn plan(tree: &Tree, known: &Known, links: LinkPolicy) -> Plan {
    let (mut plan, mut planner) = Planner::start(tree, known, links);
    while let Some(batch) = planner.next_batch(LESSON_BATCH, &mut plan.diagnostics) {
        plan.lessons.extend(batch);
    }
    planner.finish(&mut plan);
    plan
}

/// The course folders a plan of `tree` over `known` asks the link map
/// about (see [`Plan::asked_folders`]); the plan itself is let go a batch
/// at a time.
pub fn folders_asked(tree: &Tree, known: &Known, links: LinkPolicy) -> BTreeSet<String> {
    let (mut plan, mut planner) = Planner::start(tree, known, links);
    while planner
        .next_batch(LESSON_BATCH, &mut plan.diagnostics)
        .is_some()
    {
        plan.diagnostics.clear();
    }
    planner.finish(&mut plan);
    plan.asked_folders
}

/// How many files are unchanged when the content folder is, file for file,
/// what the database last applied, so that nothing is to be planned: every
/// course folder has a valid name and a course file with the hash its
/// course holds, every lesson file the hash its lesson holds, and no live
/// lesson or course has lost its file. `None` when anything else is so:
/// then [`plan`] decides (and reports) file by file.
///
/// This is what a resync with nothing changed costs instead of planning:
/// [`Planner::start`] puts every lesson on the link map (a few KB each,
/// about 300 MB and seconds at 100,000 lessons, issue 20), which only the
/// rendering of a changed file needs.
pub fn nothing_to_apply(tree: &Tree, known: &Known) -> Option<usize> {
    if !tree.unusable.is_empty() {
        return None;
    }
    if applied_folders(tree, known)
        .values()
        .any(|applied| !applied)
    {
        return None;
    }
    Some(tree.courses.iter().map(|dir| 1 + dir.lessons.len()).sum())
}

/// [`nothing_to_apply`] folder by folder: for each course folder of `tree`
/// and each folder named by a row of `known` (a lesson's file, a course),
/// whether it is what the database last applied: a valid name, a course
/// file with the hash its course holds, every lesson file the hash its
/// lesson holds, no file that cannot be read, and no live lesson or course
/// of it whose file is gone. A resync plans only the folders that are not
/// (or changed since, see `db::folder_marks`).
pub fn applied_folders<'t>(tree: &'t Tree, known: &'t Known) -> HashMap<&'t str, bool> {
    let course_hashes: HashMap<&str, Option<&str>> = known
        .courses
        .iter()
        .map(|c| (c.slug.as_str(), c.source_hash.as_deref()))
        .collect();
    let lesson_hashes: HashMap<&str, Option<&str>> = known
        .lessons
        .iter()
        .filter_map(|l| Some((l.source_path.as_deref()?, l.source_hash.as_deref())))
        .collect();
    let mut applied: HashMap<&str, bool> = HashMap::new();
    for dir in &tree.courses {
        let same = |file: &super::scan::SourceFile, stored: Option<&Option<&str>>| {
            stored == Some(&Some(file.hash.as_str()))
        };
        let ok = dir.course_file.as_ref().is_some_and(|file| {
            slug::validate_course(&dir.slug).is_ok()
                && same(file, course_hashes.get(dir.slug.as_str()))
                && dir
                    .lessons
                    .iter()
                    .all(|lf| same(&lf.file, lesson_hashes.get(lf.file.path.as_str())))
        });
        applied.insert(&dir.slug, ok);
    }
    let mut unapplied = |folder: &'t str| {
        applied.insert(folder, false);
    };
    for path in &tree.unusable {
        unapplied(folder_of(path));
    }
    // A live lesson whose file is gone is to be archived.
    let present: HashSet<&str> = tree
        .courses
        .iter()
        .flat_map(|c| c.lessons.iter().map(|l| l.file.path.as_str()))
        .collect();
    for l in &known.lessons {
        if let Some(path) = l.source_path.as_deref() {
            if l.status != Status::Archived && !present.contains(path) {
                unapplied(folder_of(path));
            }
        }
    }
    let folders: HashSet<&str> = tree.courses.iter().map(|c| c.slug.as_str()).collect();
    for c in &known.courses {
        if c.source_path.is_some()
            && c.status != Status::Archived
            && !folders.contains(c.slug.as_str())
        {
            unapplied(&c.slug);
        }
    }
    applied
}

/// The course folder of a content path: its first segment.
pub fn folder_of(path: &str) -> &str {
    path.split_once('/').map_or(path, |(folder, _)| folder)
}

impl<'t> Planner<'t> {
    /// Courses (planned whole, in the returned plan) and the link map of
    /// every lesson; the changed lesson files are parsed for their slugs
    /// only, and their texts let go.
    pub fn start(tree: &'t Tree, known: &'t Known, links: LinkPolicy) -> (Plan, Self) {
        let mut plan = Plan {
            diagnostics: tree.diagnostics.clone(),
            ..Plan::default()
        };
        let courses_by_slug: HashMap<&str, &Course> =
            known.courses.iter().map(|c| (c.slug.as_str(), c)).collect();
        let lessons_by_path: HashMap<&str, &SyncIndexRow> = known
            .lessons
            .iter()
            .filter_map(|l| Some((l.source_path.as_deref()?, l)))
            .collect();
        let lessons_by_slug: HashMap<(i32, &str), &SyncIndexRow> = known
            .lessons
            .iter()
            .map(|l| ((l.course_id, l.slug.as_str()), l))
            .collect();
        let present: HashSet<&str> = tree
            .courses
            .iter()
            .flat_map(|c| c.lessons.iter().map(|l| l.file.path.as_str()))
            .chain(tree.unusable.iter().map(String::as_str))
            .collect();
        let mut map = LinkMap::new(&tree.assets, &tree.refused).with_media(known.media.as_ref());
        for course in &known.other_courses {
            map.add_course(course);
        }
        for (path, course, slug) in &known.other_lessons {
            map.add_lesson(path, course, slug);
        }
        // A file that exists but cannot be used is reported once, by itself;
        // links to it are not broken (see `exists_for_links`).
        for path in &tree.unusable {
            if let Some((course, name)) = path.split_once('/') {
                let stem = name.strip_suffix(".md").unwrap_or(name);
                let slug = super::scan::split_number(stem).1;
                exists_for_links(&mut map, &lessons_by_path, path, course, slug);
            }
        }

        // 1. Courses: which are usable, which changed.
        let mut usable: Vec<(CourseWork, &super::scan::CourseDir)> = Vec::new();
        for dir in &tree.courses {
            plan.course_count += 1;
            plan.lesson_count += dir.lessons.len();
            let row = courses_by_slug.get(dir.slug.as_str()).copied();
            if let Err(message) = slug::validate_course(&dir.slug) {
                plan.diagnostics.push(Diagnostic::error(
                    &dir.slug,
                    None,
                    format!("course folder name: {message}; its lessons are skipped"),
                ));
                continue;
            }
            let parsed = match &dir.course_file {
                None => {
                    plan.diagnostics.push(Diagnostic::error(
                        format!("{}/{COURSE_FILE}", dir.slug),
                        None,
                        "missing: every course folder needs a _course.md with at least a title",
                    ));
                    None
                }
                Some(f) if row.is_some_and(|r| r.source_hash.as_deref() == Some(&f.hash)) => {
                    plan.unchanged += 1;
                    None
                }
                Some(f) => match tree
                    .bytes_of(f)
                    .and_then(|f| parse_course(&dir.slug, &f, &mut plan.diagnostics))
                {
                    Ok(p) => Some(p),
                    Err(d) => {
                        plan.diagnostics.push(d);
                        None
                    }
                },
            };
            // A course is usable if it exists already or is about to be created.
            if row.is_none() && parsed.is_none() {
                for lf in &dir.lessons {
                    let path = lf.file.path.as_str();
                    exists_for_links(&mut map, &lessons_by_path, path, &dir.slug, &lf.name_slug);
                }
                if !dir.lessons.is_empty() {
                    plan.diagnostics.push(Diagnostic::error(
                        &dir.slug,
                        None,
                        format!(
                            "{} lesson(s) skipped until the course file is fixed",
                            dir.lessons.len()
                        ),
                    ));
                }
                continue;
            }
            map.add_course(&dir.slug);
            usable.push((
                CourseWork {
                    slug: &dir.slug,
                    row,
                    parsed,
                },
                dir,
            ));
        }

        // 2. Lessons: unchanged ones keep their slug; changed ones are parsed
        // for theirs (and their problems), then let go until rendered.
        let mut pending: Vec<Pending> = Vec::new();
        let mut parsed = parse_changed(tree, &usable, &lessons_by_path);
        for (work, dir) in &usable {
            let course_id = work.row.map(|r| r.id);
            // Borrowed from the lesson index for the unchanged files (most
            // of them): no copy per file.
            let mut slugs: HashMap<Cow<'t, str>, &str> = HashMap::new();
            for lf in &dir.lessons {
                let path = lf.file.path.as_str();
                let row = lessons_by_path.get(path).copied();
                let (slug, changed) = match row {
                    // Same bytes as last applied: nothing to do, whatever the status
                    // (an archive made in the admin stays; a file that was deleted
                    // and comes back has no stored hash and is applied again).
                    Some(r) if r.source_hash.as_deref() == Some(&lf.file.hash) => {
                        (Cow::Borrowed(r.slug.as_str()), false)
                    }
                    _ => match parsed.remove(path).unwrap_or_else(|| parse_slug(tree, lf)) {
                        (found, Ok(slug)) => {
                            plan.diagnostics.extend(found);
                            (Cow::Owned(slug), true)
                        }
                        (found, Err(d)) => {
                            plan.diagnostics.extend(found);
                            plan.diagnostics.push(d);
                            exists_for_links(
                                &mut map,
                                &lessons_by_path,
                                path,
                                work.slug,
                                &lf.name_slug,
                            );
                            continue;
                        }
                    },
                };
                if let Some(first) = slugs.get(&slug) {
                    plan.diagnostics.push(Diagnostic::error(
                        path,
                        Some(1),
                        format!("slug “{slug}” is already used by {first}; this file is skipped"),
                    ));
                    continue;
                }
                slugs.insert(slug.clone(), path);
                map.add_lesson(path, work.slug, &slug);
                match changed {
                    true => pending.push(Pending {
                        file: lf,
                        row,
                        course: work.slug,
                        course_id,
                        slug: slug.into_owned(),
                    }),
                    false => plan.unchanged += 1,
                }
            }
        }
        // Files of known lessons first, new files after: an update that
        // frees a slug is written before a new file that takes it, even
        // when they fall in different batches.
        pending.sort_by_key(|p| p.row.is_none());

        // 3. Courses that changed, rendered against the complete link map.
        for (work, _) in &mut usable {
            let Some(p) = work.parsed.take() else {
                continue;
            };
            let rendered = markdown::render(&p.body, work.slug, p.body_line, &map);
            let live = !p.meta.draft;
            let found = report_problems(&mut plan.diagnostics, &p.path, &rendered, links, live);
            // A new course is created even so (its lessons need it), as a
            // draft until its text is fixed; an existing one keeps its text.
            let refused = links.refuses(live, found);
            if refused && work.row.is_some() {
                plan.diagnostics.push(Diagnostic::error(
                    &p.path,
                    None,
                    "not updated: a course page may not go live with a link or image that leads nowhere (strict_links); the version already live stays until these are fixed",
                ));
                continue;
            }
            if refused {
                plan.diagnostics.push(Diagnostic::error(
                    &p.path,
                    None,
                    "the course is created as a draft: a course page may not go live with a link or image that leads nowhere (strict_links); it is published once these are fixed",
                ));
            }
            let fields = CourseFields {
                slug: p.slug.clone(),
                title: p.meta.title.clone(),
                summary: p.meta.summary.clone(),
                synced_hash: Some(content_hash(&p.meta.title, &p.meta.summary, &p.body)),
                body_md: p.body,
                body_html: rendered.html,
                position: p.position,
                status: if p.meta.draft || refused {
                    Status::Draft
                } else {
                    Status::Published
                },
                source_path: Some(p.path.clone()),
                source_hash: Some(p.hash),
            };
            let action = match work.row {
                // Edited in the admin since the last sync, and the file says
                // otherwise: keep the live text (the file stays in the content
                // folder and in git) until `lectern export` or a person settles it.
                Some(r)
                    if r.source_path.is_some()
                        && r.synced_hash.as_deref()
                            != Some(&content_hash(&r.title, &r.summary, &r.body_md))
                        && fields.synced_hash.as_deref()
                            != Some(&content_hash(&r.title, &r.summary, &r.body_md)) =>
                {
                    plan.diagnostics.push(Diagnostic::warning(
                        &p.path,
                        None,
                        course_conflict_message(r.id),
                    ));
                    continue;
                }
                Some(r) => CourseAction::Update { id: r.id, fields },
                None => CourseAction::Create(fields),
            };
            plan.courses.push((p.path, action));
        }

        let planner = Planner {
            tree,
            known,
            links,
            map,
            lessons_by_slug,
            present,
            adopted: HashSet::new(),
            alias_owners: HashMap::new(),
            pending,
            next: 0,
        };
        (plan, planner)
    }

    /// How many changed lesson files are still to be planned.
    pub fn remaining(&self) -> usize {
        self.pending.len() - self.next
    }

    /// The actions for the next `size` changed lesson files, rendered in
    /// parallel (highlighting above all is the costly part of a cold
    /// sync); `None` when every file was planned. Their problems go to
    /// `diagnostics`. The files are read again here: a file that changed
    /// since the scan is left for the next sync, with a warning.
    pub fn next_batch(
        &mut self,
        size: usize,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Option<Vec<(String, LessonAction)>> {
        if self.next == self.pending.len() {
            return None;
        }
        let end = (self.next + size.max(1)).min(self.pending.len());
        // Taken out while the batch is planned (which needs `self`), then put back.
        let all = std::mem::take(&mut self.pending);
        let batch = &all[self.next..end];
        self.next = end;
        let tree = self.tree;
        let map = &self.map;
        // Parse problems were reported when the link map was made.
        let parsed: Vec<_> = batch
            .par_iter()
            .map(|pending| {
                let parsed = tree
                    .lesson_bytes(pending.file)
                    .and_then(|lf| parse_lesson(&lf, &mut Vec::new()))
                    .ok()
                    .filter(|p| p.slug == pending.slug);
                let Some(p) = parsed else {
                    return Err(pending.file.file.path.clone());
                };
                let this = LessonRef {
                    course: pending.course.to_string(),
                    slug: p.slug.clone(),
                };
                let mut rendered = markdown::render_lesson(&p.body, &this, p.body_line, map);
                // What is stored is made here too, on every core; what is
                // left of `rendered` is what its problems are told from.
                let stored = StoredRender::of(markdown::Rendered {
                    html: std::mem::take(&mut rendered.html),
                    all_html: std::mem::take(&mut rendered.all_html),
                    toc: std::mem::take(&mut rendered.toc),
                    words: rendered.words,
                    broken: Vec::new(),
                    quiz_problems: Vec::new(),
                })
                .with_text(&p.body);
                Ok((p, this, (rendered, stored)))
            })
            .collect();
        let mut actions = Vec::with_capacity(parsed.len());
        for (pending, parsed) in batch.iter().zip(parsed) {
            let (p, this, rendered) = match parsed {
                Ok(done) => done,
                Err(path) => {
                    diagnostics.push(Diagnostic::warning(
                        path,
                        None,
                        "the file changed while this sync ran; it is applied at the next sync",
                    ));
                    continue;
                }
            };
            if let Some(action) = self.lesson_action(pending, p, this, rendered, diagnostics) {
                actions.push(action);
            }
        }
        self.pending = all;
        Some(actions)
    }

    /// The lesson a new file was renamed from, if any: the lesson of the
    /// same slug whose file is gone, or else (a file renamed to a new name,
    /// its slug with it) the lesson whose gone file held these very bytes,
    /// whose old URL then redirects. Never onto a slug another live file
    /// holds, nor a lesson another file was already taken for.
    fn renamed_from(
        &self,
        course_id: Option<i32>,
        slug: &str,
        hash: Option<&str>,
    ) -> Option<&'t SyncIndexRow> {
        let course_id = course_id?;
        let file_gone = |l: &SyncIndexRow| {
            l.source_path
                .as_deref()
                .is_some_and(|op| !self.present.contains(op))
        };
        match self.lessons_by_slug.get(&(course_id, slug)).copied() {
            Some(other) => Some(other).filter(|o| file_gone(o)),
            None => self.known.lessons.iter().find(|l| {
                l.course_id == course_id
                    && l.source_hash.is_some()
                    && l.source_hash.as_deref() == hash
                    && file_gone(l)
                    && !l
                        .source_path
                        .as_deref()
                        .is_some_and(|op| self.adopted.contains(op))
            }),
        }
    }

    /// What to do with one changed lesson file, rendered.
    fn lesson_action(
        &mut self,
        pending: &Pending<'t>,
        p: Parsed,
        this: LessonRef,
        (rendered, stored): (markdown::Rendered, StoredRender),
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Option<(String, LessonAction)> {
        let (row, course_slug, course_id) = (pending.row, pending.course, pending.course_id);
        let (known, map, links) = (self.known, &self.map, self.links);
        let live = !p.meta.draft;
        let mut found = report_problems(diagnostics, &p.path, &rendered, links, live);
        // Prerequisites are links too: one that points nowhere is reported
        // like a broken link (the others are kept).
        let (prerequisites, problems) =
            markdown::resolve_prerequisites(&p.meta.prerequisites, &this, map);
        found += problems.len();
        for message in problems {
            diagnostics.push(Diagnostic {
                severity: links.severity(live),
                path: p.path.clone(),
                line: Some(p.prerequisites_line),
                message,
            });
        }
        if links.refuses(live, found) {
            diagnostics.push(Diagnostic::error(&p.path, None, links::NOT_PUBLISHED));
            // A renamed file held back keeps its lesson live under the old
            // name: the lesson is not archived as if its file were gone.
            if row.is_none() {
                if let Some(old) = self.renamed_from(course_id, &p.slug, Some(&p.hash)) {
                    self.adopted
                        .insert(old.source_path.as_deref().unwrap_or_default());
                }
            }
            return None;
        }
        let aliases = check_aliases(&p, map, &mut self.alias_owners, diagnostics);
        let path = p.path.clone();
        let changed_at = self.tree.file_dates.get(&p.path).copied();
        let fields = lesson_fields(p, stored, &prerequisites, changed_at);
        let action = if let Some(r) = row.filter(|r| meets_admin_edits(r, &fields)) {
            let merged = known
                .admin_edits
                .get(&r.id)
                .and_then(|edit| merge_with_file(edit, r.course_id, &fields));
            match merged {
                Some((parts, keep_admin_status)) => {
                    let file_text = merge::Parts {
                        title: fields.title.clone(),
                        summary: fields.summary.clone(),
                        body_md: fields.body_md.clone(),
                        fields: Some(ShownFields::of_fields(r.course_id, &fields).to_map()),
                    };
                    let rendered = markdown::render_lesson(&parts.body_md, &this, 1, map);
                    let fields = LessonFields {
                        status: if keep_admin_status {
                            r.status
                        } else {
                            fields.status
                        },
                        title: parts.title,
                        summary: parts.summary,
                        body_md: parts.body_md,
                        render: StoredRender::of(rendered),
                        // Neither side's text: written now, if it changed.
                        text_changed_at: None,
                        ..fields
                    };
                    LessonAction::Update {
                        id: r.id,
                        version: r.version,
                        moved_from: (r.slug != fields.slug)
                            .then(|| links::lesson_url(course_slug, &r.slug)),
                        fields,
                        note: "merged: the file's changes and the admin's edits touched different parts; both are kept (export writes the merge to the file)".into(),
                        aliases,
                        file_text: Some(file_text),
                    }
                }
                None => LessonAction::Conflict {
                    id: r.id,
                    version: r.version,
                    fields,
                },
            }
        } else if let Some(r) = row {
            let note = if r.status == Status::Archived {
                "restored: the file is back"
            } else {
                "updated from file"
            };
            LessonAction::Update {
                id: r.id,
                version: r.version,
                moved_from: (r.slug != fields.slug)
                    .then(|| links::lesson_url(course_slug, &r.slug)),
                fields,
                note: note.into(),
                aliases,
                file_text: None,
            }
        } else {
            let same_slug = course_id.and_then(|c| {
                self.lessons_by_slug
                    .get(&(c, fields.slug.as_str()))
                    .copied()
            });
            if same_slug.is_some_and(|other| other.source_path.is_none()) {
                diagnostics.push(Diagnostic::error(
                    &path,
                    Some(1),
                    format!(
                        "slug “{}” is taken by a lesson created in the admin; this file is skipped",
                        fields.slug
                    ),
                ));
                return None;
            }
            // A file new at this path may be a renamed one, whose lesson keeps
            // its id and history.
            let renamed = self.renamed_from(course_id, &fields.slug, fields.source_hash.as_deref());
            match renamed {
                Some(other) => {
                    let old = other.source_path.as_deref().unwrap_or_default();
                    self.adopted.insert(old);
                    // A renamed file is a changed file: over admin edits, a conflict.
                    if meets_admin_edits(other, &fields) {
                        LessonAction::Conflict {
                            id: other.id,
                            version: other.version,
                            fields,
                        }
                    } else {
                        LessonAction::Update {
                            id: other.id,
                            version: other.version,
                            moved_from: (other.slug != fields.slug)
                                .then(|| links::lesson_url(course_slug, &other.slug)),
                            fields,
                            note: format!("renamed from {old}"),
                            aliases,
                            file_text: None,
                        }
                    }
                }
                None => LessonAction::Create {
                    course: course_slug.to_string(),
                    fields,
                    aliases,
                },
            }
        };
        if let LessonAction::Conflict { id, .. } = &action {
            diagnostics.push(Diagnostic::warning(
                &path,
                None,
                lesson_conflict_message(*id),
            ));
        }
        Some((path, action))
    }

    /// Media the lessons rendered since the last call refer to.
    pub fn take_used_assets(&self) -> BTreeSet<String> {
        self.map.take_used_assets()
    }

    /// The files that are gone (archive, never delete), once every changed
    /// file was planned; and the media the last batches used.
    pub fn finish(self, plan: &mut Plan) {
        plan.used_assets.extend(self.map.take_used_assets());
        plan.asked_folders.extend(self.map.asked_folders());
        let (known, tree) = (self.known, self.tree);
        for row in &known.lessons {
            if let Some(path) = row.source_path.as_deref() {
                if row.status != Status::Archived
                    && !self.present.contains(path)
                    && !self.adopted.contains(path)
                {
                    if row.synced_hash.as_deref() != Some(row.content_hash.as_str()) {
                        // Its admin edits stay in the archived lesson and its
                        // history; say so, since nothing else shows it.
                        plan.diagnostics.push(Diagnostic::warning(
                            path,
                            None,
                            format!(
                            "the file is gone (deleted or renamed to a new name) while its lesson had admin edits not yet exported: \
                             the lesson is archived with those edits; find them at /admin/lessons/{}/history to bring the lesson back or copy them into a file",
                            row.id
                        ),
                        ));
                    }
                    plan.lessons.push((
                        path.to_string(),
                        LessonAction::Archive {
                            id: row.id,
                            version: row.version,
                        },
                    ));
                }
            }
        }
        let folders: HashSet<&str> = tree.courses.iter().map(|c| c.slug.as_str()).collect();
        for course in &known.courses {
            if let Some(path) = course.source_path.as_deref() {
                if course.status != Status::Archived && !folders.contains(course.slug.as_str()) {
                    plan.courses
                        .push((path.to_string(), CourseAction::Archive { id: course.id }));
                }
            }
        }
    }
}

/// The admin's edits and the file's changes merged three ways (base: the
/// text as last synced), or `None` when they overlap. Fields beside the
/// text come from the file, so a field the admin changed must agree with
/// it (a status the admin changed alone is kept).
fn merge_with_file(
    edit: &AdminEdit,
    course_id: i32,
    file: &LessonFields,
) -> Option<(merge::Parts, bool)> {
    let base = edit.base.as_ref()?;
    let file_fields = ShownFields::of_fields(course_id, file).to_map();
    let live_fields = edit.live.fields.as_ref()?;
    let mut keep_admin_status = false;
    for (name, file_value) in &file_fields {
        let live_value = live_fields.get(name)?;
        let base_value = base.fields.as_ref().and_then(|f| f.get(name));
        let admin_changed_alone =
            base_value == Some(file_value) && live_value != file_value && *name == "status";
        if live_value != file_value && base_value != Some(live_value) && !admin_changed_alone {
            return None;
        }
        keep_admin_status |= admin_changed_alone;
    }
    let theirs = merge::Parts {
        title: file.title.clone(),
        summary: file.summary.clone(),
        body_md: file.body_md.clone(),
        fields: None,
    };
    let mine = merge::Parts {
        fields: None,
        ..edit.live.clone()
    };
    let base_text = merge::Parts {
        fields: None,
        ..base.clone()
    };
    let labels = merge::Labels {
        mine: "the admin's text".into(),
        theirs: "the file".into(),
    };
    let merged = merge::merge(Some(&base_text), &mine, &theirs, &labels);
    merged
        .is_clean()
        .then_some((merged.parts, keep_admin_status))
}

/// Whether a changed (or renamed) file meets edits made in the admin, and is
/// so a conflict. It needs three things: the row was edited in the admin
/// since the last sync, the file changed, and the two texts differ (an export
/// that wrote the admin's text to the file is no conflict). Archived lessons
/// too: a file coming back or changing does not silently replace admin edits
/// (nor undo an archive made in the admin after them).
fn meets_admin_edits(r: &SyncIndexRow, fields: &LessonFields) -> bool {
    r.synced_hash.as_deref() != Some(&r.content_hash) && fields.content_hash() != r.content_hash
}

/// The lesson's aliases, normalised; one that is not a plain path, would
/// shadow a live page or a path of the site's own, or is claimed twice is
/// reported (and dropped).
fn check_aliases(
    p: &Parsed,
    map: &LinkMap,
    owners: &mut HashMap<String, String>,
    diags: &mut Vec<Diagnostic>,
) -> Vec<String> {
    let mut kept = Vec::new();
    for alias in &p.meta.aliases {
        let problem = if !alias.starts_with('/') || alias.starts_with("//") {
            Some("must be a path starting with “/”".to_string())
        } else if alias.contains("..") || alias.contains(['\\', '?', '#', ' ']) || alias.len() > 400
        {
            Some("must be a plain path (no “..”, “?”, “#”, spaces or backslashes)".to_string())
        } else {
            let path = redirects::normalise(alias);
            let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
            if path == "/" || slug::RESERVED_COURSE_SLUGS.contains(&first) {
                Some(format!("“{path}” belongs to the site itself"))
            } else if map.is_page_url(&path) {
                Some(format!(
                    "“{path}” is a live page; an alias may not shadow it"
                ))
            } else if let Some(owner) = owners.get(&path) {
                Some(format!("“{path}” is already an alias of {owner}"))
            } else {
                owners.insert(path.clone(), p.path.clone());
                kept.push(path);
                None
            }
        };
        if let Some(problem) = problem {
            diags.push(Diagnostic::error(
                &p.path,
                Some(p.aliases_line),
                format!("alias “{alias}”: {problem}"),
            ));
        }
    }
    kept
}

/// Links and images that lead nowhere and mistakes in quizzes, in the
/// words every channel uses ([`links::render_problems`]), reported as the
/// policy says for a `live` file or a draft. Returns how many there are.
fn report_problems(
    diags: &mut Vec<Diagnostic>,
    path: &str,
    rendered: &markdown::Rendered,
    links: LinkPolicy,
    live: bool,
) -> usize {
    let found = links::render_problems(rendered);
    let count = found.len();
    for problem in found {
        diags.push(Diagnostic {
            severity: links.severity(live),
            path: path.to_string(),
            line: Some(problem.line),
            message: problem.message,
        });
    }
    count
}

/// Puts a lesson file that exists but cannot be applied (it failed to
/// parse, or to be read) on the link map, so links to it are not reported
/// as broken: its own error is the one to fix. It is linked at its live URL
/// when it has one, else at the URL its file name gives.
fn exists_for_links(
    map: &mut LinkMap,
    known: &HashMap<&str, &SyncIndexRow>,
    path: &str,
    course: &str,
    name_slug: &str,
) {
    let slug = known.get(path).map_or(name_slug, |row| row.slug.as_str());
    map.add_lesson(path, course, slug);
}

/// A lesson's fields from its parsed file; `changed_at`: when the file last
/// changed (its last commit, or its modification time).
fn lesson_fields(
    p: Parsed,
    render: StoredRender,
    prerequisites: &[LessonRef],
    changed_at: Option<chrono::DateTime<Utc>>,
) -> LessonFields {
    let m = p.meta;
    LessonFields {
        synced_hash: Some(content_hash(&m.title, &m.summary, &p.body)),
        slug: p.slug,
        title: m.title,
        summary: m.summary,
        body_md: p.body,
        render,
        position: p.position,
        status: if m.draft {
            Status::Draft
        } else {
            Status::Published
        },
        tags: m.tags,
        prerequisites: prerequisites.to_vec(),
        duration: m.duration.map(|d| d as i32),
        level: m.level.map(Into::into),
        publish_at: m.publish_at.map(|d| d.with_timezone(&Utc)),
        updated_on: m.updated,
        text_changed_at: changed_at,
        source_path: Some(p.path),
        source_hash: Some(p.hash),
    }
}

/// A changed lesson file's slug, or why it cannot be used, with the
/// problems parsing it found.
type ParsedSlug = (Vec<Diagnostic>, Result<String, Diagnostic>);

/// The changed lesson files of `usable` courses (those whose bytes are not
/// the ones last applied) by path, read and parsed on every core: read and
/// parsed one after another as [`Planner::start`] takes them, the files of
/// 100,000 new lessons took 4.5 s on one core before the first was
/// rendered.
fn parse_changed<'a>(
    tree: &Tree,
    usable: &[(CourseWork, &'a super::scan::CourseDir)],
    lessons_by_path: &HashMap<&str, &SyncIndexRow>,
) -> HashMap<&'a str, ParsedSlug> {
    use rayon::prelude::*;
    let changed: Vec<&super::scan::LessonFile> = usable
        .iter()
        .flat_map(|(_, dir)| &dir.lessons)
        .filter(|lf| {
            let row = lessons_by_path.get(lf.file.path.as_str());
            row.is_none_or(|r| r.source_hash.as_deref() != Some(&lf.file.hash))
        })
        .collect();
    changed
        .par_iter()
        .map(|lf| (lf.file.path.as_str(), parse_slug(tree, lf)))
        .collect()
}

/// A lesson file's slug, read and parsed (see [`parse_changed`]).
fn parse_slug(tree: &Tree, lf: &super::scan::LessonFile) -> ParsedSlug {
    let mut found = Vec::new();
    let slug = tree
        .lesson_bytes(lf)
        .and_then(|lf| parse_lesson(&lf, &mut found))
        .map(|p| p.slug);
    (found, slug)
}
