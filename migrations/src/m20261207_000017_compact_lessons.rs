//! Lessons take less room (issue 20: the database was 4.9 times the
//! markdown it holds; the aim is at most 3).
//!
//! 1. A lesson's rendered HTML is stored compressed: `body_html` was the
//!    largest column, about twice the markdown it is rendered from.
//! 2. SQLite keeps a lesson's plain text only in its search index:
//!    `lesson_search` becomes a contentless FTS5 table that can delete rows
//!    (`contentless_delete`, SQLite 3.43), written by the application when a
//!    lesson is written (`db::lessons::index_texts`; a trigger still takes a
//!    deleted lesson out), and `lessons.body_text` is emptied. Nothing read
//!    the text back but search's snippets, which are made from the markdown
//!    of the page's hits instead. PostgreSQL keeps `body_text`: its
//!    generated `tsvector` reads it, and TOAST compresses it.
//!
//! Compressed HTML:
//! Stored form (read and written by `db::stored_html` in the application;
//! written here too, once, for the rows already there): the byte `0xFF` and
//! a brotli stream of the HTML, or the HTML itself as UTF-8 (short values;
//! UTF-8 never holds `0xFF`). On PostgreSQL both columns become `bytea`; on
//! SQLite they keep their declared type and hold blobs.
//!
//! Down restores every HTML value as text and, on SQLite, migration 14's
//! external-content index over a `body_text` left empty: it indexes the
//! markdown until the application of that time fills the plain text (and
//! the search sections, emptied too) in at its start, as it did for rows
//! older than plain text. So nothing is lost either way.

use std::io::Read;

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend, Statement, Value};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum Lessons {
    Table,
    Id,
    BodyHtml,
    AllHtml,
    BodyText,
}

const MARK: u8 = 0xFF;
/// Starts a zstd frame: Lectern packs pages so since migration 30's
/// release, so undoing this migration reads both.
const ZSTD: u8 = 0xFE;
/// Shorter values stay as they are (the saving would be a few bytes).
const SMALLEST: usize = 64;
/// Rows read and written at a time: bounded memory on any size of site.
const BATCH: u64 = 200;

/// The stored form of `text` (as `db::stored_html::StoredHtml::pack`).
fn pack(text: Vec<u8>) -> Vec<u8> {
    if text.len() < SMALLEST || matches!(text.first(), Some(&MARK | &ZSTD)) {
        return text;
    }
    let mut out = Vec::with_capacity(text.len() / 4 + 16);
    out.push(MARK);
    let params = brotli::enc::BrotliEncoderParams {
        quality: 1,
        lgwin: 17,
        size_hint: text.len(),
        ..Default::default()
    };
    if brotli::BrotliCompress(&mut &text[..], &mut out, &params).is_err() || out.len() >= text.len()
    {
        return text;
    }
    out
}

/// The text a stored value stands for; an error for one that does not
/// decompress (so down never writes a half page).
fn unpack(stored: Vec<u8>) -> Result<Vec<u8>, DbErr> {
    let mut out = Vec::with_capacity(stored.len() * 5);
    let read = match stored.split_first() {
        Some((&MARK, packed)) => brotli::Decompressor::new(packed, 4096).read_to_end(&mut out),
        Some((&ZSTD, packed)) => zstd::stream::read::Decoder::with_buffer(packed)
            .and_then(|mut d| d.read_to_end(&mut out)),
        _ => return Ok(stored),
    };
    read.map_err(|e| DbErr::Migration(format!("stored HTML does not decompress: {e}")))?;
    Ok(out)
}

