//! The dashboard: courses with lesson counts by status, open conflicts,
//! admin changes not yet in git (and, for admins, the export that writes
//! them), recent edits, the last sync runs.

use std::collections::HashMap;

use rocket::form::FromForm;
use rocket::response::content::RawHtml;
use rocket::{get, post, routes, Route, State};
use rocket_dyn_templates::Template;
use serde::Serialize;

use crate::accounts::audit;
use crate::config::Settings;
use crate::content::export::{self, ExportError};
use crate::content::links::course_url;
use crate::db::entity::Status;
use crate::db::lessons::{self, AdminFilter};
use crate::db::{courses, sync_runs, Db};
use crate::web::auth::{Admin, Editor};
use crate::web::templates::SiteView;

use super::{carries_csrf, CsrfForm, CsrfToken};
use super::{page, render, AdminError, AdminPage};

pub(super) fn routes() -> Vec<Route> {
    routes![dashboard, export_page, export_now]
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
    unexported: Unexported,
}

/// Admin changes the content folder does not have yet, as export picks them.
#[derive(Serialize)]
struct Unexported {
    lesson_count: usize,
    course_count: usize,
    /// The first few of each, to link to.
    lessons: Vec<Unsaved>,
    courses: Vec<Unsaved>,
    more: bool,
}

#[derive(Serialize)]
struct Unsaved {
    title: String,
    edit_url: String,
    /// The file it goes to, when it has one already.
    path: Option<String>,
}

/// How many of each kind the dashboard lists.
const FEW: usize = 5;

async fn unexported(db: &Db, limit: usize) -> Result<Unexported, AdminError> {
    let (lesson_count, lessons) =
        lessons::needing_export_summary(db, (limit as u64).min(i64::MAX as u64)).await?;
    let courses = export::pending_courses(db).await?;
    Ok(Unexported {
        lesson_count: lesson_count as usize,
        course_count: courses.len(),
        more: lesson_count as usize > limit || courses.len() > limit,
        lessons: lessons
            .into_iter()
            .map(|l| Unsaved {
                title: l.title,
                edit_url: format!("/admin/lessons/{}/edit", l.id),
                path: l.source_path,
            })
            .collect(),
        courses: courses
            .into_iter()
            .take(limit)
            .map(|c| Unsaved {
                title: c.title,
                edit_url: format!("/admin/courses/{}/edit", c.id),
                path: c.source_path,
            })
            .collect(),
    })
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
        unexported: unexported(db, FEW).await?,
    })
}

#[derive(Serialize)]
struct ExportView {
    page: AdminPage,
    unexported: Unexported,
    report: Option<ReportView>,
}

/// An export's outcome in words.
#[derive(Serialize)]
struct ReportView {
    written: Vec<String>,
    skipped: Vec<String>,
}

/// Everything not yet exported, and the button that exports it (the
/// confirmation step, also without JavaScript).
#[get("/export")]
async fn export_page(
    user: Admin,
    db: &State<Db>,
    site: &State<SiteView>,
) -> Result<RawHtml<Template>, AdminError> {
    let view = ExportView {
        page: page("Export to files", "/admin/export"),
        unexported: unexported(db.inner(), usize::MAX).await?,
        report: None,
    };
    Ok(render("admin/export", site, &user.0, view))
}

#[derive(FromForm)]
struct ExportForm {
    csrf: CsrfToken,
}

/// Runs the same export as `lectern export` and shows its report.
#[post("/export", data = "<_form>")]
async fn export_now(
    _form: CsrfForm<ExportForm>,
    user: Admin,
    db: &State<Db>,
    site: &State<SiteView>,
    settings: &State<Settings>,
) -> Result<RawHtml<Template>, AdminError> {
    let report = export::export(db.inner(), &settings.content_dir)
        .await
        .map_err(|e| match e {
            ExportError::Db(e) => AdminError::Db(e),
            ExportError::Write { path, source } => AdminError::Io(std::io::Error::new(
                source.kind(),
                format!("cannot write {}: {source}", path.display()),
            )),
        })?;
    audit::record(
        db.inner(),
        &user.0.username,
        "content.export",
        &settings.content_dir.display().to_string(),
        &format!(
            "wrote {} file(s), skipped {}",
            report.written.len(),
            report.diagnostics.len()
        ),
    )
    .await?;
    let view = ExportView {
        page: page("Export to files", "/admin/export"),
        unexported: unexported(db.inner(), usize::MAX).await?,
        report: Some(ReportView {
            written: report.written,
            skipped: report
                .diagnostics
                .iter()
                .map(|d| format!("{}: {}", d.path, d.message.replace('`', "\"")))
                .collect(),
        }),
    };
    Ok(render("admin/export", site, &user.0, view))
}

carries_csrf!(ExportForm);

/// Every course by title, with its lessons counted by status.
async fn course_rows(db: &Db) -> Result<Vec<CourseRow>, AdminError> {
    let mut rows: Vec<CourseRow> = courses::names(db)
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
