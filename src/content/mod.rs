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
pub mod scan;
pub mod sync;

pub use assets::store_assets;
pub use check::{check, CheckReport};
pub use diagnostics::{Diagnostic, Severity};
pub use export::{export, ExportError, ExportReport};
pub use rerender::{rerender_stale, Rerendered};
pub use sync::{
    sync, sync_recorded, sync_with_progress, Progress, Quiet, SyncError, SyncOptions, SyncReport,
};

use sha2::{Digest, Sha256};

/// Hash of a lesson's or course's editable text. Stored as `synced_hash` when
/// sync writes a row, so a later sync can tell whether the admin changed it.
pub fn content_hash(title: &str, summary: &str, body_md: &str) -> String {
    let mut h = Sha256::new();
    for part in [title, summary, body_md] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    hex::encode(h.finalize())
}
