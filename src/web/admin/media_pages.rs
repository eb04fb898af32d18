//! Images: upload (type checked by content, size limited), list with the
//! markdown to insert each one in a lesson.

use rocket::form::{Form, FromForm};
use rocket::fs::TempFile;
use rocket::http::Status;
use rocket::response::{content::RawHtml, Redirect};
use rocket::tokio::io::AsyncReadExt;
use rocket::{get, post, routes, Route, State};
use rocket_dyn_templates::Template;
use serde::Serialize;

use crate::accounts::{audit, SessionUser};
use crate::content::links::media_url;
use crate::content::scan::hash_bytes;
use crate::db::{media, Db};
use crate::web::auth::Editor;
use crate::web::templates::SiteView;

use super::lesson_pages::EditResponse;
use super::{check_csrf, page, render, AdminError, AdminPage, CsrfToken};

pub fn routes() -> Vec<Route> {
    routes![list, upload]
}

/// Largest image accepted (Rocket's `file` limit is set to match).
pub const MAX_UPLOAD_BYTES: u64 = 10 * 1024 * 1024;

/// Image types accepted, recognised by their first bytes, not their name.
const ALLOWED: &[(&str, &str)] = &[
    ("image/png", "png"),
    ("image/jpeg", "jpg"),
    ("image/gif", "gif"),
    ("image/webp", "webp"),
];

#[derive(Serialize)]
struct Item {
    name: String,
    url: String,
    content_type: String,
    kib: i64,
    uploaded: String,
}

async fn list_view(
    db: &Db,
    site: &State<SiteView>,
    user: &SessionUser,
    error: Option<String>,
    status: Status,
) -> Result<(Status, RawHtml<Template>), AdminError> {
    let items = media::recent(db, 200)
        .await?
        .into_iter()
        .map(|m| Item {
            url: media_url(&m.sha256, &m.name),
            kib: (m.size + 1023) / 1024,
            uploaded: m.created_at.format("%Y-%m-%d %H:%M").to_string(),
            name: m.name,
            content_type: m.content_type,
        })
        .collect();
    #[derive(Serialize)]
    struct View {
        page: AdminPage,
        items: Vec<Item>,
        error: Option<String>,
        max_mib: u64,
    }
    let view = View {
        page: page("Images", "/admin/media"),
        items,
        error,
        max_mib: MAX_UPLOAD_BYTES >> 20,
    };
    Ok((status, render("admin/media", site, user, view)))
}

#[get("/media")]
async fn list(
    user: Editor,
    db: &State<Db>,
    site: &State<SiteView>,
) -> Result<(Status, RawHtml<Template>), AdminError> {
    list_view(db.inner(), site, &user.0, None, Status::Ok).await
}

#[derive(FromForm)]
struct Upload<'r> {
    csrf: CsrfToken,
    file: TempFile<'r>,
}

fn too_large_message() -> String {
    format!(
        "The file is larger than the limit of {} for an image. Nothing was uploaded.",
        crate::config::format_size(MAX_UPLOAD_BYTES)
    )
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

#[post("/media", data = "<form>")]
async fn upload(
    form: Result<Form<Upload<'_>>, rocket::form::Errors<'_>>,
    user: Editor,
    db: &State<Db>,
    site: &State<SiteView>,
) -> Result<EditResponse, AdminError> {
    let form = match form {
        Ok(form) => form,
        Err(errors) => {
            // An upload over the limit is cut off while parsing; say so plainly.
            let too_large = errors.iter().any(|e| e.status() == Status::PayloadTooLarge);
            let (msg, status) = if too_large {
                (too_large_message(), Status::PayloadTooLarge)
            } else {
                (
                    "The upload could not be read. Choose the file again.".to_string(),
                    Status::UnprocessableEntity,
                )
            };
            return Ok(EditResponse::Page(
                list_view(db.inner(), site, &user.0, Some(msg), status).await?,
            ));
        }
    };
    check_csrf(&user.0, &form.csrf)?;
    let fail = |msg: &str| {
        list_view(
            db.inner(),
            site,
            &user.0,
            Some(msg.to_string()),
            Status::UnprocessableEntity,
        )
    };
    if form.file.len() == 0 {
        return Ok(EditResponse::Page(
            fail("Choose an image to upload.").await?,
        ));
    }
    if form.file.len() > MAX_UPLOAD_BYTES {
        // Only when Rocket's `file` limit is set above this one.
        return Ok(EditResponse::Page(
            list_view(
                db.inner(),
                site,
                &user.0,
                Some(too_large_message()),
                Status::PayloadTooLarge,
            )
            .await?,
        ));
    }
    let mut bytes = Vec::with_capacity(form.file.len() as usize);
    form.file
        .open()
        .await
        .map_err(|e| AdminError::Db(sea_orm::DbErr::Custom(e.to_string())))?
        .read_to_end(&mut bytes)
        .await
        .map_err(|e| AdminError::Db(sea_orm::DbErr::Custom(e.to_string())))?;
    let kind = infer::get(&bytes).map(|k| k.mime_type());
    let Some((content_type, ext)) = ALLOWED.iter().find(|(mime, _)| Some(*mime) == kind) else {
        return Ok(EditResponse::Page(
            fail("This file is not a PNG, JPEG, GIF or WebP image.").await?,
        ));
    };
    let name = clean_name(form.file.name(), ext);
    let hash = hash_bytes(&bytes);
    if media::existing(db.inner(), std::slice::from_ref(&hash))
        .await?
        .is_empty()
    {
        media::insert(db.inner(), &hash, &name, content_type, bytes).await?;
    }
    audit::record(
        db.inner(),
        &user.0.username,
        "media.upload",
        &media_url(&hash, &name),
        "",
    )
    .await?;
    Ok(EditResponse::Redirect(Redirect::to("/admin/media")))
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
