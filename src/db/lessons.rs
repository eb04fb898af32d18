//! Queries on `lessons`.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait, FromQueryResult,
    QueryFilter, QueryOrder, QuerySelect, Statement, Value,
};

use super::entity::{course, lesson, LessonLevel, Status};
use super::json_text::JsonText;
use super::stored_html::StoredHtml;
use crate::markdown::{LessonRef, Rendered, TocEntry};

pub use lesson::Model as Lesson;

/// A lesson is public when published and not scheduled for later.
/// (Its course must be published too; callers check the course.)
///
/// Decided when a page is served, against the request's `now`: a scheduled
/// lesson appears by itself at its moment, with no job to run and nothing
/// cached to expire. Every public surface filters with it (pages, outlines,
/// previous/next, the one-page view, prerequisite links; search, feed and
/// sitemap must too when they come).
pub fn public_condition(now: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(lesson::Column::Status.eq(Status::Published))
        .add(
            Condition::any()
                .add(lesson::Column::PublishAt.is_null())
                .add(lesson::Column::PublishAt.lte(now)),
        )
}

/// One line of a course outline: no bodies, so listing a course stays cheap.
#[derive(Clone, Debug, FromQueryResult)]
pub struct OutlineItem {
    pub id: i32,
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub duration: Option<i32>,
    pub level: Option<LessonLevel>,
    pub status: Status,
    pub publish_at: Option<DateTime<Utc>>,
    pub word_count: i32,
    pub prerequisites: JsonText<Vec<LessonRef>>,
}

/// The lessons of a course in order: the public ones, or (for editors) all.
pub async fn outline(
    db: &impl ConnectionTrait,
    course_id: i32,
    now: DateTime<Utc>,
    include_unpublished: bool,
) -> Result<Vec<OutlineItem>, DbErr> {
    let visible = if include_unpublished {
        Condition::all()
    } else {
        public_condition(now)
    };
    lesson::Entity::find()
        .select_only()
        .columns([
            lesson::Column::Id,
            lesson::Column::Slug,
            lesson::Column::Title,
            lesson::Column::Summary,
            lesson::Column::Duration,
            lesson::Column::Level,
            lesson::Column::Status,
            lesson::Column::PublishAt,
            lesson::Column::WordCount,
            lesson::Column::Prerequisites,
        ])
        .filter(lesson::Column::CourseId.eq(course_id))
        .filter(visible)
        .order_by_asc(lesson::Column::Position)
        .order_by_asc(lesson::Column::Slug)
        .into_model::<OutlineItem>()
        .all(db)
        .await
}

/// A lesson on its course's one-page view: the outline line plus its body
/// as rendered for that page (and the plain body, for rows written before
/// that rendering existed).
#[derive(Clone, Debug, FromQueryResult)]
pub struct WholeCourseItem {
    pub id: i32,
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub duration: Option<i32>,
    pub level: Option<LessonLevel>,
    pub status: Status,
    pub publish_at: Option<DateTime<Utc>>,
    pub word_count: i32,
    pub prerequisites: JsonText<Vec<LessonRef>>,
    pub toc: JsonText<Vec<TocEntry>>,
    /// The lesson page's HTML.
    pub body_html: String,
    /// The HTML for the one-page view.
    pub all_html: String,
}

/// [`WholeCourseItem`] as read, its HTML as stored.
#[derive(FromQueryResult)]
struct WholeCourseRow {
    id: i32,
    slug: String,
    title: String,
    summary: String,
    duration: Option<i32>,
    level: Option<LessonLevel>,
    status: Status,
    publish_at: Option<DateTime<Utc>>,
    word_count: i32,
    prerequisites: JsonText<Vec<LessonRef>>,
    toc: JsonText<Vec<TocEntry>>,
    body_html: StoredHtml,
    all_html: StoredHtml,
}

/// Every lesson of a course in order, with bodies: the public ones, or (for
/// editors) all.
pub async fn whole_course(
    db: &impl ConnectionTrait,
    course_id: i32,
    now: DateTime<Utc>,
    include_unpublished: bool,
) -> Result<Vec<WholeCourseItem>, DbErr> {
    let visible = if include_unpublished {
        Condition::all()
    } else {
        public_condition(now)
    };
    lesson::Entity::find()
        .select_only()
        .columns([
            lesson::Column::Id,
            lesson::Column::Slug,
            lesson::Column::Title,
            lesson::Column::Summary,
            lesson::Column::Duration,
            lesson::Column::Level,
            lesson::Column::Status,
            lesson::Column::PublishAt,
            lesson::Column::WordCount,
            lesson::Column::Prerequisites,
            lesson::Column::Toc,
            lesson::Column::BodyHtml,
            lesson::Column::AllHtml,
        ])
        .filter(lesson::Column::CourseId.eq(course_id))
        .filter(visible)
        .order_by_asc(lesson::Column::Position)
        .order_by_asc(lesson::Column::Slug)
        .into_model::<WholeCourseRow>()
        .all(db)
        .await?
        .into_iter()
        .map(|row| {
            let body_html = row.body_html.html()?;
            // Stored as its changes from the lesson page (see
            // `html_delta`); one that does not fit shows the page.
            let all_html =
                super::html_delta::decode(&body_html, row.all_html.html()?).unwrap_or_default();
            Ok(WholeCourseItem {
                id: row.id,
                slug: row.slug,
                title: row.title,
                summary: row.summary,
                duration: row.duration,
                level: row.level,
                status: row.status,
                publish_at: row.publish_at,
                word_count: row.word_count,
                prerequisites: row.prerequisites,
                toc: row.toc,
                body_html,
                all_html,
            })
        })
        .collect()
}

/// The titles of the lessons `refs` name that exist: those the public may
/// see (public lesson of a published course), or (for editors) all.
/// Returns `(course slug, lesson slug, title)`.
pub async fn titles(
    db: &impl ConnectionTrait,
    refs: &[LessonRef],
    now: DateTime<Utc>,
    include_unpublished: bool,
) -> Result<Vec<(String, String, String)>, DbErr> {
    use sea_orm::{JoinType, RelationTrait};
    if refs.is_empty() {
        return Ok(Vec::new());
    }
    let mut wanted = Condition::any();
    for r in refs {
        wanted = wanted.add(
            Condition::all()
                .add(course::Column::Slug.eq(r.course.as_str()))
                .add(lesson::Column::Slug.eq(r.slug.as_str())),
        );
    }
    let visible = if include_unpublished {
        Condition::all()
    } else {
        public_condition(now).add(course::Column::Status.eq(Status::Published))
    };
    lesson::Entity::find()
        .select_only()
        .column_as(course::Column::Slug, "course_slug")
        .column(lesson::Column::Slug)
        .column(lesson::Column::Title)
        .join(JoinType::InnerJoin, lesson::Relation::Course.def())
        .filter(wanted)
        .filter(visible)
        .into_tuple()
        .all(db)
        .await
}

/// The id of the lesson `r` names, whatever its status.
pub async fn id_by_ref(db: &impl ConnectionTrait, r: &LessonRef) -> Result<Option<i32>, DbErr> {
    use sea_orm::{JoinType, RelationTrait};
    lesson::Entity::find()
        .select_only()
        .column(lesson::Column::Id)
        .join(JoinType::InnerJoin, lesson::Relation::Course.def())
        .filter(course::Column::Slug.eq(r.course.as_str()))
        .filter(lesson::Column::Slug.eq(r.slug.as_str()))
        .into_tuple()
        .one(db)
        .await
}

