//! Full-text queries over lessons (the index is kept by the database: see
//! migration `m20261125_000004_search`). SQLite searches the FTS5 table
//! `lesson_search`; PostgreSQL the `lessons.search_vector` column.
//!
//! Callers pass plain words; this module alone writes them into the
//! backend's query syntax, quoting every word, so nothing a visitor types is
//! ever read as an operator. Only public lessons of published courses are
//! found ([`lessons::public_condition`] at `now`).

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, DbErr, FromQueryResult, Statement, Value,
};

use super::entity::{course, lesson, Status};
use super::json_text::JsonText;
use super::lessons;
use crate::markdown::Section;

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
    /// The body's plain text (its markdown for a row written before plain
    /// text was kept, until it is filled in).
    pub body: String,
    /// Where the body's sections begin (`None` until filled in).
    pub sections: Option<JsonText<Vec<Section>>>,
}

/// The public lessons matching every word of `words` (the last one also as a
/// prefix), best first: `limit` of them from `offset`. No words, no hits.
pub async fn lessons(
    db: &impl ConnectionTrait,
    words: &[String],
    now: DateTime<Utc>,
    limit: u64,
    offset: u64,
) -> Result<Vec<Hit>, DbErr> {
    let backend = db.get_database_backend();
    if backend == DatabaseBackend::Sqlite {
        return sqlite_lessons(db, words, now, limit, offset).await;
    }
    let Some(mut query) = matching(backend, words, now)? else {
        return Ok(Vec::new());
    };
    query
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
        );
    query
        .expr_as(
            Expr::cust("coalesce(\"lessons\".\"body_text\", \"lessons\".\"body_md\")"),
            "body",
        )
        .expr_as(
            Expr::col((lesson::Entity, lesson::Column::BodySections)),
            "sections",
        )
        .order_by_expr(
            Expr::cust_with_values(
                "ts_rank(\"lessons\".\"search_vector\", to_tsquery('simple', $1))",
                [tsquery(words)],
            ),
            Order::Desc,
        );
    query
        .order_by((lesson::Entity, lesson::Column::Id), Order::Asc)
        .limit(limit)
        .offset(offset);
    Hit::find_by_statement(backend.build(&query)).all(db).await
}

/// How many public lessons match every word of `words`.
pub async fn count(
    db: &impl ConnectionTrait,
    words: &[String],
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let backend = db.get_database_backend();
    if backend == DatabaseBackend::Sqlite {
        let Some(fts) = fts5_words(words) else {
            return Ok(0);
        };
        let sql = format!("SELECT COUNT(*) AS n {SQLITE_MATCHING}");
        let row = db
            .query_one_raw(Statement::from_sql_and_values(
                backend,
                sql,
                [fts.into(), now.into()],
            ))
            .await?;
        let n: i64 = match row {
            Some(row) => row.try_get("", "n")?,
            None => 0,
        };
        return Ok(u64::try_from(n).unwrap_or(0));
    }
    let Some(mut query) = matching(backend, words, now)? else {
        return Ok(0);
    };
    query.expr_as(Expr::col((lesson::Entity, lesson::Column::Id)).count(), "n");
    let row = db.query_one(&query).await?;
    let n: i64 = match row {
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

/// SQLite: one page of hits in two steps. Ranking needs bm25 of every match,
/// but the wide columns are read for the page's lessons only.
async fn sqlite_lessons(
    db: &impl ConnectionTrait,
    words: &[String],
    now: DateTime<Utc>,
    limit: u64,
    offset: u64,
) -> Result<Vec<Hit>, DbErr> {
    let backend = DatabaseBackend::Sqlite;
    let Some(fts) = fts5_words(words) else {
        return Ok(Vec::new());
    };
    let clamp = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    // Weights: title, summary, body. bm25 is lower for better.
    let sql = format!(
        "SELECT lessons.id AS id {SQLITE_MATCHING} \
         ORDER BY bm25(lesson_search, 10.0, 4.0, 1.0), lessons.id LIMIT ? OFFSET ?"
    );
    let ids: Vec<i32> = db
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [
                fts.clone().into(),
                now.into(),
                clamp(limit).into(),
                clamp(offset).into(),
            ],
        ))
        .await?
        .iter()
        .map(|row| row.try_get("", "id"))
        .collect::<Result<_, _>>()?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders = vec!["?"; ids.len()].join(", ");
    let sql = format!(
        "SELECT lessons.id AS id, courses.slug AS course_slug, courses.title AS course_title, \
         lessons.slug AS slug, lessons.title AS title, lessons.summary AS summary, \
         lessons.body_md AS body, \
         lessons.body_sections AS sections \
         FROM lessons \
         JOIN courses ON courses.id = lessons.course_id \
         WHERE lessons.id IN ({placeholders})"
    );
    let values: Vec<Value> = ids.iter().map(|&id| Value::from(id)).collect();
    let mut hits = Hit::find_by_statement(Statement::from_sql_and_values(backend, sql, values))
        .all(db)
        .await?;
    // SQLite keeps the plain text only in its search index (migration 17):
    // it is made again here, for this page's hits only, as it was indexed.
    for hit in &mut hits {
        hit.body = crate::markdown::plain_text(&hit.body);
    }
    hits.sort_by_key(|hit| ids.iter().position(|&id| id == hit.id));
    Ok(hits)
}

/// PostgreSQL: `FROM … WHERE …` of a search: the public lessons of published
/// courses that match `words`; `None` when there is nothing to search for.
fn matching(
    backend: DatabaseBackend,
    words: &[String],
    now: DateTime<Utc>,
) -> Result<Option<SelectStatement>, DbErr> {
    if words.iter().all(|w| quote_word(w).is_empty()) {
        return Ok(None);
    }
    let course_of_lesson = Expr::col((course::Entity, course::Column::Id))
        .equals((lesson::Entity, lesson::Column::CourseId));
    let visible = lessons::public_condition(now).add(course::Column::Status.eq(Status::Published));
    let mut query = Query::select();
    match backend {
        DatabaseBackend::Postgres => {
            query.from(lesson::Entity).and_where(Expr::cust_with_values(
                "\"lessons\".\"search_vector\" @@ to_tsquery('simple', $1)",
                [tsquery(words)],
            ));
        }
        _ => {
            return Err(DbErr::BackendNotSupported {
                db: "MySQL",
                ctx: "full-text search",
            })
        }
    }
    query
        .inner_join(course::Entity, course_of_lesson)
        .cond_where(visible);
    Ok(Some(query))
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
    use sea_orm::Statement;

    /// The statement a search would run.
    fn statement(
        backend: DatabaseBackend,
        words: &[String],
        now: DateTime<Utc>,
    ) -> Result<Option<Statement>, DbErr> {
        Ok(matching(backend, words, now)?.map(|q| backend.build(&q)))
    }

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
    }

    #[test]
    fn nothing_to_search_builds_no_statement() {
        let none = words(&["", "--", "\"\""]);
        assert!(fts5_words(&none).is_none());
        assert!(statement(DatabaseBackend::Postgres, &none, Utc::now())
            .unwrap()
            .is_none());
        let some = words(&["node"]);
        assert_eq!(fts5_words(&some).as_deref(), Some("\"node\"*"));
        let stmt = statement(DatabaseBackend::Postgres, &some, Utc::now())
            .unwrap()
            .unwrap();
        assert!(
            stmt.sql.contains("to_tsquery('simple', $1)"),
            "{}",
            stmt.sql
        );
    }
}
