//! The Atom feeds (the whole site, and one per course), the sitemap and
//! robots.txt. They list exactly the public pages, with absolute URLs made
//! from the configured `base_url`, and are written with [`XmlWriter`], so
//! they stay well-formed XML whatever the titles hold.

use std::collections::HashMap;

use chrono::{DateTime, SecondsFormat, Utc};
use sea_orm::{ConnectionTrait, DbErr};

use crate::content::links::{course_url, lesson_url};
use crate::db::courses::{self, Course};
use crate::db::entity::Status;
use crate::db::lessons::{self, PublicListing};
use crate::db::Db;

use super::xml::XmlWriter;
use super::Site;

/// Entries in a feed: the most recently changed lessons.
pub const FEED_ENTRIES: usize = 50;

const ATOM_NS: &str = "http://www.w3.org/2005/Atom";
const SITEMAP_NS: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";

/// The URL of a course's feed.
pub fn course_feed_url(course_slug: &str) -> String {
    format!("{}feed.xml", course_url(course_slug))
}

pub const SITE_FEED_URL: &str = "/feed.xml";
pub const SITEMAP_URL: &str = "/sitemap.xml";

fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The site's feed: the lessons of every published course.
pub async fn site_feed(db: &Db, site: Site<'_>, now: DateTime<Utc>) -> Result<String, DbErr> {
    let listing = crate::db::sitemap::newest(db, now, FEED_ENTRIES).await?;
    let latest = listing.iter().map(PublicListing::news_at).max();
    let head = FeedHead {
        id: site.absolute(SITE_FEED_URL),
        title: site.title.to_string(),
        subtitle: String::new(),
        self_url: site.absolute(SITE_FEED_URL),
        page_url: site.absolute("/"),
        updated: latest.unwrap_or(now),
    };
    Ok(atom(site, &head, listing, true))
}

/// A course's feed, or `None` when the course is not public.
pub async fn course_feed(
    db: &impl ConnectionTrait,
    site: Site<'_>,
    course_slug: &str,
    now: DateTime<Utc>,
) -> Result<Option<String>, DbErr> {
    let Some(course) = courses::by_slug(db, course_slug)
        .await?
        .filter(|c| c.status == Status::Published)
    else {
        return Ok(None);
    };
    let listing = lessons::public_listing(db, now, Some(course.id)).await?;
    let latest = listing
        .iter()
        .map(PublicListing::news_at)
        .chain([course.updated_at])
        .max()
        .unwrap_or(course.updated_at);
    let head = FeedHead {
        id: site.absolute(&course_feed_url(&course.slug)),
        title: format!("{} · {}", course.title, site.title),
        subtitle: course.summary.clone(),
        self_url: site.absolute(&course_feed_url(&course.slug)),
        page_url: site.absolute(&course_url(&course.slug)),
        updated: latest,
    };
    Ok(Some(atom(site, &head, listing, false)))
}

struct FeedHead {
    id: String,
    title: String,
    subtitle: String,
    self_url: String,
    page_url: String,
    updated: DateTime<Utc>,
}

/// An Atom document: the newest [`FEED_ENTRIES`] of `listing`, newest first
/// (by [`PublicListing::news_at`]: a scheduled lesson joins at the top when
/// it appears). Each entry's `updated` is the date its page shows.
/// `with_course`: entries name their course (the site's feed).
fn atom(
    site: Site<'_>,
    head: &FeedHead,
    mut listing: Vec<PublicListing>,
    with_course: bool,
) -> String {
    listing.sort_by(|a, b| b.news_at().cmp(&a.news_at()).then_with(|| b.id.cmp(&a.id)));
    listing.truncate(FEED_ENTRIES);
    let mut xml = XmlWriter::new();
    xml.open("feed", &[("xmlns", ATOM_NS), ("xml:lang", site.lang)]);
    xml.text("id", &[], &head.id);
    xml.text("title", &[], &head.title);
    if !head.subtitle.is_empty() {
        xml.text("subtitle", &[], &head.subtitle);
    }
    xml.empty(
        "link",
        &[
            ("rel", "self"),
            ("type", "application/atom+xml"),
            ("href", &head.self_url),
        ],
    );
    xml.empty(
        "link",
        &[
            ("rel", "alternate"),
            ("type", "text/html"),
            ("href", &head.page_url),
        ],
    );
    xml.text("updated", &[], &timestamp(head.updated));
    xml.open("author", &[]);
    xml.text("name", &[], site.title);
    xml.close("author");
    xml.text("generator", &[], "Lectern");
    for entry in &listing {
        let url = site.absolute(&lesson_url(&entry.course_slug, &entry.slug));
        xml.open("entry", &[]);
        xml.text("id", &[], &url);
        xml.text("title", &[], &entry.title);
        xml.empty(
            "link",
            &[("rel", "alternate"), ("type", "text/html"), ("href", &url)],
        );
        xml.text("published", &[], &timestamp(entry.published_at()));
        xml.text("updated", &[], &timestamp(entry.changed_at()));
        if !entry.summary.is_empty() {
            xml.text("summary", &[("type", "text")], &entry.summary);
        }
        if with_course {
            xml.empty(
                "category",
                &[("term", &entry.course_slug), ("label", &entry.course_title)],
            );
        }
        xml.close("entry");
    }
    xml.close("feed");
    xml.finish()
}

/// The most URLs one sitemap file may list (the sitemap protocol's limit).
pub const SITEMAP_MAX_URLS: usize = 50_000;