/// Number of public lessons per course id.
pub async fn public_counts(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<HashMap<i32, i64>, DbErr> {
    #[derive(FromQueryResult)]
    struct Count {
        course_id: i32,
        n: i64,
    }
    let rows = lesson::Entity::find()
        .select_only()
        .column(lesson::Column::CourseId)
        .column_as(lesson::Column::Id.count(), "n")
        .filter(public_condition(now))
        .group_by(lesson::Column::CourseId)
        .into_model::<Count>()
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|c| (c.course_id, c.n)).collect())
}

/// Lesson `slug` of a course: if public, or (for editors) whatever its status.
pub async fn by_slug(
    db: &impl ConnectionTrait,
    course_id: i32,
    slug: &str,
    now: DateTime<Utc>,
    include_unpublished: bool,
) -> Result<Option<Lesson>, DbErr> {
    let visible = if include_unpublished {
        Condition::all()
    } else {
        public_condition(now)
    };
    lesson::Entity::find()
        .filter(lesson::Column::CourseId.eq(course_id))
        .filter(lesson::Column::Slug.eq(slug))
        .filter(visible)
        .one(db)
        .await
}

/// A lesson's fields beside its text, as the editor shows them (the same
/// text forms the form sends): what a revision keeps with its text, so a
/// three-way merge can tell which side changed which field.
pub struct ShownFields<'a> {
    pub course_id: i32,
    pub slug: &'a str,
    pub status: Status,
    pub duration: Option<i32>,
    pub level: Option<LessonLevel>,
    pub publish_at: Option<DateTime<Utc>>,
    pub prerequisites: &'a [LessonRef],
}

/// The names [`ShownFields::to_map`] uses, in the editor's order.
pub const SHOWN_FIELD_NAMES: [&str; 7] = [
    "slug",
    "course_id",
    "status",
    "duration",
    "level",
    "publish_at",
    "prerequisites",
];

impl<'a> ShownFields<'a> {
    pub fn of(l: &'a Lesson) -> ShownFields<'a> {
        ShownFields {
            course_id: l.course_id,
            slug: &l.slug,
            status: l.status,
            duration: l.duration,
            level: l.level,
            publish_at: l.publish_at,
            prerequisites: &l.prerequisites.0,
        }
    }

    pub fn of_fields(course_id: i32, f: &'a LessonFields) -> ShownFields<'a> {
        ShownFields {
            course_id,
            slug: &f.slug,
            status: f.status,
            duration: f.duration,
            level: f.level,
            publish_at: f.publish_at,
            prerequisites: &f.prerequisites,
        }
    }

    pub fn to_map(&self) -> std::collections::BTreeMap<&'static str, String> {
        let values = [
            self.slug.to_string(),
            self.course_id.to_string(),
            self.status.as_str().to_string(),
            self.duration.map(|d| d.to_string()).unwrap_or_default(),
            self.level
                .map(|l| l.as_str().to_string())
                .unwrap_or_default(),
            self.publish_at
                .map(|at| at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
                .unwrap_or_default(),
            self.prerequisites
                .iter()
                .map(|r| format!("{}/{}\n", r.course, r.slug))
                .collect(),
        ];
        SHOWN_FIELD_NAMES.into_iter().zip(values).collect()
    }

    /// As stored in a revision.
    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.to_map()).unwrap_or_default()
    }
}

/// A lesson's live text and fields as one side of a merge.
pub fn merge_parts(l: &Lesson) -> crate::base::merge::Parts {
    crate::base::merge::Parts {
        title: l.title.clone(),
        summary: l.summary.clone(),
        body_md: l.body_md.clone(),
        fields: Some(ShownFields::of(l).to_map()),
    }
}

/// A revision's stored fields, read back (unknown names are dropped).
pub fn shown_fields_from_json(
    json: &str,
) -> Option<std::collections::BTreeMap<&'static str, String>> {
    let map: std::collections::BTreeMap<String, String> = serde_json::from_str(json).ok()?;
    Some(
        SHOWN_FIELD_NAMES
            .into_iter()
            .map(|name| (name, map.get(name).cloned().unwrap_or_default()))
            .collect(),
    )
}

/// What sync needs to know of every lesson, without bodies.
#[derive(Clone, Debug, FromQueryResult)]
pub struct SyncIndexRow {
    pub id: i32,
    pub course_id: i32,
    pub slug: String,
    pub status: Status,
    pub version: i32,
    pub source_path: Option<String>,
    pub source_hash: Option<String>,
    pub synced_hash: Option<String>,
    pub content_hash: String,
    pub text_changed_at: DateTime<Utc>,
}

impl SyncIndexRow {
    /// Whether the live text is the one last synced from its file (no admin
    /// edit since): then the file's date is the text's date.
    pub fn text_is_the_files(&self) -> bool {
        self.synced_hash.as_deref() == Some(self.content_hash.as_str())
    }
}

/// Every lesson's [`SyncIndexRow`]. Streamed, not fetched whole: `all` holds
/// every raw row beside the rows made of them, and at 100,000 lessons that
/// was the peak of a cold sync (168 MB to 357 MB while the applied folders
/// were recorded at its end).
pub async fn sync_index(db: &super::Db) -> Result<Vec<SyncIndexRow>, DbErr> {
    use futures_util::TryStreamExt;
    sync_index_select()
        .into_model::<SyncIndexRow>()
        .stream(db.connection())
        .await?
        .try_collect()
        .await
}

/// [`sync_index`] of the lessons of the course folders `folders` only: those
/// whose file lies in one of them (`ix_lessons_source_folder`, migration 23)
/// and those of the courses `course_ids` (the folders' courses).
pub async fn sync_index_of(
    db: &impl ConnectionTrait,
    folders: &[String],
    course_ids: &[i32],
) -> Result<Vec<SyncIndexRow>, DbErr> {
    use sea_orm::sea_query::ExprTrait;
    if folders.is_empty() && course_ids.is_empty() {
        return Ok(Vec::new());
    }
    // Only the lists that hold something, and no ORDER BY: an empty list's
    // always-false term, or an order by id, let SQLite walk every lesson
    // instead of the two indexes (1.4 s at 100,000 lessons).
    let folder = sea_orm::sea_query::Expr::cust(source_folder(db.get_database_backend()));
    let mut wanted = Condition::any();
    if !folders.is_empty() {
        wanted = wanted.add(folder.is_in(folders.iter().cloned()));
    }
    if !course_ids.is_empty() {
        wanted = wanted.add(lesson::Column::CourseId.is_in(course_ids.iter().copied()));
    }
    let mut rows = sync_index_select()
        .filter(wanted)
        .into_model::<SyncIndexRow>()
        .all(db)
        .await?;
    rows.sort_by_key(|r| r.id);
    rows.dedup_by_key(|r| r.id);
    Ok(rows)
}

/// The course folder of a lesson's file (the first segment of its path),
/// as SQL: the expression `ix_lessons_source_folder` (migration 23) holds.
pub fn source_folder(backend: DatabaseBackend) -> &'static str {
    match backend {
        DatabaseBackend::Postgres => "split_part(source_path, '/', 1)",
        _ => "substr(source_path, 1, instr(source_path, '/') - 1)",
    }
}

fn sync_index_select() -> sea_orm::Select<lesson::Entity> {
    lesson::Entity::find().select_only().columns([
        lesson::Column::Id,
        lesson::Column::CourseId,
        lesson::Column::Slug,
        lesson::Column::Status,
        lesson::Column::Version,
        lesson::Column::SourcePath,
        lesson::Column::SourceHash,
        lesson::Column::SyncedHash,
        lesson::Column::ContentHash,
        lesson::Column::TextChangedAt,
    ])
}

