//! Line diffs between two texts, as structured hunks the templates show
//! (no HTML is built here).

use serde::Serialize;
use similar::{ChangeTag, TextDiff};

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LineKind {
    Same,
    Added,
    Removed,
}

#[derive(Clone, Debug, Serialize)]
pub struct DiffLine {
    pub kind: LineKind,
    pub old_no: Option<usize>,
    pub new_no: Option<usize>,
    pub text: String,
}

/// Hunks of changed lines with three lines of context; empty when equal.
pub fn line_diff(old: &str, new: &str) -> Vec<Vec<DiffLine>> {
    let diff = TextDiff::from_lines(old, new);
    diff.grouped_ops(3)
        .iter()
        .map(|group| {
            group
                .iter()
                .flat_map(|op| diff.iter_changes(op))
                .map(|change| DiffLine {
                    kind: match change.tag() {
                        ChangeTag::Equal => LineKind::Same,
                        ChangeTag::Insert => LineKind::Added,
                        ChangeTag::Delete => LineKind::Removed,
                    },
                    old_no: change.old_index().map(|i| i + 1),
                    new_no: change.new_index().map(|i| i + 1),
                    text: change.value().trim_end_matches('\n').to_string(),
                })
                .collect()
        })
        .collect()
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
}
