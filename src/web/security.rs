//! Security headers on every response. Pages carry no inline script or
//! style, so the Content-Security-Policy can be strict. Responses that
//! depend on who is logged in (every admin page, the editor's view of a
//! public page) are marked `no-store`, so no shared cache keeps one, and
//! HTTPS is made sticky when Lectern knows it is served over HTTPS.

use rocket::fairing::{Fairing, Info, Kind};
use rocket::http::Header;
use rocket::{Request, Response};

use crate::accounts::SessionUser;

use super::auth::CookiePolicy;

pub struct SecurityHeaders;

const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
                   object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

#[rocket::async_trait]
impl Fairing for SecurityHeaders {
    fn info(&self) -> Info {
        Info {
            name: "Security headers",
            kind: Kind::Response,
        }
    }

    async fn on_response<'r>(&self, req: &'r Request<'_>, res: &mut Response<'r>) {
        if !res.headers().contains("Content-Security-Policy") {
            res.set_header(Header::new("Content-Security-Policy", CSP));
        }
        let path = req.uri().path();
        let private = path == "/admin"
            || path.starts_with("/admin/")
            || path.starts_with("/hooks/")
            // A session was looked up and found: the page is this editor's.
            || req.local_cache(|| None::<SessionUser>).is_some();
        if private {
            res.set_header(Header::new("Cache-Control", "no-store"));
            res.set_header(Header::new("Vary", "Cookie"));
        }
        if req
            .rocket()
            .state::<CookiePolicy>()
            .is_some_and(|policy| policy.secure)
        {
            res.set_header(Header::new("Strict-Transport-Security", "max-age=31536000"));
        }
        res.set_header(Header::new("X-Content-Type-Options", "nosniff"));
        res.set_header(Header::new("X-Frame-Options", "DENY"));
        res.set_header(Header::new(
            "Referrer-Policy",
            "strict-origin-when-cross-origin",
        ));
    }
}
