//! The admin panel: login, dashboard, lesson and course editing, history,
//! media, users, audit log. Handlers parse forms, check the CSRF token, call
//! `accounts` or `editing`, and pick a template.

mod account_pages;
mod audit_pages;
mod confirm;
mod course_pages;
mod dashboard;
mod lesson_archive;
mod lesson_editor;
mod lesson_form;
mod lesson_history;
mod lesson_live;
mod lesson_pages;
mod lesson_views;
mod media_pages;
mod sync_pages;
mod user_pages;

use rocket::http::Status;
use rocket::request::Request;
use rocket::response::{content::RawHtml, Redirect};
use rocket::{catch, catchers, Catcher, Route};
use rocket_dyn_templates::Template;
use serde::Serialize;

use crate::accounts::SessionUser;

use super::auth::csrf_ok;
use super::templates::SiteView;

pub fn routes() -> Vec<Route> {
    let mut routes = Vec::new();
    routes.extend(account_pages::routes());
    routes.extend(audit_pages::routes());
    routes.extend(dashboard::routes());
    routes.extend(lesson_pages::routes());
    routes.extend(lesson_archive::routes());
    routes.extend(lesson_editor::routes());
    routes.extend(lesson_live::routes());
    routes.extend(lesson_history::routes());
    routes.extend(course_pages::routes());
    routes.extend(media_pages::routes());
    routes.extend(user_pages::routes());
    routes.extend(sync_pages::routes());
    routes
}

pub fn catchers() -> Vec<Catcher> {
    catchers![unauthorized, forbidden]
}

/// Not logged in (or the session expired): to the login page, coming back after.
#[catch(401)]
fn unauthorized(req: &Request<'_>) -> Redirect {
    let next = req.uri().path().to_string();
    Redirect::to(rocket::uri!(
        "/admin",
        account_pages::login_page(next = Some(next), expired = Option::<bool>::None)
    ))
}

#[catch(403)]
fn forbidden(req: &Request<'_>) -> (Status, RawHtml<Template>) {
    (
        Status::Forbidden,
        super::error::error_page(Status::Forbidden, req),
    )
}

pub use super::error::AdminError;

/// The `csrf` field every admin form carries. A form without one still
/// parses (to an empty token), so the handler refuses it with 403 rather
/// than Rocket answering 422.
#[derive(Clone, Debug, Default)]
pub struct CsrfToken(pub String);

#[rocket::async_trait]
impl<'v> rocket::form::FromFormField<'v> for CsrfToken {
    fn from_value(field: rocket::form::ValueField<'v>) -> rocket::form::Result<'v, Self> {
        Ok(CsrfToken(field.value.to_string()))
    }

    fn default() -> Option<Self> {
        Some(CsrfToken(String::new()))
    }
}

/// Forms that carry the session's CSRF token in a `csrf` field.
pub trait CarriesCsrf {
    fn csrf(&self) -> &CsrfToken;
}

/// Implements [`CarriesCsrf`] for form structs with a `csrf` field.
macro_rules! carries_csrf {
    ($($form:ty),* $(,)?) => {
        $(impl $crate::web::admin::CarriesCsrf for $form {
            fn csrf(&self) -> &$crate::web::admin::CsrfToken {
                &self.csrf
            }
        })*
    };
}
pub(crate) use carries_csrf;

/// An admin form whose CSRF token was checked against the session before
/// the handler runs: a wrong or missing token answers 403. (Without a
/// session, the handler's `Editor` or `Admin` guard has already answered.)
pub struct CsrfForm<T>(pub T);

impl<T> CsrfForm<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for CsrfForm<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

#[rocket::async_trait]
impl<'r, T: rocket::form::FromForm<'r> + CarriesCsrf> rocket::data::FromData<'r> for CsrfForm<T> {
    type Error = rocket::form::Errors<'r>;

    async fn from_data(
        req: &'r Request<'_>,
        data: rocket::data::Data<'r>,
    ) -> rocket::data::Outcome<'r, Self> {
        use rocket::outcome::Outcome;
        let form = match AdminForm::<T>::from_data(req, data).await {
            Outcome::Success(form) => form.into_inner(),
            Outcome::Error(e) => return Outcome::Error(e),
            Outcome::Forward(f) => return Outcome::Forward(f),
        };
        match req.guard::<super::auth::Editor>().await {
            Outcome::Success(user) if check_csrf(&user.0, form.csrf()).is_ok() => {
                Outcome::Success(CsrfForm(form))
            }
            _ => Outcome::Error((Status::Forbidden, rocket::form::Errors::new())),
        }
    }
}

