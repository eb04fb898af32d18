//! Images uploaded in the admin: the type is read from the bytes (not the
//! name), the name made safe for a URL and a header, alt text required, the
//! bytes stored once by their hash, and the upload audited in the same
//! transaction. Deleting an image is refused while anything refers to it.

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
    #[error("Describe the image in a few words (its alt text) for readers who cannot see it.")]
    NoAlt,
    #[error("Keep the alt text under {MAX_ALT_CHARS} characters.")]
    AltTooLong,
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

/// Longest alt text accepted (the column holds 500).
pub const MAX_ALT_CHARS: usize = 300;

/// A stored image.
#[derive(Debug, serde::Serialize)]
pub struct Uploaded {
    pub name: String,
    pub url: String,
    pub alt: String,
}

impl Uploaded {
    /// The markdown that shows the image.
    pub fn markdown(&self) -> String {
        image_markdown(&self.alt, &self.url)
    }
}

/// `![alt](url)`, with the alt's brackets, backslashes and line breaks made
/// harmless.
pub fn image_markdown(alt: &str, url: &str) -> String {
    let alt: String = alt
        .chars()
        .map(|c| match c {
            '[' | ']' | '\n' | '\r' => ' ',
            c => c,
        })
        .collect();
    // A backslash would escape what follows it (the closing bracket).
    let alt = alt.trim().replace('\\', "\\\\");
    format!("![{alt}]({url})")
}

/// Stores an uploaded image (once, however often it is uploaded) and
/// records who uploaded it.
pub async fn upload(
    db: &Db,
    username: &str,
    original_name: Option<&str>,
    alt: &str,
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
    let alt = alt.trim();
    if alt.is_empty() {
        return Err(UploadError::NoAlt);
    }
    if alt.chars().count() > MAX_ALT_CHARS {
        return Err(UploadError::AltTooLong);
    }
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
    media::set_alt_if_empty(&txn, &hash, alt).await?;
    audit::record(&txn, username, "media.upload", &url, alt).await?;
    txn.commit().await?;
    Ok(Uploaded {
        name,
        url,
        alt: alt.to_string(),
    })
}

/// Why an image was not deleted.
#[derive(Debug, thiserror::Error)]
pub enum DeleteError {
    #[error("There is no such image.")]
    NotFound,
    /// Lessons, courses or past revisions still show it: deleting it would
    /// break their pages, or a restore of an old revision.
    #[error("This image is still used, so it was not deleted.")]
    InUse(media::Usage),
    #[error("database error: {0}")]
    Db(#[from] DbErr),
}

/// Deletes image `sha256` if no lesson, course or revision refers to it,
/// audited in the same transaction.
pub async fn delete(db: &Db, username: &str, sha256: &str) -> Result<(), DeleteError> {
    let txn = db.begin().await?;
    let info = media::info(&txn, sha256)
        .await?
        .ok_or(DeleteError::NotFound)?;
    let usage = media::usage(&txn, sha256).await?;
    if !usage.is_empty() {
        return Err(DeleteError::InUse(usage));
    }
    media::delete(&txn, sha256).await?;
    audit::record(
        &txn,
        username,
        "media.delete",
        &media_url(sha256, &info.name),
        &format!("deleted the unused image {}", info.name),
    )
    .await?;
    crate::db::site_state::commit(db, txn).await?;
    Ok(())
}

/// A file name safe in a URL and a header: letters, digits, `-`, `_`.
fn clean_name(raw: Option<&str>, ext: &str) -> String {
    // The stem only: the stored extension is the one the bytes showed.
    let raw = raw
        .and_then(|r| std::path::Path::new(r).file_stem())
        .and_then(|s| s.to_str());
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
    use super::{clean_name, image_markdown};

    #[test]
    fn alt_text_cannot_break_the_image_markdown() {
        assert_eq!(
            image_markdown("ends with \\", "/media/a/b.png"),
            "![ends with \\\\](/media/a/b.png)"
        );
        assert_eq!(image_markdown("a [b]\nc", "/m"), "![a  b  c](/m)");
    }

    #[test]
    fn names_are_made_safe() {
        assert_eq!(clean_name(Some("my photo"), "png"), "my-photo.png");
        assert_eq!(clean_name(Some("../../x"), "png"), "x.png");
        assert_eq!(clean_name(None, "gif"), "image.gif");
    }

    #[test]
    fn alt_text_cannot_break_the_markdown() {
        assert_eq!(
            super::image_markdown(" A [red] dog\n", "/media/ab/x.png"),
            "![A  red  dog](/media/ab/x.png)"
        );
    }
}
