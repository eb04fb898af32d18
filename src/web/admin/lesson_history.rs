//! A lesson's history: revisions, a diff against the current text,
//! restoring one, and resolving a conflict with its file.

use std::collections::HashMap;

use rocket::response::{content::RawHtml, Redirect};
use rocket::{get, post, routes, Route, State};
use rocket_dyn_templates::Template;
use serde::Serialize;

use crate::config::Settings;
use crate::content::links::LinkPolicy;
use crate::db::entity::Origin;
use crate::db::lessons::{self};
use crate::db::{revisions, Db};
use crate::editing::diff::{compare, Comparison, Side};
use crate::editing::lessons::{self as edit};
use crate::editing::EditError;
use crate::web::auth::Editor;
use crate::web::templates::SiteView;

use super::account_pages::CsrfOnly;
use super::lesson_form::*;
use super::CsrfForm;
use super::{page, page_bounds, render, AdminError, AdminPage, PageNo};

pub(super) fn routes() -> Vec<Route> {
    routes![history, revision, restore, keep_admin_text]
}

#[derive(Serialize)]
struct RevisionRow {
    id: i32,
    version: i32,
    /// "version 4", or "the file’s text beside version 4" for a conflict.
    label: String,
    /// Who made it and where, in words: "Saved in the admin by Ada Lovelace".
    made: String,
    note: Option<String>,
    /// Machine-readable time for `<time datetime>`.
    at: String,
    created: String,
    /// The live text: nothing to compare it with.
    is_current: bool,
    is_conflict: bool,
}

/// Who made a revision and where, as a sentence.
fn made_by(origin: Origin, author: Option<&str>, names: &HashMap<String, String>) -> String {
    let who = author.map(|a| names.get(a).map_or(a, String::as_str));
    match (origin, who) {
        (Origin::Admin, Some(who)) => format!("Saved in the admin by {who}"),
        (Origin::Admin, None) => "Saved in the admin".to_string(),
        (Origin::Restore, Some(who)) => format!("An earlier version restored by {who}"),
        (Origin::Restore, None) => "An earlier version restored".to_string(),
        (Origin::Git, _) => "Synced from the lesson’s file".to_string(),
        (Origin::Conflict, _) => {
            "The file’s text, not applied: it changed while the lesson had admin edits".to_string()
        }
    }
}

/// How a revision is named: its version, or for a conflict, the file's text
/// kept beside the version that stayed live.
fn version_label(origin: Origin, version: i32) -> String {
    if origin == Origin::Conflict {
        format!("the file’s text beside version {version}")
    } else {
        format!("version {version}")
    }
}

/// Revisions on a page of a lesson's history.
const HISTORY_PER_PAGE: u64 = 50;

#[derive(Serialize)]
struct HistoryView {
    page: AdminPage,
    lesson_id: i32,
    lesson_title: String,
    version: i32,
    conflict_revision_id: Option<i32>,
    revisions: Vec<RevisionRow>,
    total: u64,
    page_no: u64,
    pages: u64,
}

#[get("/lessons/<id>/history?<page>")]
async fn history(
    id: i32,
    page: PageNo,
    user: Editor,
    db: &State<Db>,
    site: &State<SiteView>,
) -> Result<RawHtml<Template>, AdminError> {
    let view = history_view(db.inner(), id, page.0).await?;
    Ok(render("admin/history", site, &user.0, view))
}

