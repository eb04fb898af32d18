//! The bottom layer: pure helpers every other layer may use and that use
//! nothing of Lectern's own: the shapes of the site's URLs and the hashes
//! that identify texts and files.

pub mod hash;
pub mod urls;
