//! `lectern export`: writes lessons and courses made or changed in the admin
//! back to the content folder as markdown files, so authors can review,
//! commit and push them. Each file is written atomically (temp file +
//! rename) and its hash recorded, so the next sync finds nothing to do.
//!
//! Existing TOML front matter is edited in place (comments, order and
//! fields Lectern does not manage survive); YAML front matter is rewritten
//! as TOML with every known field kept.
//!
//! Images uploaded in the admin (`/media/<hash>/<name>` in the markdown) are
//! written beside the file as `images/<name>` and the links made relative,
//! so the repository holds everything its pages show. Sync stores files by
//! the hash of their bytes, so the written image is the same stored row.

use std::io::Write;
use std::path::{Path, PathBuf};

use sea_orm::{ConnectionTrait, DbErr};
use serde::Serialize;

use crate::db::courses::{self, Course};
use crate::db::entity::Status;
use crate::db::lessons::{self, Lesson};
use crate::db::media;
use crate::db::Db;
use crate::markdown::{split_document, FrontMatter};

use super::safe_path;
use super::scan::{hash_bytes, COURSE_FILE};
use super::{content_hash, Diagnostic};

#[derive(Debug, Default, Serialize)]
pub struct ExportReport {
    /// Files written, relative to the content folder.
    pub written: Vec<String>,
    /// Lessons left alone, with the reason (open conflicts, name clashes).
    pub diagnostics: Vec<Diagnostic>,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("database error: {0}")]
    Db(#[from] DbErr),
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// What export would write now: lessons and courses with admin changes the
/// content folder does not have (lessons with an open conflict included:
/// export reports them instead of writing them).
#[derive(Debug, Default)]
pub struct Pending {
    pub lessons: Vec<Lesson>,
    pub courses: Vec<Course>,
}

pub async fn pending(db: &impl ConnectionTrait) -> Result<Pending, DbErr> {
    Ok(Pending {
        lessons: lessons::needing_export(db).await?,
        courses: courses::all(db)
            .await?
            .into_iter()
            .filter(course_needs_export)
            .collect(),
    })
}

/// The courses of [`pending`] alone (the dashboard counts lessons apart).
pub async fn pending_courses(db: &impl ConnectionTrait) -> Result<Vec<Course>, DbErr> {
    Ok(courses::all(db)
        .await?
        .into_iter()
        .filter(course_needs_export)
        .collect())
}

/// A course made in the admin, or edited there since its file was synced.
pub fn course_needs_export(course: &Course) -> bool {
    let hash = content_hash(&course.title, &course.summary, &course.body_md);
    course.source_path.is_none() || course.synced_hash.as_deref() != Some(hash.as_str())
}

/// Exports every admin-side change to `root`.
pub async fn export(db: &Db, root: &Path) -> Result<ExportReport, ExportError> {
    let _turn = super::sync::SYNC_LOCK.lock().await;
    let mut report = ExportReport::default();
    let all_courses = courses::all(db).await?;
    for course in all_courses.iter().filter(|c| course_needs_export(c)) {
        export_course(db, root, course, &mut report).await?;
    }
    for lesson in lessons::needing_export(db).await? {
        let Some(course) = all_courses.iter().find(|c| c.id == lesson.course_id) else {
            continue;
        };
        if lesson.conflict_revision_id.is_some() {
            let path = lesson
                .source_path
                .clone()
                .unwrap_or_else(|| format!("{}/{}", course.slug, lesson.slug));
            report.diagnostics.push(Diagnostic::warning(
                path,
                None,
                "not exported: the lesson has an open conflict with its file; resolve it in the admin first",
            ));
            continue;
        }
        export_lesson(db, root, course, &lesson, &mut report).await?;
    }
    Ok(report)
}

async fn export_course(
    db: &impl ConnectionTrait,
    root: &Path,
    course: &Course,
    report: &mut ExportReport,
) -> Result<(), ExportError> {
    let hash = content_hash(&course.title, &course.summary, &course.body_md);
    let rel = course
        .source_path
        .clone()
        .unwrap_or_else(|| format!("{}/{COURSE_FILE}", course.slug));
    let Some(abs) = checked_target(root, &rel, report) else {
        return Ok(());
    };
    // As for lessons: never write over a course file an author changed (or
    // wrote, for a course made in the admin) that sync has not seen.
    let existing = match &course.source_path {
        Some(_) => match file_as_synced(root, &rel, course.source_hash.as_deref()) {
            Some(text) => text,
            None => {
                report.diagnostics.push(not_synced(&rel));
                return Ok(());
            }
        },
        None if abs.exists() => {
            report.diagnostics.push(Diagnostic::warning(
                &rel,
                None,
                format!(
                    "not exported: a file of this name exists that sync has not read; run sync first (course “{}”)",
                    course.slug
                ),
            ));
            return Ok(());
        }
        None => None,
    };
    let body = export_images(db, root, &rel, &course.body_md, report).await?;
    let text = document(
        existing.as_deref(),
        |fm| {
            set_str(fm, "title", &course.title);
            set_opt_str(fm, "summary", &course.summary);
            set_draft(fm, course.status == Status::Draft);
            fm.insert("weight", toml_edit::value(course.position as i64));
        },
        &body,
    );
    let bytes = text.into_bytes();
    write_atomically(&abs, &bytes).map_err(|source| ExportError::Write {
        path: abs.clone(),
        source,
    })?;
    courses::mark_exported(db, course.id, &rel, &hash_bytes(&bytes), &hash).await?;
    report.written.push(rel);
    Ok(())
}

async fn export_lesson(
    db: &impl ConnectionTrait,
    root: &Path,
    course: &Course,
    lesson: &Lesson,
    report: &mut ExportReport,
) -> Result<(), ExportError> {
    let target = match &lesson.source_path {
        Some(p) => p.clone(),
        None => new_file_name(root, &course.slug, lesson),
    };
    let Some(abs) = checked_target(root, &target, report) else {
        return Ok(());
    };
    let (rel, existing) = match &lesson.source_path {
        Some(p) => match file_as_synced(root, p, lesson.source_hash.as_deref()) {
            Some(text) => (p.clone(), text),
            None => {
                report.diagnostics.push(not_synced(p));
                return Ok(());
            }
        },
        None => {
            let rel = target;
            if abs.exists() {
                report.diagnostics.push(Diagnostic::warning(
                    &rel,
                    None,
                    format!(
                        "not exported: a file of this name exists; rename it or the lesson “{}”",
                        lesson.slug
                    ),
                ));
                return Ok(());
            }
            (rel, None)
        }
    };
    let number = file_number(&rel);
    let body = export_images(db, root, &rel, &lesson.body_md, report).await?;
    let text = document(
        existing.as_deref(),
        |fm| {
            set_str(fm, "title", &lesson.title);
            set_opt_str(fm, "summary", &lesson.summary);
            set_draft(fm, lesson.status == Status::Draft);
            // The file name says the slug unless front matter overrides it.
            if file_slug(&rel) != lesson.slug {
                set_str(fm, "slug", &lesson.slug);
            }
            // Keep the admin's order: a weight only when the name's number differs.
            if number != Some(lesson.position as i64) {
                fm.insert("weight", toml_edit::value(lesson.position as i64));
            } else {
                fm.remove("weight");
            }
            let tags = &lesson.tags.0;
            {
                if !tags.is_empty() && !fm.contains_key("tags") {
                    let mut array = toml_edit::Array::new();
                    tags.iter().for_each(|t| array.push(t.as_str()));
                    fm.insert("tags", toml_edit::value(array));
                }
            }
        },
        &body,
    );
    let bytes = text.into_bytes();
    write_atomically(&abs, &bytes).map_err(|source| ExportError::Write {
        path: abs.clone(),
        source,
    })?;
    lessons::mark_exported(
        db,
        lesson.id,
        lesson.version,
        &rel,
        &hash_bytes(&bytes),
        &lesson.content_hash,
    )
    .await?;
    report.written.push(rel);
    Ok(())
}

/// Writes the stored images that `body` links to as `/media/<hash>/…` into
/// the `images` folder beside the file `rel`, and returns `body` with those
/// links made relative (`images/<name>`). An image whose file cannot be
/// written keeps its link, and the reason is reported.
async fn export_images(
    db: &impl ConnectionTrait,
    root: &Path,
    rel: &str,
    body: &str,
    report: &mut ExportReport,
) -> Result<String, ExportError> {
    let links = media_links(body);
    if links.is_empty() {
        return Ok(body.to_string());
    }
    let dir = rel.rsplit_once('/').map_or("", |(dir, _)| dir);
    let mut names: std::collections::HashMap<&str, Option<String>> = Default::default();
    for link in &links {
        if names.contains_key(link.hash) {
            continue;
        }
        let name = match media::by_hash(db, link.hash).await? {
            Some(image) => write_image(root, dir, &image.name, &image.bytes, report)?,
            None => None,
        };
        names.insert(link.hash, name);
    }
    let mut out = String::with_capacity(body.len());
    let mut from = 0;
    for link in &links {
        if let Some(Some(name)) = names.get(link.hash) {
            out.push_str(&body[from..link.start]);
            out.push_str("images/");
            out.push_str(name);
            from = link.end;
        }
    }
    out.push_str(&body[from..]);
    Ok(out)
}

/// Writes `bytes` as `<dir>/images/<name>`, the name made safe and, when a
/// different file has it already, numbered (`photo-2.png`). Returns the name
/// used, or `None` (reported) when no file could be written.
fn write_image(
    root: &Path,
    dir: &str,
    stored_name: &str,
    bytes: &[u8],
    report: &mut ExportReport,
) -> Result<Option<String>, ExportError> {
    let (stem, ext) = safe_file_name(stored_name);
    for n in 1..=100 {
        let name = match n {
            1 => format!("{stem}{ext}"),
            n => format!("{stem}-{n}{ext}"),
        };
        let rel = format!("{dir}/images/{name}");
        let Some(abs) = checked_target(root, &rel, report) else {
            return Ok(None);
        };
        match std::fs::read(&abs) {
            Ok(existing) if existing == bytes => return Ok(Some(name)),
            Ok(_) => continue,
            Err(_) => {}
        }
        write_atomically(&abs, bytes).map_err(|source| ExportError::Write {
            path: abs.clone(),
            source,
        })?;
        report.written.push(rel);
        return Ok(Some(name));
    }
    report.diagnostics.push(Diagnostic::warning(
        format!("{dir}/images/{stem}{ext}"),
        None,
        "not exported: too many different images already have this name; the lesson keeps its link to the stored image",
    ));
    Ok(None)
}

/// A stored name as `(stem, .ext)` of plain letters, digits, `-` and `_`,
/// never hidden and never markdown.
fn safe_file_name(stored: &str) -> (String, String) {
    let clean = |s: &str| -> String {
        let kept: String = s
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '-'
                }
            })
            .take(80)
            .collect();
        kept.trim_matches('-').to_string()
    };
    let (stem, ext) = stored.rsplit_once('.').unwrap_or((stored, ""));
    let stem = match clean(stem) {
        s if s.is_empty() => "image".to_string(),
        s => s,
    };
    let ext = match clean(ext).to_ascii_lowercase() {
        e if e.is_empty() || e == "md" => String::new(),
        e => format!(".{e}"),
    };
    (stem, ext)
}

