//! Fenced code blocks: reading the fence's info string (```` ```js
//! title="server.js" hl_lines="2-4" ````) and writing the block's HTML.
//!
//! A block with a language or a title becomes a `<figure>` whose caption names
//! the file and the language in words (so a screen reader announces "server.js,
//! JavaScript code" before the code); highlighted lines are `<mark>`ed. The
//! code sits in a focusable, named box that scrolls sideways, so long lines
//! keep their shape on a phone and the keyboard can still reach them. The
//! copy button is not here: the site's script adds it, and pages are complete
//! without it.

use pulldown_cmark_escape::escape_html;

use super::highlight::highlight_lines;

/// The longest code title kept, in characters.
const MAX_TITLE_CHARS: usize = 200;

/// What a fence's info string says.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Fence {
    /// The language token, restricted to characters safe in a class name.
    pub lang: String,
    /// `title="…"`: shown above the block (escaped when written out).
    pub title: Option<String>,
    /// `hl_lines="…"`: line numbers and ranges, as written.
    pub hl_lines: Option<String>,
}

impl Fence {
    pub(super) fn parse(info: &str) -> Fence {
        let info = info.trim();
        let end = info
            .find(|c: char| c.is_whitespace() || c == ',' || c == '{')
            .unwrap_or(info.len());
        let lang = info[..end]
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+' | '#' | '.'))
            .collect();
        let mut fence = Fence {
            lang,
            ..Fence::default()
        };
        for (key, value) in attributes(&info[end..]) {
            match key.as_str() {
                "title" => {
                    let title: String = value.trim().chars().take(MAX_TITLE_CHARS).collect();
                    fence.title = (!title.is_empty()).then_some(title);
                }
                "hl_lines" => fence.hl_lines = Some(value),
                _ => {}
            }
        }
        fence
    }
}

fn is_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

fn is_separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, ',' | '{' | '}')
}

/// `key="value"`, `key='value'` and `key=value` pairs after the language.
/// Anything else (bare words, stray characters) is skipped.
fn attributes(mut s: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    loop {
        s = s.trim_start_matches(is_separator);
        let Some(first) = s.chars().next() else {
            return out;
        };
        let key_len = s.find(|c: char| !is_key_char(c)).unwrap_or(s.len());
        let Some(value_src) = s[key_len..].strip_prefix('=').filter(|_| key_len > 0) else {
            // Not a pair: skip one word (or one character) and go on.
            let skip = s.find(is_separator).unwrap_or(s.len());
            s = &s[skip.max(first.len_utf8())..];
            continue;
        };
        let key = s[..key_len].to_ascii_lowercase();
        let (value, rest) = match value_src.chars().next() {
            Some(q @ ('"' | '\'')) => quoted(&value_src[1..], q),
            _ => {
                let end = value_src.find(is_separator).unwrap_or(value_src.len());
                (&value_src[..end], &value_src[end..])
            }
        };
        out.push((key, value.to_string()));
        s = rest;
    }
}

/// A quoted value and what follows it. The closing quote is the first one
/// followed by the end or by another `key=`, so a title may itself hold
/// quotes (`title="the "main" file"`); an unclosed value runs to the end.
fn quoted(s: &str, q: char) -> (&str, &str) {
    for (i, c) in s.char_indices() {
        if c == q {
            let after = &s[i + 1..];
            let next = after.trim_start_matches(is_separator);
            let key_len = next.find(|c: char| !is_key_char(c)).unwrap_or(next.len());
            let ends = next.is_empty()
                || (next.len() < after.len() && key_len > 0 && next[key_len..].starts_with('='));
            if ends {
                return (&s[..i], after);
            }
        }
    }
    (s, "")
}

/// Which of `count` lines `spec` marks (`"2-4"`, `"1 3 5-6"`, `"1,3"`).
/// Lines that do not exist, reversed ranges and anything unreadable are
/// ignored; the work is bounded by `count`, whatever the numbers.
fn marked_lines(spec: &str, count: usize) -> Vec<bool> {
    let mut marked = vec![false; count];
    for item in spec.split(|c: char| c.is_whitespace() || c == ',') {
        let (from, to) = match item.split_once('-') {
            Some((a, b)) => (a.trim().parse::<usize>(), b.trim().parse::<usize>()),
            None => (item.trim().parse::<usize>(), item.trim().parse::<usize>()),
        };
        let (Ok(from), Ok(to)) = (from, to) else {
            continue;
        };
        if from == 0 || from > to || from > count {
            continue;
        }
        for m in &mut marked[from - 1..to.min(count)] {
            *m = true;
        }
    }
    marked
}

