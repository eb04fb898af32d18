//! The dashboard: courses with lesson counts by status, open conflicts,
//! recent edits, the last sync runs.

use std::collections::HashMap;

use rocket::response::content::RawHtml;
use rocket::{get, routes, Route, State};
use rocket_dyn_templates::Template;
use serde::Serialize;

use crate::content::links::course_url;
use crate::db::entity::Status;
use crate::db::lessons::{self, AdminFilter};
use crate::db::{courses, sync_runs, Db};
use crate::web::auth::Editor;
use crate::web::templates::SiteView;

use super::{page, render, AdminError, AdminPage};

pub(super) fn routes() -> Vec<Route> {
    routes![dashboard]
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
