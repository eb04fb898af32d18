//! Links and images in a markdown text, found with pulldown-cmark and
//! rewritten by byte range: everything outside a destination stays byte for
//! byte as the author wrote it. One parse, one pass over the events and one
//! copy of the text, so the work grows with the text's length.

use std::collections::HashSet;
use std::ops::Range;

use pulldown_cmark::{Event, LinkType, Parser, Tag, TagEnd};

/// What a reference points at, as far as the rewriting cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Link,
    Image,
}

/// What to do with one destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Action {
    /// Leave it as written.
    Keep,
    /// Write this destination instead.
    Replace(String),
    /// Keep the link's text (an image's description) and drop the link.
    Unlink,
}

/// A text with its links rewritten, and the relative addresses found in raw
/// HTML (which the rewriting does not touch), with their byte offsets.
#[derive(Debug)]
pub(crate) struct Rewritten {
    pub text: String,
    pub html_refs: Vec<(usize, String)>,
}

/// Rewrites the destinations of `text`'s links, images and reference
/// definitions. `decide(destination, kind, offset)` is asked once per inline
/// link or image and once per reference definition (`offset`: where it
/// starts in `text`); uses of a definition follow what was decided for it.
pub(crate) fn rewrite(
    text: &str,
    decide: &mut dyn FnMut(&str, Kind, usize) -> Action,
) -> Rewritten {
    let parser = Parser::new_ext(text, crate::markdown::parser_options()).into_offset_iter();
    let mut edits: Vec<(Range<usize>, String)> = Vec::new();

    // Reference definitions first: one decision serves every use.
    let mut defs: Vec<(Range<usize>, String)> = parser
        .reference_definitions()
        .iter()
        .map(|(_, def)| (def.span.clone(), def.dest.to_string()))
        .collect();
    defs.sort_by_key(|(span, _)| span.start);
    let mut dropped: HashSet<String> = HashSet::new();
    for (span, dest) in defs {
        match decide(&dest, Kind::Link, span.start) {
            Action::Keep => {}
            Action::Replace(new) => {
                let after_label = text[span.clone()].find("]:").map(|i| span.start + i + 2);
                if let Some(range) = after_label.and_then(|at| destination_at(text, at, span.end)) {
                    edits.push((range.clone(), written(&new, text, &range)));
                }
            }
            Action::Unlink => {
                edits.push((span, String::new()));
                dropped.insert(dest);
            }
        }
    }

    let mut open: Vec<Open> = Vec::new();
    let mut html_refs = Vec::new();
    for (event, range) in parser {
        match event {
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                ..
            }) => open.push(Open::new(range, Kind::Link, link_type, &dest_url)),
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                ..
            }) => open.push(Open::new(range, Kind::Image, link_type, &dest_url)),
            Event::End(TagEnd::Link) | Event::End(TagEnd::Image) => {
                let Some(o) = open.pop() else { continue };
                if let Some(parent) = open.last_mut() {
                    parent.text_end = parent.text_end.max(o.range.end);
                }
                let opening = if o.kind == Kind::Image { 2 } else { 1 };
                // The `]` closing the text: the first one after the text's events.
                let Some(close) = text[o.text_end..o.range.end]
                    .find(']')
                    .map(|i| o.text_end + i)
                else {
                    continue;
                };
                let unlink = |edits: &mut Vec<(Range<usize>, String)>| {
                    edits.push((o.range.start..o.range.start + opening, String::new()));
                    edits.push((close..o.range.end, String::new()));
                };
                match o.link_type {
                    LinkType::Inline => match decide(&o.dest, o.kind, o.range.start) {
                        Action::Keep => {}
                        Action::Replace(new) => {
                            let at = close + 1;
                            if text[at..o.range.end].starts_with('(') {
                                if let Some(range) = destination_at(text, at + 1, o.range.end) {
                                    edits.push((range.clone(), written(&new, text, &range)));
                                }
                            }
                        }
                        Action::Unlink => unlink(&mut edits),
                    },
                    LinkType::Reference | LinkType::Collapsed | LinkType::Shortcut
                        if dropped.contains(&o.dest) =>
                    {
                        unlink(&mut edits)
                    }
                    _ => {}
                }
            }
            Event::Html(html) | Event::InlineHtml(html) => {
                note_event(&mut open, &range);
                for (at, value) in html_addresses(&html) {
                    html_refs.push((range.start + at, value));
                }
            }
            _ => note_event(&mut open, &range),
        }
    }

    Rewritten {
        text: apply(text, edits),
        html_refs,
    }
}

