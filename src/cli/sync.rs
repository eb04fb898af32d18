//! `lectern sync [--dry-run]`

use std::process::ExitCode;

use rocket::figment::Figment;

use crate::config::Settings;
use crate::content::{self, Progress, SyncOptions};
use crate::db::{self, entity::SyncOrigin};

pub(super) async fn run(figment: &Figment, dry_run: bool) -> anyhow::Result<ExitCode> {
    let settings = Settings::from_figment(figment)?;
    let db = db::connect(&settings.database_url).await.map_err(|e| {
        anyhow::anyhow!(
            "cannot open the database {}: {e}",
            crate::redact(&settings.database_url)
        )
    })?;
    db::migrate(&db).await?;
    let options = SyncOptions {
        origin: SyncOrigin::Cli,
        dry_run,
        strict_links: settings.strict_links,
    };
    let progress = super::progress::TerminalProgress::new();
    let report = content::sync_with_progress(&db, &settings.content_dir, options, &progress).await;
    progress.finish();
    let report = report?;

    let verb = |done: &'static str, would: &'static str| if dry_run { would } else { done };
    for path in &report.created {
        println!("{:<10} {path}", verb("created", "create"));
    }
    for path in &report.updated {
        println!("{:<10} {path}", verb("updated", "update"));
    }
    for path in &report.archived {
        println!("{:<10} {path}", verb("archived", "archive"));
    }
    for path in &report.conflicts {
        println!(
            "{:<10} {path} (the lesson was edited in the admin; both texts kept)",
            "conflict"
        );
    }
    for d in &report.diagnostics {
        println!("{d}");
    }
    let run = report
        .run_id
        .map(|id| format!(" (run {id})"))
        .unwrap_or_default();
    println!(
        "sync{}: {} created, {} updated, {} unchanged, {} archived, {} conflict(s), {} error(s){run}",
        if dry_run {
            " (dry run, nothing written)"
        } else {
            ""
        },
        report.created.len(),
        report.updated.len(),
        report.unchanged,
        report.archived.len(),
        report.conflicts.len(),
        report.errors(),
    );
    if !dry_run {
        // Pages an older Lectern rendered, which unchanged files never refresh.
        match content::rerender_stale(&db, &settings.content_dir).await {
            Ok(again) if again.lessons + again.courses > 0 => println!(
                "rendered again by this version's renderer: {} lesson(s), {} course(s)",
                again.lessons, again.courses
            ),
            Ok(_) => {}
            // The sync itself succeeded; the next run or start tries again.
            Err(e) => eprintln!("warning: rendering stored pages again failed: {e}"),
        }
    }
    Ok(if report.errors() > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
