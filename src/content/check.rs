//! `lectern check`: everything sync would complain about, without a database.

use std::io;
use std::path::{Path, PathBuf};

use super::links::LinkPolicy;
use super::plan::{plan, Known};
use super::scan::{scan, COURSE_FILE};
use super::Diagnostic;

#[derive(Debug)]
pub struct CheckReport {
    pub courses: usize,
    pub lessons: usize,
    pub diagnostics: Vec<Diagnostic>,
    /// When the folder checked was one course's folder rather than the
    /// content folder: that course's slug (its folder's name).
    pub course: Option<String>,
}

impl CheckReport {
    pub fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }

    pub fn warnings(&self) -> usize {
        self.diagnostics.len() - self.errors()
    }
}

/// Validates the content folder at `root` under the strict link rule (the
/// default of `strict_links`): see [`check_with`].
pub fn check(root: &Path) -> io::Result<CheckReport> {
    check_with(root, LinkPolicy::default())
}

/// Validates `dir`: front matter, slugs, reserved names, duplicates, links
/// and images, with what sync would make of each under `links`. `dir` is
/// the content folder, or one course folder in it, which is then checked
/// alone (against the whole content folder, so its links to other courses
/// resolve).
pub fn check_with(dir: &Path, links: LinkPolicy) -> io::Result<CheckReport> {
    let Some((root, slug)) = course_folder(dir) else {
        let tree = scan(dir)?;
        let plan = plan(&tree, &Known::default(), links);
        return Ok(CheckReport {
            courses: plan.course_count,
            lessons: plan.lesson_count,
            diagnostics: plan.diagnostics,
            course: None,
        });
    };
    let tree = scan(&root)?;
    let lessons = tree
        .courses
        .iter()
        .find(|c| c.slug == slug)
        .map_or(0, |c| c.lessons.len());
    let plan = plan(&tree, &Known::default(), links);
    let inside = format!("{slug}/");
    let diagnostics = plan
        .diagnostics
        .into_iter()
        .filter(|d| d.path == slug || d.path.starts_with(&inside))
        .collect();
    Ok(CheckReport {
        courses: 1,
        lessons,
        diagnostics,
        course: Some(slug),
    })
}

/// When `dir` holds no course folder but its `content` folder does (a
/// repository's top folder, given by mistake), that content folder.
pub fn content_folder_inside(dir: &Path) -> Option<PathBuf> {
    let inner = dir.join("content");
    (!holds_course(dir, None) && holds_course(&inner, None)).then_some(inner)
}

/// Whether `folder` holds a course folder (one with a `_course.md`), other
/// than `except`.
fn holds_course(folder: &Path, except: Option<&Path>) -> bool {
    std::fs::read_dir(folder).ok().is_some_and(|entries| {
        entries.flatten().any(|e| {
            let path = e.path();
            Some(path.as_path()) != except
                && !e.file_name().to_string_lossy().starts_with('.')
                && path.join(COURSE_FILE).is_file()
        })
    })
}

/// When `dir` is a course folder, the content folder holding it and the
/// course's slug. A course folder holds a `_course.md`, or else holds no
/// course folder itself while a folder beside it does.
fn course_folder(dir: &Path) -> Option<(PathBuf, String)> {
    let dir = dir.canonicalize().ok()?;
    let parent = dir.parent()?.to_path_buf();
    let slug = dir.file_name()?.to_str()?.to_string();
    if dir.join(COURSE_FILE).is_file() {
        return Some((parent, slug));
    }
    (!holds_course(&dir, None) && holds_course(&parent, Some(&dir))).then_some((parent, slug))
}