/// A `/media/<hash>[/<name>]` URL in markdown text, by byte range.
struct MediaLink<'a> {
    start: usize,
    end: usize,
    hash: &'a str,
}

/// The stored-image URLs in `body`, in order.
fn media_links(body: &str) -> Vec<MediaLink<'_>> {
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(i) = body[at..].find("/media/") {
        let start = at + i;
        let hash_start = start + "/media/".len();
        let hash = body.get(hash_start..hash_start + 64).filter(|h| {
            h.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        });
        // Only a link's own address: right after "(" or "<" (markdown) or a
        // quote (an HTML attribute). Not inside another site's URL, not a
        // path quoted in a code span.
        let is_address = body[..start]
            .chars()
            .next_back()
            .is_some_and(|c| matches!(c, '(' | '<' | '"' | '\''));
        let (Some(hash), true) = (hash, is_address) else {
            at = hash_start;
            continue;
        };
        let mut end = hash_start + 64;
        let rest = &body[end..];
        if let Some(name) = rest.strip_prefix('/') {
            let len = name
                .find(|c: char| {
                    c.is_whitespace() || matches!(c, ')' | '"' | '\'' | '>' | ']' | '`')
                })
                .unwrap_or(name.len());
            end += 1 + len;
        } else if rest.starts_with(|c: char| c.is_ascii_alphanumeric()) {
            // A longer hex run is not a stored file's hash.
            at = end;
            continue;
        }
        found.push(MediaLink { start, end, hash });
        at = end;
    }
    found
}

