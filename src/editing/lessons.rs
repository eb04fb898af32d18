//! Lessons in the admin: create, save (optimistic lock), archive and
//! unarchive, restore a revision, reorder, resolve a sync conflict.

use std::path::Path;

use chrono::{DateTime, SecondsFormat, Utc};
use sea_orm::{ConnectionTrait, TransactionTrait};

use crate::accounts::{audit, SessionUser};
use crate::content::links::{LinkPolicy, SiteResolver};
use crate::content::store_assets;
use crate::db::entity::{course, Origin, Status};
use crate::db::lessons::{self, Lesson, LessonFields};
use crate::db::revisions::{self, RevisionText};
use crate::db::site_state;
use crate::db::Db;
use crate::markdown::{self, slug, LessonRef, Level, Rendered};

use super::{invalid, over_limit, EditError, FieldError};
use crate::base::merge;

pub const MAX_BODY_BYTES: usize = 1024 * 1024;
pub const MAX_SUMMARY_CHARS: usize = 1000;
/// Front matter's bounds for `duration`, in minutes.
const DURATION_MINUTES: std::ops::RangeInclusive<i32> = 1..=10_000;
const MAX_PREREQUISITES: usize = 50;

/// What the lesson form submits.
#[derive(Clone, Debug, Default)]
pub struct LessonInput {
    pub course_id: i32,
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub body_md: String,
    pub status: Status,
    pub position: Option<i32>,
    /// Learner information as typed (see [`LearnerText`]); `None` (not sent)
    /// keeps the lesson's current value.
    pub learner: Option<LearnerText>,
}

/// A lesson's learner information as the form shows and sends it: minutes
/// (empty: estimated from the text), level (empty: none), the publication
/// moment with its offset (empty: at once), and prerequisites, one lesson a
/// line as `course/lesson` (or `lesson` for one of the same course).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct LearnerText {
    pub duration: String,
    pub level: String,
    pub publish_at: String,
    pub prerequisites: String,
}

impl LearnerText {
    /// The text of a saved lesson's learner information.
    pub fn of(lesson: &Lesson) -> LearnerText {
        LearnerText {
            duration: lesson.duration.map(|d| d.to_string()).unwrap_or_default(),
            level: lesson
                .level
                .map(|l| l.as_str().to_string())
                .unwrap_or_default(),
            publish_at: lesson
                .publish_at
                .map(|at| at.to_rfc3339_opts(SecondsFormat::AutoSi, true))
                .unwrap_or_default(),
            prerequisites: prerequisites_of(lesson)
                .iter()
                .map(|r| format!("{}/{}\n", r.course, r.slug))
                .collect(),
        }
    }
}

/// A lesson's stored prerequisites.
pub fn prerequisites_of(lesson: &Lesson) -> Vec<LessonRef> {
    lesson.prerequisites.0.clone()
}

/// Learner information, checked.
#[derive(Clone, Debug, Default)]
struct Learner {
    duration: Option<i32>,
    level: Option<crate::db::entity::LessonLevel>,
    publish_at: Option<DateTime<Utc>>,
    prerequisites: Vec<LessonRef>,
}

impl Learner {
    fn of(lesson: Option<&Lesson>) -> Learner {
        lesson.map_or_else(Learner::default, |l| Learner {
            duration: l.duration,
            level: l.level,
            publish_at: l.publish_at,
            prerequisites: prerequisites_of(l),
        })
    }
}

/// `course/lesson`, `/course/lesson/` or `lesson` (of `course`) as a lesson.
fn parse_lesson_ref(line: &str, course: &str) -> Option<LessonRef> {
    let path = line
        .split('#')
        .next()
        .unwrap_or(line)
        .trim()
        .trim_matches('/');
    let (c, l) = match path.split_once('/') {
        Some((c, l)) => (c, l),
        None => (course, path),
    };
    (slug::validate(c).is_ok() && slug::validate(l).is_ok()).then(|| LessonRef {
        course: c.to_string(),
        slug: l.to_string(),
    })
}

