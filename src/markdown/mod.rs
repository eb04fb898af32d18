//! The markdown core: front matter, markdown → sanitised HTML, heading ids and
//! the table of contents, link rewriting, code highlighting, slug rules.
//!
//! Pure functions only: nothing here touches the file system, the database or
//! HTTP. `check`, sync and (later) the admin preview all call the same code, so a
//! lesson renders identically whichever way it arrives. Rendering happens when
//! content is written, never per request.

mod code;
mod front_matter;
pub(crate) mod highlight;
mod nesting;
mod options;
mod prerequisites;
pub mod quiz;
mod render;
pub(crate) use front_matter::toml_to_json;
pub(crate) use render::join as join_relative;
mod sanitize;
pub mod slug;
mod text;
mod unclosed;

pub use front_matter::{
    parse_date_time, split_document, Document, FrontMatter, FrontMatterError, Level,
};
pub(crate) use options::options as parser_options;
pub use prerequisites::resolve_prerequisites;
pub use render::{
    all_page_id, all_page_lesson_id, estimated_minutes, render, render_lesson, BrokenRef,
    LessonRef, RefKind, Rendered, Resolver, TocEntry,
};
pub use sanitize::sanitize;
pub use text::{plain_text, plain_text_with_sections, Section};

/// The version of what rendering produces. Bump it whenever the HTML stored
/// for an unchanged markdown text would change (highlighting, sanitising,
/// heading ids, link rewriting): rows written by an older version are then
/// rendered again when Lectern starts (`content::rerender_stale`).
/// 1: the lexical highlighter for common languages.
/// 2: code blocks scroll sideways in a focusable, named box; tables' boxes
///    are groups, not landmarks.
/// 3: `quiz` blocks become forms graded by the server.
/// 4: two-letter highlight classes; the one-page view stored as a delta.
pub const RENDER_VERSION: i32 = 4;

/// The longest title front matter (and the admin) accepts, in characters.
pub fn front_matter_title_limit() -> usize {
    front_matter::MAX_TITLE_LEN
}
