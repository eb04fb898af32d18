//! Logging in and out, and creating the first admin from the setup link.

use rocket::form::FromForm;
use rocket::http::{CookieJar, Status};
use rocket::response::{content::RawHtml, Redirect};
use rocket::{get, post, routes, uri, Responder, Route, State};
use rocket_dyn_templates::{context, Template};

use crate::accounts::{self, sessions, setup, AccountError};
use crate::config::Settings;
use crate::db::Db;
use crate::web::auth::{
    login_csrf, login_csrf_ok, session_cookie, ClientAddress, CookiePolicy, Editor, SESSION_COOKIE,
};
use crate::web::paths::admin_return_path;
use crate::web::templates::SiteView;

use super::lesson_pages::{self, ResumeForm};
use super::{carries_csrf, CsrfForm};
use super::{AdminError, AdminForm, CsrfToken};

pub(super) fn routes() -> Vec<Route> {
    routes![login_page, login, logout, setup_page, setup_submit]
}

#[derive(Responder)]
pub(super) enum PageOrRedirect {
    Page((Status, RawHtml<Template>)),
    Redirect(Redirect),
}

/// Only normalised local admin paths are followed after login (no open
/// redirect, and nothing that cannot go in a Location header).
fn safe_next(next: Option<&str>) -> String {
    next.and_then(admin_return_path)
        .unwrap_or_else(|| "/admin".into())
}

fn login_view(
    site: &SiteView,
    csrf: &str,
    next: &str,
    error: Option<&str>,
    status: Status,
    resume: Option<&ResumeForm>,
) -> PageOrRedirect {
    PageOrRedirect::Page((
        status,
        RawHtml(Template::render(
            "admin/login",
            context! {
                site,
                page: context! { title: "Log in", description: "", canonical: "/admin/login" },
                login_csrf: csrf,
                next,
                error,
                resume,
            },
        )),
    ))
}

#[get("/login?<next>&<expired>")]
pub(super) fn login_page(
    next: Option<String>,
    expired: Option<bool>,
    user: Option<Editor>,
    cookies: &CookieJar<'_>,
    site: &State<SiteView>,
    policy: &State<CookiePolicy>,
) -> PageOrRedirect {
    if user.is_some() {
        return PageOrRedirect::Redirect(Redirect::to(safe_next(next.as_deref())));
    }
    let csrf = login_csrf(cookies, policy);
    let note = expired
        .unwrap_or(false)
        .then_some("Your session has ended. Please log in again.");
    login_view(
        site,
        &csrf,
        &safe_next(next.as_deref()),
        note,
        Status::Ok,
        None,
    )
}

#[derive(FromForm)]
pub(super) struct LoginForm {
    #[field(validate = len(..=200))]
    username: String,
    #[field(validate = len(..=1024))]
    password: String,
    login_csrf: String,
    next: Option<String>,
    /// Text an editor was saving when the session ended, carried through login.
    resume: Option<ResumeForm>,
}

#[allow(clippy::too_many_arguments)]
#[post("/login", data = "<form>")]
pub(super) async fn login(
    form: AdminForm<LoginForm>,
    cookies: &CookieJar<'_>,
    address: ClientAddress,
    db: &State<Db>,
    site: &State<SiteView>,
    settings: &State<Settings>,
    policy: &State<CookiePolicy>,
) -> Result<PageOrRedirect, AdminError> {
    let next = safe_next(form.next.as_deref());
    let resume = form.resume.as_ref();
    let again = |msg: &str, status| {
        let csrf = login_csrf(cookies, policy);
        Ok(login_view(site, &csrf, &next, Some(msg), status, resume))
    };
    if !login_csrf_ok(cookies, &form.login_csrf) {
        return again(
            "The login form had expired. Please try again.",
            Status::Forbidden,
        );
    }
    let user = match sessions::login(db.inner(), &form.username, &form.password, &address.0).await {
        Ok(token) => {
            cookies.add(session_cookie(token.clone(), policy));
            sessions::find(db.inner(), &token)
                .await?
                .ok_or(AdminError::NotFound)?
        }
        Err(e @ AccountError::InvalidCredentials) => {
            return again(&e.to_string(), Status::Unauthorized)
        }
        Err(e @ AccountError::RateLimited) => {
            return again(&e.to_string(), Status::TooManyRequests)
        }
        Err(e) => return Err(e.into()),
    };
    accounts::audit::record(db.inner(), &user.username, "login", "", &address.0).await?;
    match resume {
        // Back to the editor with the text that was being saved; nothing is lost.
        Some(resume) => {
            let page = lesson_pages::resumed(db.inner(), site, settings, &user, resume).await?;
            Ok(PageOrRedirect::Page((Status::Ok, page)))
        }
        None => Ok(PageOrRedirect::Redirect(Redirect::to(next))),
    }
}