/// Checks the learner information the form sent, against the same rules as
/// front matter; prerequisites must name other lessons that exist.
async fn check_learner(
    db: &impl ConnectionTrait,
    text: &LearnerText,
    course_slug: &str,
    lesson_id: Option<i32>,
    errors: &mut Vec<FieldError>,
) -> Result<Learner, EditError> {
    let mut learner = Learner::default();
    let duration = text.duration.trim();
    if !duration.is_empty() {
        match duration.parse::<i32>() {
            Ok(d) if DURATION_MINUTES.contains(&d) => learner.duration = Some(d),
            _ => errors.push(invalid(
                "duration",
                "give a whole number of minutes between 1 and 10000, or leave it empty to estimate it from the text",
            )),
        }
    }
    let level = text.level.trim();
    if !level.is_empty() {
        match Level::parse(level) {
            Some(l) => learner.level = Some(l.into()),
            None => errors.push(invalid(
                "level",
                "choose beginner, intermediate or advanced",
            )),
        }
    }
    let publish_at = text.publish_at.trim();
    if !publish_at.is_empty() {
        match markdown::parse_date_time(publish_at) {
            Some(at) => learner.publish_at = Some(at.with_timezone(&Utc)),
            None => errors.push(invalid(
                "publish_at",
                "give a date and time with its offset from UTC, like 2026-12-01T09:00+01:00 (or 2026-12-01T08:00Z)",
            )),
        }
    }
    let mut problems = Vec::new();
    let lines: Vec<&str> = text
        .prerequisites
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    if lines.len() > MAX_PREREQUISITES {
        problems.push(format!("at most {MAX_PREREQUISITES} prerequisites"));
    }
    for line in lines.iter().take(MAX_PREREQUISITES) {
        let Some(r) = parse_lesson_ref(line, course_slug) else {
            problems.push(format!(
                "“{line}” is not a lesson: write the course and lesson slugs, like “backend-dev/install-node”, or only the lesson slug for a lesson in this course"
            ));
            continue;
        };
        match lessons::id_by_ref(db, &r).await? {
            None => problems.push(format!("there is no lesson “{}/{}”", r.course, r.slug)),
            Some(id) if Some(id) == lesson_id => {
                problems.push("a lesson cannot be its own prerequisite".to_string())
            }
            Some(_) if learner.prerequisites.contains(&r) => {}
            Some(_) => learner.prerequisites.push(r),
        }
    }
    if !problems.is_empty() {
        errors.push(invalid("prerequisites", problems.join("; ")));
    }
    Ok(learner)
}

/// Checks the form against the content rules (the same slug rules as files)
/// and returns the lesson's course and its learner information (`current`'s
/// where the form sent none).
async fn validate(
    db: &impl ConnectionTrait,
    input: &LessonInput,
    lesson_id: Option<i32>,
    current: Option<&Lesson>,
) -> Result<(course::Model, Learner), EditError> {
    let mut errors: Vec<FieldError> = Vec::new();
    let title = input.title.trim();
    if title.is_empty() {
        errors.push(invalid("title", "a title is required"));
    } else if title.chars().count() > markdown::front_matter_title_limit() {
        errors.push(invalid("title", "the title is too long"));
    }
    if let Err(message) = slug::validate_lesson(&input.slug) {
        errors.push(invalid("slug", message));
    }
    if input.summary.chars().count() > MAX_SUMMARY_CHARS {
        errors.push(invalid(
            "summary",
            format!("the summary may have at most {MAX_SUMMARY_CHARS} characters"),
        ));
    }
    errors.extend(over_limit("body_md", &input.body_md, MAX_BODY_BYTES));
    let markers = merge::marker_lines(&input.body_md, MINE_LABEL, THEIRS_LABEL_START);
    if !markers.is_empty() {
        let lines: Vec<String> = markers.iter().map(usize::to_string).collect();
        errors.push(invalid(
            "body_md",
            format!(
                "the text still holds conflict markers (lines {}): keep the words you want between them, delete the marker lines, then save",
                lines.join(", ")
            ),
        ));
    }
    let course = crate::db::courses::by_id(db, input.course_id).await?;
    if course.is_none() {
        errors.push(invalid("course_id", "choose a course"));
    }
    if errors.iter().all(|e| e.field != "slug") {
        let taken = lessons::slug_taken(db, input.course_id, &input.slug, lesson_id).await?;
        if let Some(other) = taken {
            errors.push(invalid(
                "slug",
                format!(
                    "the slug is already used by “{}” in this course",
                    other.title
                ),
            ));
        }
    }
    let learner = match (&input.learner, &course) {
        (Some(text), Some(c)) => check_learner(db, text, &c.slug, lesson_id, &mut errors).await?,
        _ => Learner::of(current),
    };
    match course {
        Some(c) if errors.is_empty() => Ok((c, learner)),
        _ => Err(EditError::Invalid(errors)),
    }
}

