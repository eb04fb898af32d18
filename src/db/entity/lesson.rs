use sea_orm::entity::prelude::*;

use super::{LessonLevel, Status};
use crate::db::json_text::JsonText;
use crate::db::stored_html::StoredHtml;
use crate::markdown::{LessonRef, Section, TocEntry};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "lessons")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub course_id: i32,
    /// Unique within the course; the second URL segment.
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub body_md: String,
    /// Sanitised HTML rendered from `body_md` when it was written, as
    /// stored (compressed: see `db::stored_html`).
    #[sea_orm(column_type = "Blob")]
    pub body_html: StoredHtml,
    // The body's plain text (no markup, link targets or raw HTML), what
    // full-text search indexes, is kept in the search index only, written
    // with the row (`db::lessons`): SQLite's contentless FTS5 table
    // (migration 17; its `body_text` column stays, always empty) and
    // PostgreSQL's `search_vector` column (migration 26). Search makes
    // snippets from `body_md` again.
    /// Where each section of the body's plain text begins (a heading of the table of
    /// contents), made with it, so search can link to the section its words
    /// were found in. `None` for rows written before it existed, until
    /// `db::migrate` fills it.
    #[sea_orm(column_type = "Text", nullable)]
    pub body_sections: Option<JsonText<Vec<Section>>>,
    /// Table of contents (`[{level, id, title}]`, JSON in the column).
    #[sea_orm(column_type = "Text")]
    pub toc: JsonText<Vec<TocEntry>>,
    /// Order within the course (the `weight` field or the `NN-` file prefix).
    pub position: i32,
    pub status: Status,
    /// Optimistic lock: bumped by every change, checked by every save.
    pub version: i32,
    /// Tags (a JSON list of strings in the column).
    #[sea_orm(column_type = "Text")]
    pub tags: JsonText<Vec<String>>,
    /// Estimated minutes to work through the lesson.
    pub duration: Option<i32>,
    /// beginner | intermediate | advanced
    pub level: Option<LessonLevel>,
    /// Hidden from the public until this moment.
    pub publish_at: Option<DateTimeUtc>,
    /// Lessons to know first (`[{"course": "…", "slug": "…"}]` in the
    /// column), resolved from front matter (or the admin) when written.
    #[sea_orm(column_type = "Text")]
    pub prerequisites: JsonText<Vec<LessonRef>>,
    /// Words of prose in the body (code excluded), counted when rendered; the
    /// reading time shown when `duration` is not given is estimated from it.
    pub word_count: i32,
    /// The body as rendered for the course's one-page view (`/<course>/all/`):
    /// ids prefixed with the slug, links within the course made anchors.
    /// Empty for rows written before it existed, until their next write.
    /// Stored as its changes from `body_html` (`db::html_delta`), compressed
    /// (`db::stored_html`).
    #[sea_orm(column_type = "Blob")]
    pub all_html: StoredHtml,
    /// The renderer version that wrote the stored HTML (`markdown::RENDER_VERSION`);
    /// older rows are rendered again at start-up.
    pub render_version: i32,
    /// The `updated` date from front matter, shown to learners when set.
    pub updated_on: Option<Date>,
    /// When the text (title, summary, body) last changed: for text from a
    /// file, the file's last commit (or, outside git, its modification
    /// time), read at sync; for an edit in the admin, the moment it was
    /// saved. Shown as "Updated" when front matter gives no `updated` (see
    /// `db::lessons::shown_date`). A write that leaves the text as it was
    /// leaves it too.
    pub text_changed_at: DateTimeUtc,
    /// Lesson file relative to the content folder; `None` for lessons made in the admin.
    #[sea_orm(unique)]
    pub source_path: Option<String>,
    /// Hash of the file bytes last applied.
    pub source_hash: Option<String>,
    /// Hash of the row's content as last synced (to notice admin edits since).
    pub synced_hash: Option<String>,
    /// Hash of the row's current title, summary and body.
    pub content_hash: String,
    /// An unresolved conflict: the revision holding the file's text, which
    /// sync could not apply because the lesson was changed in the admin.
    pub conflict_revision_id: Option<i32>,
    pub updated_by: Option<String>,
    pub created_at: DateTimeUtc,
    /// When the row was last written, whatever changed.
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::course::Entity",
        from = "Column::CourseId",
        to = "super::course::Column::Id"
    )]
    Course,
    #[sea_orm(has_many = "super::lesson_revision::Entity")]
    Revision,
}

impl Related<super::course::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Course.def()
    }
}

impl Related<super::lesson_revision::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Revision.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
