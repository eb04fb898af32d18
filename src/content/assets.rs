//! Storing the files that rendered bodies refer to as media, by content
//! hash, before any page that shows them is written.

use sea_orm::{ConnectionTrait, DbErr};

use crate::db::media;

use super::scan::Asset;
use super::Diagnostic;

/// Stores the assets not stored yet; a file that cannot be read is reported.
pub async fn store_assets<'a>(
    db: &impl ConnectionTrait,
    assets: impl Iterator<Item = &'a Asset>,
) -> Result<Vec<Diagnostic>, DbErr> {
    let assets: Vec<&Asset> = assets.collect();
    let hashes: Vec<String> = assets.iter().map(|a| a.hash.clone()).collect();
    let mut stored = media::existing(db, &hashes).await?;
    let mut problems = Vec::new();
    for asset in assets {
        if !stored.insert(asset.hash.clone()) {
            continue;
        }
        let content_type = mime_guess::from_path(&asset.name)
            .first_or_octet_stream()
            .to_string();
        let abs = asset.abs.clone();
        let read = tokio::task::spawn_blocking(move || super::safe_path::read_asset(&abs))
            .await
            .unwrap_or_else(|e| Err(std::io::Error::other(e.to_string())));
        match read {
            Ok(bytes) => media::insert(db, &asset.hash, &asset.name, &content_type, bytes).await?,
            Err(e) => problems.push(Diagnostic::error(&asset.path, None, e.to_string())),
        }
    }
    Ok(problems)
}
