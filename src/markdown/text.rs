//! The plain text of a markdown body: what a reader sees, without markup.
//! It is what full-text search indexes and cuts snippets from, so neither
//! finds words that only occur in markup (link targets, raw HTML, a script
//! that sanitising removes) nor shows markdown syntax in a snippet.
//!
//! Blocks (paragraphs, headings, list items, lines of code) end with a line
//! break, and [`Section`]s say where each heading of the table of contents
//! begins, so a snippet can keep to one section and never run a heading
//! into the paragraph after it.

use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};
use serde::{Deserialize, Serialize};

use super::options::options;
use super::TocEntry;

/// A section of a lesson's plain text: from a heading of its table of
/// contents to the next one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    /// Where the heading's line begins in the plain text, in bytes.
    pub at: usize,
    /// The heading's id on the lesson's page (its table of contents' link).
    pub id: String,
    /// The heading's text.
    pub title: String,
}

/// The words of `body` as a reader sees them: prose, inline code and code
/// blocks, image descriptions; blocks on lines of their own. Raw HTML is left
/// out (its tags and anything inside an HTML block), but text between inline
/// tags is kept (`<b>bold</b>` gives `bold`), except inside inline `<script>`
/// and `<style>`, which sanitising removes from the page.
pub fn plain_text(body: &str) -> String {
    plain_text_with_sections(body, &[]).0
}

/// [`plain_text`], and where in it the sections of the headings in `toc`
/// (the table of contents rendering `body` made) begin. Headings are found
/// in the same events rendering reads, in the same order; a heading missing
/// from `toc` (one the sanitiser removed with the HTML around it) starts no
/// section.
pub fn plain_text_with_sections(body: &str, toc: &[TocEntry]) -> (String, Vec<Section>) {
    let mut out = String::with_capacity(body.len());
    // Inside an inline `<script>` or `<style>`: its closing tag.
    let mut skipping: Option<&str> = None;
    // h2 and h3 as the page shows them (a body `#` is an h2): where each
    // begins in `out`, and its text as the table of contents has it.
    let mut headings: Vec<(usize, String)> = Vec::new();
    let mut heading: Option<(usize, String)> = None;
    for event in Parser::new_ext(body, options()) {
        match &event {
            Event::Start(Tag::Heading { level, .. })
                if *level <= HeadingLevel::H3 && skipping.is_none() =>
            {
                heading = Some((out.len(), String::new()));
            }
            Event::Text(text) | Event::Code(text) => {
                if let Some((_, title)) = heading.as_mut() {
                    title.push_str(text);
                }
            }
            Event::End(TagEnd::Heading(_)) => headings.extend(heading.take()),
            _ => {}
        }
        if let Some(close) = skipping {
            // Up to its closing tag, or at most to the end of the block.
            match &event {
                Event::InlineHtml(html) if starts_with_ignore_case(html, close) => {
                    skipping = None;
                    out.push(' ');
                }
                Event::End(end) if !is_inline(end) => {
                    skipping = None;
                    out.push('\n');
                }
                _ => {}
            }
            continue;
        }
        match event {
            Event::Text(text) | Event::Code(text) => out.push_str(&text),
            Event::InlineHtml(html) => {
                skipping = ["script", "style"]
                    .into_iter()
                    .find(|tag| starts_with_ignore_case(&html, &format!("<{tag}")))
                    .map(|tag| {
                        if tag == "script" {
                            "</script"
                        } else {
                            "</style"
                        }
                    });
                out.push(' ');
            }
            Event::SoftBreak | Event::HardBreak | Event::Html(_) => out.push(' '),
            Event::End(end) if is_inline(&end) => {}
            Event::End(TagEnd::TableCell) => out.push(' '),
            Event::End(_) if !out.ends_with('\n') => out.push('\n'),
            _ => {}
        }
    }
    let text = out.trim();
    let start = out.len() - out.trim_start().len();
    let mut entries = toc.iter().peekable();
    let mut sections = Vec::new();
    for (at, title) in headings {
        let Some(entry) = entries.next_if(|e| e.title == title.trim()) else {
            continue;
        };
        sections.push(Section {
            at: at.saturating_sub(start).min(text.len()),
            id: entry.id.clone(),
            title: entry.title.clone(),
        });
    }
    (text.to_string(), sections)
}

