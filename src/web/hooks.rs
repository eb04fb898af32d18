//! `POST /hooks/git`: the push webhook of every common git host (GitHub,
//! GitLab, Gitea, Forgejo, or a bare repository's hook calling it with curl).
//! Off unless `webhook_secret` is set. A delivery is authenticated (an
//! HMAC-SHA256 signature of the body, or GitLab's shared token), read into a
//! [`Delivery`], and [`decide`]d against the branch the site's clone tracks:
//! only a push to that branch runs `git pull --ff-only` and a sync; a push to
//! another branch or a tag is answered 202 and recorded, nothing pulled. The
//! answer comes within the senders' 10-second limit: the report when the sync
//! is done by then, else 202 with the run's id (the admin shows it).

use std::time::Duration;

use hmac::{Hmac, Mac};
use rocket::data::{Data, ToByteUnit};
use rocket::http::Status;
use rocket::request::{FromRequest, Outcome, Request};
use rocket::serde::json::{json, Value};
use rocket::{post, routes, Route, State};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::config::Settings;
use crate::content::git::{self, PushError, PushOutcome};
use crate::db::Db;

use super::error::pull_failure_status;

pub fn routes() -> Vec<Route> {
    routes![git_push]
}

/// Largest webhook body read; push payloads are far smaller.
const MAX_BODY_MIB: u64 = 1;

/// The headers that authenticate a delivery and name its event, as each
/// host sends them. Gitea and Forgejo send several signature headers at
/// once (their own and GitHub's), all of the same HMAC.
#[derive(Debug, Default, Clone)]
pub struct HookHeaders {
    /// `X-Hub-Signature-256: sha256=<hex>`: GitHub, Gitea, Forgejo.
    pub hub_signature: Option<String>,
    /// `X-Gitea-Signature: <hex>`: Gitea (Forgejo sends it too).
    pub gitea_signature: Option<String>,
    /// `X-Forgejo-Signature: <hex>`: Forgejo.
    pub forgejo_signature: Option<String>,
    /// `X-Gitlab-Token: <secret>`: GitLab sends the secret itself.
    pub gitlab_token: Option<String>,
    /// `X-GitHub-Event`, `X-Gitea-Event`, `X-Forgejo-Event` or
    /// `X-Gitlab-Event`, the first one present.
    pub event: Option<String>,
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for HookHeaders {
    type Error = std::convert::Infallible;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        let header = |name: &str| req.headers().get_one(name).map(str::to_string);
        let event = [
            "X-GitHub-Event",
            "X-Gitea-Event",
            "X-Forgejo-Event",
            "X-Gitlab-Event",
        ]
        .into_iter()
        .find_map(header);
        Outcome::Success(HookHeaders {
            hub_signature: header("X-Hub-Signature-256"),
            gitea_signature: header("X-Gitea-Signature"),
            forgejo_signature: header("X-Forgejo-Signature"),
            gitlab_token: header("X-Gitlab-Token"),
            event,
        })
    }
}

/// Whether the delivery comes from someone who knows `secret`: at least
/// one signature or token is present, and every one present is right (a
/// wrong header is never outvoted by a right one).
pub fn authentic(secret: &str, headers: &HookHeaders, body: &[u8]) -> bool {
    let hub = headers.hub_signature.as_deref().map(|h| {
        h.strip_prefix("sha256=")
            .is_some_and(|hex| hmac_ok(secret, body, hex))
    });
    let plain = |h: &Option<String>| h.as_deref().map(|hex| hmac_ok(secret, body, hex));
    let token = headers.gitlab_token.as_deref().map(|t| token_ok(secret, t));
    let checks = [
        hub,
        plain(&headers.gitea_signature),
        plain(&headers.forgejo_signature),
        token,
    ];
    let present: Vec<bool> = checks.into_iter().flatten().collect();
    !present.is_empty() && present.iter().all(|ok| *ok)
}