#[derive(FromForm)]
pub(super) struct CsrfOnly {
    pub csrf: CsrfToken,
}

#[post("/logout", data = "<_form>")]
pub(super) async fn logout(
    _form: CsrfForm<CsrfOnly>,
    user: Editor,
    cookies: &CookieJar<'_>,
    db: &State<Db>,
) -> Result<Redirect, AdminError> {
    if let Some(token) = cookies.get(SESSION_COOKIE).map(|c| c.value().to_string()) {
        sessions::end(db.inner(), &token).await?;
    }
    cookies.remove(rocket::http::Cookie::build(SESSION_COOKIE).path("/"));
    accounts::audit::record(db.inner(), &user.0.username, "logout", "", "").await?;
    Ok(Redirect::to(uri!(
        "/admin",
        login_page(
            next = Option::<String>::None,
            expired = Option::<bool>::None
        )
    )))
}

fn setup_view(
    site: &SiteView,
    token: &str,
    error: Option<&str>,
    username: &str,
    display_name: &str,
) -> RawHtml<Template> {
    RawHtml(Template::render(
        "admin/setup",
        context! {
            site,
            page: context! { title: "Create the first admin", description: "", canonical: "/admin/setup" },
            token, error, username, display_name,
        },
    ))
}

#[get("/setup/<token>")]
pub(super) async fn setup_page(
    token: &str,
    db: &State<Db>,
    site: &State<SiteView>,
) -> Result<RawHtml<Template>, AdminError> {
    if !setup::is_valid(db.inner(), token).await? {
        return Err(AdminError::NotFound);
    }
    Ok(setup_view(site, token, None, "", ""))
}

#[derive(FromForm)]
pub(super) struct SetupForm {
    #[field(validate = len(..=200))]
    username: String,
    #[field(validate = len(..=200))]
    display_name: String,
    #[field(validate = len(..=1024))]
    password: String,
    #[field(validate = len(..=1024))]
    password_again: String,
}

#[post("/setup/<token>", data = "<form>")]
pub(super) async fn setup_submit(
    token: &str,
    form: AdminForm<SetupForm>,
    cookies: &CookieJar<'_>,
    db: &State<Db>,
    site: &State<SiteView>,
    policy: &State<CookiePolicy>,
) -> Result<PageOrRedirect, AdminError> {
    // The one-time token in the URL is the proof of authority (and acts as the form's CSRF token).
    if !setup::is_valid(db.inner(), token).await? {
        return Err(AdminError::NotFound);
    }
    let fail = |msg: &str| {
        let page = setup_view(site, token, Some(msg), &form.username, &form.display_name);
        Ok(PageOrRedirect::Page((Status::UnprocessableEntity, page)))
    };
    if form.password != form.password_again {
        return fail("The two passwords differ.");
    }
    let username = form.username.trim().to_lowercase();
    let (name, password) = (&form.display_name, &form.password);
    match setup::create_first_admin(db.inner(), token, &username, name, password).await {
        Ok(user) => {
            let session = sessions::create(db.inner(), user.id).await?;
            cookies.add(session_cookie(session, policy));
            let who = &user.username;
            accounts::audit::record(db.inner(), who, "setup.first_admin", who, "").await?;
            Ok(PageOrRedirect::Redirect(Redirect::to("/admin")))
        }
        Err(AccountError::Invalid(msg)) => fail(&msg),
        Err(e) => Err(e.into()),
    }
}

carries_csrf!(CsrfOnly);
