//! `lectern serve --watch`: re-sync when files in the content folder change,
//! for authors previewing locally. Events are debounced (a burst of saves is
//! one sync), and syncs queue behind each other like any other trigger.

use std::time::Duration;

use notify::{RecursiveMode, Watcher};
use rocket::fairing::{AdHoc, Fairing};

use crate::config::Settings;
use crate::content::{self, SyncOptions};
use crate::db::{entity::SyncOrigin, Db};

/// Quiet time after the last change before syncing.
const DEBOUNCE: Duration = Duration::from_millis(300);

pub fn fairing() -> impl Fairing {
    AdHoc::on_liftoff("Content watcher", |rocket| {
        Box::pin(async move {
            let (Some(db), Some(settings)) = (
                rocket.state::<Db>().cloned(),
                rocket.state::<Settings>().cloned(),
            ) else {
                return;
            };
            let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<()>();
            let watcher =
                notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
                    if event.is_ok_and(|e| !e.kind.is_access()) {
                        let _ = tx.send(());
                    }
                });
            let mut watcher = match watcher {
                Ok(w) => w,
                Err(e) => return tracing::error!("cannot watch the content folder: {e}"),
            };
            if let Err(e) = watcher.watch(&settings.content_dir, RecursiveMode::Recursive) {
                return tracing::error!("cannot watch {}: {e}", settings.content_dir.display());
            }
            tracing::info!("watching {} for changes", settings.content_dir.display());
            tokio::spawn(async move {
                let _watcher = watcher; // lives as long as this task
                while rx.recv().await.is_some() {
                    loop {
                        match tokio::time::timeout(DEBOUNCE, rx.recv()).await {
                            Ok(Some(())) => continue,
                            Ok(None) => return,
                            Err(_) => break,
                        }
                    }
                    let options = SyncOptions {
                        origin: SyncOrigin::Watch,
                        dry_run: false,
                        strict_links: settings.strict_links,
                    };
                    match content::sync(&db, &settings.content_dir, options).await {
                        Ok(report) => {
                            for d in &report.diagnostics {
                                tracing::warn!("{d}");
                            }
                            tracing::info!(
                                created = report.created.len(),
                                updated = report.updated.len(),
                                archived = report.archived.len(),
                                conflicts = report.conflicts.len(),
                                errors = report.errors(),
                                "content changed: synced"
                            );
                        }
                        Err(e) => tracing::error!("sync after a change failed: {e}"),
                    }
                }
            });
        })
    })
}
