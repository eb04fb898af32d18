//! Page views: plain async functions that read the database and return the
//! serialisable context a template needs. No HTTP here, so they are testable
//! on their own; no markdown work either (HTML was rendered at write time).

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use serde::Serialize;

use crate::content::links::{course_url, lesson_url};
use crate::db::entity::Status;
use crate::db::{courses, lessons};
use crate::markdown::TocEntry;

use super::error::WebError;
use super::templates::PageMeta;

#[derive(Debug, Serialize)]
pub struct CourseCardView {
    pub url: String,
    pub title: String,
    pub summary: String,
    pub lesson_count: i64,
}

#[derive(Debug, Serialize)]
pub struct HomePage {
    pub page: PageMeta,
    pub courses: Vec<CourseCardView>,
}

pub async fn home(
    db: &impl ConnectionTrait,
    site_title: &str,
    now: DateTime<Utc>,
) -> Result<HomePage, WebError> {
    let counts = lessons::public_counts(db, now).await?;
    let courses = courses::published(db)
        .await?
        .into_iter()
        .map(|c| CourseCardView {
            url: course_url(&c.slug),
            lesson_count: counts.get(&c.id).copied().unwrap_or(0),
            title: c.title,
            summary: c.summary,
        })
        .collect();
    Ok(HomePage {
        page: PageMeta {
            title: site_title.to_string(),
            description: String::new(),
            canonical: "/".into(),
        },
        courses,
    })
}

#[derive(Debug, Serialize)]
pub struct CourseView {
    pub url: String,
    pub title: String,
    pub summary: String,
    pub body_html: String,
    pub badge: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct OutlineView {
    pub url: String,
    pub title: String,
    pub summary: String,
    pub duration: Option<i32>,
    pub level: Option<String>,
    pub badge: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct CoursePage {
    pub page: PageMeta,
    pub course: CourseView,
    pub lessons: Vec<OutlineView>,
    pub edit_url: Option<String>,
}

/// Who is looking: the public, or a logged-in editor who also sees drafts,
/// archived and scheduled content (marked) and "Edit" links.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audience {
    Public,
    Editor,
}

/// A published course (any course for editors), or `NotFound`.
async fn visible_course(
    db: &impl ConnectionTrait,
    slug: &str,
    who: Audience,
) -> Result<courses::Course, WebError> {
    match courses::by_slug(db, slug).await? {
        Some(c) if c.status == Status::Published || who == Audience::Editor => Ok(c),
        _ => Err(WebError::NotFound),
    }
}

/// The mark an editor sees on content the public does not.
fn badge(status: Status, publish_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Option<String> {
    match status {
        Status::Draft => Some("Draft".into()),
        Status::Archived => Some("Archived".into()),
        Status::Published => publish_at
            .filter(|at| *at > now)
            .map(|at| format!("Scheduled for {}", at.format("%Y-%m-%d %H:%M UTC"))),
    }
}

pub async fn course(
    db: &impl ConnectionTrait,
    slug: &str,
    now: DateTime<Utc>,
    who: Audience,
) -> Result<CoursePage, WebError> {
    let course = visible_course(db, slug, who).await?;
    let outline = lessons::outline(db, course.id, now, who == Audience::Editor).await?;
    let url = course_url(&course.slug);
    Ok(CoursePage {
        page: PageMeta {
            title: course.title.clone(),
            description: course.summary.clone(),
            canonical: url.clone(),
        },
        lessons: outline
            .into_iter()
            .map(|l| OutlineView {
                url: lesson_url(&course.slug, &l.slug),
                badge: badge(l.status, l.publish_at, now),
                title: l.title,
                summary: l.summary,
                duration: l.duration,
                level: l.level,
            })
            .collect(),
        edit_url: (who == Audience::Editor).then(|| format!("/admin/courses/{}/edit", course.id)),
        course: CourseView {
            url,
            badge: badge(course.status, None, now),
            title: course.title,
            summary: course.summary,
            body_html: course.body_html,
        },
    })
}

#[derive(Debug, Serialize)]
pub struct CourseLink {
    pub url: String,
    pub title: String,
}

#[derive(Debug, Serialize)]
pub struct LessonView {
    pub title: String,
    pub summary: String,
    pub body_html: String,
    pub toc: Vec<TocEntry>,
    pub duration: Option<i32>,
    pub level: Option<String>,
    pub updated: String,
    pub badge: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct NavLink {
    pub url: String,
    pub title: String,
}

#[derive(Debug, Serialize)]
pub struct LessonPage {
    pub page: PageMeta,
    pub course: CourseLink,
    pub lesson: LessonView,
    pub prev: Option<NavLink>,
    pub next: Option<NavLink>,
    pub position: usize,
    pub total: usize,
    pub edit_url: Option<String>,
}

pub async fn lesson(
    db: &impl ConnectionTrait,
    course_slug: &str,
    lesson_slug: &str,
    now: DateTime<Utc>,
    who: Audience,
) -> Result<LessonPage, WebError> {
    let editor = who == Audience::Editor;
    let course = visible_course(db, course_slug, who).await?;
    let lesson = lessons::by_slug(db, course.id, lesson_slug, now, editor)
        .await?
        .ok_or(WebError::NotFound)?;
    let outline = lessons::outline(db, course.id, now, editor).await?;
    let index = outline.iter().position(|l| l.id == lesson.id).unwrap_or(0);
    let link = |l: &lessons::OutlineItem| NavLink {
        url: lesson_url(&course.slug, &l.slug),
        title: l.title.clone(),
    };
    let toc: Vec<TocEntry> = serde_json::from_str(&lesson.toc).unwrap_or_default();
    let updated = lesson
        .updated_on
        .unwrap_or_else(|| lesson.updated_at.date_naive())
        .to_string();
    Ok(LessonPage {
        page: PageMeta {
            title: lesson.title.clone(),
            description: lesson.summary.clone(),
            canonical: lesson_url(&course.slug, &lesson.slug),
        },
        prev: index.checked_sub(1).and_then(|i| outline.get(i)).map(link),
        next: outline.get(index + 1).map(link),
        position: index + 1,
        total: outline.len(),
        edit_url: editor.then(|| format!("/admin/lessons/{}/edit", lesson.id)),
        course: CourseLink {
            url: course_url(&course.slug),
            title: course.title,
        },
        lesson: LessonView {
            title: lesson.title,
            summary: lesson.summary,
            body_html: lesson.body_html,
            toc,
            duration: lesson.duration,
            level: lesson.level,
            updated,
            badge: badge(lesson.status, lesson.publish_at, now),
        },
    })
}
