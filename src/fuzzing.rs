//! Property checks for the fuzz targets in `fuzz/` and for their regression
//! test (`tests/fuzz_regressions.rs`): one public function per target (named
//! as the target), taking the raw bytes a fuzzer made, running the pure core
//! on them and panicking if a property fails. Each fuzz target is only a call
//! to its function, so a fuzz run and `cargo test` check exactly the same
//! things (the regression test checks that the targets stay one-line calls).
//! Not part of Lectern's API.
//!
//! The HTML checks read rendered HTML the way a browser's tokenizer does (tag
//! and attribute names, quoting, character references in attribute values),
//! not by searching for substrings, so `<a href="&#106;avascript:…">` and a
//! harmless `title="<script>"` are told apart.

use std::collections::HashSet;

use crate::content::links::{course_url, lesson_url, media_url};
use crate::content::scan::{LessonFile, SourceFile};
use crate::markdown::{self, slug, LessonRef, Rendered, Resolver};

/// The largest input worth running: lesson files are at most 1 MiB, but the
/// fuzzers are run with `-max_len=65536`; this only bounds the regression
/// test against a stray huge file.
const MAX_INPUT: usize = 1 << 20;

fn text(data: &[u8]) -> String {
    String::from_utf8_lossy(&data[..data.len().min(MAX_INPUT)]).into_owned()
}

// ---------------------------------------------------------------------------
// Front matter and whole lesson files

/// A whole lesson (and course) file: UTF-8 check, front matter, slug rules,
/// prerequisites.
pub fn front_matter(data: &[u8]) {
    let data = &data[..data.len().min(MAX_INPUT)];
    let file = SourceFile {
        path: "course/01-lesson.md".into(),
        bytes: data.to_vec(),
        hash: String::new(),
    };
    let lf = LessonFile {
        file: file.clone(),
        name_slug: "lesson".into(),
        number: Some(1),
    };
    let mut diags = Vec::new();
    let lesson = crate::content::parse::parse_lesson(&lf, &mut diags);
    let course = crate::content::parse::parse_course("course", &file, &mut diags);
    let Ok(text) = std::str::from_utf8(data) else {
        assert!(lesson.is_err() && course.is_err(), "invalid UTF-8 accepted");
        return;
    };
    let lines = 1 + text.matches('\n').count();
    for d in &diags {
        if let Some(line) = d.line {
            assert!(
                (1..=lines).contains(&line),
                "diagnostic line {line} of {lines}: {d}"
            );
        }
    }
    match &lesson {
        Ok(p) => {
            slug::validate_lesson(&p.slug).expect("a parsed lesson has a valid slug");
            assert!(p.body_line >= 3 && p.body_line <= lines + 1);
        }
        Err(d) => {
            let line = d.line.unwrap_or(1);
            assert!(
                (1..=lines).contains(&line),
                "error line {line} of {lines}: {d}"
            );
        }
    }

    let first = markdown::split_document(text);
    let again = markdown::split_document(text);
    assert_eq!(
        format!("{first:?}"),
        format!("{again:?}"),
        "not deterministic"
    );
    match first {
        Err(e) => {
            assert!(
                (1..=lines).contains(&e.line),
                "error on line {} of a {lines}-line file: {e}",
                e.line
            );
            assert!(lesson.is_err() && course.is_err());
        }
        Ok(doc) => {
            assert!(
                course.is_ok(),
                "split_document accepts what parse_course refuses"
            );
            let meta = &doc.meta;
            assert!(!meta.title.is_empty() && meta.title.trim() == meta.title);
            assert!(meta.title.chars().count() <= markdown::front_matter_title_limit());
            assert_eq!(meta.summary.trim(), meta.summary);
            assert!(meta.duration.is_none_or(|d| (1..=10_000).contains(&d)));
            // The body is the end of the file, and `body_line` is its first line.
            let text = text.strip_prefix('\u{feff}').unwrap_or(text);
            assert!(text.ends_with(doc.body));
            let before = &text[..text.len() - doc.body.len()];
            if !doc.body.is_empty() {
                assert_eq!(
                    doc.body_line,
                    1 + before.matches('\n').count(),
                    "body_line of {:?}",
                    doc.body
                );
            }
            // Fields and warnings are on lines of the front matter, between
            // the two fences (line 1 and line body_line - 1).
            for (line, message) in &doc.warnings {
                assert!(
                    (2..doc.body_line - 1).contains(line),
                    "warning on line {line}, front matter ends on {}: {message}",
                    doc.body_line - 1
                );
            }
            for (field, line) in &doc.field_lines {
                assert!(
                    (2..doc.body_line - 1).contains(line),
                    "field `{field}` on line {line}, front matter ends on {}",
                    doc.body_line - 1
                );
            }
            let this = LessonRef {
                course: "course".into(),
                slug: "lesson".into(),
            };
            let (found, problems) =
                markdown::resolve_prerequisites(&meta.prerequisites, &this, &FuzzResolver);
            assert!(found.len() + problems.len() <= meta.prerequisites.len());
            assert!(!found.contains(&this), "a lesson is its own prerequisite");
            let unique: HashSet<_> = found.iter().collect();
            assert_eq!(unique.len(), found.len(), "repeated prerequisite");
        }
    }

    // Dates, as the admin's form reads them.
    let line = text.lines().next().unwrap_or("");
    if let Some(d) = markdown::parse_date_time(line) {
        assert_eq!(markdown::parse_date_time(&d.to_rfc3339()), Some(d));
    }
}

// ---------------------------------------------------------------------------
// Rendering

