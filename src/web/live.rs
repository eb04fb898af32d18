//! `GET /_lectern/live`: what open pages hear while `serve --watch` runs,
//! as server-sent events (mounted by `watch::enable` only). Events:
//!
//! - `hello`, first on every connection: the server's instance, the
//!   status's generation and the current problems (a page loaded while a
//!   file is broken shows them at once);
//! - `reload`: a sync changed pages and left no errors;
//! - `problems`: a sync left errors (file, line, message); the files it
//!   did change are listed, so the page reloads before showing them.
//!
//! `static/live.js` listens; the data is JSON, shaped by `watch::LiveStatus`.

use std::time::Duration;

use rocket::response::stream::{Event, EventStream};
use rocket::{get, routes, Route, Shutdown, State};
use serde::Serialize;

use crate::watch::LiveReload;

/// How soon a page tries again after the connection drops (a restart).
const RETRY: Duration = Duration::from_millis(500);

pub fn routes() -> Vec<Route> {
    routes![live]
}

/// The first event: the status without the files last changed (the page
/// was loaded after that change).
#[derive(Serialize)]
struct Hello<'a> {
    instance: &'a str,
    generation: u64,
    problems: &'a [crate::content::Diagnostic],
    problems_total: usize,
}

#[get("/_lectern/live")]
fn live(live: &State<LiveReload>, mut shutdown: Shutdown) -> EventStream![] {
    let mut status = live.subscribe();
    let instance = live.instance().to_string();
    EventStream! {
        let hello = {
            let now = status.borrow_and_update();
            Event::json(&Hello {
                instance: &instance,
                generation: now.generation,
                problems: &now.problems,
                problems_total: now.problems_total,
            })
                .event("hello")
                .with_retry(RETRY)
        };
        yield hello;
        loop {
            rocket::tokio::select! {
                changed = status.changed() => if changed.is_err() { break },
                _ = &mut shutdown => break,
            }
            let event = {
                let now = status.borrow_and_update();
                let name = if now.problems.is_empty() { "reload" } else { "problems" };
                Event::json(&*now).event(name)
            };
            yield event;
        }
    }
    .heartbeat(Duration::from_secs(15))
}
