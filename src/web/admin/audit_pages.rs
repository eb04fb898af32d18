//! The audit log (admins only), read as sentences: "Ada Lovelace saved
//! “Install Node.js” (version 4)", each target linked to where it can be
//! seen or edited. The log stores raw actions; `accounts::audit::describe`
//! words them, and this page finds what each target names today.

use std::collections::HashMap;

use rocket::response::content::RawHtml;
use rocket::{get, routes, Route, State};
use rocket_dyn_templates::Template;
use serde::Serialize;

use crate::accounts::audit::{self, Phrase, TargetKind};
use crate::accounts::users;
use crate::db::{courses, lessons, Db};
use crate::markdown::LessonRef;
use crate::web::auth::Admin;
use crate::web::templates::SiteView;

use super::{AdminError, AdminPage, PageNo};

pub(super) fn routes() -> Vec<Route> {
    routes![audit_log]
}

const PER_PAGE: u64 = 100;

/// What an entry's target names now: a label, quoted when it is a title,
/// and a link when the thing still exists.
#[derive(Clone, Debug, Default, Serialize)]
struct Target {
    label: String,
    quoted: bool,
    url: Option<String>,
}

#[derive(Serialize)]
struct Entry {
    /// Machine-readable time for `<time datetime>`.
    at: String,
    /// "5 Dec 2026, 10:42 UTC".
    when: String,
    actor: String,
    #[serde(flatten)]
    phrase: Phrase,
    object: Option<Target>,
    /// The raw action, kept for a title attribute (searching the log's data).
    action: String,
}

#[derive(Serialize)]
struct AuditView {
    page: AdminPage,
    entries: Vec<Entry>,
    total: u64,
    page_no: u64,
    pages: u64,
    more: bool,
}

#[get("/audit?<page>")]
async fn audit_log(
    page: PageNo,
    user: Admin,
    db: &State<Db>,
    site: &State<SiteView>,
) -> Result<RawHtml<Template>, AdminError> {
    let view = audit_view(db.inner(), page.0).await?;
    Ok(super::render("admin/audit", site, &user.0, view))
}

async fn audit_view(db: &Db, requested: u64) -> Result<AuditView, AdminError> {
    let total = audit::count(db).await?;
    let (page_no, pages) = super::page_bounds(requested, total, PER_PAGE);
    let rows = audit::recent(db, PER_PAGE, (page_no - 1) * PER_PAGE).await?;
    let names: HashMap<String, (i32, String)> = users::all(db)
        .await?
        .into_iter()
        .map(|u| (u.username, (u.id, u.display_name)))
        .collect();
    let mut found: HashMap<(TargetKind, String), Option<Target>> = HashMap::new();
    let mut entries = Vec::with_capacity(rows.len());
    for e in rows {
        let phrase = audit::describe(&e.action, &e.detail);
        // A sync run is named by its detail ("run 7"), not its target.
        let key = match phrase.target {
            TargetKind::SyncRun => (phrase.target, e.detail.clone()),
            _ => (phrase.target, e.target.clone()),
        };
        let object = match found.get(&key) {
            Some(target) => target.clone(),
            None => {
                let target = resolve(db, &names, phrase.target, &e.target, &e.detail).await?;
                found.insert(key, target.clone());
                target
            }
        };
        entries.push(Entry {
            at: e.created_at.to_rfc3339(),
            when: e.created_at.format("%-d %b %Y, %H:%M UTC").to_string(),
            actor: match (e.actor.as_str(), names.get(&e.actor)) {
                (_, Some((_, name))) => name.clone(),
                ("cli", None) => "The command line".to_string(),
                (actor, None) => actor.to_string(),
            },
            phrase,
            object,
            action: e.action,
        });
    }
    Ok(AuditView {
        page: super::page("Audit log", "/admin/audit"),
        entries,
        total,
        page_no,
        pages,
        more: page_no < pages,
    })
}

/// Finds the thing an entry names. One that no longer exists (a renamed or
/// deleted lesson, a removed user) is shown as stored, without a link.
async fn resolve(
    db: &Db,
    names: &HashMap<String, (i32, String)>,
    kind: TargetKind,
    target: &str,
    detail: &str,
) -> Result<Option<Target>, AdminError> {
    let plain = |label: &str| {
        Some(Target {
            label: label.to_string(),
            quoted: false,
            url: None,
        })
    };
    let linked = |label: String, quoted: bool, url: String| {
        Some(Target {
            label,
            quoted,
            url: Some(url),
        })
    };
    Ok(match kind {
        TargetKind::Nothing => None,
        TargetKind::Unknown if target.is_empty() => None,
        TargetKind::Unknown => plain(target),
        TargetKind::Lesson => {
            let id = match numbered(target, "lesson") {
                Some(id) => Some(id),
                None => match url_parts(target).as_slice() {
                    [course, slug] => {
                        let r = LessonRef {
                            course: course.to_string(),
                            slug: slug.to_string(),
                        };
                        lessons::id_by_ref(db, &r).await?
                    }
                    _ => None,
                },
            };
            let lesson = match id {
                Some(id) => lessons::by_id(db, id).await?,
                None => None,
            };
            match lesson {
                Some(l) => linked(l.title, true, format!("/admin/lessons/{}/edit", l.id)),
                None => plain(&gone("a lesson", target, "lesson")),
            }
        }
        TargetKind::Course => {
            let course = match numbered(target, "course") {
                Some(id) => courses::by_id(db, id).await?,
                None => match url_parts(target).as_slice() {
                    [slug] => courses::by_slug(db, slug).await?,
                    _ => None,
                },
            };
            match course {
                Some(c) => linked(c.title, true, format!("/admin/courses/{}/edit", c.id)),
                None => plain(&gone("a course", target, "course")),
            }
        }
        TargetKind::User => match names.get(target) {
            Some((id, name)) => linked(name.clone(), false, format!("/admin/users#user-{id}")),
            None => plain(target),
        },
        TargetKind::Image if target.starts_with("/media/") => {
            let name = target.rsplit('/').next().unwrap_or(target);
            linked(name.to_string(), false, target.to_string())
        }
        TargetKind::Image => plain(target),
        TargetKind::SyncRun => match detail.strip_prefix("run ").map(str::parse::<i32>) {
            Some(Ok(n)) if n > 0 => {
                linked(format!("sync run {n}"), false, format!("/admin/sync/{n}"))
            }
            _ => None,
        },
    })
}

/// `lesson 12` → 12.
fn numbered(target: &str, word: &str) -> Option<i32> {
    target.strip_prefix(word)?.trim().parse().ok()
}

/// `/backend-dev/install-node/` → ["backend-dev", "install-node"].
fn url_parts(target: &str) -> Vec<&str> {
    if !target.starts_with('/') {
        return Vec::new();
    }
    target.split('/').filter(|s| !s.is_empty()).collect()
}

/// How a target that is gone reads: "a lesson that no longer exists (lesson
/// 12)", or its old address.
fn gone(what: &str, target: &str, word: &str) -> String {
    if numbered(target, word).is_some() {
        format!("{what} that no longer exists ({target})")
    } else {
        format!("{what} no longer at {target}")
    }
}