/// Where export may write `rel` ([`safe_path::writable`]: never through a
/// symbolic link or into a hidden folder); `None`, with the reason reported,
/// when it may not.
fn checked_target(root: &Path, rel: &str, report: &mut ExportReport) -> Option<PathBuf> {
    match safe_path::writable(root, rel) {
        Ok(abs) => Some(abs),
        Err(refused) => {
            report.diagnostics.push(Diagnostic::warning(
                rel,
                None,
                format!("not exported: {refused}"),
            ));
            None
        }
    }
}

/// The text of a lesson's file when it is the one sync last applied (its
/// bytes hash to `source_hash`; no file when nothing is applied), else
/// `None`: an author changed or deleted it since, and writing over it would
/// lose that change without a trace (sync would never see it, so it could
/// not become a conflict).
fn file_as_synced(root: &Path, rel: &str, source_hash: Option<&str>) -> Option<Option<String>> {
    let bytes = std::fs::read(root.join(rel)).ok();
    (bytes.as_deref().map(hash_bytes).as_deref() == source_hash)
        .then(|| bytes.and_then(|b| String::from_utf8(b).ok()))
}

fn not_synced(rel: &str) -> Diagnostic {
    Diagnostic::warning(
        rel,
        None,
        "not exported: the file was changed or deleted since the last sync; run sync first (a change on both sides then becomes a conflict to resolve in the admin)",
    )
}