pub async fn by_id(db: &impl ConnectionTrait, id: i32) -> Result<Option<Lesson>, DbErr> {
    lesson::Entity::find_by_id(id).one(db).await
}

/// The content of a lesson as written by sync (and, later, the admin).
#[derive(Clone, Debug)]
pub struct LessonFields {
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub body_md: String,
    /// The body as rendered ([`StoredRender::of`]).
    pub render: StoredRender,
    pub position: i32,
    pub status: Status,
    pub tags: Vec<String>,
    pub prerequisites: Vec<LessonRef>,
    pub duration: Option<i32>,
    pub level: Option<LessonLevel>,
    pub publish_at: Option<DateTime<Utc>>,
    pub updated_on: Option<chrono::NaiveDate>,
    /// When this text was written, when its source can tell: a file's last
    /// commit, or its modification time (sync). `None` (an admin save): the
    /// moment of writing if the text changed, else the time kept.
    pub text_changed_at: Option<DateTime<Utc>>,
    pub source_path: Option<String>,
    pub source_hash: Option<String>,
    pub synced_hash: Option<String>,
}

impl LessonFields {
    /// Hash of the editable text, stored as `content_hash`.
    pub fn content_hash(&self) -> String {
        crate::base::hash::content_hash(&self.title, &self.summary, &self.body_md)
    }

    /// Sets the row's columns from these fields, and returns the body's
    /// plain text: the caller writes it to the search index (SQLite:
    /// [`index_texts`]; PostgreSQL: [`search_vector`]), the only place it
    /// is kept.
    fn apply_to(&self, m: &mut lesson::ActiveModel) -> String {
        use sea_orm::ActiveValue::Set;
        m.slug = Set(self.slug.clone());
        m.title = Set(self.title.clone());
        m.summary = Set(self.summary.clone());
        m.body_md = Set(self.body_md.clone());
        m.body_html = Set(self.render.body_html.clone());
        // Derived from the body like the hash below, so no writer can forget
        // it (sync makes it beforehand, on every core).
        let (text, sections) = match &self.render.text {
            Some(made) => made.clone(),
            None => text_columns(&self.body_md, &self.render.toc),
        };
        m.body_sections = Set(Some(JsonText(sections)));
        m.all_html = Set(self.render.all_html.clone());
        m.toc = Set(JsonText(self.render.toc.clone()));
        m.position = Set(self.position);
        m.status = Set(self.status);
        m.tags = Set(JsonText(self.tags.clone()));
        m.prerequisites = Set(JsonText(self.prerequisites.clone()));
        m.word_count = Set(self.render.word_count);
        m.duration = Set(self.duration);
        m.level = Set(self.level);
        m.publish_at = Set(self.publish_at);
        m.updated_on = Set(self.updated_on);
        m.source_path = Set(self.source_path.clone());
        m.source_hash = Set(self.source_hash.clone());
        m.synced_hash = Set(self.synced_hash.clone());
        m.content_hash = Set(self.content_hash());
        m.render_version = Set(self.render.render_version);
        m.updated_at = Set(Utc::now());
        text
    }
}

/// A lesson's entry in SQLite's search index: its id, title, summary and
/// the plain text of its body.
type IndexEntry<'a> = (i32, &'a str, &'a str, &'a str);

/// SQLite: writes (or replaces) the search index entries of lessons just
/// written. Since migration 17 the index is contentless: it keeps no copy of
/// the text and `lessons.body_text` is empty there, so the plain text made
/// from the body reaches the index only from here (every write of a
/// lesson's title, summary or body goes through [`insert`], [`insert_many`],
/// [`update_if_version`] or [`fill_body_text`]). A deleted lesson leaves the
/// index by a trigger. PostgreSQL writes its index in the row itself, with
/// the same statement: see [`search_vector`].
async fn index_texts(db: &impl ConnectionTrait, entries: &[IndexEntry<'_>]) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    if backend != DatabaseBackend::Sqlite {
        return Ok(());
    }
    // 200 rows of four values keep well under SQLite's limit of variables.
    for chunk in entries.chunks(200) {
        let rows = vec!["(?, ?, ?, ?)"; chunk.len()].join(", ");
        let sql = format!(
            "INSERT OR REPLACE INTO lesson_search (rowid, title, summary, body_text) VALUES {rows}"
        );
        let mut values: Vec<Value> = Vec::with_capacity(chunk.len() * 4);
        for &(id, title, summary, text) in chunk {
            values.extend([id.into(), title.into(), summary.into(), text.into()]);
        }
        db.execute_raw(Statement::from_sql_and_values(backend, sql, values))
            .await?;
    }
    Ok(())
}

/// PostgreSQL: a lesson's `search_vector`, made from its title, summary and
/// the plain text of its body, which is kept nowhere else (migration 26):
/// bound as a `tsvector` literal made here (see `db::search_vector`).
fn search_vector(title: &str, summary: &str, text: &str) -> sea_orm::sea_query::SimpleExpr {
    vector_value(super::search_vector::literal(title, summary, text))
}

/// A `tsvector` literal bound as the vector it is.
fn vector_value(literal: String) -> sea_orm::sea_query::SimpleExpr {
    Expr::cust_with_values("CAST($1 AS tsvector)", [literal])
}

/// PostgreSQL: the search vector literals of new rows (made by
/// [`new_lesson`]), made on every core away from the task that writes.
/// Made there, one after another, they were more than half of that task's
/// time in a cold sync (`perf`), while the backends waited for it.
async fn vector_literals(rows: &[(lesson::ActiveModel, String)]) -> Result<Vec<String>, DbErr> {
    let inputs: Vec<(String, String, String)> = rows
        .iter()
        .map(|(m, text)| (text_of(&m.title), text_of(&m.summary), text.clone()))
        .collect();
    tokio::task::spawn_blocking(move || {
        use rayon::prelude::*;
        inputs
            .par_iter()
            .map(|(title, summary, text)| super::search_vector::literal(title, summary, text))
            .collect()
    })
    .await
    .map_err(|e| DbErr::Custom(format!("making search vectors failed: {e}")))
}

/// The text a row's column is set to (empty when not set).
fn text_of(value: &sea_orm::ActiveValue<String>) -> String {
    value.try_as_ref().cloned().unwrap_or_default()
}

/// The column [`search_vector`] is written to.
fn search_vector_column() -> sea_orm::sea_query::Alias {
    sea_orm::sea_query::Alias::new("search_vector")
}

/// New lesson rows (made by [`new_lesson`]) with their plain texts, as one
/// `INSERT`: on PostgreSQL each row carries its search vector (`vectors`,
/// a literal a row: see [`vector_literals`]); SQLite's index is written
/// after ([`index_texts`]).
fn insert_statement(
    rows: &[(lesson::ActiveModel, String)],
    vectors: Vec<String>,
    backend: DatabaseBackend,
) -> sea_orm::sea_query::InsertStatement {
    use sea_orm::sea_query::{DynIden, IntoIden, Query, SimpleExpr};
    use sea_orm::{ActiveModelTrait, Iterable};
    let set: Vec<lesson::Column> = lesson::Column::iter()
        .filter(|c| rows.first().is_some_and(|(m, _)| m.get(*c).is_set()))
        .collect();
    let postgres = backend == DatabaseBackend::Postgres;
    let mut columns: Vec<DynIden> = set.iter().map(|c| c.into_iden()).collect();
    if postgres {
        columns.push(search_vector_column().into_iden());
    }
    let mut insert = Query::insert();
    insert.into_table(lesson::Entity).columns(columns);
    let mut vectors = vectors.into_iter();
    for (m, _) in rows {
        let mut values: Vec<SimpleExpr> = set
            .iter()
            .map(|c| Expr::val(m.get(*c).into_value().unwrap_or(Value::Int(None))))
            .collect();
        if postgres {
            values.push(vector_value(vectors.next().unwrap_or_default()));
        }
        insert.values_panic(values);
    }
    insert
}

