//! Queries on `redirects`: aliases and moved URLs, resolved to the current
//! URL of their lesson or course (one hop, so no chains or loops).

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter,
};

use super::entity::{course, lesson, redirect, Status};
use crate::base::urls;

const ALIAS: &str = "alias";
const MOVED: &str = "moved";

/// Points `from_path` at a lesson (or, with `lesson_id` None, a course),
/// replacing whatever it pointed at before.
async fn put(
    db: &impl ConnectionTrait,
    from_path: &str,
    lesson_id: Option<i32>,
    course_id: Option<i32>,
    kind: &str,
) -> Result<(), DbErr> {
    redirect::Entity::delete_many()
        .filter(redirect::Column::FromPath.eq(from_path))
        .exec(db)
        .await?;
    redirect::ActiveModel {
        from_path: Set(from_path.to_string()),
        lesson_id: Set(lesson_id),
        course_id: Set(course_id),
        kind: Set(kind.to_string()),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Replaces a lesson's aliases (from its front matter).
pub async fn set_aliases(
    db: &impl ConnectionTrait,
    lesson_id: i32,
    aliases: &[String],
) -> Result<(), DbErr> {
    redirect::Entity::delete_many()
        .filter(redirect::Column::LessonId.eq(lesson_id))
        .filter(redirect::Column::Kind.eq(ALIAS))
        .exec(db)
        .await?;
    for alias in aliases {
        put(db, alias, Some(lesson_id), None, ALIAS).await?;
    }
    Ok(())
}

/// Records that a lesson was at `old_path` (its slug or course changed).
pub async fn lesson_moved(
    db: &impl ConnectionTrait,
    old_path: &str,
    lesson_id: i32,
) -> Result<(), DbErr> {
    put(db, old_path, Some(lesson_id), None, MOVED).await
}

/// Records that a course was at `old_path`; its lessons' old URLs follow.
pub async fn course_moved(
    db: &impl ConnectionTrait,
    old_path: &str,
    course_id: i32,
) -> Result<(), DbErr> {
    put(db, old_path, None, Some(course_id), MOVED).await
}

/// A live page now sits at this lesson's URL: no redirect may shadow it.
pub async fn claim_lesson_url(
    db: &impl ConnectionTrait,
    lesson: &lesson::Model,
) -> Result<(), DbErr> {
    if let Some(course) = course::Entity::find_by_id(lesson.course_id).one(db).await? {
        let path = urls::lesson_url(&course.slug, &lesson.slug);
        redirect::Entity::delete_many()
            .filter(redirect::Column::FromPath.eq(path))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// New lessons now live at `paths` (`/<course>/<lesson>/`) and hold no
/// aliases yet: what redirected from those paths, or named those lesson ids
/// (a reused id), is removed. The bulk form of [`claim_lesson_url`] for a
/// sync's run of new files.
pub async fn claim_new_lessons(
    db: &impl ConnectionTrait,
    paths: &[String],
    lesson_ids: &[i32],
) -> Result<(), DbErr> {
    if paths.is_empty() {
        return Ok(());
    }
    redirect::Entity::delete_many()
        .filter(
            sea_orm::Condition::any()
                .add(redirect::Column::FromPath.is_in(paths.iter().map(String::as_str)))
                .add(
                    sea_orm::Condition::all()
                        .add(redirect::Column::LessonId.is_in(lesson_ids.iter().copied()))
                        .add(redirect::Column::Kind.eq(ALIAS)),
                ),
        )
        .exec(db)
        .await?;
    Ok(())
}

/// A live course now sits at `/<slug>/`.
pub async fn claim_course_url(db: &impl ConnectionTrait, slug: &str) -> Result<(), DbErr> {
    redirect::Entity::delete_many()
        .filter(redirect::Column::FromPath.eq(urls::course_url(slug)))
        .exec(db)
        .await?;
    Ok(())
}

/// The current URL for an old `path`, if it is a redirect to a published
/// page. Lesson paths under a moved course follow the course.
pub async fn resolve(db: &impl ConnectionTrait, path: &str) -> Result<Option<String>, DbErr> {
    let path = normalise(path);
    if let Some(r) = redirect::Entity::find()
        .filter(redirect::Column::FromPath.eq(&path))
        .one(db)
        .await?
    {
        let target = match (r.lesson_id, r.course_id) {
            (Some(id), _) => lesson_url(db, id).await?,
            (None, Some(id)) => course_url(db, id).await?,
            _ => None,
        };
        return Ok(target.filter(|t| *t != path));
    }
    // `/old-course/lesson/` → `/new-course/lesson/`.
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    if let [course, lesson] = segments.as_slice() {
        let course_path = urls::course_url(course);
        if let Some(r) = redirect::Entity::find()
            .filter(redirect::Column::FromPath.eq(&course_path))
            .one(db)
            .await?
        {
            if let Some(new_course) = r.course_id.map(|id| course_url(db, id)) {
                if let Some(base) = new_course.await? {
                    let target = format!("{base}{lesson}/");
                    // The lesson may have moved since, under the new course
                    // name: then straight to where it is now, not via there.
                    if let Some(moved) = redirect::Entity::find()
                        .filter(redirect::Column::FromPath.eq(&target))
                        .one(db)
                        .await?
                    {
                        let now = match (moved.lesson_id, moved.course_id) {
                            (Some(id), _) => lesson_url(db, id).await?,
                            _ => None,
                        };
                        return Ok(now.filter(|t| *t != path));
                    }
                    return Ok(Some(target).filter(|t| *t != path));
                }
            }
        }
    }
    Ok(None)
}

async fn course_url(db: &impl ConnectionTrait, id: i32) -> Result<Option<String>, DbErr> {
    Ok(course::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|c| c.status == Status::Published)
        .map(|c| urls::course_url(&c.slug)))
}

async fn lesson_url(db: &impl ConnectionTrait, id: i32) -> Result<Option<String>, DbErr> {
    let Some(l) = lesson::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    if l.status != Status::Published {
        return Ok(None);
    }
    let Some(c) = course::Entity::find_by_id(l.course_id).one(db).await? else {
        return Ok(None);
    };
    Ok((c.status == Status::Published).then(|| urls::lesson_url(&c.slug, &l.slug)))
}

/// `/a/b` and `/a/b/` are the same page; paths with a file extension keep theirs.
pub fn normalise(path: &str) -> String {
    let path = if path.starts_with('/') {
        path.to_string()
    } else {
        format!("/{path}")
    };
    let last = path.rsplit('/').next().unwrap_or("");
    if path.ends_with('/') || last.contains('.') {
        path
    } else {
        format!("{path}/")
    }
}

#[cfg(test)]
mod tests {
    use super::normalise;

    #[test]
    fn paths_are_normalised() {
        assert_eq!(normalise("/a/b"), "/a/b/");
        assert_eq!(normalise("a/b/"), "/a/b/");
        assert_eq!(normalise("/old/page.html"), "/old/page.html");
    }
}
