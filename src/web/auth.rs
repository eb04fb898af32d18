//! Request guards for the admin: who is logged in, with which role, and the
//! CSRF check every state-changing request passes. Sessions live in the
//! database; the cookie holds only a random token.

use std::net::IpAddr;

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

/// The client's address, for login rate limits: the connection's peer,
/// unless that peer is a proxy the configuration trusts (see
/// [`ProxyPolicy`]). A header a client sends itself is never believed.
pub struct ClientAddress(pub String);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for ClientAddress {
    type Error = std::convert::Infallible;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        let peer = req.remote().map(|r| r.ip());
        let client = match req.rocket().state::<ProxyPolicy>() {
            Some(policy) => policy.client(peer, req.headers().get(&policy.header)),
            None => peer,
        };
        Outcome::Success(ClientAddress(
            client.map_or_else(|| "unknown".into(), |ip| ip.to_string()),
        ))
    }
}

/// Which peers are reverse proxies whose forwarding header names the client
/// (`trusted_proxies` and `client_ip_header` in the configuration).
#[derive(Debug, Clone, Default)]
pub struct ProxyPolicy {
    pub trusted: Vec<IpAddr>,
    /// `X-Forwarded-For` (a list, each proxy appending the peer it saw) or
    /// a header holding one address, such as `X-Real-IP`.
    pub header: String,
}

impl ProxyPolicy {
    /// The client behind `peer`: `peer` itself unless it is trusted; then
    /// the header's addresses are read from the right (the nearest hop
    /// first), skipping trusted proxies, and the first other one is the
    /// client. Anything unreadable leaves the peer as the answer.
    pub fn client<'a>(
        &self,
        peer: Option<IpAddr>,
        header: impl Iterator<Item = &'a str>,
    ) -> Option<IpAddr> {
        let peer = peer?;
        if !self.trusted.contains(&peer) {
            return Some(peer);
        }
        let hops: Vec<&str> = header.flat_map(|value| value.split(',')).collect();
        let mut client = peer;
        for hop in hops.iter().rev() {
            let Ok(ip) = hop.trim().parse::<IpAddr>() else {
                break;
            };
            client = ip;
            if !self.trusted.contains(&ip) {
                break;
            }
        }
        Some(client)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn policy() -> ProxyPolicy {
        ProxyPolicy {
            trusted: vec![ip("127.0.0.1"), ip("10.0.0.2")],
            header: "X-Forwarded-For".into(),
        }
    }

    #[test]
    fn a_client_header_is_ignored_unless_the_peer_is_a_trusted_proxy() {
        let p = policy();
        let peer = Some(ip("203.0.113.9"));
        assert_eq!(p.client(peer, ["198.51.100.1"].into_iter()), peer);
        assert_eq!(
            ProxyPolicy::default().client(peer, ["1.2.3.4"].into_iter()),
            peer
        );
        assert_eq!(p.client(None, ["1.2.3.4"].into_iter()), None);
    }

    #[test]
    fn behind_trusted_proxies_the_nearest_untrusted_hop_is_the_client() {
        let p = policy();
        let peer = Some(ip("127.0.0.1"));
        // The client forged the first entry; the proxies appended the rest.
        let header = ["6.6.6.6, 198.51.100.7", "10.0.0.2"];
        assert_eq!(p.client(peer, header.into_iter()), Some(ip("198.51.100.7")));
        assert_eq!(p.client(peer, std::iter::empty()), peer);
        assert_eq!(p.client(peer, ["not an address"].into_iter()), peer);
        assert_eq!(
            p.client(peer, ["10.0.0.2"].into_iter()),
            Some(ip("10.0.0.2"))
        );
    }
}
