//! Author HTML that would swallow the rest of a page. A tag left open
//! (`<div title="`), a comment never closed (`<!--`), or an element whose
//! content a browser reads as text up to its end tag (`<script>`, `<style>`,
//! `<textarea>`, `<title>`, …) or hides (`<template>`) would take every
//! later paragraph and heading of the page with it, markup the renderer
//! wrote included. So the HTML an author writes in one markdown block is
//! followed the way a browser's tokenizer reads it, and whatever is still
//! open at the end of the block is closed there (which is also where the
//! search text, `text.rs`, stops leaving such content out).

use pulldown_cmark::{CowStr, TagEnd};

/// Elements whose content the tokenizer reads as text up to their end tag.
const RAW_TEXT: &[&str] = &[
    "script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "noscript",
];

/// Where the tokenizer is, as in the HTML standard's tokenization states.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum State {
    #[default]
    Data,
    TagName,
    BeforeAttributeName,
    AttributeName,
    AfterAttributeName,
    BeforeAttributeValue,
    Quoted(char),
    AfterQuoted,
    Unquoted,
    SelfClosing,
    Comment,
    BogusComment,
    RawText(&'static str),
}

/// The state author HTML has left the page in.
#[derive(Debug, Default)]
pub(crate) struct Unclosed {
    state: State,
    /// The tag being read: an end tag? its name (lowercase).
    end_tag: bool,
    name: String,
    /// `<template>` elements open.
    templates: usize,
}

impl Unclosed {
    /// Follows one piece of author HTML. `<plaintext>`, which nothing ends,
    /// is shown as text.
    pub(super) fn scan<'a>(&mut self, html: CowStr<'a>) -> CowStr<'a> {
        let mut plaintext = Vec::new();
        let mut chars = html.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            let rest = &html[i + c.len_utf8()..];
            // Characters to skip after this one.
            let mut skip = 0;
            match self.state {
                State::Data => {
                    if c != '<' {
                        continue;
                    }
                    if rest.starts_with(|c: char| c.is_ascii_alphabetic()) {
                        if tag_name(rest, &["plaintext"]).is_some() {
                            plaintext.push(i);
                        } else {
                            self.start(false);
                        }
                    } else if let Some(after) = rest.strip_prefix('/') {
                        if after.starts_with(|c: char| c.is_ascii_alphabetic()) {
                            self.start(true);
                            skip = 1;
                        } else if after.starts_with('>') {
                            skip = 2;
                        } else {
                            self.state = State::BogusComment;
                        }
                    } else if let Some(after) = rest.strip_prefix("!--") {
                        // `<!-->` and `<!--->` are whole (empty) comments.
                        skip = if after.starts_with('>') {
                            4
                        } else if after.starts_with("->") {
                            5
                        } else {
                            self.state = State::Comment;
                            3
                        };
                    } else if rest.starts_with(['!', '?']) {
                        self.state = State::BogusComment;
                    }
                }
                State::TagName => match c {
                    '>' => self.tag_done(),
                    '/' => self.state = State::SelfClosing,
                    c if is_space(c) => self.state = State::BeforeAttributeName,
                    c => self.name.extend(c.to_lowercase()),
                },
                State::BeforeAttributeName => match c {
                    '>' => self.tag_done(),
                    '/' => self.state = State::SelfClosing,
                    c if is_space(c) => {}
                    _ => self.state = State::AttributeName,
                },
                State::AttributeName => match c {
                    '>' => self.tag_done(),
                    '/' => self.state = State::SelfClosing,
                    '=' => self.state = State::BeforeAttributeValue,
                    c if is_space(c) => self.state = State::AfterAttributeName,
                    _ => {}
                },
                State::AfterAttributeName => match c {
                    '>' => self.tag_done(),
                    '/' => self.state = State::SelfClosing,
                    '=' => self.state = State::BeforeAttributeValue,
                    c if is_space(c) => {}
                    _ => self.state = State::AttributeName,
                },
                State::BeforeAttributeValue => match c {
                    '>' => self.tag_done(),
                    '"' | '\'' => self.state = State::Quoted(c),
                    c if is_space(c) => {}
                    _ => self.state = State::Unquoted,
                },
                State::Quoted(q) => {
                    if c == q {
                        self.state = State::AfterQuoted;
                    }
                }
                State::AfterQuoted => match c {
                    '>' => self.tag_done(),
                    '/' => self.state = State::SelfClosing,
                    c if is_space(c) => self.state = State::BeforeAttributeName,
                    _ => self.state = State::AttributeName,
                },
                State::Unquoted => match c {
                    '>' => self.tag_done(),
                    c if is_space(c) => self.state = State::BeforeAttributeName,
                    _ => {}
                },
                State::SelfClosing => match c {
                    '>' => self.tag_done(),
                    '/' => {}
                    c if is_space(c) => self.state = State::BeforeAttributeName,
                    _ => self.state = State::AttributeName,
                },
                State::Comment => {
                    if c == '-' && rest.starts_with("->") {
                        self.state = State::Data;
                        skip = 2;
                    } else if c == '-' && rest.starts_with("-!>") {
                        self.state = State::Data;
                        skip = 3;
                    }
                }
                State::BogusComment => {
                    if c == '>' {
                        self.state = State::Data;
                    }
                }
                State::RawText(name) => {
                    if c == '<' {
                        if let Some(n) = rest.strip_prefix('/').and_then(|r| tag_name(r, &[name])) {
                            self.end_tag = true;
                            self.name.clear();
                            self.name.push_str(n);
                            self.state = State::TagName;
                            skip = 1 + n.len();
                        }
                    }
                }
            }
            for _ in 0..skip {
                chars.next();
            }
        }
        if plaintext.is_empty() {
            return html;
        }
        let mut out = String::with_capacity(html.len() + 3 * plaintext.len());
        let mut from = 0;
        for i in plaintext {
            out.push_str(&html[from..i]);
            out.push_str("&lt;");
            from = i + 1;
        }
        out.push_str(&html[from..]);
        out.into()
    }

    fn start(&mut self, end_tag: bool) {
        self.state = State::TagName;
        self.end_tag = end_tag;
        self.name.clear();
    }

    /// A tag has been read to its `>`.
    fn tag_done(&mut self) {
        self.state = State::Data;
        if self.end_tag {
            if self.name == "template" {
                self.templates = self.templates.saturating_sub(1);
            }
        } else if let Some(raw) = RAW_TEXT.iter().find(|n| **n == self.name) {
            self.state = State::RawText(raw);
        } else if self.name == "template" {
            self.templates += 1;
        }
    }

    /// HTML to insert before `end` that closes what is open, if `end` ends a
    /// block.
    pub(super) fn close_at(&mut self, end: &TagEnd) -> Option<String> {
        let inline = super::text::is_inline(end);
        if inline || (self.state == State::Data && self.templates == 0) {
            return None;
        }
        let mut html = String::new();
        match self.state {
            State::Data | State::RawText(_) => {}
            State::Comment => {
                html.push_str("-->");
                self.state = State::Data;
            }
            State::BogusComment => {
                html.push('>');
                self.state = State::Data;
            }
            State::Quoted(q) => {
                html.push(q);
                html.push('>');
                self.tag_done();
            }
            _ => {
                html.push('>');
                self.tag_done();
            }
        }
        if let State::RawText(name) = self.state {
            // `-->` first: inside `<script><!--<script>` only it leads back
            // to where `</script>` ends the element.
            if name == "script" {
                html.push_str("-->");
            }
            html.push_str("</");
            html.push_str(name);
            html.push('>');
            self.state = State::Data;
        }
        for _ in 0..std::mem::take(&mut self.templates) {
            html.push_str("</template>");
        }
        Some(html)
    }
}