/// Resolves like the content map does, but for every well-formed path, so
/// fuzzed links reach the rewriting code: `<course>/NN-<slug>.md` is a
/// lesson, `<course>/` a course, anything else not ending in `.md` an asset.
/// URLs are built by the site's own functions from validated slugs.
pub struct FuzzResolver;

const FUZZ_HASH: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";

impl FuzzResolver {
    fn course(path: &str) -> Option<&str> {
        let course = path
            .strip_suffix("/_course.md")
            .or_else(|| path.strip_suffix('/'))
            .unwrap_or(path);
        slug::validate_course(course).ok().map(|_| course)
    }
}

/// A path a reference resolved to, from the content root: relative, with no
/// `.`, `..` or empty segment (a trailing `/` aside), so it cannot climb out.
fn check_joined(path: &str) {
    let trimmed = path.strip_suffix('/').unwrap_or(path);
    assert!(
        trimmed.is_empty() || trimmed.split('/').all(|p| !matches!(p, "" | "." | "..")),
        "resolver asked for {path:?}"
    );
}

impl Resolver for FuzzResolver {
    fn page(&self, path: &str) -> Option<String> {
        check_joined(path);
        if let Some(l) = self.lesson(path) {
            return Some(lesson_url(&l.course, &l.slug));
        }
        Self::course(path).map(course_url)
    }

    fn asset(&self, path: &str) -> Option<String> {
        check_joined(path);
        let name = path.rsplit('/').next().filter(|n| !n.is_empty())?;
        (!path.ends_with(".md")).then(|| media_url(FUZZ_HASH, name))
    }

    fn lesson(&self, path: &str) -> Option<LessonRef> {
        check_joined(path);
        let (course, file) = path.split_once('/')?;
        let stem = file.strip_suffix(".md")?;
        let slug = match stem.split_once('-') {
            Some((n, rest)) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => rest,
            _ => stem,
        };
        slug::validate_course(course).ok()?;
        slug::validate_lesson(slug).ok()?;
        Some(LessonRef {
            course: course.into(),
            slug: slug.into(),
        })
    }
}

/// The `render` target: [`check_render`], and html5ever's tokenizer reads
/// the same tags in both HTML outputs as [`tags`] does
/// ([`same_tags_as_html5ever`]).
pub fn render(data: &[u8]) {
    let r = check_render(data);
    same_tags_as_html5ever(&r.html);
    same_tags_as_html5ever(&r.all_html);
}

/// A markdown body rendered as a lesson (twice: the same output each time),
/// and as a course introduction (the same page HTML). Every HTML output is
/// safe ([`check_html`]), the table of contents points at headings of the
/// page, and broken references name lines of the body.
fn check_render(data: &[u8]) -> Rendered {
    let body = text(data);
    let this = LessonRef {
        course: "course".into(),
        slug: "this".into(),
    };
    let first_line = 7;
    let r = markdown::render_lesson(&body, &this, first_line, &FuzzResolver);
    let again = markdown::render_lesson(&body, &this, first_line, &FuzzResolver);
    assert_same(&r, &again, "rendering the same lesson twice");
    let intro = markdown::render(&body, "course", first_line, &FuzzResolver);
    assert!(intro.all_html.is_empty());
    assert_eq!(
        intro.html, r.html,
        "a lesson and an introduction render differently"
    );
    assert_eq!(intro.toc, r.toc);
    assert_eq!(intro.broken, r.broken);

    check_html(&r.html);
    check_html(&r.all_html);

    let last_line = first_line + body.matches('\n').count();
    for b in &r.broken {
        assert!(
            (first_line..=last_line).contains(&b.line),
            "broken reference on line {}, body is lines {first_line}..={last_line}",
            b.line
        );
    }
    let mut ids = HashSet::new();
    for entry in &r.toc {
        assert!(matches!(entry.level, 2 | 3), "{entry:?}");
        assert!(
            !entry.id.is_empty() && ids.insert(entry.id.clone()),
            "{entry:?}"
        );
        assert!(
            entry
                .id
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '\u{307}'),
            "{entry:?}"
        );
        assert_eq!(entry.title.trim(), entry.title);
        let attr = format!("id=\"{}\"", entry.id);
        assert!(
            r.html.contains(&attr),
            "table of contents entry {entry:?} has no heading in {}",
            r.html
        );
        let prefixed = format!("id=\"{}\"", markdown::all_page_id(&this.slug, &entry.id));
        assert!(
            r.all_html.contains(&prefixed),
            "table of contents entry {entry:?} has no heading in the one-page view {}",
            r.all_html
        );
    }
    let _ = markdown::plain_text(&body);
    r
}

fn assert_same(a: &Rendered, b: &Rendered, what: &str) {
    assert_eq!(a.html, b.html, "{what}: html");
    assert_eq!(a.all_html, b.all_html, "{what}: all_html");
    assert_eq!(a.toc, b.toc, "{what}: toc");
    assert_eq!(a.broken, b.broken, "{what}: broken");
    assert_eq!(a.words, b.words, "{what}: words");
}

/// The `sanitize` target: the sanitiser on its own, over any HTML. Its
/// output is safe ([`check_html`]), the same each time, and html5ever's
/// tokenizer reads the same tags in it ([`same_tags_as_html5ever`]).
pub fn sanitize(data: &[u8]) {
    let html = text(data);
    let clean = markdown::sanitize(&html);
    check_html(&clean);
    assert_eq!(clean, markdown::sanitize(&html), "not deterministic");
    same_tags_as_html5ever(&clean);
}

// ---------------------------------------------------------------------------
// Code highlighting

