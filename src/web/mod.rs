//! HTTP: routes, templates, static files, security headers and error pages.
//! Handlers are thin: they parse the request, call one function in `pages`,
//! and pick a template. Only `error.rs` knows status codes.

pub mod admin;
pub mod assets;
pub mod auth;
pub mod cache;
pub mod discovery;
pub mod error;
pub mod health;
pub mod hooks;
/// Mounted by `watch::enable` only, never by [`mount`].
pub mod live;
pub mod pages;
pub mod paths;
pub mod quiz;
pub mod security;
pub mod site;
pub mod templates;

use rocket::{Build, Rocket};

/// Mounts every route and catcher.
pub fn mount(rocket: Rocket<Build>) -> Rocket<Build> {
    rocket
        .mount("/", site::routes())
        .mount("/", quiz::routes())
        .mount("/", discovery::routes())
        .mount("/", assets::routes())
        .mount("/", health::routes())
        .mount("/", hooks::routes())
        .mount("/admin", admin::routes())
        .register("/", error::catchers())
        .register("/admin", admin::catchers())
}
