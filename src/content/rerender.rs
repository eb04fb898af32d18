//! Renders again the lessons and courses whose stored HTML an older version
//! of the renderer wrote (see `markdown::RENDER_VERSION`), so that a change
//! to highlighting or sanitising reaches every page after an upgrade, not
//! only pages edited since. Sync skips unchanged files by their hash, so
//! without this their HTML would never change.
//!
//! Runs in the background after start-up on the instance that syncs (it
//! needs the content folder: images resolve against it and are stored as
//! media, as an admin save does), and in `lectern sync`. Pages are served
//! from the old HTML until their batch is written. Each row is written only if it did not
//! change meanwhile (lessons by version, courses by text); an edit renders
//! its own HTML. Several instances on one database may run it at once: they
//! write the same HTML.

use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;
use sea_orm::TransactionTrait;

use crate::content::links::SiteResolver;
use crate::content::store_assets;
use crate::db::lessons::{StaleRender, StoredRender};
use crate::db::Db;
use crate::db::{courses, lessons, site_state};
use crate::markdown::{self, LessonRef, Section, RENDER_VERSION};

/// Lessons rendered and written per transaction.
const BATCH: usize = 200;

/// What [`rerender_stale`] rendered again.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Rerendered {
    pub lessons: usize,
    pub courses: usize,
}

/// Renders again every lesson and course stored by an older renderer.
pub async fn rerender_stale(db: &Db, content_dir: &Path) -> Result<Rerendered, super::SyncError> {
    let mut done = Rerendered::default();
    let stale_courses = courses::stale_renders(db, RENDER_VERSION).await?;
    let stale_lessons = lessons::stale_render_ids(db, RENDER_VERSION).await?;
    if stale_courses.is_empty() && stale_lessons.is_empty() {
        return Ok(done);
    }
    if !content_dir.is_dir() {
        // Images would not resolve; rendering now would break them for good.
        tracing::warn!(
            "not rendering stored pages again: the content folder {} is missing",
            content_dir.display()
        );
        return Ok(done);
    }
    let resolver = Arc::new(SiteResolver::load(db, content_dir).await?);

    let rendered: Vec<_> = stale_courses
        .into_iter()
        .map(|c| {
            let html = markdown::render(&c.body_md, &c.slug, 1, resolver.as_ref()).html;
            (c, html)
        })
        .collect();
    store_assets(db, resolver.take_used().iter()).await?;
    let txn = db.begin().await?;
    for (course, html) in rendered {
        if courses::store_render(&txn, &course, html, RENDER_VERSION).await? {
            done.courses += 1;
        }
    }
    site_state::commit(db, txn).await?;

    for ids in stale_lessons.chunks(BATCH) {
        let batch = lessons::render_sources(db, ids).await?;
        let shared = Arc::clone(&resolver);
        let rendered = tokio::task::spawn_blocking(move || render_all(batch, &shared))
            .await
            .map_err(|e| super::SyncError::Worker(format!("rendering failed: {e}")))?;
        // Images the pages now point at (a file may have changed since).
        store_assets(db, resolver.take_used().iter()).await?;
        let txn = db.begin().await?;
        for (id, version, sections, render) in rendered {
            if lessons::store_render(&txn, id, version, render).await? {
                lessons::store_sections(&txn, id, version, sections).await?;
                done.lessons += 1;
            }
        }
        site_state::commit(db, txn).await?;
    }
    Ok(done)
}

/// Renders a batch in parallel, off the async runtime, with the search
/// sections of each lesson's new table of contents.
fn render_all(
    batch: Vec<StaleRender>,
    resolver: &SiteResolver,
) -> Vec<(i32, i32, Vec<Section>, StoredRender)> {
    let render = |l: StaleRender| {
        let this = LessonRef {
            course: l.course_slug,
            slug: l.slug,
        };
        let stored = StoredRender::of(markdown::render_lesson(&l.body_md, &this, 1, resolver));
        let (_, sections) = markdown::plain_text_with_sections(&l.body_md, &stored.toc);
        (l.id, l.version, sections, stored)
    };
    batch.into_par_iter().map(render).collect()
}
