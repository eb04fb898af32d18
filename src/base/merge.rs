//! Three-way merges of a lesson: the version an edit started from (base),
//! the live version (theirs) and the edit (mine). Fields merge one by one;
//! the markdown body merges by line through `diffy`. Nothing here reads the
//! database: callers hand in the three sides and labels for the people.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

/// The parts of a lesson a person edits, as plain values.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Parts {
    pub title: String,
    pub summary: String,
    pub body_md: String,
    /// Other fields (slug, course, status, learner fields) by name, as the
    /// form shows them. A base without them (`None`) cannot tell who changed
    /// a field, so any difference there is a conflict.
    pub fields: Option<BTreeMap<&'static str, String>>,
}

/// Who wrote each side, for conflict markers and the page.
#[derive(Clone, Debug)]
pub struct Labels {
    pub mine: String,
    pub theirs: String,
}

/// A field both sides changed, differently. The merge keeps `mine` in place.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldConflict {
    pub field: &'static str,
    pub mine: String,
    pub theirs: String,
}

/// What a merge made of the three sides.
#[derive(Clone, Debug)]
pub struct Merged {
    /// The merged lesson. Where the body conflicts it holds both sides
    /// between markers; where another field conflicts, the edit's value.
    pub parts: Parts,
    /// Fields only the other side changed, taken from it.
    pub from_theirs: Vec<&'static str>,
    /// Fields only this edit changed, kept from it.
    pub from_mine: Vec<&'static str>,
    /// Fields (other than the body) both sides changed differently.
    pub conflicts: Vec<FieldConflict>,
    /// Regions of the body both sides changed differently (0: merged cleanly).
    pub body_conflicts: usize,
}

impl Merged {
    pub fn is_clean(&self) -> bool {
        self.conflicts.is_empty() && self.body_conflicts == 0
    }
}

/// The start of the marker lines around the edit's side of a conflicting
/// region; the text may be saved only once they are gone.
pub const MINE_MARKER: &str = "<<<<<<< ";
pub const SPLIT_MARKER: &str = "=======";
pub const THEIRS_MARKER: &str = ">>>>>>> ";

/// Merges `mine` and `theirs`, both edited from `base` (`None`: the start
/// is unknown, so every difference is a conflict).
pub fn merge(base: Option<&Parts>, mine: &Parts, theirs: &Parts, labels: &Labels) -> Merged {
    let mut out = Merged {
        parts: Parts {
            fields: mine.fields.clone(),
            ..Parts::default()
        },
        from_theirs: Vec::new(),
        from_mine: Vec::new(),
        conflicts: Vec::new(),
        body_conflicts: 0,
    };
    out.parts.title = pick(
        &mut out,
        "title",
        base.map(|b| b.title.as_str()),
        &mine.title,
        &theirs.title,
    );
    out.parts.summary = pick(
        &mut out,
        "summary",
        base.map(|b| b.summary.as_str()),
        &mine.summary,
        &theirs.summary,
    );
    if let (Some(m), Some(t)) = (&mine.fields, &theirs.fields) {
        let base_fields = base.and_then(|b| b.fields.as_ref());
        let mut fields = m.clone();
        for (name, theirs_value) in t {
            let mine_value = m.get(name).cloned().unwrap_or_default();
            let base_value = base_fields.map(|b| b.get(name).map_or("", String::as_str));
            let value = pick(&mut out, name, base_value, &mine_value, theirs_value);
            fields.insert(name, value);
        }
        out.parts.fields = Some(fields);
    }
    let body = merge_body(
        base.map(|b| b.body_md.as_str()),
        &mine.body_md,
        &theirs.body_md,
        labels,
    );
    match body {
        BodyMerge::Same(text) => out.parts.body_md = text,
        BodyMerge::Clean { text, mine, theirs } => {
            if mine {
                out.from_mine.push("body_md");
            }
            if theirs {
                out.from_theirs.push("body_md");
            }
            out.parts.body_md = text;
        }
        BodyMerge::Conflicts { text, regions } => {
            out.body_conflicts = regions;
            out.parts.body_md = text;
        }
    }
    out
}

/// One field: the side that changed it, either when both made the same
/// change; both changed it differently: a conflict, and the edit's value.
fn pick(
    out: &mut Merged,
    field: &'static str,
    base: Option<&str>,
    mine: &str,
    theirs: &str,
) -> String {
    if mine == theirs {
        return mine.to_string();
    }
    match base {
        Some(b) if b == mine => {
            out.from_theirs.push(field);
            theirs.to_string()
        }
        Some(b) if b == theirs => {
            out.from_mine.push(field);
            mine.to_string()
        }
        _ => {
            out.conflicts.push(FieldConflict {
                field,
                mine: mine.to_string(),
                theirs: theirs.to_string(),
            });
            mine.to_string()
        }
    }
}

/// What merging two edits of a body gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BodyMerge {
    /// Both sides hold the same text.
    Same(String),
    /// Merged without overlap; which sides brought changes.
    Clean {
        text: String,
        mine: bool,
        theirs: bool,
    },
    /// Some regions changed on both sides: the text holds both versions of
    /// each between labelled markers.
    Conflicts { text: String, regions: usize },
}

