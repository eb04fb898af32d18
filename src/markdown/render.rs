//! Markdown body → sanitised HTML, in one pass over pulldown-cmark's events:
//!
//! 1. parse with the options Lectern supports (tables, footnotes,
//!    strikethrough, task lists, heading attributes, GitHub's alerts);
//! 2. rewrite relative links (`02-install-node.md#run-it` → `/course/install-node/#run-it`)
//!    and images (`images/x.png` → `/media/<hash>/x.png`) through a [`Resolver`],
//!    recording the ones that point nowhere with their line;
//! 3. replace fenced code with server-side highlighted HTML (title, language,
//!    marked lines: see `code.rs`), and alerts (`> [!NOTE]`) with callouts;
//! 4. give every heading a unique id and collect h2/h3 into the table of contents
//!    (a body `#` heading becomes `h2`: the page title is the page's only `h1`);
//! 5. serialise once, and sanitise the whole output if the author wrote raw
//!    HTML (see [`serialise`]);
//! 6. for a lesson, serialise the same events a second time for the course's
//!    one-page view (see [`Rendered::all_html`]).

use std::collections::{HashMap, HashSet};

use pulldown_cmark::{
    BlockQuoteKind, CodeBlockKind, CowStr, Event, HeadingLevel, Parser, Tag, TagEnd,
};
use serde::{Deserialize, Serialize};

use super::code::{code_block, Fence};
use super::options::options;
use super::quiz;
use super::unclosed::Unclosed;
use super::{sanitize::sanitize, slug::slugify};

/// A lesson, named by its course's slug and its own.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LessonRef {
    pub course: String,
    pub slug: String,
}

/// Maps relative references, already resolved against the lesson's folder to a
/// path from the content root (`backend-dev/02-install-node.md`), to site URLs.
pub trait Resolver {
    /// The URL of the lesson or course at `path`, if it exists.
    fn page(&self, path: &str) -> Option<String>;
    /// The URL of an asset (an image, a download) at `path`, if it exists.
    fn asset(&self, path: &str) -> Option<String>;
    /// The lesson whose file is at `path`; `None` for a course, an asset or
    /// nothing.
    fn lesson(&self, path: &str) -> Option<LessonRef>;
    /// Why `path` resolved to nothing, when a rule refused a file that is
    /// there (a hidden file, a symbolic link), in words for the author.
    fn refusal(&self, _path: &str) -> Option<String> {
        None
    }
    /// Why a root-relative address on this site (`/media/…`) leads nowhere,
    /// when the resolver can tell; `None`: it exists, or nobody can say.
    fn missing_site_path(&self, _path: &str) -> Option<String> {
        None
    }
    /// The existing file in the same folder whose name is nearest to the
    /// missing `path`'s (a typo's likely meaning), as a path from the root.
    fn nearest(&self, _path: &str, _kind: RefKind) -> Option<String> {
        None
    }
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
    /// The rule that refused the target, when one did.
    pub reason: Option<String>,
    /// What the author probably meant: the target with its file name
    /// replaced by the nearest existing one in the same folder.
    pub suggestion: Option<String>,
}

#[derive(Debug)]
pub struct Rendered {
    pub html: String,
    pub toc: Vec<TocEntry>,
    pub broken: Vec<BrokenRef>,
    /// Words of prose (code excluded), for reading-time estimates.
    pub words: usize,
    /// The body as it appears on its course's one-page view (`/<course>/all/`),
    /// where every lesson of the course shares one page: heading and footnote
    /// ids are prefixed with the lesson's slug ([`all_page_id`]), headings are
    /// one level deeper (the lesson title is the `h2` there), and links to
    /// lessons of the same course point at their place on the page.
    ///
    /// It is a second serialisation of the same events, made when the lesson is
    /// written, so that page only concatenates stored HTML: deciding anchors
    /// per request would mean re-rendering markdown, or patching HTML with
    /// string replacement, which is neither cheap nor safe. A link to a lesson
    /// of the course that is not public when the page is served (a draft, a
    /// scheduled lesson) points at no anchor there, as it leads to a 404 page
    /// from the lesson's own page. Empty unless rendered by [`render_lesson`].
    pub all_html: String,
    /// Mistakes in the body's `quiz` blocks, with their file lines. The
    /// questions with mistakes are left out of the page.
    pub quiz_problems: Vec<quiz::Problem>,
}

