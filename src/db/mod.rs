//! The database: connection set-up, migrations, entities, and the named
//! queries each table offers (`db::lessons::outline`, …). Query functions take
//! `&impl ConnectionTrait` so they run alike on a connection or inside a
//! transaction.

pub mod courses;
pub mod drafts;
pub mod entity;
pub mod file_hashes;
pub mod folder_marks;
mod handle;
pub mod html_delta;
pub mod json_text;
pub mod lessons;
pub mod media;
pub mod redirects;
pub mod revisions;
pub mod search;
pub mod search_vector;
pub mod site_state;
pub mod sitemap;
pub mod stored_html;
pub mod sync_runs;

use std::path::Path;
use std::time::Duration;

use migrations::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DbErr, TransactionTrait};

pub use handle::Db;

/// Opens the database at `url`. SQLite gets WAL, foreign keys and a busy
/// timeout (so concurrent writers wait instead of failing), and its folder is
/// created when missing so a fresh checkout runs with no set-up.
pub async fn connect(url: &str) -> Result<Db, DbErr> {
    if let Some(path) = sqlite_file(url) {
        if let Some(dir) = Path::new(path)
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
        {
            std::fs::create_dir_all(dir).map_err(|e| {
                let why = format!("cannot create {}: {e}", dir.display());
                DbErr::Conn(sea_orm::RuntimeErr::Internal(why))
            })?;
        }
    }
    let mut options = ConnectOptions::new(url);
    options
        .sqlx_logging(false)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10))
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
        });
    Database::connect(options).await.map(Db::new)
}

/// Applies every pending migration, then fills what a migration could not
/// (plain text made by the markdown parser); an error here must stop
/// start-up.
pub async fn migrate(db: &Db) -> Result<(), DbErr> {
    Migrator::up(db.connection(), None).await?;
    let mut filled = 0;
    loop {
        let txn = db.begin().await?;
        let n = lessons::fill_body_text(&txn).await?;
        txn.commit().await?;
        if n == 0 {
            break;
        }
        filled += n;
    }
    if filled > 0 {
        tracing::info!("made the search text of {filled} lesson(s)");
    }
    Ok(())
}

/// Makes PostgreSQL's planner statistics of the lessons and courses again,
/// and their visibility maps, after a sync that wrote many of them. Right
/// after the first sync of a large site both are missing until autovacuum
/// comes round (if it runs at all: it may be turned off). Without
/// statistics PostgreSQL planned a search as a walk over every lesson of
/// every course (1.3 s a query at 100,000 lessons, against 2 to 13 ms once
/// analysed); without visibility maps no count is answered from an index
/// alone (the dashboard's counts by course and status read every row:
/// 176 ms, against 13 ms once vacuumed). The lessons' out-of-line bodies
/// are left alone: a vacuum there finds nothing to do after inserts and
/// reads a gigabyte at 100,000 lessons. SQLite's queries that matter name
/// their indexes.
pub async fn refresh_statistics(db: &Db) -> Result<(), DbErr> {
    use sea_orm::ConnectionTrait;
    if db.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        // PROCESS_TOAST is PostgreSQL 14's; VACUUM runs outside any transaction.
        let version = db
            .query_one_raw(sea_orm::Statement::from_string(
                sea_orm::DatabaseBackend::Postgres,
                "SELECT current_setting('server_version_num')::int AS v",
            ))
            .await?
            .map(|row| row.try_get::<i32>("", "v"))
            .transpose()?
            .unwrap_or(0);
        let options = match version >= 140_000 {
            true => "(ANALYZE, PROCESS_TOAST FALSE)",
            false => "(ANALYZE)",
        };
        db.execute_unprepared(&format!("VACUUM {options} lessons, courses"))
            .await?;
    }
    Ok(())
}

/// The file path of a `sqlite:` URL, if it names a file.
fn sqlite_file(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty() && path != ":memory:").then_some(path)
}

#[cfg(test)]
mod tests {
    use super::sqlite_file;

    #[test]
    fn finds_the_file_of_sqlite_urls() {
        assert_eq!(
            sqlite_file("sqlite://data/lectern.db?mode=rwc"),
            Some("data/lectern.db")
        );
        assert_eq!(sqlite_file("sqlite:/tmp/x.db"), Some("/tmp/x.db"));
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("postgres://localhost/test"), None);
    }
}
