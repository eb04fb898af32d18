//! Server-side code highlighting into CSS classes (`hl-` + TextMate scope
//! atoms), so pages carry no inline styles and one stylesheet themes both
//! colour schemes. The syntax set is loaded once per process.

use std::sync::OnceLock;

use syntect::html::{line_tokens_to_classed_spans, ClassStyle};
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

/// Highlights `code` as `lang`, one string per line (each with its newline).
/// Every line's spans are closed at its end and the open scopes reopened on
/// the next, so a line can be wrapped on its own (highlighted lines) and the
/// HTML stays balanced. `None` when the language is unknown, so the caller
/// falls back to escaped plain text.
pub fn highlight_lines(code: &str, lang: &str) -> Option<Vec<String>> {
    let set = syntaxes();
    let syntax = set.find_syntax_by_token(grammar_token(&lang.to_ascii_lowercase()))?;
    let style = ClassStyle::SpacedPrefixed { prefix: "hl-" };
    let mut state = ParseState::new(syntax);
    let mut stack = ScopeStack::new();
    let mut lines = Vec::new();
    for line in LinesWithEndings::from(code) {
        let ops = state.parse_line(line, set).ok()?;
        let mut html = String::with_capacity(line.len() * 2);
        let reopened = stack.as_slice().len() as isize;
        for scope in stack.as_slice() {
            html.push_str("<span class=\"");
            push_classes(&mut html, scope);
            html.push_str("\">");
        }
        let (spans, delta) = line_tokens_to_classed_spans(line, &ops, style, &mut stack).ok()?;
        html.push_str(&spans);
        for _ in 0..(reopened + delta).max(0) {
            html.push_str("</span>");
        }
        lines.push(html);
    }
    Some(lines)
}

/// A scope's classes as syntect writes them (`source.js` → `hl-source hl-js`).
fn push_classes(out: &mut String, scope: &Scope) {
    for (i, atom) in scope.build_string().split('.').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str("hl-");
        out.push_str(atom);
    }
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