/// One page of a lesson's revisions, newest first.
async fn history_view(db: &Db, id: i32, requested: u64) -> Result<HistoryView, AdminError> {
    let lesson = lessons::by_id(db, id).await?.ok_or(AdminError::NotFound)?;
    let total = revisions::count_for_lesson(db, id).await?;
    let (page_no, pages) = page_bounds(requested, total, HISTORY_PER_PAGE);
    let offset = (page_no - 1) * HISTORY_PER_PAGE;
    let names: HashMap<String, String> = crate::accounts::users::all(db)
        .await?
        .into_iter()
        .map(|u| (u.username, u.display_name))
        .collect();
    // The revision that made the live version (a text kept beside it, such
    // as a refused save, has its number but is not it).
    let current_id = revisions::making_version(db, id, lesson.version)
        .await?
        .map(|r| r.id);
    let revisions = revisions::page_for_lesson(db, id, HISTORY_PER_PAGE, offset)
        .await?
        .into_iter()
        .map(|r| RevisionRow {
            id: r.id,
            version: r.version,
            label: match r.note.as_deref() {
                Some(note) if edit::is_kept_text(note) => {
                    format!("a text kept beside version {}", r.version)
                }
                _ => version_label(r.origin, r.version),
            },
            made: made_by(r.origin, r.author.as_deref(), &names),
            note: r.note,
            at: r.created_at.to_rfc3339(),
            created: r.created_at.format("%-d %b %Y, %H:%M UTC").to_string(),
            is_current: Some(r.id) == current_id,
            is_conflict: lesson.conflict_revision_id == Some(r.id),
        })
        .collect();
    Ok(HistoryView {
        total,
        page_no,
        pages,
        page: super::page(
            format!("History of “{}”", lesson.title),
            format!("/admin/lessons/{id}/history"),
        ),
        lesson_id: id,
        lesson_title: lesson.title,
        version: lesson.version,
        conflict_revision_id: lesson.conflict_revision_id,
        revisions,
    })
}

#[derive(Serialize)]
struct RevisionView {
    page: AdminPage,
    lesson_id: i32,
    lesson_title: String,
    version: i32,
    revision_id: i32,
    revision_version: i32,
    revision_origin: crate::db::entity::Origin,
    revision_author: Option<String>,
    revision_note: Option<String>,
    revision_title: String,
    revision_body: String,
    /// Whether this is the lesson's live version (nothing to compare).
    is_current: bool,
    /// Why restoring it was refused (it would publish a dead link).
    restore_error: Option<String>,
    is_conflict: bool,
    /// Who wrote each side, in words.
    revision_label: String,
    current_label: String,
    comparison: Comparison,
}

#[get("/lessons/<id>/revisions/<rev>")]
async fn revision(
    id: i32,
    rev: i32,
    user: Editor,
    db: &State<Db>,
    site: &State<SiteView>,
    settings: &State<Settings>,
) -> Result<RawHtml<Template>, AdminError> {
    let view = revision_view(db.inner(), &settings.content_dir, id, rev).await?;
    Ok(render("admin/revision", site, &user.0, view))
}

/// "by ada on 2026-12-05 at 10:40 UTC"
fn by_when(author: Option<&str>, at: chrono::DateTime<chrono::Utc>) -> String {
    let at = at.format("%Y-%m-%d at %H:%M UTC");
    match author {
        Some(a) => format!("by {a} on {at}"),
        None => format!("on {at}"),
    }
}