/// Renders a body the way the public page will show it (same pipeline,
/// links resolved as for files in the course folder).
pub async fn render(
    db: &impl ConnectionTrait,
    content_dir: &Path,
    course_slug: &str,
    body: &str,
) -> Result<Rendered, EditError> {
    Ok(render_with_assets(db, content_dir, course_slug, None, body)
        .await?
        .0)
}

/// Renders a body (as lesson `lesson_slug`'s when given, with its rendering
/// for the course's one-page view) and returns the assets it used.
async fn render_with_assets(
    db: &impl ConnectionTrait,
    content_dir: &Path,
    course_slug: &str,
    lesson_slug: Option<&str>,
    body: &str,
) -> Result<(Rendered, Vec<crate::content::scan::Asset>), EditError> {
    let resolver = SiteResolver::load(db, content_dir).await?;
    let lesson = lesson_slug.map(|slug| LessonRef {
        course: course_slug.to_string(),
        slug: slug.to_string(),
    });
    let (course_slug, body) = (course_slug.to_string(), body.to_string());
    let (rendered, resolver) = tokio::task::spawn_blocking(move || {
        let rendered = match &lesson {
            Some(lesson) => markdown::render_lesson(&body, lesson, 1, &resolver),
            None => markdown::render(&body, &course_slug, 1, &resolver),
        };
        (rendered, resolver)
    })
    .await
    .map_err(|e| EditError::Internal(format!("rendering failed: {e}")))?;
    let assets = resolver.take_used();
    Ok((rendered, assets))
}

fn fields(
    input: &LessonInput,
    rendered: Rendered,
    position: i32,
    current: Option<&Lesson>,
    learner: Learner,
) -> LessonFields {
    LessonFields {
        slug: input.slug.clone(),
        title: input.title.trim().to_string(),
        summary: input.summary.trim().to_string(),
        body_md: input.body_md.clone(),
        render: crate::db::lessons::StoredRender::of(rendered),
        position,
        status: input.status,
        prerequisites: learner.prerequisites,
        duration: learner.duration,
        level: learner.level,
        publish_at: learner.publish_at,
        // Metadata the form does not edit stays as it was.
        tags: current.map_or_else(Vec::new, |c| c.tags.0.clone()),
        updated_on: current.and_then(|c| c.updated_on),
        // The moment of saving, if the text changed (`update_if_version`).
        text_changed_at: None,
        source_path: current.and_then(|c| c.source_path.clone()),
        source_hash: current.and_then(|c| c.source_hash.clone()),
        synced_hash: current.and_then(|c| c.synced_hash.clone()),
    }
}

/// What a save checks a text against: the content folder (the files its
/// links and images name) and the rule for dead links, the one sync and
/// `lectern check` apply (`strict_links`).
#[derive(Clone, Copy, Debug)]
pub struct Checks<'a> {
    pub content_dir: &'a Path,
    pub links: LinkPolicy,
}

/// Creates a lesson written in the admin (it has no file until exported).
pub async fn create(
    db: &Db,
    checks: Checks<'_>,
    user: &SessionUser,
    input: &LessonInput,
) -> Result<Lesson, EditError> {
    let (course, learner) = validate(db, input, None, None).await?;
    let (rendered, assets) = render_with_assets(
        db,
        checks.content_dir,
        &course.slug,
        Some(&input.slug),
        &input.body_md,
    )
    .await?;
    refuse_unpublishable(checks.links, input.status, &rendered)?;
    store_assets(db, assets.iter()).await?;
    let position = match input.position {
        Some(p) => p,
        None => lessons::next_position(db, course.id).await?,
    };
    let fields = fields(input, rendered, position, None, learner);
    let txn = db.begin().await?;
    let lesson = lessons::insert(&txn, course.id, &fields, Some(&user.username)).await?;
    crate::db::redirects::claim_lesson_url(&txn, &lesson).await?;
    revisions::record(
        &txn,
        &lesson,
        Origin::Admin,
        Some(&user.username),
        Some("created in the admin"),
    )
    .await?;
    audit::record(
        &txn,
        &user.username,
        "lesson.create",
        &target(&course.slug, &lesson.slug),
        "",
    )
    .await?;
    site_state::commit(db, txn).await?;
    Ok(lesson)
}