/// The language's name in words, for the caption (and screen readers).
fn language_name(lang: &str) -> Option<&'static str> {
    Some(match lang.to_ascii_lowercase().as_str() {
        "js" | "javascript" | "mjs" | "cjs" | "node" => "JavaScript",
        "ts" | "typescript" => "TypeScript",
        "jsx" => "JSX",
        "tsx" => "TSX",
        "sh" | "bash" | "shell" | "zsh" => "Shell",
        "console" | "terminal" => "Terminal",
        "ps1" | "powershell" => "PowerShell",
        "bat" | "cmd" => "Windows command prompt",
        "py" | "python" => "Python",
        "rs" | "rust" => "Rust",
        "rb" | "ruby" => "Ruby",
        "go" | "golang" => "Go",
        "java" => "Java",
        "kt" | "kotlin" => "Kotlin",
        "swift" => "Swift",
        "c" => "C",
        "cpp" | "c++" => "C++",
        "cs" | "csharp" | "c#" => "C#",
        "php" => "PHP",
        "html" => "HTML",
        "css" => "CSS",
        "scss" => "SCSS",
        "json" | "jsonc" => "JSON",
        "yaml" | "yml" => "YAML",
        "toml" => "TOML",
        "xml" => "XML",
        "sql" => "SQL",
        "md" | "markdown" => "Markdown",
        "diff" | "patch" => "Diff",
        "dockerfile" | "docker" => "Dockerfile",
        "http" => "HTTP",
        "ini" => "INI",
        "text" | "txt" | "plain" | "plaintext" => "Plain text",
        _ => return None,
    })
}

fn escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    // Writing to a String cannot fail.
    let _ = escape_html(&mut out, text);
    out
}

/// The HTML of a code block: caption, highlighted (or escaped) lines, marks.
pub(crate) fn code_block(fence: &Fence, text: &str) -> String {
    let lang = fence.lang.as_str();
    let lines: Vec<String> = (!lang.is_empty())
        .then(|| highlight_lines(text, lang))
        .flatten()
        .unwrap_or_else(|| text.split_inclusive('\n').map(escaped).collect());
    let marked = fence
        .hl_lines
        .as_deref()
        .map(|spec| marked_lines(spec, lines.len()))
        .unwrap_or_default();

    let mut out = String::with_capacity(text.len() * 3 + 300);
    let captioned = fence.title.is_some() || !lang.is_empty();
    let language = (!lang.is_empty()).then(|| language_name(lang).unwrap_or(lang));
    if captioned {
        out.push_str("<figure class=\"code-block\"><figcaption class=\"code-head\">");
        if let Some(title) = &fence.title {
            out.push_str("<span class=\"code-title\">");
            out.push_str(&escaped(title));
            out.push_str("</span> ");
        }
        if let Some(language) = language {
            out.push_str("<span class=\"code-lang\">");
            out.push_str(&escaped(language));
            out.push_str("<span class=\"visually-hidden\"> code</span></span>");
        }
        out.push_str("</figcaption>");
    } else {
        out.push_str("<div class=\"code-block\">");
    }
    // The box that scrolls sideways: focusable, so the keyboard can scroll
    // it, and named, so that focus lands on something a screen reader can
    // announce.
    out.push_str("<div class=\"code-scroll\" role=\"group\" tabindex=\"0\" aria-label=\"");
    out.push_str(&escaped(&scroll_label(fence.title.as_deref(), language)));
    out.push_str("\">");
    out.push_str("<pre class=\"code\"");
    if !lang.is_empty() {
        out.push_str(" data-lang=\"");
        out.push_str(&escaped(lang));
        out.push_str("\"><code class=\"language-");
        out.push_str(&escaped(lang));
        out.push_str("\">");
    } else {
        out.push_str("><code>");
    }
    for (i, line) in lines.iter().enumerate() {
        if marked.get(i).copied().unwrap_or(false) {
            out.push_str("<mark class=\"code-hl\">");
            out.push_str(line);
            out.push_str("</mark>");
        } else {
            out.push_str(line);
        }
    }
    out.push_str("</code></pre></div>");
    out.push_str(if captioned { "</figure>\n" } else { "</div>\n" });
    out
}