/// The longest a diff used to judge a merge's cost may take; past it the
/// diff is coarse and so larger, which only makes a merge less likely.
const DIFF_BUDGET: Duration = Duration::from_millis(250);

/// The most line comparisons a merge may cost (lines × changed lines):
/// beyond it the two texts are shown whole as one conflict, so a hostile
/// pair of 1 MiB texts never makes a save quadratic.
const MERGE_WORK_LIMIT: usize = 20_000_000;

/// Merges two edits of a markdown body by line.
pub fn merge_body(base: Option<&str>, mine: &str, theirs: &str, labels: &Labels) -> BodyMerge {
    if mine == theirs {
        return BodyMerge::Same(mine.to_string());
    }
    let Some(base) = base else {
        return whole_conflict(mine, theirs, labels);
    };
    if base == theirs {
        return BodyMerge::Clean {
            text: mine.to_string(),
            mine: true,
            theirs: false,
        };
    }
    if base == mine {
        return BodyMerge::Clean {
            text: theirs.to_string(),
            mine: false,
            theirs: true,
        };
    }
    if !affordable(base, mine) || !affordable(base, theirs) {
        return whole_conflict(mine, theirs, labels);
    }
    // Lines are compared with their line ends: give every side a final one,
    // so an edit of the last line is not also a change of its ending.
    let (base, mine, theirs) = (with_newline(base), with_newline(mine), with_newline(theirs));
    let mut options = diffy::MergeOptions::new();
    options.set_conflict_style(diffy::ConflictStyle::Merge);
    match options.merge(&base, &mine, &theirs) {
        Ok(text) => BodyMerge::Clean {
            text,
            mine: true,
            theirs: true,
        },
        Err(text) => relabel(&text, [&base, &mine, &theirs], labels),
    }
}

fn with_newline(text: &str) -> String {
    let mut t = text.to_string();
    if !t.is_empty() && !t.ends_with('\n') {
        t.push('\n');
    }
    t
}

/// Whether diffing `a` against `b` line by line stays within the work limit.
fn affordable(a: &str, b: &str) -> bool {
    let diff = similar::TextDiff::configure()
        .timeout(DIFF_BUDGET)
        .diff_lines(a, b);
    let changed = diff
        .ops()
        .iter()
        .filter(|op| op.tag() != similar::DiffTag::Equal)
        .map(|op| op.old_range().len().max(op.new_range().len()))
        .sum::<usize>();
    let lines = a.lines().count() + b.lines().count();
    lines.saturating_mul(changed.max(1)) <= MERGE_WORK_LIMIT
}

/// Both texts whole, as one conflicting region.
fn whole_conflict(mine: &str, theirs: &str, labels: &Labels) -> BodyMerge {
    let mut text = String::new();
    text.push_str(&format!("{MINE_MARKER}{}\n", labels.mine));
    text.push_str(&with_newline(mine));
    text.push_str(SPLIT_MARKER);
    text.push('\n');
    text.push_str(&with_newline(theirs));
    text.push_str(&format!("{THEIRS_MARKER}{}\n", labels.theirs));
    BodyMerge::Conflicts { text, regions: 1 }
}

/// `diffy` writes its own marker names; put the people's labels on them,
/// counting the regions. Marker lines a side already held are left alone.
fn relabel(text: &str, sides: [&str; 3], labels: &Labels) -> BodyMerge {
    // Compared byte for byte, as the merged text's lines are below: a side's
    // "…\r\n" line is not diffy's marker line.
    let held = |line: &str| sides.iter().any(|s| s.split('\n').any(|l| l == line));
    let (start, end) = ("<<<<<<< ours", ">>>>>>> theirs");
    let (start_held, end_held) = (held(start), held(end));
    let mut out = String::with_capacity(text.len() + 64);
    let mut regions = 0;
    for line in text.split_inclusive('\n') {
        let bare = line.trim_end_matches('\n');
        if bare == start && !start_held {
            regions += 1;
            out.push_str(&format!("{MINE_MARKER}{}\n", labels.mine));
        } else if bare == end && !end_held {
            out.push_str(&format!("{THEIRS_MARKER}{}\n", labels.theirs));
        } else {
            out.push_str(line);
        }
    }
    BodyMerge::Conflicts {
        text: out,
        regions: regions.max(1),
    }
}

