//! Sessions as the README promises them: the cookie's flags, twelve hours,
//! only a hash stored, and the end of every session of a user whose
//! password changes (through the library the panel and CLI share, and
//! through `lectern user passwd`), while other users stay logged in.

use std::io::Write;
use std::process::{Command, Stdio};

use chrono::{Duration, Utc};
use lectern::accounts::users::{self, Actor};
use lectern::base::clock::Clock;
use lectern::db::entity::{session, Role};
use lectern::db::Db;
use rocket::http::{Cookie, SameSite, Status};
use rocket::local::asynchronous::Client;
use sea_orm::sea_query::Expr;
use sea_orm::{ConnectionTrait, DbBackend, EntityTrait, Statement};

use crate::common::{add_user, count, get, hidden, log_in, post, Fixture, PASSWORD};

const NEW_PASSWORD: &str = "a brand new password";

/// Whether `client` is sent to the login page from an admin page (its
/// session is gone), rather than shown the page.
async fn sent_to_login(client: &Client) -> bool {
    let res = client.get("/admin/lessons").dispatch().await;
    match res.status() {
        Status::Ok => false,
        Status::SeeOther => {
            let to = res.headers().get_one("Location").unwrap_or_default();
            assert!(
                to.starts_with("/admin/login?next=%2Fadmin%2Flessons"),
                "redirected to {to}"
            );
            true
        }
        other => panic!("GET /admin/lessons answered {other}"),
    }
}

async fn user_id(db: &Db, name: &str) -> i64 {
    count(
        db,
        &format!("SELECT id FROM users WHERE username = '{name}'"),
    )
    .await
}

async fn sessions_of(db: &Db, name: &str) -> i64 {
    let id = user_id(db, name).await;
    count(
        db,
        &format!("SELECT COUNT(*) FROM sessions WHERE user_id = {id}"),
    )
    .await
}

/// A site with an admin `ada` and an editor `eve`; eve logged in on two
/// clients (two browsers), ada on one.
async fn eve_twice_and_ada() -> (Fixture, Db, [Client; 3]) {
    let f = Fixture::with_sample_content().await;
    let db = f.connect().await;
    add_user(&db, "ada", Role::Admin).await;
    add_user(&db, "eve", Role::Editor).await;
    let clients = [f.client().await, f.client().await, f.client().await];
    for (client, who) in clients.iter().zip(["eve", "eve", "ada"]) {
        assert_eq!(log_in(client, who, PASSWORD).await, Status::SeeOther);
        assert!(!sent_to_login(client).await, "{who} is logged in");
    }
    assert_eq!(sessions_of(&db, "eve").await, 2);
    (f, db, clients)
}

/// After eve's password changed: both her sessions are over, ada's is not,
/// the old password is refused and the new one works.
async fn only_eves_sessions_ended(db: &Db, [eve1, eve2, ada]: &[Client; 3]) {
    assert!(sent_to_login(eve1).await, "eve's first session ended");
    assert!(sent_to_login(eve2).await, "eve's second session ended");
    assert_eq!(sessions_of(db, "eve").await, 0);
    // Her old form token opens nothing either.
    let (status, location, _) = post(eve1, "/admin/logout", &[("csrf", "x")]).await;
    assert_eq!(status, Status::SeeOther);
    assert!(location.unwrap().starts_with("/admin/login"));
    assert!(!sent_to_login(ada).await, "ada is still logged in");
    assert_eq!(sessions_of(db, "ada").await, 1);
    assert_eq!(log_in(eve1, "eve", PASSWORD).await, Status::Unauthorized);
    assert_eq!(log_in(eve1, "eve", NEW_PASSWORD).await, Status::SeeOther);
    assert!(!sent_to_login(eve1).await, "the new password logs eve in");
    assert!(
        sent_to_login(eve2).await,
        "the other browser stays logged out"
    );
}

#[rocket::async_test]
async fn a_password_change_ends_every_session_of_that_user_only() {
    let (_f, db, clients) = eve_twice_and_ada().await;
    // The function behind `lectern user passwd` (the panel has no password form).
    users::set_password(&db, Actor::Cli, "eve", NEW_PASSWORD)
        .await
        .unwrap();
    only_eves_sessions_ended(&db, &clients).await;
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'user.passwd' AND target = 'eve'"
        )
        .await,
        1
    );
}

#[rocket::async_test]
async fn lectern_user_passwd_ends_the_users_sessions_on_the_running_site() {
    let (f, db, clients) = eve_twice_and_ada().await;
    let mut child = Command::new(env!("CARGO_BIN_EXE_lectern"))
        .args(["user", "passwd", "eve"])
        .env_remove("DATABASE_URL")
        .env("DATABASE_URL", &f.db.url)
        .env("ROCKET_CONTENT_DIR", f.content())
        .env("LECTERN_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{NEW_PASSWORD}").unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("password changed for eve; their sessions have ended"),
        "{stdout}"
    );
    only_eves_sessions_ended(&db, &clients).await;
}

/// Logs in through the form; returns the `Set-Cookie` of the session.
async fn session_set_cookie(client: &Client, name: &str) -> String {
    let (_, page) = get(client, "/admin/login").await;
    let token = hidden(&page, "login_csrf");
    let res = client
        .post("/admin/login")
        .header(rocket::http::ContentType::Form)
        .body(crate::common::form(&[
            ("username", name),
            ("password", PASSWORD),
            ("login_csrf", &token),
        ]))
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::SeeOther);
    let cookies: Vec<String> = res
        .headers()
        .get("Set-Cookie")
        .map(str::to_string)
        .collect();
    cookies
        .into_iter()
        .find(|c| c.starts_with("lectern_session="))
        .expect("the login sets the session cookie")
}