/// The first byte picks a language (one of the lexical highlighter's, or a
/// grammar's), the rest is the code. Each line must hold only balanced
/// highlight spans (`<span class=hk>`), and the lines, tags removed and text unescaped, must give the
/// code back exactly: nothing lost, added or left unescaped.
pub fn highlight(data: &[u8]) {
    let Some((&pick, code)) = data.split_first() else {
        return;
    };
    let mut languages: Vec<&str> = markdown::highlight::lexical_languages().collect();
    languages.extend(["html", "css", "yaml"]);
    let lang = languages[usize::from(pick) % languages.len()];
    let code = text(code);
    let lines = markdown::highlight::highlight_lines(&code, lang).expect("a known language");
    assert_eq!(
        lines.len(),
        code.split_inclusive('\n').count(),
        "{lang}: line count"
    );
    let mut back = String::with_capacity(code.len());
    for line in &lines {
        assert!(
            !line.trim_end_matches('\n').contains('\n'),
            "{lang}: {line:?}"
        );
        let mut depth = 0usize;
        let mut rest = line.as_str();
        while let Some(lt) = rest.find('<') {
            back.push_str(&rest[..lt]);
            let gt = lt + rest[lt..].find('>').expect("a tag ends");
            let tag = &rest[lt..=gt];
            if tag == "</span>" {
                depth = depth
                    .checked_sub(1)
                    .expect("a span closed before it opened");
            } else {
                let class = tag
                    .strip_prefix("<span class=h")
                    .and_then(|t| t.strip_suffix('>'))
                    .unwrap_or_else(|| panic!("{lang}: unexpected markup {tag}"));
                assert!(class.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'));
                depth += 1;
            }
            rest = &rest[gt + 1..];
        }
        back.push_str(rest);
        assert_eq!(depth, 0, "{lang}: a span left open in {line:?}");
    }
    let back = back
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    assert_eq!(back, code, "{lang}: the text changed");
}

// ---------------------------------------------------------------------------
// Slugs and paths

/// Slug rules, heading ids, and the path helpers media and redirects go
/// through. (Joining link paths is checked by [`FuzzResolver`], which every
/// resolved link reaches.)
/// The input is split at its first newline into two strings.
pub fn slug(data: &[u8]) {
    let s = text(data);
    let (a, b) = s.split_once('\n').unwrap_or((&s, ""));
    for s in [s.as_str(), a, b] {
        check_slug(s);
    }
    // Media URLs are plain paths whatever the file is called.
    let url = media_url(FUZZ_HASH, a);
    assert!(url.starts_with("/media/"), "{url}");
    assert!(
        url.bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"/.-_%".contains(&c)),
        "{url}"
    );
    let segments: Vec<&str> = url.split('/').collect();
    assert_eq!(segments.len(), 4, "{url}");
    if !matches!(a, "." | "..") {
        assert!(!matches!(segments[3], "." | ".."), "{url}");
    }
    // Redirect paths: absolute, and normalising twice changes nothing.
    let n = crate::db::redirects::normalise(a);
    assert!(n.starts_with('/'), "{n}");
    assert_eq!(crate::db::redirects::normalise(&n), n);
}

// ---------------------------------------------------------------------------
// Three-way merges

/// Three texts (split at the first two NUL bytes: base, mine, theirs)
/// merged as a stale save or a sync merges them. Whatever the texts, the
/// merge answers (no panic, bounded work); a side that changed nothing
/// yields the other side; two equal sides yield that text; a clean merge
/// holds no marker line it did not get; a conflict names both sides.
pub fn merge(data: &[u8]) {
    use crate::base::merge::{merge_body, BodyMerge, Labels};
    let s = text(data);
    let mut parts = s.splitn(3, '\0');
    let base = parts.next().unwrap_or_default();
    let mine = parts.next().unwrap_or_default();
    let theirs = parts.next().unwrap_or_default();
    let labels = Labels {
        mine: "your text".into(),
        theirs: "version 2 by fuzz".into(),
    };
    let text_of = |m: &BodyMerge| match m {
        BodyMerge::Same(t)
        | BodyMerge::Clean { text: t, .. }
        | BodyMerge::Conflicts { text: t, .. } => t.clone(),
    };
    let ends = |t: &str| {
        let mut t = t.to_string();
        if !t.is_empty() && !t.ends_with('\n') {
            t.push('\n');
        }
        t
    };
    // One side unchanged: the other side, exactly.
    let only_mine = merge_body(Some(base), mine, base, &labels);
    assert!(
        matches!(only_mine, BodyMerge::Clean { .. } | BodyMerge::Same(_)),
        "{only_mine:?}"
    );
    assert_eq!(ends(&text_of(&only_mine)), ends(mine));
    let only_theirs = merge_body(Some(base), base, theirs, &labels);
    assert_eq!(ends(&text_of(&only_theirs)), ends(theirs));
    // Both sides equal: that text.
    assert_eq!(
        merge_body(Some(base), mine, mine, &labels),
        BodyMerge::Same(mine.to_string())
    );
    let merged = merge_body(Some(base), mine, theirs, &labels);
    match &merged {
        BodyMerge::Conflicts { text, regions } => {
            assert!(*regions >= 1);
            let held = |line: &str| {
                [base, mine, theirs]
                    .iter()
                    .any(|t| t.lines().any(|l| l == line))
            };
            let opened = text.lines().any(|l| l == "<<<<<<< your text");
            let closed = text.lines().any(|l| l == ">>>>>>> version 2 by fuzz");
            // Named markers, unless a side already held diffy's own.
            assert!(
                (opened && closed) || held("<<<<<<< ours") || held(">>>>>>> theirs"),
                "{text:?}"
            );
        }
        BodyMerge::Clean { text, .. } => {
            for line in text.lines() {
                if line.starts_with("<<<<<<< ") || line.starts_with(">>>>>>> ") {
                    // A side's last line may end in a lone carriage return,
                    // which `lines` keeps there and drops once the merge
                    // ends that line with a newline: the same line.
                    let line = line.trim_end_matches('\r');
                    let held = [base, mine, theirs]
                        .iter()
                        .any(|t| t.lines().any(|l| l.trim_end_matches('\r') == line));
                    assert!(held, "a clean merge made a marker line {line:?}");
                }
            }
        }
        BodyMerge::Same(_) => assert_eq!(mine, theirs),
    }
}

