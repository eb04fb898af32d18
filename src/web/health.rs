//! `/healthz`: liveness plus a database round trip, as JSON for load balancers.

use rocket::http::Status;
use rocket::serde::json::{json, Value};
use rocket::{get, routes, Route, State};

use crate::db::{site_state, Db};

pub fn routes() -> Vec<Route> {
    routes![healthz]
}

#[get("/healthz")]
async fn healthz(db: &State<Db>) -> (Status, Value) {
    match site_state::content_version(db.inner()).await {
        Ok(version) => (
            Status::Ok,
            json!({ "status": "ok", "database": "ok", "content_version": version }),
        ),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (
                Status::ServiceUnavailable,
                json!({ "status": "error", "database": "unreachable" }),
            )
        }
    }
}
