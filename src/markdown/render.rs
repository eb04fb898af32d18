//! Markdown body → sanitised HTML, in one pass over pulldown-cmark's events:
//!
//! 1. parse with the options Lectern supports (tables, footnotes,
//!    strikethrough, task lists, heading attributes);
//! 2. rewrite relative links (`02-install-node.md#run-it` → `/course/install-node/#run-it`)
//!    and images (`images/x.png` → `/media/<hash>/x.png`) through a [`Resolver`],
//!    recording the ones that point nowhere with their line;
//! 3. replace fenced code with server-side highlighted HTML;
//! 4. give every heading a unique id and collect h2/h3 into the table of contents
//!    (a body `#` heading becomes `h2`: the page title is the page's only `h1`);
//! 5. serialise once and sanitise the whole output.

use std::collections::HashSet;

use pulldown_cmark::{CodeBlockKind, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use pulldown_cmark_escape::escape_html;
use serde::{Deserialize, Serialize};

use super::{highlight::highlight, sanitize::sanitize, slug::slugify};

/// Maps relative references, already resolved against the lesson's folder to a
/// path from the content root (`backend-dev/02-install-node.md`), to site URLs.
pub trait Resolver {
    /// The URL of the lesson or course at `path`, if it exists.
    fn page(&self, path: &str) -> Option<String>;
    /// The URL of an asset (an image, a download) at `path`, if it exists.
    fn asset(&self, path: &str) -> Option<String>;
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TocEntry {
    pub level: u8,
    pub id: String,
    pub title: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefKind {
    Link,
    Image,
}

/// A relative link or image that points at nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BrokenRef {
    pub line: usize,
    pub target: String,
    pub kind: RefKind,
}

#[derive(Debug)]
pub struct Rendered {
    pub html: String,
    pub toc: Vec<TocEntry>,
    pub broken: Vec<BrokenRef>,
    /// Words of prose (code excluded), for reading-time estimates.
    pub words: usize,
}

/// Ids the page layout itself uses; headings never take them.
const LAYOUT_IDS: &[&str] = &["main", "top", "toc", "toc-title", "content", "footnotes"];

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
}

/// Renders a markdown `body` whose file sits in `base_dir` (a path from the
/// content root, e.g. `backend-dev`) and whose first line is `first_line` of
/// that file (so broken references name real file lines).
pub fn render(body: &str, base_dir: &str, first_line: usize, resolver: &dyn Resolver) -> Rendered {
    let line_of = |offset: usize| first_line + body[..offset.min(body.len())].matches('\n').count();

    let mut events: Vec<Event> = Vec::new();
    let mut broken = Vec::new();
    let mut words = 0;
    let mut code: Option<(String, String)> = None; // (language, text) of the open code block

    for (event, range) in Parser::new_ext(body, options()).into_offset_iter() {
        match event {
            Event::Start(Tag::CodeBlock(kind)) => {
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => fence_language(&info),
                    CodeBlockKind::Indented => String::new(),
                };
                code = Some((lang, String::new()));
            }
            Event::Text(text) if code.is_some() => {
                if let Some((_, buf)) = code.as_mut() {
                    buf.push_str(&text);
                }
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some((lang, text)) = code.take() {
                    events.push(Event::Html(code_block(&lang, &text).into()));
                }
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let dest_url = rewrite(&dest_url, base_dir, RefKind::Link, resolver)
                    .unwrap_or_else(|target| {
                        broken.push(BrokenRef {
                            line: line_of(range.start),
                            target,
                            kind: RefKind::Link,
                        });
                        dest_url
                    });
                events.push(Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                }));
            }
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let dest_url = rewrite(&dest_url, base_dir, RefKind::Image, resolver)
                    .unwrap_or_else(|target| {
                        broken.push(BrokenRef {
                            line: line_of(range.start),
                            target,
                            kind: RefKind::Image,
                        });
                        dest_url
                    });
                events.push(Event::Start(Tag::Image {
                    link_type,
                    dest_url,
                    title,
                    id,
                }));
            }
            Event::Start(Tag::Heading {
                level: HeadingLevel::H1,
                id,
                classes,
                attrs,
            }) => {
                events.push(Event::Start(Tag::Heading {
                    level: HeadingLevel::H2,
                    id,
                    classes,
                    attrs,
                }));
            }
            Event::End(TagEnd::Heading(HeadingLevel::H1)) => {
                events.push(Event::End(TagEnd::Heading(HeadingLevel::H2)));
            }
            // Tables scroll on narrow screens; a focusable, named region lets
            // keyboard users scroll them too.
            Event::Start(Tag::Table(alignments)) => {
                events.push(Event::Html(
                    "<div class=\"table-scroll\" role=\"region\" tabindex=\"0\" aria-label=\"Table\">".into(),
                ));
                events.push(Event::Start(Tag::Table(alignments)));
            }
            Event::End(TagEnd::Table) => {
                events.push(Event::End(TagEnd::Table));
                events.push(Event::Html("</div>".into()));
            }
            // Task-list checkboxes get an accessible name.
            Event::TaskListMarker(done) => {
                events.push(Event::Html(
                    if done {
                        "<input type=\"checkbox\" disabled checked aria-label=\"done\"> "
                    } else {
                        "<input type=\"checkbox\" disabled aria-label=\"to do\"> "
                    }
                    .into(),
                ));
            }
            Event::Text(ref text) => {
                words += text.split_whitespace().count();
                events.push(event);
            }
            other => events.push(other),
        }
    }

    let toc = assign_heading_ids(&mut events);
    let mut html = String::with_capacity(body.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    Rendered {
        html: sanitize(&html),
        toc,
        broken,
        words,
    }
}