/// The id on the course's one-page view of the element with id `id` in lesson
/// `slug`'s body. Slugs never hold `--`, so ids of different lessons never meet.
pub fn all_page_id(slug: &str, id: &str) -> String {
    format!("{slug}--{id}")
}

/// The id of lesson `slug`'s title on the course's one-page view.
pub fn all_page_lesson_id(slug: &str) -> String {
    format!("lesson-{slug}")
}

/// Minutes a lesson of `words` words of prose takes, at 200 words a minute (a
/// careful pace for technical text), rounded up; `None` when there is no text
/// to go by. Used when front matter gives no `duration`.
pub fn estimated_minutes(words: i32) -> Option<i32> {
    (words > 0).then(|| (words + 199) / 200)
}

/// Ids the page layout itself uses; headings never take them.
const LAYOUT_IDS: &[&str] = &["main", "top", "toc", "toc-title", "content", "footnotes"];

/// Renders a markdown `body` whose file sits in `base_dir` (a path from the
/// content root, e.g. `backend-dev`) and whose first line is `first_line` of
/// that file (so broken references name real file lines). For course
/// introductions and previews; lessons use [`render_lesson`].
pub fn render(body: &str, base_dir: &str, first_line: usize, resolver: &dyn Resolver) -> Rendered {
    render_page(body, base_dir, first_line, None, resolver)
}

/// Renders the body of `lesson`, whose file sits in its course's folder, and
/// its rendering for the course's one-page view ([`Rendered::all_html`]).
pub fn render_lesson(
    body: &str,
    lesson: &LessonRef,
    first_line: usize,
    resolver: &dyn Resolver,
) -> Rendered {
    render_page(
        body,
        &lesson.course,
        first_line,
        Some(&lesson.slug),
        resolver,
    )
}

