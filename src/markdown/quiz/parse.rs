//! Reading a `quiz` fenced block. One line, one part:
//!
//! ```text
//! ? Which status code means not found?   {#not-found}
//! ! Think of the 4xx family.
//! - [ ] 200
//! - [x] 404
//! > 404 Not Found: the path names nothing the server knows.
//! ```
//!
//! `? ` starts a question (an optional `{#id}` at its end keeps results
//! stable when the wording changes), `- [ ]` and `- [x]` are options (`[x]`
//! marks a correct one), `= ` gives an accepted short answer, `> ` a line of
//! the explanation shown after answering and `! ` a hint shown before.
//! Reading is one pass over the lines, so it is linear in the block.

use std::collections::HashMap;

use crate::markdown::slug;

/// The longest id made from a question's wording, in characters.
const MAX_ID_CHARS: usize = 48;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Quiz {
    pub questions: Vec<Question>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Question {
    /// Stable across edits when the author gives one (`{#id}`), else made
    /// from the wording. Unique within the lesson's quizzes.
    pub id: String,
    /// The file line of its `? ` line.
    pub line: usize,
    /// Inline markdown.
    pub prompt: String,
    pub hint: Option<String>,
    pub answer: Answer,
    /// Markdown, shown once answered.
    pub explanation: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// Options in the author's order; several correct ones make a
    /// "choose all that apply" question.
    Choice(Vec<Choice>),
    /// Accepted short answers, as written.
    Short(Vec<String>),
}

impl Answer {
    /// Whether more than one option is correct (checkboxes, not radio buttons).
    pub fn is_multiple(&self) -> bool {
        matches!(self, Answer::Choice(options) if options.iter().filter(|o| o.correct).count() > 1)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Choice {
    /// Inline markdown.
    pub text: String,
    pub correct: bool,
}

/// A mistake in a block, at a line of the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub line: usize,
    pub message: String,
}

/// What one line of a block is.
enum Line<'a> {
    Blank,
    Question(&'a str),
    Option(bool, &'a str),
    /// A list item with no box: almost always a forgotten `[ ]`.
    Unboxed,
    Accepted(&'a str),
    Explanation(&'a str),
    Hint(&'a str),
    Unknown,
}

fn classify(line: &str) -> Line<'_> {
    let line = line.trim();
    if line.is_empty() {
        return Line::Blank;
    }
    if let Some(rest) = line.strip_prefix('?') {
        return Line::Question(rest.trim());
    }
    if let Some(rest) = line.strip_prefix('=') {
        return Line::Accepted(rest.trim());
    }
    if let Some(rest) = line.strip_prefix('>') {
        return Line::Explanation(rest.strip_prefix(' ').unwrap_or(rest));
    }
    if let Some(rest) = line.strip_prefix('!') {
        return Line::Hint(rest.trim());
    }
    if let Some(item) = line
        .strip_prefix("- ")
        .or_else(|| line.strip_prefix("* "))
        .or_else(|| line.strip_prefix("+ "))
    {
        let item = item.trim_start();
        for (mark, correct) in [("[ ]", false), ("[x]", true), ("[X]", true)] {
            if let Some(text) = item.strip_prefix(mark) {
                return Line::Option(correct, text.trim());
            }
        }
        return Line::Unboxed;
    }
    Line::Unknown
}

/// `Which code? {#not-found}` → (`Which code?`, `Some("not-found")`).
fn split_id(prompt: &str) -> (&str, Option<&str>) {
    if let Some(open) = prompt.rfind("{#") {
        if let Some(id) = prompt[open + 2..].strip_suffix('}') {
            return (prompt[..open].trim_end(), Some(id.trim()));
        }
    }
    (prompt, None)
}

/// The id made from a question's wording: its slug, cut at a word.
fn id_from_words(prompt: &str) -> String {
    let slug = slug::slugify(prompt);
    let mut id = String::new();
    for word in slug.split('-') {
        if !id.is_empty() && id.len() + 1 + word.len() > MAX_ID_CHARS {
            break;
        }
        if !id.is_empty() {
            id.push('-');
        }
        id.push_str(word);
    }
    id.truncate(MAX_ID_CHARS);
    if id.is_empty() {
        "question".into()
    } else {
        id
    }
}

fn quoted(text: &str) -> String {
    const SHOWN: usize = 60;
    let mut short: String = text.chars().take(SHOWN).collect();
    if text.chars().count() > SHOWN {
        short.push('…');
    }
    format!("“{short}”")
}

/// A question being read, checked when the next one starts.
struct Draft {
    id: Option<String>,
    line: usize,
    prompt: String,
    hint: Option<String>,
    options: Vec<Choice>,
    accepted: Vec<String>,
    explanation: Vec<String>,
}

impl Draft {
    /// The question, and whether its id was the author's.
    fn finish(self, problems: &mut Vec<Problem>) -> Option<(Question, bool)> {
        let name = quoted(&self.prompt);
        let fail = |problems: &mut Vec<Problem>, message: String| {
            problems.push(Problem {
                line: self.line,
                message,
            })
        };
        let answer = match (self.options.is_empty(), self.accepted.is_empty()) {
            (true, true) => {
                fail(
                    problems,
                    format!(
                        "the question {name} has no options and no accepted answers: \
                         add options as “- [ ] …” (with “- [x] …” for a right one) \
                         or answers as “= …”"
                    ),
                );
                return None;
            }
            (false, false) => {
                fail(
                    problems,
                    format!(
                        "the question {name} has both options and accepted answers: \
                         use one or the other"
                    ),
                );
                return None;
            }
            (false, true) => {
                if self.options.len() < 2 {
                    fail(
                        problems,
                        format!("the question {name} has one option: give at least two"),
                    );
                    return None;
                }
                if !self.options.iter().any(|o| o.correct) {
                    fail(
                        problems,
                        format!(
                            "no option of the question {name} is marked right: \
                             mark the right one as “- [x] …”"
                        ),
                    );
                    return None;
                }
                Answer::Choice(self.options)
            }
            (true, false) => Answer::Short(self.accepted),
        };
        let explicit = self.id.is_some();
        let id = self.id.unwrap_or_else(|| id_from_words(&self.prompt));
        let question = Question {
            id,
            line: self.line,
            prompt: self.prompt,
            hint: self.hint,
            answer,
            explanation: self.explanation.join("\n").trim().to_string(),
        };
        Some((question, explicit))
    }
}

/// Reads the text of a `quiz` block whose first line is line `first_line`
/// of its file. Questions with mistakes are left out and reported. Ids are
/// unique in a lesson: `ids` holds those of the lesson's earlier blocks.
pub fn parse(text: &str, first_line: usize, ids: &mut Ids) -> (Quiz, Vec<Problem>) {
    let mut problems = Vec::new();
    let mut questions = Vec::new();
    let mut draft: Option<Draft> = None;
    let mut finish = |draft: Option<Draft>, problems: &mut Vec<Problem>| {
        if let Some(question) = draft.and_then(|d| d.finish(problems)) {
            questions.push(question);
        }
    };
    for (n, raw) in text.lines().enumerate() {
        let line = first_line + n;
        let problem = |message: &str| Problem {
            line,
            message: message.to_string(),
        };
        let part = classify(raw);
        if draft.is_none() && !matches!(part, Line::Blank | Line::Question(_)) {
            problems.push(problem(
                "this line comes before any question: start a question with “? ” \
                 followed by its wording",
            ));
            continue;
        }
        match part {
            Line::Blank => {}
            Line::Question(prompt) => {
                finish(draft.take(), &mut problems);
                let (prompt, id) = split_id(prompt);
                if prompt.is_empty() {
                    problems.push(problem("a question needs its wording after “?”"));
                    continue;
                }
                let id = match id {
                    Some(id) if slug::validate(id).is_err() => {
                        problems.push(problem(&format!(
                            "the question id {} may hold only lowercase letters, digits \
                             and single hyphens (e.g. “{{#status-codes}}”)",
                            quoted(id)
                        )));
                        None
                    }
                    other => other.map(str::to_string),
                };
                draft = Some(Draft {
                    id,
                    line,
                    prompt: prompt.to_string(),
                    hint: None,
                    options: Vec::new(),
                    accepted: Vec::new(),
                    explanation: Vec::new(),
                });
            }
            Line::Option(correct, text) => {
                if text.is_empty() {
                    problems.push(problem("an option needs its text after the box"));
                } else if let Some(d) = draft.as_mut() {
                    d.options.push(Choice {
                        text: text.to_string(),
                        correct,
                    });
                }
            }
            Line::Unboxed => problems.push(problem(
                "an option needs a box: write “- [ ] …”, or “- [x] …” for a right one",
            )),
            Line::Accepted(answer) => {
                if answer.is_empty() {
                    problems.push(problem("an accepted answer needs its text after “=”"));
                } else if let Some(d) = draft.as_mut() {
                    d.accepted.push(answer.to_string());
                }
            }
            Line::Explanation(text) => {
                if let Some(d) = draft.as_mut() {
                    d.explanation.push(text.to_string());
                }
            }
            Line::Hint(text) => {
                if let Some(d) = draft.as_mut() {
                    match &mut d.hint {
                        Some(hint) => {
                            hint.push(' ');
                            hint.push_str(text);
                        }
                        None => d.hint = Some(text.to_string()),
                    }
                }
            }
            Line::Unknown => problems.push(problem(
                "this line is not part of a question: a question starts with “? ”, \
                 an option with “- [ ]” or “- [x]”, an accepted answer with “= ”, \
                 an explanation with “> ” and a hint with “! ”",
            )),
        }
    }
    finish(draft.take(), &mut problems);
    if questions.is_empty() && problems.is_empty() {
        problems.push(Problem {
            line: first_line.saturating_sub(1).max(1),
            message: "this quiz has no questions: start one with “? ” followed by its wording"
                .into(),
        });
    }
    // A repeated id made from the wording (two questions worded alike) gets
    // a number; a repeated id of the author's is their mistake.
    let questions = questions
        .into_iter()
        .map(|(mut question, explicit)| {
            let id = ids.claim(&question.id);
            if id != question.id && explicit {
                problems.push(Problem {
                    line: question.line,
                    message: format!(
                        "two questions have the id {}: each id may be used once in a lesson",
                        quoted(&question.id)
                    ),
                });
            }
            question.id = id;
            question
        })
        .collect();
    problems.sort_by_key(|p| p.line);
    (Quiz { questions }, problems)
}

/// The question ids given out in one lesson.
#[derive(Debug, Default)]
pub struct Ids {
    /// Each id given out, with the next number to try after it.
    used: HashMap<String, usize>,
}

impl Ids {
    /// `wanted` if it is free, else `wanted-2`, `wanted-3`…: amortised
    /// constant time, however many questions share their wording.
    fn claim(&mut self, wanted: &str) -> String {
        let Some(next) = self.used.get(wanted).copied() else {
            self.used.insert(wanted.to_string(), 2);
            return wanted.to_string();
        };
        let mut n = next;
        while self.used.contains_key(&format!("{wanted}-{n}")) {
            n += 1;
        }
        self.used.insert(wanted.to_string(), n + 1);
        let id = format!("{wanted}-{n}");
        self.used.insert(id.clone(), 2);
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> (Quiz, Vec<Problem>) {
        parse(text, 10, &mut Ids::default())
    }

    const SAMPLE: &str = "\
? Which status code means the server has nothing at that path?
- [ ] 200
- [x] 404
- [ ] 500
> 404 Not Found: the path names nothing the server knows.

? Which of these run on the server? (choose all that apply)
- [x] Node.js
- [ ] CSS
- [x] PHP
> CSS styles pages in the browser.

? What command prints the installed Node.js version? {#node-version}
! It starts with the program's name.
= node --version
= node -v
> Either form works.
";

    #[test]
    fn the_three_kinds_of_question_are_read() {
        let (quiz, problems) = read(SAMPLE);
        assert_eq!(problems, vec![]);
        let q = &quiz.questions;
        assert_eq!(q.len(), 3);
        assert_eq!(q[0].line, 10);
        assert_eq!(q[0].id, "which-status-code-means-the-server-has-nothing");
        assert!(!q[0].answer.is_multiple());
        assert!(q[1].answer.is_multiple());
        assert_eq!(q[1].explanation, "CSS styles pages in the browser.");
        assert_eq!(q[2].id, "node-version");
        assert_eq!(
            q[2].prompt,
            "What command prints the installed Node.js version?"
        );
        assert_eq!(
            q[2].hint.as_deref(),
            Some("It starts with the program's name.")
        );
        assert_eq!(
            q[2].answer,
            Answer::Short(vec!["node --version".into(), "node -v".into()])
        );
        assert_eq!(q[2].line, 22);
    }

    #[test]
    fn mistakes_are_reported_at_their_line() {
        let text = "\
- [x] stray
? No right option
- [ ] a
- [ ] b
?
? Nothing to answer
? Mixed
- [x] a
= b
? One option
- [x] only
? Unboxed
- plain
what is this
? Fine
= yes
";
        let (quiz, problems) = read(text);
        let lines: Vec<usize> = problems.iter().map(|p| p.line).collect();
        assert_eq!(
            lines,
            vec![10, 11, 14, 15, 16, 19, 21, 22, 23],
            "{problems:#?}"
        );
        assert!(problems[0].message.contains("before any question"));
        assert!(problems[1].message.contains("marked right"));
        assert!(problems[2].message.contains("wording"));
        assert!(problems[3]
            .message
            .contains("no options and no accepted answers"));
        assert!(problems[4].message.contains("one or the other"));
        assert!(problems[5].message.contains("one option"));
        assert!(problems[6].message.contains("no options"));
        assert!(problems[7].message.contains("needs a box"));
        assert!(problems[8].message.contains("not part of a question"));
        assert_eq!(
            quiz.questions.len(),
            1,
            "only the last question is whole: {quiz:?}"
        );
    }

    #[test]
    fn an_empty_block_is_a_mistake() {
        let (quiz, problems) = read("\n\n");
        assert!(quiz.questions.is_empty());
        assert_eq!(problems.len(), 1);
        assert!(problems[0].message.contains("no questions"));
    }

    #[test]
    fn ids_are_unique_in_a_lesson() {
        let mut taken = Ids::default();
        let (first, p1) = parse("? Same words\n= a\n? Same words\n= b\n", 1, &mut taken);
        let (second, p2) = parse("? Same words\n= c\n", 8, &mut taken);
        assert!(p1.is_empty() && p2.is_empty());
        assert_eq!(first.questions[0].id, "same-words");
        assert_eq!(first.questions[1].id, "same-words-2");
        assert_eq!(second.questions[0].id, "same-words-3");

        let (_, problems) = parse("? A {#x}\n= a\n? B {#x}\n= b\n", 1, &mut Ids::default());
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].line, 3);
        let (_, problems) = parse("? A {#Not An Id}\n= a\n", 1, &mut Ids::default());
        assert!(problems[0].message.contains("lowercase"), "{problems:?}");
    }

    #[test]
    fn reading_is_linear_in_pathological_shapes() {
        // A megabyte of one shape each: options, explanations, questions.
        let many_options = format!("? Q\n{}", "- [x] a\n".repeat(130_000));
        let (quiz, _) = read(&many_options);
        assert_eq!(quiz.questions.len(), 1);
        let many_questions = "? Same\n= a\n".repeat(80_000);
        let (quiz, _) = read(&many_questions);
        assert_eq!(quiz.questions.len(), 80_000);
        assert_eq!(quiz.questions[79_999].id, "same-80000");
    }
}
