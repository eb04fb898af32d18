//! `lectern serve --watch`: live authoring. Files in the content folder are
//! watched and re-synced on change (debounced: a burst of saves is one
//! sync; syncs queue behind each other like any other trigger). After each
//! sync, open pages hear what it means through [`LiveReload`] (served as
//! server-sent events by `web::live`, listened to by `static/live.js`):
//! reload, or show the errors that keep a changed file from being
//! published, naming file, line and message, until they are fixed.

use std::path::{Component, Path};
use std::sync::Arc;
use std::time::Duration;

use notify::{RecursiveMode, Watcher};
use rocket::fairing::{AdHoc, Fairing};
use rocket::figment::Figment;
use rocket::{Build, Rocket};
use serde::Serialize;
use tokio::sync::watch;

use crate::config::Settings;
use crate::content::{self, Diagnostic, SyncError, SyncOptions, SyncReport};
use crate::db::{entity::SyncOrigin, Db};

/// Quiet time after the last change before syncing.
const DEBOUNCE: Duration = Duration::from_millis(300);

/// Turns watch mode on for a Rocket built by [`crate::build`]: the live
/// state (which also tells templates to load the live script), its route,
/// and the watcher. Nothing of it exists without `--watch`.
pub fn enable(rocket: Rocket<Build>) -> Rocket<Build> {
    rocket
        .manage(LiveReload::new())
        .mount("/", crate::web::live::routes())
        .attach(fairing())
}

/// Watch mode's Rocket settings: a line per request is noise while
/// writing (and so is a warning each time a reloading page drops its event
/// stream), so Rocket's own log is off unless `ROCKET_LOG_LEVEL` asks for
/// it. Lectern's log says where to open the site, and what went wrong.
pub fn quiet_requests(figment: Figment) -> Figment {
    if std::env::var_os("ROCKET_LOG_LEVEL").is_some() {
        return figment;
    }
    figment.merge(("log_level", "off"))
}

/// What open pages should know after the last sync: shared by the watcher
/// (which sends) and every open page's event stream (which listens).
#[derive(Clone)]
pub struct LiveReload {
    /// Differs from one server start to the next, so a page reconnecting
    /// after a restart knows to reload.
    instance: Arc<str>,
    status: Arc<watch::Sender<LiveStatus>>,
}

/// At most this many changed files and errors go to pages: every page gets
/// them, and a checkout of another branch can change thousands of files.
pub const LISTED: usize = 50;

/// The content as the last sync left it.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct LiveStatus {
    /// Counts the syncs open pages were told of.
    pub generation: u64,
    /// Files that sync created, updated, archived or met a conflict in
    /// (the first [`LISTED`]).
    pub changed: Vec<String>,
    /// The errors that keep files from being published (file, line,
    /// message; the first [`LISTED`]); empty when everything was applied.
    pub problems: Vec<Diagnostic>,
    /// How many errors there are in all.
    pub problems_total: usize,
}

impl LiveStatus {
    /// The status after a sync that reported `report`, or `None` when open
    /// pages have nothing to do (nothing changed, and the same problems as
    /// before: an editor's swap file, a save of the same bytes).
    pub fn after(&self, report: &SyncReport) -> Option<LiveStatus> {
        let changed: Vec<String> = [
            &report.created,
            &report.updated,
            &report.archived,
            &report.conflicts,
        ]
        .into_iter()
        .flatten()
        .take(LISTED)
        .cloned()
        .collect();
        let errors = report.diagnostics.iter().filter(|d| d.is_error());
        let problems: Vec<Diagnostic> = errors.clone().take(LISTED).cloned().collect();
        let problems_total = errors.count();
        if changed.is_empty() && problems == self.problems && problems_total == self.problems_total
        {
            return None;
        }
        Some(LiveStatus {
            generation: self.generation + 1,
            changed,
            problems,
            problems_total,
        })
    }