fn target(course: &str, lesson: &str) -> String {
    crate::base::urls::lesson_url(course, lesson)
}

/// What a save led to.
#[derive(Debug)]
pub struct Saved {
    pub lesson: Lesson,
    /// Set when somebody saved while the form was open and the two edits
    /// were merged: the version they saved.
    pub merged_with: Option<i32>,
}

/// A save that met a version saved meanwhile and could not be merged by
/// itself: nothing was applied; the edit's text is kept as a revision.
#[derive(Debug)]
pub struct Unmerged {
    /// The live lesson (the other side).
    pub current: Lesson,
    /// The version the form was opened at; the form keeps it, so saving
    /// again merges (and is refused) again.
    pub opened_version: i32,
    /// What the form should hold now: both edits merged, each conflicting
    /// part of the text between labelled markers, the edit's value for a
    /// conflicting field.
    pub merged: LessonInput,
    pub conflicts: Vec<merge::FieldConflict>,
    pub body_conflicts: usize,
    /// Fields only the other side changed, taken into the form.
    pub from_theirs: Vec<&'static str>,
    /// Who saved the live version, and when, in words.
    pub theirs_label: String,
}

/// The label of the edit's side of a conflict in the text.
pub const MINE_LABEL: &str = "your text";
/// The start of the label of the live side ("version 7 by …").
const THEIRS_LABEL_START: &str = "version ";

/// Saves the form over lesson `id`. When somebody saved since
/// `expected_version` (the version the form was opened at), the two edits
/// are merged three ways: without overlap the merge is saved; with overlap
/// nothing is applied and [`EditError::Unmerged`] carries both sides.
pub async fn update(
    db: &Db,
    checks: Checks<'_>,
    user: &SessionUser,
    id: i32,
    expected_version: i32,
    input: &LessonInput,
) -> Result<Saved, EditError> {
    let current = lessons::by_id(db, id).await?.ok_or(EditError::NotFound)?;
    if current.version != expected_version {
        return merge_stale(db, checks, user, current, expected_version, input).await;
    }
    let write = Write {
        origin: Origin::Admin,
        note: None,
        action: "lesson.save",
    };
    match save(db, checks, user, id, expected_version, input, write).await {
        Err(EditError::Stale { current }) => {
            merge_stale(db, checks, user, *current, expected_version, input).await
        }
        other => other.map(|lesson| Saved {
            lesson,
            merged_with: None,
        }),
    }
}

/// After a refused merge: the editor's text replaces version
/// `replaces_version` (the one the conflict was shown against), on purpose.
/// Recorded as such in the history and the audit log. When yet another
/// version was saved since, it is merged like any stale save.
pub async fn replace(
    db: &Db,
    checks: Checks<'_>,
    user: &SessionUser,
    id: i32,
    opened_version: i32,
    replaces_version: i32,
    input: &LessonInput,
) -> Result<Saved, EditError> {
    let current = lessons::by_id(db, id).await?.ok_or(EditError::NotFound)?;
    if current.version != replaces_version {
        return merge_stale(db, checks, user, current, opened_version, input).await;
    }
    let note = format!(
        "replaced version {replaces_version}{} after a conflict",
        current
            .updated_by
            .as_deref()
            .map(|by| format!(" by {by}"))
            .unwrap_or_default()
    );
    let write = Write {
        origin: Origin::Admin,
        note: Some(&note),
        action: "lesson.replace",
    };
    match save(db, checks, user, id, replaces_version, input, write).await {
        Err(EditError::Stale { current }) => {
            merge_stale(db, checks, user, *current, opened_version, input).await
        }
        other => other.map(|lesson| Saved {
            lesson,
            merged_with: None,
        }),
    }
}