fn is_space(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\u{c}' | '\r' | ' ')
}

/// The name in `names` that `s` starts with as a tag name (any case, then a
/// space, `/`, `>` or the end).
fn tag_name(s: &str, names: &[&'static str]) -> Option<&'static str> {
    names.iter().copied().find(|name| {
        s.get(..name.len())
            .is_some_and(|start| start.eq_ignore_ascii_case(name))
            && s[name.len()..]
                .chars()
                .next()
                .is_none_or(|c| is_space(c) || matches!(c, '/' | '>'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn closes(pieces: &[&str]) -> String {
        let mut u = Unclosed::default();
        for p in pieces {
            u.scan(CowStr::Borrowed(p));
        }
        u.close_at(&TagEnd::Paragraph).unwrap_or_default()
    }

    #[test]
    fn what_is_open_is_closed_at_the_block_end() {
        assert_eq!(closes(&["<script>"]), "--></script>");
        assert_eq!(closes(&["<script>", "</script>"]), "");
        assert_eq!(closes(&["<STYLE media=x>", "<b>", "</Style >"]), "");
        assert_eq!(closes(&["<textarea>", "<script>"]), "</textarea>");
        assert_eq!(closes(&["<template>", "<title>"]), "</title></template>");
        assert_eq!(closes(&["<scripts>", "<b>"]), "");
        assert_eq!(closes(&["<template><template></template>"]), "</template>");
        assert_eq!(closes(&["<p\n"]), ">");
        assert_eq!(closes(&["<div title=\"a>b\n"]), "\">");
        assert_eq!(closes(&["<div title=\"a\">b\n"]), "");
        assert_eq!(closes(&["<a b\"c>"]), "");
        assert_eq!(closes(&["<a =\"c>"]), "");
        assert_eq!(closes(&["<!-- a\n", "b -> c\n"]), "-->");
        assert_eq!(closes(&["<!-->", "<!--->", "<!-- a --!>", "</>"]), "");
        assert_eq!(closes(&["<!DOCTYPE x"]), ">");
        assert_eq!(closes(&["<title"]), "></title>");
        assert_eq!(closes(&["a < b </ c"]), ">");
    }

    #[test]
    fn plaintext_is_shown_as_text() {
        let mut u = Unclosed::default();
        assert_eq!(&*u.scan("a <PlainText> b".into()), "a &lt;PlainText> b");
        assert_eq!(
            &*u.scan("<script><plaintext>".into()),
            "<script><plaintext>"
        );
    }
}