    /// The status after a sync that could not run at all.
    pub fn after_failure(&self, content_dir: &Path, error: &SyncError) -> LiveStatus {
        LiveStatus {
            generation: self.generation + 1,
            changed: Vec::new(),
            problems: vec![Diagnostic::error(
                content_dir.display().to_string(),
                None,
                format!("the content folder could not be synced: {error}"),
            )],
            problems_total: 1,
        }
    }
}

impl LiveReload {
    pub fn new() -> Self {
        LiveReload {
            instance: format!("{:016x}", rand::random::<u64>()).into(),
            status: Arc::new(watch::Sender::new(LiveStatus::default())),
        }
    }

    pub fn instance(&self) -> &str {
        &self.instance
    }

    /// Open pages' view of the status: the current one, then each change.
    pub fn subscribe(&self) -> watch::Receiver<LiveStatus> {
        self.status.subscribe()
    }

    /// The status now.
    pub fn current(&self) -> LiveStatus {
        self.status.borrow().clone()
    }

    /// Tells open pages what a sync did, if it concerns them.
    pub fn synced(&self, result: &Result<SyncReport, SyncError>, content_dir: &Path) {
        self.status.send_if_modified(|status| {
            let next = match result {
                Ok(report) => status.after(report),
                Err(e) => Some(status.after_failure(content_dir, e)),
            };
            match next {
                Some(next) => {
                    *status = next;
                    true
                }
                None => false,
            }
        });
    }
}

impl Default for LiveReload {
    fn default() -> Self {
        Self::new()
    }
}

/// Logs what a sync did, a line per file, so the author sees which of
/// their files the server took (or refused, with file and line).
pub fn log_report(report: &SyncReport) {
    for path in &report.created {
        tracing::info!("created {path}");
    }
    for path in &report.updated {
        tracing::info!("updated {path}");
    }
    for path in &report.archived {
        tracing::info!("archived {path} (its file is gone)");
    }
    for path in &report.conflicts {
        tracing::warn!("conflict in {path}: the lesson was edited in the admin; both texts are kept, resolve it in the admin dashboard");
    }
    for d in &report.diagnostics {
        match d.is_error() {
            true => tracing::error!("{d}"),
            false => tracing::warn!("{d}"),
        }
    }
    let changed = report.created.len()
        + report.updated.len()
        + report.archived.len()
        + report.conflicts.len();
    if changed > 0 || report.errors() > 0 {
        tracing::info!(
            "synced: {} created, {} updated, {} archived, {} conflict(s), {} error(s)",
            report.created.len(),
            report.updated.len(),
            report.archived.len(),
            report.conflicts.len(),
            report.errors()
        );
    }
}

/// Whether a change at `path` can matter to a sync: hidden files and
/// folders (.git, editors' swap files) are never read by it.
fn matters(content_dir: &Path, path: &Path) -> bool {
    let rel = path.strip_prefix(content_dir).unwrap_or(path);
    !rel.components().any(|c| match c {
        Component::Normal(name) => name.to_string_lossy().starts_with('.'),
        _ => false,
    })
}