/// Whether `end` closes an inline element (not a block).
pub(crate) fn is_inline(end: &TagEnd) -> bool {
    matches!(
        end,
        TagEnd::Emphasis
            | TagEnd::Strong
            | TagEnd::Strikethrough
            | TagEnd::Link
            | TagEnd::Image
            | TagEnd::Superscript
            | TagEnd::Subscript
    )
}

fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    text.get(..prefix.len())
        .is_some_and(|start| start.eq_ignore_ascii_case(prefix))
}

#[cfg(test)]
mod tests {
    use super::{plain_text, plain_text_with_sections};
    use crate::markdown::TocEntry;

    fn toc(entries: &[(u8, &str, &str)]) -> Vec<TocEntry> {
        entries
            .iter()
            .map(|(level, id, title)| TocEntry {
                level: *level,
                id: id.to_string(),
                title: title.to_string(),
            })
            .collect()
    }

    #[test]
    fn sections_begin_at_the_headings_of_the_table_of_contents() {
        let md = "Intro text.\n\n# Get `node`\n\nThe server is ready.\n\n\
                  ## Run it {#run}\n\nIn your terminal.\n\n#### Small\n\nDeep.\n\n\
                  <or>\n\n## Gone\n\n</or>\n\n### Last\n\nEnd.";
        let entries = toc(&[
            (2, "get-node", "Get node"),
            (2, "run", "Run it"),
            (3, "last", "Last"),
        ]);
        let (text, sections) = plain_text_with_sections(md, &entries);
        assert_eq!(text, plain_text(md), "the same text");
        let found: Vec<(&str, &str)> = sections
            .iter()
            .map(|s| (s.id.as_str(), &text[s.at..]))
            .collect();
        assert_eq!(found.len(), 3, "{found:?}");
        // Each section begins at its heading's line; an h4 is part of its
        // section, a heading missing from the table of contents starts none.
        assert!(found[0].1.starts_with("Get node\nThe server is ready.\n"));
        assert_eq!(found[0].0, "get-node");
        assert!(found[1]
            .1
            .starts_with("Run it\nIn your terminal.\nSmall\nDeep.\n"));
        assert_eq!((found[2].0, found[2].1), ("last", "Last\nEnd."));
        assert_eq!(sections[1].title, "Run it");
        // A heading and the paragraph after it are separate blocks.
        assert!(text.contains("ready.\nRun it\nIn your"), "{text:?}");
    }

    #[test]
    fn sections_are_found_after_leading_space_and_without_a_table_of_contents() {
        let md = "\n\n   \n## A\n\nx";
        let (text, sections) = plain_text_with_sections(md, &toc(&[(2, "a", "A")]));
        assert_eq!(text, "A\nx");
        assert_eq!(sections[0].at, 0);
        assert!(plain_text_with_sections(md, &[]).1.is_empty());
    }

    #[test]
    fn keeps_what_readers_see_and_drops_markup() {
        let md = "## Run it {#run}\n\nStart **the** [server](03-first-server.md) with \
                  `node server.js`:\n\n```js title=\"x.js\"\nconst a = 1;\n```\n\n\
                  ![A diagram](images/d.png)\n\n<script>alert('x')</script>\n\n\
                  Some <b>bold</b> text <script>evil()</script><STYLE>p{}</STYLE> end.\n\n\
                  Open <script>never closed\n\nAfter.\n\n> [!NOTE]\n> A note.\n\n| a | b |\n|---|---|\n| c | d |\n";
        let text = plain_text(md);
        for kept in [
            "Run it",
            "Start the server with node server.js:",
            "const a = 1;",
            "A diagram",
            "Some  bold  text",
            "end.",
            "After.",
            "A note.",
            "c d",
        ] {
            assert!(text.contains(kept), "{kept:?} in {text:?}");
        }
        for dropped in [
            "##",
            "**",
            "03-first-server",
            "```",
            "images/d.png",
            "script",
            "alert",
            "evil",
            "never",
            "p{}",
            "<b>",
            "[!NOTE]",
            "{#run}",
        ] {
            assert!(!text.contains(dropped), "{dropped:?} in {text:?}");
        }
    }
}
