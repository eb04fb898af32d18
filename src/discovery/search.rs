//! Full-text search over public lessons: reading what a visitor typed into
//! words, paging, and turning the database's marked snippets into safe HTML.
//!
//! Whatever arrives (operators, quotes, brackets, 10 KB, page -1 or 10^12)
//! becomes a normal answer: at most [`MAX_QUERY_CHARS`] characters are read,
//! split into at most [`MAX_WORDS`] words of letters and digits, and the page
//! is clamped to the pages there are. The words are quoted into the
//! database's query syntax by `db::search`, never passed raw.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr};

use crate::db::search::{self, MARK_END, MARK_START};

use super::xml::escape_char;

/// Characters of a query that are read; the rest is ignored.
pub const MAX_QUERY_CHARS: usize = 200;
/// Words of a query that are searched for; the rest are ignored.
pub const MAX_WORDS: usize = 8;
/// Results on a page.
pub const PAGE_SIZE: u64 = 10;
/// Visible characters of a snippet (a body may hold one enormous "word").
const MAX_SNIPPET_CHARS: usize = 320;

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
    /// Escaped text; matched words in `<mark>`. The only markup it holds.
    pub snippet_html: String,
}

/// One page of results.
#[derive(Clone, Debug)]
pub struct SearchResults {
    pub query: SearchQuery,
    /// Lessons found in all.
    pub total: u64,
    /// The page shown (1-based; clamped to `pages`).
    pub page: u64,
    /// Pages there are (at least 1).
    pub pages: u64,
    pub found: Vec<Found>,
}

/// Searches the public lessons for `raw_query`, page `raw_page`.
pub async fn search(
    db: &impl ConnectionTrait,
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
            page: 1,
            pages: 1,
            found: Vec::new(),
        });
    }
    let total = search::count(db, &query.words, now).await?;
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    let page = requested.min(pages);
    let hits = if total == 0 {
        Vec::new()
    } else {
        search::lessons(db, &query.words, now, PAGE_SIZE, (page - 1) * PAGE_SIZE).await?
    };
    let found = hits
        .into_iter()
        .map(|hit| {
            let snippet_html = snippet_html(&hit.snippet, &hit.title, &hit.summary);
            Found {
                course_slug: hit.course_slug,
                course_title: hit.course_title,
                slug: hit.slug,
                title: hit.title,
                snippet_html,
            }
        })
        .collect();
    Ok(SearchResults {
        query,
        total,
        page,
        pages,
        found,
    })
}

/// The snippet to show: the marked one, unless it only repeats the title (a
/// match in the title alone) or is empty; then the summary.
fn snippet_html(snippet: &str, title: &str, summary: &str) -> String {
    let plain: String = snippet
        .chars()
        .filter(|c| *c != MARK_START && *c != MARK_END)
        .collect();
    if plain.trim().is_empty() || plain.trim() == title.trim() {
        highlight(summary)
    } else {
        highlight(snippet)
    }
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

    #[test]
    fn a_title_only_match_shows_the_summary() {
        assert_eq!(
            snippet_html("\u{1}Node\u{2} basics", "Node basics", "About <node>"),
            "About &lt;node&gt;"
        );
        assert_eq!(
            snippet_html("run \u{1}node\u{2}", "Node basics", "About"),
            "run <mark>node</mark>"
        );
    }
}
