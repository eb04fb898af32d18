//! A one-pass lexical highlighter for the languages lessons use most.
//!
//! Why not the TextMate grammars for everything: they run dozens of regular
//! expressions per line and were about two thirds of a cold sync's CPU time
//! (issue 7's profile: syntect 0.4–0.5 MB/s against tens of MB/s here). The
//! stylesheet tells only a dozen kinds of token apart, and those kinds are
//! lexical: comments, strings and their escapes, numbers, keywords,
//! constants, function names, variables, operators. So each language is a
//! table ([`Lang`]) read by one scanner; languages without a table keep the
//! grammars.
//!
//! The scanner works on bytes but only ever stops at an ASCII byte or at the
//! end, so every slice it hands on is on a character boundary; whatever it
//! does not recognise is passed through as plain, escaped text.

use super::lines::Lines;

const COMMENT: Option<&str> = Some("hc");
const STRING: Option<&str> = Some("hs");
const ESCAPE: Option<&str> = Some("hn");
const CONSTANT: Option<&str> = Some("hn");
const KEYWORD: Option<&str> = Some("hk");
const FUNCTION: Option<&str> = Some("hf");
const VARIABLE: Option<&str> = Some("hv");
const OPERATOR: Option<&str> = Some("ho");

/// How a string's escapes are written.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Escapes {
    /// None: the string ends at the first closing quote.
    Raw,
    /// A backslash escapes the next character.
    Backslash,
    /// The quote written twice stands for itself (SQL).
    Doubled,
}

/// One kind of string literal.
pub(super) struct Quote {
    pub open: &'static str,
    pub close: &'static str,
    pub escapes: Escapes,
    /// Whether it may run over several lines; otherwise it ends at the line's end.
    pub multiline: bool,
    /// `$name` and `${…}` inside are variables (shell double quotes).
    pub interpolates: bool,
}

/// The lexical shape of one language. Word lists are sorted (binary search;
/// a unit test checks) and, where `fold_case` is set, lower case.
pub(super) struct Lang {
    pub line_comments: &'static [&'static str],
    pub block_comment: Option<(&'static str, &'static str)>,
    pub nested_comments: bool,
    /// Longest opener first where one opener starts another (`"""` before `"`).
    pub quotes: &'static [Quote],
    /// Letters that may prefix a string (`r"…"`, `b'…'`, `f"…"`).
    pub string_prefixes: &'static [&'static str],
    pub keywords: &'static [&'static str],
    pub constants: &'static [&'static str],
    /// Names shown as functions wherever they appear (shell builtins).
    pub builtins: &'static [&'static str],
    /// Keywords matched whatever their case (SQL).
    pub fold_case: bool,
    /// Keywords after which the next word names a function (`fn`, `def`).
    pub definers: &'static [&'static str],
    /// A word directly followed by `(` is a function.
    pub calls: bool,
    /// Bytes that make up operators.
    pub operators: &'static [u8],
    /// Names in capitals (`MAX_SIZE`, `PORT`) are constants by convention.
    pub caps_constants: bool,
    /// `@name` (decorators, annotations).
    pub decorators: bool,
    /// JavaScript's `/…/flags` regular expression literals.
    pub regexes: bool,
    /// `#include` at the start of a line.
    pub preprocessor: bool,
    /// Rust: `name!` macros, `'a'` characters against `'a` lifetimes, raw strings.
    pub rust: bool,
    /// Shell: words run up to a metacharacter, `#` starts a comment only at a
    /// word's start, `$name` is a variable.
    pub shell: bool,
}

