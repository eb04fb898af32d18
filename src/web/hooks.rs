//! `POST /hooks/git`: the push webhook (GitHub, Gitea and the like). Off
//! unless `webhook_secret` is set. Verifies the HMAC-SHA256 signature of the
//! body, runs `git pull --ff-only` in the content repository, then a sync,
//! and answers within the senders' 10-second limit: with the report when the
//! sync is done by then, else 202 with the run's id (the admin shows it).

use std::time::Duration;

use hmac::{Hmac, Mac};
use rocket::data::{Data, ToByteUnit};
use rocket::http::Status;
use rocket::request::{FromRequest, Outcome, Request};
use rocket::serde::json::{json, Value};
use rocket::{post, routes, Route, State};
use sha2::Sha256;

use crate::config::Settings;
use crate::content::git::{self, PushError, PushOutcome};
use crate::db::Db;

use super::error::pull_failure_status;

pub fn routes() -> Vec<Route> {
    routes![git_push]
}

/// Largest webhook body read; push payloads are far smaller.
const MAX_BODY_MIB: u64 = 1;

/// The signature and event headers of a webhook request.
pub struct Signature {
    signature: Option<String>,
    event: Option<String>,
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Signature {
    type Error = std::convert::Infallible;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        let header = |name: &str| req.headers().get_one(name).map(str::to_string);
        Outcome::Success(Signature {
            signature: header("X-Hub-Signature-256"),
            event: header("X-GitHub-Event").or_else(|| header("X-Gitea-Event")),
        })
    }
}

/// Checks `sha256=<hex>` against the HMAC of `body`, in constant time.
pub fn signature_ok(secret: &str, body: &[u8], header: Option<&str>) -> bool {
    let Some(hex_sig) = header.and_then(|h| h.strip_prefix("sha256=")) else {
        return false;
    };
    let Ok(expected) = hex::decode(hex_sig.trim()) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(&expected).is_ok()
}

/// The webhook's answer: a status and a JSON body.
type Answer = (Status, Value);

fn refused(status: Status, error: &str) -> Answer {
    (status, json!({ "status": "error", "error": error }))
}

#[post("/hooks/git", data = "<body>")]
async fn git_push(
    body: Data<'_>,
    sig: Signature,
    db: &State<Db>,
    settings: &State<Settings>,
) -> Answer {
    let Some(secret) = settings.webhook_secret.as_deref().filter(|s| !s.is_empty()) else {
        return refused(Status::NotFound, "the webhook is not enabled");
    };
    let body = match read_body(body).await {
        Ok(body) => body,
        Err(answer) => return answer,
    };
    if !signature_ok(secret, &body, sig.signature.as_deref()) {
        tracing::warn!("webhook refused: missing or wrong signature");
        return refused(Status::Unauthorized, "missing or wrong signature");
    }
    if sig.event.as_deref() == Some("ping") {
        return (Status::Ok, json!({ "status": "ok", "pong": true }));
    }
    let (repo, content) = (settings.repo_dir(), &settings.content_dir);
    let timeout = settings.git_timeout_secs;
    // How long to wait for the sync before answering 202.
    let within = Duration::from_secs(settings.webhook_answer_secs);
    let strict = settings.strict_links;
    answer(git::pull_and_sync(db.inner(), repo, content, timeout, within, strict).await)
}

/// The body, whole and within the limit.
async fn read_body(body: Data<'_>) -> Result<Vec<u8>, Answer> {
    match body.open(MAX_BODY_MIB.mebibytes()).into_bytes().await {
        Ok(b) if b.is_complete() => Ok(b.into_inner()),
        Ok(_) => {
            let limit = crate::config::format_size(MAX_BODY_MIB << 20);
            let error = format!("payload too large: the limit is {limit}");
            Err(refused(Status::PayloadTooLarge, &error))
        }
        Err(_) => Err(refused(Status::BadRequest, "cannot read the body")),
    }
}

/// What a push did, as the webhook's sender reads it.
fn answer(outcome: Result<PushOutcome, PushError>) -> Answer {
    match outcome {
        Ok(PushOutcome::Synced {
            run_id,
            pulled,
            report,
        }) => (
            Status::Ok,
            json!({
                "status": if report.errors() > 0 { "errors" } else { "ok" },
                "run_id": run_id,
                "pulled": pulled.changed(),
                "git": pulled.output,
                "created": report.created,
                "updated": report.updated,
                "archived": report.archived,
                "conflicts": report.conflicts,
                "unchanged": report.unchanged,
                "diagnostics": report.diagnostics,
            }),
        ),
        // Still running: it goes on; the admin shows the run when it ends.
        Ok(PushOutcome::Running { run_id, pulled }) => (
            Status::Accepted,
            json!({ "status": "running", "run_id": run_id, "pulled": pulled.changed() }),
        ),
        Err(PushError::Pull(e)) => (
            pull_failure_status(&e),
            json!({ "status": "error", "error": e.to_string(), "synced": false }),
        ),
        Err(e) => {
            tracing::error!(error = %e, "webhook sync failed");
            refused(Status::InternalServerError, &e.to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_checked() {
        let mut mac = Hmac::<Sha256>::new_from_slice(b"s3cret").unwrap();
        mac.update(b"{}");
        let good = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
        assert!(signature_ok("s3cret", b"{}", Some(&good)));
        assert!(!signature_ok("other", b"{}", Some(&good)));
        assert!(!signature_ok("s3cret", b"{ }", Some(&good)));
        assert!(!signature_ok("s3cret", b"{}", None));
        assert!(!signature_ok("s3cret", b"{}", Some("sha256=zz")));
        assert!(!signature_ok("s3cret", b"{}", Some("sha1=abc")));
    }
}
