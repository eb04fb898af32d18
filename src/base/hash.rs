//! Hashes that identify texts and files.

use sha2::{Digest, Sha256};

/// Hex SHA-256 of a file's bytes: names stored media and tells a changed
/// file from an unchanged one.
pub fn hash_bytes(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

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
