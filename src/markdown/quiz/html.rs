//! A quiz block's HTML, in the four ways it is shown:
//!
//! - [`form`]: the lesson page before answering. Nothing in it tells a right
//!   option from a wrong one (same markup, values are positions in the
//!   author's order), and no explanation is in it.
//! - [`graded`]: the same form after answering, each question marked right
//!   or wrong with the learner's choice kept, the right answer and the
//!   explanation; blanks stay blank and show no answer.
//! - [`print`]: the whole-course page and print: the questions with empty
//!   boxes, no button.
//! - [`key`]: the admin's preview, answers shown and labelled as seen by
//!   editors only.
//!
//! The author's words are markdown, rendered and sanitised like the rest of
//! the lesson; everything else here is escaped.

use pulldown_cmark::{html::push_html, Parser};
use pulldown_cmark_escape::{escape_href, escape_html};

use super::grade::{field_name, Given, Graded, GradedQuestion, Outcome, MAX_SHORT_ANSWER};
use super::parse::{Answer, Question, Quiz};
use crate::markdown::sanitize;

/// The id of the `n`th quiz (from 1) on a page. Heading ids never hold `--`,
/// so these never meet one.
pub fn quiz_id(n: usize) -> String {
    format!("quiz--{n}")
}

/// Where the `n`th quiz of the lesson at `lesson_url` is graded.
pub fn action(lesson_url: &str, n: usize) -> String {
    format!("{lesson_url}quiz/{n}")
}

fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let _ = escape_html(&mut out, text);
    out
}

