//! Logging in and out, creating the first admin from the setup link, and
//! a user's own account page (changing one's password).

use rocket::form::FromForm;
use rocket::http::{CookieJar, Status};
use rocket::response::{content::RawHtml, Redirect};
use rocket::{get, post, routes, uri, Responder, Route, State};
use rocket_dyn_templates::{context, Template};

use crate::accounts::{self, sessions, setup, AccountError, SessionUser};
use crate::config::Settings;
use crate::db::Db;
use crate::web::auth::{
    login_csrf, login_csrf_ok, session_cookie, ClientAddress, CookiePolicy, Editor, SESSION_COOKIE,
};
use crate::web::paths::admin_return_path;
use crate::web::templates::SiteView;

use super::lesson_pages::{self, ResumeForm};
use super::{carries_csrf, CsrfForm};
use super::{page, render, AdminError, AdminForm, AdminPage, CsrfToken};

pub(super) fn routes() -> Vec<Route> {
    routes![
        login_page,
        login,
        logout,
        setup_page,
        setup_submit,
        account_page,
        change_password
    ]
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

/// The login form. After a refused attempt it keeps the username that was
/// typed (never the password) and puts the cursor in the password field.
fn login_view(
    site: &SiteView,
    csrf: &str,
    next: &str,
    username: &str,
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
                username,
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
        "",
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
        let username = form.username.trim();
        Ok(login_view(
            site,
            &csrf,
            &next,
            username,
            Some(msg),
            status,
            resume,
        ))
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

// ---------------------------------------------------------------- your account

/// What the account page shows after a change, or why one was refused.
#[derive(Default, serde::Serialize)]
struct AccountOutcome {
    error: Option<String>,
    /// Which field the error is about, for `aria-invalid` and focus.
    error_field: Option<&'static str>,
    /// Set after a change: how many other sessions were ended.
    ended: Option<u64>,
}

fn account_view(
    site: &SiteView,
    user: &SessionUser,
    outcome: AccountOutcome,
    status: Status,
) -> (Status, RawHtml<Template>) {
    #[derive(serde::Serialize)]
    struct View {
        page: AdminPage,
        min_len: usize,
        #[serde(flatten)]
        outcome: AccountOutcome,
    }
    let view = View {
        page: page("Your account", "/admin/account"),
        min_len: accounts::password::MIN_LEN,
        outcome,
    };
    (status, render("admin/account", site, user, view))
}

#[get("/account")]
pub(super) fn account_page(user: Editor, site: &State<SiteView>) -> (Status, RawHtml<Template>) {
    account_view(site, &user.0, AccountOutcome::default(), Status::Ok)
}

#[derive(FromForm)]
pub(super) struct PasswordForm {
    csrf: CsrfToken,
    #[field(validate = len(..=1024))]
    current_password: String,
    #[field(validate = len(..=1024))]
    new_password: String,
    #[field(validate = len(..=1024))]
    new_password_again: String,
}

/// Changes the logged-in user's password: the current one first (within the
/// login limits), the new one twice and as strong as any other. Every other
/// session of the user ends; this one stays.
#[post("/account/password", data = "<form>")]
pub(super) async fn change_password(
    form: CsrfForm<PasswordForm>,
    user: Editor,
    cookies: &CookieJar<'_>,
    address: ClientAddress,
    db: &State<Db>,
    site: &State<SiteView>,
) -> Result<(Status, RawHtml<Template>), AdminError> {
    let refuse = |field: &'static str, message: String, status: Status| {
        let outcome = AccountOutcome {
            error: Some(message),
            error_field: Some(field),
            ended: None,
        };
        Ok(account_view(site, &user.0, outcome, status))
    };
    if form.new_password != form.new_password_again {
        return refuse(
            "new_password_again",
            "The two new passwords differ. Type the same new password in both fields.".into(),
            Status::UnprocessableEntity,
        );
    }
    let token = cookies
        .get(SESSION_COOKIE)
        .map(|c| c.value().to_string())
        .unwrap_or_default();
    let changed = accounts::users::change_own_password(
        db.inner(),
        user.0.id,
        &form.current_password,
        &form.new_password,
        &address.0,
        &token,
    )
    .await;
    match changed {
        Ok(ended) => {
            let outcome = AccountOutcome {
                ended: Some(ended),
                ..AccountOutcome::default()
            };
            Ok(account_view(site, &user.0, outcome, Status::Ok))
        }
        Err(AccountError::WrongPassword) => refuse(
            "current_password",
            "Your current password is not right. Nothing was changed.".into(),
            Status::UnprocessableEntity,
        ),
        Err(e @ AccountError::RateLimited) => refuse(
            "current_password",
            sentence(&e.to_string()),
            Status::TooManyRequests,
        ),
        Err(AccountError::Invalid(why)) => {
            refuse("new_password", sentence(&why), Status::UnprocessableEntity)
        }
        Err(e) => Err(e.into()),
    }
}

/// A message from the accounts layer as a sentence on the page.
fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
        None => String::new(),
    }
}

carries_csrf!(CsrfOnly, PasswordForm);