fn render_page(
    body: &str,
    base_dir: &str,
    first_line: usize,
    lesson: Option<&str>,
    resolver: &dyn Resolver,
) -> Rendered {
    // Where each line starts, so a line number costs a binary search.
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(body.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let line_of = |offset: usize| first_line + line_starts.partition_point(|&s| s <= offset) - 1;

    let mut events: Vec<Event> = Vec::new();
    let mut broken = Vec::new();
    let mut words = 0;
    // The open code block, and the file line of its fence if it is a quiz.
    let mut code: Option<(Fence, String, Option<usize>)> = None;
    // The body's quiz blocks, each standing in the events as a placeholder
    // until the HTML is serialised (see `fill_quizzes`).
    let mut quizzes: Vec<quiz::Quiz> = Vec::new();
    let mut quiz_problems = Vec::new();
    let mut quiz_ids = quiz::Ids::default();
    let slot = quiz::Slot::new();
    // Links that become in-page anchors on the one-page view, by event index.
    let mut anchors: HashMap<usize, String> = HashMap::new();
    // Whether the author wrote HTML of their own (see `serialise`).
    let mut raw_html = false;

    // Author HTML that would swallow the rest of the page (`<script>`, …).
    let mut unclosed = Unclosed::default();
    // Inside an image's alt text, where HTML is written escaped, as text.
    let mut image_depth = 0usize;

    for (event, range) in Parser::new_ext(body, options()).into_offset_iter() {
        match &event {
            Event::Start(Tag::Image { .. }) => image_depth += 1,
            Event::End(TagEnd::Image) => image_depth = image_depth.saturating_sub(1),
            _ => {}
        }
        if let Event::End(end) = &event {
            if let Some(close) = unclosed.close_at(end) {
                events.push(Event::Html(close.into()));
            }
        }
        match event {
            Event::Start(Tag::CodeBlock(kind)) => {
                let (fence, is_quiz) = match kind {
                    CodeBlockKind::Fenced(info) => {
                        (Fence::parse(&info), quiz::is_quiz_fence(&info))
                    }
                    CodeBlockKind::Indented => (Fence::default(), false),
                };
                code = Some((fence, String::new(), is_quiz.then(|| line_of(range.start))));
            }
            Event::Text(text) if code.is_some() => {
                if let Some((_, buf, _)) = code.as_mut() {
                    buf.push_str(&text);
                }
            }
            Event::End(TagEnd::CodeBlock) => match code.take() {
                Some((_, text, Some(line))) => {
                    let (found, problems) = quiz::parse::parse(&text, line + 1, &mut quiz_ids);
                    quizzes.push(found);
                    quiz_problems.extend(problems);
                    events.push(Event::Html(slot.placeholder(quizzes.len()).into()));
                }
                Some((fence, text, None)) => {
                    events.push(Event::Html(code_block(&fence, &text).into()));
                }
                None => {}
            },
            Event::Html(html) => {
                raw_html = true;
                events.push(Event::Html(unclosed.scan(html)));
            }
            Event::InlineHtml(html) if image_depth > 0 => {
                // Escaped into the alt attribute: nothing is left open.
                raw_html = true;
                events.push(Event::InlineHtml(html));
            }
            Event::InlineHtml(html) => {
                raw_html = true;
                events.push(Event::InlineHtml(unclosed.scan(html)));
            }
            Event::Start(Tag::BlockQuote(Some(kind))) => {
                events.push(Event::Html(callout_start(kind).into()));
            }
            Event::End(TagEnd::BlockQuote(Some(_))) => {
                events.push(Event::Html("</aside>\n".into()));
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                if let (Some(this), Some(fragment)) = (lesson, dest_url.strip_prefix('#')) {
                    if !fragment.is_empty() {
                        anchors.insert(events.len(), format!("#{}", all_page_id(this, fragment)));
                    }
                }
                let dest_url = match rewrite(&dest_url, base_dir, RefKind::Link, resolver) {
                    Ok((url, target)) => {
                        if let Some((target, fragment)) =
                            target.filter(|(t, _)| lesson.is_some() && t.course == base_dir)
                        {
                            let anchor = match fragment {
                                Some(f) if !f.is_empty() => all_page_id(&target.slug, &f),
                                _ => all_page_lesson_id(&target.slug),
                            };
                            anchors.insert(events.len(), format!("#{anchor}"));
                        }
                        url
                    }
                    Err((target, reason, suggestion)) => {
                        broken.push(BrokenRef {
                            line: line_of(range.start),
                            target,
                            kind: RefKind::Link,
                            reason,
                            suggestion,
                        });
                        dest_url
                    }
                };
                events.push(Event::Start(Tag::Link {
                    link_type,
                    dest_url: safe_url(dest_url),
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
                let dest_url = match rewrite(&dest_url, base_dir, RefKind::Image, resolver) {
                    Ok((url, _)) => url,
                    Err((target, reason, suggestion)) => {
                        broken.push(BrokenRef {
                            line: line_of(range.start),
                            target,
                            kind: RefKind::Image,
                            reason,
                            suggestion,
                        });
                        dest_url
                    }
                };
                events.push(Event::Start(Tag::Image {
                    link_type,
                    dest_url: safe_url(dest_url),
                    title,
                    id,
                }));
            }
            // `{#id .class}` is kept; other attributes (`{onclick=…}`) are not.
            Event::Start(Tag::Heading {
                level, id, classes, ..
            }) => {
                events.push(Event::Start(Tag::Heading {
                    level: level.max(HeadingLevel::H2),
                    id,
                    classes,
                    attrs: Vec::new(),
                }));
            }
            Event::End(TagEnd::Heading(HeadingLevel::H1)) => {
                events.push(Event::End(TagEnd::Heading(HeadingLevel::H2)));
            }
            // Tables scroll on narrow screens; a focusable, named box lets
            // keyboard users scroll them too. A group, not a region: every
            // table would be a landmark of the same name, and a page of
            // several tables (the whole course) would repeat it.
            Event::Start(Tag::Table(alignments)) => {
                events.push(Event::Html(
                    "<div class=\"table-scroll\" role=\"group\" tabindex=\"0\" aria-label=\"Table\">".into(),
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

    let mut toc = assign_heading_ids(&mut events);
    let all_html = match lesson {
        Some(this) => serialise(
            all_page_events(&events, this, &anchors),
            body.len(),
            raw_html,
        ),
        None => String::new(),
    };
    let html = serialise(events, body.len(), raw_html);
    let (html, all_html) = if quizzes.is_empty() {
        (html, all_html)
    } else {
        // A lesson's page has forms; a course introduction and the one-page
        // view show the questions with empty boxes.
        let page = slot.fill(&html, |n| match lesson {
            Some(this) => quiz::html::form(&quizzes[n - 1], n, &format!("/{base_dir}/{this}/")),
            None => quiz::html::print(&quizzes[n - 1], &quiz::html::quiz_id(n)),
        });
        let all = slot.fill(&all_html, |n| {
            let id = lesson.map_or_else(
                || quiz::html::quiz_id(n),
                |this| all_page_id(this, &quiz::html::quiz_id(n)),
            );
            quiz::html::print(&quizzes[n - 1], &id)
        });
        (page, all)
    };
    if raw_html {
        // The sanitiser removes an element of another namespace's name
        // (`<or>`, `<set>`: MathML and SVG) with all it holds, headings
        // included; the table of contents lists only headings still there.
        // The ids are collected once: a search of the page per heading
        // would be quadratic in a page of many headings.
        let (kept, kept_all) = (ids_in(&html), ids_in(&all_html));
        toc.retain(|entry| {
            kept.contains(entry.id.as_str())
                && lesson
                    .is_none_or(|this| kept_all.contains(all_page_id(this, &entry.id).as_str()))
        });
    }
    Rendered {
        html,
        all_html,
        toc,
        broken,
        words,
        quiz_problems,
    }
}

/// The values of the `id="…"` attributes in sanitised HTML.
fn ids_in(html: &str) -> HashSet<&str> {
    html.split(" id=\"")
        .skip(1)
        .filter_map(|rest| rest.split_once('"').map(|(id, _)| id))
        .collect()
}

/// Writes the events as HTML. HTML the author typed is the only markup that
/// pulldown-cmark passes through unescaped; everything else is escaped by it
/// or built here from escaped parts (code blocks, callouts), link and image
/// URLs go through [`safe_url`], and heading attributes are dropped. So only
/// a body with raw HTML needs the allowlist sanitiser, which re-parses the
/// whole page and was half of a cold sync's time (issue 7). Both paths keep
/// the same promise: no script, no event handler, no `javascript:` URL.
fn serialise<'a>(events: Vec<Event<'a>>, len: usize, raw_html: bool) -> String {
    let mut html = String::with_capacity(len * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    if raw_html {
        sanitize(&html)
    } else {
        html
    }
}

/// URL schemes a link or image may use; anything else (`javascript:`,
/// `data:`, `vbscript:`) becomes `#`. Relative URLs have no scheme.
const SAFE_SCHEMES: &[&str] = &["http", "https", "mailto"];

/// `url` if it is relative or uses a [`SAFE_SCHEMES`] scheme, else `#`. The
/// scheme is read the way browsers read it: leading spaces and control
/// characters skipped, tabs and newlines anywhere ignored, any case.
fn safe_url(url: CowStr<'_>) -> CowStr<'_> {
    let mut scheme = String::new();
    for c in url.trim_start_matches(|c: char| c <= ' ').chars() {
        match c {
            '\t' | '\n' | '\r' => continue,
            ':' => {
                let safe = scheme.is_empty()
                    || !scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                    || SAFE_SCHEMES.contains(&scheme.to_ascii_lowercase().as_str());
                return if safe { url } else { CowStr::Borrowed("#") };
            }
            c if c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.') => scheme.push(c),
            _ => break,
        }
    }
    url
}

/// The opening of a callout: an `<aside>` with the `note` role (parenthetic
/// content, not a landmark: a page of tips would otherwise be a page of
/// landmarks) and its kind as a visible label, which screen readers read
/// first. The icon is drawn by CSS and hidden from assistive technology.
fn callout_start(kind: BlockQuoteKind) -> &'static str {
    match kind {
        BlockQuoteKind::Note => "<aside class=\"callout callout-note\" role=\"note\">\n<p class=\"callout-title\">Note</p>\n",
        BlockQuoteKind::Tip => "<aside class=\"callout callout-tip\" role=\"note\">\n<p class=\"callout-title\">Tip</p>\n",
        BlockQuoteKind::Important => "<aside class=\"callout callout-important\" role=\"note\">\n<p class=\"callout-title\">Important</p>\n",
        BlockQuoteKind::Warning => "<aside class=\"callout callout-warning\" role=\"note\">\n<p class=\"callout-title\">Warning</p>\n",
        BlockQuoteKind::Caution => "<aside class=\"callout callout-caution\" role=\"note\">\n<p class=\"callout-title\">Caution</p>\n",
    }
}

/// The events of the one-page view (see [`Rendered::all_html`]): ids
/// prefixed, headings one level deeper, links within the course made anchors.
fn all_page_events<'a>(
    events: &[Event<'a>],
    slug: &str,
    anchors: &HashMap<usize, String>,
) -> Vec<Event<'a>> {
    let deeper = |level: HeadingLevel| match level {
        HeadingLevel::H1 => HeadingLevel::H2,
        HeadingLevel::H2 => HeadingLevel::H3,
        HeadingLevel::H3 => HeadingLevel::H4,
        HeadingLevel::H4 => HeadingLevel::H5,
        HeadingLevel::H5 | HeadingLevel::H6 => HeadingLevel::H6,
    };
    events
        .iter()
        .enumerate()
        .map(|(i, event)| match event {
            Event::Start(Tag::Heading {
                level,
                id,
                classes,
                attrs,
            }) => Event::Start(Tag::Heading {
                level: deeper(*level),
                id: id.as_ref().map(|id| all_page_id(slug, id).into()),
                classes: classes.clone(),
                attrs: attrs.clone(),
            }),
            Event::End(TagEnd::Heading(level)) => Event::End(TagEnd::Heading(deeper(*level))),
            Event::Start(Tag::Link {
                link_type,
                title,
                id,
                ..
            }) if anchors.contains_key(&i) => Event::Start(Tag::Link {
                link_type: *link_type,
                dest_url: anchors[&i].clone().into(),
                title: title.clone(),
                id: id.clone(),
            }),
            Event::FootnoteReference(label) => {
                Event::FootnoteReference(all_page_id(slug, label).into())
            }
            Event::Start(Tag::FootnoteDefinition(label)) => {
                Event::Start(Tag::FootnoteDefinition(all_page_id(slug, label).into()))
            }
            other => other.clone(),
        })
        .collect()
}

/// A lesson a link resolved to, with the link's fragment.
type LinkedLesson = Option<(LessonRef, Option<String>)>;

/// A reference that resolved to nothing: the target as written, the rule
/// that refused it (if one did) and the nearest existing target.
type Unresolved = (String, Option<String>, Option<String>);

/// Rewrites a relative reference to a site URL. `Ok` holds the URL to use
/// (unchanged for absolute URLs and fragments) and, for a link to a lesson,
/// that lesson; `Err` holds the target that could not be resolved, the
/// rule that refused it, if one did, and the nearest existing target.
fn rewrite<'a>(
    dest: &CowStr<'a>,
    base_dir: &str,
    kind: RefKind,
    resolver: &dyn Resolver,
) -> Result<(CowStr<'a>, LinkedLesson), Unresolved> {
    if !is_relative(dest) {
        if dest.starts_with('/') && !dest.starts_with("//") {
            let path = dest.split(['#', '?']).next().unwrap_or(dest);
            if let Some(reason) = resolver.missing_site_path(path) {
                return Err((dest.to_string(), Some(reason), None));
            }
        }
        return Ok((dest.clone(), None));
    }
    let (path, fragment) = match dest.split_once('#') {
        Some((p, f)) => (p, Some(f)),
        None => (dest.as_ref(), None),
    };
    let path = path.split('?').next().unwrap_or(path);
    let full = join(base_dir, path);
    let resolved = full.as_deref().and_then(|full| {
        if kind == RefKind::Link
            && (full.ends_with(".md") || full.ends_with('/') || !full.contains('.'))
        {
            let lesson = resolver.lesson(full);
            resolver.page(full).map(|url| (url, lesson))
        } else {
            resolver.asset(full).map(|url| (url, None))
        }
    });
    match resolved {
        Some((mut url, lesson)) => {
            if let Some(f) = fragment {
                url.push('#');
                url.push_str(f);
            }
            Ok((
                url.into(),
                lesson.map(|l| (l, fragment.map(str::to_string))),
            ))
        }
        None => {
            let reason = match &full {
                Some(full) => resolver.refusal(full),
                None => Some("the path leads outside the content folder".to_string()),
            };
            // A refused file is there: only a missing one has a likely meaning.
            let suggestion = match (&full, &reason) {
                (Some(full), None) => resolver
                    .nearest(full.trim_end_matches('/'), kind)
                    .map(|near| same_folder_as_written(path, &near)),
                _ => None,
            };
            Err((dest.to_string(), reason, suggestion))
        }
    }
}

/// `written` (a relative path as the author wrote it) with its last part
/// replaced by the file name of `near`, a file in the same folder.
pub(crate) fn same_folder_as_written(written: &str, near: &str) -> String {
    let name = near.rsplit('/').next().unwrap_or(near);
    match written.trim_end_matches('/').rsplit_once('/') {
        Some((folder, _)) => format!("{folder}/{name}"),
        None => name.to_string(),
    }
}

/// A reference is relative when it has no scheme, is not root- or
/// protocol-relative, and is not a bare fragment.
pub(crate) fn is_relative(dest: &str) -> bool {
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
    let mut next_suffix: HashMap<String, usize> = HashMap::new();
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
        // Each base remembers the next suffix to try, so a run of headings
        // with one text costs one step each, not one per earlier heading.
        let mut unique = base.clone();
        if used.contains(&unique) {
            let n = next_suffix.entry(base.clone()).or_insert(1);
            loop {
                unique = format!("{base}-{n}");
                *n += 1;
                if !used.contains(&unique) {
                    break;
                }
            }
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
                "course/01-this.md" => Some("/course/this/".into()),
                "other/01-intro.md" => Some("/other/intro/".into()),
                _ => None,
            }
        }
        fn asset(&self, path: &str) -> Option<String> {
            (path == "course/images/a.png").then(|| "/media/abc/a.png".into())
        }
        fn lesson(&self, path: &str) -> Option<LessonRef> {
            let (course, slug) = match path {
                "course/02-next.md" => ("course", "next"),
                "course/01-this.md" => ("course", "this"),
                "other/01-intro.md" => ("other", "intro"),
                _ => return None,
            };
            Some(LessonRef {
                course: course.into(),
                slug: slug.into(),
            })
        }
    }

    fn html(md: &str) -> Rendered {
        render(md, "course", 5, &Site)
    }

    fn lesson_html(md: &str) -> Rendered {
        let this = LessonRef {
            course: "course".into(),
            slug: "this".into(),
        };
        render_lesson(md, &this, 5, &Site)
    }

    #[test]
    fn quiz_blocks_become_forms_with_no_answers_and_mistakes_name_their_line() {
        let md = "Intro.\n\n```quiz\n? Which code means not found?\n- [ ] 200\n- [x] 404\n> Not Found.\n```\n\n<div id=\"quiz-slot-0000000000000000-1\"></div>\n\n```quiz\n? Nothing\n```\n";
        let r = lesson_html(md);
        assert!(
            r.html.contains("<form class=\"quiz\" id=\"quiz--1\" method=\"post\" action=\"/course/this/quiz/1#quiz--1\""),
            "{}",
            r.html
        );
        assert!(!r.html.contains("Not Found"), "{}", r.html);
        assert!(!r.html.contains("```"), "{}", r.html);
        // The author's imitation of a stand-in is left as it is.
        assert!(
            r.html.contains("quiz-slot-0000000000000000-1"),
            "{}",
            r.html
        );
        // The second block's question is on file line 17 (the body starts at 5).
        assert_eq!(r.quiz_problems.len(), 1, "{:?}", r.quiz_problems);
        assert_eq!(r.quiz_problems[0].line, 17);
        // The one-page view shows empty boxes under ids of this lesson.
        assert!(
            r.all_html.contains("id=\"this--quiz--1\""),
            "{}",
            r.all_html
        );
        assert!(!r.all_html.contains("<form"), "{}", r.all_html);
        // A course introduction has no lesson to grade it.
        let intro = html("```quiz\n? Q\n= a\n```\n");
        assert!(!intro.html.contains("<form"), "{}", intro.html);
        assert!(
            intro.html.contains("class=\"quiz quiz-static\""),
            "{}",
            intro.html
        );
        // The editors' preview shows the answers.
        let shown = quiz::reveal(&r.html, md);
        assert!(shown.contains("Not Found."), "{shown}");
        assert!(!shown.contains("<form"), "{shown}");
    }

    #[test]
    fn a_megabyte_of_quiz_blocks_renders_and_is_replaced_in_one_pass() {
        // The shapes at the size limit: many small blocks, and one block of
        // many questions; rendering and swapping stay linear.
        let many_blocks = "```quiz\n? Q\n= a\n```\n\n".repeat(1 << 20 >> 5);
        let r = lesson_html(&many_blocks);
        let count = r.html.matches("<form class=\"quiz\"").count();
        assert_eq!(count, (1 << 20) >> 5);
        let shown = quiz::reveal(&r.html, &many_blocks);
        assert_eq!(shown.matches("quiz-key-note").count(), count);
        let one_block = format!(
            "```quiz\n{}```\n",
            "? Same words\n- [x] a\n- [ ] b\n".repeat(1 << 20 >> 5)
        );
        let r = lesson_html(&one_block);
        assert!(r.quiz_problems.is_empty());
        assert_eq!(r.html.matches("<fieldset").count(), (1 << 20) >> 5);
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
        assert!(
            r.html.contains(r#"<span class="code-lang">JavaScript<span class="visually-hidden"> code</span></span>"#),
            "{}",
            r.html
        );
        assert!(r.html.contains("<span class=hc>"));
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
    fn markdown_without_html_is_safe_without_the_sanitiser() {
        let r = html(
            "[a](javascript:alert(1)) [b](<java\tscript:alert(1)>) [c](&#106;avascript:alert(1))\n\n\
             ![d](data:text/html;base64,PHNjcmlwdD4=) [e](VBScript:x) <javascript:alert(1)>\n\n\
             ## Title {#t .wide onclick=alert(1) style=color:red}\n\n[ok](https://example.org/a:b) [rel](x.png)\n",
        );
        let lower = r.html.to_lowercase();
        for bad in [
            "=\"javascript:",
            "=\"data:",
            "=\"vbscript:",
            "onclick",
            "style=",
        ] {
            assert!(!lower.contains(bad), "{bad} in {}", r.html);
        }
        assert!(r.html.contains(r#"<h2 id="t" class="wide">"#), "{}", r.html);
        assert!(r.html.contains(r#"href="https://example.org/a:b""#));
        assert!(r.html.contains(r#"href="x.png""#));
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
                .contains(r#"<div class="table-scroll" role="group" tabindex="0""#),
            "{}",
            r.html
        );
        assert!(r.html.contains("<del>old</del>"));
        assert!(r.html.contains("footnote-definition"));
    }

    #[test]
    fn code_titles_and_marked_lines_survive_sanitising() {
        let r = html("```js title=\"server.js\" hl_lines=\"2\"\na();\nb();\nc();\n```\n");
        assert!(
            r.html.contains(r#"<figure class="code-block"><figcaption class="code-head"><span class="code-title">server.js</span>"#),
            "{}",
            r.html
        );
        assert_eq!(
            r.html.matches(r#"<mark class="code-hl">"#).count(),
            1,
            "{}",
            r.html
        );
        assert!(
            r.html
                .contains("<mark class=\"code-hl\"><span class=hf>b</span>();\n</mark>"),
            "{}",
            r.html
        );
    }

    #[test]
    fn hostile_code_title_is_text() {
        let r = html("```js title=\"<script>alert(1)</script> \\\"q\\\" <img src=x onerror=alert(1)>\"\nx\n```\n");
        assert!(!r.html.contains("<script"), "{}", r.html);
        assert!(!r.html.contains("<img"), "{}", r.html);
        assert!(
            r.html
                .contains("&lt;script&gt;alert(1)&lt;/script&gt; &quot;q&quot; &lt;img"),
            "{}",
            r.html
        );
    }

    #[test]
    fn alerts_become_labelled_callouts() {
        for (kind, label) in [
            ("NOTE", "Note"),
            ("TIP", "Tip"),
            ("IMPORTANT", "Important"),
            ("WARNING", "Warning"),
            ("CAUTION", "Caution"),
        ] {
            let r = html(&format!("> [!{kind}]\n> Mind the *gap*.\n"));
            let class = label.to_lowercase();
            assert!(
                r.html.contains(&format!(
                    "<aside class=\"callout callout-{class}\" role=\"note\">\n<p class=\"callout-title\">{label}</p>\n<p>Mind the <em>gap</em>.</p>\n</aside>"
                )),
                "{}",
                r.html
            );
            assert!(!r.html.contains("blockquote"));
        }
    }

    #[test]
    fn unknown_alert_kind_stays_a_blockquote() {
        let r = html("> [!DANGER]\n> Text\n\n> plain\n");
        assert_eq!(r.html.matches("<blockquote>").count(), 2, "{}", r.html);
        assert!(r.html.contains("[!DANGER]"));
        assert!(!r.html.contains("<aside"));
    }

    #[test]
    fn raw_html_in_a_callout_is_sanitised() {
        let r = html("> [!WARNING]\n> <script>alert(1)</script><b onclick=\"x()\">bold</b>\n>\n> [x](javascript:alert(1)) <img src=x onerror=alert(1)>\n");
        assert!(r.html.contains("callout-warning"), "{}", r.html);
        assert!(!r.html.contains("<script"), "{}", r.html);
        assert!(!r.html.contains("onclick"), "{}", r.html);
        assert!(!r.html.contains("onerror"), "{}", r.html);
        assert!(!r.html.contains("javascript:"), "{}", r.html);
        assert!(r.html.contains("<b>bold</b>"), "{}", r.html);
    }

    #[test]
    fn one_page_view_makes_course_links_anchors_and_prefixes_ids() {
        let r = lesson_html(
            "## Setup\n\nSee [next](02-next.md), [its part](02-next.md#run-it), [here](#setup), [me](01-this.md), [other](../other/01-intro.md) and [web](https://example.org/).[^n]\n\n[^n]: A note.\n",
        );
        // The lesson page keeps URLs and plain ids.
        assert!(r.html.contains(r#"<h2 id="setup">"#), "{}", r.html);
        assert!(r.html.contains(r#"href="/course/next/""#));
        assert!(r.html.contains(r##"href="#setup""##));
        // The one-page view: anchors within the course, URLs elsewhere.
        let all = &r.all_html;
        assert!(all.contains(r#"<h3 id="this--setup">Setup</h3>"#), "{all}");
        assert!(all.contains(r##"href="#lesson-next""##), "{all}");
        assert!(all.contains(r##"href="#next--run-it""##), "{all}");
        assert!(all.contains(r##"href="#this--setup""##), "{all}");
        assert!(all.contains(r##"href="#lesson-this""##), "{all}");
        assert!(all.contains(r#"href="/other/intro/""#), "{all}");
        assert!(all.contains(r#"href="https://example.org/""#), "{all}");
        assert!(all.contains(r##"href="#this--n""##), "{all}");
        assert!(all.contains(r#"id="this--n""#), "{all}");
        assert!(!all.contains("/course/next/"), "{all}");
        // Course introductions have no one-page rendering.
        assert!(html("[next](02-next.md)").all_html.is_empty());
    }

    #[test]
    fn reading_time_is_estimated_from_words() {
        assert_eq!(estimated_minutes(0), None);
        assert_eq!(estimated_minutes(1), Some(1));
        assert_eq!(estimated_minutes(200), Some(1));
        assert_eq!(estimated_minutes(201), Some(2));
        assert_eq!(estimated_minutes(1000), Some(5));
    }

    #[test]
    fn rendering_is_deterministic() {
        let md = "## A\n\n```rust\nfn main() {}\n```\n";
        assert_eq!(html(md).html, html(md).html);
    }

    #[test]
    fn html_in_alt_text_is_text_and_leaves_nothing_open() {
        let out = html("![<script>](images/a.png) after\n\n## Next\n").html;
        assert!(out.contains(r#"alt="&lt;script&gt;""#), "{out}");
        assert!(!out.contains("-->") && !out.contains("</script>"), "{out}");
        assert!(out.contains("Next</h2>"), "{out}");
    }

    #[test]
    fn headings_the_sanitiser_removes_leave_the_table_of_contents() {
        // `or` is a MathML name: ammonia drops the element and its content.
        let r = lesson_html("<div><or>\n\n## Gone\n\n</div>\n\n## Kept\n");
        let ids: Vec<_> = r.toc.iter().map(|t| t.id.as_str()).collect();
        assert_eq!(ids, ["kept"], "{}", r.html);
    }

    #[test]
    fn join_stays_inside_the_root() {
        assert_eq!(join("a", "../b/c.md").as_deref(), Some("b/c.md"));
        assert_eq!(join("a", "./x.md").as_deref(), Some("a/x.md"));
        assert_eq!(join("a", "../../x.md"), None);
    }
}
