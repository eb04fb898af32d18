//! Server-side code highlighting into a few CSS classes, so pages carry no
//! inline styles and one stylesheet themes both colour schemes. The class
//! names are two letters, written unquoted (`<span class=hk>`), as most of a
//! code block's stored HTML is its spans (issue 20): `hc` comment, `hs`
//! string, `hn` constant or number, `ho` operator, `hk` keyword, `hf`
//! function, `ht` tag, `ha` attribute name, `hv` variable, `hh` heading,
//! `hb` bold, `hi` italic, `hp` inserted, `hd` deleted (static/style.css
//! styles both these and the `hl-` names of pages rendered before).
//!
//! The languages lessons use most are read by a one-pass lexical scanner
//! (`scan`, tables in `languages`): highlighting is most of the work of
//! rendering a lesson, and a cold sync of a large catalogue is bound by it
//! (issue 7). Other languages use syntect's TextMate grammars, loaded once
//! per process.
//!
//! Grammars describe text with deep TextMate scope stacks (`source.js
//! meta.function string.quoted.double punctuation.definition.string`), but the
//! stylesheet tells only a dozen kinds of token apart. Each run of text gets
//! the class of its innermost scope that has one, and a span only opens where
//! that class changes: the HTML is a fraction of a span-per-scope rendering,
//! which is most of a lesson's stored size and write time (see issue 7).

mod languages;
mod lines;
mod scan;

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::OnceLock;

use lines::Lines;
use syntect::parsing::{ParseState, Scope, ScopeStack, SyntaxSet};
use syntect::util::LinesWithEndings;

fn syntaxes() -> &'static SyntaxSet {
    static SET: OnceLock<SyntaxSet> = OnceLock::new();
    SET.get_or_init(SyntaxSet::load_defaults_newlines)
}

/// Scope prefixes and the class they give, most specific first. A scope
/// mapped to `None` (a plain read/write variable) takes the colour of what
/// encloses it.
const CLASSES: &[(&str, Option<&str>)] = &[
    ("comment", Some("hc")),
    ("string", Some("hs")),
    ("constant", Some("hn")),
    ("keyword.operator", Some("ho")),
    ("keyword", Some("hk")),
    ("storage", Some("hk")),
    ("entity.name.function", Some("hf")),
    ("support.function", Some("hf")),
    ("variable.function", Some("hf")),
    ("entity.name.tag", Some("ht")),
    ("entity.other.attribute-name", Some("ha")),
    ("variable.other.readwrite", None),
    ("variable", Some("hv")),
    ("markup.heading", Some("hh")),
    ("markup.bold", Some("hb")),
    ("markup.italic", Some("hi")),
    ("markup.inserted", Some("hp")),
    ("markup.deleted", Some("hd")),
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

/// The languages the lexical highlighter reads, by one name each.
#[cfg(feature = "fuzzing")]
pub(crate) fn lexical_languages() -> impl Iterator<Item = &'static str> {
    languages::ALL.iter().map(|(name, _)| *name)
}

/// Highlights `code` as `lang`, one string per line (each with its newline).
/// Spans never cross a line's end, so a line can be wrapped on its own
/// (highlighted lines) and the HTML stays balanced. Adjacent runs of one class
/// share a span. `None` when the language is unknown, so the caller falls
/// back to escaped plain text.
pub(crate) fn highlight_lines(code: &str, lang: &str) -> Option<Vec<String>> {
    let lang = lang.to_ascii_lowercase();
    match languages::lang(&lang) {
        Some(table) => Some(scan::highlight(code, table)),
        None => with_grammar(code, &lang),
    }
}

