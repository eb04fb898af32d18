//! Comparisons of two versions of a lesson, as structured data the
//! templates show (no HTML is built here): changed fields, and the body's
//! changed lines with the changed words within them marked, each side
//! labelled with who wrote it.

use std::time::Duration;

use serde::Serialize;
use similar::{ChangeTag, TextDiff};

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LineKind {
    Same,
    Added,
    Removed,
}

/// A run of a line's text; `changed` marks words that differ from the
/// other side's matching line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Segment {
    pub text: String,
    pub changed: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct DiffLine {
    pub kind: LineKind,
    pub old_no: Option<usize>,
    pub new_no: Option<usize>,
    pub text: String,
    /// The line in runs, changed words marked (one unmarked run when the
    /// whole line is new or the line is the same).
    pub segments: Vec<Segment>,
}

/// How long one diff may search for the smallest difference; past it the
/// result is coarser (whole lines rather than words), never wrong, so a
/// huge or hostile pair of texts cannot make a page slow.
const DIFF_BUDGET: Duration = Duration::from_millis(300);

/// The most lines a diff shows; a page comparing two huge, wholly
/// different texts stays readable (and small).
pub const MAX_SHOWN_LINES: usize = 2_000;

/// Hunks of changed lines with three lines of context; empty when equal.
/// At most [`MAX_SHOWN_LINES`] lines are given.
pub fn line_diff(old: &str, new: &str) -> Vec<Vec<DiffLine>> {
    let diff = TextDiff::configure()
        .timeout(DIFF_BUDGET)
        .diff_lines(old, new);
    let mut budget = MAX_SHOWN_LINES;
    diff.grouped_ops(3)
        .iter()
        .map_while(|group| {
            if budget == 0 {
                return None;
            }
            let lines: Vec<DiffLine> = group
                .iter()
                .flat_map(|op| diff.iter_inline_changes(op))
                .take(budget)
                .map(|change| {
                    let segments: Vec<Segment> = change
                        .iter_strings_lossy()
                        .map(|(emphasized, text)| Segment {
                            text: text.trim_end_matches('\n').to_string(),
                            changed: emphasized,
                        })
                        .filter(|s| !s.text.is_empty())
                        .collect();
                    DiffLine {
                        kind: match change.tag() {
                            ChangeTag::Equal => LineKind::Same,
                            ChangeTag::Insert => LineKind::Added,
                            ChangeTag::Delete => LineKind::Removed,
                        },
                        old_no: change.old_index().map(|i| i + 1),
                        new_no: change.new_index().map(|i| i + 1),
                        text: segments.iter().map(|s| s.text.as_str()).collect(),
                        segments,
                    }
                })
                .collect();
            budget -= lines.len();
            Some(lines)
        })
        .collect()
}

/// A field other than the body that differs between the two sides.
#[derive(Clone, Debug, Serialize)]
pub struct FieldChange {
    /// The field's name as the editor labels it ("Title", "Status").
    pub label: &'static str,
    pub old: String,
    pub new: String,
}

/// Two versions of a lesson side by side: who wrote each, the fields that
/// differ, the body's changed lines.
#[derive(Clone, Debug, Serialize)]
pub struct Comparison {
    pub old_label: String,
    pub new_label: String,
    pub fields: Vec<FieldChange>,
    pub hunks: Vec<Vec<DiffLine>>,
    /// Whether more lines differ than the comparison shows.
    pub cut_short: bool,
}

/// One side of a comparison: its label, its named fields (title, summary
/// and any others known) and its body.
pub struct Side<'a> {
    pub label: String,
    pub fields: Vec<(&'static str, &'a str)>,
    pub body: &'a str,
}

/// Compares `old` with `new`. A field known on one side only is not listed.
pub fn compare(old: Side<'_>, new: Side<'_>) -> Comparison {
    let fields = old
        .fields
        .iter()
        .filter_map(|(name, old_value)| {
            let (_, new_value) = new.fields.iter().find(|(n, _)| n == name)?;
            (old_value.trim_end() != new_value.trim_end()).then(|| FieldChange {
                label: field_label(name),
                old: old_value.to_string(),
                new: new_value.to_string(),
            })
        })
        .collect();
    let hunks = line_diff(old.body, new.body);
    Comparison {
        cut_short: hunks.iter().map(Vec::len).sum::<usize>() >= MAX_SHOWN_LINES,
        hunks,
        old_label: old.label,
        new_label: new.label,
        fields,
    }
}

/// How the editor labels a field.
pub fn field_label(name: &str) -> &'static str {
    match name {
        "title" => "Title",
        "summary" => "Summary",
        "body_md" => "Text",
        "slug" => "Slug",
        "course_id" => "Course",
        "status" => "Status",
        "duration" => "Duration in minutes",
        "level" => "Level",
        "publish_at" => "Publish at",
        "prerequisites" => "Prerequisites",
        _ => "Another field",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_texts_have_no_hunks() {
        assert!(line_diff("a\nb\n", "a\nb\n").is_empty());
    }

    #[test]
    fn changes_are_marked_with_line_numbers() {
        let hunks = line_diff("one\ntwo\nthree\n", "one\n2\nthree\n");
        let lines = &hunks[0];
        let removed = lines.iter().find(|l| l.kind == LineKind::Removed).unwrap();
        let added = lines.iter().find(|l| l.kind == LineKind::Added).unwrap();
        assert_eq!((removed.text.as_str(), removed.old_no), ("two", Some(2)));
        assert_eq!((added.text.as_str(), added.new_no), ("2", Some(2)));
    }

    #[test]
    fn changed_words_within_a_long_line_are_marked() {
        let old = "Node.js runs JavaScript on the server, outside the browser.\n";
        let new = "Node.js runs JavaScript on a server, outside any browser.\n";
        let hunks = line_diff(old, new);
        let added = hunks[0].iter().find(|l| l.kind == LineKind::Added).unwrap();
        let changed: Vec<&str> = added
            .segments
            .iter()
            .filter(|s| s.changed)
            .map(|s| s.text.as_str())
            .collect();
        assert_eq!(changed, vec!["a", "any"]);
        assert_eq!(added.text, new.trim_end());
    }

    #[test]
    fn a_huge_diff_shows_a_bounded_number_of_lines() {
        let old: String = (0..10_000).map(|i| format!("a{i}\n")).collect();
        let new: String = (0..10_000).map(|i| format!("b{i}\n")).collect();
        let shown: usize = line_diff(&old, &new).iter().map(Vec::len).sum();
        assert_eq!(shown, MAX_SHOWN_LINES);
    }

    #[test]
    fn a_comparison_lists_changed_fields_with_labels() {
        let c = compare(
            Side {
                label: "version 3 by ada".into(),
                fields: vec![("title", "Install Node"), ("summary", "Same")],
                body: "a\n",
            },
            Side {
                label: "your text".into(),
                fields: vec![("title", "Install Node.js"), ("summary", "Same")],
                body: "a\n",
            },
        );
        assert_eq!(c.fields.len(), 1);
        assert_eq!(c.fields[0].label, "Title");
        assert!(c.hunks.is_empty());
        assert_eq!(c.old_label, "version 3 by ada");
    }
}