/// Rewrites both HTML columns of every lesson with `convert`, in batches by
/// id. `as_text`: bind the results as text (SQLite's form before this
/// migration), else as bytes. `empty_text`: empty `body_text` in the same
/// write (SQLite, up), so each row is written once.
async fn rewrite(
    manager: &SchemaManager<'_>,
    convert: fn(Vec<u8>) -> Result<Vec<u8>, DbErr>,
    as_text: bool,
    empty_text: bool,
) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let backend = manager.get_database_backend();
    let mut after = 0i64;
    loop {
        let select = Query::select()
            .columns([Lessons::Id, Lessons::BodyHtml, Lessons::AllHtml])
            .from(Lessons::Table)
            .and_where(Expr::col(Lessons::Id).gt(after))
            .order_by(Lessons::Id, Order::Asc)
            .limit(BATCH)
            .to_owned();
        let rows = db.query_all_raw(backend.build(&select)).await?;
        let Some(last) = rows.last() else {
            return Ok(());
        };
        after = last.try_get::<i32>("", "id")?.into();
        for row in rows {
            let id: i32 = row.try_get("", "id")?;
            let mut values = Vec::with_capacity(2);
            for column in ["body_html", "all_html"] {
                let stored = convert(row.try_get::<Vec<u8>>("", column)?)?;
                values.push(if as_text {
                    let text = String::from_utf8(stored).map_err(|_| {
                        DbErr::Migration(format!("lesson {id}: {column} is not UTF-8"))
                    })?;
                    Value::from(text)
                } else {
                    Value::from(stored)
                });
            }
            let all_html = values.pop().unwrap_or(Value::Bytes(None));
            let body_html = values.pop().unwrap_or(Value::Bytes(None));
            let mut update = Query::update()
                .table(Lessons::Table)
                .value(Lessons::BodyHtml, body_html)
                .value(Lessons::AllHtml, all_html)
                .and_where(Expr::col(Lessons::Id).eq(id))
                .to_owned();
            if empty_text {
                update.value(Lessons::BodyText, Value::String(None));
            }
            db.execute_raw(backend.build(&update)).await?;
        }
    }
}

async fn run(manager: &SchemaManager<'_>, statements: &[&str]) -> Result<(), DbErr> {
    let db = manager.get_connection();
    for sql in statements {
        db.execute_raw(Statement::from_string(manager.get_database_backend(), *sql))
            .await?;
    }
    Ok(())
}

/// SQLite: the contentless index, filled with what migration 14's indexed
/// (the plain text, or the markdown of a row that has none yet: the
/// application's start fills those in, see `db::lessons::fill_body_text`).
const SQLITE_UP: &[&str] = &[
    "DROP TRIGGER IF EXISTS lessons_search_delete",
    "DROP TRIGGER IF EXISTS lessons_search_update",
    "DROP TRIGGER IF EXISTS lessons_search_insert",
    "DROP TABLE IF EXISTS lesson_search",
    "CREATE VIRTUAL TABLE lesson_search USING fts5(\
        title, summary, body_text, content = '', contentless_delete = 1, \
        tokenize = 'unicode61 remove_diacritics 2')",
    "INSERT INTO lesson_search (rowid, title, summary, body_text) \
     SELECT id, title, summary, coalesce(body_text, body_md, '') FROM lessons",
    "CREATE TRIGGER lessons_search_delete AFTER DELETE ON lessons BEGIN \
     DELETE FROM lesson_search WHERE rowid = old.id; END",
];

const POSTGRES_UP: &[&str] = &[
    "ALTER TABLE lessons ALTER COLUMN all_html DROP DEFAULT",
    "ALTER TABLE lessons \
     ALTER COLUMN body_html TYPE bytea USING convert_to(body_html, 'UTF8'), \
     ALTER COLUMN all_html TYPE bytea USING convert_to(all_html, 'UTF8')",
    "ALTER TABLE lessons ALTER COLUMN all_html SET DEFAULT ''::bytea",
];

const POSTGRES_DOWN: &[&str] = &[
    "ALTER TABLE lessons ALTER COLUMN all_html DROP DEFAULT",
    "ALTER TABLE lessons \
     ALTER COLUMN body_html TYPE text USING convert_from(body_html, 'UTF8'), \
     ALTER COLUMN all_html TYPE text USING convert_from(all_html, 'UTF8')",
    "ALTER TABLE lessons ALTER COLUMN all_html SET DEFAULT ''",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let sqlite = match manager.get_database_backend() {
            DatabaseBackend::Postgres => {
                run(manager, POSTGRES_UP).await?;
                false
            }
            DatabaseBackend::Sqlite => {
                run(manager, SQLITE_UP).await?;
                true
            }
            other => {
                return Err(DbErr::Migration(format!(
                    "compact lessons are not implemented for {other:?}"
                )))
            }
        };
        rewrite(manager, |text| Ok(pack(text)), false, sqlite).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DatabaseBackend::Postgres => {
                // Decompressed while still bytes, then typed as text again.
                rewrite(manager, unpack, false, false).await?;
                run(manager, POSTGRES_DOWN).await
            }
            _ => {
                rewrite(manager, unpack, true, false).await?;
                let db = manager.get_connection();
                for sql in super::m20261206_000014_search_without_copy::up_statements() {
                    db.execute_unprepared(&sql).await?;
                }
                // Sections are made with the plain text: emptied, a start
                // of either release makes both again (and indexes the text).
                db.execute_unprepared("UPDATE lessons SET body_sections = NULL")
                    .await?;
                Ok(())
            }
        }
    }
}
