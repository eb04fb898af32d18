//! The web layer's error types and the error pages. This is the one place
//! where failures of any layer become status codes (each type's `status`,
//! pinned by the tests below); internal errors are logged in full and shown
//! to visitors as a generic page.

use rocket::http::Status;
use rocket::request::Request;
use rocket::response::{self, content::RawHtml, Redirect, Responder};
use rocket::{catch, catchers, Catcher};
use rocket_dyn_templates::{context, Template};
use sea_orm::DbErr;

use crate::accounts::AccountError;
use crate::content::git::GitError;
use crate::content::SyncError;
use crate::editing::EditError;

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

impl WebError {
    pub fn status(&self) -> Status {
        match self {
            WebError::NotFound => Status::NotFound,
            WebError::Db(_) | WebError::Template(_) => Status::InternalServerError,
        }
    }
}

impl<'r, 'o: 'r> Responder<'r, 'o> for WebError {
    fn respond_to(self, _req: &'r Request<'_>) -> response::Result<'o> {
        respond(self.status(), &self)
    }
}

/// Errors of admin handlers. A handler deals with what an editor can fix
/// (form errors, a stale save) itself; what reaches here is answered with
/// an error page.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("not found")]
    NotFound,
    #[error("the form's security token is missing or wrong")]
    Csrf,
    #[error("database: {0}")]
    Db(#[from] DbErr),
    #[error("{0}")]
    Account(#[from] AccountError),
    #[error("{0}")]
    Edit(#[from] EditError),
    #[error("{0}")]
    Sync(#[from] SyncError),
    /// Reading a request's file or writing one failed.
    #[error("file input or output: {0}")]
    Io(#[from] std::io::Error),
}

impl AdminError {
    pub fn status(&self) -> Status {
        match self {
            AdminError::NotFound
            | AdminError::Edit(EditError::NotFound)
            | AdminError::Account(AccountError::NoSuchUser(_)) => Status::NotFound,
            AdminError::Csrf => Status::Forbidden,
            AdminError::Account(AccountError::RateLimited) => Status::TooManyRequests,
            AdminError::Account(
                AccountError::Invalid(_)
                | AccountError::UsernameTaken(_)
                | AccountError::Refused(_),
            ) => Status::UnprocessableEntity,
            AdminError::Db(_)
            | AdminError::Account(_)
            | AdminError::Edit(_)
            | AdminError::Sync(_)
            | AdminError::Io(_) => Status::InternalServerError,
        }
    }
}

impl<'r, 'o: 'r> Responder<'r, 'o> for AdminError {
    fn respond_to(self, _req: &'r Request<'_>) -> response::Result<'o> {
        respond(self.status(), &self)
    }
}

/// The status of a push whose pull failed: the history diverged or git
/// refused (409), the remote did not answer in time (504), git could not be
/// run (500).
pub fn pull_failure_status(e: &GitError) -> Status {
    match e {
        GitError::Failed(_) => Status::Conflict,
        GitError::TimedOut(_) => Status::GatewayTimeout,
        GitError::Spawn(_) => Status::InternalServerError,
    }
}

/// Hands the status to the catchers (which render the page); server errors
/// are logged with their cause first.
fn respond<'o>(status: Status, error: &dyn std::fmt::Display) -> response::Result<'o> {
    if status.class() == rocket::http::StatusClass::ServerError {
        tracing::error!(error = %error, "request failed");
    }
    Err(status)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_error_has_its_status() {
        let db = || DbErr::Custom("x".into());
        assert_eq!(WebError::NotFound.status(), Status::NotFound);
        assert_eq!(WebError::Db(db()).status(), Status::InternalServerError);
        assert_eq!(
            WebError::Template("page").status(),
            Status::InternalServerError
        );

        let cases = [
            (AdminError::NotFound, Status::NotFound),
            (AdminError::Edit(EditError::NotFound), Status::NotFound),
            (
                AdminError::Account(AccountError::NoSuchUser("x".into())),
                Status::NotFound,
            ),
            (AdminError::Csrf, Status::Forbidden),
            (
                AdminError::Account(AccountError::RateLimited),
                Status::TooManyRequests,
            ),
            (
                AdminError::Account(AccountError::Refused("x")),
                Status::UnprocessableEntity,
            ),
            (
                AdminError::Account(AccountError::UsernameTaken("x".into())),
                Status::UnprocessableEntity,
            ),
            (AdminError::Db(db()), Status::InternalServerError),
            (
                AdminError::Edit(EditError::Internal("x".into())),
                Status::InternalServerError,
            ),
            (
                AdminError::Account(AccountError::Hash("x".into())),
                Status::InternalServerError,
            ),
            (
                AdminError::Sync(SyncError::Worker("x".into())),
                Status::InternalServerError,
            ),
            (
                AdminError::Io(std::io::Error::other("x")),
                Status::InternalServerError,
            ),
        ];
        for (error, status) in cases {
            assert_eq!(error.status(), status, "{error}");
        }

        assert_eq!(
            pull_failure_status(&GitError::Failed("x".into())),
            Status::Conflict
        );
        assert_eq!(
            pull_failure_status(&GitError::TimedOut(60)),
            Status::GatewayTimeout
        );
        assert_eq!(
            pull_failure_status(&GitError::Spawn(std::io::Error::other("x"))),
            Status::InternalServerError
        );
    }
}