/// Checks `hex` (lower or upper case) against the HMAC-SHA256 of `body`,
/// in constant time.
fn hmac_ok(secret: &str, body: &[u8], hex: &str) -> bool {
    let Ok(expected) = hex::decode(hex.trim()) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(&expected).is_ok()
}

/// GitLab's token is the secret itself. Both sides are hashed first, so
/// the comparison takes the same time whatever the token's length.
fn token_ok(secret: &str, token: &str) -> bool {
    let (want, got) = (
        Sha256::digest(secret.as_bytes()),
        Sha256::digest(token.as_bytes()),
    );
    want.ct_eq(&got).into()
}

/// What a delivery asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// The host checking the hook: GitHub's `ping` when a hook is created,
    /// or a test delivery: a push naming the same commit before and after
    /// (Gitea's and Forgejo's "Test delivery"), or no commit at all (`null`
    /// twice, as a sample push built without revisions has), which no real
    /// push does: a push always moves its ref.
    Ping,
    /// A push of `git_ref` (`refs/heads/main`, `refs/tags/v1`).
    Push { git_ref: String },
    /// Any other event (an issue, a release, a GitLab system event that is
    /// no push), named for the sender ("the issues event"): nothing to pull.
    Other { event: String },
}

/// The fields of a payload that matter here; hosts send many more.
#[derive(Debug, Default, Deserialize)]
struct Payload {
    #[serde(rename = "ref")]
    git_ref: Option<String>,
    /// Any JSON, `null` kept apart from absent: a sample push may send
    /// `null` where a commit would be.
    #[serde(default, deserialize_with = "present")]
    before: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    after: Option<Value>,
    /// GitLab: `push`, `tag_push`, … (system hooks say it here too).
    object_kind: Option<String>,
    /// GitLab's system hooks name their event here.
    event_name: Option<String>,
}

/// A field that is there, even as `null` (serde reads `null` as absent).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

/// Reads the event header and the payload into a [`Delivery`]; `Err` is a
/// message for the sender (the payload is unreadable or names no ref).
pub fn read_delivery(event: Option<&str>, body: &[u8]) -> Result<Delivery, String> {
    let event = event.map(str::trim);
    match event {
        Some("ping") => return Ok(Delivery::Ping),
        // No event header: a bare repository's hook, or curl by hand.
        None | Some("push" | "Push Hook" | "Tag Push Hook" | "System Hook") => {}
        Some(other) => {
            return Ok(Delivery::Other {
                event: format!("the {other} event"),
            })
        }
    }
    let payload: Payload = serde_json::from_slice(body).map_err(|_| {
        "the payload is not a JSON push event (send it with the content type \
         application/json, with \"ref\" as text)"
            .to_string()
    })?;
    if event == Some("System Hook") {
        let kind = payload
            .object_kind
            .as_deref()
            .or(payload.event_name.as_deref());
        if !matches!(kind, Some("push" | "tag_push")) {
            let event = kind.unwrap_or("unnamed");
            return Ok(Delivery::Other {
                event: format!("the GitLab system event {event}"),
            });
        }
    }
    if payload.before.is_some() && payload.before == payload.after {
        return Ok(Delivery::Ping);
    }
    match payload.git_ref {
        Some(git_ref) if !git_ref.trim().is_empty() => Ok(Delivery::Push { git_ref }),
        _ => Err(
            "the push names no branch: the payload needs a \"ref\" such as refs/heads/main"
                .to_string(),
        ),
    }
}

/// What the webhook does with a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Pong,
    /// `git pull`, then sync.
    Pull,
    /// A push of another branch or a tag: answered and recorded, nothing pulled.
    IgnorePush(String),
    /// Not a push at all: answered, not recorded.
    IgnoreEvent(String),
}

/// Decides on `delivery`, given the ref the site's clone pulls (`None`: a
/// detached HEAD, where the pull itself will say what is wrong).
pub fn decide(delivery: &Delivery, tracked: Option<&str>) -> Decision {
    match (delivery, tracked) {
        (Delivery::Ping, _) => Decision::Pong,
        (Delivery::Other { event }, _) => {
            Decision::IgnoreEvent(format!("ignored: {event} is not a push"))
        }
        (Delivery::Push { git_ref }, Some(tracked)) if git_ref != tracked => {
            Decision::IgnorePush(format!("ignored: {git_ref} is not {tracked}"))
        }
        (Delivery::Push { .. }, _) => Decision::Pull,
    }
}