/// `course/NN-slug.md` (NN from the lesson's position), or `course/slug.md`.
fn new_file_name(root: &Path, course: &str, lesson: &Lesson) -> String {
    let _ = root;
    match lesson.position {
        p @ 0..=99 => format!("{course}/{p:02}-{}.md", lesson.slug),
        p @ 100..=999 => format!("{course}/{p:03}-{}.md", lesson.slug),
        _ => format!("{course}/{}.md", lesson.slug),
    }
}

fn file_stem(rel: &str) -> &str {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    name.strip_suffix(".md").unwrap_or(name)
}

fn file_number(rel: &str) -> Option<i64> {
    let stem = file_stem(rel);
    let digits = stem.chars().take_while(|c| c.is_ascii_digit()).count();
    (digits > 0 && stem[digits..].starts_with('-'))
        .then(|| stem[..digits].parse().ok())
        .flatten()
}

fn file_slug(rel: &str) -> &str {
    let stem = file_stem(rel);
    match file_number(rel) {
        Some(_) => stem.split_once('-').map_or(stem, |(_, rest)| rest),
        None => stem,
    }
}

/// Sets `key`, keeping the comment above it when it already exists.
fn set_str(fm: &mut toml_edit::DocumentMut, key: &str, value: &str) {
    fm[key] = toml_edit::value(value);
}

fn set_opt_str(fm: &mut toml_edit::DocumentMut, key: &str, value: &str) {
    if value.is_empty() {
        fm.remove(key);
    } else {
        set_str(fm, key, value);
    }
}

fn set_draft(fm: &mut toml_edit::DocumentMut, draft: bool) {
    if draft {
        fm["draft"] = toml_edit::value(true);
    } else {
        fm.remove("draft");
    }
}

/// The file's new text: its front matter edited by `edit` (or made from the
/// old YAML, or new), then the body.
fn document(
    existing: Option<&str>,
    edit: impl FnOnce(&mut toml_edit::DocumentMut),
    body: &str,
) -> String {
    let mut fm = existing.and_then(toml_front_matter).unwrap_or_else(|| {
        existing
            .and_then(|text| split_document(text).ok())
            .map(|doc| front_matter_as_toml(&doc.meta))
            .unwrap_or_default()
    });
    edit(&mut fm);
    let mut front = fm.to_string();
    if !front.ends_with('\n') {
        front.push('\n');
    }
    let body = body.trim_start_matches('\n');
    format!(
        "+++\n{front}+++\n\n{body}{}",
        if body.ends_with('\n') { "" } else { "\n" }
    )
}

/// The TOML front matter of `text`, editable with its comments kept.
fn toml_front_matter(text: &str) -> Option<toml_edit::DocumentMut> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let rest = text
        .strip_prefix("+++\n")
        .or_else(|| text.strip_prefix("+++\r\n"))?;
    let mut end = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == "+++" {
            return rest[..end].parse().ok();
        }
        end += line.len();
    }
    None
}

/// Known front matter fields (from YAML) as a TOML document.
fn front_matter_as_toml(meta: &FrontMatter) -> toml_edit::DocumentMut {
    let mut fm = toml_edit::DocumentMut::new();
    fm.insert("title", toml_edit::value(meta.title.as_str()));
    let list = |items: &[String]| {
        let mut a = toml_edit::Array::new();
        items.iter().for_each(|i| a.push(i.as_str()));
        toml_edit::value(a)
    };
    if !meta.tags.is_empty() {
        fm.insert("tags", list(&meta.tags));
    }
    if !meta.aliases.is_empty() {
        fm.insert("aliases", list(&meta.aliases));
    }
    if !meta.prerequisites.is_empty() {
        fm.insert("prerequisites", list(&meta.prerequisites));
    }
    if let Some(d) = meta.duration {
        fm.insert("duration", toml_edit::value(d as i64));
    }
    if let Some(l) = meta.level {
        fm.insert("level", toml_edit::value(l.as_str()));
    }
    if let Some(u) = meta.updated {
        fm.insert("updated", toml_edit::value(u.to_string()));
    }
    if let Some(p) = meta.publish_at {
        fm.insert("publish_at", toml_edit::value(p.to_rfc3339()));
    }
    fm
}

