//! `lectern export`

use std::process::ExitCode;

use rocket::figment::Figment;

use crate::config::Settings;
use crate::content;
use crate::db;

pub(super) async fn run(figment: &Figment) -> anyhow::Result<ExitCode> {
    let settings = Settings::from_figment(figment)?;
    let db = db::connect(&settings.database_url).await.map_err(|e| {
        anyhow::anyhow!(
            "cannot open the database {}: {e}",
            crate::redact(&settings.database_url)
        )
    })?;
    db::migrate(&db).await?;
    let report = content::export(&db, &settings.content_dir).await?;
    for path in &report.written {
        println!("{:<10} {path}", "wrote");
    }
    for d in &report.diagnostics {
        println!("{d}");
    }
    println!(
        "export: {} file(s) written to {}{}",
        report.written.len(),
        settings.content_dir.display(),
        if report.written.is_empty() {
            ""
        } else {
            "; review them, then commit and push"
        }
    );
    Ok(ExitCode::SUCCESS)
}