/// What search reads of a body: its plain text, and where the sections of
/// the headings in its table of contents `toc` begin in it.
fn text_columns(body_md: &str, toc: &[TocEntry]) -> (String, Vec<crate::markdown::Section>) {
    crate::markdown::plain_text_with_sections(body_md, toc)
}

/// Inserts a new lesson at version 1.
pub async fn insert(
    db: &impl ConnectionTrait,
    course_id: i32,
    fields: &LessonFields,
    updated_by: Option<&str>,
) -> Result<Lesson, DbErr> {
    use sea_orm::sea_query::Query;
    use sea_orm::Iterable;
    let backend = db.get_database_backend();
    let row = new_lesson(course_id, fields, updated_by, Utc::now());
    let vectors = match backend {
        DatabaseBackend::Postgres => {
            let (m, text) = &row;
            vec![super::search_vector::literal(
                &text_of(&m.title),
                &text_of(&m.summary),
                text,
            )]
        }
        _ => Vec::new(),
    };
    let mut insert = insert_statement(std::slice::from_ref(&row), vectors, backend);
    insert.returning(Query::returning().columns(lesson::Column::iter()));
    let inserted = db
        .query_one_raw(backend.build(&insert))
        .await?
        .ok_or(DbErr::RecordNotInserted)?;
    let lesson = Lesson::from_query_result(&inserted, "")?;
    index_texts(db, &[(lesson.id, &lesson.title, &lesson.summary, &row.1)]).await?;
    Ok(lesson)
}

/// The row of a new lesson at version 1, and its plain text (see
/// [`LessonFields::apply_to`]).
fn new_lesson(
    course_id: i32,
    fields: &LessonFields,
    updated_by: Option<&str>,
    now: DateTime<Utc>,
) -> (lesson::ActiveModel, String) {
    use sea_orm::ActiveValue::Set;
    let mut m = lesson::ActiveModel {
        course_id: Set(course_id),
        version: Set(1),
        updated_by: Set(updated_by.map(str::to_string)),
        created_at: Set(now),
        text_changed_at: Set(fields.text_changed_at.unwrap_or(now)),
        ..Default::default()
    };
    let text = fields.apply_to(&mut m);
    (m, text)
}

/// Inserts new lessons at version 1 with one statement, and answers their
/// ids by (course id, slug): a multi-row `RETURNING` does not promise rows
/// in the order they were given. For a sync's run of new files, where one
/// statement per lesson cost more than the writing itself (issue 7).
pub async fn insert_many(
    db: &impl ConnectionTrait,
    new: &[(i32, &LessonFields)],
) -> Result<HashMap<(i32, String), i32>, DbErr> {
    use sea_orm::sea_query::Query;
    if new.is_empty() {
        return Ok(HashMap::new());
    }
    let now = Utc::now();
    let backend = db.get_database_backend();
    let rows: Vec<(lesson::ActiveModel, String)> = new
        .iter()
        .map(|(course_id, fields)| new_lesson(*course_id, fields, None, now))
        .collect();
    let vectors = match backend {
        DatabaseBackend::Postgres => vector_literals(&rows).await?,
        _ => Vec::new(),
    };
    let mut insert = insert_statement(&rows, vectors, backend);
    insert.returning(Query::returning().columns([
        lesson::Column::Id,
        lesson::Column::CourseId,
        lesson::Column::Slug,
    ]));
    let texts: Vec<String> = rows.into_iter().map(|(_, text)| text).collect();
    let rows = db.query_all_raw(backend.build(&insert)).await?;
    let ids: HashMap<(i32, String), i32> = rows
        .iter()
        .map(|row| {
            let id: i32 = row.try_get("", "id")?;
            let course_id: i32 = row.try_get("", "course_id")?;
            let slug: String = row.try_get("", "slug")?;
            Ok(((course_id, slug), id))
        })
        .collect::<Result<_, DbErr>>()?;
    let mut entries = Vec::with_capacity(new.len());
    for ((course_id, fields), text) in new.iter().zip(&texts) {
        let Some(&id) = ids.get(&(*course_id, fields.slug.clone())) else {
            return Err(DbErr::RecordNotInserted);
        };
        entries.push((
            id,
            fields.title.as_str(),
            fields.summary.as_str(),
            text.as_str(),
        ));
    }
    index_texts(db, &entries).await?;
    Ok(ids)
}

/// Replaces a lesson's content if it is still at `expected_version`, bumping
/// the version. `None` means somebody changed it first and nothing was written.
///
/// `text_changed_at` becomes the fields' own date when they have one (a
/// file's), else now if the text changed, else it stays: saving a form
/// whose text is as it was does not move the lesson's "Updated" date.
pub async fn update_if_version(
    db: &impl ConnectionTrait,
    id: i32,
    expected_version: i32,
    fields: &LessonFields,
    updated_by: Option<&str>,
) -> Result<Option<Lesson>, DbErr> {
    use sea_orm::ActiveValue::Set;
    let mut m = lesson::ActiveModel {
        version: Set(expected_version + 1),
        updated_by: Set(updated_by.map(str::to_string)),
        ..Default::default()
    };
    let backend = db.get_database_backend();
    let text = fields.apply_to(&mut m);
    // Every expression of an UPDATE reads the row as it was before it.
    let text_changed_at = match fields.text_changed_at {
        Some(at) => Expr::value(at),
        None => Expr::case(
            lesson::Column::ContentHash.eq(fields.content_hash()),
            Expr::col(lesson::Column::TextChangedAt),
        )
        .finally(Expr::value(Utc::now()))
        .into(),
    };
    let mut update = lesson::Entity::update_many()
        .set(m)
        .col_expr(lesson::Column::TextChangedAt, text_changed_at)
        .filter(lesson::Column::Id.eq(id))
        .filter(lesson::Column::Version.eq(expected_version));
    if backend == DatabaseBackend::Postgres {
        let vector = search_vector(&fields.title, &fields.summary, &text);
        update = update.col_expr(search_vector_column(), vector);
    }
    let result = update.exec(db).await?;
    if result.rows_affected == 0 {
        return Ok(None);
    }
    index_texts(db, &[(id, &fields.title, &fields.summary, &text)]).await?;
    by_id(db, id).await
}