/// The name of a code block's scrolling box: its file name and language
/// when it has them (`server.js, JavaScript code`), else `Code`.
fn scroll_label(title: Option<&str>, language: Option<&str>) -> String {
    match (title, language) {
        (Some(t), Some(l)) => format!("{t}, {l} code"),
        (Some(t), None) => format!("{t}, code"),
        (None, Some(l)) => format!("{l} code"),
        (None, None) => "Code".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn info_string_gives_language_title_and_lines() {
        let f = Fence::parse(r#"js title="server.js" hl_lines="2-4""#);
        assert_eq!(f.lang, "js");
        assert_eq!(f.title.as_deref(), Some("server.js"));
        assert_eq!(f.hl_lines.as_deref(), Some("2-4"));
        let f = Fence::parse("rust,hl_lines=3 title='a b'");
        assert_eq!(
            (f.lang.as_str(), f.title.as_deref(), f.hl_lines.as_deref()),
            ("rust", Some("a b"), Some("3"))
        );
        assert_eq!(Fence::parse("").lang, "");
        assert_eq!(
            Fence::parse(r#"{title="x.py"}"#).title.as_deref(),
            Some("x.py")
        );
    }

    #[test]
    fn a_title_may_hold_quotes_and_markup() {
        let f = Fence::parse(r#"html title="the "main" <b>file</b>" hl_lines="1""#);
        assert_eq!(f.title.as_deref(), Some(r#"the "main" <b>file</b>"#));
        assert_eq!(f.hl_lines.as_deref(), Some("1"));
        let f = Fence::parse(r#"js title="never closed"#);
        assert_eq!(f.title.as_deref(), Some("never closed"));
    }

    #[test]
    fn odd_info_strings_do_not_panic() {
        for info in [
            "=",
            "==x",
            "title=",
            "title=\"",
            "é title=é",
            "{{{",
            "a b c =d",
            "hl_lines=\"-\"",
        ] {
            let _ = Fence::parse(info);
        }
    }

    #[test]
    fn marked_lines_ignore_what_does_not_exist() {
        assert_eq!(marked_lines("2-3", 4), vec![false, true, true, false]);
        assert_eq!(marked_lines("1 4,2", 4), vec![true, true, false, true]);
        assert_eq!(marked_lines("3-99", 4), vec![false, false, true, true]);
        assert_eq!(marked_lines("0 5 9-12 3-2 x -1 2-", 4), vec![false; 4]);
        assert_eq!(marked_lines("1-18446744073709551615", 2), vec![true, true]);
        assert_eq!(marked_lines("99999999999999999999999", 2), vec![false; 2]);
    }

    #[test]
    fn block_has_a_caption_naming_file_and_language() {
        let html = code_block(&Fence::parse(r#"js title="server.js""#), "let a = 1;\n");
        assert!(
            html.starts_with(r#"<figure class="code-block"><figcaption class="code-head"><span class="code-title">server.js</span> <span class="code-lang">JavaScript<span class="visually-hidden"> code</span></span></figcaption><div class="code-scroll" role="group" tabindex="0" aria-label="server.js, JavaScript code"><pre class="code" data-lang="js"><code class="language-js">"#),
            "{html}"
        );
        assert!(html.ends_with("</code></pre></div></figure>\n"));
    }

    #[test]
    fn plain_block_has_no_caption() {
        let html = code_block(&Fence::default(), "a <b>\n");
        assert_eq!(
            html,
            "<div class=\"code-block\"><div class=\"code-scroll\" role=\"group\" tabindex=\"0\" aria-label=\"Code\"><pre class=\"code\"><code>a &lt;b&gt;\n</code></pre></div></div>\n"
        );
    }

    #[test]
    fn marked_lines_are_wrapped_whole() {
        let html = code_block(&Fence::parse("text hl_lines=2"), "one\ntwo\nthree\n");
        assert!(
            html.contains("one\n<mark class=\"code-hl\">two\n</mark>three\n"),
            "{html}"
        );
        let html = code_block(&Fence::parse("js hl_lines=\"2\""), "/* a\nb */\nc\n");
        let mark = &html[html.find("<mark").unwrap()..html.find("</mark>").unwrap()];
        assert_eq!(
            mark.matches("<span").count(),
            mark.matches("</span>").count(),
            "spans balanced inside a marked line: {html}"
        );
    }

    #[test]
    fn the_scrolling_box_is_focusable_and_named_with_escaped_text() {
        let html = code_block(&Fence::parse(r#"rust title="a "b" <c>""#), "x\n");
        assert!(
            html.contains(r#"<div class="code-scroll" role="group" tabindex="0" aria-label="a &quot;b&quot; &lt;c&gt;, Rust code">"#),
            "{html}"
        );
        let html = code_block(&Fence::parse("klingon"), "x\n");
        assert!(html.contains(r#"aria-label="klingon code""#), "{html}");
    }

    #[test]
    fn unknown_language_is_named_as_written() {
        let html = code_block(&Fence::parse("klingon"), "x\n");
        assert!(
            html.contains(r#"<span class="code-lang">klingon<"#),
            "{html}"
        );
    }
}
