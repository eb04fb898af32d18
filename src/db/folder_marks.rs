//! `folder_marks` (migration 22): for each course folder, the listing of
//! its markdown files (names, sizes, times) under which a sync last found
//! it applied file for file, and the folder's generation, which triggers
//! bump (clearing the listing) on every change to one of its lesson or
//! course rows. A resync plans only the folders whose listing or rows
//! changed since (issue 20).
//!
//! A listing is recorded only under the generation read before the rows it
//! was checked against: a row changed meanwhile bumped the generation, and
//! the record is refused.

use std::collections::HashMap;

use sea_orm::{ConnectionTrait, DbErr, Statement, Value};

/// A folder's mark as read: its generation and recorded listing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Mark {
    pub generation: i64,
    pub listing: Option<String>,
}

/// The listing recorded for a folder deleted from the content folder whose
/// rows were found archived.
pub const GONE: &str = "gone";

/// Every folder's mark.
pub async fn all(db: &impl ConnectionTrait) -> Result<HashMap<String, Mark>, DbErr> {
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT folder, generation, listing FROM folder_marks",
        ))
        .await?;
    rows.iter()
        .map(|row| {
            let mark = Mark {
                generation: row.try_get("", "generation")?,
                listing: row.try_get("", "listing")?,
            };
            Ok((row.try_get("", "folder")?, mark))
        })
        .collect()
}

/// Records `listing` for `folder`, if its generation is still `read` (the
/// generation read before its rows; `None`: it had no mark then).
/// Whether it was recorded.
pub async fn record(
    db: &impl ConnectionTrait,
    folder: &str,
    read: Option<i64>,
    listing: &str,
) -> Result<bool, DbErr> {
    let backend = db.get_database_backend();
    let statement = match read {
        Some(generation) => Statement::from_sql_and_values(
            backend,
            sql(
                backend,
                "UPDATE folder_marks SET listing = ? WHERE folder = ? AND generation = ?",
            ),
            [listing.into(), folder.into(), generation.into()],
        ),
        None => Statement::from_sql_and_values(
            backend,
            sql(
                backend,
                "INSERT INTO folder_marks (folder, generation, listing) VALUES (?, 0, ?) \
                 ON CONFLICT (folder) DO NOTHING",
            ),
            [folder.into(), Value::from(listing)],
        ),
    };
    Ok(db.execute_raw(statement).await?.rows_affected() == 1)
}

/// `?` placeholders as the backend numbers them.
fn sql(backend: sea_orm::DatabaseBackend, text: &str) -> String {
    match backend {
        sea_orm::DatabaseBackend::Postgres => {
            let mut out = String::with_capacity(text.len() + 8);
            let mut n = 0;
            for c in text.chars() {
                if c == '?' {
                    n += 1;
                    out.push_str(&format!("${n}"));
                } else {
                    out.push(c);
                }
            }
            out
        }
        _ => text.to_string(),
    }
}
