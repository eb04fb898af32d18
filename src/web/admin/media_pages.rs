//! Images: upload (type checked by content, size limited, alt text
//! required) from the images page or, as JSON, from the editor; list with
//! the markdown to insert each one; delete an image nothing uses.

use rocket::form::{Form, FromForm};
use rocket::fs::TempFile;
use rocket::http::Status;
use rocket::response::{content::RawHtml, Redirect};
use rocket::serde::json::Json;
use rocket::tokio::io::AsyncReadExt;
use rocket::{get, post, routes, Route, State};
use rocket_dyn_templates::Template;
use serde::Serialize;

use crate::accounts::SessionUser;
use crate::content::links::media_url;
use crate::db::Db;
use crate::editing::media::{self, image_markdown, DeleteError, UploadError, MAX_UPLOAD_BYTES};
use crate::web::auth::Editor;
use crate::web::templates::SiteView;

use super::lesson_pages::EditResponse;
use super::{carries_csrf, CsrfForm};
use super::{check_csrf, page, render, AdminError, AdminPage, CsrfToken};
use crate::web::auth::csrf_ok;

pub(super) fn routes() -> Vec<Route> {
    routes![list, upload, upload_json, delete_page, delete]
}

#[derive(Serialize)]
struct Item {
    name: String,
    url: String,
    hash: String,
    alt: String,
    markdown: String,
    content_type: String,
    kib: i64,
    uploaded: String,
}

fn item(m: crate::db::media::MediaInfo) -> Item {
    let url = media_url(&m.sha256, &m.name);
    Item {
        markdown: image_markdown(if m.alt.is_empty() { &m.name } else { &m.alt }, &url),
        url,
        kib: (m.size + 1023) / 1024,
        uploaded: m.created_at.format("%Y-%m-%d %H:%M").to_string(),
        hash: m.sha256,
        name: m.name,
        alt: m.alt,
        content_type: m.content_type,
    }
}

/// What the upload form held when it was refused, shown again.
#[derive(Default, Serialize)]
struct Refused {
    error: Option<String>,
    alt: String,
}

async fn list_view(
    db: &Db,
    site: &State<SiteView>,
    user: &SessionUser,
    refused: Refused,
    status: Status,
) -> Result<(Status, RawHtml<Template>), AdminError> {
    let items = crate::db::media::recent(db, 200)
        .await?
        .into_iter()
        .map(item)
        .collect();
    #[derive(Serialize)]
    struct View {
        page: AdminPage,
        items: Vec<Item>,
        error: Option<String>,
        alt: String,
        max_mib: u64,
    }
    let view = View {
        page: page("Images", "/admin/media"),
        items,
        error: refused.error,
        alt: refused.alt,
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
    list_view(db.inner(), site, &user.0, Refused::default(), Status::Ok).await
}

#[derive(FromForm)]
struct Upload<'r> {
    csrf: CsrfToken,
    alt: Option<String>,
    file: TempFile<'r>,
}

type UploadForm<'r> = Result<Form<Upload<'r>>, rocket::form::Errors<'r>>;

/// The refusal for a form Rocket could not parse: an upload over the limit
/// is cut off while parsing, so say that plainly.
fn unparsed(errors: &rocket::form::Errors<'_>) -> UploadError {
    if errors.iter().any(|e| e.status() == Status::PayloadTooLarge) {
        UploadError::TooLarge
    } else {
        UploadError::Unreadable
    }
}

fn refusal_status(refused: &UploadError) -> Status {
    match refused {
        UploadError::TooLarge => Status::PayloadTooLarge,
        _ => Status::UnprocessableEntity,
    }
}

#[post("/media", data = "<form>")]
async fn upload(
    form: UploadForm<'_>,
    user: Editor,
    db: &State<Db>,
    site: &State<SiteView>,
) -> Result<EditResponse, AdminError> {
    let (uploaded, alt) = match form {
        Ok(form) => {
            check_csrf(&user.0, &form.csrf)?;
            let alt = form.alt.clone().unwrap_or_default();
            (store(db.inner(), &user.0, &form.file, &alt).await?, alt)
        }
        Err(errors) => (Err(unparsed(&errors)), String::new()),
    };
    match uploaded {
        Ok(_) => Ok(EditResponse::Redirect(Redirect::to("/admin/media"))),
        Err(UploadError::Db(e)) => Err(e.into()),
        Err(refused) => {
            let status = refusal_status(&refused);
            let refused = Refused {
                error: Some(refused.to_string()),
                alt,
            };
            let page = list_view(db.inner(), site, &user.0, refused, status);
            Ok(EditResponse::Page(page.await?))
        }
    }
}