/// Refuses a state-changing request whose CSRF token is not the session's
/// (for the handlers that must read their form without a session: the
/// lesson editor keeps an editor's text when the session has ended).
pub fn check_csrf(user: &SessionUser, submitted: &CsrfToken) -> Result<(), AdminError> {
    if csrf_ok(user, &submitted.0) {
        Ok(())
    } else {
        tracing::warn!(user = %user.username, "request refused: bad CSRF token");
        Err(AdminError::Csrf)
    }
}

/// What every admin page gets: the site, the user, the CSRF token for forms.
#[derive(Serialize)]
struct AdminContext<'a, T: Serialize> {
    site: &'a SiteView,
    user: &'a SessionUser,
    csrf: &'a str,
    #[serde(flatten)]
    view: T,
}

pub fn render<T: Serialize>(
    template: &'static str,
    site: &SiteView,
    user: &SessionUser,
    view: T,
) -> RawHtml<Template> {
    RawHtml(Template::render(
        template,
        AdminContext {
            site,
            user,
            csrf: &user.csrf_token,
            view,
        },
    ))
}

/// `<title>` and heading of an admin page.
#[derive(Serialize)]
pub struct AdminPage {
    pub title: String,
    pub description: &'static str,
    pub canonical: String,
}

pub fn page(title: impl Into<String>, path: impl Into<String>) -> AdminPage {
    AdminPage {
        title: title.into(),
        description: "",
        canonical: path.into(),
    }
}

/// Paged admin lists (lessons, a lesson's history, the audit log) and the
/// public search share one rule: a page number that is missing, not a whole
/// number, or below 1 is page 1; one past the last page is the last page.
/// Both answer 200 with a normal page, so a stale or mistyped link still
/// lands somewhere useful. Returns the page to show and the number of pages
/// (at least 1).
pub fn page_bounds(requested: u64, total: u64, per_page: u64) -> (u64, u64) {
    let pages = total.div_ceil(per_page.max(1)).max(1);
    (requested.clamp(1, pages), pages)
}

/// The `page` query parameter of a paged list, read as the search page reads
/// it ([`page_number`](crate::discovery::search::page_number)): missing or not
/// a positive whole number is page 1, a number too large to hold is the last.
#[derive(Clone, Copy, Debug)]
pub struct PageNo(pub u64);

impl Default for PageNo {
    fn default() -> Self {
        PageNo(1)
    }
}

#[rocket::async_trait]
impl<'v> rocket::form::FromFormField<'v> for PageNo {
    fn from_value(field: rocket::form::ValueField<'v>) -> rocket::form::Result<'v, Self> {
        Ok(PageNo(crate::discovery::search::page_number(Some(
            field.value,
        ))))
    }

    fn default() -> Option<Self> {
        Some(PageNo(1))
    }
}

/// The status of a form refused for its fields: 413 when a text is over its
/// size limit (the page still holds the text), else 422.
pub fn invalid_status(errors: &[crate::editing::FieldError]) -> Status {
    if errors.iter().any(|e| e.too_large) {
        Status::PayloadTooLarge
    } else {
        Status::UnprocessableEntity
    }
}

/// An admin form: Rocket's [`Form`](rocket::form::Form), except that a body
/// over a size limit always fails with 413 (the error page then names the
/// limit). Rocket answers with the highest status among a form's errors, so
/// a multipart body cut off at `data-form`, whose later fields are then
/// missing, would otherwise read as 422.
pub struct AdminForm<T>(pub T);

impl<T> AdminForm<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for AdminForm<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

#[rocket::async_trait]
impl<'r, T: rocket::form::FromForm<'r>> rocket::data::FromData<'r> for AdminForm<T> {
    type Error = rocket::form::Errors<'r>;

    async fn from_data(
        req: &'r Request<'_>,
        data: rocket::data::Data<'r>,
    ) -> rocket::data::Outcome<'r, Self> {
        use rocket::outcome::Outcome;
        match rocket::form::Form::<T>::from_data(req, data).await {
            Outcome::Success(form) => Outcome::Success(AdminForm(form.into_inner())),
            Outcome::Error((status, errors)) => {
                let too_large = errors.iter().any(|e| e.status() == Status::PayloadTooLarge);
                let status = if too_large {
                    Status::PayloadTooLarge
                } else {
                    status
                };
                Outcome::Error((status, errors))
            }
            Outcome::Forward(forward) => Outcome::Forward(forward),
        }
    }
}

/// A form field's error message, keyed by field name for the template.
pub fn field_errors(
    errors: &[crate::editing::FieldError],
) -> std::collections::HashMap<&'static str, String> {
    errors
        .iter()
        .map(|e| (e.field, e.message.clone()))
        .collect()
}
