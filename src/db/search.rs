//! Full-text queries over lessons (the index is kept by the database: see
//! migration `m20261125_000004_search`). SQLite searches the FTS5 table
//! `lesson_search`; PostgreSQL the `lessons.search_vector` column.
//!
//! Callers pass plain words; this module alone writes them into the
//! backend's query syntax, quoting every word, so nothing a visitor types is
//! ever read as an operator. Only public lessons of published courses are
//! found ([`lessons::public_condition`] at `now`; the index queries write
//! the same condition in SQL).
//!
//! A search's work is bounded whatever the corpus holds: see [`RANKED`] and
//! [`ranked`].

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, DbErr, FromQueryResult, Statement,
    TransactionTrait,
};

use super::entity::{course, lesson, Status};
use super::json_text::JsonText;
use super::lessons;
use crate::markdown::Section;

/// Lessons ranked for one search at most. Ranking and counting every match
/// made a common word slow (issue 20: "cache" is in 98% of 100,000 lessons;
/// bm25 or ts_rank of each, and a count of each, took 150–600 ms). A search
/// instead reads at most this many matches from the index in a fixed order,
/// plus the lessons whose title or summary holds every word (see
/// [`ranked`]), so its work no longer grows with the corpus. Fewer matches
/// than this are all ranked and counted exactly; past it the page says "more
/// than 1,000", and 100 pages of ten is more than a learner reads.
pub const RANKED: usize = 1000;

/// One lesson found, with the text its snippet and section are found in
/// (`discovery::search` does that, for the page's hits only). Raw lesson
/// text: escape it before showing it.
#[derive(Clone, Debug, FromQueryResult)]
pub struct Hit {
    pub id: i32,
    pub course_slug: String,
    pub course_title: String,
    pub slug: String,
    pub title: String,
    pub summary: String,
    /// The body's plain text, made again from its markdown.
    pub body: String,
    /// Where the body's sections begin (`None` until filled in).
    pub sections: Option<JsonText<Vec<Section>>>,
}

/// The lessons a search found, best first.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Ranked {
    /// At most [`RANKED`] lesson ids, best first.
    pub ids: Vec<i32>,
    /// More lessons match than `ids` holds (there are more than [`RANKED`]).
    pub more: bool,
}

/// One matching lesson as an index query returns it: its id, and its score
/// within the query (lower is better on both backends).
#[derive(Clone, Copy, Debug, PartialEq, FromQueryResult)]
struct Scored {
    id: i32,
    score: f64,
}

/// Where a search looks, in the order its results are listed: lessons
/// whose title holds every word, then whose title and summary together do,
/// then the rest. Each place includes the one before (a title match is a
/// match anywhere).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Place {
    Title,
    TitleSummary,
    Anywhere,
}

const PLACES: [Place; 3] = [Place::Title, Place::TitleSummary, Place::Anywhere];

