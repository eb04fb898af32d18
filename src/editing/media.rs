//! Images uploaded in the admin: the type is read from the bytes (not the
//! name), the name made safe for a URL and a header, the bytes stored once
//! by their hash, and the upload audited in the same transaction.

use sea_orm::{DbErr, TransactionTrait};

use crate::accounts::audit;
use crate::content::links::media_url;
use crate::content::scan::hash_bytes;
use crate::db::media;
use crate::db::Db;

/// Largest image accepted (Rocket's `file` limit is set to match).
pub const MAX_UPLOAD_BYTES: u64 = 10 * 1024 * 1024;

/// Image types accepted, recognised by their first bytes, with the file
/// extension each is stored under.
const ALLOWED: &[(&str, &str)] = &[
    ("image/png", "png"),
    ("image/jpeg", "jpg"),
    ("image/gif", "gif"),
    ("image/webp", "webp"),
];

/// Why an upload was refused, in words for the editor.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("Choose an image to upload.")]
    Empty,
    #[error(
        "The file is larger than the limit of {} for an image. Nothing was uploaded.",
        crate::config::format_size(MAX_UPLOAD_BYTES)
    )]
    TooLarge,
    #[error("This file is not a PNG, JPEG, GIF or WebP image.")]
    NotAnImage,
    #[error("The upload could not be read. Choose the file again.")]
    Unreadable,
    #[error("database error: {0}")]
    Db(#[from] DbErr),
}

/// A stored image.
#[derive(Debug)]
pub struct Uploaded {
    pub name: String,
    pub url: String,
}

/// Stores an uploaded image (once, however often it is uploaded) and
/// records who uploaded it.
pub async fn upload(
    db: &Db,
    username: &str,
    original_name: Option<&str>,
    bytes: Vec<u8>,
) -> Result<Uploaded, UploadError> {
    if bytes.is_empty() {
        return Err(UploadError::Empty);
    }
    if bytes.len() as u64 > MAX_UPLOAD_BYTES {
        return Err(UploadError::TooLarge);
    }
    let kind = infer::get(&bytes).map(|k| k.mime_type());
    let (content_type, ext) = ALLOWED
        .iter()
        .find(|(mime, _)| Some(*mime) == kind)
        .ok_or(UploadError::NotAnImage)?;
    let name = clean_name(original_name, ext);
    let hash = hash_bytes(&bytes);
    let url = media_url(&hash, &name);
    let txn = db.begin().await?;
    if media::existing(&txn, std::slice::from_ref(&hash))
        .await?
        .is_empty()
    {
        media::insert(&txn, &hash, &name, content_type, bytes).await?;
    }
    audit::record(&txn, username, "media.upload", &url, "").await?;
    txn.commit().await?;
    Ok(Uploaded { name, url })
}

/// A file name safe in a URL and a header: letters, digits, `-`, `_`.
fn clean_name(raw: Option<&str>, ext: &str) -> String {
    let stem: String = raw
        .unwrap_or("image")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .take(80)
        .collect();
    let stem = stem.trim_matches('-');
    format!("{}.{ext}", if stem.is_empty() { "image" } else { stem })
}

#[cfg(test)]
mod tests {
    use super::clean_name;

    #[test]
    fn names_are_made_safe() {
        assert_eq!(clean_name(Some("my photo"), "png"), "my-photo.png");
        assert_eq!(clean_name(Some("../../x"), "png"), "x.png");
        assert_eq!(clean_name(None, "gif"), "image.gif");
    }
}
