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