/// The public lessons matching every word of `words` (the last one also as
/// a prefix), best first, at most [`RANKED`] of them. No words, no lessons.
///
/// Up to three bounded reads of the index, one per [`Place`], each in
/// lesson id order and cut at `RANKED + 1` visible lessons; each lesson is
/// ranked within the first place it is found in (bm25 on SQLite over that
/// place's text, `ts_rank` on PostgreSQL: see [`postgres_rank_vector`]), and
/// places are listed in order: "caching" in a lesson's title says more to
/// a learner than in its tenth paragraph. The reads stop once more than `RANKED` lessons are known.
///
/// Every place includes the one before, so when the last read ends before
/// its cut it held every match and the result is exact: all matches ranked
/// and counted, as a rare word always is. When a read is cut, more match
/// than were read (`more`), and those ranked are the title matches first,
/// then the others among the first read in id order. The same query at the
/// same moment reads the same lessons, so its pages are slices of one list:
/// page 2 continues page 1.
pub async fn ranked(db: &super::Db, words: &[String], now: DateTime<Utc>) -> Result<Ranked, DbErr> {
    let backend = db.get_database_backend();
    let fts = match backend {
        DatabaseBackend::Sqlite => fts5_words(words),
        DatabaseBackend::Postgres => {
            let query = tsquery(words);
            (!query.is_empty()).then_some(query)
        }
        _ => {
            return Err(DbErr::BackendNotSupported {
                db: "MySQL",
                ctx: "full-text search",
            })
        }
    };
    let Some(query) = fts else {
        return Ok(Ranked::default());
    };
    let cut = RANKED + 1;
    let mut found: Vec<Vec<Scored>> = Vec::new();
    let mut known = std::collections::HashSet::new();
    if backend == DatabaseBackend::Sqlite {
        for place in PLACES {
            let scored = sqlite_scored(db, place, &query, now, cut).await?;
            known.extend(scored.iter().map(|s| s.id));
            found.push(scored);
            if known.len() > RANKED {
                break;
            }
        }
        return Ok(merge(found));
    }
    // One read-only snapshot for every place. The planner is told not to
    // scan the whole table (see [`postgres_scored`]), and to plan each
    // statement for its own words: after five runs of a prepared statement
    // PostgreSQL may switch to one plan for any words, which guessed 500
    // matches whatever they were, and so read a word in 98% of 100,000
    // lessons through its index (150 ms) rather than walk to the first
    // thousand (19 ms). Set here rather than as a connection option, which
    // poolers such as PgBouncer refuse.
    let txn = db
        .begin_with_config(
            Some(sea_orm::IsolationLevel::RepeatableRead),
            Some(sea_orm::AccessMode::ReadOnly),
        )
        .await?;
    txn.execute_unprepared(
        "SET LOCAL enable_seqscan = off; SET LOCAL plan_cache_mode = force_custom_plan",
    )
    .await?;
    let lessons = postgres_lessons(&txn).await?;
    for place in PLACES {
        let scored = postgres_scored(&txn, place, &query, now, cut, lessons).await?;
        known.extend(scored.iter().map(|s| s.id));
        found.push(scored);
        if known.len() > RANKED {
            break;
        }
    }
    txn.commit().await?;
    Ok(merge(found))
}

/// The lessons found in each place (in [`PLACES`] order), each listed in the
/// first place it was found in, best first there (ties by id). Cut to
/// [`RANKED`]: `more` when it was cut.
fn merge(places: Vec<Vec<Scored>>) -> Ranked {
    let by_score = |a: &Scored, b: &Scored| a.score.total_cmp(&b.score).then(a.id.cmp(&b.id));
    let mut seen = std::collections::HashSet::new();
    let mut ids = Vec::new();
    for mut place in places {
        place.retain(|s| !seen.contains(&s.id));
        place.sort_by(by_score);
        seen.extend(place.iter().map(|s| s.id));
        ids.extend(place.iter().map(|s| s.id));
    }
    let more = ids.len() > RANKED;
    ids.truncate(RANKED);
    Ranked { ids, more }
}

/// The lessons `ids` (public at `now`), in that order, with what their
/// results show.
pub async fn hits(
    db: &impl ConnectionTrait,
    ids: &[i32],
    now: DateTime<Utc>,
) -> Result<Vec<Hit>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let backend = db.get_database_backend();
    let course_of_lesson = Expr::col((course::Entity, course::Column::Id))
        .equals((lesson::Entity, lesson::Column::CourseId));
    let mut query = Query::select();
    query
        .from(lesson::Entity)
        .inner_join(course::Entity, course_of_lesson)
        .expr_as(Expr::col((lesson::Entity, lesson::Column::Id)), "id")
        .expr_as(
            Expr::col((course::Entity, course::Column::Slug)),
            "course_slug",
        )
        .expr_as(
            Expr::col((course::Entity, course::Column::Title)),
            "course_title",
        )
        .expr_as(Expr::col((lesson::Entity, lesson::Column::Slug)), "slug")
        .expr_as(Expr::col((lesson::Entity, lesson::Column::Title)), "title")
        .expr_as(
            Expr::col((lesson::Entity, lesson::Column::Summary)),
            "summary",
        )
        .expr_as(
            // The plain text is kept only in the search index (migrations
            // 17 and 26): it is made again below from the markdown.
            Expr::col((lesson::Entity, lesson::Column::BodyMd)),
            "body",
        )
        .expr_as(
            Expr::col((lesson::Entity, lesson::Column::BodySections)),
            "sections",
        )
        .and_where(Expr::col((lesson::Entity, lesson::Column::Id)).is_in(ids.iter().copied()))
        // Checked again, for a lesson hidden between the two statements.
        .cond_where(
            lessons::public_condition(now).add(course::Column::Status.eq(Status::Published)),
        );
    let mut hits = Hit::find_by_statement(backend.build(&query))
        .all(db)
        .await?;
    // As it was indexed, for this page's hits only.
    for hit in &mut hits {
        hit.body = crate::markdown::plain_text(&hit.body);
    }
    hits.sort_by_key(|hit| ids.iter().position(|&id| id == hit.id));
    Ok(hits)
}

