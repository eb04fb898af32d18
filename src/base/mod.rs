//! The bottom layer: pure helpers every other layer may use and that use
//! nothing of Lectern's own: the shapes of the site's URLs, the hashes
//! that identify texts and files, the clock readers' pages go by,
//! three-way merges of texts (for stale saves and files meeting admin edits)
//! and giving freed memory back to the system.

pub mod clock;
pub mod hash;
pub mod memory;
pub mod merge;
pub mod urls;
