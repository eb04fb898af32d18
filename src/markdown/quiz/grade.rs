//! Grading a learner's answers: a pure function of the questions and the
//! form's fields. No database, no account, nothing remembered.

use std::collections::HashMap;

use super::parse::{Answer, Question, Quiz};

/// The form field that holds the answer to question `id`.
pub fn field_name(id: &str) -> String {
    format!("answer-{id}")
}

/// The longest short answer read, in characters (the form's input allows
/// no more; a longer one is cut, never an error).
pub const MAX_SHORT_ANSWER: usize = 200;

/// What the learner gave for one question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Given {
    Nothing,
    /// Indexes of the options chosen, in the author's order.
    Options(Vec<usize>),
    Text(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Right,
    Wrong,
    /// Left blank: neither right nor wrong, and the answer is not shown.
    Unanswered,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GradedQuestion {
    pub given: Given,
    pub outcome: Outcome,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Graded {
    /// In the quiz's order.
    pub questions: Vec<GradedQuestion>,
    pub right: usize,
}

impl Graded {
    pub fn total(&self) -> usize {
        self.questions.len()
    }
}

/// Trimmed, lowercase, runs of whitespace made one space: `  Node  -V ` and
/// `node -v` are the same answer.
pub fn normalise(answer: &str) -> String {
    answer
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn given(question: &Question, values: &[&str]) -> Given {
    match &question.answer {
        Answer::Choice(options) => {
            let mut chosen: Vec<usize> = values
                .iter()
                .filter_map(|v| v.parse::<usize>().ok())
                .filter(|&i| i < options.len())
                .collect();
            if !question.answer.is_multiple() {
                chosen.truncate(1);
            }
            chosen.sort_unstable();
            chosen.dedup();
            if chosen.is_empty() {
                Given::Nothing
            } else {
                Given::Options(chosen)
            }
        }
        Answer::Short(_) => {
            let text: String = values
                .first()
                .map(|v| v.trim().chars().take(MAX_SHORT_ANSWER).collect())
                .unwrap_or_default();
            if text.is_empty() {
                Given::Nothing
            } else {
                Given::Text(text)
            }
        }
    }
}

fn outcome(question: &Question, given: &Given) -> Outcome {
    match (&question.answer, given) {
        (_, Given::Nothing) => Outcome::Unanswered,
        (Answer::Choice(options), Given::Options(chosen)) => {
            let right: Vec<usize> = (0..options.len()).filter(|&i| options[i].correct).collect();
            if *chosen == right {
                Outcome::Right
            } else {
                Outcome::Wrong
            }
        }
        (Answer::Short(accepted), Given::Text(text)) => {
            let text = normalise(text);
            if accepted.iter().any(|a| normalise(a) == text) {
                Outcome::Right
            } else {
                Outcome::Wrong
            }
        }
        _ => Outcome::Wrong,
    }
}

/// Grades the form `fields` (name, value pairs as posted) against `quiz`.
/// Fields for other questions, and values that name no option, are ignored.
pub fn grade(quiz: &Quiz, fields: &[(String, String)]) -> Graded {
    let mut by_name: HashMap<&str, Vec<&str>> = HashMap::new();
    for (name, value) in fields {
        by_name
            .entry(name.as_str())
            .or_default()
            .push(value.as_str());
    }
    let questions: Vec<GradedQuestion> = quiz
        .questions
        .iter()
        .map(|q| {
            let values = by_name
                .get(field_name(&q.id).as_str())
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            let given = given(q, values);
            GradedQuestion {
                outcome: outcome(q, &given),
                given,
            }
        })
        .collect();
    Graded {
        right: questions
            .iter()
            .filter(|q| q.outcome == Outcome::Right)
            .count(),
        questions,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::markdown::quiz::parse::{parse, Ids};

    fn quiz() -> Quiz {
        let text = "\
? Not found? {#code}
- [ ] 200
- [x] 404
? Server side? {#server}
- [x] Node.js
- [ ] CSS
- [x] PHP
? Version? {#version}
= node --version
= node -v
";
        let (quiz, problems) = parse(text, 1, &mut Ids::default());
        assert!(problems.is_empty(), "{problems:?}");
        quiz
    }

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn right_answers_score_every_question() {
        let graded = grade(
            &quiz(),
            &fields(&[
                ("answer-code", "1"),
                ("answer-server", "2"),
                ("answer-server", "0"),
                ("answer-version", "  Node   -V "),
            ]),
        );
        assert_eq!(graded.right, 3);
        assert_eq!(graded.questions[1].given, Given::Options(vec![0, 2]));
        assert_eq!(graded.questions[2].given, Given::Text("Node   -V".into()));
    }

    #[test]
    fn partial_and_wrong_choices_are_wrong_and_blanks_unanswered() {
        let graded = grade(
            &quiz(),
            &fields(&[
                ("answer-code", "0"),
                ("answer-server", "0"),
                ("answer-version", "   "),
            ]),
        );
        let outcomes: Vec<Outcome> = graded.questions.iter().map(|q| q.outcome).collect();
        assert_eq!(
            outcomes,
            vec![Outcome::Wrong, Outcome::Wrong, Outcome::Unanswered]
        );
        assert_eq!(graded.right, 0);
        assert_eq!(graded.total(), 3);
    }

    #[test]
    fn hostile_values_are_ignored() {
        let graded = grade(
            &quiz(),
            &fields(&[
                ("answer-code", "99"),
                ("answer-code", "-1"),
                ("answer-code", "x"),
                ("answer-server", "0"),
                ("answer-server", "0"),
                ("answer-server", "2"),
                ("answer-other", "1"),
            ]),
        );
        assert_eq!(graded.questions[0].outcome, Outcome::Unanswered);
        // A repeated option counts once.
        assert_eq!(graded.questions[1].outcome, Outcome::Right);
        // A second radio value cannot make a single-choice question right.
        let graded = grade(
            &quiz(),
            &fields(&[("answer-code", "0"), ("answer-code", "1")]),
        );
        assert_eq!(graded.questions[0].outcome, Outcome::Wrong);
    }
}