/// Highlights with syntect's grammar for `lang`, if it has one.
fn with_grammar(code: &str, lang: &str) -> Option<Vec<String>> {
    let set = syntaxes();
    let syntax = set.find_syntax_by_token(lang)?;
    let mut state = ParseState::new(syntax);
    let mut stack = ScopeStack::new();
    let mut out = Lines::with_capacity(code.len());
    for line in LinesWithEndings::from(code) {
        let ops = state.parse_line(line, set).ok()?;
        // The run being gathered: where it starts and the class of the
        // current stack, which it keeps until an operation changes it.
        let mut run_start = 0;
        let mut run_class = stack_class(&stack);
        for (at, op) in &ops {
            stack.apply(op).ok()?;
            let class = stack_class(&stack);
            if class != run_class {
                let at = (*at).clamp(run_start, line.len());
                out.push(&line[run_start..at], run_class);
                run_start = at;
                run_class = class;
            }
        }
        out.push(&line[run_start..], run_class);
    }
    Some(out.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_language_gets_scope_classes() {
        let html = highlight_lines("const x = 1; // note\n", "js")
            .unwrap()
            .concat();
        assert!(html.contains("class=hc>"), "{html}");
        assert!(html.contains("class=hk>"), "{html}");
        assert!(!html.contains("style="));
    }

    #[test]
    fn one_class_per_run_and_runs_share_spans() {
        let html = highlight_lines("let s = \"a\\tb\"; // one two three\n", "rust")
            .unwrap()
            .concat();
        assert_eq!(html.matches("class=hc>").count(), 1, "{html}");
        assert!(html.contains(r#"<span class=hn>\t</span>"#), "{html}");
        for class in html.split("class=").skip(1) {
            let class = &class[..class.find('>').unwrap()];
            assert!(class.len() == 2 && class.starts_with('h'), "{html}");
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
        assert!(lines[1].contains("class=hc>"), "{lines:?}");
    }

    /// The text of highlighted HTML: spans removed, entities read back.
    fn text_of(html: &str) -> String {
        let mut out = String::new();
        let mut rest = html;
        while let Some(lt) = rest.find('<') {
            out.push_str(&rest[..lt]);
            let gt = rest[lt..].find('>').expect("a tag ends") + lt;
            let tag = &rest[lt..=gt];
            assert!(
                tag == "</span>" || (tag.starts_with("<span class=h") && !tag[6..].contains('<')),
                "unexpected markup {tag} in {html}"
            );
            rest = &rest[gt + 1..];
        }
        out.push_str(rest);
        out.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&amp;", "&")
    }

    /// Every line holds only balanced spans, and the lines give back `code`.
    fn assert_faithful(code: &str, lang: &str) {
        let Some(lines) = highlight_lines(code, lang) else {
            panic!("{lang} is known")
        };
        assert_eq!(
            lines.len(),
            code.split_inclusive('\n').count(),
            "{lang}: {code:?}"
        );
        for line in &lines {
            assert_eq!(
                line.matches("<span").count(),
                line.matches("</span>").count(),
                "{line}"
            );
            assert!(!line.trim_end_matches('\n').contains('\n'), "{line:?}");
        }
        assert_eq!(text_of(&lines.concat()), code, "{lang}: {lines:?}");
    }

    /// `(class, text)` of every span in `html`.
    fn spans(html: &str) -> Vec<(String, String)> {
        html.split("<span class=")
            .skip(1)
            .map(|s| {
                let (class, rest) = s.split_once('>').unwrap();
                let text = rest.split("</span>").next().unwrap();
                (class.to_string(), text_of(text))
            })
            .collect()
    }

    fn has(lang: &str, code: &str, class: &str, text: &str) {
        let html = highlight_lines(code, lang).unwrap().concat();
        let spans = spans(&html);
        assert!(
            spans.iter().any(|(c, t)| c == class && t == text),
            "{lang}: no {class} {text:?} in {spans:?}"
        );
    }

    #[test]
    fn lexical_languages_tell_tokens_apart() {
        has("rust", "fn main() {}", "hk", "fn");
        has("rust", "fn main() {}", "hf", "main");
        has("rust", r#"println!("{x}");"#, "hf", "println!");
        has(
            "rust",
            r##"let r = r#"a "quoted" b"#;"##,
            "hs",
            r##"r#"a "quoted" b"#"##,
        );
        has("rust", "fn f<'a>(c: char) { let c = 'x'; }", "hk", "'a");
        has("rust", "let c = 'x';", "hs", "'x'");
        has("rust", r"let n = '\n';", "hn", r"\n");
        has(
            "rust",
            "/* a /* nested */ still */ x",
            "hc",
            "/* a /* nested */ still */",
        );
        has("rust", "let x = 1_000u32 + 2.5e-3;", "hn", "1_000u32");
        has("rust", "let x = 1_000u32 + 2.5e-3;", "hn", "2.5e-3");
        has("js", "const s = `a ${b}\nc`; // done", "hc", "// done");
        has("js", "function add(a, b) { return a + b; }", "hf", "add");
        has("js", "x === null", "ho", "===");
        has("js", "x === null", "hn", "null");
        has("ts", "interface User { name: string }", "hk", "interface");
        has("ts", "let name: string", "hk", "string");
        has(
            "python",
            "@app.route\ndef hello():\n    return f'hi {x}'",
            "hf",
            "@app.route",
        );
        has(
            "python",
            "@app.route\ndef hello():\n    return f'hi {x}'",
            "hs",
            "f'hi {x}'",
        );
        has("python", "def hello():\n    pass", "hf", "hello");
        has("python", "x = '''one\ntwo'''  # end", "hs", "two'''");
        has("python", "print(None)", "hf", "print");
        has("bash", r#"echo "$HOME/x" # note"#, "hv", "$HOME");
        has("bash", r#"echo "$HOME/x" # note"#, "hc", "# note");
        has("bash", "if [ -f a#b ]; then echo ${X}; fi", "hk", "then");
        has("bash", "if [ -f a#b ]; then echo ${X}; fi", "hv", "${X}");
        has(
            "sql",
            "select count(*) from t where a = 'it''s' -- c",
            "hk",
            "select",
        );
        has("sql", "SELECT 'it''s' -- c", "hc", "-- c");
        has("sql", "SELECT 'it''s'", "hn", "''");
        has("sql", "SELECT COUNT(*) FROM t", "hf", "COUNT");
        has("go", "func main() { s := `raw\\n` }", "hs", "`raw\\n`");
        has(
            "c",
            "#include <stdio.h>\nint main(void) {}",
            "hk",
            "#include",
        );
        has("json", r#"{"a": [true, 1.5]}"#, "hs", r#""a""#);
        has("toml", "[x]\nname = \"lectern\" # c", "hc", "# c");
        // A shell word that contains a keyword is not one; nor is a comment
        // sign inside a word.
        let html = highlight_lines("ls format-done a#b", "bash")
            .unwrap()
            .concat();
        assert!(!html.contains("span"), "{html}");
    }

    #[test]
    fn what_reviewers_saw_go_wrong_stays_right() {
        // A shell backslash outside quotes escapes one character.
        for code in [r"echo It\'s fine", r"echo a \# b", r#"echo \"x"#] {
            let html = highlight_lines(code, "bash").unwrap().concat();
            assert!(
                !html.contains("class=hs>") && !html.contains("class=hc>"),
                "{html}"
            );
        }
        // An apostrophe in a session's output stays on its line.
        let lines = highlight_lines("$ cat x\ncan't open x\nnext line\n", "console").unwrap();
        assert!(!lines[2].contains("span"), "{lines:?}");
        // Members are not keywords.
        has("js", "map.get(k); Array.from(xs);", "hf", "get");
        has("js", "map.get(k); Array.from(xs);", "hf", "from");
        let html = highlight_lines("re.match(p, s)", "python")
            .unwrap()
            .concat();
        assert!(!html.contains("class=hk>"), "{html}");
        // Inputs that once made the scanner rescan a line for every token.
        assert_faithful(&"${".repeat(20_000), "bash");
        assert_faithful(
            &format!("r{}{}", "#".repeat(5_000), "\"".repeat(5_000)),
            "rust",
        );
        assert_faithful(&"(/[".repeat(20_000), "js");
        has("c", "int x = 0X1E+5;", "hn", "0X1E");
        // Regular expression literals are strings; division is not.
        has(
            "js",
            r#"const re = /"[a-z/]+"\//g; // note"#,
            "hs",
            r#"/"[a-z/]+"\//g"#,
        );
        has(
            "js",
            r#"const re = /"[a-z/]+"\//g; // note"#,
            "hc",
            "// note",
        );
        has(
            "js",
            "if (/^\\d+$/.test(s)) return a / b / c;",
            "hs",
            "/^\\d+$/",
        );
        let html = highlight_lines("let x = a / b / c;", "js")
            .unwrap()
            .concat();
        assert!(!html.contains("class=hs>"), "{html}");
        // A Python raw string shows no escapes.
        has("python", r"re.compile(r'\d+\.')", "hs", r"r'\d+\.'");
        // Names in capitals are constants; a single capital is not.
        has("js", "const PORT = 3000;", "hn", "PORT");
        let html = highlight_lines("fn f<T>() {}", "rust").unwrap().concat();
        assert!(!html.contains("class=hn>"), "{html}");
    }

    #[test]
    fn unterminated_tokens_end_with_the_code() {
        for (lang, code) in [
            ("rust", "let s = \"open\nstill"),
            ("rust", "/* open /* deeper */"),
            ("rust", r##"let s = r##"open"#"##),
            ("rust", "'"),
            ("rust", "'\\"),
            ("python", "'''open\n"),
            ("bash", "echo ${open"),
            ("sql", "'open''"),
            ("js", "x = \"a\\"),
            ("c", "#"),
        ] {
            assert_faithful(code, lang);
        }
    }

    #[test]
    fn every_known_language_is_faithful_on_a_mixed_sample() {
        let sample = "fn main() {\n    let s = \"a\\\"b\"; // x\n    /* é\n ü */ 'z' 'é' r#\"q\"# $x ${y} 1.5e+3 @d\n}\n";
        for (lang, _) in languages::ALL {
            assert_faithful(sample, lang);
        }
    }

    proptest::proptest! {
        #[test]
        fn highlighted_code_gives_back_the_code(
            code in "[a-z0-9 \"'`#$@{}()/*\\\\\n.=<>&;!_-]{0,80}|\\PC{0,40}",
            which in 0..languages::ALL.len() + 1,
        ) {
            let lang = languages::ALL.get(which).map_or("html", |(name, _)| name);
            assert_faithful(&code, lang);
        }
    }
}