fn check_slug(s: &str) {
    // The rule, restated: lowercase ASCII letters and digits in words joined
    // by single hyphens, at most MAX_SLUG_LEN bytes.
    let expected = !s.is_empty()
        && s.len() <= slug::MAX_SLUG_LEN
        && s.split('-').all(|w| {
            !w.is_empty()
                && w.bytes()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        });
    let valid = slug::validate(s);
    assert_eq!(valid.is_ok(), expected, "validate({s:?}) = {valid:?}");
    if valid.is_ok() {
        for bad in ["/", "\\", "..", "\0", "--", " ", "%", "#", "?"] {
            assert!(!s.contains(bad), "{s:?}");
        }
    }
    assert_eq!(
        slug::validate_course(s).is_ok(),
        expected && !slug::RESERVED_COURSE_SLUGS.contains(&s),
        "{s:?}"
    );
    assert_eq!(
        slug::validate_lesson(s).is_ok(),
        expected && !slug::RESERVED_LESSON_SLUGS.contains(&s),
        "{s:?}"
    );

    // Heading ids: words of letters and digits joined by single hyphens,
    // lowercase, stable, and a valid slug when plain ASCII and not too long.
    // (Lowercasing `İ` gives `i` and a combining dot, which is kept.)
    let id = slug::slugify(s);
    let letter = |c: char| c.is_alphanumeric() || c == '\u{307}';
    assert!(
        id.is_empty()
            || id
                .split('-')
                .all(|w| !w.is_empty() && w.chars().all(letter)),
        "slugify({s:?}) = {id:?}"
    );
    assert_eq!(id.to_lowercase(), id, "slugify({s:?})");
    if !id.contains('\u{307}') {
        assert_eq!(slug::slugify(&id), id, "slugify is not idempotent on {s:?}");
    }
    if !id.is_empty() && id.is_ascii() && id.len() <= slug::MAX_SLUG_LEN {
        assert!(slug::validate(&id).is_ok(), "slugify({s:?}) = {id:?}");
    }
}

// ---------------------------------------------------------------------------
// Search

/// The search box: reading a query, page numbers, the database query
/// strings built from words, and snippet highlighting.
pub fn search(data: &[u8]) {
    use crate::discovery::search::{
        highlight, page_number, SearchQuery, MAX_QUERY_CHARS, MAX_WORDS,
    };

    let raw = text(data);
    let q = SearchQuery::parse(&raw);
    assert_eq!(q, SearchQuery::parse(&raw));
    assert!(q.text.chars().count() <= MAX_QUERY_CHARS, "{q:?}");
    assert!(!q.text.chars().any(char::is_control), "{q:?}");
    assert_eq!(q.text.trim(), q.text);
    assert!(q.words.len() <= MAX_WORDS, "{q:?}");
    let mut seen = HashSet::new();
    for w in &q.words {
        assert!(
            !w.is_empty() && w.chars().all(char::is_alphanumeric),
            "{q:?}"
        );
        assert!(seen.insert(w), "repeated word in {q:?}");
    }
    assert_eq!(q.is_empty(), q.words.is_empty());
    check_db_queries(&q.words);
    // Words as the database layer may be given them by any caller.
    let words: Vec<String> = raw.split('\n').map(str::to_string).collect();
    check_db_queries(&words);

    let page = page_number(Some(&raw));
    assert!(page >= 1);
    let trimmed = raw.trim();
    let digits = trimmed.strip_prefix('+').unwrap_or(trimmed);
    match trimmed.parse::<u64>() {
        Ok(n) => assert_eq!(page, n.max(1)),
        // Too large to hold: the largest, so lists show their last page.
        Err(_) if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => {
            assert_eq!(page, u64::MAX, "{raw:?}")
        }
        Err(_) => assert_eq!(page, 1, "{raw:?}"),
    }

    check_snippet(&highlight(&raw), &raw);
}

/// The FTS5 and tsquery strings: every word a quoted run of letters and
/// digits, so nothing can act as an operator or close the quotes.
fn check_db_queries(words: &[String]) {
    use crate::db::search::{fts5_query, tsquery};

    let fts = fts5_query(words);
    let ts = tsquery(words);
    if fts.is_empty() {
        assert!(ts.is_empty());
        return;
    }
    let tokens: Vec<&str> = fts.split(' ').collect();
    let last = tokens.len() - 1;
    for (i, t) in tokens.iter().enumerate() {
        let inner = if i == last {
            t.strip_prefix('"').and_then(|t| t.strip_suffix("\"*"))
        } else {
            t.strip_prefix('"').and_then(|t| t.strip_suffix('"'))
        };
        let inner = inner.unwrap_or_else(|| panic!("FTS5 token {t:?} in {fts:?}"));
        assert!(
            !inner.is_empty() && inner.chars().all(char::is_alphanumeric),
            "FTS5 token {t:?} in {fts:?}"
        );
    }
    let tokens: Vec<&str> = ts.split(" & ").collect();
    assert_eq!(tokens.len(), last + 1, "{fts:?} and {ts:?}");
    for (i, t) in tokens.iter().enumerate() {
        let inner = if i == last {
            t.strip_prefix('\'').and_then(|t| t.strip_suffix("':*"))
        } else {
            t.strip_prefix('\'').and_then(|t| t.strip_suffix('\''))
        };
        let inner = inner.unwrap_or_else(|| panic!("tsquery token {t:?} in {ts:?}"));
        assert!(
            !inner.is_empty() && inner.chars().all(char::is_alphanumeric),
            "tsquery token {t:?} in {ts:?}"
        );
    }
}