/// The URL of part `n` (1-based) of a sitemap too large for one file.
pub fn sitemap_part_url(n: usize) -> String {
    format!("/sitemap-{n}.xml")
}

/// The part number in a path segment such as `sitemap-2.xml`, if it is one
/// (digits only, no leading zero: one URL per part).
pub fn sitemap_part_number(segment: &str) -> Option<usize> {
    let digits = segment.strip_prefix("sitemap-")?.strip_suffix(".xml")?;
    let well_formed = !digits.is_empty()
        && digits.len() <= 9
        && !digits.starts_with('0')
        && digits.bytes().all(|b| b.is_ascii_digit());
    well_formed.then(|| digits.parse().ok()).flatten()
}

/// Every public course page and lesson page, in site order (the courses as
/// on the home page, then the lessons), each with the time it last changed.
async fn sitemap_entries(
    db: &Db,
    now: DateTime<Utc>,
) -> Result<Vec<(String, DateTime<Utc>)>, DbErr> {
    let courses: Vec<Course> = courses::published(db).await?;
    let listing = crate::db::sitemap::lessons(db, now).await?;
    let mut course_changed: HashMap<i32, DateTime<Utc>> = HashMap::new();
    for entry in &listing {
        let at = course_changed
            .entry(entry.course_id)
            .or_insert(entry.changed_at());
        *at = (*at).max(entry.changed_at());
    }
    let slugs: HashMap<i32, &str> = courses.iter().map(|c| (c.id, c.slug.as_str())).collect();
    let mut entries = Vec::with_capacity(courses.len() + listing.len());
    for course in &courses {
        let changed = course_changed
            .get(&course.id)
            .map_or(course.updated_at, |at| (*at).max(course.updated_at));
        entries.push((course_url(&course.slug), changed));
    }
    for entry in &listing {
        if let Some(course) = slugs.get(&entry.course_id) {
            entries.push((lesson_url(course, &entry.slug), entry.changed_at()));
        }
    }
    Ok(entries)
}

fn urlset(site: Site<'_>, entries: &[(String, DateTime<Utc>)]) -> String {
    let mut xml = XmlWriter::new();
    xml.open("urlset", &[("xmlns", SITEMAP_NS)]);
    for (path, changed) in entries {
        xml.open("url", &[]);
        xml.text("loc", &[], &site.absolute(path));
        xml.text("lastmod", &[], &timestamp(*changed));
        xml.close("url");
    }
    xml.close("urlset");
    xml.finish()
}

/// `/sitemap.xml`: every public course page and lesson page with the time
/// it last changed, and nothing else; when there are more than `per_file`
/// (at most [`SITEMAP_MAX_URLS`]), a sitemap index of the parts
/// ([`sitemap_part`]) instead, each with the latest change it lists.
pub async fn sitemap(
    db: &Db,
    site: Site<'_>,
    now: DateTime<Utc>,
    per_file: usize,
) -> Result<String, DbErr> {
    let per_file = per_file.clamp(1, SITEMAP_MAX_URLS);
    let entries = sitemap_entries(db, now).await?;
    if entries.len() <= per_file {
        return Ok(urlset(site, &entries));
    }
    let mut xml = XmlWriter::new();
    xml.open("sitemapindex", &[("xmlns", SITEMAP_NS)]);
    for (i, part) in entries.chunks(per_file).enumerate() {
        xml.open("sitemap", &[]);
        xml.text("loc", &[], &site.absolute(&sitemap_part_url(i + 1)));
        if let Some(latest) = part.iter().map(|(_, at)| *at).max() {
            xml.text("lastmod", &[], &timestamp(latest));
        }
        xml.close("sitemap");
    }
    xml.close("sitemapindex");
    Ok(xml.finish())
}

/// Part `n` (1-based) of a sitemap split into parts of `per_file` URLs, or
/// `None` when the sitemap fits in one file or has no such part.
pub async fn sitemap_part(
    db: &Db,
    site: Site<'_>,
    now: DateTime<Utc>,
    per_file: usize,
    n: usize,
) -> Result<Option<String>, DbErr> {
    let per_file = per_file.clamp(1, SITEMAP_MAX_URLS);
    let entries = sitemap_entries(db, now).await?;
    if entries.len() <= per_file {
        return Ok(None);
    }
    Ok(entries
        .chunks(per_file)
        .nth(n.wrapping_sub(1))
        .map(|part| urlset(site, part)))
}

/// robots.txt: everything public may be crawled; the admin, the webhook
/// and search results (endless, and not pages of their own) may not.
/// `/search` is matched whole or with a query (RFC 9309's `$`): a bare
/// prefix would also keep crawlers from a course such as `search-engines`.
pub fn robots(site: Site<'_>) -> String {
    format!(
        "User-agent: *\nDisallow: /admin/\nDisallow: /hooks/\nDisallow: /search$\nDisallow: /search?\n\nSitemap: {}\n",
        site.absolute(SITEMAP_URL)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_well_formed_part_names_are_parts() {
        assert_eq!(sitemap_part_number("sitemap-1.xml"), Some(1));
        assert_eq!(sitemap_part_number("sitemap-20.xml"), Some(20));
        for other in [
            "sitemap.xml",
            "sitemap-.xml",
            "sitemap-0.xml",
            "sitemap-01.xml",
            "sitemap-1",
            "sitemap-1.xml.gz",
            "sitemap-+1.xml",
            "sitemap-1234567890.xml",
            "course",
        ] {
            assert_eq!(sitemap_part_number(other), None, "{other}");
        }
        assert_eq!(sitemap_part_url(3), "/sitemap-3.xml");
    }
}
