//! What the fuzz targets share beyond `lectern::fuzzing`: a check of that
//! module's HTML reader against html5ever's tokenizer (the one ammonia, and
//! in spirit every browser, uses), on the HTML the targets produce.

use std::cell::RefCell;

use html5ever::buffer_queue::BufferQueue;
use html5ever::tendril::StrTendril;
use html5ever::tokenizer::{
    Tag, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};
use lectern::fuzzing::{tags, HtmlTag};

#[derive(Default)]
struct Tags(RefCell<Vec<HtmlTag>>);

impl TokenSink for Tags {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        if let Token::TagToken(Tag {
            kind, name, attrs, ..
        }) = token
        {
            let end = kind == TagKind::EndTag;
            self.0.borrow_mut().push(HtmlTag {
                end,
                name: name.to_string(),
                attrs: if end {
                    Vec::new()
                } else {
                    attrs
                        .iter()
                        .map(|a| (a.name.local.to_string(), Ok(a.value.to_string())))
                        .collect()
                },
                at_eof: false,
            });
        }
        TokenSinkResult::Continue
    }
}

/// The tags html5ever's tokenizer reads in `html`.
pub fn html5ever_tags(html: &str) -> Vec<HtmlTag> {
    let input = BufferQueue::default();
    input.push_back(StrTendril::from(html));
    let tokenizer = Tokenizer::new(Tags::default(), TokenizerOpts::default());
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    tokenizer.sink.0.take()
}

/// Panics unless `lectern::fuzzing::tags` reads the tags of `html` as
/// html5ever does (names, and attribute names and decoded values; a browser
/// keeps the first of repeated attributes). Skipped when that reader refuses
/// the HTML, since the property check has already failed then.
pub fn same_tags_as_html5ever(html: &str) {
    let Ok(ours) = tags(html) else { return };
    let ours: Vec<HtmlTag> = ours
        .into_iter()
        .filter(|t| !t.at_eof)
        .map(|mut t| {
            if t.end {
                t.attrs.clear();
            }
            let mut seen = Vec::new();
            t.attrs.retain(|(n, _)| {
                let first = !seen.contains(n);
                seen.push(n.clone());
                first
            });
            t
        })
        .collect();
    let theirs = html5ever_tags(html);
    assert_eq!(
        ours.len(),
        theirs.len(),
        "tag count differs in {html:?}:\nours {ours:?}\nhtml5ever {theirs:?}"
    );
    for (a, b) in ours.iter().zip(&theirs) {
        let same = a.end == b.end
            && a.name == b.name
            && a.attrs.len() == b.attrs.len()
            && a.attrs
                .iter()
                .zip(&b.attrs)
                .all(|((an, av), (bn, bv))| an == bn && (av.is_err() || av == bv));
        assert!(
            same,
            "tag read differently in {html:?}:\nours {a:?}\nhtml5ever {b:?}"
        );
    }
}
