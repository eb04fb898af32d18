//! A lesson's one-page rendering (`lessons.all_html`) stored as its changes
//! from the lesson page's (`lessons.body_html`), which it repeats but for
//! heading levels, ids and a few links (issue 20: the two were a third of a
//! database each). The delta is made when the lesson is written and turned
//! back into the very bytes rendered when the page is read: nothing is
//! patched by meaning, so the safety argument of `Rendered::all_html` holds.
//!
//! Format: a marker character, then operations: `=START,LEN;` copies bytes
//! `START..START+LEN` of the base; `+LEN:TEXT` adds `LEN` bytes of text.
//! A stored value without the marker is the rendering itself (rows written
//! before, or ones a delta would not shrink).

use std::fmt::Write;
use std::time::Duration;

use similar::{DiffOp, TextDiff};

/// Starts a delta. Rendered HTML starts with `<` or a letter, never this.
const MARK: char = '\u{1}';

/// How long a diff may look for the smallest delta; past it the delta is
/// still exact, only larger (a pathological body stays linear to store).
const DIFF_TIME: Duration = Duration::from_millis(20);

/// `full` as stored beside `base`: a delta when that is smaller.
pub fn encode(base: &str, full: &str) -> String {
    if full.is_empty() {
        return String::new();
    }
    // Compared tag by tag (pieces ending in `>`), not line by line: a
    // paragraph with one rewritten link then costs the link, not the
    // paragraph.
    let old = pieces(base);
    let new = pieces(full);
    let ops = match side_by_side(&old, &new, full.len()) {
        Some(ops) => ops,
        None => diffed(&old, &new),
    };
    // Byte offsets of the base's pieces, so the delta does not depend on
    // how they are split when it is read.
    let mut starts = Vec::with_capacity(old.len() + 1);
    let mut at = 0;
    for piece in &old {
        starts.push(at);
        at += piece.len();
    }
    starts.push(at);
    let mut out = String::with_capacity(full.len() / 4);
    out.push(MARK);
    for op in ops {
        match op {
            Op::Copy { old_index, len } => {
                let (from, to) = (starts[old_index], starts[old_index + len]);
                let _ = write!(out, "={from},{};", to - from);
            }
            Op::Add { new_index, len } => {
                let text = &new[new_index..new_index + len];
                let bytes: usize = text.iter().map(|piece| piece.len()).sum();
                let _ = write!(out, "+{bytes}:");
                text.iter().for_each(|piece| out.push_str(piece));
            }
        }
    }
    if out.len() < full.len() || full.starts_with(MARK) {
        out
    } else {
        full.to_string()
    }
}

/// `html` cut after each `>`, as `split_inclusive('>')` cuts it. Found with
/// `memchr`: tags are short, and the general splitter's set-up for each
/// piece was a twentieth of a cold sync's time in Lectern's process.
fn pieces(html: &str) -> Vec<&str> {
    let mut pieces = Vec::with_capacity(html.len() / 16);
    let mut start = 0;
    for end in memchr::memchr_iter(b'>', html.as_bytes()) {
        // `>` is ASCII: the byte after it starts a character.
        pieces.push(&html[start..=end]);
        start = end + 1;
    }
    if start < html.len() {
        pieces.push(&html[start..]);
    }
    pieces
}

/// A step of a delta: pieces of the base kept, or of the rendering added.
enum Op {
    Copy { old_index: usize, len: usize },
    Add { new_index: usize, len: usize },
}

/// The delta of two renderings with as many pieces, compared piece by
/// piece: what the one-page view changes (ids, heading levels, links)
/// stays inside a tag, so its pieces line up with the page's. `None` when
/// they do not line up, or when more than a quarter of `full`'s bytes
/// would be added (a shift, which [`diffed`] finds for less).
///
/// A full diff (`similar`, hashing every piece) was an eighth of a cold
/// sync's time in Lectern's process (`perf`, 10,000 lessons); this is one
/// comparison a piece.
fn side_by_side(old: &[&str], new: &[&str], full_len: usize) -> Option<Vec<Op>> {
    if old.len() != new.len() {
        return None;
    }
    let mut ops: Vec<Op> = Vec::new();
    let mut added = 0;
    for (i, (a, b)) in old.iter().zip(new).enumerate() {
        let same = a == b;
        if !same {
            added += b.len();
        }
        match (ops.last_mut(), same) {
            (Some(Op::Copy { len, .. }), true) | (Some(Op::Add { len, .. }), false) => *len += 1,
            (_, true) => ops.push(Op::Copy {
                old_index: i,
                len: 1,
            }),
            (_, false) => ops.push(Op::Add {
                new_index: i,
                len: 1,
            }),
        }
    }
    (added <= full_len / 4).then_some(ops)
}

/// The delta of two renderings by a full diff of their pieces.
fn diffed(old: &[&str], new: &[&str]) -> Vec<Op> {
    let diff = TextDiff::configure()
        .timeout(DIFF_TIME)
        .diff_slices(old, new);
    diff.ops()
        .iter()
        .filter_map(|op| match *op {
            DiffOp::Equal { old_index, len, .. } => Some(Op::Copy { old_index, len }),
            DiffOp::Delete { .. } => None,
            DiffOp::Insert {
                new_index, new_len, ..
            }
            | DiffOp::Replace {
                new_index, new_len, ..
            } => Some(Op::Add {
                new_index,
                len: new_len,
            }),
        })
        .collect()
}

