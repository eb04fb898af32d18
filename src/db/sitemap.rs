//! What the sitemap reads: every public lesson's URL parts and dates, and
//! nothing else (no titles, summaries or bodies), so that listing 100,000
//! lessons stays a few megabytes.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, JoinType, QueryFilter,
    QueryOrder, QuerySelect, RelationTrait,
};

use super::entity::{course, lesson, Status};
use super::lessons::public_condition;

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
pub async fn lessons(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<Vec<SitemapLesson>, DbErr> {
    lesson::Entity::find()
        .select_only()
        .columns([
            lesson::Column::CourseId,
            lesson::Column::Slug,
            lesson::Column::UpdatedOn,
            lesson::Column::TextChangedAt,
        ])
        .join(JoinType::InnerJoin, lesson::Relation::Course.def())
        .filter(public_condition(now))
        .filter(course::Column::Status.eq(Status::Published))
        .order_by_asc(course::Column::Position)
        .order_by_asc(course::Column::Slug)
        .order_by_asc(lesson::Column::Position)
        .order_by_asc(lesson::Column::Slug)
        .into_model::<SitemapLesson>()
        .all(db)
        .await
}