/// Markdown rendered and sanitised; `inline` drops the paragraph around a
/// one-paragraph text (a question's wording, an option).
fn markdown(text: &str, inline: bool) -> String {
    let mut html = String::new();
    push_html(&mut html, Parser::new(text));
    let html = sanitize(&html);
    let trimmed = html.trim();
    if inline {
        if let Some(inner) = trimmed
            .strip_prefix("<p>")
            .and_then(|s| s.strip_suffix("</p>"))
        {
            if !inner.contains("<p>") {
                return inner.to_string();
            }
        }
    }
    trimmed.to_string()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode<'a> {
    Form,
    Graded(&'a Graded),
    Print,
    Key,
}

/// The `n`th quiz of the lesson at `lesson_url`, before answering.
pub fn form(quiz: &Quiz, n: usize, lesson_url: &str) -> String {
    write(quiz, &quiz_id(n), Some((lesson_url, n)), Mode::Form)
}

/// The same form, answered.
pub fn graded(quiz: &Quiz, n: usize, lesson_url: &str, graded: &Graded) -> String {
    write(
        quiz,
        &quiz_id(n),
        Some((lesson_url, n)),
        Mode::Graded(graded),
    )
}

/// The questions with empty boxes, as the element with id `id`.
pub fn print(quiz: &Quiz, id: &str) -> String {
    write(quiz, id, None, Mode::Print)
}

/// The `n`th quiz with its answers, for editors.
pub fn key(quiz: &Quiz, n: usize) -> String {
    write(quiz, &quiz_id(n), None, Mode::Key)
}

fn write(quiz: &Quiz, id: &str, form: Option<(&str, usize)>, mode: Mode<'_>) -> String {
    let mut out = String::new();
    let count = quiz.questions.len();
    let label = if count == 1 {
        "Self-check: 1 question".to_string()
    } else {
        format!("Self-check: {count} questions")
    };
    // Neither element is a landmark (an unnamed form, a group): a page may
    // hold several quizzes of one title, and landmarks need names of their own.
    match (mode, form) {
        (Mode::Form | Mode::Graded(_), Some((url, n))) => {
            let action = action(url, n);
            let mut href = String::new();
            let _ = escape_href(&mut href, &action);
            out.push_str(&format!(
                "<form class=\"quiz\" id=\"{id}\" method=\"post\" action=\"{}#{id}\" \
                 data-quiz=\"{n}\">\n",
                esc(&href)
            ));
        }
        _ => out.push_str(&format!(
            "<section class=\"quiz quiz-static\" id=\"{id}\" role=\"group\" aria-labelledby=\"{id}--title\">\n"
        )),
    }
    out.push_str(&format!(
        "<p class=\"quiz-title\" id=\"{id}--title\">{}</p>\n",
        esc(&label)
    ));
    if mode == Mode::Key {
        out.push_str(
            "<p class=\"quiz-key-note\">Answers and explanations are shown here for \
             editors only: learners see them after answering.</p>\n",
        );
    }
    if let Mode::Graded(graded) = mode {
        let answered = graded
            .questions
            .iter()
            .filter(|q| q.outcome != Outcome::Unanswered)
            .count();
        let mut score = format!("You got {} of {} right.", graded.right, graded.total());
        if answered < graded.total() {
            let blank = graded.total() - answered;
            score.push_str(&if blank == 1 {
                " One question was left blank.".to_string()
            } else {
                format!(" {blank} questions were left blank.")
            });
        }
        out.push_str(&format!(
            "<p class=\"quiz-score\" role=\"status\" data-right=\"{}\" data-total=\"{}\">{}</p>\n",
            graded.right,
            graded.total(),
            esc(&score)
        ));
    }
    for (i, question) in quiz.questions.iter().enumerate() {
        let result = match mode {
            Mode::Graded(g) => g.questions.get(i),
            _ => None,
        };
        write_question(&mut out, id, i + 1, question, mode, result);
    }
    match mode {
        Mode::Form => out.push_str(
            "<p class=\"quiz-actions\"><button type=\"submit\" class=\"quiz-submit\">Check answers</button></p>\n</form>\n",
        ),
        Mode::Graded(_) => out.push_str(
            "<p class=\"quiz-actions\"><button type=\"submit\" class=\"quiz-submit\">Check again</button></p>\n</form>\n",
        ),
        Mode::Print | Mode::Key => out.push_str("</section>\n"),
    }
    out
}

fn write_question(
    out: &mut String,
    quiz_id: &str,
    number: usize,
    question: &Question,
    mode: Mode<'_>,
    result: Option<&GradedQuestion>,
) {
    let qid = format!("{quiz_id}--{}", question.id);
    let class = match result.map(|r| r.outcome) {
        Some(Outcome::Right) => " quiz-right",
        Some(Outcome::Wrong) => " quiz-wrong",
        Some(Outcome::Unanswered) => " quiz-blank",
        None => "",
    };
    out.push_str(&format!(
        "<fieldset class=\"quiz-question{class}\" id=\"{qid}\" data-question=\"{}\">\n\
         <legend><span class=\"quiz-number\">{number}.</span> {}</legend>\n",
        esc(&question.id),
        markdown(&question.prompt, true)
    ));
    if let (Some(hint), Mode::Form | Mode::Graded(_) | Mode::Key) = (&question.hint, mode) {
        out.push_str(&format!(
            "<details class=\"quiz-hint\"><summary>Hint</summary><p>{}</p></details>\n",
            markdown(hint, true)
        ));
    }
    let disabled = if matches!(mode, Mode::Print | Mode::Key) {
        " disabled"
    } else {
        ""
    };
    let name = esc(&field_name(&question.id));
    match &question.answer {
        Answer::Choice(options) => {
            let kind = if question.answer.is_multiple() {
                "checkbox"
            } else {
                "radio"
            };
            let chosen: &[usize] = match result.map(|r| &r.given) {
                Some(Given::Options(chosen)) => chosen,
                _ => &[],
            };
            out.push_str("<ul class=\"quiz-options\" role=\"list\">\n");
            for (i, option) in options.iter().enumerate() {
                let checked = if chosen.contains(&i) { " checked" } else { "" };
                let mark = match mode {
                    Mode::Key if option.correct => {
                        " <span class=\"quiz-mark\">(right answer)</span>"
                    }
                    _ => "",
                };
                out.push_str(&format!(
                    "<li><label><input type=\"{kind}\" name=\"{name}\" value=\"{i}\"{checked}{disabled}> \
                     <span>{}</span>{mark}</label></li>\n",
                    markdown(&option.text, true)
                ));
            }
            out.push_str("</ul>\n");
        }
        Answer::Short(_) => {
            let value = match result.map(|r| &r.given) {
                Some(Given::Text(text)) => format!(" value=\"{}\"", esc(text)),
                _ => String::new(),
            };
            out.push_str(&format!(
                "<p class=\"quiz-short\"><label for=\"{qid}--answer\">Your answer</label> \
                 <input type=\"text\" id=\"{qid}--answer\" name=\"{name}\" maxlength=\"{MAX_SHORT_ANSWER}\" \
                 autocomplete=\"off\" autocapitalize=\"off\" spellcheck=\"false\"{value}{disabled}></p>\n"
            ));
        }
    }
    let reveal = matches!(
        (mode, result.map(|r| r.outcome)),
        (Mode::Key, _) | (Mode::Graded(_), Some(Outcome::Right | Outcome::Wrong))
    );
    if let Some(outcome) = result.map(|r| r.outcome) {
        let verdict = match outcome {
            Outcome::Right => "Right.",
            Outcome::Wrong => "Not quite.",
            Outcome::Unanswered => "Not answered: choose or type an answer and check again.",
        };
        out.push_str(&format!("<p class=\"quiz-verdict\">{}</p>\n", esc(verdict)));
    }
    if reveal {
        out.push_str(&format!(
            "<p class=\"quiz-answer\">{}</p>\n",
            right_answer(question)
        ));
        if !question.explanation.is_empty() {
            out.push_str(&format!(
                "<div class=\"quiz-explanation\">{}</div>\n",
                markdown(&question.explanation, false)
            ));
        }
    }
    out.push_str("</fieldset>\n");
}

/// "The right answer: 404", "The right answers: Node.js, PHP", "Accepted
/// answers: node --version, node -v".
fn right_answer(question: &Question) -> String {
    let (label, items): (&str, Vec<String>) = match &question.answer {
        Answer::Choice(options) => {
            let right: Vec<String> = options
                .iter()
                .filter(|o| o.correct)
                .map(|o| markdown(&o.text, true))
                .collect();
            let label = if right.len() == 1 {
                "The right answer:"
            } else {
                "The right answers:"
            };
            (label, right)
        }
        Answer::Short(accepted) => {
            let label = if accepted.len() == 1 {
                "The answer:"
            } else {
                "Accepted answers:"
            };
            (
                label,
                accepted
                    .iter()
                    .map(|a| format!("<code>{}</code>", esc(a)))
                    .collect(),
            )
        }
    };
    format!("<strong>{label}</strong> {}", items.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::markdown::quiz::grade::grade;
    use crate::markdown::quiz::parse::{parse, Ids};

    const TEXT: &str = "\
? Which code means *not found*? {#code}
! Think of the 4xx family.
- [ ] 200
- [x] 404
- [ ] `500`
> 404 Not Found: the path names **nothing**.
? Which command prints the version? {#version}
= node --version
> Either form works.
";

    fn quiz() -> Quiz {
        parse(TEXT, 1, &mut Ids::default()).0
    }

    #[test]
    fn the_form_tells_no_right_option_from_a_wrong_one() {
        let html = form(&quiz(), 1, "/backend-dev/http/");
        assert!(
            html.contains("action=\"/backend-dev/http/quiz/1#quiz--1\""),
            "{html}"
        );
        assert!(!html.contains("404 Not Found"), "no explanation: {html}");
        assert!(!html.contains("right"), "{html}");
        assert!(!html.contains("node --version"), "{html}");
        // Each option's markup differs only in its position and its text.
        let options: Vec<&str> = html.lines().filter(|l| l.starts_with("<li>")).collect();
        assert_eq!(options.len(), 3);
        for (i, (line, text)) in options
            .iter()
            .zip(["200", "404", "<code>500</code>"])
            .enumerate()
        {
            assert_eq!(
                *line,
                format!(
                    "<li><label><input type=\"radio\" name=\"answer-code\" value=\"{i}\"> <span>{text}</span></label></li>"
                )
            );
        }
        assert!(html.contains("<em>not found</em>"));
        assert!(html.contains("<summary>Hint</summary>"));
    }

    #[test]
    fn graded_shows_the_choice_the_answer_and_the_explanation() {
        let q = quiz();
        let answers = vec![("answer-code".to_string(), "0".to_string())];
        let html = graded(&q, 1, "/c/l/", &grade(&q, &answers));
        assert!(
            html.contains("You got 0 of 2 right. One question was left blank."),
            "{html}"
        );
        assert!(html.contains("value=\"0\" checked"), "{html}");
        assert!(html.contains("Not quite."));
        assert!(
            html.contains("<strong>The right answer:</strong> 404"),
            "{html}"
        );
        assert!(html.contains("<strong>nothing</strong>"));
        // The blank question shows no answer.
        assert!(!html.contains("node --version"), "{html}");
        assert!(!html.contains("Either form works"), "{html}");
    }

    #[test]
    fn print_has_empty_boxes_and_key_has_everything() {
        let q = quiz();
        let printed = print(&q, &quiz_id(2));
        assert!(!printed.contains("<form"));
        assert!(!printed.contains("404 Not Found"));
        assert!(printed.contains("disabled"));
        let key = key(&q, 2);
        assert!(key.contains("editors only"));
        assert!(key.contains("404 Not Found"));
        assert!(key.contains("<code>node --version</code>"));
        assert!(key.contains("(right answer)"));
    }

    #[test]
    fn hostile_words_are_sanitised() {
        let text = "? <script>alert(1)</script> [x](javascript:alert(1))\n- [x] <img src=x onerror=alert(1)>\n- [ ] b\n> <iframe src=//evil></iframe>\n";
        let q = parse(text, 1, &mut Ids::default()).0;
        let html = key(&q, 1);
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("href=\"javascript"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
        assert!(!html.contains("<iframe"), "{html}");
    }
}
