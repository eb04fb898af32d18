//! Sync runs: the list, one run's findings, and "Sync now".

use rocket::form::FromForm;
use rocket::response::{content::RawHtml, Redirect};
use rocket::{get, post, routes, Route, State};
use rocket_dyn_templates::Template;
use serde::Serialize;

use crate::accounts::audit;
use crate::config::Settings;
use crate::content::{self, Diagnostic, SyncOptions};
use crate::db::entity::SyncOrigin;
use crate::db::{sync_runs, Db};
use crate::web::auth::Editor;
use crate::web::templates::SiteView;

use super::{carries_csrf, CsrfForm};
use super::{page, render, AdminError, AdminPage, CsrfToken};

pub(super) fn routes() -> Vec<Route> {
    routes![runs, run, sync_now]
}

#[derive(Serialize)]
struct RunView {
    id: i32,
    origin: SyncOrigin,
    started: String,
    finished: Option<String>,
    created: i32,
    updated: i32,
    unchanged: i32,
    archived: i32,
    conflicts: i32,
    errors: i32,
}

impl From<&sync_runs::SyncRun> for RunView {
    fn from(r: &sync_runs::SyncRun) -> Self {
        let when = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%d %H:%M:%S UTC").to_string();
        RunView {
            id: r.id,
            origin: r.origin,
            started: when(r.started_at),
            finished: r.finished_at.map(when),
            created: r.created,
            updated: r.updated,
            unchanged: r.unchanged,
            archived: r.archived,
            conflicts: r.conflicts,
            errors: r.errors,
        }
    }
}

#[derive(Serialize)]
struct View {
    page: AdminPage,
    runs: Vec<RunView>,
    run: Option<RunView>,
    findings: Vec<String>,
}

#[get("/sync")]
async fn runs(
    user: Editor,
    db: &State<Db>,
    site: &State<SiteView>,
) -> Result<RawHtml<Template>, AdminError> {
    let runs = sync_runs::recent(db.inner(), 100)
        .await?
        .iter()
        .map(RunView::from)
        .collect();
    let view = View {
        page: page("Sync runs", "/admin/sync"),
        runs,
        run: None,
        findings: Vec::new(),
    };
    Ok(render("admin/sync", site, &user.0, view))
}

#[get("/sync/<id>")]
async fn run(
    id: i32,
    user: Editor,
    db: &State<Db>,
    site: &State<SiteView>,
) -> Result<RawHtml<Template>, AdminError> {
    let found = sync_runs::by_id(db.inner(), id)
        .await?
        .ok_or(AdminError::NotFound)?;
    // A report that cannot be read is an error, never "every file was fine".
    let findings = serde_json::from_str::<Vec<Diagnostic>>(&found.report)
        .map_err(|e| {
            sea_orm::DbErr::Custom(format!("the report of sync run {id} cannot be read: {e}"))
        })?
        .iter()
        .map(Diagnostic::to_string)
        .collect();
    let view = View {
        page: page(format!("Sync run {id}"), format!("/admin/sync/{id}")),
        runs: Vec::new(),
        run: Some(RunView::from(&found)),
        findings,
    };
    Ok(render("admin/sync", site, &user.0, view))
}

#[derive(FromForm)]
struct SyncForm {
    csrf: CsrfToken,
}

/// Syncs the content folder now (waiting for any sync already running).
#[post("/sync", data = "<_form>")]
async fn sync_now(
    _form: CsrfForm<SyncForm>,
    user: Editor,
    db: &State<Db>,
    settings: &State<Settings>,
) -> Result<Redirect, AdminError> {
    let options = SyncOptions {
        origin: SyncOrigin::Admin,
        dry_run: false,
        strict_links: settings.strict_links,
    };
    let report = content::sync(db.inner(), &settings.content_dir, options).await?;
    audit::record(
        db.inner(),
        &user.0.username,
        "sync.run",
        "content",
        &format!("run {}", report.run_id.unwrap_or(0)),
    )
    .await?;
    Ok(Redirect::to(format!(
        "/admin/sync/{}",
        report.run_id.unwrap_or(0)
    )))
}

carries_csrf!(SyncForm);
