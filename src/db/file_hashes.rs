//! `file_hashes`: the hash of each markdown file as sync last read it, by
//! path, size and modification time (migration 15), so that a resync reads
//! and hashes only the files whose size or time changed.

use std::collections::HashMap;

use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Query};
use sea_orm::{ConnectionTrait, DbErr};

/// A file as a scan saw it: its size, modification time in microseconds
/// since 1970, and content hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileStamp {
    pub size: i64,
    pub modified: i64,
    pub hash: String,
}

fn table() -> Alias {
    Alias::new("file_hashes")
}

/// Every remembered file, by path.
pub async fn all(db: &impl ConnectionTrait) -> Result<HashMap<String, FileStamp>, DbErr> {
    stamps(db, None).await
}

/// The remembered files among `paths`, by path.
pub async fn of_paths(
    db: &impl ConnectionTrait,
    paths: &[String],
) -> Result<HashMap<String, FileStamp>, DbErr> {
    let mut found = HashMap::new();
    for chunk in paths.chunks(BATCH) {
        found.extend(stamps(db, Some(chunk)).await?);
    }
    Ok(found)
}

async fn stamps(
    db: &impl ConnectionTrait,
    paths: Option<&[String]>,
) -> Result<HashMap<String, FileStamp>, DbErr> {
    let mut select = Query::select()
        .columns([
            Alias::new("path"),
            Alias::new("size"),
            Alias::new("modified"),
            Alias::new("hash"),
        ])
        .from(table())
        .to_owned();
    if let Some(paths) = paths {
        select.and_where(Expr::col(Alias::new("path")).is_in(paths.iter().cloned()));
    }
    let backend = db.get_database_backend();
    let rows = db.query_all_raw(backend.build(&select)).await?;
    rows.iter()
        .map(|row| {
            let stamp = FileStamp {
                size: row.try_get("", "size")?,
                modified: row.try_get("", "modified")?,
                hash: row.try_get("", "hash")?,
            };
            Ok((row.try_get("", "path")?, stamp))
        })
        .collect()
}

/// Rows per statement: four bound values each, under SQLite's limit.
const BATCH: usize = 2_000;

/// Remembers `files` (path and stamp), replacing what was known of them.
pub async fn remember(
    db: &impl ConnectionTrait,
    files: &[(String, FileStamp)],
) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    for chunk in files.chunks(BATCH) {
        let mut insert = Query::insert()
            .into_table(table())
            .columns([
                Alias::new("path"),
                Alias::new("size"),
                Alias::new("modified"),
                Alias::new("hash"),
            ])
            .on_conflict(
                OnConflict::column(Alias::new("path"))
                    .update_columns([
                        Alias::new("size"),
                        Alias::new("modified"),
                        Alias::new("hash"),
                    ])
                    .to_owned(),
            )
            .to_owned();
        for (path, stamp) in chunk {
            insert.values_panic([
                path.clone().into(),
                stamp.size.into(),
                stamp.modified.into(),
                stamp.hash.clone().into(),
            ]);
        }
        db.execute_raw(backend.build(&insert)).await?;
    }
    Ok(())
}

/// Forgets the files at `paths` (gone from the content folder).
pub async fn forget(db: &impl ConnectionTrait, paths: &[String]) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    for chunk in paths.chunks(BATCH) {
        let delete = Query::delete()
            .from_table(table())
            .and_where(Expr::col(Alias::new("path")).is_in(chunk.iter().cloned()))
            .to_owned();
        db.execute_raw(backend.build(&delete)).await?;
    }
    Ok(())
}