/// The lines (1-based) of a body that still hold conflict markers written
/// with `labels`-style names, so a save can refuse them.
pub fn marker_lines(body: &str, mine_label_start: &str, theirs_label_start: &str) -> Vec<usize> {
    let mine = format!("{MINE_MARKER}{mine_label_start}");
    let theirs = format!("{THEIRS_MARKER}{theirs_label_start}");
    body.lines()
        .enumerate()
        .filter(|(_, l)| l.starts_with(&mine) || l.starts_with(&theirs))
        .map(|(i, _)| i + 1)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels() -> Labels {
        Labels {
            mine: "your text".into(),
            theirs: "version 6 by bob".into(),
        }
    }

    fn parts(title: &str, body: &str) -> Parts {
        Parts {
            title: title.into(),
            summary: String::new(),
            body_md: body.into(),
            fields: None,
        }
    }

    const BASE: &str = "# Intro\n\nFirst paragraph.\n\nSecond paragraph.\n\nThird paragraph.\n";

    #[test]
    fn edits_of_different_paragraphs_merge() {
        let mine = BASE.replace("First paragraph.", "First paragraph, reworded.");
        let theirs = BASE.replace("Third paragraph.", "Third paragraph, extended.");
        let m = merge(
            Some(&parts("T", BASE)),
            &parts("T", &mine),
            &parts("T", &theirs),
            &labels(),
        );
        assert!(m.is_clean());
        assert!(m.parts.body_md.contains("First paragraph, reworded."));
        assert!(m.parts.body_md.contains("Third paragraph, extended."));
    }

    #[test]
    fn edits_of_the_same_paragraph_conflict_with_labelled_sides() {
        let mine = BASE.replace("Second paragraph.", "Mine.");
        let theirs = BASE.replace("Second paragraph.", "Theirs.");
        let m = merge(
            Some(&parts("T", BASE)),
            &parts("T", &mine),
            &parts("T", &theirs),
            &labels(),
        );
        assert_eq!(m.body_conflicts, 1);
        let text = &m.parts.body_md;
        assert!(
            text.contains("<<<<<<< your text\nMine.\n=======\nTheirs.\n>>>>>>> version 6 by bob\n"),
            "{text}"
        );
        assert_eq!(marker_lines(text, "your text", "version "), vec![5, 9]);
    }

    #[test]
    fn fields_merge_one_by_one() {
        let base = parts("Old title", BASE);
        let mut mine = parts("New title", BASE);
        mine.summary = "My summary".into();
        let mut theirs = parts("Old title", BASE);
        theirs.summary = "Their summary".into();
        let m = merge(Some(&base), &mine, &theirs, &labels());
        assert_eq!(m.parts.title, "New title");
        assert_eq!(m.from_mine, vec!["title"]);
        assert_eq!(
            m.conflicts,
            vec![FieldConflict {
                field: "summary",
                mine: "My summary".into(),
                theirs: "Their summary".into()
            }]
        );
        assert_eq!(m.parts.summary, "My summary");
    }

    #[test]
    fn other_fields_need_a_base_to_merge() {
        let with = |slug: &str, status: &str| {
            let mut p = parts("T", BASE);
            p.fields = Some(BTreeMap::from([
                ("slug", slug.to_string()),
                ("status", status.to_string()),
            ]));
            p
        };
        let base = with("intro", "draft");
        let m = merge(
            Some(&base),
            &with("intro", "published"),
            &with("welcome", "draft"),
            &labels(),
        );
        assert!(m.is_clean());
        let fields = m.parts.fields.unwrap();
        assert_eq!(fields["slug"], "welcome");
        assert_eq!(fields["status"], "published");
        // Without the base's fields nobody can tell who changed the status.
        let mut unknown = parts("T", BASE);
        unknown.fields = None;
        let m = merge(
            Some(&unknown),
            &with("intro", "published"),
            &with("intro", "draft"),
            &labels(),
        );
        assert_eq!(m.conflicts.len(), 1);
        assert_eq!(m.conflicts[0].field, "status");
    }

    #[test]
    fn an_unknown_base_makes_different_bodies_one_conflict() {
        let m = merge_body(None, "a\n", "b\n", &labels());
        assert_eq!(
            m,
            BodyMerge::Conflicts {
                text: "<<<<<<< your text\na\n=======\nb\n>>>>>>> version 6 by bob\n".into(),
                regions: 1
            }
        );
    }

    #[test]
    fn a_last_line_without_newline_still_merges() {
        let base = "a\n\nb\n\nc";
        let m = merge_body(Some(base), "A\n\nb\n\nc", "a\n\nb\n\nC", &labels());
        assert!(matches!(m, BodyMerge::Clean { ref text, .. } if text == "A\n\nb\n\nC\n"));
    }

    #[test]
    fn marker_lines_a_side_held_are_left_as_they_were() {
        // A lesson about git may show conflict markers in a code block.
        let base = "```\n<<<<<<< ours\n```\n\nx\n";
        let mine = "```\n<<<<<<< ours\n```\n\ny\n";
        let theirs = "```\n<<<<<<< ours\n```\n\nz\n";
        let BodyMerge::Conflicts { text, .. } = merge_body(Some(base), mine, theirs, &labels())
        else {
            panic!("expected a conflict")
        };
        assert!(text.starts_with("```\n<<<<<<< ours\n```\n"), "{text}");
    }

    #[test]
    fn huge_unrelated_texts_are_one_conflict_without_a_quadratic_merge() {
        let base: String = (0..200_000).map(|i| format!("{i}\n")).collect();
        let mine: String = (0..200_000).map(|i| format!("m{i}\n")).collect();
        let theirs: String = (0..200_000).rev().map(|i| format!("{i}\n")).collect();
        let m = merge_body(Some(&base), &mine, &theirs, &labels());
        assert!(matches!(m, BodyMerge::Conflicts { regions: 1, .. }));
    }
}