fn fairing() -> impl Fairing {
    AdHoc::on_liftoff("Content watcher", |rocket| {
        Box::pin(async move {
            let (Some(db), Some(settings), Some(live)) = (
                rocket.state::<Db>().cloned(),
                rocket.state::<Settings>().cloned(),
                rocket.state::<LiveReload>(),
            ) else {
                return;
            };
            let content_dir = settings.content_dir.clone();
            // The watcher reports paths as it was given them, made absolute.
            let root = std::fs::canonicalize(&content_dir).unwrap_or(content_dir.clone());
            let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<()>();
            let filter_root = root.clone();
            let watcher =
                notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
                    let Ok(event) = event else { return };
                    if !event.kind.is_access()
                        && event.paths.iter().any(|p| matters(&filter_root, p))
                    {
                        let _ = tx.send(());
                    }
                });
            let mut watcher = match watcher {
                Ok(w) => w,
                Err(e) => return tracing::error!("cannot watch the content folder: {e}"),
            };
            if let Err(e) = watcher.watch(&root, RecursiveMode::Recursive) {
                return tracing::error!("cannot watch {}: {e}", content_dir.display());
            }
            let config = rocket.config();
            tracing::info!(
                "watching {} for changes; open http://{}:{}/ and pages reload as you save",
                content_dir.display(),
                config.address,
                config.port
            );
            let problems = live.current().problems_total;
            if problems > 0 {
                tracing::warn!(
                    "{problems} error(s) in the content: open pages show them until they are fixed"
                );
            }
            let live = live.clone();
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
                    let result = content::sync(&db, &content_dir, options).await;
                    match &result {
                        Ok(report) => log_report(report),
                        Err(e) => tracing::error!("sync after a change failed: {e}"),
                    }
                    let had_problems = live.current().problems_total > 0;
                    live.synced(&result, &content_dir);
                    if had_problems && live.current().problems_total == 0 {
                        tracing::info!("no errors left: open pages show the content again");
                    }
                }
            });
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(updated: &[&str], errors: &[(&str, usize)]) -> SyncReport {
        SyncReport {
            updated: updated.iter().map(|p| p.to_string()).collect(),
            diagnostics: errors
                .iter()
                .map(|(p, line)| {
                    Diagnostic::error(*p, Some(*line), "field “title” must be a string")
                })
                .chain([Diagnostic::warning("a/01-x.md", Some(3), "unknown field")])
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn pages_hear_of_changes_and_errors_and_nothing_else() {
        let start = LiveStatus::default();
        assert_eq!(
            start.after(&report(&[], &[])),
            None,
            "a save of the same bytes"
        );

        let changed = start.after(&report(&["a/01-x.md"], &[])).unwrap();
        assert_eq!(changed.generation, 1);
        assert_eq!(changed.changed, ["a/01-x.md"]);
        assert!(changed.problems.is_empty(), "warnings never stop a page");

        let broken = changed.after(&report(&[], &[("a/01-x.md", 2)])).unwrap();
        assert_eq!((broken.generation, broken.problems_total), (2, 1));
        assert_eq!(broken.problems[0].path, "a/01-x.md");
        assert_eq!(
            broken.after(&report(&[], &[("a/01-x.md", 2)])),
            None,
            "still broken"
        );
        let moved = broken.after(&report(&[], &[("a/01-x.md", 5)])).unwrap();
        assert_eq!(moved.problems[0].line, Some(5), "another error in the file");

        let fixed = moved.after(&report(&[], &[])).unwrap();
        assert!(fixed.problems.is_empty() && fixed.changed.is_empty());
        assert_eq!(fixed.generation, 4);
    }

    #[test]
    fn what_goes_to_pages_is_bounded() {
        let many: Vec<String> = (0..3 * LISTED).map(|i| format!("a/{i:03}-x.md")).collect();
        let paths: Vec<&str> = many.iter().map(String::as_str).collect();
        let errors: Vec<(&str, usize)> = paths.iter().map(|p| (*p, 2)).collect();
        let status = LiveStatus::default()
            .after(&report(&paths, &errors))
            .unwrap();
        assert_eq!(status.changed.len(), LISTED);
        assert_eq!(status.problems.len(), LISTED);
        assert_eq!(status.problems_total, 3 * LISTED);
    }

    #[test]
    fn hidden_files_never_start_a_sync() {
        let root = Path::new("/site/content");
        assert!(matters(root, Path::new("/site/content/intro/01-a.md")));
        assert!(matters(root, Path::new("/site/content/intro/images/a.png")));
        assert!(!matters(root, Path::new("/site/content/.git/index")));
        assert!(!matters(
            root,
            Path::new("/site/content/intro/.01-a.md.swp")
        ));
        // The content folder's own name may start with a dot.
        assert!(matters(
            Path::new("/site/.content"),
            Path::new("/site/.content/a/01-b.md")
        ));
    }
}