/// How many public lessons match every word of `words`, exactly: every
/// match is read, so the search page does not ask (see [`ranked`]); for
/// checks and tests.
pub async fn count(
    db: &impl ConnectionTrait,
    words: &[String],
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let backend = db.get_database_backend();
    let statement = match backend {
        DatabaseBackend::Sqlite => {
            let Some(fts) = fts5_words(words) else {
                return Ok(0);
            };
            Statement::from_sql_and_values(
                backend,
                format!("SELECT COUNT(*) AS n {SQLITE_MATCHING}"),
                [fts.into(), now.into()],
            )
        }
        _ => {
            let query = tsquery(words);
            if query.is_empty() {
                return Ok(0);
            }
            Statement::from_sql_and_values(
                backend,
                format!(
                    "SELECT COUNT(*) AS n FROM lessons {}",
                    PG_MATCHING.replace("{vector}", postgres_vector(Place::Anywhere))
                ),
                [query.into(), now.into()],
            )
        }
    };
    let n: i64 = match db.query_one_raw(statement).await? {
        Some(row) => row.try_get("", "n")?,
        None => 0,
    };
    Ok(u64::try_from(n).unwrap_or(0))
}

/// SQLite: `FROM … WHERE …` of a search (bind the FTS5 query, then now).
/// Every matching lesson's visibility is read from the narrow index
/// `ix_lessons_visibility` (migration 7), forced with `INDEXED BY`: reading it
/// from the table would walk each wide row past its bodies, which took a
/// search for a common word over 100 ms at 10,000 lessons.
const SQLITE_MATCHING: &str = "\
    FROM lesson_search \
    JOIN lessons INDEXED BY ix_lessons_visibility ON lessons.id = lesson_search.rowid \
    JOIN courses ON courses.id = lessons.course_id \
    WHERE lesson_search MATCH ? \
    AND lessons.status = 'published' \
    AND (lessons.publish_at IS NULL OR lessons.publish_at <= ?) \
    AND courses.status = 'published'";

/// The FTS5 query for `words`, `None` when there is nothing to search for.
fn fts5_words(words: &[String]) -> Option<String> {
    let query = fts5_query(words);
    (!query.is_empty()).then_some(query)
}

/// SQLite: the first `limit` public lessons (by id) matching `fts` (an FTS5
/// query made by [`fts5_query`]) in `place`, each with its bm25 there
/// (weights: title, summary, body; lower is better).
///
/// FTS5 reads its matches in rowid order, which is the order asked for: the
/// scan stops after `limit` visible lessons, and bm25 is computed for those
/// alone (its per-word document counts come from one pass over each word's
/// list in the index, not from the lessons). `EXPLAIN QUERY PLAN`: a scan of
/// `lesson_search` by its FTS5 index, a search of `ix_lessons_visibility`
/// and of `courses` by primary key per match, no temporary B-tree.
async fn sqlite_scored(
    db: &impl ConnectionTrait,
    place: Place,
    fts: &str,
    now: DateTime<Utc>,
    limit: usize,
) -> Result<Vec<Scored>, DbErr> {
    let fts = match place {
        Place::Title => fts5_in_columns("title", fts),
        Place::TitleSummary => fts5_in_columns("title summary", fts),
        Place::Anywhere => fts.to_string(),
    };
    let sql = format!(
        "SELECT lessons.id AS id, bm25(lesson_search, 10.0, 4.0, 1.0) AS score \
         {SQLITE_MATCHING} ORDER BY lesson_search.rowid LIMIT ?"
    );
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    Scored::find_by_statement(Statement::from_sql_and_values(
        DatabaseBackend::Sqlite,
        sql,
        [fts.into(), now.into(), limit.into()],
    ))
    .all(db)
    .await
}

