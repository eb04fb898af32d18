//! Server-side code highlighting into a few CSS classes (`hl-comment`,
//! `hl-string`, `hl-keyword`, …), so pages carry no inline styles and one
//! stylesheet themes both colour schemes. The syntax set is loaded once per
//! process.
//!
//! Grammars describe text with deep TextMate scope stacks (`source.js
//! meta.function string.quoted.double punctuation.definition.string`), but the
//! stylesheet tells only a dozen kinds of token apart. Each run of text gets
//! the class of its innermost scope that has one, and a span only opens where
//! that class changes: the HTML is a fraction of a span-per-scope rendering,
//! which is most of a lesson's stored size and write time (see issue 7).

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::OnceLock;

use pulldown_cmark_escape::escape_html;
use syntect::parsing::{ParseState, Scope, ScopeStack, SyntaxSet};
use syntect::util::LinesWithEndings;

fn syntaxes() -> &'static SyntaxSet {
    static SET: OnceLock<SyntaxSet> = OnceLock::new();
    SET.get_or_init(SyntaxSet::load_defaults_newlines)
}

/// Languages authors commonly write that the bundled grammars know by another name.
fn grammar_token(lang: &str) -> &str {
    match lang {
        "shell" | "console" | "zsh" => "bash",
        "node" | "javascript" | "mjs" | "cjs" => "js",
        "ts" | "typescript" => "js",
        "jsonc" => "json",
        other => other,
    }
}

/// Scope prefixes and the class they give, most specific first. A scope
/// mapped to `None` (a plain read/write variable) takes the colour of what
/// encloses it.
const CLASSES: &[(&str, Option<&str>)] = &[
    ("comment", Some("hl-comment")),
    ("string", Some("hl-string")),
    ("constant", Some("hl-constant")),
    ("keyword.operator", Some("hl-operator")),
    ("keyword", Some("hl-keyword")),
    ("storage", Some("hl-keyword")),
    ("entity.name.function", Some("hl-function")),
    ("support.function", Some("hl-function")),
    ("variable.function", Some("hl-function")),
    ("entity.name.tag", Some("hl-tag")),
    ("entity.other.attribute-name", Some("hl-attribute-name")),
    ("variable.other.readwrite", None),
    ("variable", Some("hl-variable")),
    ("markup.heading", Some("hl-heading")),
    ("markup.bold", Some("hl-bold")),
    ("markup.italic", Some("hl-italic")),
    ("markup.inserted", Some("hl-inserted")),
    ("markup.deleted", Some("hl-deleted")),
];

/// The class of one scope, if it has one.
fn scope_class(scope: Scope) -> Option<&'static str> {
    thread_local! {
        // Grammars use a few hundred distinct scopes; naming one allocates.
        static SEEN: RefCell<HashMap<Scope, Option<&'static str>>> = RefCell::new(HashMap::new());
    }
    SEEN.with(|seen| {
        *seen.borrow_mut().entry(scope).or_insert_with(|| {
            let name = scope.build_string();
            CLASSES
                .iter()
                .find(|(prefix, _)| {
                    name.strip_prefix(prefix)
                        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
                })
                .and_then(|(_, class)| *class)
        })
    })
}

/// The class of text under `stack`: its innermost scope that has one.
fn stack_class(stack: &ScopeStack) -> Option<&'static str> {
    stack.as_slice().iter().rev().find_map(|s| scope_class(*s))
}

/// Appends `text` to `out`, escaped, inside a span of `class` if any.
fn push_run(out: &mut String, text: &str, class: Option<&str>) {
    if text.is_empty() {
        return;
    }
    if let Some(class) = class {
        out.push_str("<span class=\"");
        out.push_str(class);
        out.push_str("\">");
    }
    // Writing to a String cannot fail.
    let _ = escape_html(&mut *out, text);
    if class.is_some() {
        out.push_str("</span>");
    }
}

/// Highlights `code` as `lang`, one string per line (each with its newline).
/// Spans never cross a line's end, so a line can be wrapped on its own
/// (highlighted lines) and the HTML stays balanced. Adjacent runs of one class
/// share a span. `None` when the language is unknown, so the caller falls
/// back to escaped plain text.
pub fn highlight_lines(code: &str, lang: &str) -> Option<Vec<String>> {
    let set = syntaxes();
    let syntax = set.find_syntax_by_token(grammar_token(&lang.to_ascii_lowercase()))?;
    let mut state = ParseState::new(syntax);
    let mut stack = ScopeStack::new();
    let mut lines = Vec::new();
    for line in LinesWithEndings::from(code) {
        let ops = state.parse_line(line, set).ok()?;
        let mut html = String::with_capacity(line.len() + line.len() / 2);
        // The run being gathered: where it starts and the class of the
        // current stack, which it keeps until an operation changes it.
        let mut run_start = 0;
        let mut run_class = stack_class(&stack);
        for (at, op) in &ops {
            stack.apply(op).ok()?;
            let class = stack_class(&stack);
            if class != run_class {
                let at = (*at).clamp(run_start, line.len());
                push_run(&mut html, &line[run_start..at], run_class);
                run_start = at;
                run_class = class;
            }
        }
        push_run(&mut html, &line[run_start..], run_class);
        lines.push(html);
    }
    Some(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_language_gets_scope_classes() {
        let html = highlight_lines("const x = 1; // note\n", "js")
            .unwrap()
            .concat();
        assert!(html.contains("hl-comment"), "{html}");
        assert!(
            html.contains("hl-storage") || html.contains("hl-keyword"),
            "{html}"
        );
        assert!(!html.contains("style="));
    }

    #[test]
    fn one_class_per_run_and_runs_share_spans() {
        let html = highlight_lines("let s = \"a\\tb\"; // one two three\n", "rust")
            .unwrap()
            .concat();
        assert_eq!(html.matches("hl-comment").count(), 1, "{html}");
        assert!(
            html.contains(r#"<span class="hl-constant">\t</span>"#),
            "{html}"
        );
        for class in html.split("class=\"").skip(1) {
            let class = &class[..class.find('"').unwrap()];
            assert!(class.starts_with("hl-") && !class.contains(' '), "{html}");
        }
    }

    #[test]
    fn unknown_language_is_none() {
        assert!(highlight_lines("x", "no-such-language").is_none());
    }

    #[test]
    fn markup_in_code_is_escaped() {
        let html = highlight_lines("<script>alert(1)</script>\n", "html")
            .unwrap()
            .concat();
        assert!(!html.contains("<script>"), "{html}");
    }

    #[test]
    fn every_line_is_balanced_on_its_own() {
        let code = "/* a comment\nover lines */\nlet s = `multi\nline`;\n";
        let lines = highlight_lines(code, "js").unwrap();
        assert_eq!(lines.len(), 4);
        for line in &lines {
            assert_eq!(
                line.matches("<span").count(),
                line.matches("</span>").count(),
                "{line}"
            );
        }
        assert!(lines[1].contains("hl-comment"), "{lines:?}");
    }
}