/// A link or image whose end has not been reached, with the end of its text
/// so far.
struct Open {
    range: Range<usize>,
    kind: Kind,
    link_type: LinkType,
    dest: String,
    text_end: usize,
}

impl Open {
    fn new(range: Range<usize>, kind: Kind, link_type: LinkType, dest: &str) -> Open {
        let opening = if kind == Kind::Image { 2 } else { 1 };
        Open {
            text_end: range.start + opening,
            range,
            kind,
            link_type,
            dest: dest.to_string(),
        }
    }
}

/// An event inside an open link extends the link's text.
fn note_event(open: &mut [Open], range: &Range<usize>) {
    if let Some(top) = open.last_mut() {
        top.text_end = top.text_end.max(range.end);
    }
}

/// The range of the destination that starts at or after `at` (spaces and one
/// line break may come first): `<…>` inside its brackets, or a bare run of
/// characters up to a space or an unbalanced `)`.
fn destination_at(text: &str, at: usize, end: usize) -> Option<Range<usize>> {
    let bytes = text.as_bytes();
    let mut i = at;
    while i < end && matches!(bytes[i], b' ' | b'\t' | b'\n' | b'\r') {
        i += 1;
    }
    if i < end && bytes[i] == b'<' {
        let close = text[i + 1..end].find('>')? + i + 1;
        return Some(i + 1..close);
    }
    let start = i;
    let mut depth = 0usize;
    while i < end {
        match bytes[i] {
            b'\\' => i += 1,
            b'(' => depth += 1,
            b')' if depth == 0 => break,
            b')' => depth -= 1,
            b' ' | b'\t' | b'\n' | b'\r' => break,
            _ => {}
        }
        i += 1;
    }
    (i > start).then_some(start..i.min(end))
}

/// `new` as it must be written where `range` was: a bare destination with a
/// space or parenthesis in it goes between angle brackets.
fn written(new: &str, text: &str, range: &Range<usize>) -> String {
    let bracketed = range.start > 0 && text.as_bytes()[range.start - 1] == b'<';
    if !bracketed && new.contains([' ', '(', ')', '<', '>']) {
        format!("<{new}>")
    } else {
        new.to_string()
    }
}

/// Relative `src` and `href` values in a piece of raw HTML, with their offsets.
fn html_addresses(html: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    let lower = html.to_ascii_lowercase();
    for attr in ["src=", "href="] {
        let mut from = 0;
        while let Some(i) = lower[from..].find(attr) {
            let at = from + i + attr.len();
            from = at;
            let Some(quote) = html[at..]
                .chars()
                .next()
                .filter(|c| *c == '"' || *c == '\'')
            else {
                continue;
            };
            let Some(len) = html[at + 1..].find(quote) else {
                continue;
            };
            let value = &html[at + 1..at + 1 + len];
            if super::is_relative(value) {
                found.push((at + 1, value.to_string()));
            }
        }
    }
    found.sort();
    found
}

