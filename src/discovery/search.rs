//! Full-text search over public lessons: reading what a visitor typed into
//! words, paging, and for each lesson found the section its words are in
//! and a snippet of it, as safe HTML.
//!
//! Whatever arrives (operators, quotes, brackets, 10 KB, page -1 or 10^12)
//! becomes a normal answer: at most [`MAX_QUERY_CHARS`] characters are read,
//! split into at most [`MAX_WORDS`] words of letters and digits, and the page
//! is clamped to the pages there are. The words are quoted into the
//! database's query syntax by `db::search`, never passed raw.
//!
//! The database finds and ranks lessons; snippets are cut here, for the
//! page's ten at most, from each lesson's plain text (made again from its
//! markdown: one block a line) and its sections (`body_sections`, the headings of its table of
//! contents). The section holding the most of the query's words is the one
//! the result links to and cuts its snippet from, so a snippet never runs a
//! heading into the paragraph after it; blocks inside a snippet are kept
//! apart by a separator. All of it is linear in the text.

use chrono::{DateTime, Utc};
use sea_orm::DbErr;

use crate::db::search;
use crate::markdown::Section;

use super::xml::escape_char;

/// Marks around matched words in a snippet before [`highlight`] makes it
/// HTML: characters no lesson text holds (they are dropped from it).
pub const MARK_START: char = '\u{1}';
pub const MARK_END: char = '\u{2}';

/// Characters of a query that are read; the rest is ignored.
pub const MAX_QUERY_CHARS: usize = 200;
/// Words of a query that are searched for; the rest are ignored.
pub const MAX_WORDS: usize = 8;
/// Results on a page.
pub const PAGE_SIZE: u64 = 10;
/// Visible characters of a snippet (a body may hold one enormous "word").
const MAX_SNIPPET_CHARS: usize = 320;
/// Characters of a section's text a snippet is cut to.
const SNIPPET_CHARS: usize = 240;
/// At most this many characters before the first word found are shown.
const CONTEXT_CHARS: usize = 60;
/// Bytes of a lesson's text read for its snippet and section: as much as
/// the index holds of a body on PostgreSQL (a body may be up to 1 MiB).
const MAX_SCANNED_BYTES: usize = 262_144;
/// Between two blocks of a snippet (a paragraph and the list after it).
pub const BLOCK_SEPARATOR: &str = " · ";

/// A query as read: the text searched for (shown back to the visitor) and
/// its words (lowercase letters and digits, no repeats).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SearchQuery {
    pub text: String,
    pub words: Vec<String>,
}

impl SearchQuery {
    pub fn parse(raw: &str) -> SearchQuery {
        let text: String = raw
            .chars()
            .take(MAX_QUERY_CHARS)
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect::<String>()
            .trim()
            .to_string();
        let mut words: Vec<String> = Vec::new();
        for word in text.split(|c: char| !c.is_alphanumeric()) {
            let word: String = word
                .chars()
                .flat_map(char::to_lowercase)
                .filter(|c| c.is_alphanumeric())
                .collect();
            if word.is_empty() || words.contains(&word) {
                continue;
            }
            words.push(word);
            if words.len() == MAX_WORDS {
                break;
            }
        }
        SearchQuery { text, words }
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }
}

/// A 1-based page number from the `page` parameter: anything that is not a
/// positive whole number is page 1; a number too large to hold is the
/// largest (the lists then show their last page, as for any page past it).
pub fn page_number(raw: Option<&str>) -> u64 {
    let Some(raw) = raw.map(str::trim) else {
        return 1;
    };
    match raw.parse::<u64>() {
        Ok(n) => n.max(1),
        Err(_) if is_whole_number(raw) => u64::MAX,
        Err(_) => 1,
    }
}

