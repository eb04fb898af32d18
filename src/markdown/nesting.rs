//! A cap on how deeply HTML nests before the sanitiser parses it.
//!
//! The sanitiser's HTML parser (html5ever, inside ammonia) walks the stack
//! of open elements for many tags ("is there a `<p>` in button scope?"), so
//! `<div>` × 200,000 costs 200,000² steps: minutes for one lesson. Browsers
//! cap nesting for the same reason. This pass reads the HTML the way the
//! parser's tokenizer does, keeps a model of the open elements, and writes
//! any start tag that would nest deeper than [`MAX_DEPTH`] as text. The
//! parser then never holds more than about that many elements, so each tag
//! costs a bounded number of steps and the whole page is linear.
//!
//! The model never thinks the page shallower than the parser does: it pops
//! an element only when the parser surely closes it (its end tag, with
//! nothing in between that would stop the parser), and keeps anything it
//! is unsure about open. Erring deep only shows an extra tag as text in a
//! page that was already absurdly nested.

use std::borrow::Cow;

/// Deepest nesting kept. Lessons nest a few dozen elements at most.
pub(super) const MAX_DEPTH: usize = 128;

/// How far down the stack an end tag may close elements.
const END_TAG_REACH: usize = 16;

/// Elements with no end tag.
const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr", "keygen", "basefont", "bgsound", "frame", "image",
];

/// Elements whose content the tokenizer reads as text up to their end tag.
const RAW_TEXT: &[&str] = &[
    "script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "noscript",
];

/// Elements an end tag only closes when they are the current node (the
/// parser's adoption agency may move them instead).
const FORMATTING: &[&str] = &[
    "a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong", "tt", "u",
];

/// Elements a start tag of their own name closes when they are the current
/// node (`<p>a<p>b`, `<li>a<li>b`).
const SELF_CLOSING_SIBLINGS: &[&str] = &[
    "p", "li", "dd", "dt", "option", "optgroup", "tr", "td", "th", "rb", "rp", "rt", "rtc",
];

/// Elements that may sit between an end tag and its element and still let
/// the end tag close both: those with implied end tags, and ordinary
/// phrasing elements the parser passes over.
const PASSABLE: &[&str] = &[
    "p", "li", "dd", "dt", "option", "optgroup", "rb", "rp", "rt", "rtc", "span", "abbr", "cite",
    "data", "dfn", "kbd", "mark", "q", "samp", "sub", "sup", "time", "var", "ins", "del", "bdi",
    "bdo", "label", "output",
];

/// `html` with start tags beyond [`MAX_DEPTH`] written as text.
pub(super) fn limit_nesting(html: &str) -> Cow<'_, str> {
    let bytes = html.as_bytes();
    let mut stack: Vec<String> = Vec::new();
    // Byte ranges of tags to write as text.
    let mut escaped: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while let Some(offset) = memchr(b'<', &bytes[i..]) {
        let start = i + offset;
        let rest = &bytes[start + 1..];
        if rest.first().is_some_and(u8::is_ascii_alphabetic) {
            let tag = read_tag(bytes, start + 1);
            i = tag.end;
            if !tag.complete {
                break; // the parser drops a tag cut off by the end
            }
            let name = tag.name.as_str();
            if VOID.contains(&name) {
                continue;
            }
            if SELF_CLOSING_SIBLINGS.contains(&name) && stack.last().is_some_and(|t| t == name) {
                stack.pop();
            }
            if stack.len() >= MAX_DEPTH {
                escaped.push((start, tag.end));
                continue;
            }
            if name == "plaintext" {
                break; // everything after is text
            }
            // Raw text, except inside SVG or MathML, where these are
            // ordinary elements whose content is read as markup.
            let foreign = stack.iter().any(|t| t == "svg" || t == "math");
            if RAW_TEXT.contains(&name) && !foreign {
                i = raw_text_end(bytes, tag.end, name);
                continue;
            }
            stack.push(tag.name);
        } else if rest.first() == Some(&b'/') && rest.get(1).is_some_and(u8::is_ascii_alphabetic) {
            let tag = read_tag(bytes, start + 2);
            i = tag.end;
            if !tag.complete {
                break;
            }
            close(&mut stack, &tag.name);
        } else if rest.starts_with(b"!--") {
            i = comment_end(bytes, start + 4);
        } else if rest
            .first()
            .is_some_and(|b| matches!(b, b'!' | b'?' | b'/'))
        {
            // A bogus comment (or `</>`) runs to the next `>`.
            i = memchr(b'>', &bytes[start + 1..]).map_or(bytes.len(), |p| start + 2 + p);
        } else {
            i = start + 1;
        }
    }
    if escaped.is_empty() {
        return Cow::Borrowed(html);
    }
    let mut out = String::with_capacity(html.len() + escaped.len() * 8);
    let mut from = 0;
    for (start, end) in escaped {
        out.push_str(&html[from..start]);
        for c in html[start..end].chars() {
            match c {
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                c => out.push(c),
            }
        }
        from = end;
    }
    out.push_str(&html[from..]);
    Cow::Owned(out)
}

