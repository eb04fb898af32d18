//! Queries on `courses`.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::entity::{course, Status};

pub use course::Model as Course;

/// Published courses in home-page order.
pub async fn published(db: &impl ConnectionTrait) -> Result<Vec<Course>, DbErr> {
    course::Entity::find()
        .filter(course::Column::Status.eq(Status::Published))
        .order_by_asc(course::Column::Position)
        .order_by_asc(course::Column::Slug)
        .all(db)
        .await
}

/// A published course as the home page lists it: no bodies.
#[derive(Clone, Debug, sea_orm::FromQueryResult)]
pub struct CourseCard {
    pub id: i32,
    pub slug: String,
    pub title: String,
    pub summary: String,
}

/// How many courses are published.
pub async fn published_count(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait;
    course::Entity::find()
        .filter(course::Column::Status.eq(Status::Published))
        .count(db)
        .await
}

/// Published courses `offset..offset + limit` in home-page order, without
/// their bodies (a home page of 1,000 courses reads only the page it shows).
pub async fn published_cards(
    db: &impl ConnectionTrait,
    offset: u64,
    limit: u64,
) -> Result<Vec<CourseCard>, DbErr> {
    course::Entity::find()
        .select_only()
        .columns([
            course::Column::Id,
            course::Column::Slug,
            course::Column::Title,
            course::Column::Summary,
        ])
        .filter(course::Column::Status.eq(Status::Published))
        .order_by_asc(course::Column::Position)
        .order_by_asc(course::Column::Slug)
        .offset(offset)
        .limit(limit)
        .into_model::<CourseCard>()
        .all(db)
        .await
}

/// The published course after `course` in home-page order, if any (one
/// indexed row, not the whole list).
pub async fn next_published(
    db: &impl ConnectionTrait,
    course: &Course,
) -> Result<Option<CourseCard>, DbErr> {
    use sea_orm::Condition;
    if course.status != Status::Published {
        return Ok(None);
    }
    let after = Condition::any()
        .add(course::Column::Position.gt(course.position))
        .add(
            Condition::all()
                .add(course::Column::Position.eq(course.position))
                .add(course::Column::Slug.gt(course.slug.as_str())),
        );
    course::Entity::find()
        .select_only()
        .columns([
            course::Column::Id,
            course::Column::Slug,
            course::Column::Title,
            course::Column::Summary,
        ])
        .filter(course::Column::Status.eq(Status::Published))
        .filter(after)
        .order_by_asc(course::Column::Position)
        .order_by_asc(course::Column::Slug)
        .into_model::<CourseCard>()
        .one(db)
        .await
}