/// PostgreSQL: the vector searched for `place`. Titles, and titles with
/// summaries, are indexed by `ix_lessons_search_title` and
/// `ix_lessons_search_title_summary` (migration 16): the same expressions,
/// or the planner does not use those indexes.
fn postgres_vector(place: Place) -> &'static str {
    match place {
        Place::Title => "to_tsvector('simple', coalesce(lessons.title, ''))",
        Place::TitleSummary => {
            "(setweight(to_tsvector('simple', coalesce(lessons.title, '')), 'A') \
             || setweight(to_tsvector('simple', coalesce(lessons.summary, '')), 'B'))"
        }
        Place::Anywhere => "lessons.search_vector",
    }
}

/// PostgreSQL: the rest of `FROM lessons … WHERE …` of a search in
/// `{vector}` (bind the tsquery, then now): the public lessons of published
/// courses matching the query.
///
/// The publication date is tested in a form no index answers: with table
/// scans off ([`ranked`]), `publish_at IS NULL OR publish_at <= $2` led the
/// planner to read every lesson through `ix_lessons_publish_at` and test
/// each one's vector (73 ms at 10,000 lessons) rather than ask the GIN
/// index (38 ms).
const PG_MATCHING: &str = "\
    JOIN courses ON courses.id = lessons.course_id \
    WHERE {vector} @@ to_tsquery('simple', $1) \
    AND lessons.status = 'published' \
    AND coalesce(lessons.publish_at, '-infinity') <= $2 \
    AND courses.status = 'published'";

/// PostgreSQL: the vector a lesson found in `place` is ranked by, read for
/// each lesson kept (up to [`RANKED`] + 1 a place). Title and summary
/// together, made again from their text for each lesson, cost more than
/// the stored whole-lesson vector (32 µs against 26 µs a lesson at 10,000
/// lessons): lessons found there are ranked by the whole lesson (title,
/// summary and body by their weights), as lessons found anywhere are.
fn postgres_rank_vector(place: Place) -> &'static str {
    match place {
        Place::Title => postgres_vector(Place::Title),
        Place::TitleSummary | Place::Anywhere => postgres_vector(Place::Anywhere),
    }
}

/// PostgreSQL: the first `limit` public lessons (by id) matching `query` (a
/// tsquery made by [`tsquery`]) in `place`, each with its `ts_rank` over
/// [`postgres_rank_vector`], negated (lower is better, as on SQLite).
///
/// The lessons kept are found one of two ways, chosen by how many lessons
/// the planner expects the query to match there ([`matches_few`]):
/// - few: every match through the place's GIN index, then the first
///   `limit` by id (the planner, which cannot see that testing a lesson
///   reads its out-of-line vector, would otherwise scan every lesson for a
///   word in one in fourteen: 600 ms; the caller turns such scans off);
/// - many: walking the primary key until `limit` are found, testing each
///   lesson on the way.
///
/// PostgreSQL's planner weighs that choice itself but misjudges its middle:
/// it does not count the cost of reading a lesson's out-of-line vector, or
/// of making a title's vector again, to test it, so a word in one lesson in
/// twenty-five was found by walking 25,000 lessons (190 ms at 100,000
/// lessons) where the index read its 4,000 in a tenth of that.
///
/// Only the lessons kept are ranked, so no vector is read to rank a lesson
/// that is cut. The walk hands on the columns the rank reads under the
/// table's name (`AS lessons`), so the rank is written with the same
/// expressions: joining the kept ids back to `lessons` there made the
/// planner read every lesson to join them (a hash join over a scan of the
/// table at 10,000 lessons).
async fn postgres_scored(
    db: &impl ConnectionTrait,
    place: Place,
    query: &str,
    now: DateTime<Utc>,
    limit: usize,
    lessons: f64,
) -> Result<Vec<Scored>, DbErr> {
    let rank = postgres_rank_vector(place);
    let matching = PG_MATCHING.replace("{vector}", postgres_vector(place));
    let sql = if matches_few(db, place, query, lessons).await? {
        format!(
            "WITH found AS MATERIALIZED (SELECT lessons.id FROM lessons {matching}), \
             kept AS (SELECT id FROM found ORDER BY id LIMIT $3) \
             SELECT lessons.id AS id, \
             -ts_rank({rank}, to_tsquery('simple', $1))::float8 AS score \
             FROM lessons JOIN kept ON kept.id = lessons.id"
        )
    } else {
        format!(
            "SELECT lessons.id AS id, \
             -ts_rank({rank}, to_tsquery('simple', $1))::float8 AS score \
             FROM (SELECT lessons.id, lessons.title, lessons.search_vector \
                   FROM lessons {matching} \
                   ORDER BY lessons.id LIMIT $3) AS lessons"
        )
    };
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    Scored::find_by_statement(Statement::from_sql_and_values(
        DatabaseBackend::Postgres,
        sql,
        [query.into(), now.into(), limit.into()],
    ))
    .all(db)
    .await
}