/// The rendering `stored` stands for beside `base`; `None` for a delta that
/// does not fit `base` (never written so; the caller shows `base`).
pub fn decode(base: &str, stored: String) -> Option<String> {
    let Some(mut rest) = stored.strip_prefix(MARK) else {
        return Some(stored);
    };
    let mut out = String::with_capacity(base.len() + base.len() / 8);
    while let Some(&op) = rest.as_bytes().first() {
        rest = rest.get(1..)?;
        match op {
            b'=' => {
                let (range, after) = rest.split_once(';')?;
                let (start, len) = range.split_once(',')?;
                let (start, len): (usize, usize) = (start.parse().ok()?, len.parse().ok()?);
                out.push_str(base.get(start..start.checked_add(len)?)?);
                rest = after;
            }
            b'+' => {
                let (len, after) = rest.split_once(':')?;
                let len: usize = len.parse().ok()?;
                out.push_str(after.get(..len)?);
                rest = &after[len..];
            }
            _ => return None,
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::{decode, encode, pieces, side_by_side, Op, MARK};
    use proptest::prelude::*;

    #[test]
    fn renderings_that_line_up_are_compared_piece_by_piece() {
        let text = "a paragraph long enough to outweigh the heading</p>";
        let old = ["<h1 id=\"a\">", "A</h1>", "\n<p>", text, "\n<p>", text];
        let new = ["<h2 id=\"s--a\">", "A</h2>", "\n<p>", text, "\n<p>", text];
        let full_len = new.concat().len();
        let ops = side_by_side(&old, &new, full_len).expect("in step");
        assert!(
            matches!(
                ops[..],
                [
                    Op::Add {
                        new_index: 0,
                        len: 2
                    },
                    Op::Copy {
                        old_index: 2,
                        len: 4
                    }
                ]
            ),
            "{} ops",
            ops.len()
        );
        // Shifted by a piece: every piece differs, and the diff is left to
        // find the one added.
        let shifted = ["<hr>", "<h1 id=\"a\">", "A</h1>", "\n<p>", text, "\n<p>"];
        assert!(side_by_side(&old, &shifted, full_len).is_none());
        assert!(side_by_side(&old, &new[..5], full_len).is_none());
        let base = old.concat();
        let full = ["<hr>"].iter().chain(&old).copied().collect::<String>();
        let stored = encode(&base, &full);
        assert!(stored.len() < 20, "{stored:?}");
        assert_eq!(decode(&base, stored).as_deref(), Some(full.as_str()));
    }

    proptest! {
        #[test]
        fn any_pair_of_renderings_comes_back_from_its_delta(
            base in "(<p>|</p>|<h1 id=\"[a-c]\">|</h1>|[a-cé\n>]){0,60}",
            edits in proptest::collection::vec((0usize..60, "(<a href=\"#x\">|x|>|)"), 0..6),
        ) {
            let mut full: Vec<char> = base.chars().collect();
            for (at, text) in &edits {
                let at = (*at).min(full.len());
                full.splice(at..at, text.chars());
            }
            let full: String = full.into_iter().collect();
            prop_assert_eq!(decode(&base, encode(&base, &full)), Some(full));
        }

        #[test]
        fn pieces_are_cut_as_split_inclusive_cuts_them(html in "(<p>|>|é|a|\n){0,40}") {
            let expected: Vec<&str> = html.split_inclusive('>').collect();
            prop_assert_eq!(pieces(&html), expected);
        }
    }

    #[test]
    fn a_rendering_comes_back_byte_for_byte_from_its_delta() {
        let base = "<h1 id=\"a\">A</h1>\n<p>one é</p>\n<p>two</p>\r\n<pre>x\ry</pre>\n<p>end";
        let full = "<h2 id=\"s--a\">A</h2>\n<p>one é</p>\n<p>two</p>\r\n<pre>x\ry</pre>\n<p>end";
        let stored = encode(base, full);
        assert!(stored.starts_with(MARK), "{stored:?}");
        assert_eq!(decode(base, stored).as_deref(), Some(full));
        for (base, full) in [
            ("", ""),
            ("", "<p>x</p>"),
            ("<p>x</p>", ""),
            ("a\nb\n", "c\nd\n"),
        ] {
            assert_eq!(decode(base, encode(base, full)).as_deref(), Some(full));
        }
    }

    #[test]
    fn a_long_page_with_few_changes_is_stored_small() {
        let base: String = (0..500).map(|i| format!("<p>line {i}</p>\n")).collect();
        let full = base.replacen("<p>line 7</p>", "<p>line 7 <a href=\"#x\">x</a></p>", 1);
        let stored = encode(&base, &full);
        assert!(stored.len() < 100, "{} bytes", stored.len());
        assert_eq!(decode(&base, stored).as_deref(), Some(full.as_str()));
    }

    #[test]
    fn plain_renderings_and_broken_deltas_are_told_apart() {
        assert_eq!(decode("b", "<p>x</p>".into()).as_deref(), Some("<p>x</p>"));
        let odd = format!("{MARK}<p>starts with the mark</p>");
        assert_eq!(
            decode("b", encode("b", &odd)).as_deref(),
            Some(odd.as_str())
        );
        for broken in ["=0,9;", "=x;", "+5:ab", "?", "=1,1"] {
            assert_eq!(decode("ab", format!("{MARK}{broken}")), None, "{broken}");
        }
    }
}