impl Lang {
    fn is_word(&self, word: &str, list: &[&str]) -> bool {
        if !self.fold_case {
            return list.binary_search(&word).is_ok();
        }
        let mut buf = [0u8; 24];
        let Some(dst) = buf.get_mut(..word.len()) else {
            return false;
        };
        dst.copy_from_slice(word.as_bytes());
        dst.make_ascii_lowercase();
        std::str::from_utf8(dst).is_ok_and(|w| list.binary_search(&w).is_ok())
    }
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// Bytes that end a shell word.
fn is_shell_meta(b: u8) -> bool {
    b.is_ascii_whitespace()
        || matches!(
            b,
            b';' | b'&'
                | b'|'
                | b'('
                | b')'
                | b'<'
                | b'>'
                | b'"'
                | b'\''
                | b'`'
                | b'$'
                | b'='
                | b'{'
                | b'}'
                | b'\\'
        )
}

/// `PORT`, `MAX_SIZE`, `HTTP2`: two characters or more, capitals first, no
/// lower case.
fn is_caps(word: &str) -> bool {
    let b = word.as_bytes();
    b.len() >= 2
        && b[0].is_ascii_uppercase()
        && b.iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == b'_')
}

/// The length of the UTF-8 character that starts with `b`.
fn char_len(b: u8) -> usize {
    match b {
        0xf0.. => 4,
        0xe0.. => 3,
        0xc0.. => 2,
        _ => 1,
    }
}

/// Highlights `code` as `lang`, one HTML string per line.
pub(super) fn highlight(code: &str, lang: &Lang) -> Vec<String> {
    let mut scanner = Scanner {
        code,
        b: code.as_bytes(),
        lang,
        i: 0,
        plain: 0,
        out: Lines::with_capacity(code.len()),
        define_next: false,
        no_regex_until: 0,
    };
    scanner.run();
    scanner.out.finish()
}

struct Scanner<'a> {
    code: &'a str,
    b: &'a [u8],
    lang: &'a Lang,
    /// Where scanning is.
    i: usize,
    /// Where the plain text not yet written starts.
    plain: usize,
    out: Lines,
    /// The previous word was a definer (`fn`, `def`, `function`).
    define_next: bool,
    /// A regex literal found no end before here: none is looked for again on
    /// that line (each try reads to the line's end; retrying would be quadratic).
    no_regex_until: usize,
}