/// Sets a lesson's status if it is still at `expected_version`, bumping the version.
pub async fn set_status_if_version(
    db: &impl ConnectionTrait,
    id: i32,
    expected_version: i32,
    status: Status,
    updated_by: Option<&str>,
) -> Result<Option<Lesson>, DbErr> {
    let result = lesson::Entity::update_many()
        .col_expr(lesson::Column::Status, Expr::value(status))
        .col_expr(lesson::Column::Version, Expr::value(expected_version + 1))
        .col_expr(
            lesson::Column::UpdatedBy,
            Expr::value(updated_by.map(str::to_string)),
        )
        .col_expr(lesson::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(lesson::Column::Id.eq(id))
        .filter(lesson::Column::Version.eq(expected_version))
        .exec(db)
        .await?;
    if result.rows_affected == 0 {
        return Ok(None);
    }
    by_id(db, id).await
}

/// Archives a lesson whose file was deleted. The file's hash is forgotten, so
/// the same file coming back is applied again (and un-archives the lesson),
/// while a lesson archived in the admin keeps its hash and stays archived.
pub async fn archive_missing_file(
    db: &impl ConnectionTrait,
    id: i32,
    expected_version: i32,
) -> Result<Option<Lesson>, DbErr> {
    let result = lesson::Entity::update_many()
        .col_expr(lesson::Column::Status, Expr::value(Status::Archived))
        .col_expr(
            lesson::Column::SourceHash,
            Expr::value(Option::<String>::None),
        )
        .col_expr(lesson::Column::Version, Expr::value(expected_version + 1))
        .col_expr(
            lesson::Column::UpdatedBy,
            Expr::value(Option::<String>::None),
        )
        .col_expr(lesson::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(lesson::Column::Id.eq(id))
        .filter(lesson::Column::Version.eq(expected_version))
        .exec(db)
        .await?;
    if result.rows_affected == 0 {
        return Ok(None);
    }
    by_id(db, id).await
}

/// Records that a lesson's text was written to `source_path` (by export):
/// the file's hash is applied and the row is in sync with it.
///
/// Only while the lesson is still at `version`, the one whose text (with
/// content hash `exported_hash`) was written: a save that came in between
/// leaves the row unmarked, so the next sync sees the file as changed over
/// that save and keeps both texts as a conflict.
pub async fn mark_exported(
    db: &impl ConnectionTrait,
    id: i32,
    version: i32,
    source_path: &str,
    source_hash: &str,
    exported_hash: &str,
) -> Result<(), DbErr> {
    lesson::Entity::update_many()
        .col_expr(lesson::Column::SourcePath, Expr::value(source_path))
        .col_expr(lesson::Column::SourceHash, Expr::value(source_hash))
        .col_expr(lesson::Column::SyncedHash, Expr::value(exported_hash))
        .filter(lesson::Column::Id.eq(id))
        .filter(lesson::Column::Version.eq(version))
        .exec(db)
        .await?;
    Ok(())
}

/// A lesson with text the content folder does not have: made in the admin
/// (no file), or edited there since the last sync; not archived.
///
/// Written as the predicate of the partial index `ix_lessons_unexported`
/// (migration 24), word for word: SQLite uses a partial index only for a
/// query whose conditions include the index's own, and with the status as a
/// bound parameter it could not tell.
const NEEDS_EXPORT: &str = "status <> 'archived' AND \
    (source_path IS NULL OR synced_hash IS NULL OR synced_hash <> content_hash)";

/// Lessons with text the content folder does not have ([`NEEDS_EXPORT`]),
/// in course and position order.
pub async fn needing_export(db: &impl ConnectionTrait) -> Result<Vec<Lesson>, DbErr> {
    lesson::Entity::find()
        .filter(Expr::cust(NEEDS_EXPORT))
        .order_by_asc(lesson::Column::CourseId)
        .order_by_asc(lesson::Column::Position)
        .all(db)
        .await
}

/// A lesson waiting for export, as the dashboard names it.
#[derive(Clone, Debug, FromQueryResult)]
pub struct UnexportedLesson {
    pub id: i32,
    pub title: String,
    pub source_path: Option<String>,
}

/// How many lessons [`needing_export`] would give, and the first `limit` of
/// them, without reading their bodies: both read the partial index
/// `ix_lessons_unexported`, which holds only those lessons (usually none),
/// and only the first few rows are read. (Loading every lesson whole for
/// this made the dashboard take seconds and hundreds of MB at 100,000
/// lessons; testing each through sync's index still read all 100,000.)
pub async fn needing_export_summary(
    db: &impl ConnectionTrait,
    limit: u64,
) -> Result<(u64, Vec<UnexportedLesson>), DbErr> {
    use sea_orm::PaginatorTrait;
    let count = lesson::Entity::find()
        .filter(Expr::cust(NEEDS_EXPORT))
        .count(db)
        .await?;
    if count == 0 {
        return Ok((0, Vec::new()));
    }
    let first = lesson::Entity::find()
        .select_only()
        .columns([
            lesson::Column::Id,
            lesson::Column::Title,
            lesson::Column::SourcePath,
        ])
        .filter(Expr::cust(NEEDS_EXPORT))
        .order_by_asc(lesson::Column::CourseId)
        .order_by_asc(lesson::Column::Position)
        .limit(limit)
        .into_model::<UnexportedLesson>()
        .all(db)
        .await?;
    Ok((count, first))
}

/// `(source_path, course slug, lesson slug)` of every lesson that has a file,
/// for resolving relative links in bodies edited in the admin.
pub async fn file_index(db: &impl ConnectionTrait) -> Result<Vec<(String, String, String)>, DbErr> {
    use sea_orm::{JoinType, RelationTrait};
    lesson::Entity::find()
        .select_only()
        .column(lesson::Column::SourcePath)
        .column_as(super::entity::course::Column::Slug, "course_slug")
        .column(lesson::Column::Slug)
        .join(JoinType::InnerJoin, lesson::Relation::Course.def())
        .filter(lesson::Column::SourcePath.is_not_null())
        .into_tuple()
        .all(db)
        .await
}

/// Records an open conflict on a lesson still at `expected_version`: the
/// file (at `source_path`, which a rename changes) and its hash are taken as
/// applied (so the next sync is quiet) and the conflict revision is
/// remembered until a person resolves it.
pub async fn mark_conflict_if_version(
    db: &impl ConnectionTrait,
    id: i32,
    expected_version: i32,
    source_path: Option<&str>,
    source_hash: &str,
    revision_id: i32,
) -> Result<bool, DbErr> {
    let result = lesson::Entity::update_many()
        .col_expr(lesson::Column::SourcePath, Expr::value(source_path))
        .col_expr(lesson::Column::SourceHash, Expr::value(source_hash))
        .col_expr(lesson::Column::ConflictRevisionId, Expr::value(revision_id))
        .filter(lesson::Column::Id.eq(id))
        .filter(lesson::Column::Version.eq(expected_version))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

pub async fn set_course(db: &impl ConnectionTrait, id: i32, course_id: i32) -> Result<(), DbErr> {
    lesson::Entity::update_many()
        .col_expr(lesson::Column::CourseId, Expr::value(course_id))
        .filter(lesson::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Closes a lesson's open conflict. `in_sync`: the live text now equals the
/// file's (the file's text was taken), so the next file change applies again.
pub async fn resolve_conflict(
    db: &impl ConnectionTrait,
    id: i32,
    in_sync: bool,
) -> Result<(), DbErr> {
    let mut update = lesson::Entity::update_many()
        .col_expr(
            lesson::Column::ConflictRevisionId,
            Expr::value(Option::<i32>::None),
        )
        .filter(lesson::Column::Id.eq(id));
    if in_sync {
        update = update.col_expr(
            lesson::Column::SyncedHash,
            Expr::col(lesson::Column::ContentHash),
        );
    }
    update.exec(db).await?;
    Ok(())
}

/// Filters of the admin's lesson list.
#[derive(Clone, Debug, Default)]
pub struct AdminFilter {
    pub course_id: Option<i32>,
    pub status: Option<Status>,
    pub query: Option<String>,
    pub conflicts_only: bool,
}

/// A row of the admin's lesson list (no bodies).
#[derive(Clone, Debug, FromQueryResult, serde::Serialize)]
pub struct AdminRow {
    pub id: i32,
    pub course_id: i32,
    pub slug: String,
    pub title: String,
    pub status: Status,
    pub version: i32,
    pub position: i32,
    pub updated_by: Option<String>,
    pub updated_at: DateTime<Utc>,
    pub source_path: Option<String>,
    pub conflict_revision_id: Option<i32>,
    pub publish_at: Option<DateTime<Utc>>,
}

/// The columns an [`AdminRow`] is read from.
const ADMIN_ROW_COLUMNS: [lesson::Column; 12] = [
    lesson::Column::Id,
    lesson::Column::CourseId,
    lesson::Column::Slug,
    lesson::Column::Title,
    lesson::Column::Status,
    lesson::Column::Version,
    lesson::Column::Position,
    lesson::Column::UpdatedBy,
    lesson::Column::UpdatedAt,
    lesson::Column::SourcePath,
    lesson::Column::ConflictRevisionId,
    lesson::Column::PublishAt,
];

/// One page of the admin's lesson list and the total number of matches.
pub async fn admin_list(
    db: &impl ConnectionTrait,
    filter: &AdminFilter,
    page: u64,
    per_page: u64,
) -> Result<(Vec<AdminRow>, u64), DbErr> {
    let matches = admin_matches(db, filter).await?;
    let rows = admin_page(db, filter, &matches, page, per_page).await?;
    Ok((rows, matches.total))
}

/// The lessons matching the admin list's filters, unordered.
fn admin_select(filter: &AdminFilter, backend: DatabaseBackend) -> sea_orm::Select<lesson::Entity> {
    use sea_orm::sea_query::ExprTrait;
    let mut query = lesson::Entity::find();
    if let Some(c) = filter.course_id {
        query = query.filter(lesson::Column::CourseId.eq(c));
    }
    if let Some(s) = filter.status {
        query = query.filter(lesson::Column::Status.eq(s));
    }
    if filter.conflicts_only {
        query = query.filter(lesson::Column::ConflictRevisionId.is_not_null());
    }
    if let Some(q) = filter.words() {
        // Bound as a parameter; case-insensitive on both backends. SQLite's
        // LIKE ignores the case of ASCII letters, as its `lower` lowers
        // only those: the same matches without a call per row (half the
        // time of a scan of 100,000 titles). PostgreSQL reads the title
        // lowered when it was written (migration 28).
        let pattern = format!("%{}%", q.to_lowercase());
        let title = match backend {
            DatabaseBackend::Sqlite => Expr::col(lesson::Column::Title),
            _ => Expr::col(sea_orm::sea_query::Alias::new("title_folded")),
        };
        query = query.filter(title.like(pattern));
    }
    query
}

impl AdminFilter {
    /// The words titles are filtered by, if any.
    fn words(&self) -> Option<&str> {
        self.query
            .as_deref()
            .map(str::trim)
            .filter(|q| !q.is_empty())
    }
}

/// How many lessons the admin list's filters match and, when they filter
/// by words, which, in the list's order.
///
/// Words match anywhere in a title, which no index can look up: every
/// title is read. The count and the page then come from one walk of
/// `ix_lessons_admin_list` in the list's order rather than two (a count,
/// then a page whose ids the planner, which cannot tell how many titles
/// hold the words, read by scanning and sorting the table: 41 and 56 ms at
/// 100,000 lessons on PostgreSQL). Without words the count alone is kept,
/// and [`admin_page`] reads just the page.
pub struct AdminMatches {
    pub total: u64,
    ordered: Option<Vec<i32>>,
}

pub async fn admin_matches(
    db: &impl ConnectionTrait,
    filter: &AdminFilter,
) -> Result<AdminMatches, DbErr> {
    use sea_orm::PaginatorTrait;
    let backend = db.get_database_backend();
    if filter.words().is_none() {
        let total = admin_select(filter, backend).count(db).await?;
        return Ok(AdminMatches {
            total,
            ordered: None,
        });
    }
    let ids: Vec<i32> = admin_select(filter, backend)
        .select_only()
        .column(lesson::Column::Id)
        .order_by_asc(lesson::Column::CourseId)
        .order_by_asc(lesson::Column::Position)
        .order_by_asc(lesson::Column::Slug)
        .into_tuple()
        .all(db)
        .await?;
    Ok(AdminMatches {
        total: ids.len() as u64,
        ordered: Some(ids),
    })
}

/// Page `page` (from 1) of the lessons matching `filter`, of `matches`
/// ([`admin_matches`]), in course, position and slug order: empty past the
/// last page.
///
/// Unless `matches` lists the ids already, two steps: the page's ids,
/// filtered and ordered through the narrow index `ix_lessons_admin_list`
/// (migration 7) without touching the wide rows whose bodies sit before
/// these columns on SQLite, then only that page's rows. The ids are read
/// from the nearer end of the order, so a page near the end skips the rows
/// after it instead of every row before it (the last of 2,000 pages skipped
/// 99,950 index entries; PostgreSQL took 220 ms). The order is total (a
/// slug is unique in its course), so both ends give the same rows.
pub async fn admin_page(
    db: &impl ConnectionTrait,
    filter: &AdminFilter,
    matches: &AdminMatches,
    page: u64,
    per_page: u64,
) -> Result<Vec<AdminRow>, DbErr> {
    let total = matches.total;
    let first = page.saturating_sub(1).saturating_mul(per_page);
    if first >= total || per_page == 0 {
        return Ok(Vec::new());
    }
    let end = first.saturating_add(per_page).min(total);
    let ids: Vec<i32> = match &matches.ordered {
        Some(ordered) => ordered
            .get(usize::try_from(first).unwrap_or(usize::MAX)..)
            .unwrap_or_default()
            .iter()
            .take(usize::try_from(end - first).unwrap_or(usize::MAX))
            .copied()
            .collect(),
        None => {
            let after = total - end;
            let order = if after < first {
                sea_orm::Order::Desc
            } else {
                sea_orm::Order::Asc
            };
            admin_select(filter, db.get_database_backend())
                .select_only()
                .column(lesson::Column::Id)
                .order_by(lesson::Column::CourseId, order.clone())
                .order_by(lesson::Column::Position, order.clone())
                .order_by(lesson::Column::Slug, order.clone())
                .offset(if after < first { after } else { first })
                .limit(end - first)
                .into_tuple()
                .all(db)
                .await?
        }
    };
    lesson::Entity::find()
        .filter(lesson::Column::Id.is_in(ids))
        .select_only()
        .columns(ADMIN_ROW_COLUMNS)
        .order_by_asc(lesson::Column::CourseId)
        .order_by_asc(lesson::Column::Position)
        .order_by_asc(lesson::Column::Slug)
        .into_model::<AdminRow>()
        .all(db)
        .await
}

/// The most recently changed lessons.
pub async fn recently_updated(
    db: &impl ConnectionTrait,
    limit: u64,
) -> Result<Vec<AdminRow>, DbErr> {
    lesson::Entity::find()
        .select_only()
        .columns(ADMIN_ROW_COLUMNS)
        .order_by_desc(lesson::Column::UpdatedAt)
        .limit(limit)
        .into_model::<AdminRow>()
        .all(db)
        .await
}

/// Lesson counts per (course id, status), from the index
/// `ix_lessons_course_status` alone (migration 24; `COUNT(*)`, as `COUNT(id)`
/// would send PostgreSQL to the rows for their ids).
pub async fn status_counts(db: &impl ConnectionTrait) -> Result<Vec<(i32, Status, i64)>, DbErr> {
    lesson::Entity::find()
        .select_only()
        .column(lesson::Column::CourseId)
        .column(lesson::Column::Status)
        .column_as(Expr::cust("COUNT(*)"), "n")
        .group_by(lesson::Column::CourseId)
        .group_by(lesson::Column::Status)
        .into_tuple()
        .all(db)
        .await
}

/// The next moment a scheduled lesson becomes public, if any.
pub async fn next_scheduled(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, DbErr> {
    let next: Option<Option<DateTime<Utc>>> = lesson::Entity::find()
        .select_only()
        .column_as(lesson::Column::PublishAt.min(), "next")
        .filter(lesson::Column::Status.eq(Status::Published))
        .filter(lesson::Column::PublishAt.gt(now))
        .into_tuple()
        .one(db)
        .await?;
    Ok(next.flatten())
}

/// The moment a lesson's "Updated" stands for: front matter's `updated`
/// (the start of that day, UTC) when given, else when its text last changed
/// (`text_changed_at`: a file's last commit or modification time, or an
/// admin's save that changed the text). Never the time of a write that left
/// the text as it was. The lesson page, its JSON-LD, feeds and the sitemap
/// all show this one.
pub fn shown_change(
    updated_on: Option<chrono::NaiveDate>,
    text_changed_at: DateTime<Utc>,
) -> DateTime<Utc> {
    updated_on.map_or(text_changed_at, |day| {
        day.and_time(chrono::NaiveTime::MIN).and_utc()
    })
}

/// When the public last saw something new of a lesson: its shown change
/// ([`shown_change`]), or the moment it was scheduled to appear if later.
pub fn news_at(
    updated_on: Option<chrono::NaiveDate>,
    text_changed_at: DateTime<Utc>,
    publish_at: Option<DateTime<Utc>>,
) -> DateTime<Utc> {
    let changed = shown_change(updated_on, text_changed_at);
    publish_at.map_or(changed, |at| at.max(changed))
}

/// The date a lesson's page shows as "Updated" ([`shown_change`]).
pub fn shown_date(l: &Lesson) -> chrono::NaiveDate {
    shown_change(l.updated_on, l.text_changed_at).date_naive()
}

/// A public lesson as feeds and the sitemap list it: no bodies.
#[derive(Clone, Debug, FromQueryResult)]
pub struct PublicListing {
    pub id: i32,
    pub course_id: i32,
    pub course_slug: String,
    pub course_title: String,
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub created_at: DateTime<Utc>,
    pub updated_on: Option<chrono::NaiveDate>,
    pub text_changed_at: DateTime<Utc>,
    pub publish_at: Option<DateTime<Utc>>,
}

impl PublicListing {
    /// When the lesson last changed, as its page says ([`shown_change`]):
    /// the `updated` of feeds and the `lastmod` of the sitemap.
    pub fn changed_at(&self) -> DateTime<Utc> {
        shown_change(self.updated_on, self.text_changed_at)
    }

    /// When the public last saw something new of it: its change, or the
    /// moment it was scheduled to appear if that came later. Feeds list
    /// their newest entries by it.
    pub fn news_at(&self) -> DateTime<Utc> {
        news_at(self.updated_on, self.text_changed_at, self.publish_at)
    }

    /// When it first appeared to the public (as far as the row knows).
    pub fn published_at(&self) -> DateTime<Utc> {
        self.publish_at
            .map_or(self.created_at, |at| at.max(self.created_at))
    }
}

/// Every public lesson of a published course (of course `course_id` only,
/// when given), in site order: courses as on the home page, then lessons.
pub async fn public_listing(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    course_id: Option<i32>,
) -> Result<Vec<PublicListing>, DbErr> {
    let mut query = listing_query(now);
    if let Some(id) = course_id {
        query = query.filter(lesson::Column::CourseId.eq(id));
    }
    query
        .order_by_asc(course::Column::Position)
        .order_by_asc(course::Column::Slug)
        .order_by_asc(lesson::Column::Position)
        .order_by_asc(lesson::Column::Slug)
        .into_model::<PublicListing>()
        .all(db)
        .await
}

/// The lessons `ids` as [`public_listing`] gives them, those still public
/// at `now` only, in no particular order.
pub async fn public_listing_of(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    ids: &[i32],
) -> Result<Vec<PublicListing>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    listing_query(now)
        .filter(lesson::Column::Id.is_in(ids.iter().copied()))
        .into_model::<PublicListing>()
        .all(db)
        .await
}

/// `SELECT` of [`PublicListing`]: public lessons of published courses.
fn listing_query(now: DateTime<Utc>) -> sea_orm::Select<lesson::Entity> {
    use sea_orm::{JoinType, RelationTrait};
    lesson::Entity::find()
        .select_only()
        .columns([
            lesson::Column::Id,
            lesson::Column::CourseId,
            lesson::Column::Slug,
            lesson::Column::Title,
            lesson::Column::Summary,
            lesson::Column::CreatedAt,
            lesson::Column::UpdatedOn,
            lesson::Column::TextChangedAt,
            lesson::Column::PublishAt,
        ])
        .column_as(course::Column::Slug, "course_slug")
        .column_as(course::Column::Title, "course_title")
        .join(JoinType::InnerJoin, lesson::Relation::Course.def())
        .filter(public_condition(now))
        .filter(course::Column::Status.eq(Status::Published))
}

/// Gives lessons `dates` of their files, `(lesson id, date)`, as their
/// `text_changed_at`, where the live text is still the file's (an admin
/// edit since is dated by its save). Touches nothing else: not the version,
/// not `updated_at`. One statement for them all.
pub async fn set_file_dates(
    db: &impl ConnectionTrait,
    dates: &[(i32, DateTime<Utc>)],
) -> Result<u64, DbErr> {
    use sea_orm::sea_query::{CaseStatement, ExprTrait};
    if dates.is_empty() {
        return Ok(0);
    }
    let mut date_of = CaseStatement::new();
    for (id, at) in dates {
        date_of = date_of.case(lesson::Column::Id.eq(*id), Expr::value(*at));
    }
    let date_of = date_of.finally(Expr::col(lesson::Column::TextChangedAt));
    let result = lesson::Entity::update_many()
        .col_expr(lesson::Column::TextChangedAt, date_of.into())
        .filter(lesson::Column::Id.is_in(dates.iter().map(|(id, _)| *id)))
        .filter(Expr::col(lesson::Column::SyncedHash).equals(lesson::Column::ContentHash))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// Fills what search reads of lessons written before it existed, or whose
/// index entry was made from their markdown (a migration's rows): the
/// plain text in the search index (search finds their markdown meanwhile)
/// and `body_sections` (their results link to the lesson meanwhile), for a
/// hundred of them, touching nothing else: not the version, not
/// `updated_at`. Such a row is one without its sections, which are made
/// with the text (the text is kept in the search index only: SQLite's,
/// migration 17; PostgreSQL's `search_vector`, migration 26). Returns how
/// many lessons were filled, 0 when none is left; nothing to do is one
/// cheap query. Run it in a transaction: on SQLite a hundred single writes
/// cost a hundred commits.
pub async fn fill_body_text(db: &impl ConnectionTrait) -> Result<usize, DbErr> {
    let backend = db.get_database_backend();
    type Row = (i32, String, String, String, JsonText<Vec<TocEntry>>);
    let batch: Vec<Row> = lesson::Entity::find()
        .select_only()
        .columns([
            lesson::Column::Id,
            lesson::Column::Title,
            lesson::Column::Summary,
            lesson::Column::BodyMd,
            lesson::Column::Toc,
        ])
        .filter(lesson::Column::BodySections.is_null())
        .order_by_asc(lesson::Column::Id)
        .limit(100)
        .into_tuple()
        .all(db)
        .await?;
    let filled = batch.len();
    for (id, title, summary, body_md, toc) in batch {
        let (text, sections) = text_columns(&body_md, &toc.0);
        let mut update = lesson::Entity::update_many()
            .col_expr(
                lesson::Column::BodySections,
                Expr::value(JsonText(sections)),
            )
            .filter(lesson::Column::Id.eq(id));
        if backend == DatabaseBackend::Postgres {
            update = update.col_expr(
                search_vector_column(),
                search_vector(&title, &summary, &text),
            );
        } else {
            index_texts(db, &[(id, &title, &summary, &text)]).await?;
        }
        update.exec(db).await?;
    }
    Ok(filled)
}

/// A lesson whose stored HTML an older renderer wrote.
#[derive(Clone, Debug, FromQueryResult)]
pub struct StaleRender {
    pub id: i32,
    pub version: i32,
    pub course_slug: String,
    pub slug: String,
    pub body_md: String,
}

/// Ids of the lessons a renderer older than `current` wrote (an index
/// answers this without reading the rows).
pub async fn stale_render_ids(db: &impl ConnectionTrait, current: i32) -> Result<Vec<i32>, DbErr> {
    // Sorted here: asked to order by id, SQLite walked every lesson row in
    // id order (reading each row's overflow pages to reach the version)
    // instead of searching `ix_lessons_render_version` (migration 8).
    let mut ids: Vec<i32> = lesson::Entity::find()
        .select_only()
        .column(lesson::Column::Id)
        .filter(lesson::Column::RenderVersion.lt(current))
        .into_tuple()
        .all(db)
        .await?;
    ids.sort_unstable();
    Ok(ids)
}

/// What rendering lessons `ids` again needs.
pub async fn render_sources(
    db: &impl ConnectionTrait,
    ids: &[i32],
) -> Result<Vec<StaleRender>, DbErr> {
    lesson::Entity::find()
        .select_only()
        .columns([
            lesson::Column::Id,
            lesson::Column::Version,
            lesson::Column::Slug,
            lesson::Column::BodyMd,
        ])
        .column_as(course::Column::Slug, "course_slug")
        .inner_join(course::Entity)
        .filter(lesson::Column::Id.is_in(ids.iter().copied()))
        .into_model::<StaleRender>()
        .all(db)
        .await
}

/// What rendering a lesson's body gives, as stored.
#[derive(Clone, Debug)]
pub struct StoredRender {
    /// Packed where it is rendered (on every core, for sync).
    pub body_html: StoredHtml,
    /// A delta from `body_html` (see `db::html_delta`), packed.
    pub all_html: StoredHtml,
    pub toc: Vec<TocEntry>,
    pub word_count: i32,
    pub render_version: i32,
    /// The plain text and search sections of the body, when made already
    /// ([`StoredRender::with_text`]); else they are made as the row is written.
    pub text: Option<(String, Vec<crate::markdown::Section>)>,
}

impl StoredRender {
    /// The one way from a rendered lesson to its stored columns, for sync,
    /// the admin and rendering again alike.
    pub fn of(rendered: Rendered) -> StoredRender {
        StoredRender {
            all_html: StoredHtml::pack(&super::html_delta::encode(
                &rendered.html,
                &rendered.all_html,
            )),
            body_html: StoredHtml::pack(&rendered.html),
            toc: rendered.toc,
            word_count: i32::try_from(rendered.words).unwrap_or(i32::MAX),
            render_version: crate::markdown::RENDER_VERSION,
            text: None,
        }
    }

    /// Makes the plain text and search sections of `body_md` now, so that
    /// a caller rendering on several threads does that work there too.
    pub fn with_text(mut self, body_md: &str) -> StoredRender {
        self.text = Some(text_columns(body_md, &self.toc));
        self
    }
}

/// Stores a new rendering of lesson `id` if it is still at `version` (an
/// edit since then was rendered by its writer) and no newer renderer wrote
/// it (an older instance finishing late, during a rolling upgrade). Its text,
/// version and dates stay: the lesson did not change, only how it is shown.
/// Its search sections follow the new table of contents: see
/// [`store_sections`].
pub async fn store_render(
    db: &impl ConnectionTrait,
    id: i32,
    version: i32,
    render: StoredRender,
) -> Result<bool, DbErr> {
    let result = lesson::Entity::update_many()
        .col_expr(lesson::Column::BodyHtml, Expr::value(render.body_html))
        .col_expr(lesson::Column::AllHtml, Expr::value(render.all_html))
        .col_expr(lesson::Column::Toc, Expr::value(JsonText(render.toc)))
        .col_expr(lesson::Column::WordCount, Expr::value(render.word_count))
        .col_expr(
            lesson::Column::RenderVersion,
            Expr::value(render.render_version),
        )
        .filter(lesson::Column::Id.eq(id))
        .filter(lesson::Column::Version.eq(version))
        .filter(lesson::Column::RenderVersion.lt(render.render_version))
        .exec(db)
        .await?;
    Ok(result.rows_affected > 0)
}

/// Stores the search sections of lesson `id`, still at `version`, made
/// again (`markdown::plain_text_with_sections`) after [`store_render`]
/// stored a new table of contents: heading ids may have changed.
pub async fn store_sections(
    db: &impl ConnectionTrait,
    id: i32,
    version: i32,
    sections: Vec<crate::markdown::Section>,
) -> Result<(), DbErr> {
    lesson::Entity::update_many()
        .col_expr(
            lesson::Column::BodySections,
            Expr::value(JsonText(sections)),
        )
        .filter(lesson::Column::Id.eq(id))
        .filter(lesson::Column::Version.eq(version))
        .exec(db)
        .await?;
    Ok(())
}

/// Another lesson of course `course_id` with `slug` than `except`, if any.
pub async fn slug_taken(
    db: &impl ConnectionTrait,
    course_id: i32,
    slug: &str,
    except: Option<i32>,
) -> Result<Option<Lesson>, DbErr> {
    lesson::Entity::find()
        .filter(lesson::Column::CourseId.eq(course_id))
        .filter(lesson::Column::Slug.eq(slug))
        .filter(lesson::Column::Id.ne(except.unwrap_or(0)))
        .one(db)
        .await
}

/// The position after the last lesson of course `course_id`.
pub async fn next_position(db: &impl ConnectionTrait, course_id: i32) -> Result<i32, DbErr> {
    let max: Option<Option<i32>> = lesson::Entity::find()
        .select_only()
        .column_as(lesson::Column::Position.max(), "max")
        .filter(lesson::Column::CourseId.eq(course_id))
        .into_tuple()
        .one(db)
        .await?;
    Ok(max.flatten().map_or(1, |m| m.saturating_add(1)))
}

/// The ids of course `course_id`'s lessons in their order.
pub async fn order_in_course(db: &impl ConnectionTrait, course_id: i32) -> Result<Vec<i32>, DbErr> {
    lesson::Entity::find()
        .select_only()
        .column(lesson::Column::Id)
        .filter(lesson::Column::CourseId.eq(course_id))
        .order_by_asc(lesson::Column::Position)
        .order_by_asc(lesson::Column::Slug)
        .into_tuple()
        .all(db)
        .await
}

/// Numbers the lessons `ids` 1, 2, 3… in that order. Order is not content:
/// versions are not bumped.
pub async fn renumber(db: &impl ConnectionTrait, ids: &[i32]) -> Result<(), DbErr> {
    for (i, id) in ids.iter().enumerate() {
        lesson::Entity::update_many()
            .col_expr(lesson::Column::Position, Expr::value(i as i32 + 1))
            .filter(lesson::Column::Id.eq(*id))
            .exec(db)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::shown_change;

    #[test]
    fn front_matter_updated_comes_before_the_texts_own_date() {
        let changed = chrono::DateTime::parse_from_rfc3339("2026-11-25T17:42:10+00:00")
            .unwrap()
            .to_utc();
        assert_eq!(shown_change(None, changed), changed);
        let day = chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        let shown = shown_change(Some(day), changed);
        assert_eq!(shown.to_rfc3339(), "2026-03-01T00:00:00+00:00");
        assert_eq!(shown.date_naive(), day);
    }
}