/// An end tag closes its element when the parser surely would: near the
/// top of the stack, with only passable elements above it (a formatting
/// element only as the current node).
fn close(stack: &mut Vec<String>, name: &str) {
    let reach = stack.len().saturating_sub(END_TAG_REACH);
    for at in (reach..stack.len()).rev() {
        if stack[at] == name {
            if FORMATTING.contains(&name) && at + 1 != stack.len() {
                return;
            }
            stack.truncate(at);
            return;
        }
        if !PASSABLE.contains(&stack[at].as_str()) {
            return;
        }
    }
}

struct Tag {
    /// The tag's name, lowercase.
    name: String,
    /// Just past the tag's `>` (or the end of the input).
    end: usize,
    /// Whether a `>` ended it.
    complete: bool,
}

/// Reads a tag whose name starts at `from`, the way the tokenizer does:
/// attribute values in quotes may hold `>`, quotes elsewhere do not quote.
fn read_tag(bytes: &[u8], from: usize) -> Tag {
    #[derive(PartialEq)]
    enum S {
        Name,
        BeforeAttr,
        AttrName,
        AfterAttrName,
        BeforeValue,
        Quoted(u8),
        AfterQuoted,
        Unquoted,
    }
    let mut name = String::new();
    let mut state = S::Name;
    let mut i = from;
    while i < bytes.len() {
        let b = bytes[i];
        i += 1;
        let space = matches!(b, b'\t' | b'\n' | b'\x0c' | b'\r' | b' ');
        state = match state {
            S::Name => match b {
                b'>' => return done(name, i),
                b'/' => S::BeforeAttr,
                _ if space => S::BeforeAttr,
                _ => {
                    name.push(b.to_ascii_lowercase() as char);
                    S::Name
                }
            },
            S::BeforeAttr | S::AfterQuoted => match b {
                b'>' => return done(name, i),
                b'/' => S::BeforeAttr,
                _ if space => S::BeforeAttr,
                _ => S::AttrName,
            },
            S::AttrName => match b {
                b'>' => return done(name, i),
                b'/' => S::BeforeAttr,
                b'=' => S::BeforeValue,
                _ if space => S::AfterAttrName,
                _ => S::AttrName,
            },
            S::AfterAttrName => match b {
                b'>' => return done(name, i),
                b'/' => S::BeforeAttr,
                b'=' => S::BeforeValue,
                _ if space => S::AfterAttrName,
                _ => S::AttrName,
            },
            S::BeforeValue => match b {
                b'>' => return done(name, i),
                b'"' | b'\'' => S::Quoted(b),
                _ if space => S::BeforeValue,
                _ => S::Unquoted,
            },
            S::Quoted(q) => {
                if b == q {
                    S::AfterQuoted
                } else {
                    S::Quoted(q)
                }
            }
            S::Unquoted => match b {
                b'>' => return done(name, i),
                _ if space => S::BeforeAttr,
                _ => S::Unquoted,
            },
        };
    }
    Tag {
        name,
        end: bytes.len(),
        complete: false,
    }
}