/// A highlighted snippet: text escaped, `<mark>` its only markup, balanced
/// and never nested, at most 320 characters shown (then "…").
fn check_snippet(html: &str, raw: &str) {
    let mut rest = html;
    let mut open = false;
    let mut shown = 0;
    while let Some(c) = rest.chars().next() {
        if let Some(r) = rest.strip_prefix("<mark>") {
            assert!(!open, "nested <mark> in {html:?} from {raw:?}");
            open = true;
            rest = r;
        } else if let Some(r) = rest.strip_prefix("</mark>") {
            assert!(open, "unopened </mark> in {html:?} from {raw:?}");
            open = false;
            rest = r;
        } else if c == '&' {
            let entity = ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"]
                .into_iter()
                .find(|e| rest.starts_with(e))
                .unwrap_or_else(|| panic!("bare & in {html:?} from {raw:?}"));
            rest = &rest[entity.len()..];
            shown += 1;
        } else {
            // Characters XML 1.0 does not allow are dropped (C1 controls are allowed).
            assert!(
                !matches!(
                    c,
                    '<' | '>' | '"' | '\'' | '\u{7f}' | '\u{fffe}' | '\u{ffff}'
                ) && c >= ' ',
                "{c:?} unescaped in {html:?} from {raw:?}"
            );
            // Whitespace and a closing ellipsis are not the text's own characters.
            let closing_ellipsis = c == '…' && rest.len() == c.len_utf8();
            if !(c.is_whitespace() || closing_ellipsis) {
                shown += 1;
            }
            rest = &rest[c.len_utf8()..];
        }
    }
    assert!(!open, "unclosed <mark> in {html:?} from {raw:?}");
    assert!(shown <= 320, "{shown} characters shown in {html:?}");
}

// ---------------------------------------------------------------------------
// HTML safety

/// Elements that never appear in rendered HTML: scripts, anything that
/// embeds, frames, or changes the document, and the raw-text and RCDATA
/// elements (whose content a browser does not read as markup, which the
/// tokenizer below does not model).
const FORBIDDEN_TAGS: &[&str] = &[
    "script",
    "style",
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "base",
    "link",
    "meta",
    "form",
    "button",
    "select",
    "textarea",
    "title",
    "xmp",
    "noembed",
    "noframes",
    "noscript",
    "plaintext",
    "template",
    "svg",
    "math",
    "portal",
    "param",
    "head",
    "html",
    "body",
];

/// Attributes that take a URL (`srcset` a list of them).
const URL_ATTRIBUTES: &[&str] = &[
    "href",
    "src",
    "cite",
    "action",
    "formaction",
    "poster",
    "background",
    "longdesc",
    "data",
    "ping",
    "xlink:href",
    "lowsrc",
    "dynsrc",
    "manifest",
    "codebase",
    "icon",
    "srcset",
    "imagesrcset",
    "itemtype",
    "archive",
    "classid",
    "profile",
    "usemap",
];

/// Attributes unsafe on any page: besides `on…` handlers and `xmlns…`.
const FORBIDDEN_ATTRIBUTES: &[&str] = &["srcdoc", "http-equiv", "formaction", "is"];

const SAFE_SCHEMES: &[&str] = &["http", "https", "mailto"];

/// Panics unless `html` is safe: no forbidden element, no event handler or
/// other forbidden attribute, no URL with a scheme other than http, https
/// and mailto (read as a browser reads it: character references decoded,
/// tabs and newlines ignored, any case), `style` only as the table cells'
/// `text-align`, inputs only disabled checkboxes, and no comments,
/// doctypes or CDATA (which neither markdown nor the sanitiser leave).
pub fn check_html(html: &str) {
    if let Err(e) = html_problem(html) {
        panic!("unsafe HTML: {e}\n--- html ---\n{html}\n---");
    }
}

/// What [`check_html`] finds wrong with `html`, if anything.
pub fn html_problem(html: &str) -> Result<(), String> {
    for tag in tags(html)? {
        if FORBIDDEN_TAGS.contains(&tag.name.as_str()) {
            return Err(format!(
                "<{}{}> element",
                if tag.end { "/" } else { "" },
                tag.name
            ));
        }
        for (name, value) in &tag.attrs {
            // Rendered lesson HTML holds no forms, so no form action either.
            if name == "action" {
                return Err(format!("attribute `{name}` on <{}>", tag.name));
            }
            let value = match value {
                Ok(value) => value,
                Err(raw) if URL_ATTRIBUTES.contains(&name.as_str()) => {
                    return Err(format!(
                        "`{name}` value {raw:?} has an unexpected reference"
                    ));
                }
                Err(raw) => raw,
            };
            if let Some(problem) = attribute_problem(&tag.name, name, value) {
                return Err(problem);
            }
        }
        if tag.name == "input" && !tag.end {
            let attr = |n: &str| tag.attrs.iter().find(|(a, _)| a == n);
            let checkbox =
                matches!(attr("type"), Some((_, Ok(t))) if t.eq_ignore_ascii_case("checkbox"));
            if !checkbox || attr("disabled").is_none() {
                return Err(format!(
                    "input that is not a disabled checkbox: {:?}",
                    tag.attrs
                ));
            }
        }
    }
    Ok(())
}

