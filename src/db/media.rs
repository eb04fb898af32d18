//! Queries on `media`.

use std::collections::HashSet;

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QuerySelect,
};

use super::entity::media;

pub use media::Model as Media;

/// Which of `hashes` are already stored.
pub async fn existing(
    db: &impl ConnectionTrait,
    hashes: &[String],
) -> Result<HashSet<String>, DbErr> {
    let mut found = HashSet::new();
    for chunk in hashes.chunks(500) {
        let rows: Vec<String> = media::Entity::find()
            .select_only()
            .column(media::Column::Sha256)
            .filter(media::Column::Sha256.is_in(chunk.iter().cloned()))
            .into_tuple()
            .all(db)
            .await?;
        found.extend(rows);
    }
    Ok(found)
}

pub async fn insert(
    db: &impl ConnectionTrait,
    sha256: &str,
    name: &str,
    content_type: &str,
    bytes: Vec<u8>,
) -> Result<(), DbErr> {
    media::ActiveModel {
        sha256: Set(sha256.to_string()),
        name: Set(name.to_string()),
        content_type: Set(content_type.to_string()),
        size: Set(bytes.len() as i64),
        bytes: Set(bytes),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

pub async fn by_hash(db: &impl ConnectionTrait, sha256: &str) -> Result<Option<Media>, DbErr> {
    media::Entity::find()
        .filter(media::Column::Sha256.eq(sha256))
        .one(db)
        .await
}

/// A stored file without its bytes.
#[derive(Clone, Debug, sea_orm::FromQueryResult, serde::Serialize)]
pub struct MediaInfo {
    pub sha256: String,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub alt: String,
}

/// The newest stored files, without their bytes.
pub async fn recent(db: &impl ConnectionTrait, limit: u64) -> Result<Vec<MediaInfo>, DbErr> {
    use sea_orm::QueryOrder;
    media::Entity::find()
        .select_only()
        .columns([
            media::Column::Sha256,
            media::Column::Name,
            media::Column::ContentType,
            media::Column::Size,
            media::Column::CreatedAt,
            media::Column::Alt,
        ])
        .order_by_desc(media::Column::Id)
        .limit(limit)
        .into_model::<MediaInfo>()
        .all(db)
        .await
}

/// Gives the image `sha256` its alt text when it has none yet (an image
/// uploaded again keeps the words it was first given).
pub async fn set_alt_if_empty(
    db: &impl ConnectionTrait,
    sha256: &str,
    alt: &str,
) -> Result<(), DbErr> {
    use sea_orm::sea_query::Expr;
    media::Entity::update_many()
        .col_expr(media::Column::Alt, Expr::value(alt))
        .filter(media::Column::Sha256.eq(sha256))
        .filter(media::Column::Alt.eq(""))
        .exec(db)
        .await?;
    Ok(())
}

/// Where a stored file is referred to, by its hash: lessons and courses
/// whose markdown or rendered page names it (a file synced from git is
/// named by its path in the markdown and by its hash in the page), and
/// lessons whose past revisions name it.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Usage {
    /// `(id, title)` of lessons that show it now.
    pub lessons: Vec<(i32, String)>,
    /// `(id, title)` of courses whose introduction shows it.
    pub courses: Vec<(i32, String)>,
    /// `(id, title)` of lessons with a past revision that showed it.
    pub revisions: Vec<(i32, String)>,
    /// Editors' autosaved drafts that show it (their text is not saved yet).
    pub drafts: u64,
}

impl Usage {
    pub fn is_empty(&self) -> bool {
        self.lessons.is_empty()
            && self.courses.is_empty()
            && self.revisions.is_empty()
            && self.drafts == 0
    }
}

/// The lessons (id, title) whose live text shows the file `sha256`: by its
/// URL in the markdown (an upload), or in the rendered page (a file synced
/// from the content folder, which the markdown names by a relative path).
/// The page is stored compressed (`db::stored_html`), so it cannot be
/// searched by the database: the pages of lessons from files are read a
/// batch at a time and looked through here. Slow on a large site (seconds
/// at 100,000 lessons), and only deleting an image asks.
async fn lessons_using(
    db: &impl ConnectionTrait,
    sha256: &str,
) -> Result<Vec<(i32, String)>, DbErr> {
    use super::entity::lesson;
    use super::stored_html::StoredHtml;
    use sea_orm::QueryOrder;
    const BATCH: u64 = 200;
    let mut found: Vec<(i32, String)> = lesson::Entity::find()
        .select_only()
        .columns([lesson::Column::Id, lesson::Column::Title])
        .filter(lesson::Column::BodyMd.contains(sha256))
        .order_by_asc(lesson::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    let mut after = 0;
    loop {
        let batch: Vec<(i32, String, StoredHtml)> = lesson::Entity::find()
            .select_only()
            .columns([
                lesson::Column::Id,
                lesson::Column::Title,
                lesson::Column::BodyHtml,
            ])
            .filter(lesson::Column::SourcePath.is_not_null())
            .filter(lesson::Column::Id.gt(after))
            .order_by_asc(lesson::Column::Id)
            .limit(BATCH)
            .into_tuple()
            .all(db)
            .await?;
        let Some(last) = batch.last() else { break };
        after = last.0;
        for (id, title, html) in batch {
            if !found.iter().any(|(f, _)| *f == id) && html.html()?.contains(sha256) {
                found.push((id, title));
            }
        }
    }
    found.sort_by_key(|(id, _)| *id);
    Ok(found)
}

pub async fn usage(db: &impl ConnectionTrait, sha256: &str) -> Result<Usage, DbErr> {
    use super::entity::{course, lesson, lesson_revision};
    use sea_orm::{Condition, QueryOrder};
    let lessons = lessons_using(db, sha256).await?;
    let courses = course::Entity::find()
        .select_only()
        .columns([course::Column::Id, course::Column::Title])
        .filter(
            Condition::any()
                .add(course::Column::BodyMd.contains(sha256))
                .add(course::Column::BodyHtml.contains(sha256)),
        )
        .order_by_asc(course::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    let in_revisions: Vec<i32> = lesson_revision::Entity::find()
        .select_only()
        .column(lesson_revision::Column::LessonId)
        .distinct()
        .filter(lesson_revision::Column::BodyMd.contains(sha256))
        .into_tuple()
        .all(db)
        .await?;
    let revisions = lesson::Entity::find()
        .select_only()
        .columns([lesson::Column::Id, lesson::Column::Title])
        .filter(lesson::Column::Id.is_in(in_revisions))
        .order_by_asc(lesson::Column::Id)
        .into_tuple::<(i32, String)>()
        .all(db)
        .await?
        .into_iter()
        .filter(|l| !lessons.contains(l))
        .collect();
    let drafts = super::entity::lesson_draft::Entity::find()
        .filter(super::entity::lesson_draft::Column::Fields.contains(sha256))
        .count(db)
        .await?;
    Ok(Usage {
        lessons,
        courses,
        revisions,
        drafts,
    })
}

/// Removes the stored file `sha256`; `false` when there was none.
pub async fn delete(db: &impl ConnectionTrait, sha256: &str) -> Result<bool, DbErr> {
    let done = media::Entity::delete_many()
        .filter(media::Column::Sha256.eq(sha256))
        .exec(db)
        .await?;
    Ok(done.rows_affected > 0)
}

/// The stored file `sha256` without its bytes.
pub async fn info(db: &impl ConnectionTrait, sha256: &str) -> Result<Option<MediaInfo>, DbErr> {
    media::Entity::find()
        .select_only()
        .columns([
            media::Column::Sha256,
            media::Column::Name,
            media::Column::ContentType,
            media::Column::Size,
            media::Column::CreatedAt,
            media::Column::Alt,
        ])
        .filter(media::Column::Sha256.eq(sha256))
        .into_model::<MediaInfo>()
        .one(db)
        .await
}

/// The hashes of every stored file.
pub async fn hashes(db: &impl ConnectionTrait) -> Result<std::collections::HashSet<String>, DbErr> {
    Ok(media::Entity::find()
        .select_only()
        .column(media::Column::Sha256)
        .into_tuple::<String>()
        .all(db)
        .await?
        .into_iter()
        .collect())
}
