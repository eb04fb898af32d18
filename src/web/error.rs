//! The web layer's error type and the error pages. This is the one place
//! where failures become status codes; internal errors are logged in full and
//! shown to visitors as a generic page.

use rocket::http::Status;
use rocket::request::Request;
use rocket::response::{self, content::RawHtml, Redirect, Responder};
use rocket::{catch, catchers, Catcher};
use rocket_dyn_templates::{context, Template};
use sea_orm::DbErr;

use super::templates::SiteView;

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("not found")]
    NotFound,
    #[error("database: {0}")]
    Db(#[from] DbErr),
    #[error("template `{0}` failed to render")]
    Template(&'static str),
}

impl<'r, 'o: 'r> Responder<'r, 'o> for WebError {
    fn respond_to(self, _req: &'r Request<'_>) -> response::Result<'o> {
        match self {
            WebError::NotFound => Err(Status::NotFound),
            other => {
                tracing::error!(error = %other, "request failed");
                Err(Status::InternalServerError)
            }
        }
    }
}

pub fn catchers() -> Vec<Catcher> {
    catchers![not_found, default_catcher]
}

pub fn error_page(status: Status, req: &Request<'_>) -> RawHtml<Template> {
    let too_large;
    let (heading, message) = match status.code {
        404 => (
            "Page not found",
            "There is no page at this address. It may have moved, or the link may be mistyped.",
        ),
        403 => ("Not allowed", "You do not have permission to do this, or the form had expired. Go back, reload the page and try again."),
        413 => {
            too_large = too_large_message(req);
            ("Too large", too_large.as_str())
        }
        422 => ("This form could not be read", "Some fields were missing or malformed. Go back and try again."),
        429 => ("Too many requests", "Please wait a few minutes and try again."),
        500..=599 => (
            "Something went wrong",
            "The server could not show this page. Please try again in a moment.",
        ),
        _ => (
            "This request could not be handled",
            "Please go back and try again.",
        ),
    };
    let site = req
        .rocket()
        .state::<SiteView>()
        .cloned()
        .unwrap_or_default();
    RawHtml(Template::render(
        "error",
        context! {
            site,
            page: context! { title: heading, description: "", canonical: req.uri().path().to_string() },
            status: status.code,
            heading,
            message,
        },
    ))
}

/// What a 413 says: the limit the body went over (by its content type) and,
/// in the admin, that nothing was saved and the text is still in the form the
/// browser goes back to.
fn too_large_message(req: &Request<'_>) -> String {
    use crate::config::format_size;
    use rocket::data::Limits;
    let limits = req.limits();
    let (what, limit) = match req.content_type() {
        Some(ct) if ct.is_form_data() => (
            "upload",
            limits.get("data-form").unwrap_or(Limits::DATA_FORM),
        ),
        Some(ct) if ct.is_form() => ("form", limits.get("form").unwrap_or(Limits::FORM)),
        Some(ct) if ct.is_json() => ("JSON body", limits.get("json").unwrap_or(Limits::JSON)),
        _ => ("request", limits.get("bytes").unwrap_or(Limits::BYTES)),
    };
    let mut message = format!(
        "The {what} you sent is larger than the {} this site accepts.",
        format_size(limit.as_u64())
    );
    if req.uri().path().starts_with("/admin") {
        message.push_str(&format!(
            " Nothing was saved. Go back with your browser's Back button: what you typed is \
             still in the form. A lesson or course text may be at most {}, an image at most {}.",
            format_size(crate::editing::lessons::MAX_BODY_BYTES as u64),
            format_size(crate::editing::media::MAX_UPLOAD_BYTES),
        ));
    }
    message
}

/// A missing page: an old URL (alias or moved lesson) redirects to where the
/// page is now; anything else gets the 404 page.
#[catch(404)]
async fn not_found(req: &Request<'_>) -> NotFound {
    if let Some(db) = req.rocket().state::<crate::db::Db>() {
        match crate::db::redirects::resolve(db, req.uri().path().as_str()).await {
            Ok(Some(target)) => return NotFound::Moved(Redirect::moved(target)),
            Ok(None) => {}
            Err(e) => tracing::error!(error = %e, "redirect lookup failed"),
        }
    }
    NotFound::Page((Status::NotFound, error_page(Status::NotFound, req)))
}

#[derive(rocket::Responder)]
enum NotFound {
    Moved(Redirect),
    Page((Status, RawHtml<Template>)),
}

#[catch(default)]
fn default_catcher(status: Status, req: &Request<'_>) -> (Status, RawHtml<Template>) {
    (status, error_page(status, req))
}
