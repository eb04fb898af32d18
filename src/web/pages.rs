//! Page views: plain async functions that read the database and return the
//! serialisable context a template needs. No HTTP here, so they are testable
//! on their own; no markdown work either (HTML was rendered at write time).

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use serde::Serialize;

use std::collections::{HashMap, HashSet};

use crate::content::links::{course_url, lesson_url};
use crate::db::entity::LessonLevel;
use crate::db::entity::Status;
use crate::db::{courses, lessons};
use crate::markdown::{self, LessonRef, TocEntry};

use crate::discovery::meta;

use super::error::WebError;
use super::templates::{PageMeta, SiteView};

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
    /// Published courses on all pages together.
    pub total_courses: u64,
    pub page_number: u64,
    pub pages: u64,
    /// Numbers of the first and last course shown (1-based).
    pub first: u64,
    pub last: u64,
    pub prev_url: Option<String>,
    pub next_url: Option<String>,
}

/// Courses on one home page. A site with this many or fewer has one home
/// page, with no pager; a thousand courses make twenty pages of about 25 KB
/// instead of one of 470 KB.
pub const COURSES_PER_PAGE: u64 = 50;

/// Home pages past this one are answered as the last page; keeping the
/// number small keeps the cache key small whatever the query says.
const MAX_HOME_PAGE: u64 = 100_000;

/// The home page's page number from its `page` parameter, read as every
/// paged list reads it (anything odd is page 1).
pub fn home_page_number(raw: Option<&str>) -> u64 {
    crate::discovery::search::page_number(raw).min(MAX_HOME_PAGE)
}

/// The URL of home page `n`: the first is the site's root.
pub fn home_url(n: u64) -> String {
    if n <= 1 {
        "/".to_string()
    } else {
        format!("/?page={n}")
    }
}

/// Home page `requested` (1-based; past the last, the last), at `now`.
pub async fn home(
    db: &impl ConnectionTrait,
    site: &SiteView,
    requested: u64,
    now: DateTime<Utc>,
) -> Result<HomePage, WebError> {
    let total_courses = courses::published_count(db).await?;
    let pages = total_courses.div_ceil(COURSES_PER_PAGE).max(1);
    let page_number = requested.clamp(1, pages);
    let first = (page_number - 1) * COURSES_PER_PAGE;
    let cards = courses::published_cards(db, first, COURSES_PER_PAGE).await?;
    let ids: Vec<i32> = cards.iter().map(|c| c.id).collect();
    let counts = courses::public_lesson_counts(db, &ids, now).await?;
    let courses: Vec<CourseCardView> = cards
        .into_iter()
        .map(|c| CourseCardView {
            url: course_url(&c.slug),
            lesson_count: counts.get(&c.id).copied().unwrap_or(0),
            title: c.title,
            summary: c.summary,
        })
        .collect();
    let meta = if page_number == 1 {
        PageMeta {
            json_ld: Some(meta::website(site.discovery())),
            ..PageMeta::new(&site.title, &site.description, "/")
        }
    } else {
        PageMeta::new(
            format!("Courses, page {page_number} of {pages}"),
            &site.description,
            home_url(page_number),
        )
    };
    Ok(HomePage {
        page: meta,
        total_courses,
        first: first + 1,
        last: first + courses.len() as u64,
        prev_url: (page_number > 1).then(|| home_url(page_number - 1)),
        next_url: (page_number < pages).then(|| home_url(page_number + 1)),
        page_number,
        pages,
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
    /// Minutes: the author's, or estimated from the text (`duration_estimated`).
    pub duration: Option<i32>,
    pub duration_estimated: bool,
    pub level: Option<LessonLevel>,
    pub badge: Option<String>,
    pub prerequisites: Vec<NavLink>,
}

/// A reading time as people say it: `45 min`, `2 h 5 min`, and whole hours
/// from ten hours on (a course of a hundred lessons is `42 h`, not `2520 min`).
pub fn reading_time(minutes: i32) -> String {
    let (hours, rest) = (minutes / 60, minutes % 60);
    match (hours, rest) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) if h < 10 => format!("{h} h {m} min"),
        _ => format!("{} h", (minutes + 30) / 60),
    }
}

