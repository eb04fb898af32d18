//! The dashboard: courses with lesson counts by status, open conflicts,
//! recent edits, the last sync runs; and the audit log.

use std::collections::HashMap;

use rocket::response::content::RawHtml;
use rocket::{get, routes, Route, State};
use rocket_dyn_templates::Template;
use serde::Serialize;

use crate::accounts::audit;
use crate::content::links::course_url;
use crate::db::entity::Status;
use crate::db::lessons::{self, AdminFilter};
use crate::db::{courses, sync_runs, Db};
use crate::web::auth::{Admin, Editor};
use crate::web::templates::SiteView;

use super::{page, render, AdminError, AdminPage};

pub(super) fn routes() -> Vec<Route> {
    routes![dashboard, audit_log]
}

#[derive(Serialize, Default)]
struct CourseRow {
    id: i32,
    slug: String,
    title: String,
    status: Option<Status>,
    url: String,
    published: i64,
    draft: i64,
    archived: i64,
}

#[derive(Serialize)]
struct RunRow {
    id: i32,
    origin: crate::db::entity::SyncOrigin,
    started: String,
    created: i32,
    updated: i32,
    unchanged: i32,
    archived: i32,
    conflicts: i32,
    errors: i32,
    problems: Vec<String>,
}

#[derive(Serialize)]
struct DashboardView {
    page: AdminPage,
    courses: Vec<CourseRow>,
    conflicts: Vec<lessons::AdminRow>,
    recent: Vec<lessons::AdminRow>,
    runs: Vec<RunRow>,
}

#[get("/")]
async fn dashboard(
    user: Editor,
    db: &State<Db>,
    site: &State<SiteView>,
) -> Result<RawHtml<Template>, AdminError> {
    let view = dashboard_view(db.inner()).await?;
    Ok(render("admin/dashboard", site, &user.0, view))
}

async fn dashboard_view(db: &Db) -> Result<DashboardView, AdminError> {
    let only_conflicts = AdminFilter {
        conflicts_only: true,
        ..Default::default()
    };
    Ok(DashboardView {
        page: page("Dashboard", "/admin"),
        courses: course_rows(db).await?,
        conflicts: lessons::admin_list(db, &only_conflicts, 1, 50).await?.0,
        recent: lessons::recently_updated(db, 10).await?,
        runs: sync_runs::recent(db, 5)
            .await?
            .into_iter()
            .map(run_row)
            .collect(),
    })
}

/// Every course by title, with its lessons counted by status.
async fn course_rows(db: &Db) -> Result<Vec<CourseRow>, AdminError> {
    let mut rows: Vec<CourseRow> = courses::all(db)
        .await?
        .into_iter()
        .map(|c| CourseRow {
            id: c.id,
            url: course_url(&c.slug),
            slug: c.slug,
            title: c.title,
            status: Some(c.status),
            ..Default::default()
        })
        .collect();
    rows.sort_by(|a, b| a.title.cmp(&b.title));
    let index: HashMap<i32, usize> = rows.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
    for (course_id, status, n) in lessons::status_counts(db).await? {
        if let Some(row) = index.get(&course_id).and_then(|i| rows.get_mut(*i)) {
            match status {
                Status::Published => row.published = n,
                Status::Draft => row.draft = n,
                Status::Archived => row.archived = n,
            }
        }
    }
    Ok(rows)
}

/// A sync run with its first errors in words.
fn run_row(r: sync_runs::SyncRun) -> RunRow {
    RunRow {
        id: r.id,
        origin: r.origin,
        started: r.started_at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        created: r.created,
        updated: r.updated,
        unchanged: r.unchanged,
        archived: r.archived,
        conflicts: r.conflicts,
        errors: r.errors,
        problems: serde_json::from_str::<Vec<crate::content::Diagnostic>>(&r.report)
            .unwrap_or_default()
            .iter()
            .filter(|d| d.is_error())
            .take(20)
            .map(|d| d.to_string())
            .collect(),
    }
}

#[derive(Serialize)]
struct AuditEntry {
    when: String,
    actor: String,
    action: String,
    target: String,
    detail: String,
}

#[derive(Serialize)]
struct AuditView {
    page: AdminPage,
    entries: Vec<AuditEntry>,
    total: u64,
    page_no: u64,
    pages: u64,
    more: bool,
}

#[get("/audit?<page>")]
async fn audit_log(
    page: super::PageNo,
    user: Admin,
    db: &State<Db>,
    site: &State<SiteView>,
) -> Result<RawHtml<Template>, AdminError> {
    let view = audit_view(db.inner(), page.0).await?;
    Ok(render("admin/audit", site, &user.0, view))
}

async fn audit_view(db: &Db, requested: u64) -> Result<AuditView, AdminError> {
    const PER_PAGE: u64 = 100;
    let total = audit::count(db).await?;
    let (page_no, pages) = super::page_bounds(requested, total, PER_PAGE);
    let entries = audit::recent(db, PER_PAGE, (page_no - 1) * PER_PAGE)
        .await?
        .into_iter()
        .map(|e| AuditEntry {
            when: e.created_at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
            actor: e.actor,
            action: e.action,
            target: e.target,
            detail: e.detail,
        })
        .collect();
    Ok(AuditView {
        page: super::page("Audit log", "/admin/audit"),
        entries,
        total,
        page_no,
        pages,
        more: page_no < pages,
    })
}
