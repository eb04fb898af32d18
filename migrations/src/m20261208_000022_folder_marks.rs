//! What a resync may skip (issue 20): for each course folder, the listing
//! (names, sizes and times of its markdown files) under which sync last
//! found it applied file for file, and a generation that every change to a
//! lesson or course row of that folder bumps (clearing the listing), by
//! triggers, whoever writes: sync, the admin, another instance. A folder
//! whose listing and generation are as recorded is not read again; see
//! `db::folder_marks`.
//!
//! Every folder that holds rows is seeded here, so that a folder deleted
//! from the content folder is still named by a row of this table.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

const CREATE_TABLE: &str = "CREATE TABLE folder_marks (
    folder VARCHAR(255) NOT NULL PRIMARY KEY,
    generation BIGINT NOT NULL DEFAULT 0,
    listing VARCHAR(64) NULL
)";

/// The course folder of a lesson file's path (its first segment).
const SQLITE_FOLDER: &str = "substr(source_path, 1, instr(source_path, '/') - 1)";
const POSTGRES_FOLDER: &str = "split_part(source_path, '/', 1)";

fn seed(folder: &str) -> String {
    format!(
        "INSERT INTO folder_marks (folder, generation)
         SELECT DISTINCT {folder}, 1 FROM lessons WHERE source_path LIKE '%/%'
         UNION SELECT slug, 1 FROM courses"
    )
}

/// SQLite: one trigger per table and operation, each bumping the folders
/// of the old and the new row.
fn sqlite_triggers() -> Vec<String> {
    let bump = |folders: &str| {
        format!(
            "INSERT INTO folder_marks (folder, generation)
             SELECT f, 1 FROM ({folders}) WHERE f IS NOT NULL AND f <> ''
             ON CONFLICT (folder) DO UPDATE SET generation = generation + 1, listing = NULL;"
        )
    };
    let lesson = |row: &str| {
        format!(
            "SELECT substr({row}.source_path, 1, instr({row}.source_path, '/') - 1) AS f
             UNION SELECT slug FROM courses WHERE id = {row}.course_id"
        )
    };
    let mut sql = Vec::new();
    for (op, rows) in [
        ("INSERT", vec!["NEW"]),
        ("UPDATE", vec!["OLD", "NEW"]),
        ("DELETE", vec!["OLD"]),
    ] {
        let lessons: Vec<String> = rows.iter().map(|r| lesson(r)).collect();
        let courses: Vec<String> = rows
            .iter()
            .map(|r| format!("SELECT {r}.slug AS f"))
            .collect();
        sql.push(format!(
            "CREATE TRIGGER tr_lessons_{op}_folder_marks AFTER {op} ON lessons BEGIN {} END",
            bump(&lessons.join(" UNION "))
        ));
        sql.push(format!(
            "CREATE TRIGGER tr_courses_{op}_folder_marks AFTER {op} ON courses BEGIN {} END",
            bump(&courses.join(" UNION "))
        ));
    }
    sql
}

const POSTGRES_FUNCTION: &str = "CREATE FUNCTION bump_folder_marks() RETURNS trigger AS $$
DECLARE
    folders TEXT[] := '{}';
BEGIN
    IF TG_TABLE_NAME = 'lessons' THEN
        IF TG_OP <> 'DELETE' THEN
            folders := folders || split_part(NEW.source_path, '/', 1)
                || (SELECT slug::TEXT FROM courses WHERE id = NEW.course_id);
        END IF;
        IF TG_OP <> 'INSERT' THEN
            folders := folders || split_part(OLD.source_path, '/', 1)
                || (SELECT slug::TEXT FROM courses WHERE id = OLD.course_id);
        END IF;
    ELSE
        IF TG_OP <> 'DELETE' THEN folders := folders || NEW.slug::TEXT; END IF;
        IF TG_OP <> 'INSERT' THEN folders := folders || OLD.slug::TEXT; END IF;
    END IF;
    INSERT INTO folder_marks (folder, generation)
        SELECT DISTINCT f, 1 FROM unnest(folders) AS f WHERE f IS NOT NULL AND f <> ''
        ORDER BY 1
        ON CONFLICT (folder) DO UPDATE
        SET generation = folder_marks.generation + 1, listing = NULL;
    RETURN NULL;
END
$$ LANGUAGE plpgsql";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared(CREATE_TABLE).await?;
        match manager.get_database_backend() {
            DatabaseBackend::Postgres => {
                db.execute_unprepared(&seed(POSTGRES_FOLDER)).await?;
                db.execute_unprepared(POSTGRES_FUNCTION).await?;
                for table in ["lessons", "courses"] {
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER tr_{table}_folder_marks AFTER INSERT OR UPDATE OR DELETE \
                         ON {table} FOR EACH ROW EXECUTE FUNCTION bump_folder_marks()"
                    ))
                    .await?;
                }
            }
            _ => {
                db.execute_unprepared(&seed(SQLITE_FOLDER)).await?;
                for trigger in sqlite_triggers() {
                    db.execute_unprepared(&trigger).await?;
                }
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DatabaseBackend::Postgres => {
                for table in ["lessons", "courses"] {
                    db.execute_unprepared(&format!(
                        "DROP TRIGGER IF EXISTS tr_{table}_folder_marks ON {table}"
                    ))
                    .await?;
                }
                db.execute_unprepared("DROP FUNCTION IF EXISTS bump_folder_marks()")
                    .await?;
            }
            _ => {
                for op in ["INSERT", "UPDATE", "DELETE"] {
                    for table in ["lessons", "courses"] {
                        db.execute_unprepared(&format!(
                            "DROP TRIGGER IF EXISTS tr_{table}_{op}_folder_marks"
                        ))
                        .await?;
                    }
                }
            }
        }
        db.execute_unprepared("DROP TABLE folder_marks").await?;
        Ok(())
    }
}