/// The editable parts of a form. Fields it did not send count as unchanged:
/// `base`'s, else `theirs`'.
fn parts_of_input(
    input: &LessonInput,
    base: Option<&merge::Parts>,
    theirs: &merge::Parts,
) -> merge::Parts {
    let unchanged = |name: &str| {
        base.and_then(|b| b.fields.as_ref())
            .or(theirs.fields.as_ref())
            .and_then(|f| f.get(name).cloned())
            .unwrap_or_default()
    };
    let mut fields = std::collections::BTreeMap::new();
    fields.insert("slug", input.slug.clone());
    fields.insert("course_id", input.course_id.to_string());
    fields.insert("status", input.status.as_str().to_string());
    let learner = input.learner.as_ref();
    for (name, value) in [
        ("duration", learner.map(|l| l.duration.clone())),
        ("level", learner.map(|l| l.level.clone())),
        ("publish_at", learner.map(|l| l.publish_at.clone())),
        ("prerequisites", learner.map(|l| l.prerequisites.clone())),
    ] {
        fields.insert(name, value.unwrap_or_else(|| unchanged(name)));
    }
    merge::Parts {
        title: input.title.clone(),
        summary: input.summary.clone(),
        body_md: input.body_md.clone(),
        fields: Some(fields),
    }
}

/// A form again, from merged parts (`like`'s position).
fn input_of_parts(parts: &merge::Parts, like: &LessonInput) -> LessonInput {
    let field = |name: &str| {
        parts
            .fields
            .as_ref()
            .and_then(|f| f.get(name).cloned())
            .unwrap_or_default()
    };
    LessonInput {
        course_id: field("course_id").parse().unwrap_or(like.course_id),
        slug: field("slug"),
        title: parts.title.clone(),
        summary: parts.summary.clone(),
        body_md: parts.body_md.clone(),
        status: Status::from_name(&field("status")),
        position: like.position,
        learner: Some(LearnerText {
            duration: field("duration"),
            level: field("level"),
            publish_at: field("publish_at"),
            prerequisites: field("prerequisites"),
        }),
    }
}

/// "version 7 by bob on 2026-12-05 at 10:40 UTC": the live side, in words.
fn version_label(l: &Lesson) -> String {
    format!(
        "{THEIRS_LABEL_START}{}{} on {}",
        l.version,
        l.updated_by
            .as_deref()
            .map(|by| format!(" by {by}"))
            .unwrap_or_default(),
        l.updated_at.format("%Y-%m-%d at %H:%M UTC")
    )
}

/// A save from `opened_version` met `current`: merge the two edits three
/// ways (base: the text of the opened version). Without overlap the merge
/// is saved as a new version (tried again, from the newest, when yet
/// another save lands meanwhile); with overlap nothing is applied, the
/// edit's text is kept as a revision, and the caller shows both sides.
async fn merge_stale(
    db: &Db,
    checks: Checks<'_>,
    user: &SessionUser,
    current: Lesson,
    opened_version: i32,
    input: &LessonInput,
) -> Result<Saved, EditError> {
    // The form of an earlier refusal, saved again with its parts still
    // marked: the markers were made against a version, so the text is
    // merged from that one (newer changes elsewhere join it) and refused
    // again while the markers are there.
    let marked_against = marked_version(&input.body_md);
    let base = base_parts(db, current.id, marked_against.unwrap_or(opened_version)).await?;
    let mut current = current;
    let mut attempts = 0;
    loop {
        attempts += 1;
        let theirs = lessons::merge_parts(&current);
        let mine = parts_of_input(input, base.as_ref(), &theirs);
        let labels = merge::Labels {
            mine: MINE_LABEL.to_string(),
            theirs: version_label(&current),
        };
        let merged = merge::merge(base.as_ref(), &mine, &theirs, &labels);
        let merged_input = input_of_parts(&merged.parts, input);
        if marked_against.is_some() || !merged.is_clean() {
            keep_refused_text(
                db,
                user,
                &current,
                input,
                &format!(
                    "not applied: saved from version {opened_version} after version {} existed; the edits overlap",
                    current.version
                ),
            )
            .await?;
            return Err(unmerged(current, opened_version, merged_input, &merged));
        }
        let theirs_by = current
            .updated_by
            .as_deref()
            .map(|by| format!(" by {by}"))
            .unwrap_or_default();
        let note = format!(
            "merged an edit made from version {opened_version} with version {}{theirs_by}",
            current.version
        );
        let write = Write {
            origin: Origin::Admin,
            note: Some(&note),
            action: "lesson.merge",
        };
        let version = current.version;
        match save(db, checks, user, current.id, version, &merged_input, write).await {
            Ok(lesson) => {
                // The edit as typed stays recoverable beside the merge.
                keep_refused_text(
                    db,
                    user,
                    &current,
                    input,
                    &format!(
                        "your edit from version {opened_version} as typed, merged with version {version} into version {}",
                        lesson.version
                    ),
                )
                .await?;
                return Ok(Saved {
                    lesson,
                    merged_with: Some(version),
                });
            }
            Err(EditError::Stale { current: newer }) if attempts < MERGE_ATTEMPTS => {
                current = *newer;
            }
            Err(EditError::Stale { current: newer }) => {
                // Saves keep landing: show both whole texts rather than
                // merge blindly.
                let whole = merge::merge(None, &mine, &lessons::merge_parts(&newer), &labels);
                let whole_input = input_of_parts(&whole.parts, input);
                keep_refused_text(
                    db,
                    user,
                    &newer,
                    input,
                    "not applied: the lesson kept changing while it was merged",
                )
                .await?;
                return Err(unmerged(*newer, opened_version, whole_input, &whole));
            }
            // The merged text fails a check, maybe in the other side's
            // part: say that it is the merge that does.
            Err(EditError::Invalid(errors)) => {
                let after = format!(
                    " (this is the text merged from your edit and version {version}{theirs_by}, saved while you were editing)"
                );
                return Err(EditError::Invalid(
                    errors
                        .into_iter()
                        .map(|mut e| {
                            e.message.push_str(&after);
                            e
                        })
                        .collect(),
                ));
            }
            Err(e) => return Err(e),
        }
    }
}

