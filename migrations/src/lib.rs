//! Lectern's database schema. One migration per change; an applied migration
//! is never edited. The same migrations run on SQLite and PostgreSQL, so they
//! use only portable column types through sea-query's schema builder, except
//! where the point is a backend's own feature (full-text search: FTS5 on
//! SQLite, `tsvector` on PostgreSQL), written as raw SQL per backend.

pub use sea_orm_migration::prelude::*;

mod m20261125_000001_content;
mod m20261125_000002_accounts;
mod m20261125_000003_authoring;
mod m20261125_000004_search;
mod m20261125_000005_redirects;
mod m20261125_000006_lesson_indexes;
mod m20261125_000007_list_indexes;
mod m20261129_000008_render_version;
mod m20261205_000009_login_limits;
mod m20261205_000010_lesson_drafts;
mod m20261205_000010_media_alt;
mod m20261205_000010_revision_fields;
mod m20261205_000011_text_changed_at;
mod m20261205_000012_search_sections;
mod m20261206_000013_shared_revision_text;
mod m20261206_000014_search_without_copy;
mod m20261206_000015_file_hashes;
mod m20261207_000016_search_titles;
mod m20261207_000017_compact_lessons;
mod m20261207_000018_public_order_index;
mod m20261207_000019_lacking_text_index;
mod m20261208_000022_folder_marks;
mod m20261208_000023_lesson_folder_index;
mod m20261208_000024_admin_indexes;
mod m20261208_000026_search_vector_without_text;
mod m20261209_000027_postgres_storage;
mod m20261210_000028_folded_titles;
mod m20261210_000029_narrow_lesson_rows;
mod m20261211_000030_fast_compression;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_content::Migration),
            Box::new(m20261125_000002_accounts::Migration),
            Box::new(m20261125_000003_authoring::Migration),
            Box::new(m20261125_000004_search::Migration),
            Box::new(m20261125_000005_redirects::Migration),
            Box::new(m20261125_000006_lesson_indexes::Migration),
            Box::new(m20261125_000007_list_indexes::Migration),
            Box::new(m20261129_000008_render_version::Migration),
            Box::new(m20261205_000009_login_limits::Migration),
            Box::new(m20261205_000010_revision_fields::Migration),
            Box::new(m20261205_000010_lesson_drafts::Migration),
            Box::new(m20261205_000010_media_alt::Migration),
            Box::new(m20261205_000011_text_changed_at::Migration),
            Box::new(m20261205_000012_search_sections::Migration),
            Box::new(m20261206_000013_shared_revision_text::Migration),
            Box::new(m20261206_000014_search_without_copy::Migration),
            Box::new(m20261206_000015_file_hashes::Migration),
            Box::new(m20261207_000016_search_titles::Migration),
            Box::new(m20261207_000017_compact_lessons::Migration),
            Box::new(m20261207_000018_public_order_index::Migration),
            Box::new(m20261207_000019_lacking_text_index::Migration),
            Box::new(m20261208_000022_folder_marks::Migration),
            Box::new(m20261208_000023_lesson_folder_index::Migration),
            Box::new(m20261208_000024_admin_indexes::Migration),
            Box::new(m20261208_000026_search_vector_without_text::Migration),
            Box::new(m20261209_000027_postgres_storage::Migration),
            Box::new(m20261210_000028_folded_titles::Migration),
            Box::new(m20261210_000029_narrow_lesson_rows::Migration),
            Box::new(m20261211_000030_fast_compression::Migration),
        ]
    }
}