/// Applies non-overlapping edits, sorted here by position; an edit that
/// overlaps an earlier one is skipped (it cannot happen for the edits made
/// above, whose ranges are disjoint by construction).
fn apply(text: &str, mut edits: Vec<(Range<usize>, String)>) -> String {
    edits.sort_by_key(|(r, _)| (r.start, r.end));
    let mut out = String::with_capacity(text.len() + 64);
    let mut at = 0;
    for (range, new) in edits {
        if range.start < at {
            continue;
        }
        out.push_str(&text[at..range.start]);
        out.push_str(&new);
        at = range.end;
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rewrites `a.md` to `01-a.md`, drops `gone.md` and keeps the rest,
    /// recording what was asked.
    fn run(text: &str) -> (String, Vec<(String, Kind, usize)>) {
        let mut asked = Vec::new();
        let out = rewrite(text, &mut |dest, kind, at| {
            asked.push((dest.to_string(), kind, at));
            match dest {
                "a.md" | "a.md#x" => Action::Replace(dest.replace("a.md", "01-a.md")),
                "pic.png" => Action::Replace("images/pic one.png".into()),
                "gone.md" => Action::Unlink,
                _ => Action::Keep,
            }
        });
        (out.text, asked)
    }

    #[test]
    fn inline_links_and_images_are_rewritten_in_place() {
        let (text, asked) = run("See [A *b*](a.md#x \"t\") and ![a pic](pic.png).\n");
        assert_eq!(
            text,
            "See [A *b*](01-a.md#x \"t\") and ![a pic](<images/pic one.png>).\n"
        );
        assert_eq!(asked[0], ("a.md#x".to_string(), Kind::Link, 4));
        assert_eq!(asked[1].1, Kind::Image);
    }

    #[test]
    fn everything_else_stays_byte_for_byte() {
        let text = "# T\n\n*  odd   list*\n\n```\n[not](a.md)\n```\n\n`[no](a.md)` [keep](https://x.org/a.md)\n";
        assert_eq!(run(text).0, text);
    }

    #[test]
    fn unlinking_keeps_the_text() {
        assert_eq!(
            run("x [the **gone** one](gone.md) y").0,
            "x the **gone** one y"
        );
        assert_eq!(run("![old](gone.md)").0, "old");
    }

    #[test]
    fn reference_definitions_are_rewritten_once_for_all_uses() {
        let (text, asked) = run("[one][r] and [r] and [two][]\n\n[r]: a.md\n[two]: <a.md>\n");
        assert_eq!(
            text,
            "[one][r] and [r] and [two][]\n\n[r]: 01-a.md\n[two]: <01-a.md>\n"
        );
        assert_eq!(asked.len(), 2, "{asked:?}");
    }

    #[test]
    fn a_dropped_definition_unlinks_its_uses() {
        let (text, _) = run("[one][r] and [r].\n\n[r]: gone.md\n");
        assert_eq!(text.trim_end(), "one and r.");
    }

    #[test]
    fn an_image_inside_a_link_is_rewritten_with_it() {
        let (text, _) = run("[![p](pic.png)](a.md)");
        assert_eq!(text, "[![p](<images/pic one.png>)](01-a.md)");
        let (text, _) = run("[![p](pic.png)](gone.md)");
        assert_eq!(text, "![p](<images/pic one.png>)");
    }

    #[test]
    fn brackets_and_parentheses_inside_destinations_are_handled() {
        let (text, _) = run("[a (b)](<a.md>) [c](a.md) [d \\] e](a.md)");
        assert_eq!(text, "[a (b)](<01-a.md>) [c](01-a.md) [d \\] e](01-a.md)");
    }

    #[test]
    fn relative_addresses_in_raw_html_are_found() {
        let out = rewrite(
            "<img src=\"img/a.png\" alt=x>\n\nText <a href='https://x.org'>x</a>\n",
            &mut |_, _, _| Action::Keep,
        );
        assert_eq!(out.html_refs, vec![(10, "img/a.png".to_string())]);
    }

    #[test]
    fn many_links_take_linear_time() {
        let text = "[x](a.md) ".repeat(20_000);
        let (out, asked) = run(&text);
        assert_eq!(asked.len(), 20_000);
        assert_eq!(out.len(), text.len() + 3 * 20_000);
    }
}