/// The webhook's answer: a status and a JSON body.
type Answer = (Status, Value);

fn refused(status: Status, error: &str) -> Answer {
    (status, json!({ "status": "error", "error": error }))
}

#[post("/hooks/git", data = "<body>")]
async fn git_push(
    body: Data<'_>,
    headers: HookHeaders,
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
    if !authentic(secret, &headers, &body) {
        tracing::warn!("webhook refused: missing or wrong signature");
        return refused(Status::Unauthorized, "missing or wrong signature");
    }
    match read_delivery(headers.event.as_deref(), &body) {
        Ok(delivery) => act(&delivery, db.inner(), settings.inner()).await,
        Err(error) => refused(Status::BadRequest, &error),
    }
}

/// Carries out the decision on an authentic delivery.
async fn act(delivery: &Delivery, db: &Db, settings: &Settings) -> Answer {
    let repo = settings.repo_dir();
    let timeout = settings.git_timeout_secs;
    let tracked = match delivery {
        Delivery::Push { .. } => match git::tracked_branch(repo, timeout).await {
            Ok(tracked) => tracked,
            Err(e) => return answer(Err(PushError::Pull(e))),
        },
        _ => None,
    };
    match decide(delivery, tracked.as_deref()) {
        Decision::Pong => (Status::Ok, json!({ "status": "ok", "pong": true })),
        Decision::IgnoreEvent(reason) => (
            Status::Accepted,
            json!({ "status": "ignored", "reason": reason }),
        ),
        Decision::IgnorePush(reason) => {
            tracing::info!("webhook: {reason}");
            match git::record_ignored_push(db, repo, &reason).await {
                Ok(run_id) => (
                    Status::Accepted,
                    json!({ "status": "ignored", "reason": reason, "run_id": run_id }),
                ),
                Err(e) => answer(Err(e.into())),
            }
        }
        Decision::Pull => {
            // How long to wait for the sync before answering 202.
            let within = Duration::from_secs(settings.webhook_answer_secs);
            let content = &settings.content_dir;
            let strict = settings.strict_links;
            answer(git::pull_and_sync(db, repo, content, timeout, within, strict).await)
        }
    }
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

    fn hmac_hex(secret: &str, body: &[u8]) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(body);
        hex::encode(mac.finalize().into_bytes())
    }

    #[test]
    fn each_hosts_signature_is_checked_and_every_one_sent_must_be_right() {
        let body = b"{}";
        let good = hmac_hex("s3cret", body);
        let hub = |v: &str| HookHeaders {
            hub_signature: Some(v.to_string()),
            ..Default::default()
        };
        assert!(authentic("s3cret", &hub(&format!("sha256={good}")), body));
        assert!(!authentic("other", &hub(&format!("sha256={good}")), body));
        assert!(!authentic(
            "s3cret",
            &hub(&format!("sha256={good}")),
            b"{ }"
        ));
        assert!(
            !authentic("s3cret", &hub(&good), body),
            "GitHub's needs its prefix"
        );
        assert!(!authentic("s3cret", &hub("sha256=zz"), body));
        assert!(!authentic("s3cret", &hub("sha1=abc"), body));
        assert!(
            !authentic("s3cret", &HookHeaders::default(), body),
            "nothing sent"
        );

        let gitea = HookHeaders {
            gitea_signature: Some(good.clone()),
            ..Default::default()
        };
        assert!(authentic("s3cret", &gitea, body));
        let forgejo = HookHeaders {
            forgejo_signature: Some(good.to_uppercase()),
            ..Default::default()
        };
        assert!(authentic("s3cret", &forgejo, body));
        let both = HookHeaders {
            hub_signature: Some(format!("sha256={good}")),
            gitea_signature: Some(hmac_hex("s3cret", b"another body")),
            ..Default::default()
        };
        assert!(
            !authentic("s3cret", &both, body),
            "a wrong one is not outvoted"
        );
    }

    #[test]
    fn gitlabs_token_is_the_secret_itself() {
        let token = |t: &str| HookHeaders {
            gitlab_token: Some(t.to_string()),
            ..Default::default()
        };
        assert!(authentic("s3cret", &token("s3cret"), b"anything"));
        for wrong in ["s3cre", "s3cret ", "", "S3CRET"] {
            assert!(
                !authentic("s3cret", &token(wrong), b"anything"),
                "{wrong:?}"
            );
        }
    }

    #[test]
    fn deliveries_are_read_from_each_hosts_event_names() {
        let push = |r: &str| Delivery::Push {
            git_ref: r.to_string(),
        };
        let main = br#"{"ref":"refs/heads/main","before":"a1","after":"b2"}"#;
        for event in [None, Some("push"), Some("Push Hook")] {
            assert_eq!(read_delivery(event, main), Ok(push("refs/heads/main")));
        }
        let tag = br#"{"object_kind":"tag_push","ref":"refs/tags/v1"}"#;
        assert_eq!(
            read_delivery(Some("Tag Push Hook"), tag),
            Ok(push("refs/tags/v1"))
        );
        assert_eq!(
            read_delivery(Some("ping"), b"not even json"),
            Ok(Delivery::Ping)
        );
        let test = br#"{"ref":"refs/heads/main","before":"c3","after":"c3"}"#;
        assert_eq!(read_delivery(Some("push"), test), Ok(Delivery::Ping));
        let sample = br#"{"ref":"refs/heads/main","before":null,"after":null}"#;
        assert_eq!(read_delivery(Some("Push Hook"), sample), Ok(Delivery::Ping));
        let created = br#"{"ref":"refs/heads/main","before":"0000","after":"c3"}"#;
        assert_eq!(
            read_delivery(Some("push"), created),
            Ok(push("refs/heads/main"))
        );
        let system = br#"{"event_name":"push","object_kind":"push","ref":"refs/heads/main"}"#;
        assert_eq!(
            read_delivery(Some("System Hook"), system),
            Ok(push("refs/heads/main"))
        );
        let project = br#"{"event_name":"project_create","name":"x"}"#;
        assert_eq!(
            read_delivery(Some("System Hook"), project),
            Ok(Delivery::Other {
                event: "the GitLab system event project_create".into()
            })
        );
        assert_eq!(
            read_delivery(Some("issues"), b"{}"),
            Ok(Delivery::Other {
                event: "the issues event".into()
            })
        );
        assert!(read_delivery(Some("push"), b"{}")
            .unwrap_err()
            .contains("\"ref\""));
        assert!(read_delivery(Some("push"), b"payload=%7B%7D")
            .unwrap_err()
            .contains("application/json"));
        assert!(read_delivery(None, br#"{"ref":7}"#).is_err());
    }

    #[test]
    fn only_a_push_to_the_tracked_branch_is_pulled() {
        let push = |r: &str| Delivery::Push {
            git_ref: r.to_string(),
        };
        let main = Some("refs/heads/main");
        assert_eq!(decide(&push("refs/heads/main"), main), Decision::Pull);
        assert_eq!(
            decide(&push("refs/heads/draft"), main),
            Decision::IgnorePush("ignored: refs/heads/draft is not refs/heads/main".into())
        );
        assert_eq!(
            decide(&push("refs/tags/v1"), main),
            Decision::IgnorePush("ignored: refs/tags/v1 is not refs/heads/main".into())
        );
        assert_eq!(decide(&push("refs/heads/main"), None), Decision::Pull);
        assert_eq!(decide(&Delivery::Ping, main), Decision::Pong);
        let other = Delivery::Other {
            event: "the release event".into(),
        };
        assert_eq!(
            decide(&other, main),
            Decision::IgnoreEvent("ignored: the release event is not a push".into())
        );
    }
}