fn done(name: String, end: usize) -> Tag {
    Tag {
        name,
        end,
        complete: true,
    }
}

/// Just past a comment that starts at `from` (after `<!--`).
fn comment_end(bytes: &[u8], from: usize) -> usize {
    let rest = &bytes[from.min(bytes.len())..];
    if rest.starts_with(b">") {
        return from + 1;
    }
    if rest.starts_with(b"->") {
        return from + 2;
    }
    let mut i = from;
    while let Some(p) = memchr(b'-', &bytes[i..]) {
        let at = i + p;
        let after = &bytes[at..];
        if after.starts_with(b"-->") {
            return at + 3;
        }
        if after.starts_with(b"--!>") {
            return at + 4;
        }
        i = at + 1;
    }
    bytes.len()
}

/// Just before the end tag of raw text element `name` whose content starts
/// at `from` (the end of the input if there is none).
fn raw_text_end(bytes: &[u8], from: usize, name: &str) -> usize {
    let mut i = from;
    while let Some(p) = memchr(b'<', &bytes[i..]) {
        let at = i + p;
        let after = &bytes[at + 1..];
        let n = name.len();
        if after.first() == Some(&b'/')
            && after.len() > n
            && after[1..=n].eq_ignore_ascii_case(name.as_bytes())
            && after
                .get(n + 1)
                .is_none_or(|b| matches!(b, b'\t' | b'\n' | b'\x0c' | b'\r' | b' ' | b'/' | b'>'))
        {
            return at;
        }
        i = at + 1;
    }
    bytes.len()
}

fn memchr(needle: u8, haystack: &[u8]) -> Option<usize> {
    haystack.iter().position(|&b| b == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_html_is_left_alone() {
        let html = "<div class=\"a>b\"><p>One<p>Two</div><ul><li>x<li>y</ul><br><img src=x>";
        assert!(matches!(limit_nesting(html), Cow::Borrowed(_)));
        let deep = "<div>".repeat(MAX_DEPTH) + &"</div>".repeat(MAX_DEPTH);
        assert!(matches!(limit_nesting(&deep), Cow::Borrowed(_)));
        // Closed elements never count, however many there are.
        let many = "<div><span>x</span></div>".repeat(10_000);
        assert!(matches!(limit_nesting(&many), Cow::Borrowed(_)));
    }

    #[test]
    fn tags_beyond_the_cap_become_text() {
        let html = "<div>".repeat(MAX_DEPTH + 2);
        let out = limit_nesting(&html);
        assert_eq!(out.matches("<div>").count(), MAX_DEPTH);
        assert_eq!(out.matches("&lt;div&gt;").count(), 2);
    }

    #[test]
    fn a_tag_hidden_in_an_escaped_tag_is_escaped_with_it() {
        let html = "<div>".repeat(MAX_DEPTH) + "<div title=\"<div>\">";
        let out = limit_nesting(&html);
        assert_eq!(out.matches("<div").count(), MAX_DEPTH, "{out}");
    }

    #[test]
    fn end_tags_the_parser_ignores_do_not_make_room() {
        // The parser ignores </div> inside a table and moves <b> with the
        // adoption agency; neither shortens the model's stack.
        for unit in ["<div><table></div></table>", "<b><div></b>"] {
            let html = unit.repeat(MAX_DEPTH * 2);
            let out = limit_nesting(&html);
            assert!(matches!(out, Cow::Owned(_)), "{unit}");
        }
    }

    #[test]
    fn raw_text_and_comments_hold_no_tags() {
        let html = format!(
            "<script>{}</script><!--{}-->",
            "<div>".repeat(1000),
            "<div>".repeat(1000)
        );
        assert!(matches!(limit_nesting(&html), Cow::Borrowed(_)));
        // Inside SVG a <style> is an ordinary element: its tags count.
        let svg = format!("<svg><style>{}", "<div>".repeat(MAX_DEPTH));
        assert!(matches!(limit_nesting(&svg), Cow::Owned(_)));
    }
}
