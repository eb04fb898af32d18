//! What the sitemap and the site's feed read: every public lesson's URL
//! parts and dates, and nothing else (no titles, summaries or bodies), so
//! that listing 100,000 lessons stays a few megabytes. Both read the
//! covering index `ix_lessons_public_order` (migration 18) alone.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{
    ColumnTrait, Condition, DbErr, EntityTrait, FromQueryResult, JoinType, QueryFilter, QueryOrder,
    QuerySelect, RelationTrait,
};

use super::entity::{course, lesson, Status};
use super::lessons::{self, PublicListing};

/// A public lesson as the sitemap lists it.
#[derive(Clone, Debug, FromQueryResult)]
pub struct SitemapLesson {
    pub course_id: i32,
    pub slug: String,
    pub updated_on: Option<NaiveDate>,
    pub text_changed_at: DateTime<Utc>,
}

impl SitemapLesson {
    /// When it last changed, as its page says.
    pub fn changed_at(&self) -> DateTime<Utc> {
        super::lessons::shown_change(self.updated_on, self.text_changed_at)
    }
}

/// Every public lesson of a published course at `now`, in site order:
/// courses as on the home page, then lessons in their course's order.
/// Streamed, not fetched whole: `all` held every raw row beside the rows
/// made of them, and at 100,000 lessons the serving process kept the 80 MB
/// that took after each sitemap it built (glibc keeps freed heap).
pub async fn lessons(db: &super::Db, now: DateTime<Utc>) -> Result<Vec<SitemapLesson>, DbErr> {
    use futures_util::TryStreamExt;
    lesson::Entity::find()
        .select_only()
        .columns([
            lesson::Column::CourseId,
            lesson::Column::Slug,
            lesson::Column::UpdatedOn,
            lesson::Column::TextChangedAt,
        ])
        .join(JoinType::InnerJoin, lesson::Relation::Course.def())
        .filter(public_in_index(now))
        .order_by_asc(course::Column::Position)
        .order_by_asc(course::Column::Slug)
        .order_by_asc(lesson::Column::Position)
        .order_by_asc(lesson::Column::Slug)
        .into_model::<SitemapLesson>()
        .stream(db.connection())
        .await?
        .try_collect()
        .await
}

/// [`lessons::public_condition`] of a published course, written so that
/// SQLite reads the covering index: with `publish_at IS NULL OR publish_at
/// <= now`, it preferred the index on `publish_at` and then read every
/// wide row. The same lessons: a missing `publish_at` counts as now.
fn public_in_index(now: DateTime<Utc>) -> Condition {
    let publish_at = Expr::col((lesson::Entity, lesson::Column::PublishAt));
    Condition::all()
        .add(lesson::Column::Status.eq(Status::Published))
        .add(Func::coalesce([publish_at, Expr::value(now)]).lte(now))
        .add(course::Column::Status.eq(Status::Published))
}

/// A public lesson's dates, to find the newest without reading titles.
#[derive(Debug, FromQueryResult)]
struct Dated {
    id: i32,
    updated_on: Option<NaiveDate>,
    text_changed_at: DateTime<Utc>,
    publish_at: Option<DateTime<Utc>>,
}

/// The `n` public lessons the public last saw something new of
/// ([`PublicListing::news_at`]), newest first (then the higher id): the
/// site's feed. The dates of every public lesson are read from the index;
/// titles and course names for the `n` chosen only. Streamed, as
/// [`lessons`] is: fetched whole, the dates of 100,000 lessons left the
/// serving process 60 MB larger.
pub async fn newest(
    db: &super::Db,
    now: DateTime<Utc>,
    n: usize,
) -> Result<Vec<PublicListing>, DbErr> {
    use futures_util::TryStreamExt;
    let mut dated: Vec<Dated> = lesson::Entity::find()
        .select_only()
        .columns([
            lesson::Column::Id,
            lesson::Column::UpdatedOn,
            lesson::Column::TextChangedAt,
            lesson::Column::PublishAt,
        ])
        .join(JoinType::InnerJoin, lesson::Relation::Course.def())
        .filter(public_in_index(now))
        .into_model::<Dated>()
        .stream(db.connection())
        .await?
        .try_collect()
        .await?;
    let key = |d: &Dated| {
        let news = lessons::news_at(d.updated_on, d.text_changed_at, d.publish_at);
        std::cmp::Reverse((news, d.id))
    };
    if dated.len() > n {
        dated.select_nth_unstable_by_key(n, key);
        dated.truncate(n);
    }
    let ids: Vec<i32> = dated.iter().map(|d| d.id).collect();
    lessons::public_listing_of(db, now, &ids).await
}