impl Scanner<'_> {
    fn at(&self, i: usize) -> u8 {
        self.b.get(i).copied().unwrap_or(0)
    }

    fn starts_with(&self, i: usize, s: &str) -> bool {
        self.b[i..].starts_with(s.as_bytes())
    }

    /// Writes the plain text before `start`, then `start..end` as `class`.
    fn emit(&mut self, start: usize, end: usize, class: Option<&'static str>) {
        if self.plain < start {
            self.out.push(&self.code[self.plain..start], None);
        }
        self.out.push(&self.code[start..end], class);
        self.plain = end;
        self.i = end;
    }

    /// The end of the line `i` is on (the newline's index, or the end).
    fn line_end(&self, i: usize) -> usize {
        self.b[i..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(self.b.len(), |p| i + p)
    }

    fn run(&mut self) {
        while self.i < self.b.len() {
            let c = self.b[self.i];
            if c.is_ascii_whitespace() {
                self.i += 1;
                continue;
            }
            if !is_ident_start(c) {
                self.define_next = false;
            }
            if !self.token() {
                // Not a token start: plain text, one whole character.
                self.i += char_len(c);
            }
        }
        let end = self.b.len();
        if self.plain < end {
            self.out.push(&self.code[self.plain..end], None);
        }
    }

    /// Reads one token at `self.i`, if one starts there.
    fn token(&mut self) -> bool {
        let (i, c, lang) = (self.i, self.b[self.i], self.lang);
        let shell_word_start = !lang.shell || i == 0 || is_shell_meta(self.b[i - 1]);
        if shell_word_start && lang.line_comments.iter().any(|p| self.starts_with(i, p)) {
            let end = self.line_end(i);
            self.emit(i, end, COMMENT);
            return true;
        }
        if let Some((open, close)) = lang.block_comment {
            if self.starts_with(i, open) {
                self.block_comment(open, close);
                return true;
            }
        }
        if lang.preprocessor && c == b'#' && self.line_is_blank_before(i) {
            let mut end = i + 1;
            while is_ident(self.at(end)) {
                end += 1;
            }
            self.emit(i, end, KEYWORD);
            return true;
        }
        if let Some(quote) = lang.quotes.iter().find(|q| self.starts_with(i, q.open)) {
            self.string(i, i + quote.open.len(), quote, false);
            return true;
        }
        if lang.regexes && c == b'/' && self.regex(i) {
            return true;
        }
        if lang.rust && c == b'\'' {
            self.rust_quote(i);
            return true;
        }
        if c.is_ascii_digit() || (c == b'.' && self.at(i + 1).is_ascii_digit()) {
            self.number(i);
            return true;
        }
        if lang.shell && c == b'\\' {
            // Outside quotes a backslash makes the next character plain:
            // `It\'s`, `\#`, `\"` open no string or comment.
            self.i = (i + 1 + char_len(self.at(i + 1))).min(self.b.len());
            return true;
        }
        if lang.shell && c == b'$' {
            return self.shell_variable(i);
        }
        if lang.decorators && c == b'@' && is_ident_start(self.at(i + 1)) {
            let mut end = i + 1;
            while is_ident(self.at(end)) || (self.at(end) == b'.' && is_ident(self.at(end + 1))) {
                end += 1;
            }
            self.emit(i, end, FUNCTION);
            return true;
        }
        if lang.shell && !is_shell_meta(c) {
            self.shell_word(i);
            return true;
        }
        if is_ident_start(c) {
            self.word(i);
            return true;
        }
        if lang.operators.contains(&c) {
            let mut end = i + 1;
            while lang.operators.contains(&self.at(end)) && !self.comment_at(end) {
                end += 1;
            }
            self.emit(i, end, OPERATOR);
            return true;
        }
        false
    }

    fn comment_at(&self, i: usize) -> bool {
        self.lang
            .line_comments
            .iter()
            .any(|p| self.starts_with(i, p))
            || self
                .lang
                .block_comment
                .is_some_and(|(open, _)| self.starts_with(i, open))
    }

    fn line_is_blank_before(&self, i: usize) -> bool {
        self.b[..i]
            .iter()
            .rev()
            .take_while(|&&b| b != b'\n')
            .all(|&b| b == b' ' || b == b'\t')
    }

    fn block_comment(&mut self, open: &str, close: &str) {
        let start = self.i;
        let mut depth = 0usize;
        let mut j = start;
        let end = loop {
            if j >= self.b.len() {
                break self.b.len();
            }
            if self.starts_with(j, open) && (depth == 0 || self.lang.nested_comments) {
                depth += 1;
                j += open.len();
            } else if self.starts_with(j, close) {
                j += close.len();
                depth -= 1;
                if depth == 0 {
                    break j;
                }
            } else {
                j += char_len(self.b[j]);
            }
        };
        self.emit(start, end, COMMENT);
    }

    /// A string from `start` whose opening quote ends at `body`.
    /// In a `raw` string (Python's `r"…"`) a backslash still keeps the next
    /// character from closing it, but stands for itself: no escape is shown.
    fn string(&mut self, start: usize, body: usize, quote: &Quote, raw: bool) {
        self.emit(start, body, STRING);
        let mut j = body;
        while j < self.b.len() {
            let c = self.b[j];
            if c == b'\n' && !quote.multiline {
                self.emit(self.i, j, STRING);
                return;
            }
            if quote.escapes == Escapes::Doubled && self.starts_with(j, quote.close) {
                let after = j + quote.close.len();
                if self.starts_with(after, quote.close) {
                    self.emit(self.i, j, STRING);
                    self.emit(j, after + quote.close.len(), ESCAPE);
                    j = self.i;
                    continue;
                }
                self.emit(self.i, after, STRING);
                return;
            }
            if self.starts_with(j, quote.close) {
                self.emit(self.i, j + quote.close.len(), STRING);
                return;
            }
            if c == b'\\' && quote.escapes == Escapes::Backslash && j + 1 < self.b.len() {
                self.emit(self.i, j, STRING);
                let next = self.b[j + 1];
                // A backslash before a line's end continues the line.
                let end = j + 1 + char_len(next);
                let shown = if next == b'\n' || raw { STRING } else { ESCAPE };
                self.emit(j, end, shown);
                j = end;
                continue;
            }
            if c == b'$' && quote.interpolates {
                let before = self.i;
                self.emit(before, j, STRING);
                if self.shell_variable(j) {
                    j = self.i;
                    continue;
                }
            }
            j += char_len(c);
        }
        self.emit(self.i, self.b.len(), STRING);
    }

    /// A regular expression literal `/…/flags` at `i`, read as a string, if
    /// a `/` there starts one: after an operator, an opening bracket or one
    /// of a few keywords, and closed on its line (`a / b / c` is division).
    fn regex(&mut self, i: usize) -> bool {
        let before = self.b[..i]
            .iter()
            .rposition(|b| !b.is_ascii_whitespace())
            .map(|p| (p, self.b[p]));
        let may_start = match before {
            None => true,
            Some((_, b)) if b"(,=:[!&|?{};+-*%<>~^".contains(&b) => true,
            Some((p, b)) if is_ident(b) => {
                let start = self.b[..=p]
                    .iter()
                    .rposition(|&b| !is_ident(b))
                    .map_or(0, |q| q + 1);
                matches!(
                    &self.b[start..=p],
                    b"return"
                        | b"typeof"
                        | b"case"
                        | b"in"
                        | b"of"
                        | b"delete"
                        | b"void"
                        | b"throw"
                        | b"new"
                        | b"yield"
                        | b"await"
                        | b"else"
                        | b"do"
                )
            }
            Some(_) => false,
        };
        if !may_start || i < self.no_regex_until {
            return false;
        }
        let mut j = i + 1;
        let mut in_class = false;
        while j < self.b.len() {
            match self.b[j] {
                b'\n' => break,
                b'\\' => {
                    j += 1;
                    if j < self.b.len() && self.b[j] != b'\n' {
                        j += char_len(self.b[j]);
                    }
                    continue;
                }
                b'[' => in_class = true,
                b']' => in_class = false,
                b'/' if !in_class => {
                    let mut end = j + 1;
                    while self.at(end).is_ascii_alphabetic() {
                        end += 1;
                    }
                    self.emit(i, end, STRING);
                    return true;
                }
                _ => {}
            }
            j += char_len(self.b[j]);
        }
        self.no_regex_until = j;
        false
    }

    /// `r"…"`, `r#"…"#`, `br"…"` from `start`, its `r` at `r`: Rust's raw
    /// strings, which have no escapes. False if there is none.
    fn rust_raw_string(&mut self, start: usize, r: usize) -> bool {
        let mut j = r + 1;
        while self.at(j) == b'#' {
            j += 1;
        }
        if self.at(j) != b'"' {
            return false;
        }
        let hashes = j - r - 1;
        let mut k = j + 1;
        let end = loop {
            match self.b[k..].iter().position(|&b| b == b'"') {
                None => break self.b.len(),
                Some(p) => {
                    k += p + 1;
                    // Stops at the first byte that is not `#`, so a run of
                    // quotes after many hashes stays linear.
                    let closing = self.b[k..].iter().take(hashes).take_while(|&&b| b == b'#');
                    if closing.count() == hashes {
                        break k + hashes;
                    }
                }
            }
        };
        self.emit(start, end, STRING);
        true
    }

    /// `'x'`, `'\n'` (characters) or `'a` (a lifetime or label).
    fn rust_quote(&mut self, i: usize) {
        let len = self.b.len();
        let next = self.at(i + 1);
        if next == b'\\' {
            let mut j = i + 2;
            if j < len {
                j += char_len(self.b[j]);
            }
            while j < len && self.b[j] != b'\'' && self.b[j] != b'\n' && j - i < 12 {
                j += char_len(self.b[j]);
            }
            self.emit(i, i + 1, STRING);
            self.emit(i + 1, j, ESCAPE);
            if self.at(j) == b'\'' {
                self.emit(j, j + 1, STRING);
            }
            return;
        }
        if i + 1 < len && next != b'\n' && next != b'\'' {
            let after = i + 1 + char_len(next);
            if self.at(after) == b'\'' {
                self.emit(i, after + 1, STRING);
                return;
            }
        }
        if is_ident_start(next) {
            let mut end = i + 1;
            while is_ident(self.at(end)) {
                end += 1;
            }
            self.emit(i, end, KEYWORD);
            return;
        }
        self.i = i + 1;
    }

    fn number(&mut self, i: usize) {
        let mut j = i;
        loop {
            let c = self.at(j);
            if is_ident(c) && c < 0x80 {
                // An exponent may carry a sign: 1e-9.
                j += 1;
                if matches!(c, b'e' | b'E')
                    && matches!(self.at(j), b'+' | b'-')
                    && self.at(j + 1).is_ascii_digit()
                    && !(self.b[i..j].len() > 1 && self.b[i + 1].eq_ignore_ascii_case(&b'x'))
                {
                    j += 1;
                }
            } else if c == b'.' && self.at(j + 1).is_ascii_digit() {
                j += 1;
            } else {
                break;
            }
        }
        self.emit(i, j, CONSTANT);
    }

    fn word(&mut self, i: usize) {
        let mut end = i;
        while is_ident(self.at(end)) {
            end += 1;
        }
        let word = &self.code[i..end];
        let lang = self.lang;
        let next = self.at(end);
        if lang.rust && (word == "r" || word == "br") && self.rust_raw_string(i, end - 1) {
            self.define_next = false;
            return;
        }
        if lang.string_prefixes.contains(&word) {
            if let Some(quote) = lang.quotes.iter().find(|q| self.starts_with(end, q.open)) {
                self.define_next = false;
                let raw = word.contains(['r', 'R']);
                self.string(i, end + quote.open.len(), quote, raw);
                return;
            }
        }
        let define = std::mem::take(&mut self.define_next);
        // `map.get`, `Array.from`, `re.match`: a member, whatever its name.
        let member = i > 0 && self.b[i - 1] == b'.';
        if !member && lang.is_word(word, lang.keywords) {
            self.define_next = lang.definers.contains(&word);
            self.emit(i, end, KEYWORD);
        } else if !member && lang.is_word(word, lang.constants) {
            self.emit(i, end, CONSTANT);
        } else if lang.rust && next == b'!' && self.at(end + 1) != b'=' {
            self.emit(i, end + 1, FUNCTION);
        } else if define || (lang.calls && next == b'(') || lang.is_word(word, lang.builtins) {
            self.emit(i, end, FUNCTION);
        } else if lang.caps_constants && is_caps(word) {
            self.emit(i, end, CONSTANT);
        } else {
            // A plain word stays in the pending plain text.
            self.i = end;
        }
    }

    fn shell_word(&mut self, i: usize) {
        let mut end = i;
        while end < self.b.len() && !is_shell_meta(self.b[end]) {
            end += char_len(self.b[end]);
        }
        let end = end.min(self.b.len());
        let word = &self.code[i..end];
        let lang = self.lang;
        if lang.is_word(word, lang.keywords) {
            self.emit(i, end, KEYWORD);
        } else if lang.is_word(word, lang.constants) {
            self.emit(i, end, CONSTANT);
        } else if lang.is_word(word, lang.builtins) {
            self.emit(i, end, FUNCTION);
        } else {
            self.i = end;
        }
    }

    /// `$name`, `${…}`, `$1`, `$?`: false (and nothing read) for a lone `$`.
    fn shell_variable(&mut self, i: usize) -> bool {
        let next = self.at(i + 1);
        let end = if next == b'{' {
            // Unclosed on its line: only `${` (a rescan from every later
            // `$` would make a long line quadratic).
            match self.b[i..].iter().position(|&b| b == b'}' || b == b'\n') {
                Some(p) if self.b[i + p] == b'}' => i + p + 1,
                _ => i + 2,
            }
        } else if is_ident_start(next) && next < 0x80 {
            let mut end = i + 1;
            while is_ident(self.at(end)) && self.at(end) < 0x80 {
                end += 1;
            }
            end
        } else if next.is_ascii_digit()
            || matches!(next, b'?' | b'@' | b'#' | b'$' | b'!' | b'*' | b'-')
        {
            i + 2
        } else {
            return false;
        };
        self.emit(i, end, VARIABLE);
        true
    }
}