#[derive(Debug, Serialize)]
pub struct CoursePage {
    pub page: PageMeta,
    pub course: CourseView,
    pub lessons: Vec<OutlineView>,
    /// The whole course on one page, when it has lessons.
    pub all_url: Option<String>,
    /// The first lesson: where "Start the course" leads (the browser's
    /// script may turn it into "Continue" with the learner's progress).
    pub start: Option<NavLink>,
    pub edit_url: Option<String>,
    /// Reading time of the listed lessons together, in minutes.
    pub total_minutes: i32,
    /// The same, for people (`7 h 30 min`).
    pub total_time: String,
}

/// A lesson's minutes: the author's `duration`, else an estimate from its
/// words. The flag says which.
fn minutes(duration: Option<i32>, words: i32) -> (Option<i32>, bool) {
    match duration {
        Some(d) => (Some(d), false),
        None => {
            let estimate = markdown::estimated_minutes(words);
            (estimate, estimate.is_some())
        }
    }
}

/// Prerequisites of each lesson in `lists`, as links to the
/// lessons the viewer may see, titled as they are now: one query for all.
/// `link` makes a lesson's URL.
async fn prerequisite_links(
    db: &impl ConnectionTrait,
    lists: &[&[LessonRef]],
    now: DateTime<Utc>,
    who: Audience,
    link: impl Fn(&LessonRef) -> String,
) -> Result<Vec<Vec<NavLink>>, WebError> {
    let mut wanted: Vec<LessonRef> = lists.iter().flat_map(|l| l.iter()).cloned().collect();
    wanted.sort_by(|a, b| (&a.course, &a.slug).cmp(&(&b.course, &b.slug)));
    wanted.dedup();
    let titles: HashMap<(String, String), String> =
        lessons::titles(db, &wanted, now, who == Audience::Editor)
            .await?
            .into_iter()
            .map(|(course, slug, title)| ((course, slug), title))
            .collect();
    Ok(lists
        .iter()
        .map(|refs| {
            refs.iter()
                .filter_map(|r| {
                    let title = titles.get(&(r.course.clone(), r.slug.clone()))?;
                    Some(NavLink {
                        url: link(r),
                        title: title.clone(),
                    })
                })
                .collect()
        })
        .collect())
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
    site: &SiteView,
    slug: &str,
    now: DateTime<Utc>,
    who: Audience,
) -> Result<CoursePage, WebError> {
    let course = visible_course(db, slug, who).await?;
    let outline = lessons::outline(db, course.id, now, who == Audience::Editor).await?;
    let url = course_url(&course.slug);
    let lists: Vec<&[LessonRef]> = outline
        .iter()
        .map(|l| l.prerequisites.0.as_slice())
        .collect();
    let prerequisites =
        prerequisite_links(db, &lists, now, who, |r| lesson_url(&r.course, &r.slug)).await?;
    let lessons: Vec<OutlineView> = outline
        .into_iter()
        .zip(prerequisites)
        .map(|(l, prerequisites)| {
            let (duration, duration_estimated) = minutes(l.duration, l.word_count);
            OutlineView {
                url: lesson_url(&course.slug, &l.slug),
                badge: badge(l.status, l.publish_at, now),
                title: l.title,
                summary: l.summary,
                duration,
                duration_estimated,
                level: l.level,
                prerequisites,
            }
        })
        .collect();
    let total_minutes = lessons.iter().filter_map(|l| l.duration).sum();
    Ok(CoursePage {
        total_minutes,
        total_time: reading_time(total_minutes),
        page: PageMeta {
            json_ld: Some(meta::course(
                site.discovery(),
                &meta::CourseData {
                    title: &course.title,
                    summary: &course.summary,
                    path: &url,
                },
            )),
            ..PageMeta::new(&course.title, &course.summary, &url)
        },
        all_url: (!lessons.is_empty()).then(|| format!("{url}all/")),
        start: lessons.first().map(|l| NavLink {
            url: l.url.clone(),
            title: l.title.clone(),
        }),
        lessons,
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

/// One lesson in the course navigation beside a lesson.
#[derive(Debug, Serialize)]
pub struct CourseNavItem {
    pub url: String,
    pub title: String,
    /// The page being shown (`aria-current="page"`).
    pub current: bool,
    pub badge: Option<String>,
}

/// The end of a course, under its last lesson: what it covered and where
/// to go next. Shown to everyone: it needs no memory of the learner.
#[derive(Debug, Serialize)]
pub struct FinishView {
    /// The course's lessons, in order.
    pub covered: Vec<NavLink>,
    /// The course after this one on the home page, if any.
    pub next_course: Option<NextCourse>,
}

#[derive(Debug, Serialize)]
pub struct NextCourse {
    pub url: String,
    pub title: String,
    pub summary: String,
}

/// The published course after `course` in the home page's order.
async fn next_course(
    db: &impl ConnectionTrait,
    course: &courses::Course,
) -> Result<Option<NextCourse>, WebError> {
    Ok(courses::next_published(db, course)
        .await?
        .map(|c| NextCourse {
            url: course_url(&c.slug),
            title: c.title,
            summary: c.summary,
        }))
}

#[derive(Debug, Serialize)]
pub struct LessonView {
    pub title: String,
    pub summary: String,
    pub body_html: String,
    pub toc: Vec<TocEntry>,
    pub duration: Option<i32>,
    pub duration_estimated: bool,
    pub level: Option<LessonLevel>,
    pub updated: String,
    pub badge: Option<String>,
    pub prerequisites: Vec<NavLink>,
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
    /// The course's lessons in order, this one marked current.
    pub course_nav: Vec<CourseNavItem>,
    /// Under the course's last lesson only.
    pub finish: Option<FinishView>,
    pub prev: Option<NavLink>,
    pub next: Option<NavLink>,
    pub position: usize,
    pub total: usize,
    pub edit_url: Option<String>,
}

pub async fn lesson(
    db: &impl ConnectionTrait,
    site: &SiteView,
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
    let toc: Vec<TocEntry> = lesson.toc.0.clone();
    let updated = lessons::shown_date(&lesson).to_string();
    let prerequisites = prerequisite_links(db, &[&lesson.prerequisites.0], now, who, |r| {
        lesson_url(&r.course, &r.slug)
    })
    .await?
    .pop()
    .unwrap_or_default();
    let (duration, duration_estimated) = minutes(lesson.duration, lesson.word_count);
    let canonical = lesson_url(&course.slug, &lesson.slug);
    let json_ld = meta::lesson(
        site.discovery(),
        &meta::LessonData {
            title: &lesson.title,
            summary: &lesson.summary,
            path: &canonical,
            course_title: &course.title,
            course_path: &course_url(&course.slug),
            modified: &updated,
            minutes: duration,
            level: lesson.level.map(LessonLevel::as_str),
        },
    );
    let course_nav = outline
        .iter()
        .map(|l| CourseNavItem {
            url: lesson_url(&course.slug, &l.slug),
            title: l.title.clone(),
            current: l.id == lesson.id,
            badge: badge(l.status, l.publish_at, now),
        })
        .collect();
    let finish = if index + 1 == outline.len() {
        Some(FinishView {
            covered: outline.iter().map(link).collect(),
            next_course: next_course(db, &course).await?,
        })
    } else {
        None
    };
    Ok(LessonPage {
        page: PageMeta {
            og_type: "article",
            json_ld: Some(json_ld),
            ..PageMeta::new(&lesson.title, &lesson.summary, canonical)
        },
        course_nav,
        finish,
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
            body_html: lesson.body_html.html()?,
            toc,
            duration,
            duration_estimated,
            level: lesson.level,
            updated,
            badge: badge(lesson.status, lesson.publish_at, now),
            prerequisites,
        },
    })
}

/// A lesson on its course's one-page view.
#[derive(Debug, Serialize)]
pub struct WholeCourseLesson {
    /// The id of its title on the page (the target of in-page links).
    pub anchor: String,
    pub url: String,
    pub title: String,
    pub summary: String,
    pub duration: Option<i32>,
    pub duration_estimated: bool,
    pub level: Option<LessonLevel>,
    pub badge: Option<String>,
    pub prerequisites: Vec<NavLink>,
    /// Its h2 headings, with their ids on this page.
    pub toc: Vec<TocEntry>,
    pub body_html: String,
}

#[derive(Debug, Serialize)]
pub struct WholeCoursePage {
    pub page: PageMeta,
    pub course: CourseView,
    pub lessons: Vec<WholeCourseLesson>,
    /// Minutes for the whole course (authors' durations and estimates).
    pub total_minutes: i32,
    /// The same, for people (`7 h 30 min`).
    pub total_time: String,
}

/// `/<course>/all/`: every lesson the viewer may see, in order, on one page,
/// for printing and offline reading. It concatenates the bodies rendered for
/// this page when each lesson was written (see `Rendered::all_html`); nothing
/// is rendered here.
pub async fn whole_course(
    db: &impl ConnectionTrait,
    slug: &str,
    now: DateTime<Utc>,
    who: Audience,
) -> Result<WholeCoursePage, WebError> {
    let course = visible_course(db, slug, who).await?;
    let items = lessons::whole_course(db, course.id, now, who == Audience::Editor).await?;
    // Prerequisites on this page are anchors when they are on it too.
    let here: HashSet<&str> = items.iter().map(|l| l.slug.as_str()).collect();
    let lists: Vec<&[LessonRef]> = items.iter().map(|l| l.prerequisites.0.as_slice()).collect();
    let prerequisites = prerequisite_links(db, &lists, now, who, |r| {
        if r.course == course.slug && here.contains(r.slug.as_str()) {
            format!("#{}", markdown::all_page_lesson_id(&r.slug))
        } else {
            lesson_url(&r.course, &r.slug)
        }
    })
    .await?;
    let mut total_minutes = 0;
    let lessons = items
        .into_iter()
        .zip(prerequisites)
        .map(|(l, prerequisites)| {
            let (duration, duration_estimated) = minutes(l.duration, l.word_count);
            total_minutes += duration.unwrap_or(0);
            let toc = l
                .toc
                .0
                .into_iter()
                .filter(|e| e.level == 2)
                .map(|e| TocEntry {
                    id: markdown::all_page_id(&l.slug, &e.id),
                    ..e
                })
                .collect();
            WholeCourseLesson {
                anchor: markdown::all_page_lesson_id(&l.slug),
                url: lesson_url(&course.slug, &l.slug),
                badge: badge(l.status, l.publish_at, now),
                // Rows written before this page existed have no rendering for
                // it yet: their plain body reads the same, with page links.
                body_html: if l.all_html.is_empty() {
                    l.body_html
                } else {
                    l.all_html
                },
                title: l.title,
                summary: l.summary,
                duration,
                duration_estimated,
                level: l.level,
                prerequisites,
                toc,
            }
        })
        .collect();
    let url = course_url(&course.slug);
    Ok(WholeCoursePage {
        page: PageMeta::new(
            format!("{} (all lessons)", course.title),
            &course.summary,
            format!("{url}all/"),
        ),
        lessons,
        total_minutes,
        total_time: reading_time(total_minutes),
        course: CourseView {
            url,
            badge: badge(course.status, None, now),
            title: course.title,
            summary: course.summary,
            body_html: String::new(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::reading_time;

    #[test]
    fn reading_times_read_as_people_say_them() {
        assert_eq!(reading_time(7), "7 min");
        assert_eq!(reading_time(60), "1 h");
        assert_eq!(reading_time(125), "2 h 5 min");
        assert_eq!(reading_time(599), "9 h 59 min");
        assert_eq!(reading_time(2520), "42 h");
        assert_eq!(reading_time(2549), "42 h");
        assert_eq!(reading_time(2551), "43 h");
    }
}
