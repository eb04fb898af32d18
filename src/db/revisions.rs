//! Queries on `lesson_revisions`.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    FromQueryResult, Iterable, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Select,
};

use super::entity::{lesson, lesson_revision, Origin};

pub use lesson_revision::Model as Revision;

/// Records the lesson's current text as a revision. Called in the same
/// transaction as the change it records.
pub async fn record(
    db: &impl ConnectionTrait,
    lesson: &lesson::Model,
    origin: Origin,
    author: Option<&str>,
    note: Option<&str>,
) -> Result<Revision, DbErr> {
    let fields = super::lessons::ShownFields::of(lesson).to_json();
    let text = RevisionText {
        title: &lesson.title,
        summary: &lesson.summary,
        body_md: &lesson.body_md,
        fields: Some(&fields),
    };
    let row = new_revision(
        lesson.id,
        lesson.version,
        text,
        Shared::Yes,
        (origin, author, note),
        chrono::Utc::now(),
    );
    Ok(with_body(row.insert(db).await?, &lesson.body_md))
}

/// Whether a revision's text is the lesson's live one, kept once, in the
/// lesson (migration 13).
#[derive(Clone, Copy, PartialEq)]
enum Shared {
    Yes,
    No,
}

/// A revision just written as shared, with its text put in.
fn with_body(mut revision: Revision, body_md: &str) -> Revision {
    if revision.body_in_lesson {
        revision.body_md = body_md.to_string();
    }
    revision
}

/// Revisions with their texts: a shared revision's text is read from its
/// lesson in the same statement, so no write can fall between the two.
fn with_text() -> Select<lesson_revision::Entity> {
    use lesson_revision::Column as C;
    lesson_revision::Entity::find()
        .select_only()
        .columns(C::iter().filter(|c| !matches!(c, C::BodyMd)))
        .column_as(
            Expr::cust(
                "CASE WHEN lesson_revisions.body_in_lesson \
                 THEN (SELECT l.body_md FROM lessons l WHERE l.id = lesson_revisions.lesson_id) \
                 ELSE lesson_revisions.body_md END",
            ),
            "body_md",
        )
}

/// The text a revision keeps.
#[derive(Clone, Copy, Debug)]
pub struct RevisionText<'a> {
    pub title: &'a str,
    pub summary: &'a str,
    pub body_md: &'a str,
    /// The other fields as JSON ([`super::lessons::ShownFields::to_json`]),
    /// when known.
    pub fields: Option<&'a str>,
}

/// Records a text that is not (or not yet) the lesson's current one: a
/// conflicting file, a refused stale save.
pub async fn record_text(
    db: &impl ConnectionTrait,
    lesson_id: i32,
    version: i32,
    text: RevisionText<'_>,
    origin: Origin,
    author: Option<&str>,
    note: Option<&str>,
) -> Result<Revision, DbErr> {
    new_revision(
        lesson_id,
        version,
        text,
        Shared::No,
        (origin, author, note),
        chrono::Utc::now(),
    )
    .insert(db)
    .await
}

/// The row of a revision.
fn new_revision(
    lesson_id: i32,
    version: i32,
    text: RevisionText<'_>,
    shared: Shared,
    (origin, author, note): (Origin, Option<&str>, Option<&str>),
    now: chrono::DateTime<chrono::Utc>,
) -> lesson_revision::ActiveModel {
    let shared = shared == Shared::Yes;
    lesson_revision::ActiveModel {
        lesson_id: Set(lesson_id),
        version: Set(version),
        title: Set(text.title.to_string()),
        summary: Set(text.summary.to_string()),
        body_md: Set(if shared {
            String::new()
        } else {
            text.body_md.to_string()
        }),
        body_in_lesson: Set(shared),
        fields: Set(text.fields.map(str::to_string)),
        origin: Set(origin),
        author: Set(author.map(str::to_string)),
        note: Set(note.map(str::to_string)),
        created_at: Set(now),
        ..Default::default()
    }
}

