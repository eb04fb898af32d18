//! Turning one read file into a checked lesson or course: UTF-8, front matter,
//! slug rules. Rendering comes later, once every slug is known.

use crate::markdown::{self, slug, FrontMatter};

use super::scan::{LessonFile, SourceFile};
use super::Diagnostic;

/// Lessons without a number prefix or `weight` sort after the numbered ones.
const UNNUMBERED_POSITION: i32 = 100_000;

#[derive(Debug, Clone)]
pub(crate) struct Parsed {
    pub path: String,
    pub hash: String,
    pub slug: String,
    pub position: i32,
    pub meta: FrontMatter,
    pub body: String,
    pub body_line: usize,
    /// The line of the `prerequisites` field (or 1), for findings about it.
    pub prerequisites_line: usize,
    /// The line of the `aliases` field (or 1).
    pub aliases_line: usize,
}

/// Checks the bytes are UTF-8 and splits off the front matter. Warnings are
/// pushed to `diags`; an error is returned (and nothing else happens).
/// A checked document: front matter, body, the body's first line and the
/// lines of the `prerequisites` and `aliases` fields.
type Checked = (FrontMatter, String, usize, usize, usize);

fn document(file: &SourceFile, diags: &mut Vec<Diagnostic>) -> Result<Checked, Diagnostic> {
    let text = std::str::from_utf8(&file.bytes).map_err(|e| {
        let line = 1 + file.bytes[..e.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        Diagnostic::error(&file.path, Some(line), "file is not valid UTF-8")
    })?;
    let doc = markdown::split_document(text)
        .map_err(|e| Diagnostic::error(&file.path, Some(e.line), e.message))?;
    for (line, message) in doc.warnings {
        diags.push(Diagnostic::warning(&file.path, Some(line), message));
    }
    let line = |field: &str| doc.field_lines.get(field).copied().unwrap_or(1);
    let (prerequisites_line, aliases_line) = (line("prerequisites"), line("aliases"));
    Ok((
        doc.meta,
        doc.body.to_string(),
        doc.body_line,
        prerequisites_line,
        aliases_line,
    ))
}

pub(crate) fn parse_lesson(
    lf: &LessonFile,
    diags: &mut Vec<Diagnostic>,
) -> Result<Parsed, Diagnostic> {
    let (meta, body, body_line, prerequisites_line, aliases_line) = document(&lf.file, diags)?;
    let slug = meta.slug.clone().unwrap_or_else(|| lf.name_slug.clone());
    slug::validate_lesson(&slug).map_err(|message| {
        let origin = if meta.slug.is_some() {
            "field “slug”"
        } else {
            "the file name"
        };
        Diagnostic::error(&lf.file.path, Some(1), format!("{origin}: {message}"))
    })?;
    let position = meta.weight.or(lf.number).map_or(UNNUMBERED_POSITION, |w| {
        w.clamp(i32::MIN as i64, i32::MAX as i64) as i32
    });
    Ok(Parsed {
        path: lf.file.path.clone(),
        hash: lf.file.hash.clone(),
        slug,
        position,
        meta,
        body,
        body_line,
        prerequisites_line,
        aliases_line,
    })
}

pub(crate) fn parse_course(
    course_slug: &str,
    file: &SourceFile,
    diags: &mut Vec<Diagnostic>,
) -> Result<Parsed, Diagnostic> {
    let (meta, body, body_line, prerequisites_line, aliases_line) = document(file, diags)?;
    if meta.slug.as_deref().is_some_and(|s| s != course_slug) {
        diags.push(Diagnostic::warning(
            &file.path,
            None,
            "field “slug” is ignored: the folder name is the course slug",
        ));
    }
    let position = meta
        .weight
        .map_or(0, |w| w.clamp(i32::MIN as i64, i32::MAX as i64) as i32);
    Ok(Parsed {
        path: file.path.clone(),
        hash: file.hash.clone(),
        slug: course_slug.to_string(),
        position,
        meta,
        body,
        body_line,
        prerequisites_line,
        aliases_line,
    })
}