/// How often a clean merge is tried again when other saves keep landing.
const MERGE_ATTEMPTS: usize = 3;

/// The text and fields of version `version`, as the base of a merge.
async fn base_parts(
    db: &Db,
    lesson_id: i32,
    version: i32,
) -> Result<Option<merge::Parts>, EditError> {
    Ok(revisions::making_version(db, lesson_id, version)
        .await?
        .map(revisions::merge_parts))
}

/// The version a text's conflict markers were made against, read from
/// their closing line (">>>>>>> version 7 by …"), if it holds any.
fn marked_version(body: &str) -> Option<i32> {
    let prefix = format!("{}{THEIRS_LABEL_START}", merge::THEIRS_MARKER);
    body.lines().find_map(|l| {
        let rest = l.strip_prefix(&prefix)?;
        rest.split(|c: char| !c.is_ascii_digit())
            .next()?
            .parse()
            .ok()
    })
}

fn unmerged(
    current: Lesson,
    opened_version: i32,
    merged_input: LessonInput,
    merged: &merge::Merged,
) -> EditError {
    let regions = merged_input
        .body_md
        .lines()
        .filter(|l| {
            l.strip_prefix(merge::MINE_MARKER)
                .is_some_and(|rest| rest.starts_with(MINE_LABEL))
        })
        .count();
    EditError::Unmerged(Box::new(Unmerged {
        theirs_label: version_label(&current),
        current,
        opened_version,
        merged: merged_input,
        conflicts: merged.conflicts.clone(),
        body_conflicts: merged.body_conflicts.max(regions),
        from_theirs: merged.from_theirs.clone(),
    }))
}

/// Whether a revision's note marks a text kept beside a version rather
/// than the version itself (a refused save, an edit as typed before its
/// merge).
pub fn is_kept_text(note: &str) -> bool {
    note.starts_with(KEPT_REFUSED)
        || note.starts_with(KEPT_AS_TYPED)
        || note == crate::content::plan::FILE_TEXT_KEPT
}

const KEPT_REFUSED: &str = "not applied: ";
const KEPT_AS_TYPED: &str = "your edit from version ";

/// How a save is recorded.
struct Write<'a> {
    origin: Origin,
    note: Option<&'a str>,
    action: &'static str,
}