/// Records the first revision of lessons just inserted, with one statement
/// (see `lessons::insert_many`); each text is the lesson's, so kept there.
pub async fn record_created(
    db: &impl ConnectionTrait,
    created: &[(i32, RevisionText<'_>)],
    origin: Origin,
    note: &str,
) -> Result<(), DbErr> {
    if created.is_empty() {
        return Ok(());
    }
    let now = chrono::Utc::now();
    let models = created.iter().map(|(lesson_id, text)| {
        let why = (origin, None, Some(note));
        new_revision(*lesson_id, 1, *text, Shared::Yes, why, now)
    });
    lesson_revision::Entity::insert_many(models)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// A lesson's revisions, newest first.
pub async fn for_lesson(db: &impl ConnectionTrait, lesson_id: i32) -> Result<Vec<Revision>, DbErr> {
    with_text()
        .filter(lesson_revision::Column::LessonId.eq(lesson_id))
        .order_by_desc(lesson_revision::Column::Id)
        .all(db)
        .await
}

/// A revision in a history list: everything but its text.
#[derive(Clone, Debug, FromQueryResult)]
pub struct RevisionSummary {
    pub id: i32,
    pub version: i32,
    pub title: String,
    pub origin: Origin,
    pub author: Option<String>,
    pub note: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// One page of a lesson's revisions, newest first, without their texts
/// (a long history of long lessons stays cheap to list).
pub async fn page_for_lesson(
    db: &impl ConnectionTrait,
    lesson_id: i32,
    limit: u64,
    offset: u64,
) -> Result<Vec<RevisionSummary>, DbErr> {
    use lesson_revision::Column as C;
    lesson_revision::Entity::find()
        .select_only()
        .columns([
            C::Id,
            C::Version,
            C::Title,
            C::Origin,
            C::Author,
            C::Note,
            C::CreatedAt,
        ])
        .filter(C::LessonId.eq(lesson_id))
        .order_by_desc(C::Id)
        .limit(limit)
        .offset(offset)
        .into_model::<RevisionSummary>()
        .all(db)
        .await
}

/// How many revisions a lesson has.
pub async fn count_for_lesson(db: &impl ConnectionTrait, lesson_id: i32) -> Result<u64, DbErr> {
    lesson_revision::Entity::find()
        .filter(lesson_revision::Column::LessonId.eq(lesson_id))
        .count(db)
        .await
}

pub async fn by_id(db: &impl ConnectionTrait, id: i32) -> Result<Option<Revision>, DbErr> {
    with_text()
        .filter(lesson_revision::Column::Id.eq(id))
        .one(db)
        .await
}

/// The revision that made `version` of lesson `lesson_id`: the first one
/// recorded at that version (later ones at the same version are refused
/// saves and conflicting files, never live).
pub async fn making_version(
    db: &impl ConnectionTrait,
    lesson_id: i32,
    version: i32,
) -> Result<Option<Revision>, DbErr> {
    use lesson_revision::Column as C;
    with_text()
        .filter(C::LessonId.eq(lesson_id))
        .filter(C::Version.eq(version))
        .filter(C::Origin.ne(Origin::Conflict))
        .order_by_asc(C::Id)
        .one(db)
        .await
}

/// A revision's text and fields as one side of a merge.
pub fn merge_parts(r: Revision) -> crate::base::merge::Parts {
    crate::base::merge::Parts {
        fields: r
            .fields
            .as_deref()
            .and_then(super::lessons::shown_fields_from_json),
        title: r.title,
        summary: r.summary,
        body_md: r.body_md,
    }
}

/// How far back [`with_content_hash`] looks.
const HASH_LOOKBACK: u64 = 500;

/// The newest of a lesson's recent revisions whose text has content hash
/// `hash` (the text as last synced, for a merge with its file).
pub async fn with_content_hash(
    db: &impl ConnectionTrait,
    lesson_id: i32,
    hash: &str,
) -> Result<Option<Revision>, DbErr> {
    let recent = with_text()
        .filter(lesson_revision::Column::LessonId.eq(lesson_id))
        .order_by_desc(lesson_revision::Column::Id)
        .limit(HASH_LOOKBACK)
        .all(db)
        .await?;
    Ok(recent
        .into_iter()
        .find(|r| crate::base::hash::content_hash(&r.title, &r.summary, &r.body_md) == hash))
}