/// The editor's answer to an upload: the stored image and its markdown, or
/// the refusal in words.
#[derive(Serialize)]
#[serde(untagged)]
enum UploadReply {
    Stored {
        url: String,
        name: String,
        alt: String,
        markdown: String,
    },
    Refused {
        error: String,
    },
}

fn refused(status: Status, error: impl ToString) -> (Status, Json<UploadReply>) {
    let error = error.to_string();
    (status, Json(UploadReply::Refused { error }))
}

/// The same upload for the editor's drop and paste: the same checks
/// (`editing::media::upload`), answered in JSON.
#[post("/media/upload.json", data = "<form>")]
async fn upload_json(
    form: UploadForm<'_>,
    user: Editor,
    db: &State<Db>,
) -> Result<(Status, Json<UploadReply>), AdminError> {
    let form = match form {
        Ok(form) => form,
        Err(errors) => {
            let refusal = unparsed(&errors);
            return Ok(refused(refusal_status(&refusal), refusal));
        }
    };
    if !csrf_ok(&user.0, &form.csrf.0) {
        return Ok(refused(
            Status::Forbidden,
            "The page is out of date. Reload it and drop the image again.",
        ));
    }
    let alt = form.alt.clone().unwrap_or_default();
    match store(db.inner(), &user.0, &form.file, &alt).await? {
        Ok(stored) => Ok((
            Status::Created,
            Json(UploadReply::Stored {
                markdown: stored.markdown(),
                url: stored.url,
                name: stored.name,
                alt: stored.alt,
            }),
        )),
        Err(UploadError::Db(e)) => Err(e.into()),
        Err(refusal) => Ok(refused(refusal_status(&refusal), refusal)),
    }
}

/// Reads the uploaded file and stores it. A file over the limit is refused
/// unread (possible only when Rocket's `file` limit is set above Lectern's).
async fn store(
    db: &Db,
    user: &SessionUser,
    file: &TempFile<'_>,
    alt: &str,
) -> Result<Result<media::Uploaded, UploadError>, AdminError> {
    if file.len() > MAX_UPLOAD_BYTES {
        return Ok(Err(UploadError::TooLarge));
    }
    let mut bytes = Vec::with_capacity(file.len() as usize);
    if file.len() > 0 {
        file.open().await?.read_to_end(&mut bytes).await?;
    }
    Ok(media::upload(db, &user.username, file.name(), alt, bytes).await)
}

// ---------------------------------------------------------------- delete

#[derive(Serialize)]
struct DeleteView {
    page: AdminPage,
    image: Item,
    usage: crate::db::media::Usage,
    used: bool,
}

async fn delete_view(
    db: &Db,
    site: &State<SiteView>,
    user: &SessionUser,
    hash: &str,
) -> Result<RawHtml<Template>, AdminError> {
    let info = crate::db::media::info(db, hash)
        .await?
        .ok_or(AdminError::NotFound)?;
    let usage = crate::db::media::usage(db, hash).await?;
    let view = DeleteView {
        page: page(
            format!("Delete the image {}", info.name),
            format!("/admin/media/{hash}/delete"),
        ),
        image: item(info),
        used: !usage.is_empty(),
        usage,
    };
    Ok(render("admin/media_delete", site, user, view))
}

/// Where the image is used, or the confirmation to delete it.
#[get("/media/<hash>/delete")]
async fn delete_page(
    hash: &str,
    user: Editor,
    db: &State<Db>,
    site: &State<SiteView>,
) -> Result<RawHtml<Template>, AdminError> {
    delete_view(db.inner(), site, &user.0, hash).await
}

#[derive(FromForm)]
struct DeleteForm {
    csrf: CsrfToken,
}

#[post("/media/<hash>/delete", data = "<_form>")]
async fn delete(
    hash: &str,
    _form: CsrfForm<DeleteForm>,
    user: Editor,
    db: &State<Db>,
    site: &State<SiteView>,
) -> Result<EditResponse, AdminError> {
    match media::delete(db.inner(), &user.0.username, hash).await {
        Ok(()) => Ok(EditResponse::Redirect(Redirect::to("/admin/media"))),
        Err(DeleteError::NotFound) => Err(AdminError::NotFound),
        // Used since the confirmation was shown: show where, again.
        Err(DeleteError::InUse(_)) => Ok(EditResponse::Page((
            Status::Conflict,
            delete_view(db.inner(), site, &user.0, hash).await?,
        ))),
        Err(DeleteError::Db(e)) => Err(e.into()),
    }
}

carries_csrf!(DeleteForm);