/// PostgreSQL: below this share of all lessons, a query's matches in
/// `place` are read through the index rather than found by walking the
/// lessons in id order (see [`postgres_scored`]). A walk tests about
/// `limit / share` lessons and the index reads `share × lessons`
/// (measured with `EXPLAIN ANALYZE` at 100,000 lessons):
/// - in titles, and titles with summaries, a walk makes each lesson's
///   vector again from its text (14 µs a lesson): the two cost the same
///   near one in eight;
/// - anywhere, a walk reads each lesson's stored vector, cheaper, and the
///   planner expects the words of a query to occur independently, so for
///   several words that often come together it expects fewer matches than
///   there are (12% expected, 18% found, for three common ones): one in
///   sixteen.
fn few(place: Place) -> f64 {
    match place {
        Place::Title | Place::TitleSummary => 1.0 / 8.0,
        Place::Anywhere => 1.0 / 16.0,
    }
}

/// PostgreSQL: whether the planner expects `query` to match fewer than
/// [`few`] of the `lessons` in `place`. It knows how often each word
/// occurs (its statistics of the vectors and of the title indexes), and
/// planning alone costs a fraction of a millisecond.
async fn matches_few(
    db: &impl ConnectionTrait,
    place: Place,
    query: &str,
    lessons: f64,
) -> Result<bool, DbErr> {
    let sql = format!(
        "EXPLAIN (FORMAT JSON) SELECT 1 FROM lessons WHERE {} @@ to_tsquery('simple', $1)",
        postgres_vector(place)
    );
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            sql,
            [query.into()],
        ))
        .await?;
    let plan: Option<serde_json::Value> = row.map(|r| r.try_get("", "QUERY PLAN")).transpose()?;
    let expected = plan
        .as_ref()
        .and_then(|p| p[0]["Plan"]["Plan Rows"].as_f64())
        .unwrap_or(f64::INFINITY);
    Ok(expected < lessons * few(place))
}

/// PostgreSQL: how many lessons the planner believes there are (its
/// statistics, kept by `ANALYZE`: see `db::refresh_statistics`).
async fn postgres_lessons(db: &impl ConnectionTrait) -> Result<f64, DbErr> {
    let row = db
        .query_one_raw(Statement::from_string(
            DatabaseBackend::Postgres,
            "SELECT reltuples::float8 AS n FROM pg_class WHERE oid = 'lessons'::regclass",
        ))
        .await?;
    Ok(row
        .map(|r| r.try_get::<f64>("", "n"))
        .transpose()?
        .unwrap_or(0.0))
}