/// Writes the form over lesson `id` at `expected_version` after the same
/// checks as a file gets; `Stale` when another save got there first.
async fn save(
    db: &Db,
    checks: Checks<'_>,
    user: &SessionUser,
    id: i32,
    expected_version: i32,
    input: &LessonInput,
    write: Write<'_>,
) -> Result<Lesson, EditError> {
    let current = lessons::by_id(db, id).await?.ok_or(EditError::NotFound)?;
    if current.version != expected_version {
        return Err(EditError::Stale {
            current: Box::new(current),
        });
    }
    let (course, learner) = validate(db, input, Some(id), Some(&current)).await?;
    let (rendered, assets) = render_with_assets(
        db,
        checks.content_dir,
        &course.slug,
        Some(&input.slug),
        &input.body_md,
    )
    .await?;
    refuse_unpublishable(checks.links, input.status, &rendered)?;
    store_assets(db, assets.iter()).await?;
    // Order is not content: a form carries the position it was opened at,
    // which a reorder since would make stale.
    let position = current.position;
    let fields = fields(input, rendered, position, Some(&current), learner);

    let txn = db.begin().await?;
    let Some(saved) =
        lessons::update_if_version(&txn, id, expected_version, &fields, Some(&user.username))
            .await?
    else {
        drop(txn);
        let current = lessons::by_id(db, id).await?.ok_or(EditError::NotFound)?;
        return Err(EditError::Stale {
            current: Box::new(current),
        });
    };
    let saved = if saved.course_id != course.id {
        lessons::set_course(&txn, id, course.id).await?;
        lessons::by_id(&txn, id).await?.ok_or(EditError::NotFound)?
    } else {
        saved
    };
    crate::db::redirects::claim_lesson_url(&txn, &saved).await?;
    if current.slug != saved.slug || current.course_id != saved.course_id {
        // Published links keep working: the old URL redirects here.
        if let Some(old_course) = crate::db::courses::by_id(&txn, current.course_id).await? {
            crate::db::redirects::lesson_moved(&txn, &target(&old_course.slug, &current.slug), id)
                .await?;
        }
    }
    revisions::record(&txn, &saved, write.origin, Some(&user.username), write.note).await?;
    audit::record(
        &txn,
        &user.username,
        write.action,
        &target(&course.slug, &saved.slug),
        &format!("version {}", saved.version),
    )
    .await?;
    site_state::commit(db, txn).await?;
    Ok(saved)
}

/// The problems `lectern check` reports for a rendered body (links and
/// images that lead nowhere, mistakes in quizzes), with their lines and the
/// same messages.
pub fn problems(rendered: &Rendered) -> Vec<crate::content::links::Problem> {
    crate::content::links::render_problems(rendered)
}

/// A lesson going live may not carry a dead link or image under the strict
/// rule ([`LinkPolicy`], the one sync and `lectern check` apply), named by
/// line. A draft may be saved with them, and under the lenient rule a
/// published lesson too (the editor lists them as warnings).
fn refuse_unpublishable(
    links: LinkPolicy,
    status: Status,
    rendered: &Rendered,
) -> Result<(), EditError> {
    let found = problems(rendered);
    if !links.refuses(status == Status::Published, found.len()) {
        return Ok(());
    }
    Err(EditError::Invalid(vec![invalid(
        "body_md",
        format!(
            "a published lesson cannot link to what does not exist or hold a quiz with mistakes; fix these, or save it as a draft: {}",
            problems_in_words(&found)
        ),
    )]))
}

/// The most problems a message lists by line.
const PROBLEMS_LISTED: usize = 20;

/// Problems in one line of words, the first [`PROBLEMS_LISTED`] by line.
pub fn problems_in_words(found: &[crate::content::links::Problem]) -> String {
    let mut words: Vec<String> = found
        .iter()
        .take(PROBLEMS_LISTED)
        .map(ToString::to_string)
        .collect();
    if found.len() > PROBLEMS_LISTED {
        words.push(format!("and {} more", found.len() - PROBLEMS_LISTED));
    }
    words.join("; ")
}

/// Keeps a text that was not applied as it was typed, as a revision at the
/// live version (nothing an editor typed is ever lost).
async fn keep_refused_text(
    db: &Db,
    user: &SessionUser,
    current: &Lesson,
    input: &LessonInput,
    note: &str,
) -> Result<(), EditError> {
    let text = RevisionText {
        title: &input.title,
        summary: &input.summary,
        body_md: &input.body_md,
        fields: None,
    };
    revisions::record_text(
        db,
        current.id,
        current.version,
        text,
        Origin::Admin,
        Some(&user.username),
        Some(note),
    )
    .await?;
    Ok(())
}

