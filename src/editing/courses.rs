//! Courses in the admin: create, edit, reorder.

use crate::base::urls::course_url;
use crate::db::Db;
use std::path::Path;

use sea_orm::TransactionTrait;

use crate::accounts::{audit, SessionUser};
use crate::db::courses::{self, Course, CourseFields};
use crate::db::entity::Status;
use crate::db::site_state;
use crate::markdown::{self, slug};

use super::{invalid, lessons::render, over_limit, EditError, FieldError};

#[derive(Clone, Debug, Default)]
pub struct CourseInput {
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub body_md: String,
    pub status: Status,
}

async fn validate(db: &Db, input: &CourseInput, id: Option<i32>) -> Result<(), EditError> {
    let mut errors: Vec<FieldError> = Vec::new();
    if input.title.trim().is_empty() {
        errors.push(invalid("title", "a title is required"));
    } else if input.title.trim().chars().count() > markdown::front_matter_title_limit() {
        errors.push(invalid("title", "the title is too long"));
    }
    if let Err(m) = slug::validate_course(&input.slug) {
        errors.push(invalid("slug", m));
    } else if let Some(other) = courses::by_slug(db, &input.slug).await? {
        if Some(other.id) != id {
            errors.push(invalid(
                "slug",
                format!("the slug is already used by “{}”", other.title),
            ));
        }
    }
    errors.extend(over_limit(
        "body_md",
        &input.body_md,
        super::lessons::MAX_BODY_BYTES,
    ));
    if errors.is_empty() {
        Ok(())
    } else {
        Err(EditError::Invalid(errors))
    }
}

/// Creates (`id` = None) or updates a course.
pub async fn save(
    db: &Db,
    content_dir: &Path,
    user: &SessionUser,
    id: Option<i32>,
    input: &CourseInput,
) -> Result<Course, EditError> {
    validate(db, input, id).await?;
    let current = match id {
        Some(id) => Some(courses::by_id(db, id).await?.ok_or(EditError::NotFound)?),
        None => None,
    };
    let rendered = render(db, content_dir, &input.slug, &input.body_md).await?;
    let position = match &current {
        Some(c) => c.position,
        None => courses::next_position(db).await?,
    };
    let fields = CourseFields {
        slug: input.slug.clone(),
        title: input.title.trim().to_string(),
        summary: input.summary.trim().to_string(),
        body_md: input.body_md.clone(),
        body_html: rendered.html,
        position,
        status: input.status,
        source_path: current.as_ref().and_then(|c| c.source_path.clone()),
        source_hash: current.as_ref().and_then(|c| c.source_hash.clone()),
        synced_hash: current.as_ref().and_then(|c| c.synced_hash.clone()),
    };
    let txn = db.begin().await?;
    let saved = courses::save(&txn, id, &fields).await?;
    crate::db::redirects::claim_course_url(&txn, &saved.slug).await?;
    if let Some(old) = current.as_ref().filter(|c| c.slug != saved.slug) {
        // The course's old URL, and its lessons' under it, redirect here.
        crate::db::redirects::course_moved(&txn, &course_url(&old.slug), saved.id).await?;
    }
    let action = if id.is_some() {
        "course.save"
    } else {
        "course.create"
    };
    audit::record(&txn, &user.username, action, &course_url(&saved.slug), "").await?;
    site_state::commit(db, txn).await?;
    Ok(saved)
}

/// Moves a course one place up (`-1`) or down (`1`) on the home page.
pub async fn move_by(db: &Db, user: &SessionUser, id: i32, delta: i32) -> Result<(), EditError> {
    super::reorder(db, user, super::Ordered::Courses, id, delta).await
}