/// Writes `bytes` to `path` so that readers see the old file or the new one,
/// never half of it: a temporary file in the same folder, synced, renamed.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| std::io::Error::other("no parent folder"))?;
    std::fs::create_dir_all(dir)?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = dir.join(format!(
        ".{name}.lectern-{}",
        crate::accounts::random_token(6)
    ));
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_front_matter_is_edited_in_place() {
        let old = "+++\n# keep me\ntitle = \"Old\"\ncustom = 1\n+++\nOld body\n";
        let new = document(
            Some(old),
            |fm| set_str(fm, "title", "New \"quoted\""),
            "New body",
        );
        assert!(new.starts_with("+++\n# keep me\ntitle = "), "{new}");
        assert!(new.ends_with("custom = 1\n+++\n\nNew body\n"), "{new}");
        let doc = split_document(&new).unwrap();
        assert_eq!(doc.meta.title, "New \"quoted\"");
    }

    #[test]
    fn yaml_front_matter_becomes_toml_with_known_fields() {
        let old = "---\ntitle: Old\ntags: [a]\nlevel: beginner\n---\nBody\n";
        let new = document(Some(old), |fm| set_str(fm, "title", "New"), "Body\n");
        let doc = split_document(&new).unwrap();
        assert_eq!(
            (doc.meta.title.as_str(), doc.meta.tags.clone()),
            ("New", vec!["a".to_string()])
        );
        assert!(new.starts_with("+++\n"));
    }

    #[test]
    fn media_links_are_found_with_or_without_a_name() {
        let hash = "ab".repeat(32);
        let body = format!(
            "![A](/media/{hash}/a%20b.png) and [b](/media/{hash}) not /media/{hash}ff nor /media/xyz, \
             nor `/media/{hash}/c.png` in code, nor https://cdn.example.com/media/{hash}/d.png"
        );
        let links = media_links(&body);
        let urls: Vec<&str> = links.iter().map(|l| &body[l.start..l.end]).collect();
        assert_eq!(
            urls,
            [
                format!("/media/{hash}/a%20b.png").as_str(),
                format!("/media/{hash}").as_str()
            ]
        );
    }

    #[test]
    fn image_file_names_are_made_plain() {
        assert_eq!(safe_file_name("photo.PNG"), ("photo".into(), ".png".into()));
        assert_eq!(
            safe_file_name(".hidden.png"),
            ("hidden".into(), ".png".into())
        );
        assert_eq!(
            safe_file_name("a b/../c.md"),
            ("a-b----c".into(), String::new())
        );
        assert_eq!(safe_file_name(""), ("image".into(), String::new()));
    }

    #[test]
    fn image_export_reuses_the_same_bytes_and_never_overwrites_others() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("c/images")).unwrap();
        std::fs::write(root.join("c/images/pic.png"), b"someone else's").unwrap();
        let mut report = ExportReport::default();
        let name = write_image(root, "c", "pic.png", b"mine", &mut report).unwrap();
        assert_eq!(name.as_deref(), Some("pic-2.png"));
        assert_eq!(
            std::fs::read(root.join("c/images/pic.png")).unwrap(),
            b"someone else's"
        );
        let again = write_image(root, "c", "pic.png", b"mine", &mut report).unwrap();
        assert_eq!(again.as_deref(), Some("pic-2.png"), "same bytes, same file");
        assert_eq!(report.written, ["c/images/pic-2.png"]);
        std::os::unix::fs::symlink("/tmp", root.join("d")).unwrap();
        let refused = write_image(root, "d", "pic.png", b"mine", &mut report).unwrap();
        assert_eq!(refused, None, "never through a link");
        assert_eq!(report.diagnostics.len(), 1);
    }

    #[test]
    fn file_names_say_number_and_slug() {
        assert_eq!(file_number("c/03-intro.md"), Some(3));
        assert_eq!(file_slug("c/03-intro.md"), "intro");
        assert_eq!(file_number("c/intro.md"), None);
        assert_eq!(file_slug("c/intro.md"), "intro");
    }

    #[test]
    fn atomic_write_replaces_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b.md");
        write_atomically(&path, b"one").unwrap();
        write_atomically(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        assert_eq!(
            std::fs::read_dir(dir.path().join("a")).unwrap().count(),
            1,
            "no temp file left"
        );
    }
}