/// The language token of a fence's info string (```` ```js title="x" ````),
/// restricted to characters that are safe in a class name.
fn fence_language(info: &str) -> String {
    info.split(|c: char| c.is_whitespace() || c == ',' || c == '{')
        .next()
        .unwrap_or("")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+' | '#' | '.'))
        .collect()
}

fn code_block(lang: &str, text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    if lang.is_empty() {
        out.push_str("<pre class=\"code\"><code>");
    } else {
        out.push_str("<pre class=\"code\" data-lang=\"");
        let _ = escape_html(&mut out, lang);
        out.push_str("\"><code class=\"language-");
        let _ = escape_html(&mut out, lang);
        out.push_str("\">");
    }
    match (!lang.is_empty()).then(|| highlight(text, lang)).flatten() {
        Some(highlighted) => out.push_str(&highlighted),
        None => {
            let _ = escape_html(&mut out, text);
        }
    }
    out.push_str("</code></pre>\n");
    out
}

/// Rewrites a relative reference to a site URL. `Ok` holds the URL to use
/// (unchanged for absolute URLs and fragments); `Err` holds the target that
/// could not be resolved.
fn rewrite<'a>(
    dest: &CowStr<'a>,
    base_dir: &str,
    kind: RefKind,
    resolver: &dyn Resolver,
) -> Result<CowStr<'a>, String> {
    if !is_relative(dest) {
        return Ok(dest.clone());
    }
    let (path, fragment) = match dest.split_once('#') {
        Some((p, f)) => (p, Some(f)),
        None => (dest.as_ref(), None),
    };
    let path = path.split('?').next().unwrap_or(path);
    let resolved = join(base_dir, path).and_then(|full| {
        if kind == RefKind::Link
            && (full.ends_with(".md") || full.ends_with('/') || !full.contains('.'))
        {
            resolver.page(&full)
        } else {
            resolver.asset(&full)
        }
    });
    match resolved {
        Some(mut url) => {
            if let Some(f) = fragment {
                url.push('#');
                url.push_str(f);
            }
            Ok(url.into())
        }
        None => Err(dest.to_string()),
    }
}

