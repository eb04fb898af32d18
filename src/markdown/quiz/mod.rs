//! Self-check questions: a `quiz` fenced block in a lesson becomes a form
//! the server grades. The right answers and explanations stay on the
//! server until the learner has answered.
//!
//! Pure functions only: reading a block ([`parse`]), grading a form
//! ([`grade`]) and writing the block's HTML ([`html`]). Rendering calls them
//! when a lesson is written; the lesson route calls them when a learner
//! checks their answers.

pub mod grade;
pub mod html;
pub mod parse;

use pulldown_cmark::{CodeBlockKind, Event, Parser, Tag, TagEnd};

pub use grade::{grade, Graded, Outcome};
pub use parse::{Ids, Problem, Quiz};

/// The fence language of a quiz block.
pub const LANG: &str = "quiz";

/// Whether a fence's info string opens a quiz block.
pub fn is_quiz_fence(info: &str) -> bool {
    info.split(|c: char| c.is_whitespace() || c == ',' || c == '{')
        .next()
        .is_some_and(|lang| lang == LANG)
}

/// Every quiz block of a lesson body, in order (the `n`th is number `n`
/// on the page, from 1), with the mistakes found in each. `first_line` is
/// the file line of the body's first line. One pass over the markdown.
pub fn blocks(body: &str, first_line: usize) -> Vec<(Quiz, Vec<Problem>)> {
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(body.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let line_of = |offset: usize| first_line + line_starts.partition_point(|&s| s <= offset) - 1;
    let mut ids = Ids::default();
    let mut found = Vec::new();
    let mut open: Option<(usize, String)> = None;
    for (event, range) in
        Parser::new_ext(body, crate::markdown::parser_options()).into_offset_iter()
    {
        match event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) if is_quiz_fence(&info) => {
                open = Some((line_of(range.start) + 1, String::new()));
            }
            Event::Text(text) => {
                if let Some((_, buf)) = open.as_mut() {
                    buf.push_str(&text);
                }
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some((line, text)) = open.take() {
                    found.push(parse::parse(&text, line, &mut ids));
                }
            }
            _ => {}
        }
    }
    found
}

/// Where a quiz block stands in a body's serialised HTML until it is filled
/// in: an element the sanitiser keeps, named with a token chosen for this
/// rendering, so no HTML an author types can pass for one.
pub(crate) struct Slot {
    prefix: String,
}

impl Slot {
    pub(crate) fn new() -> Slot {
        Slot {
            prefix: format!("<div id=\"quiz-slot-{:016x}-", rand::random::<u64>()),
        }
    }

    /// The stand-in for the `n`th quiz.
    pub(crate) fn placeholder(&self, n: usize) -> String {
        format!("{}{n}\"></div>\n", self.prefix)
    }

    /// `html` with each stand-in replaced by `quiz(n)`; one pass.
    pub(crate) fn fill(&self, html: &str, quiz: impl Fn(usize) -> String) -> String {
        let mut out = String::with_capacity(html.len() * 2);
        let mut rest = html;
        while let Some(at) = rest.find(&self.prefix) {
            out.push_str(&rest[..at]);
            let after = &rest[at + self.prefix.len()..];
            let Some(end) = after.find("\"></div>") else {
                break;
            };
            match after[..end].parse::<usize>() {
                Ok(n) if n >= 1 => out.push_str(&quiz(n)),
                _ => {}
            }
            rest = after[end + "\"></div>".len()..]
                .strip_prefix('\n')
                .unwrap_or(&after[end + "\"></div>".len()..]);
        }
        out.push_str(rest);
        out
    }
}

/// Rendered HTML with quizzes replaced: `with(n)` gives the new HTML of
/// the `n`th (a form on a lesson's page, questions with empty boxes
/// elsewhere), or `None` to keep it. One pass. Neither element nests in
/// what a quiz writes, and the sanitiser lets no author write one, so the
/// first closing tag after a quiz's start is its end.
pub fn replace_quizzes(html: &str, with: impl Fn(usize) -> Option<String>) -> String {
    const SHAPES: [(&str, &str); 2] = [
        ("<form class=\"quiz\" id=\"quiz--", "</form>"),
        (
            "<section class=\"quiz quiz-static\" id=\"quiz--",
            "</section>",
        ),
    ];
    // The next start of each shape at or after `pos` (`None`: no more), each
    // searched for again only once passed, so the whole is one pass.
    let find = |shape: usize, from: usize| html[from..].find(SHAPES[shape].0).map(|i| from + i);
    let mut next = [find(0, 0), find(1, 0)];
    let mut out = String::with_capacity(html.len());
    let mut pos = 0;
    while let Some((shape, at)) = (0..2)
        .filter_map(|i| next[i].map(|at| (i, at)))
        .min_by_key(|&(_, at)| at)
    {
        let (open, close) = SHAPES[shape];
        let after = &html[at + open.len()..];
        let (Some(quote), Some(end)) = (after.find('"'), after.find(close)) else {
            break;
        };
        let mut stop = at + open.len() + end + close.len();
        if html[stop..].starts_with('\n') {
            stop += 1;
        }
        out.push_str(&html[pos..at]);
        match after[..quote].parse::<usize>().ok().and_then(&with) {
            Some(new) => out.push_str(&new),
            None => out.push_str(&html[at..stop]),
        }
        pos = stop;
        for (i, slot) in next.iter_mut().enumerate() {
            if slot.is_some_and(|n| n < pos) {
                *slot = find(i, pos);
            }
        }
    }
    out.push_str(&html[pos..]);
    out
}

/// A lesson's rendered HTML with every quiz showing its answers, for the
/// admin's preview. `body` is the markdown it was rendered from.
pub fn reveal(html: &str, body: &str) -> String {
    let quizzes = blocks(body, 1);
    replace_quizzes(html, |n| {
        let (quiz, _) = quizzes.get(n.checked_sub(1)?)?;
        Some(html::key(quiz, n))
    })
}