/// Public lessons of each course in `ids` (the home page's cards), at `now`.
pub async fn public_lesson_counts(
    db: &impl ConnectionTrait,
    ids: &[i32],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<std::collections::HashMap<i32, i64>, DbErr> {
    use super::entity::lesson;
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let rows: Vec<(i32, i64)> = lesson::Entity::find()
        .select_only()
        .column(lesson::Column::CourseId)
        .column_as(lesson::Column::Id.count(), "n")
        .filter(lesson::Column::CourseId.is_in(ids.iter().copied()))
        .filter(super::lessons::public_condition(now))
        .group_by(lesson::Column::CourseId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}

pub async fn by_slug(db: &impl ConnectionTrait, slug: &str) -> Result<Option<Course>, DbErr> {
    course::Entity::find()
        .filter(course::Column::Slug.eq(slug))
        .one(db)
        .await
}

/// Every course, for sync's plan.
pub async fn all(db: &impl ConnectionTrait) -> Result<Vec<Course>, DbErr> {
    course::Entity::find().all(db).await
}

/// A course as the admin's lists name it: no bodies.
#[derive(Clone, Debug, sea_orm::FromQueryResult)]
pub struct CourseName {
    pub id: i32,
    pub slug: String,
    pub title: String,
    pub status: Status,
}

/// Every course's name, by id (the order rows are made in).
pub async fn names(db: &impl ConnectionTrait) -> Result<Vec<CourseName>, DbErr> {
    course::Entity::find()
        .select_only()
        .columns([
            course::Column::Id,
            course::Column::Slug,
            course::Column::Title,
            course::Column::Status,
        ])
        .order_by_asc(course::Column::Id)
        .into_model::<CourseName>()
        .all(db)
        .await
}

/// The content of a course as written by sync (and, later, the admin).
#[derive(Clone, Debug)]
pub struct CourseFields {
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub body_md: String,
    pub body_html: String,
    pub position: i32,
    pub status: Status,
    pub source_path: Option<String>,
    pub source_hash: Option<String>,
    pub synced_hash: Option<String>,
}

/// Inserts a course, or replaces the content of course `id`.
pub async fn save(
    db: &impl ConnectionTrait,
    id: Option<i32>,
    f: &CourseFields,
) -> Result<Course, DbErr> {
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};
    let now = chrono::Utc::now();
    let mut m = course::ActiveModel {
        slug: Set(f.slug.clone()),
        title: Set(f.title.clone()),
        summary: Set(f.summary.clone()),
        body_md: Set(f.body_md.clone()),
        body_html: Set(f.body_html.clone()),
        render_version: Set(crate::markdown::RENDER_VERSION),
        position: Set(f.position),
        status: Set(f.status),
        source_path: Set(f.source_path.clone()),
        source_hash: Set(f.source_hash.clone()),
        synced_hash: Set(f.synced_hash.clone()),
        updated_at: Set(now),
        ..Default::default()
    };
    match id {
        Some(id) => {
            m.id = Set(id);
            m.update(db).await
        }
        None => {
            m.created_at = Set(now);
            m.insert(db).await
        }
    }
}

pub async fn set_status(db: &impl ConnectionTrait, id: i32, status: Status) -> Result<(), DbErr> {
    use sea_orm::sea_query::Expr;
    course::Entity::update_many()
        .col_expr(course::Column::Status, Expr::value(status))
        .col_expr(course::Column::UpdatedAt, Expr::value(chrono::Utc::now()))
        .filter(course::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Archives a course whose folder was deleted, forgetting the course file's
/// hash so the folder coming back restores it.
pub async fn archive_missing_folder(db: &impl ConnectionTrait, id: i32) -> Result<(), DbErr> {
    use sea_orm::sea_query::Expr;
    course::Entity::update_many()
        .col_expr(course::Column::Status, Expr::value(Status::Archived))
        .col_expr(
            course::Column::SourceHash,
            Expr::value(Option::<String>::None),
        )
        .col_expr(course::Column::UpdatedAt, Expr::value(chrono::Utc::now()))
        .filter(course::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Records that a course's text was written to `source_path` (by export).
pub async fn mark_exported(
    db: &impl ConnectionTrait,
    id: i32,
    source_path: &str,
    source_hash: &str,
    synced_hash: &str,
) -> Result<(), DbErr> {
    use sea_orm::sea_query::Expr;
    course::Entity::update_many()
        .col_expr(course::Column::SourcePath, Expr::value(source_path))
        .col_expr(course::Column::SourceHash, Expr::value(source_hash))
        .col_expr(course::Column::SyncedHash, Expr::value(synced_hash))
        .filter(course::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Courses whose stored HTML a renderer older than `current` wrote.
pub async fn stale_renders(db: &impl ConnectionTrait, current: i32) -> Result<Vec<Course>, DbErr> {
    course::Entity::find()
        .filter(course::Column::RenderVersion.lt(current))
        .all(db)
        .await
}

/// Stores a new rendering of `course` if its text and slug (the base of its
/// links) are still those it was rendered from, and no newer renderer wrote it.
pub async fn store_render(
    db: &impl ConnectionTrait,
    course: &Course,
    body_html: String,
    render_version: i32,
) -> Result<bool, DbErr> {
    use sea_orm::sea_query::Expr;
    let result = course::Entity::update_many()
        .col_expr(course::Column::BodyHtml, Expr::value(body_html))
        .col_expr(course::Column::RenderVersion, Expr::value(render_version))
        .filter(course::Column::Id.eq(course.id))
        .filter(course::Column::BodyMd.eq(course.body_md.as_str()))
        .filter(course::Column::Slug.eq(course.slug.as_str()))
        .filter(course::Column::RenderVersion.lt(render_version))
        .exec(db)
        .await?;
    Ok(result.rows_affected > 0)
}

/// The position after the last course.
pub async fn next_position(db: &impl ConnectionTrait) -> Result<i32, DbErr> {
    let max: Option<Option<i32>> = course::Entity::find()
        .select_only()
        .column_as(course::Column::Position.max(), "max")
        .into_tuple()
        .one(db)
        .await?;
    Ok(max.flatten().map_or(1, |m| m.saturating_add(1)))
}

/// The ids of all courses in their order on the home page.
pub async fn order(db: &impl ConnectionTrait) -> Result<Vec<i32>, DbErr> {
    course::Entity::find()
        .select_only()
        .column(course::Column::Id)
        .order_by_asc(course::Column::Position)
        .order_by_asc(course::Column::Slug)
        .into_tuple()
        .all(db)
        .await
}

/// Numbers the courses `ids` 1, 2, 3… in that order.
pub async fn renumber(db: &impl ConnectionTrait, ids: &[i32]) -> Result<(), DbErr> {
    for (i, id) in ids.iter().enumerate() {
        course::Entity::update_many()
            .col_expr(course::Column::Position, Expr::value(i as i32 + 1))
            .filter(course::Column::Id.eq(*id))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// The course with id `id`.
pub async fn by_id(db: &impl ConnectionTrait, id: i32) -> Result<Option<Course>, DbErr> {
    course::Entity::find_by_id(id).one(db).await
}