/// What is unsafe in attribute `name` = `value` of a `<tag>`, on any page:
/// an event handler or namespace, `srcdoc`, `http-equiv`, `formaction` or
/// `is`; a URL with a scheme other than http, https and mailto; a style
/// other than a table cell's alignment. The page checks of the integration
/// tests call it too, so rendered lessons and whole pages meet one rule.
pub fn attribute_problem(tag: &str, name: &str, value: &str) -> Option<String> {
    if name.starts_with("on") {
        return Some(format!("event handler `{name}` on <{tag}>"));
    }
    if FORBIDDEN_ATTRIBUTES.contains(&name) || name.starts_with("xmlns") {
        return Some(format!("attribute `{name}` on <{tag}>"));
    }
    if URL_ATTRIBUTES.contains(&name) {
        let urls: Vec<&str> = if name.ends_with("srcset") {
            value.split(',').collect()
        } else {
            vec![value]
        };
        for url in urls {
            if let Some(scheme) = url_scheme(url) {
                if !SAFE_SCHEMES.contains(&scheme.as_str()) {
                    return Some(format!(
                        "`{name}` URL {value:?} on <{tag}> has scheme `{scheme}`"
                    ));
                }
            }
        }
    }
    if name == "style" {
        let alignment = matches!(tag, "td" | "th")
            && matches!(
                value,
                "text-align: left" | "text-align: center" | "text-align: right"
            );
        if !alignment {
            return Some(format!("style {value:?} on <{tag}>"));
        }
    }
    None
}

/// The scheme of a URL as a browser's URL parser reads it, lowercase, if it
/// has one: leading and trailing C0 controls and spaces are stripped, ASCII
/// tabs and newlines removed anywhere.
fn url_scheme(url: &str) -> Option<String> {
    let url: String = url
        .trim_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let colon = url.find(':')?;
    let scheme = &url[..colon];
    let mut chars = scheme.chars();
    let first = chars.next()?;
    (first.is_ascii_alphabetic()
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
    .then(|| scheme.to_ascii_lowercase())
}

/// A start or end tag as a browser's tokenizer reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HtmlTag {
    pub end: bool,
    /// Lowercase.
    pub name: String,
    /// Lowercase names, every occurrence (a browser keeps the first of a
    /// repeated name); values with character references decoded, or `Err`
    /// with the raw value if it holds one this reader does not know.
    pub attrs: Vec<(String, Result<String, String>)>,
    /// Cut short by the end of the input (a browser drops such a tag).
    pub at_eof: bool,
}

/// The tags of `html`, read with the tokenizer states of the HTML standard
/// (data, tag open, tag name, attribute name and value, self-closing). The
/// raw-text elements are not modelled: they are [`FORBIDDEN_TAGS`]. Errs on
/// comments, doctypes, CDATA and bogus comments.
pub fn tags(html: &str) -> Result<Vec<HtmlTag>, String> {
    // Input stream preprocessing: CR LF and CR become LF.
    let s: Vec<char> = html
        .replace("\r\n", "\n")
        .replace('\r', "\n")
        .chars()
        .collect();
    let at = |i: usize| s.get(i).copied();
    let mut out = Vec::new();
    let mut i = 0;
    while i < s.len() {
        if s[i] != '<' {
            i += 1;
            continue;
        }
        match at(i + 1) {
            Some(c) if c.is_ascii_alphabetic() => {
                let (tag, next) = read_tag(&s, i + 1, false);
                out.push(tag);
                i = next;
            }
            Some('/') => match at(i + 2) {
                Some(c) if c.is_ascii_alphabetic() => {
                    let (tag, next) = read_tag(&s, i + 2, true);
                    out.push(tag);
                    i = next;
                }
                Some('>') => i += 3,
                None => i += 2,
                Some(_) => return Err("bogus comment `</`".into()),
            },
            Some('!') => return Err("comment, doctype or CDATA `<!`".into()),
            Some('?') => return Err("bogus comment `<?`".into()),
            _ => i += 1,
        }
    }
    Ok(out)
}

fn is_space(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\u{c}' | ' ')
}

