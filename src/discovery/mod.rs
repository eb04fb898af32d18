//! Discovery: how learners, feed readers and search engines find lessons.
//! Full-text search (`search`), the Atom feeds, the sitemap and robots.txt
//! (`feeds`), and the structured data pages carry (`meta`).
//!
//! Everything here shows only what the public may see: public lessons
//! (`db::lessons::public_condition` at the request's moment) of published
//! courses. No HTTP here (routes are in `web::discovery`); all text that
//! comes from lessons is escaped on the way out.

pub mod feeds;
pub mod meta;
pub mod search;
mod xml;

/// What discovery needs to know about the site.
#[derive(Clone, Copy, Debug)]
pub struct Site<'a> {
    /// The public address, without a trailing slash.
    pub base_url: &'a str,
    pub title: &'a str,
    pub lang: &'a str,
}

impl Site<'_> {
    /// The absolute URL of a root-relative `path`.
    pub fn absolute(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }
}
