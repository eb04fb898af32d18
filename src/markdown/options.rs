//! The markdown extensions Lectern reads, in one place for every parse.

use pulldown_cmark::Options;

/// Tables, footnotes, strikethrough, task lists, heading attributes and the
/// GitHub extensions (callouts).
pub(crate) fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_GFM
}