/// `n` with its thousands apart: "98,000".
pub fn digits(n: u64) -> String {
    let plain = n.to_string();
    let mut out = String::with_capacity(plain.len() + plain.len() / 3);
    for (i, c) in plain.chars().enumerate() {
        if i > 0 && (plain.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Digits, with an optional leading `+` (as `u64`'s parser takes them).
fn is_whole_number(s: &str) -> bool {
    let digits = s.strip_prefix('+').unwrap_or(s);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// One lesson found.
#[derive(Clone, Debug)]
pub struct Found {
    pub course_slug: String,
    pub course_title: String,
    pub slug: String,
    pub title: String,
    /// The section (a heading of the table of contents) the words were
    /// found in, if not before the first heading or only in title and summary.
    pub section: Option<Section>,
    /// Escaped text; matched words in `<mark>`. The only markup it holds.
    pub snippet_html: String,
}

/// One page of results.
#[derive(Clone, Debug)]
pub struct SearchResults {
    pub query: SearchQuery,
    /// Lessons found in all; with `more`, those ranked (all the pages hold)
    /// of the more that match.
    pub total: u64,
    /// More lessons match than `total` (past [`search::RANKED`]: they are
    /// not counted, the page says "more than").
    pub more: bool,
    /// The page shown (1-based; clamped to `pages`).
    pub page: u64,
    /// Pages there are (at least 1).
    pub pages: u64,
    pub found: Vec<Found>,
}

/// Searches the public lessons for `raw_query`, page `raw_page`.
pub async fn search(
    db: &crate::db::Db,
    raw_query: &str,
    raw_page: Option<&str>,
    now: DateTime<Utc>,
) -> Result<SearchResults, DbErr> {
    let query = SearchQuery::parse(raw_query);
    let requested = page_number(raw_page);
    if query.is_empty() {
        return Ok(SearchResults {
            query,
            total: 0,
            more: false,
            page: 1,
            pages: 1,
            found: Vec::new(),
        });
    }
    // The ranked list is the same for every page of this query (see
    // `search::ranked`): a page is a slice of it, and only that slice's
    // lessons are read whole.
    let ranked = search::ranked(db, &query.words, now).await?;
    let total = ranked.ids.len() as u64;
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    let page = requested.min(pages);
    let from = usize::try_from((page - 1) * PAGE_SIZE).unwrap_or(usize::MAX);
    let on_page = ranked
        .ids
        .get(from..)
        .map_or(&[][..], |rest| &rest[..rest.len().min(PAGE_SIZE as usize)]);
    let hits = search::hits(db, on_page, now).await?;
    let found = hits
        .into_iter()
        .map(|hit| {
            let sections = hit.sections.map(|s| s.0).unwrap_or_default();
            let Excerpt {
                section,
                snippet_html,
            } = excerpt(&hit.body, &sections, &hit.summary, &query.words);
            Found {
                course_slug: hit.course_slug,
                course_title: hit.course_title,
                slug: hit.slug,
                title: hit.title,
                section,
                snippet_html,
            }
        })
        .collect();
    Ok(SearchResults {
        query,
        total,
        more: ranked.more,
        page,
        pages,
        found,
    })
}

/// Where a lesson's words were found, and what to show of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Excerpt {
    /// The section to link to; `None`: the lesson's top.
    pub section: Option<Section>,
    /// Escaped text; matched words in `<mark>`. The only markup it holds.
    pub snippet_html: String,
}

/// A word of the query found in a text: its bytes, and which word.
#[derive(Clone, Copy, Debug)]
struct Hit {
    start: usize,
    end: usize,
    word: usize,
}

/// The section of `text` (a lesson's plain text, whose `sections` begin
/// where they say) holding most of `words` (then: most often; then: the
/// earliest), and a
/// snippet cut from it: from a little before the first word found there,
/// within the section, its heading left out (the result names it). When
/// the body holds none of the words (they were in the title or summary),
/// the summary is the snippet and the result links to the lesson's top.
pub fn excerpt(text: &str, sections: &[Section], summary: &str, words: &[String]) -> Excerpt {
    let text = prefix_within(text, MAX_SCANNED_BYTES);
    let hits = find_words(text, words);
    let summary_only = || Excerpt {
        section: None,
        snippet_html: highlight(&marked(summary, &find_words(summary, words))),
    };
    if hits.is_empty() {
        return summary_only();
    }
    // Section starts, in order, each on a character of the text: the
    // lesson's top (0; a section of its own unless a heading opens the
    // text) and then each heading's line.
    let mut starts: Vec<(usize, Option<&Section>)> = vec![(0, None)];
    for s in sections {
        if s.at == 0 && starts.len() == 1 {
            starts[0] = (0, Some(s));
        } else if s.at > starts[starts.len() - 1].0 && text.is_char_boundary(s.at) {
            starts.push((s.at, Some(s)));
        }
    }
    // Which of the words each section holds (at most 8: a bit each), and
    // how often it holds them.
    let mut held = vec![(0u16, 0usize); starts.len()];
    let mut k = 0;
    for hit in &hits {
        while k + 1 < starts.len() && starts[k + 1].0 <= hit.start {
            k += 1;
        }
        held[k].0 |= 1 << hit.word.min(15);
        held[k].1 += 1;
    }
    let best = (0..starts.len())
        .max_by_key(|&k| (held[k].0.count_ones(), held[k].1, std::cmp::Reverse(k)))
        .unwrap_or(0);
    let (from, section) = starts[best];
    let to = starts.get(best + 1).map_or(text.len(), |s| s.0);
    // A section's text starts after its heading's line.
    let body_from = match section {
        Some(_) => text[from..to].find('\n').map_or(to, |i| from + i + 1),
        None => from,
    };
    let in_body: Vec<Hit> = hits
        .iter()
        .copied()
        .filter(|h| h.start >= body_from && h.end <= to)
        .collect();
    let anchor = in_body.first().map_or(body_from, |h| h.start);
    let (start, end) = window(text, body_from, anchor, to);
    if text[start..end].trim().is_empty() {
        return Excerpt {
            section: section.cloned(),
            ..summary_only()
        };
    }
    let mut snippet = String::new();
    if start > body_from {
        snippet.push('…');
    }
    let shown: Vec<Hit> = in_body
        .into_iter()
        .filter(|h| h.start >= start && h.end <= end)
        .map(|h| Hit {
            start: h.start - start,
            end: h.end - start,
            ..h
        })
        .collect();
    snippet.push_str(&marked(&text[start..end], &shown));
    if end < to && !text[end..to].trim().is_empty() {
        snippet.push('…');
    }
    Excerpt {
        section: section.cloned(),
        snippet_html: highlight(&snippet),
    }
}

/// The longest prefix of `text` of at most `max` bytes that ends on a character.
fn prefix_within(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// The bytes of `text[from..to]` a snippet shows: the start of the block
/// holding `anchor` when it is near, else a word boundary at most
/// [`CONTEXT_CHARS`] before it; then up to [`SNIPPET_CHARS`] characters,
/// ended at a word boundary when one is near.
fn window(text: &str, from: usize, anchor: usize, to: usize) -> (usize, usize) {
    let before = &text[from..anchor];
    let block_start = before.rfind('\n').map_or(from, |i| from + i + 1);
    let start = if text[block_start..anchor].chars().count() <= CONTEXT_CHARS {
        block_start
    } else {
        // CONTEXT_CHARS characters back, then on to the next word's start.
        let back = text[block_start..anchor]
            .char_indices()
            .rev()
            .nth(CONTEXT_CHARS - 1)
            .map_or(block_start, |(i, _)| block_start + i);
        text[back..anchor]
            .find(char::is_whitespace)
            .map_or(back, |i| back + i)
    };
    let end = text[start..to]
        .char_indices()
        .nth(SNIPPET_CHARS)
        .map_or(to, |(i, _)| start + i);
    if end == to {
        return (start, end);
    }
    // Back to the last space, unless that leaves most of the snippet out.
    match text[start..end].rfind(char::is_whitespace) {
        Some(i) if i > (end - start) / 2 => (start, start + i),
        _ => (start, end),
    }
}

/// Where `words` (lowercase letters and digits; the last one also as a
/// prefix) occur in `text` as whole words, as the index reads words: runs
/// of letters and digits, case ignored.
fn find_words(text: &str, words: &[String]) -> Vec<Hit> {
    let mut hits = Vec::new();
    if words.is_empty() {
        return hits;
    }
    let last = words.len() - 1;
    let mut start = None;
    for (i, c) in text.char_indices().chain([(text.len(), ' ')]) {
        match (c.is_alphanumeric(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                start = None;
                let token = &text[s..i];
                let found = words.iter().enumerate().position(|(n, w)| {
                    let mut lower = token.chars().flat_map(char::to_lowercase);
                    let prefix = w.chars().all(|c| lower.next() == Some(c));
                    prefix && (n == last || lower.next().is_none())
                });
                if let Some(word) = found {
                    hits.push(Hit {
                        start: s,
                        end: i,
                        word,
                    });
                }
            }
            _ => {}
        }
    }
    hits
}

/// `text` with `hits` (in order, inside it) between [`MARK_START`] and
/// [`MARK_END`], block boundaries (line breaks) as [`BLOCK_SEPARATOR`], and
/// any marks of its own dropped.
fn marked(text: &str, hits: &[Hit]) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut hits = hits.iter().peekable();
    let mut block_break = false;
    for (i, c) in text.trim().char_indices() {
        let i = i + (text.len() - text.trim_start().len());
        if c == '\n' {
            block_break = true;
            continue;
        }
        if block_break && !c.is_whitespace() {
            out.push_str(BLOCK_SEPARATOR);
            block_break = false;
        }
        if hits.peek().is_some_and(|h| h.start == i) {
            out.push(MARK_START);
        }
        if c != MARK_START && c != MARK_END {
            out.push(c);
        }
        if let Some(h) = hits.peek() {
            if h.end == i + c.len_utf8() {
                out.push(MARK_END);
                hits.next();
            }
        }
    }
    out
}

/// Escapes a snippet and turns its marks into `<mark>`…`</mark>`, always
/// balanced whatever the text holds; runs of white space become one space,
/// and a very long snippet is cut (with "…").
pub fn highlight(snippet: &str) -> String {
    let mut out = String::with_capacity(snippet.len() + 32);
    let mut open = false;
    let mut space = false;
    let mut shown = 0;
    for c in snippet.trim().chars() {
        match c {
            MARK_START if !open => {
                if space {
                    out.push(' ');
                    space = false;
                }
                out.push_str("<mark>");
                open = true;
            }
            MARK_END if open => {
                out.push_str("</mark>");
                open = false;
            }
            MARK_START | MARK_END => {}
            c if c.is_whitespace() => space = true,
            c => {
                if shown == MAX_SNIPPET_CHARS {
                    if open {
                        out.push_str("</mark>");
                        open = false;
                    }
                    out.push('…');
                    break;
                }
                if space {
                    out.push(' ');
                    space = false;
                }
                escape_char(&mut out, c);
                shown += 1;
            }
        }
    }
    if open {
        out.push_str("</mark>");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_become_plain_words() {
        let q = SearchQuery::parse("  \"Install* NODE\" -npm OR (js: NEAR/2 node) AND ");
        assert_eq!(
            q.words,
            ["install", "node", "npm", "or", "js", "near", "2", "and"]
        );
        assert!(SearchQuery::parse("\"\" * - : ( ) ").is_empty());
        assert_eq!(SearchQuery::parse("Café über").words, ["café", "über"]);
    }

    /// README, Search: "only the first 200 characters and 8 words count".
    /// The numbers are written out, so changing a limit fails here until
    /// the README (and this test) say the new number.
    #[test]
    fn long_queries_are_cut() {
        let long = "word ".repeat(2_000) + &"x".repeat(10_000);
        let q = SearchQuery::parse(&long);
        assert!(q.text.chars().count() <= 200);
        assert_eq!(q.words, ["word"]);
        // The 200th character is read, the 201st is not (characters, not
        // bytes: each "é" is two bytes).
        let at_200 = "é".repeat(199) + "z" + "q";
        assert_eq!(SearchQuery::parse(&at_200).text, "é".repeat(199) + "z");
        let split = "a ".repeat(99) + "bc";
        assert_eq!(split.chars().count(), 200);
        assert_eq!(SearchQuery::parse(&(split + "d")).words, ["a", "bc"]);
        let many: String = (0..50).map(|i| format!("w{i} ")).collect();
        assert_eq!(
            SearchQuery::parse(&many).words,
            ["w0", "w1", "w2", "w3", "w4", "w5", "w6", "w7"]
        );
        // Repeats do not use up the eight.
        let repeats = "a a b b c d e f g h i";
        assert_eq!(
            SearchQuery::parse(repeats).words,
            ["a", "b", "c", "d", "e", "f", "g", "h"]
        );
    }

    #[test]
    fn counts_are_written_with_thousands_apart() {
        assert_eq!(digits(0), "0");
        assert_eq!(digits(999), "999");
        assert_eq!(digits(1000), "1,000");
        assert_eq!(digits(98_000), "98,000");
        assert_eq!(digits(1_234_567), "1,234,567");
    }

    #[test]
    fn page_numbers_are_positive() {
        assert_eq!(page_number(None), 1);
        assert_eq!(page_number(Some("0")), 1);
        assert_eq!(page_number(Some("-1")), 1);
        assert_eq!(page_number(Some("abc")), 1);
        assert_eq!(page_number(Some("99999999999999999999999")), u64::MAX);
        assert_eq!(page_number(Some("+2")), 2);
        assert_eq!(page_number(Some("+")), 1);
        assert_eq!(page_number(Some("1e3")), 1);
        assert_eq!(page_number(Some("1000000000000")), 1_000_000_000_000);
        assert_eq!(page_number(Some("3")), 3);
    }

    #[test]
    fn snippets_are_escaped_with_balanced_marks() {
        let s = "a <b>x</b> \u{1}node\u{2} <script>alert(1)</script>";
        assert_eq!(
            highlight(s),
            "a &lt;b&gt;x&lt;/b&gt; <mark>node</mark> &lt;script&gt;alert(1)&lt;/script&gt;"
        );
        // Stray marks in the lesson's own text cannot unbalance the markup.
        assert_eq!(highlight("\u{2}a \u{1}b"), "a <mark>b</mark>");
        assert_eq!(highlight("a\u{1}\u{1}b\u{2}\u{2}c"), "a<mark>b</mark>c");
        assert_eq!(highlight("a \n\n  b"), "a b");
        let long = highlight(&format!("\u{1}{}", "y".repeat(10_000)));
        assert!(long.ends_with("</mark>…") && long.len() < 400, "{long}");
    }

    fn section(at: usize, id: &str, title: &str) -> Section {
        Section {
            at,
            id: id.into(),
            title: title.into(),
        }
    }

    fn ws(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    /// The plain text of a lesson with an introduction and two sections.
    fn lesson_text() -> (String, Vec<Section>) {
        let text = "Welcome to the lesson.\nStart the server and wait until it is ready.\n\
                    Run it\nIn your terminal, type node server.js and press Enter.\n\
                    Stop it\nPress Ctrl+C in the terminal to stop the server."
            .to_string();
        let run = text.find("Run it").unwrap();
        let stop = text.find("Stop it").unwrap();
        let sections = vec![
            section(run, "run-it", "Run it"),
            section(stop, "stop", "Stop it"),
        ];
        (text, sections)
    }

    #[test]
    fn the_section_holding_most_words_is_linked_and_its_heading_left_out() {
        let (text, sections) = lesson_text();
        let found = excerpt(
            &text,
            &sections,
            "About servers",
            &ws(&["terminal", "node"]),
        );
        assert_eq!(
            found.section.as_ref().map(|s| s.id.as_str()),
            Some("run-it")
        );
        assert_eq!(
            found.snippet_html,
            "In your <mark>terminal</mark>, type <mark>node</mark> server.js and press Enter."
        );
        // One word in two sections: the first; the last word also a prefix.
        let found = excerpt(&text, &sections, "", &ws(&["termin"]));
        assert_eq!(found.section.unwrap().id, "run-it");
        // As many words: the section holding them more often.
        let other = "A\nOne node.\nB\nA node, then a node.";
        let two = vec![
            section(0, "a", "A"),
            section(other.find("B").unwrap(), "b", "B"),
        ];
        let found = excerpt(other, &two, "", &ws(&["node"]));
        assert_eq!(found.section.unwrap().id, "b", "twice there, once before");
        // A heading that opens the text opens its first section.
        let found = excerpt(other, &two, "", &ws(&["one"]));
        assert_eq!(found.section.unwrap().id, "a");
        assert_eq!(found.snippet_html, "<mark>One</mark> node.");
        // Before the first heading: no section, the lesson's top.
        let found = excerpt(&text, &sections, "", &ws(&["ready"]));
        assert_eq!(found.section, None);
        // From the start of the word's block; the text left out is marked.
        assert_eq!(
            found.snippet_html,
            "…Start the server and wait until it is <mark>ready</mark>."
        );
    }

    #[test]
    fn a_snippet_never_runs_a_heading_into_the_next_paragraph() {
        let (text, sections) = lesson_text();
        for word in ["ready", "terminal", "enter", "server", "ctrl"] {
            let html = excerpt(&text, &sections, "", &ws(&[word])).snippet_html;
            assert!(
                !html.contains("Run it") && !html.contains("Stop it"),
                "{word}: {html}"
            );
            assert!(
                !html.contains("ready. Run") && !html.contains("Enter. Stop"),
                "{html}"
            );
        }
        // Without sections (a row not filled yet), blocks are still kept apart.
        let html = excerpt(&text, &[], "", &ws(&["terminal"])).snippet_html;
        assert!(html.contains("Enter. · Stop it · Press"), "{html}");
    }

    #[test]
    fn words_only_in_title_or_summary_show_the_summary() {
        let (text, sections) = lesson_text();
        let found = excerpt(
            &text,
            &sections,
            "Servers <b>made</b> simple",
            &ws(&["simple"]),
        );
        assert_eq!(found.section, None);
        assert_eq!(
            found.snippet_html,
            "Servers &lt;b&gt;made&lt;/b&gt; <mark>simple</mark>"
        );
        // Only the heading holds the word: its section, with its text.
        let found = excerpt(&text, &sections, "", &ws(&["stop"]));
        assert_eq!(found.section.unwrap().id, "stop");
    }

    #[test]
    fn long_sections_are_cut_near_the_words_at_word_boundaries() {
        let filler = "word ".repeat(200);
        let text = format!("Heading\n{filler}needle {filler}");
        let sections = vec![section(0, "heading", "Heading")];
        let html = excerpt(&text, &sections, "", &ws(&["needle"])).snippet_html;
        assert!(html.starts_with("…") && html.ends_with("…"), "{html}");
        assert!(html.contains("<mark>needle</mark>"), "{html}");
        assert!(!html.contains("wor…") && !html.contains("…ord"), "{html}");
        let before = html.split("<mark>").next().unwrap();
        assert!(before.chars().count() <= CONTEXT_CHARS + 2, "{before}");
        assert!(html.chars().count() < 300, "{html}");
    }

    #[test]
    fn odd_texts_and_sections_give_safe_balanced_snippets() {
        // Stored offsets that are not on a character or past the end are
        // passed over; marks in the text are dropped.
        let text = "é\u{1}x\u{2} <script>node</script> & \"nodes\" nodé \n\n\nnode";
        let sections = vec![section(1, "a", "A"), section(999, "c", "C")];
        let found = excerpt(text, &sections, "", &ws(&["node"]));
        assert_eq!(found.section, None);
        assert_eq!(
            found.snippet_html,
            "éx &lt;script&gt;<mark>node</mark>&lt;/script&gt; &amp; &quot;<mark>nodes</mark>&quot; nodé · <mark>node</mark>"
        );
        assert_eq!(excerpt("", &[], "", &ws(&["x"])).snippet_html, "");
        // A huge text is read up to its limit only, in linear time.
        let huge = "ab ".repeat(400_000) + "needle";
        let found = excerpt(&huge, &[], "sum", &ws(&["needle"]));
        assert_eq!(found.snippet_html, "sum", "past the limit: not read");
    }
}
