//! The lesson editor's live preview, autosave and keyboard work.
