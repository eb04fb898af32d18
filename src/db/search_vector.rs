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

use std::collections::HashMap;

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
///
/// The words go into one buffer, and only the distinct ones are sorted:
/// made word by word, with a `String` and a sorted-map entry for each, this
/// was a fifth of a cold sync's time in Lectern's process on PostgreSQL
/// (`perf`, 10,000 lessons).
pub fn literal(title: &str, summary: &str, body: &str) -> String {
    let body = match body.char_indices().nth(BODY_CHARS) {
        Some((at, _)) => &body[..at],
        None => body,
    };
    let mut words = Words::with_capacity(title.len() + summary.len() + body.len());
    for (text, weight) in [(title, b'A'), (summary, b'B'), (body, b'C')] {
        words.read(text, weight);
    }
    words.into_literal()
}

/// Every word of a lesson, in the order read: its bytes in `text`, and
/// where it was found.
struct Words {
    /// The words, lowercased, one after another.
    text: String,
    found: Vec<Found>,
    /// The position of the last word read.
    position: u32,
}

/// One word: `text[start..end]` of [`Words`], at `position` of `weight`.
struct Found {
    start: u32,
    end: u32,
    position: u32,
    weight: u8,
}

impl Words {
    fn with_capacity(bytes: usize) -> Words {
        Words {
            text: String::with_capacity(bytes),
            found: Vec::with_capacity(bytes / 6),
            position: 0,
        }
    }

    /// Adds the words of `text`, each at the next position.
    fn read(&mut self, text: &str, weight: u8) {
        let mut start = self.text.len();
        // Whether the current run of letters and digits has begun.
        let mut in_run = false;
        for c in text.chars() {
            if c.is_ascii_alphanumeric() {
                self.text.push(c.to_ascii_lowercase());
                in_run = true;
            } else if !c.is_ascii() && c.is_alphanumeric() {
                // As a query word is reduced: lowercased, then letters and
                // digits only (a lowercase form may add a combining mark).
                for lower in c.to_lowercase().filter(|l| l.is_alphanumeric()) {
                    self.text.push(lower);
                }
                in_run = true;
            } else {
                if in_run {
                    self.end_word(start, weight);
                }
                in_run = false;
                start = self.text.len();
            }
        }
        if in_run {
            self.end_word(start, weight);
        }
    }

    /// Ends the run that began at `start` of the buffer.
    fn end_word(&mut self, start: usize, weight: u8) {
        let end = self.text.len();
        if end == start {
            // Only marks that lowercasing gave and that are left out.
            return;
        }
        self.position = (self.position + 1).min(MAX_POSITION);
        if end - start > MAX_WORD_BYTES {
            self.text.truncate(start);
            return;
        }
        self.found.push(Found {
            start: start as u32,
            end: end as u32,
            position: self.position,
            weight,
        });
    }

    fn word(&self, f: &Found) -> &str {
        &self.text[f.start as usize..f.end as usize]
    }

