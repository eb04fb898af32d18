//! Content on disk: reading the content folder, validating it (`check`),
//! and syncing it into the database (`sync`).

mod assets;
mod check;
mod diagnostics;
pub mod export;
pub mod git;
pub mod links;
pub(crate) mod parse;
pub mod plan;
mod rerender;
pub mod safe_path;
pub mod scaffold;
pub mod scan;
pub mod sync;

pub use assets::store_assets;
pub use check::{check, check_with, content_folder_inside, CheckReport};
pub use diagnostics::{Diagnostic, Severity};
pub use export::{export, ExportError, ExportReport};
pub use rerender::{rerender_stale, Rerendered};
pub use sync::{
    sync, sync_recorded, sync_with_progress, Progress, Quiet, SyncError, SyncOptions, SyncReport,
};

pub use crate::base::hash::content_hash;