/// A word reduced to letters and digits (lowercase): what every query is
/// made of, so no quote, operator or bracket can reach the query syntax.
fn quote_word(word: &str) -> String {
    word.chars()
        .flat_map(char::to_lowercase)
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// FTS5: every word as a quoted string (implicit AND), the last one also as
/// a prefix: `"install" "node"*`.
pub(crate) fn fts5_query(words: &[String]) -> String {
    let words: Vec<String> = words
        .iter()
        .map(|w| quote_word(w))
        .filter(|w| !w.is_empty())
        .collect();
    let last = words.len().saturating_sub(1);
    words
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let prefix = if i == last { "*" } else { "" };
            format!("\"{w}\"{prefix}")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// FTS5: `query` (made by [`fts5_query`]) matched in `columns` only:
/// `{title summary} : ("install" "node"*)`. Each word may be in any of them.
fn fts5_in_columns(columns: &str, query: &str) -> String {
    format!("{{{columns}}} : ({query})")
}

/// PostgreSQL: every word as a quoted lexeme, all required, the last one
/// also as a prefix: `'install' & 'node':*`.
pub(crate) fn tsquery(words: &[String]) -> String {
    let words: Vec<String> = words
        .iter()
        .map(|w| quote_word(w))
        .filter(|w| !w.is_empty())
        .collect();
    let last = words.len().saturating_sub(1);
    words
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let prefix = if i == last { ":*" } else { "" };
            format!("'{w}'{prefix}")
        })
        .collect::<Vec<_>>()
        .join(" & ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(ws: &[&str]) -> Vec<String> {
        ws.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn words_are_quoted_and_the_last_is_a_prefix() {
        assert_eq!(
            fts5_query(&words(&["install", "node"])),
            "\"install\" \"node\"*"
        );
        assert_eq!(
            fts5_in_columns("title summary", &fts5_query(&words(&["install", "node"]))),
            "{title summary} : (\"install\" \"node\"*)"
        );
        assert_eq!(
            tsquery(&words(&["install", "node"])),
            "'install' & 'node':*"
        );
    }

    #[test]
    fn syntax_never_reaches_the_query() {
        let hostile = words(&["a\"b", "NEAR(", "x'y", "-z", "c*", "col:v", "AND", ")"]);
        let fts = fts5_query(&hostile);
        assert_eq!(fts, "\"ab\" \"near\" \"xy\" \"z\" \"c\" \"colv\" \"and\"*");
        let ts = tsquery(&hostile);
        assert!(!ts.contains('"') && !ts.contains('(') && !ts.contains('-'));
        assert!(quote_word("\"*:()").is_empty());
        // Braces and colons (FTS5's column filter) are dropped too.
        assert_eq!(fts5_query(&words(&["{title}", ":x"])), "\"title\" \"x\"*");
    }

    #[test]
    fn nothing_to_search_for_is_no_query() {
        let none = words(&["", "--", "\"\""]);
        assert!(fts5_words(&none).is_none());
        assert_eq!(tsquery(&none), "");
        assert_eq!(fts5_words(&words(&["node"])).as_deref(), Some("\"node\"*"));
    }

    fn scored(pairs: &[(i32, f64)]) -> Vec<Scored> {
        pairs
            .iter()
            .map(|&(id, score)| Scored { id, score })
            .collect()
    }

    #[test]
    fn earlier_places_come_first_then_the_rest_best_first() {
        let title = scored(&[(9, -1.0), (4, -3.0)]);
        let title_summary = scored(&[(4, -3.0), (5, -0.1), (9, -1.0)]);
        // Every earlier match matches anywhere too: listed once, first.
        let anywhere = scored(&[
            (1, -0.5),
            (4, -9.0),
            (5, -8.0),
            (7, -2.0),
            (8, -2.0),
            (9, -1.0),
        ]);
        let ranked = merge(vec![title, title_summary, anywhere]);
        assert_eq!(ranked.ids, [4, 9, 5, 7, 8, 1]);
        assert!(!ranked.more);
    }

    #[test]
    fn past_the_cap_the_list_is_cut_and_says_so() {
        let all: Vec<(i32, f64)> = (1..=RANKED as i32 + 1).map(|i| (i, 0.0)).collect();
        let ranked = merge(vec![Vec::new(), Vec::new(), scored(&all)]);
        assert_eq!(ranked.ids.len(), RANKED);
        assert!(ranked.more);
        // Exactly the cap: all of them, exact.
        let ranked = merge(vec![scored(&all[..RANKED])]);
        assert_eq!(ranked.ids.len(), RANKED);
        assert!(!ranked.more);
        // Title matches and others together past the cap: title ones kept.
        let title = scored(&[(RANKED as i32 + 1, 0.0)]);
        let ranked = merge(vec![title, scored(&all[..RANKED])]);
        assert_eq!(ranked.ids[0], RANKED as i32 + 1);
        assert!(ranked.more);
    }
}