    /// The literal: lexemes in PostgreSQL's order (bytewise, a prefix
    /// first), as reading a literal then finds them sorted and skips most
    /// of its own sort (`qsort_arg` and `tsCompareString` were a twentieth
    /// of the backend's time in a cold sync), each with its first
    /// [`MAX_POSITIONS`] positions.
    fn into_literal(self) -> String {
        // Each word's occurrences chained in the order read (`next`), from
        // a map of the distinct words, which are then the only ones sorted:
        // sorting every occurrence was most of the literal's time (`perf`).
        const END: u32 = u32::MAX;
        let mut next = vec![END; self.found.len()];
        let mut chains: HashMap<&str, (u32, u32), foldhash::fast::FixedState> =
            HashMap::with_capacity_and_hasher(self.found.len() / 2, Default::default());
        for (i, f) in self.found.iter().enumerate() {
            let i = i as u32;
            chains
                .entry(self.word(f))
                .and_modify(|(_, last)| {
                    next[*last as usize] = i;
                    *last = i;
                })
                .or_insert((i, i));
        }
        // By each word's first eight bytes as a number, then the rest: most
        // comparisons are of numbers, not calls to `memcmp` (a word holds no
        // zero byte, so a shorter word's padding orders it before the
        // longer words it begins).
        let mut words: Vec<(u64, &str, u32)> = chains
            .into_iter()
            .map(|(word, (first, _))| (prefix_key(word.as_bytes()), word, first))
            .collect();
        words.sort_unstable_by(|(ka, a, _), (kb, b, _)| ka.cmp(kb).then_with(|| a.cmp(b)));
        let mut out = String::with_capacity(self.found.len() * 8);
        let mut numbers = itoa::Buffer::new();
        for (_, word, first) in words {
            if !out.is_empty() {
                out.push(' ');
            }
            // Words hold letters and digits only: nothing to escape.
            out.push('\'');
            out.push_str(word);
            out.push_str("':");
            let mut at = first;
            for kept in 0..MAX_POSITIONS {
                if at == END {
                    break;
                }
                if kept > 0 {
                    out.push(',');
                }
                let f = &self.found[at as usize];
                out.push_str(numbers.format(f.position));
                out.push(char::from(f.weight));
                at = next[at as usize];
            }
        }
        out
    }
}

/// The first eight bytes of `word`, zero-padded, as a big-endian number:
/// ordered as the words' bytes are.
fn prefix_key(word: &[u8]) -> u64 {
    let mut bytes = [0u8; 8];
    let n = word.len().min(8);
    bytes[..n].copy_from_slice(&word[..n]);
    u64::from_be_bytes(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn words(text: &str) -> Vec<String> {
        let mut words = Words::with_capacity(text.len());
        words.read(text, b'C');
        words
            .found
            .iter()
            .map(|f| words.word(f).to_string())
            .collect()
    }

    /// The literal as first made, word by word into a map: the faster
    /// [`literal`] must agree with it on every text.
    fn literal_by_map(title: &str, summary: &str, body: &str) -> String {
        let body = match body.char_indices().nth(BODY_CHARS) {
            Some((at, _)) => &body[..at],
            None => body,
        };
        let mut positions: std::collections::BTreeMap<String, Vec<(u32, char)>> =
            Default::default();
        let mut next = 0u32;
        for (text, weight) in [(title, 'A'), (summary, 'B'), (body, 'C')] {
            let words = text
                .split(|c: char| !c.is_alphanumeric())
                .map(|run| {
                    run.chars()
                        .flat_map(char::to_lowercase)
                        .filter(|c| c.is_alphanumeric())
                        .collect::<String>()
                })
                .filter(|word| !word.is_empty());
            for word in words {
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
        let entries: Vec<String> = positions
            .into_iter()
            .map(|(word, at)| {
                let at: Vec<String> = at.iter().map(|(p, w)| format!("{p}{w}")).collect();
                format!("'{word}':{}", at.join(","))
            })
            .collect();
        entries.join(" ")
    }

    proptest! {
        #[test]
        fn the_literal_is_the_one_a_map_of_words_makes(
            title in "[a-zA-Z0-9 .İßé\u{301}-]{0,40}",
            summary in "[a-zA-Z0-9 .ǅΣς-]{0,60}",
            body in "([a-c]{1,3}|[A-Z]|İ|é|\u{301}|[ .,\n]){0,400}",
        ) {
            prop_assert_eq!(literal(&title, &summary, &body), literal_by_map(&title, &summary, &body));
        }
    }

    #[test]
    fn a_long_body_is_read_to_its_limit_as_before() {
        let body = "w".repeat(2_047) + " " + &"v".repeat(2_048) + " " + &"ab ".repeat(100_000);
        assert_eq!(literal("T", "", &body), literal_by_map("T", "", &body));
    }

    #[test]
    fn words_are_runs_of_letters_and_digits_lowercased() {
        let all = words("Node.js well-known foo_bar don't 3.14 H264 İstanbul");
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
