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

use crate::accounts::SessionUser;
use crate::content::links::media_url;
use crate::db::Db;
use crate::editing::media::{self, UploadError, MAX_UPLOAD_BYTES};
use crate::web::auth::Editor;
use crate::web::templates::SiteView;

use super::lesson_pages::EditResponse;
use super::{check_csrf, page, render, AdminError, AdminPage, CsrfToken};

pub(super) fn routes() -> Vec<Route> {
    routes![list, upload]
}

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
    let items = crate::db::media::recent(db, 200)
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

#[post("/media", data = "<form>")]
async fn upload(
    form: Result<Form<Upload<'_>>, rocket::form::Errors<'_>>,
    user: Editor,
    db: &State<Db>,
    site: &State<SiteView>,
) -> Result<EditResponse, AdminError> {
    let uploaded = match form {
        Ok(form) => {
            check_csrf(&user.0, &form.csrf)?;
            store(db.inner(), &user.0, &form.file).await?
        }
        // An upload over the limit is cut off while parsing; say so plainly.
        Err(errors) if errors.iter().any(|e| e.status() == Status::PayloadTooLarge) => {
            Err(UploadError::TooLarge)
        }
        Err(_) => Err(UploadError::Unreadable),
    };
    match uploaded {
        Ok(_) => Ok(EditResponse::Redirect(Redirect::to("/admin/media"))),
        Err(UploadError::Db(e)) => Err(e.into()),
        Err(refused) => {
            let status = match refused {
                UploadError::TooLarge => Status::PayloadTooLarge,
                _ => Status::UnprocessableEntity,
            };
            let page = list_view(db.inner(), site, &user.0, Some(refused.to_string()), status);
            Ok(EditResponse::Page(page.await?))
        }
    }
}

/// Reads the uploaded file and stores it. A file over the limit is refused
/// unread (possible only when Rocket's `file` limit is set above Lectern's).
async fn store(
    db: &Db,
    user: &SessionUser,
    file: &TempFile<'_>,
) -> Result<Result<media::Uploaded, UploadError>, AdminError> {
    if file.len() > MAX_UPLOAD_BYTES {
        return Ok(Err(UploadError::TooLarge));
    }
    let mut bytes = Vec::with_capacity(file.len() as usize);
    if file.len() > 0 {
        file.open().await?.read_to_end(&mut bytes).await?;
    }
    Ok(media::upload(db, &user.username, file.name(), bytes).await)
}
