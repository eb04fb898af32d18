//! PostgreSQL: a lesson's search vector (`lessons.search_vector`, migration
//! 26), made by the application as a `tsvector` literal rather than by
//! `to_tsvector` in the database.
//!
//! PostgreSQL's text-search parser was most of a cold sync's time there
//! (issue 20): about 1.5 ms per lesson on this machine, in the one backend
//! that writes, so about 150 s at 100,000 lessons, where reading the same
//! vector from its literal takes a sixth of that. Made here, on the sync's
//! rendering threads' side of the connection, it costs microseconds.
//!
//! Words are what a search's query is made of (`db::search` reduces each
//! query word to its lowercase letters and digits): maximal runs of letters
//! and digits, lowercased. So `node.js` is the two words `node` and `js`, as
//! SQLite's `unicode61` index has it (PostgreSQL's parser kept it as one host
//! name, which no query could find). Positions count words from the start
//! of the title, through the summary, into the body, as the concatenated
//! vectors of migration 4 had them; title words weigh A, summary B, body C.

use std::collections::BTreeMap;
use std::fmt::Write;

/// Characters of a body that are indexed, as before (migration 4): a
/// `tsvector` must stay under 1 MiB whatever the text.
const BODY_CHARS: usize = 262_144;
/// Positions kept of a word: its first eight. `ts_rank` weighs a word's
/// n-th position by 1/n², so a ninth would add 1/81 of what the first
/// does and every later one less, while positions past the eighth were
/// about one in seven (120 of 880 a lesson in the benchmark corpus, 24 MB
/// at 100,000 lessons; issue 20 holds the database to 3× its markdown).
/// PostgreSQL itself keeps at most 256.
const MAX_POSITIONS: usize = 8;
/// PostgreSQL keeps no position past this one (`MAXENTRYPOS - 1`).
const MAX_POSITION: u32 = 16_383;
/// Longer words are not indexed (PostgreSQL's limit on a lexeme, in bytes).
const MAX_WORD_BYTES: usize = 2_047;

/// The `tsvector` literal of a lesson's title, summary and the plain text
/// of its body.
pub fn literal(title: &str, summary: &str, body: &str) -> String {
    let body = match body.char_indices().nth(BODY_CHARS) {
        Some((at, _)) => &body[..at],
        None => body,
    };
    // In PostgreSQL's order of lexemes (bytewise, a prefix first): reading
    // the literal then finds them sorted and skips most of its own sort
    // (`qsort_arg` and `tsCompareString` were a twentieth of the backend's
    // time in a cold sync).
    let mut positions: BTreeMap<String, Vec<(u32, char)>> = BTreeMap::new();
    let mut next = 0u32;
    for (text, weight) in [(title, 'A'), (summary, 'B'), (body, 'C')] {
        for word in words(text) {
            next = (next + 1).min(MAX_POSITION);
            if word.len() > MAX_WORD_BYTES {
                continue;
            }
            let at = positions.entry(word).or_default();
            if at.len() < MAX_POSITIONS {
                at.push((next, weight));
            }
        }
    }
    let mut out = String::with_capacity(positions.len() * 16);
    for (word, at) in positions {
        if !out.is_empty() {
            out.push(' ');
        }
        // Words hold letters and digits only: nothing to escape.
        out.push('\'');
        out.push_str(&word);
        out.push_str("':");
        for (i, (position, weight)) in at.into_iter().enumerate() {
            let comma = if i == 0 { "" } else { "," };
            let _ = write!(out, "{comma}{position}{weight}");
        }
    }
    out
}

/// The words of `text`: runs of letters and digits, lowercased (keeping
/// letters and digits only, as a query word is).
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|run| !run.is_empty())
        .map(|run| {
            run.chars()
                .flat_map(char::to_lowercase)
                .filter(|c| c.is_alphanumeric())
                .collect::<String>()
        })
        .filter(|word| !word.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_runs_of_letters_and_digits_lowercased() {
        let all: Vec<String> =
            words("Node.js well-known foo_bar don't 3.14 H264 İstanbul").collect();
        assert_eq!(
            all,
            [
                "node", "js", "well", "known", "foo", "bar", "don", "t", "3", "14", "h264",
                "istanbul"
            ]
        );
    }

    #[test]
    fn positions_run_on_from_title_to_body_with_weights() {
        let v = literal("Cache it", "", "the cache, the Cache");
        assert_eq!(v, "'cache':1A,4C,6C 'it':2A 'the':3C,5C");
        assert_eq!(literal("", "", ""), "");
    }

    #[test]
    fn lexemes_come_in_postgresql_order_bytewise_with_a_prefix_first() {
        let v = literal("zeta ab a abc éa b", "", "");
        let words: Vec<&str> = v.split(' ').map(|e| e.split(':').next().unwrap()).collect();
        assert_eq!(words, ["'a'", "'ab'", "'abc'", "'b'", "'zeta'", "'éa'"]);
    }

    #[test]
    fn a_frequent_word_keeps_its_first_positions_and_a_long_one_is_left_out() {
        let body = "x ".repeat(300) + &"y".repeat(3000);
        let v = literal("", "", &body);
        assert!(!v.contains('y'));
        assert_eq!(v, "'x':1C,2C,3C,4C,5C,6C,7C,8C");
    }
}
