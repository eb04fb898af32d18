//! Server-side code highlighting into CSS classes (`hl-` + TextMate scope
//! atoms), so pages carry no inline styles and one stylesheet themes both
//! colour schemes. The syntax set is loaded once per process.

use std::sync::OnceLock;

use syntect::html::{ClassStyle, ClassedHTMLGenerator};
use syntect::parsing::SyntaxSet;
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

/// Highlights `code` as `lang`; `None` when the language is unknown, so the
/// caller falls back to escaped plain text.
pub fn highlight(code: &str, lang: &str) -> Option<String> {
    let set = syntaxes();
    let syntax = set.find_syntax_by_token(grammar_token(&lang.to_ascii_lowercase()))?;
    let mut generator = ClassedHTMLGenerator::new_with_class_style(
        syntax,
        set,
        ClassStyle::SpacedPrefixed { prefix: "hl-" },
    );
    for line in LinesWithEndings::from(code) {
        generator
            .parse_html_for_line_which_includes_newline(line)
            .ok()?;
    }
    Some(generator.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_language_gets_scope_classes() {
        let html = highlight("const x = 1; // note\n", "js").unwrap();
        assert!(html.contains("hl-comment"), "{html}");
        assert!(
            html.contains("hl-storage") || html.contains("hl-keyword"),
            "{html}"
        );
        assert!(!html.contains("style="));
    }

    #[test]
    fn unknown_language_is_none() {
        assert!(highlight("x", "no-such-language").is_none());
    }

    #[test]
    fn markup_in_code_is_escaped() {
        let html = highlight("<script>alert(1)</script>\n", "html").unwrap();
        assert!(!html.contains("<script>"), "{html}");
    }
}
