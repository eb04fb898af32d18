//! `lectern check`: everything sync would complain about, without a database.

use std::io;
use std::path::Path;

use super::plan::{plan, Known};
use super::scan::scan;
use super::{Diagnostic, Severity};

#[derive(Debug)]
pub struct CheckReport {
    pub courses: usize,
    pub lessons: usize,
    pub diagnostics: Vec<Diagnostic>,
}

impl CheckReport {
    pub fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }

    pub fn warnings(&self) -> usize {
        self.diagnostics.len() - self.errors()
    }
}

/// Validates the content folder at `root`: front matter, slugs, reserved
/// names, duplicates, links and images. Broken links are errors here.
pub fn check(root: &Path) -> io::Result<CheckReport> {
    let tree = scan(root)?;
    let plan = plan(&tree, &Known::default(), Severity::Error);
    Ok(CheckReport {
        courses: plan.course_count,
        lessons: plan.lesson_count,
        diagnostics: plan.diagnostics,
    })
}
