//! Request guards for the admin: who is logged in, with which role, and the
//! CSRF check every state-changing request passes. Sessions live in the
//! database; the cookie holds only a random token.

use rocket::http::{Cookie, CookieJar, SameSite, Status};
use rocket::outcome::{try_outcome, IntoOutcome};
use rocket::request::{FromRequest, Outcome, Request};
use rocket::State;

use crate::accounts::{self, sessions, SessionUser};
use crate::db::Db;

pub const SESSION_COOKIE: &str = "lectern_session";
pub const LOGIN_CSRF_COOKIE: &str = "lectern_login_csrf";

/// Looks the session up once per request, whichever guards ask.
async fn session_user(req: &Request<'_>) -> Option<SessionUser> {
    req.local_cache_async(async {
        let token = req.cookies().get(SESSION_COOKIE)?.value().to_string();
        let db = req.guard::<&State<Db>>().await.succeeded()?;
        match sessions::find(db.inner(), &token).await {
            Ok(user) => user,
            Err(e) => {
                tracing::error!(error = %e, "session lookup failed");
                None
            }
        }
    })
    .await
    .clone()
}

/// Any logged-in user (editor or admin). Missing or expired: 401, which the
/// admin catcher turns into a redirect to the login page.
pub struct Editor(pub SessionUser);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Editor {
    type Error = ();

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, ()> {
        session_user(req)
            .await
            .map(Editor)
            .or_error((Status::Unauthorized, ()))
    }
}

/// A logged-in admin; an editor gets 403.
pub struct Admin(pub SessionUser);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Admin {
    type Error = ();

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, ()> {
        let Editor(user) = try_outcome!(req.guard::<Editor>().await);
        if user.is_admin() {
            Outcome::Success(Admin(user))
        } else {
            Outcome::Error((Status::Forbidden, ()))
        }
    }
}

/// The viewer of a public page: an editor sees drafts and "Edit" links.
pub struct Viewer(pub Option<SessionUser>);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Viewer {
    type Error = std::convert::Infallible;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        Outcome::Success(Viewer(session_user(req).await))
    }
}

impl Viewer {
    pub fn audience(&self) -> super::pages::Audience {
        match self.0 {
            Some(_) => super::pages::Audience::Editor,
            None => super::pages::Audience::Public,
        }
    }
}

/// The client's address, for login rate limits.
pub struct ClientAddress(pub String);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for ClientAddress {
    type Error = std::convert::Infallible;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        Outcome::Success(ClientAddress(
            req.client_ip()
                .map_or_else(|| "unknown".into(), |ip| ip.to_string()),
        ))
    }
}

/// Whether cookies must be `Secure`: served over TLS, or told so (behind a
/// TLS-terminating proxy) with `secure_cookies = true`.
pub struct CookiePolicy {
    pub secure: bool,
}

pub fn session_cookie(token: String, policy: &CookiePolicy) -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, token))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(policy.secure)
        .path("/")
        .max_age(rocket::time::Duration::hours(sessions::SESSION_HOURS))
        .build()
}

/// A token for the login form, held in a cookie and echoed by the form
/// (the double-submit pattern: there is no session yet to hold it).
pub fn login_csrf(cookies: &CookieJar<'_>, policy: &CookiePolicy) -> String {
    if let Some(c) = cookies.get(LOGIN_CSRF_COOKIE) {
        return c.value().to_string();
    }
    let token = accounts::random_token(16);
    cookies.add(
        Cookie::build((LOGIN_CSRF_COOKIE, token.clone()))
            .http_only(true)
            .same_site(SameSite::Strict)
            .secure(policy.secure)
            .path("/admin")
            .build(),
    );
    token
}

pub fn login_csrf_ok(cookies: &CookieJar<'_>, submitted: &str) -> bool {
    cookies
        .get(LOGIN_CSRF_COOKIE)
        .is_some_and(|c| accounts::same_secret(c.value(), submitted))
}

/// Whether a submitted CSRF token is this session's.
pub fn csrf_ok(user: &SessionUser, submitted: &str) -> bool {
    accounts::same_secret(&user.csrf_token, submitted)
}
