//! The bottom layer: pure helpers every other layer may use and that use
//! nothing of Lectern's own: the shapes of the site's URLs, the hashes
//! that identify texts and files, and the clock readers' pages go by.

pub mod clock;
pub mod hash;
pub mod urls;