/// Archives (`true`) or brings back as a draft (`false`) lesson `id`.
pub async fn set_archived(
    db: &Db,
    user: &SessionUser,
    id: i32,
    expected_version: i32,
    archived: bool,
) -> Result<Lesson, EditError> {
    let status = if archived {
        Status::Archived
    } else {
        Status::Draft
    };
    let txn = db.begin().await?;
    let Some(lesson) =
        lessons::set_status_if_version(&txn, id, expected_version, status, Some(&user.username))
            .await?
    else {
        // End the transaction before reading on another connection.
        drop(txn);
        let current = lessons::by_id(db, id).await?.ok_or(EditError::NotFound)?;
        return Err(EditError::Stale {
            current: Box::new(current),
        });
    };
    let (note, action) = if archived {
        ("archived in the admin", "lesson.archive")
    } else {
        (
            "brought back from the archive as a draft",
            "lesson.unarchive",
        )
    };
    revisions::record(
        &txn,
        &lesson,
        Origin::Admin,
        Some(&user.username),
        Some(note),
    )
    .await?;
    audit::record(&txn, &user.username, action, &format!("lesson {id}"), "").await?;
    site_state::commit(db, txn).await?;
    Ok(lesson)
}

/// Makes revision `revision_id`'s text the lesson's text again, as a new version.
pub async fn restore_revision(
    db: &Db,
    checks: Checks<'_>,
    user: &SessionUser,
    id: i32,
    revision_id: i32,
    expected_version: i32,
) -> Result<Lesson, EditError> {
    let current = lessons::by_id(db, id).await?.ok_or(EditError::NotFound)?;
    let revision = revisions::by_id(db, revision_id)
        .await?
        .filter(|r| r.lesson_id == id)
        .ok_or(EditError::NotFound)?;
    let input = LessonInput {
        course_id: current.course_id,
        slug: current.slug.clone(),
        title: revision.title.clone(),
        summary: revision.summary.clone(),
        body_md: revision.body_md.clone(),
        status: current.status,
        position: Some(current.position),
        learner: None,
    };
    let made_it = revisions::making_version(db, id, revision.version)
        .await?
        .is_some_and(|r| r.id == revision.id);
    let note = match (&revision.note, made_it) {
        (Some(kept), false) => format!(
            "restored a text kept at version {}: {kept}",
            revision.version
        ),
        _ => format!("restored the text of version {}", revision.version),
    };
    let write = Write {
        origin: Origin::Restore,
        note: Some(&note),
        action: "lesson.restore_revision",
    };
    let mut saved = save(db, checks, user, id, expected_version, &input, write).await?;
    if current.conflict_revision_id == Some(revision_id) {
        // Taking the file's text resolves the conflict: it is in sync again.
        lessons::resolve_conflict(db, id, true).await?;
        saved = lessons::by_id(db, id).await?.ok_or(EditError::NotFound)?;
    }
    Ok(saved)
}

/// Keeps the live (admin) text and closes the lesson's open conflict.
pub async fn keep_admin_text(db: &Db, user: &SessionUser, id: i32) -> Result<(), EditError> {
    let txn = db.begin().await?;
    lessons::resolve_conflict(&txn, id, false).await?;
    audit::record(
        &txn,
        &user.username,
        "lesson.keep_admin_text",
        &format!("lesson {id}"),
        "",
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Moves a lesson one place up (`-1`) or down (`1`) in its course, renumbering
/// the course's positions. Order is not content: versions are not bumped.
pub async fn move_by(db: &Db, user: &SessionUser, id: i32, delta: i32) -> Result<(), EditError> {
    let lesson = lessons::by_id(db, id).await?.ok_or(EditError::NotFound)?;
    super::reorder(
        db,
        user,
        super::Ordered::LessonsOf(lesson.course_id),
        id,
        delta,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prerequisite_lines_name_lessons() {
        let r = |c: &str, s: &str| {
            Some(LessonRef {
                course: c.into(),
                slug: s.into(),
            })
        };
        assert_eq!(
            parse_lesson_ref("install-node", "web"),
            r("web", "install-node")
        );
        assert_eq!(
            parse_lesson_ref(" /backend-dev/install-node/ ", "web"),
            r("backend-dev", "install-node")
        );
        assert_eq!(parse_lesson_ref("a/b#part", "web"), r("a", "b"));
        assert_eq!(parse_lesson_ref("a/b/c", "web"), None);
        assert_eq!(parse_lesson_ref("../x", "web"), None);
        assert_eq!(parse_lesson_ref("Big", "web"), None);
    }
}
