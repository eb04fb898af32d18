//! Lessons in the admin: create, save (optimistic lock), archive and
//! unarchive, restore a revision, reorder, resolve a sync conflict.

use std::path::Path;

use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionTrait,
};

use crate::accounts::{audit, SessionUser};
use crate::content::links::SiteResolver;
use crate::content::store_assets;
use crate::db::entity::{course, lesson, Origin, Status};
use crate::db::lessons::{self, Lesson, LessonFields};
use crate::db::revisions::{self, RevisionText};
use crate::db::site_state;
use crate::markdown::{self, slug, Rendered};

use super::{invalid, EditError, FieldError};

pub const MAX_BODY_BYTES: usize = 1024 * 1024;
pub const MAX_SUMMARY_CHARS: usize = 1000;

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
}

/// Checks the form against the content rules (the same slug rules as files)
/// and returns the lesson's course.
async fn validate(
    db: &impl ConnectionTrait,
    input: &LessonInput,
    lesson_id: Option<i32>,
) -> Result<course::Model, EditError> {
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
    if input.body_md.len() > MAX_BODY_BYTES {
        errors.push(invalid("body_md", "the text is larger than 1 MiB"));
    }
    let course = course::Entity::find_by_id(input.course_id).one(db).await?;
    if course.is_none() {
        errors.push(invalid("course_id", "choose a course"));
    }
    if errors.iter().all(|e| e.field != "slug") {
        let taken = lesson::Entity::find()
            .filter(lesson::Column::CourseId.eq(input.course_id))
            .filter(lesson::Column::Slug.eq(&input.slug))
            .filter(lesson::Column::Id.ne(lesson_id.unwrap_or(0)))
            .one(db)
            .await?;
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
    match course {
        Some(c) if errors.is_empty() => Ok(c),
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
    Ok(render_with_assets(db, content_dir, course_slug, body)
        .await?
        .0)
}

async fn render_with_assets(
    db: &impl ConnectionTrait,
    content_dir: &Path,
    course_slug: &str,
    body: &str,
) -> Result<(Rendered, Vec<crate::content::scan::Asset>), EditError> {
    let resolver = SiteResolver::load(db, content_dir).await?;
    let (course_slug, body) = (course_slug.to_string(), body.to_string());
    let (rendered, resolver) = tokio::task::spawn_blocking(move || {
        let rendered = markdown::render(&body, &course_slug, 1, &resolver);
        (rendered, resolver)
    })
    .await
    .map_err(|e| EditError::Db(sea_orm::DbErr::Custom(e.to_string())))?;
    let assets = resolver.take_used();
    Ok((rendered, assets))
}

fn fields(
    input: &LessonInput,
    rendered: Rendered,
    position: i32,
    current: Option<&Lesson>,
) -> LessonFields {
    LessonFields {
        slug: input.slug.clone(),
        title: input.title.trim().to_string(),
        summary: input.summary.trim().to_string(),
        body_md: input.body_md.clone(),
        body_html: rendered.html,
        toc: serde_json::to_string(&rendered.toc).unwrap_or_else(|_| "[]".into()),
        position,
        status: input.status,
        // Metadata the form does not edit stays as it was.
        tags: current.map_or_else(|| "[]".into(), |c| c.tags.clone()),
        duration: current.and_then(|c| c.duration),
        level: current.and_then(|c| c.level.clone()),
        publish_at: current.and_then(|c| c.publish_at),
        updated_on: current.and_then(|c| c.updated_on),
        source_path: current.and_then(|c| c.source_path.clone()),
        source_hash: current.and_then(|c| c.source_hash.clone()),
        synced_hash: current.and_then(|c| c.synced_hash.clone()),
    }
}

/// Creates a lesson written in the admin (it has no file until exported).
pub async fn create(
    db: &DatabaseConnection,
    content_dir: &Path,
    user: &SessionUser,
    input: &LessonInput,
) -> Result<Lesson, EditError> {
    let course = validate(db, input, None).await?;
    let (rendered, assets) =
        render_with_assets(db, content_dir, &course.slug, &input.body_md).await?;
    store_assets(db, assets.iter()).await?;
    let position = match input.position {
        Some(p) => p,
        None => next_position(db, course.id).await?,
    };
    let fields = fields(input, rendered, position, None);
    let txn = db.begin().await?;
    let lesson = lessons::insert(&txn, course.id, &fields, Some(&user.username)).await?;
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
    site_state::bump(&txn).await?;
    txn.commit().await?;
    Ok(lesson)
}

async fn next_position(db: &impl ConnectionTrait, course_id: i32) -> Result<i32, EditError> {
    let max: Option<Option<i32>> = lesson::Entity::find()
        .select_only()
        .column_as(lesson::Column::Position.max(), "max")
        .filter(lesson::Column::CourseId.eq(course_id))
        .into_tuple()
        .one(db)
        .await?;
    Ok(max.flatten().map_or(1, |m| m.saturating_add(1)))
}

fn target(course: &str, lesson: &str) -> String {
    format!("/{course}/{lesson}/")
}

/// Saves the form over lesson `id`, if nobody saved since `expected_version`.
/// A stale form writes nothing to the lesson; its text is kept as a revision.
pub async fn update(
    db: &DatabaseConnection,
    content_dir: &Path,
    user: &SessionUser,
    id: i32,
    expected_version: i32,
    input: &LessonInput,
) -> Result<Lesson, EditError> {
    save(
        db,
        content_dir,
        user,
        id,
        expected_version,
        input,
        Origin::Admin,
        None,
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn save(
    db: &DatabaseConnection,
    content_dir: &Path,
    user: &SessionUser,
    id: i32,
    expected_version: i32,
    input: &LessonInput,
    origin: Origin,
    note: Option<&str>,
) -> Result<Lesson, EditError> {
    let current = lessons::by_id(db, id).await?.ok_or(EditError::NotFound)?;
    if current.version != expected_version {
        return Err(refuse_stale(db, user, current, expected_version, input).await?);
    }
    let course = validate(db, input, Some(id)).await?;
    let (rendered, assets) =
        render_with_assets(db, content_dir, &course.slug, &input.body_md).await?;
    store_assets(db, assets.iter()).await?;
    let position = input.position.unwrap_or(current.position);
    let fields = fields(input, rendered, position, Some(&current));

    let txn = db.begin().await?;
    let Some(saved) =
        lessons::update_if_version(&txn, id, expected_version, &fields, Some(&user.username))
            .await?
    else {
        drop(txn);
        let current = lessons::by_id(db, id).await?.ok_or(EditError::NotFound)?;
        return Err(refuse_stale(db, user, current, expected_version, input).await?);
    };
    let saved = if saved.course_id != course.id {
        lessons::set_course(&txn, id, course.id).await?;
        lessons::by_id(&txn, id).await?.ok_or(EditError::NotFound)?
    } else {
        saved
    };
    revisions::record(&txn, &saved, origin, Some(&user.username), note).await?;
    let action = if origin == Origin::Restore {
        "lesson.restore_revision"
    } else {
        "lesson.save"
    };
    audit::record(
        &txn,
        &user.username,
        action,
        &target(&course.slug, &saved.slug),
        &format!("version {}", saved.version),
    )
    .await?;
    site_state::bump(&txn).await?;
    txn.commit().await?;
    Ok(saved)
}

/// Keeps a refused text as a revision (nothing is ever lost) and returns the
/// error that shows the editor both texts.
async fn refuse_stale(
    db: &DatabaseConnection,
    user: &SessionUser,
    current: Lesson,
    expected_version: i32,
    input: &LessonInput,
) -> Result<EditError, EditError> {
    let text = RevisionText {
        title: &input.title,
        summary: &input.summary,
        body_md: &input.body_md,
    };
    let note = format!(
        "not applied: saved from version {expected_version} after version {} existed",
        current.version
    );
    revisions::record_text(
        db,
        current.id,
        current.version,
        text,
        Origin::Admin,
        Some(&user.username),
        Some(&note),
    )
    .await?;
    Ok(EditError::Stale {
        current: Box::new(current),
    })
}

/// Archives (`true`) or brings back as a draft (`false`) lesson `id`.
pub async fn set_archived(
    db: &DatabaseConnection,
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
    site_state::bump(&txn).await?;
    txn.commit().await?;
    Ok(lesson)
}

/// Makes revision `revision_id`'s text the lesson's text again, as a new version.
pub async fn restore_revision(
    db: &DatabaseConnection,
    content_dir: &Path,
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
    };
    let note = format!(
        "restored the text of version {} (revision {})",
        revision.version, revision.id
    );
    let mut saved = save(
        db,
        content_dir,
        user,
        id,
        expected_version,
        &input,
        Origin::Restore,
        Some(&note),
    )
    .await?;
    if current.conflict_revision_id == Some(revision_id) {
        // Taking the file's text resolves the conflict: it is in sync again.
        lessons::resolve_conflict(db, id, true).await?;
        saved = lessons::by_id(db, id).await?.ok_or(EditError::NotFound)?;
    }
    Ok(saved)
}

/// Keeps the live (admin) text and closes the lesson's open conflict.
pub async fn keep_admin_text(
    db: &DatabaseConnection,
    user: &SessionUser,
    id: i32,
) -> Result<(), EditError> {
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
pub async fn move_by(
    db: &DatabaseConnection,
    user: &SessionUser,
    id: i32,
    delta: i32,
) -> Result<(), EditError> {
    let lesson = lessons::by_id(db, id).await?.ok_or(EditError::NotFound)?;
    let txn = db.begin().await?;
    let mut order: Vec<i32> = lesson::Entity::find()
        .select_only()
        .column(lesson::Column::Id)
        .filter(lesson::Column::CourseId.eq(lesson.course_id))
        .order_by_asc(lesson::Column::Position)
        .order_by_asc(lesson::Column::Slug)
        .into_tuple()
        .all(&txn)
        .await?;
    let Some(from) = order.iter().position(|l| *l == id) else {
        return Err(EditError::NotFound);
    };
    let to = from as i64 + delta as i64;
    if to < 0 || to >= order.len() as i64 {
        return Ok(());
    }
    order.swap(from, to as usize);
    for (i, lesson_id) in order.iter().enumerate() {
        lesson::Entity::update_many()
            .col_expr(lesson::Column::Position, Expr::value(i as i32 + 1))
            .filter(lesson::Column::Id.eq(*lesson_id))
            .exec(&txn)
            .await?;
    }
    audit::record(
        &txn,
        &user.username,
        "lesson.move",
        &format!("lesson {id}"),
        &format!("by {delta}"),
    )
    .await?;
    site_state::bump(&txn).await?;
    txn.commit().await?;
    Ok(())
}