/// A revision beside the lesson's current text, each side labelled: for a
/// conflict, the file at its last commit and the admin's text by its editor.
async fn revision_view(
    db: &Db,
    content_dir: &std::path::Path,
    id: i32,
    rev: i32,
) -> Result<RevisionView, AdminError> {
    let lesson = lessons::by_id(db, id).await?.ok_or(AdminError::NotFound)?;
    let revision = revisions::by_id(db, rev)
        .await?
        .filter(|r| r.lesson_id == id)
        .ok_or(AdminError::NotFound)?;
    let is_conflict = lesson.conflict_revision_id == Some(revision.id);
    let current_label = format!(
        "{} (version {}, {})",
        if is_conflict {
            "the admin's text"
        } else {
            "the current text"
        },
        lesson.version,
        by_when(lesson.updated_by.as_deref(), lesson.updated_at)
    );
    let revision_label = if is_conflict {
        let path = lesson.source_path.clone().unwrap_or_default();
        match crate::content::git::last_commit(content_dir, &path).await {
            Some(commit) => format!("the file {path} at {commit}"),
            None => format!(
                "the file {path}, as synced {}",
                by_when(None, revision.created_at)
            ),
        }
    } else {
        format!(
            "version {} ({})",
            revision.version,
            by_when(revision.author.as_deref(), revision.created_at)
        )
    };
    let made_current = revisions::making_version(db, id, lesson.version)
        .await?
        .is_some_and(|r| r.id == revision.id);
    let revision_fields = revision
        .fields
        .as_deref()
        .and_then(lessons::shown_fields_from_json);
    let current_fields = lessons::ShownFields::of(&lesson).to_map();
    let mut old_fields: Vec<(&'static str, &str)> = vec![
        ("title", revision.title.as_str()),
        ("summary", revision.summary.as_str()),
    ];
    if let Some(f) = &revision_fields {
        old_fields.extend(f.iter().map(|(k, v)| (*k, v.as_str())));
    }
    let mut new_fields: Vec<(&'static str, &str)> = vec![
        ("title", lesson.title.as_str()),
        ("summary", lesson.summary.as_str()),
    ];
    new_fields.extend(current_fields.iter().map(|(k, v)| (*k, v.as_str())));
    let comparison = compare(
        Side {
            label: revision_label.clone(),
            fields: old_fields,
            body: &revision.body_md,
        },
        Side {
            label: current_label.clone(),
            fields: new_fields,
            body: &lesson.body_md,
        },
    );
    Ok(RevisionView {
        page: page(
            if is_conflict {
                format!(
                    "Conflict in “{}”: the file and the admin's text",
                    lesson.title
                )
            } else if revision.origin == Origin::Conflict {
                format!(
                    "The file’s text beside version {} of “{}”",
                    revision.version, lesson.title
                )
            } else {
                format!("Version {} of “{}”", revision.version, lesson.title)
            },
            format!("/admin/lessons/{id}/revisions/{rev}"),
        ),
        comparison,
        revision_label,
        current_label,
        is_current: made_current,
        restore_error: None,
        is_conflict,
        lesson_id: id,
        lesson_title: lesson.title,
        version: lesson.version,
        revision_id: revision.id,
        revision_version: revision.version,
        revision_origin: revision.origin,
        revision_author: revision.author,
        revision_note: revision.note,
        revision_title: revision.title,
        revision_body: revision.body_md,
    })
}

#[post("/lessons/<id>/revisions/<rev>/restore", data = "<form>")]
async fn restore(
    id: i32,
    rev: i32,
    form: CsrfForm<VersionForm>,
    user: Editor,
    db: &State<Db>,
    settings: &State<Settings>,
    site: &State<SiteView>,
) -> Result<Result<Redirect, (rocket::http::Status, RawHtml<Template>)>, AdminError> {
    let restored = edit::restore_revision(
        db.inner(),
        edit::Checks {
            content_dir: &settings.content_dir,
            links: LinkPolicy::strict(settings.strict_links),
        },
        &user.0,
        id,
        rev,
        form.version,
    )
    .await;
    match restored {
        Ok(_) => Ok(Ok(Redirect::to(format!(
            "/admin/lessons/{id}/edit?saved=true"
        )))),
        Err(EditError::Stale { .. }) => Ok(Ok(Redirect::to(format!(
            "/admin/lessons/{id}/revisions/{rev}"
        )))),
        // The text would go live with a dead link (the same check as a
        // save): say why on the version's page, change nothing.
        Err(EditError::Invalid(errors)) => {
            let mut view = revision_view(db.inner(), &settings.content_dir, id, rev).await?;
            view.restore_error = Some(
                errors
                    .iter()
                    .map(|e| e.message.clone())
                    .collect::<Vec<_>>()
                    .join("; "),
            );
            let page = render("admin/revision", site, &user.0, view);
            Ok(Err((rocket::http::Status::UnprocessableEntity, page)))
        }
        Err(e) => Err(e.into()),
    }
}

#[post("/lessons/<id>/keep", data = "<_form>")]
async fn keep_admin_text(
    id: i32,
    _form: CsrfForm<CsrfOnly>,
    user: Editor,
    db: &State<Db>,
) -> Result<Redirect, AdminError> {
    edit::keep_admin_text(db.inner(), &user.0, id).await?;
    Ok(Redirect::to(format!("/admin/lessons/{id}/edit")))
}
