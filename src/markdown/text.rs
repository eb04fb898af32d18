//! The plain text of a markdown body: what a reader sees, without markup.
//! It is what full-text search indexes and cuts snippets from, so neither
//! finds words that only occur in markup (link targets, raw HTML, a script
//! that sanitising removes) nor shows markdown syntax in a snippet.

use pulldown_cmark::{CodeBlockKind, Event, Parser, Tag, TagEnd};

use super::options::options;

/// The words of `body` as a reader sees them: prose, inline code and code
/// blocks, image descriptions; blocks on lines of their own. Raw HTML is left
/// out (its tags and anything inside an HTML block), but text between inline
/// tags is kept (`<b>bold</b>` gives `bold`), except inside inline `<script>`
/// and `<style>`, which sanitising removes from the page.
pub fn plain_text(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    // Inside an inline `<script>` or `<style>`: its closing tag.
    let mut skipping: Option<&str> = None;
    // Inside a quiz block: its answers and explanations are never searchable.
    let mut in_quiz = false;
    for event in Parser::new_ext(body, options()) {
        match &event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info)))
                if super::quiz::is_quiz_fence(info) =>
            {
                in_quiz = true;
                continue;
            }
            Event::End(TagEnd::CodeBlock) if in_quiz => {
                in_quiz = false;
                continue;
            }
            _ if in_quiz => continue,
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
    out.trim().to_string()
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
    use super::plain_text;

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

    #[test]
    fn quiz_blocks_are_left_out() {
        let text = plain_text(
            "Before.\n\n```quiz\n? Which code?\n- [x] 404\n- [ ] 200\n> Not Found.\n```\n\nAfter.\n",
        );
        assert_eq!(text, "Before.\nAfter.");
    }
}