/// Reads a tag whose name starts at `i`; returns it and the index after it.
fn read_tag(s: &[char], mut i: usize, end: bool) -> (HtmlTag, usize) {
    let fix = |c: char| {
        if c == '\0' {
            '\u{fffd}'
        } else {
            c.to_ascii_lowercase()
        }
    };
    let mut tag = HtmlTag {
        end,
        name: String::new(),
        attrs: Vec::new(),
        at_eof: false,
    };
    // Tag name state.
    loop {
        match s.get(i).copied() {
            None => {
                tag.at_eof = true;
                return (tag, i);
            }
            Some(c) if is_space(c) => {
                i += 1;
                break;
            }
            Some('/') => break,
            Some('>') => return (tag, i + 1),
            Some(c) => {
                tag.name.push(fix(c));
                i += 1;
            }
        }
    }
    // Before attribute name (and self-closing start tag) states.
    loop {
        match s.get(i).copied() {
            None => {
                tag.at_eof = true;
                return (tag, i);
            }
            Some(c) if is_space(c) => i += 1,
            Some('/') => {
                // Self-closing start tag state: `>` ends, anything else is
                // reconsumed before an attribute name.
                i += 1;
                if s.get(i) == Some(&'>') {
                    return (tag, i + 1);
                }
            }
            Some('>') => return (tag, i + 1),
            Some(first) => {
                // Attribute name state. A leading `=` is part of the name.
                let mut name = String::new();
                name.push(fix(first));
                i += 1;
                while let Some(c) = s.get(i).copied() {
                    if is_space(c) || matches!(c, '/' | '>' | '=') {
                        break;
                    }
                    name.push(fix(c));
                    i += 1;
                }
                // After attribute name state.
                while s.get(i).is_some_and(|c| is_space(*c)) {
                    i += 1;
                }
                if s.get(i) != Some(&'=') {
                    tag.attrs.push((name, Ok(String::new())));
                    continue;
                }
                i += 1;
                // Before attribute value state.
                while s.get(i).is_some_and(|c| is_space(*c)) {
                    i += 1;
                }
                let mut raw = String::new();
                match s.get(i).copied() {
                    Some(q @ ('"' | '\'')) => {
                        i += 1;
                        loop {
                            match s.get(i).copied() {
                                None => {
                                    tag.at_eof = true;
                                    tag.attrs.push((name, decode_attribute(&raw)));
                                    return (tag, i);
                                }
                                Some(c) if c == q => {
                                    i += 1;
                                    break;
                                }
                                Some(c) => {
                                    raw.push(if c == '\0' { '\u{fffd}' } else { c });
                                    i += 1;
                                }
                            }
                        }
                        // After attribute value (quoted): anything but space,
                        // `/` or `>` starts the next attribute at once.
                    }
                    Some('>') => {
                        tag.attrs.push((name, Ok(String::new())));
                        return (tag, i + 1);
                    }
                    _ => {
                        while let Some(c) = s.get(i).copied() {
                            if is_space(c) || c == '>' {
                                break;
                            }
                            raw.push(if c == '\0' { '\u{fffd}' } else { c });
                            i += 1;
                        }
                    }
                }
                tag.attrs.push((name, decode_attribute(&raw)));
            }
        }
    }
}

/// Named references this reader decodes, and whether each may appear
/// without its `;` (a "legacy" name).
const NAMED: &[(&str, char, bool)] = &[
    ("amp", '&', true),
    ("AMP", '&', true),
    ("lt", '<', true),
    ("LT", '<', true),
    ("gt", '>', true),
    ("GT", '>', true),
    ("quot", '"', true),
    ("QUOT", '"', true),
    ("nbsp", '\u{a0}', true),
    ("apos", '\'', false),
    ("colon", ':', false),
    ("Tab", '\t', false),
    ("NewLine", '\n', false),
];

/// Windows-1252 for numeric references to C1 controls.
const C1: &[(u32, char)] = &[
    (0x80, '€'),
    (0x82, '‚'),
    (0x83, 'ƒ'),
    (0x84, '„'),
    (0x85, '…'),
    (0x86, '†'),
    (0x87, '‡'),
    (0x88, 'ˆ'),
    (0x89, '‰'),
    (0x8A, 'Š'),
    (0x8B, '‹'),
    (0x8C, 'Œ'),
    (0x8E, 'Ž'),
    (0x91, '‘'),
    (0x92, '’'),
    (0x93, '“'),
    (0x94, '”'),
    (0x95, '•'),
    (0x96, '–'),
    (0x97, '—'),
    (0x98, '˜'),
    (0x99, '™'),
    (0x9A, 'š'),
    (0x9B, '›'),
    (0x9C, 'œ'),
    (0x9E, 'ž'),
    (0x9F, 'Ÿ'),
];