/// A reference is relative when it has no scheme, is not root- or
/// protocol-relative, and is not a bare fragment.
fn is_relative(dest: &str) -> bool {
    if dest.is_empty() || dest.starts_with('#') || dest.starts_with('/') || dest.starts_with('\\') {
        return false;
    }
    let scheme_end =
        dest.find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')));
    !matches!(scheme_end, Some(i) if i > 0 && dest[i..].starts_with(':'))
}

/// Joins a relative path onto a folder under the content root, resolving `.`
/// and `..`; `None` when it would climb out of the root.
pub(crate) fn join(base_dir: &str, rel: &str) -> Option<String> {
    let mut parts: Vec<&str> = base_dir.split('/').filter(|p| !p.is_empty()).collect();
    let trailing = rel.ends_with('/');
    for part in rel.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    let mut out = parts.join("/");
    if trailing && !out.is_empty() {
        out.push('/');
    }
    Some(out)
}

/// Gives each heading a unique id (its own `{#id}` or one made from its text)
/// and returns the h2/h3 table of contents.
fn assign_heading_ids(events: &mut [Event]) -> Vec<TocEntry> {
    let mut used: HashSet<String> = LAYOUT_IDS.iter().map(|s| s.to_string()).collect();
    let mut toc = Vec::new();
    let mut i = 0;
    while i < events.len() {
        let Event::Start(Tag::Heading { level, id, .. }) = &events[i] else {
            i += 1;
            continue;
        };
        let level = *level;
        let explicit = id.as_ref().map(|s| s.to_string());
        let mut title = String::new();
        let mut j = i + 1;
        while j < events.len() && !matches!(events[j], Event::End(TagEnd::Heading(_))) {
            if let Event::Text(t) | Event::Code(t) = &events[j] {
                title.push_str(t);
            }
            j += 1;
        }
        let base = explicit
            .map(|e| slugify(&e))
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| slugify(&title));
        let base = if base.is_empty() {
            "section".to_string()
        } else {
            base
        };
        let mut unique = base.clone();
        let mut n = 1;
        while used.contains(&unique) {
            unique = format!("{base}-{n}");
            n += 1;
        }
        used.insert(unique.clone());
        if let Event::Start(Tag::Heading { id, .. }) = &mut events[i] {
            *id = Some(unique.clone().into());
        }
        if matches!(level, HeadingLevel::H2 | HeadingLevel::H3) {
            toc.push(TocEntry {
                level: level as u8,
                id: unique,
                title: title.trim().to_string(),
            });
        }
        i = j;
    }
    toc
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Site;
    impl Resolver for Site {
        fn page(&self, path: &str) -> Option<String> {
            match path {
                "course/02-next.md" => Some("/course/next/".into()),
                "other/01-intro.md" => Some("/other/intro/".into()),
                _ => None,
            }
        }
        fn asset(&self, path: &str) -> Option<String> {
            (path == "course/images/a.png").then(|| "/media/abc/a.png".into())
        }
    }

    fn html(md: &str) -> Rendered {
        render(md, "course", 5, &Site)
    }

    #[test]
    fn headings_get_unique_ids_and_a_toc() {
        let r = html("## Setup\n\ntext\n\n### Setup\n\n## Main\n\n#### Deep\n");
        let ids: Vec<_> = r.toc.iter().map(|t| (t.level, t.id.as_str())).collect();
        assert_eq!(ids, vec![(2, "setup"), (3, "setup-1"), (2, "main-1")]);
        assert!(
            r.html.contains(r#"<h2 id="setup">Setup</h2>"#),
            "{}",
            r.html
        );
        assert!(r.html.contains(r#"<h4 id="deep">"#));
    }

    #[test]
    fn explicit_heading_ids_are_kept() {
        let r = html("## Run it {#run}\n");
        assert_eq!(r.toc[0].id, "run");
        assert_eq!(r.toc[0].title, "Run it");
    }

    #[test]
    fn body_h1_becomes_h2() {
        let r = html("# Big\n");
        assert!(r.html.contains("<h2 id=\"big\">Big</h2>"), "{}", r.html);
        assert!(!r.html.contains("<h1"));
    }

    #[test]
    fn relative_links_and_images_are_rewritten() {
        let r = html("[n](02-next.md#run-it) [o](../other/01-intro.md) ![pic](images/a.png) [ext](https://example.org/x.md)");
        assert!(
            r.html.contains(r#"href="/course/next/#run-it""#),
            "{}",
            r.html
        );
        assert!(r.html.contains(r#"href="/other/intro/""#));
        assert!(r.html.contains(r#"src="/media/abc/a.png""#));
        assert!(r.html.contains(r#"href="https://example.org/x.md""#));
        assert!(r.broken.is_empty(), "{:?}", r.broken);
    }

    #[test]
    fn broken_references_are_reported_with_their_line() {
        let r = html("intro\n\n[gone](03-missing.md)\n\n![x](images/none.png)\n\n[up](../../etc/passwd.md)\n");
        let found: Vec<_> = r
            .broken
            .iter()
            .map(|b| (b.line, b.target.as_str(), b.kind))
            .collect();
        assert_eq!(
            found,
            vec![
                (7, "03-missing.md", RefKind::Link),
                (9, "images/none.png", RefKind::Image),
                (11, "../../etc/passwd.md", RefKind::Link)
            ]
        );
    }

    #[test]
    fn code_is_highlighted_into_classes() {
        let r = html("```js\nconst x = 1; // hi\n```\n\n```\nplain <b>\n```\n");
        assert!(
            r.html
                .contains(r#"<pre class="code" data-lang="js"><code class="language-js">"#),
            "{}",
            r.html
        );
        assert!(r.html.contains("hl-comment"));
        assert!(r.html.contains("plain &lt;b&gt;"));
        assert!(!r.html.contains("style="));
    }

    #[test]
    fn hostile_fence_language_cannot_break_out() {
        let r = html("```js\"><script>alert(1)</script>\nx\n```\n");
        assert!(!r.html.contains("<script"), "{}", r.html);
    }

    #[test]
    fn raw_html_is_sanitised() {
        let r = html("<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n[x](javascript:alert(1))\n\n<a href=\"JaVaScRiPt:alert(1)\">y</a>");
        assert!(!r.html.contains("<script"), "{}", r.html);
        assert!(!r.html.contains("onerror"));
        assert!(!r.html.to_lowercase().contains("javascript:"));
    }

    #[test]
    fn gfm_extras_render() {
        let r = html("| a | b |\n|---|:-:|\n| 1 | 2 |\n\n- [x] done\n- [ ] todo\n\n~~old~~ new[^1]\n\n[^1]: note\n");
        assert!(r.html.contains("<table>"));
        assert!(
            r.html.contains(r#"style="text-align: center""#),
            "{}",
            r.html
        );
        assert!(r.html.contains(r#"aria-label="done""#), "{}", r.html);
        assert!(
            r.html
                .contains(r#"<div class="table-scroll" role="region" tabindex="0""#),
            "{}",
            r.html
        );
        assert!(r.html.contains("<del>old</del>"));
        assert!(r.html.contains("footnote-definition"));
    }

    #[test]
    fn rendering_is_deterministic() {
        let md = "## A\n\n```rust\nfn main() {}\n```\n";
        assert_eq!(html(md).html, html(md).html);
    }

    #[test]
    fn join_stays_inside_the_root() {
        assert_eq!(join("a", "../b/c.md").as_deref(), Some("b/c.md"));
        assert_eq!(join("a", "./x.md").as_deref(), Some("a/x.md"));
        assert_eq!(join("a", "../../x.md"), None);
    }
}