#[rocket::async_test]
async fn the_session_cookie_is_http_only_lax_secure_when_told_and_lasts_twelve_hours() {
    for secure in [false, true] {
        let f = Fixture::with_sample_content().await;
        let db = f.connect().await;
        add_user(&db, "ada", Role::Admin).await;
        let figment = f.figment().merge(("secure_cookies", secure));
        let client = f.client_with(figment, Clock::system()).await;
        // The login form's own cookie follows the same setting.
        let res = client.get("/admin/login").dispatch().await;
        let login_cookie = res
            .headers()
            .get("Set-Cookie")
            .find(|c| c.starts_with("lectern_login_csrf="))
            .map(str::to_string)
            .expect("the login form's cookie");
        assert_eq!(
            Cookie::parse(login_cookie.clone()).unwrap().secure() == Some(true),
            secure,
            "{login_cookie}"
        );

        let before = Utc::now();
        let raw = session_set_cookie(&client, "ada").await;
        let after = Utc::now();
        let cookie = Cookie::parse(raw.clone()).unwrap();
        assert_eq!(cookie.http_only(), Some(true), "{raw}");
        assert_eq!(cookie.same_site(), Some(SameSite::Lax), "{raw}");
        assert_eq!(
            cookie.secure() == Some(true),
            secure,
            "Secure with secure_cookies = {secure}: {raw}"
        );
        assert_eq!(cookie.path(), Some("/"), "{raw}");
        assert_eq!(
            cookie.max_age(),
            Some(rocket::time::Duration::hours(12)),
            "{raw}"
        );

        // The stored session ends twelve hours after it began.
        let stored = session::Entity::find().all(&db).await.unwrap();
        assert_eq!(stored.len(), 1);
        let s = &stored[0];
        assert_eq!(s.expires_at - s.created_at, Duration::hours(12));
        // It began during the login: bracketed by the clock read before and
        // after, with a minute of slack either side so that neither a slow
        // machine nor PostgreSQL's microseconds can fail it, while a session
        // dated an hour off (or never ending) still does.
        let slack = Duration::minutes(1);
        assert!(
            before - slack <= s.created_at && s.created_at <= after + slack,
            "created {} while logging in ({before} to {after})",
            s.created_at
        );
    }
}

async fn set_expiry(db: &Db, at: chrono::DateTime<Utc>) {
    session::Entity::update_many()
        .col_expr(session::Column::ExpiresAt, Expr::value(at))
        .exec(db)
        .await
        .unwrap();
}

#[rocket::async_test]
async fn a_session_past_its_expiry_is_refused() {
    let f = Fixture::with_sample_content().await;
    let db = f.connect().await;
    add_user(&db, "ada", Role::Admin).await;
    let client = f.client().await;
    assert_eq!(log_in(&client, "ada", PASSWORD).await, Status::SeeOther);
    // An hour before its end it still works…
    set_expiry(&db, Utc::now() + Duration::hours(1)).await;
    assert!(!sent_to_login(&client).await);
    let (_, page) = get(&client, "/backend-dev/first-server/").await;
    assert!(page.contains("Edit this lesson"));
    // …an hour after, it is refused, on admin and public pages alike.
    set_expiry(&db, Utc::now() - Duration::hours(1)).await;
    assert!(sent_to_login(&client).await);
    let res = client.get("/backend-dev/first-server/").dispatch().await;
    assert_eq!(res.status(), Status::Ok);
    assert!(res
        .headers()
        .get_one("Cache-Control")
        .unwrap()
        .starts_with("public"));
    assert!(!res
        .into_string()
        .await
        .unwrap()
        .contains("Edit this lesson"));
}

/// Every (table, column) of the schema.
async fn all_columns(db: &Db) -> Vec<(String, String)> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Sqlite => {
            "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table'"
        }
        _ => {
            "SELECT table_name::text, column_name::text FROM information_schema.columns \
             WHERE table_schema = 'public'"
        }
    };
    db.query_all_raw(Statement::from_string(backend, sql))
        .await
        .unwrap()
        .iter()
        .map(|row| {
            (
                row.try_get_by_index::<String>(0).unwrap(),
                row.try_get_by_index::<String>(1).unwrap(),
            )
        })
        .collect()
}

#[rocket::async_test]
async fn sessions_are_stored_only_as_hashes_of_their_tokens() {
    let f = Fixture::with_sample_content().await;
    let db = f.connect().await;
    add_user(&db, "ada", Role::Admin).await;
    let client = f.client().await;
    assert_eq!(log_in(&client, "ada", PASSWORD).await, Status::SeeOther);
    let token = client
        .cookies()
        .get("lectern_session")
        .expect("a session cookie")
        .value()
        .to_string();
    assert_eq!(token.len(), 64);
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit()));

    // The token is in no column of any table (sessions included)…
    let columns = all_columns(&db).await;
    assert!(
        columns.iter().filter(|(t, _)| t == "sessions").count() >= 6,
        "{columns:?}"
    );
    for (table, column) in &columns {
        let found = count(
            &db,
            &format!(
                "SELECT COUNT(*) FROM {table} WHERE LOWER(CAST({column} AS TEXT)) LIKE '%{}%'",
                token.to_lowercase()
            ),
        )
        .await;
        assert_eq!(found, 0, "the session token is stored in {table}.{column}");
    }
    // …while its SHA-256 is the session's key.
    use sha2::{Digest, Sha256};
    let digest = hex::encode(Sha256::digest(token.as_bytes()));
    assert_eq!(
        count(
            &db,
            &format!("SELECT COUNT(*) FROM sessions WHERE token_hash = '{digest}'")
        )
        .await,
        1
    );
    assert_eq!(count(&db, "SELECT COUNT(*) FROM sessions").await, 1);
}