/// An attribute value with its character references decoded as in the HTML
/// standard's attribute rules; `Err(raw)` if it holds a named reference not
/// in [`NAMED`] (which rendered HTML never needs).
fn decode_attribute(raw: &str) -> Result<String, String> {
    let s: Vec<char> = raw.chars().collect();
    let mut out = String::with_capacity(raw.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] != '&' {
            out.push(s[i]);
            i += 1;
            continue;
        }
        if s.get(i + 1) == Some(&'#') {
            let hex = matches!(s.get(i + 2), Some('x' | 'X'));
            let start = i + 2 + usize::from(hex);
            let radix = if hex { 16 } else { 10 };
            let mut j = start;
            let mut n: u32 = 0;
            while let Some(d) = s.get(j).and_then(|c| c.to_digit(radix)) {
                n = n.saturating_mul(radix).saturating_add(d);
                j += 1;
            }
            if j == start {
                // No digits: the characters stay as they are.
                out.push('&');
                i += 1;
                continue;
            }
            if s.get(j) == Some(&';') {
                j += 1;
            }
            let c = match n {
                0 => '\u{fffd}',
                n if (0xD800..=0xDFFF).contains(&n) || n > 0x10FFFF => '\u{fffd}',
                n => C1
                    .iter()
                    .find(|(k, _)| *k == n)
                    .map_or_else(|| char::from_u32(n).unwrap_or('\u{fffd}'), |(_, c)| *c),
            };
            out.push(c);
            i = j;
            continue;
        }
        let mut j = i + 1;
        while s.get(j).is_some_and(|c| c.is_ascii_alphanumeric()) {
            j += 1;
        }
        if j == i + 1 {
            out.push('&');
            i += 1;
            continue;
        }
        let name: String = s[i + 1..j].iter().collect();
        let semicolon = s.get(j) == Some(&';');
        match NAMED.iter().find(|(n, _, _)| *n == name) {
            Some((_, c, _)) if semicolon => {
                out.push(*c);
                i = j + 1;
            }
            // A legacy name without `;` is decoded unless `=` follows.
            Some((_, c, true)) if s.get(j) != Some(&'=') => {
                out.push(*c);
                i = j;
            }
            Some((_, _, true)) => {
                out.push('&');
                i += 1;
            }
            // A name this reader does not know might be a reference.
            _ => return Err(raw.to_string()),
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------
// A second reader: html5ever

/// Collects the tags html5ever's tokenizer emits.
#[derive(Default)]
struct Html5everTags(std::cell::RefCell<Vec<HtmlTag>>);

impl html5ever::tokenizer::TokenSink for Html5everTags {
    type Handle = ();

    fn process_token(
        &self,
        token: html5ever::tokenizer::Token,
        _line: u64,
    ) -> html5ever::tokenizer::TokenSinkResult<()> {
        use html5ever::tokenizer::{Tag, TagKind, Token};
        if let Token::TagToken(Tag {
            kind, name, attrs, ..
        }) = token
        {
            let end = kind == TagKind::EndTag;
            self.0.borrow_mut().push(HtmlTag {
                end,
                name: name.to_string(),
                attrs: if end {
                    Vec::new()
                } else {
                    attrs
                        .iter()
                        .map(|a| (a.name.local.to_string(), Ok(a.value.to_string())))
                        .collect()
                },
                at_eof: false,
            });
        }
        html5ever::tokenizer::TokenSinkResult::Continue
    }
}

/// The tags html5ever's tokenizer (the one ammonia parses with, and in
/// spirit every browser's) reads in `html`.
pub fn html5ever_tags(html: &str) -> Vec<HtmlTag> {
    use html5ever::buffer_queue::BufferQueue;
    use html5ever::tendril::StrTendril;
    use html5ever::tokenizer::{Tokenizer, TokenizerOpts};
    let input = BufferQueue::default();
    input.push_back(StrTendril::from(html));
    let tokenizer = Tokenizer::new(Html5everTags::default(), TokenizerOpts::default());
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    tokenizer.sink.0.take()
}

/// Panics unless [`tags`] reads the tags of `html` as html5ever does (names,
/// and attribute names and decoded values; a browser keeps the first of
/// repeated attributes). Skipped when [`tags`] refuses the HTML, since
/// [`check_html`] has already failed then.
pub fn same_tags_as_html5ever(html: &str) {
    let Ok(ours) = tags(html) else { return };
    let ours: Vec<HtmlTag> = ours
        .into_iter()
        .filter(|t| !t.at_eof)
        .map(|mut t| {
            if t.end {
                t.attrs.clear();
            }
            let mut seen = Vec::new();
            t.attrs.retain(|(n, _)| {
                let first = !seen.contains(n);
                seen.push(n.clone());
                first
            });
            t
        })
        .collect();
    let theirs = html5ever_tags(html);
    assert_eq!(
        ours.len(),
        theirs.len(),
        "tag count differs in {html:?}:\nours {ours:?}\nhtml5ever {theirs:?}"
    );
    for (a, b) in ours.iter().zip(&theirs) {
        let same = a.end == b.end
            && a.name == b.name
            && a.attrs.len() == b.attrs.len()
            && a.attrs
                .iter()
                .zip(&b.attrs)
                .all(|((an, av), (bn, bv))| an == bn && (av.is_err() || av == bv));
        assert!(
            same,
            "tag read differently in {html:?}:\nours {a:?}\nhtml5ever {b:?}"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_html_check_reads_like_a_browser() {
        for bad in [
            "<script>x</script>",
            "<SCRIPT>",
            "<a href=\"javascript:alert(1)\">",
            "<a href=\"&#106;avascript:alert(1)\">",
            "<a href=\"java&#x09;script&colon;x\">",
            "<a href='  JaVa\nScRiPt:x'>",
            "<a href=javascript:x>",
            "<img/onerror=alert(1)>",
            "<img src=\"x\"/onerror=alert(1)>",
            "<p style=\"color:red\">",
            "<input>",
            "<input type=\"text\" disabled>",
            "<a href=\"&foo;\">",
            "<!-- x -->",
            "<a href=\"data:text/html,x\">",
            "</script>",
        ] {
            assert!(html_problem(bad).is_err(), "{bad}");
        }
        for ok in [
            "<p title=\"<script>alert(1)</script>\">x</p>",
            "<a href=\"https://example.org/?a=1&amp;b=2\">javascript:x</a>",
            "<a href=\"/x:y\">",
            "<a href=\"x.png\" title=\"onclick\">",
            "&lt;script&gt;",
            "<td style=\"text-align: center\">",
            "<input type=\"checkbox\" disabled=\"\">",
            "a < b",
            "<img src=x\"onerror=alert(1)>",
            "<b =onclick=x>",
            "<img/src=x/onerror=alert(1)>",
            "<a href=\"&amp;x\">",
        ] {
            assert_eq!(html_problem(ok), Ok(()), "{ok}");
        }
        let t = tags("<a/href=x\0y title='a &amp b' x=\"&#0;&#x80;&#65\">").unwrap();
        assert_eq!(
            t[0].attrs,
            vec![
                ("href".into(), Ok("x\u{fffd}y".into())),
                ("title".into(), Ok("a & b".into())),
                ("x".into(), Ok("\u{fffd}€A".into())),
            ]
        );
    }
}
