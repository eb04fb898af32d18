//! Test harness: a real Lectern on a throwaway database (a fresh SQLite file,
//! or a fresh PostgreSQL database when TEST_DATABASE_URL is set) over a
//! content folder the test writes.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use lectern::base::clock::Clock;
use lectern::content::{SyncOptions, SyncReport};
use lectern::db::entity::SyncOrigin;
use lectern::db::Db;
use rocket::http::Status;
use rocket::local::asynchronous::{Client, LocalResponse};
use sea_orm::{ConnectionTrait, Database, Statement};
use tempfile::TempDir;

/// A database for one test, dropped with it.
pub(crate) struct TestDb {
    pub url: String,
    pg: Option<(String, String)>, // (admin url, database name)
}

impl TestDb {
    pub(crate) async fn new(dir: &Path) -> TestDb {
        match std::env::var("TEST_DATABASE_URL") {
            Ok(admin_url) if !admin_url.is_empty() => {
                static N: AtomicU32 = AtomicU32::new(0);
                let name = format!(
                    "lectern_t{}_{}",
                    std::process::id(),
                    N.fetch_add(1, Ordering::Relaxed)
                );
                let admin = Database::connect(&admin_url)
                    .await
                    .expect("connect to TEST_DATABASE_URL");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("create test database");
                admin.close().await.ok();
                let base = admin_url
                    .rsplit_once('/')
                    .map(|(b, _)| b)
                    .unwrap_or(&admin_url);
                TestDb {
                    url: format!("{base}/{name}"),
                    pg: Some((admin_url.clone(), name)),
                }
            }
            _ => TestDb {
                url: format!("sqlite://{}?mode=rwc", dir.join("test.db").display()),
                pg: None,
            },
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((admin_url, name)) = self.pg.take() else {
            return;
        };
        // Drop runs outside async; use a small runtime of its own.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                if let Ok(admin) = Database::connect(&admin_url).await {
                    let _ = admin
                        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await;
                }
            });
        })
        .join();
    }
}

/// A content folder plus a database: the raw material of a site.
pub(crate) struct Fixture {
    pub dir: TempDir,
    pub db: TestDb,
    /// The one handle on the database that every client and every direct
    /// use of it in the test shares: they are one instance, seeing each
    /// other's edits at once, and no other test's (see `lectern::Parts`).
    handle: tokio::sync::OnceCell<Db>,
}

impl Fixture {
    pub(crate) async fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("content")).unwrap();
        let db = TestDb::new(dir.path()).await;
        Fixture {
            dir,
            db,
            handle: tokio::sync::OnceCell::new(),
        }
    }

    /// A fixture holding a copy of the sample content shipped in `content/`.
    pub(crate) async fn with_sample_content() -> Fixture {
        let f = Fixture::new().await;
        copy_dir(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("content"),
            &f.content(),
        );
        f
    }

    pub(crate) fn content(&self) -> PathBuf {
        self.dir.path().join("content")
    }

    pub(crate) fn write(&self, rel: &str, text: impl AsRef<[u8]>) {
        let path = self.content().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    pub(crate) fn remove(&self, rel: &str) {
        std::fs::remove_file(self.content().join(rel)).unwrap();
    }

    pub(crate) fn figment(&self) -> rocket::figment::Figment {
        lectern::config::figment()
            .merge(("database_url", &self.db.url))
            .merge(("content_dir", self.content()))
            .merge(("log_level", "off"))
            // An instance here sees only its own edits at once; another
            // handle's (a test's own sync) only if the test waits for a poll.
            // So a write path that forgot to tell its cache fails the test,
            // instead of being rescued by a poll that happened to come.
            .merge(("content_poll_ms", 3_600_000))
            .merge((
                "template_dir",
                Path::new(env!("CARGO_MANIFEST_DIR")).join("templates"),
            ))
    }

    /// Starts the site (migrations and the startup sync run at ignition).
    pub(crate) async fn client(&self) -> Client {
        self.client_with(self.figment(), Clock::system()).await
    }

    /// Starts the site with readers' pages going by `clock` (a fixed one
    /// the test moves: scheduled publishing without waiting).
    pub(crate) async fn client_at(&self, clock: &Clock) -> Client {
        self.client_with(self.figment(), clock.clone()).await
    }

    /// Starts the site from `figment` (usually [`Fixture::figment`] plus
    /// settings), on the fixture's database handle.
    pub(crate) async fn client_with(
        &self,
        figment: rocket::figment::Figment,
        clock: Clock,
    ) -> Client {
        let client = self.client_while_syncing(figment, clock).await;
        // A start-up sync in the background would race the test's own
        // syncs and edits: wait for it (`startup::*` test it running).
        let startup = client.rocket().state::<lectern::StartupSync>();
        startup.expect("the start-up state").finished().await;
        client
    }

    /// [`Fixture::client_with`] without waiting for a start-up sync running
    /// in the background.
    pub(crate) async fn client_while_syncing(
        &self,
        figment: rocket::figment::Figment,
        clock: Clock,
    ) -> Client {
        let parts = lectern::Parts {
            clock,
            db: Some(self.connect().await),
        };
        Client::tracked(lectern::build_with(figment, parts))
            .await
            .expect("valid rocket")
    }

    /// The fixture's database handle, migrated.
    pub(crate) async fn connect(&self) -> Db {
        self.handle
            .get_or_init(|| async {
                let db = lectern::db::connect(&self.db.url).await.unwrap();
                lectern::db::migrate(&db).await.unwrap();
                db
            })
            .await
            .clone()
    }

    /// Syncs as the default settings do (`strict_links = true`).
    pub(crate) async fn sync(&self, db: &Db) -> SyncReport {
        self.sync_with_links(db, true).await
    }

    /// Syncs with the setting `strict_links` as given.
    pub(crate) async fn sync_with_links(&self, db: &Db, strict_links: bool) -> SyncReport {
        lectern::content::sync(
            db,
            &self.content(),
            SyncOptions {
                origin: SyncOrigin::Cli,
                dry_run: false,
                strict_links,
            },
        )
        .await
        .unwrap()
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

pub(crate) async fn get(client: &Client, uri: &str) -> (Status, String) {
    let res: LocalResponse = client.get(uri.to_string()).dispatch().await;
    let status = res.status();
    (status, res.into_string().await.unwrap_or_default())
}

/// A minimal lesson file.
pub(crate) fn lesson(title: &str, body: &str) -> String {
    format!("+++\ntitle = \"{title}\"\nsummary = \"About {title}\"\n+++\n\n{body}\n")
}

pub(crate) fn course(title: &str) -> String {
    format!(
        "+++\ntitle = \"{title}\"\nsummary = \"The {title} course\"\n+++\n\nWelcome to {title}.\n"
    )
}

/// The single integer a query returns (a count, an id), on either backend.
pub(crate) async fn count(db: &Db, sql: &str) -> i64 {
    let sql = format!("SELECT CAST(({sql}) AS BIGINT)");
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

/// Percent-encodes form fields as a browser would (application/x-www-form-urlencoded).
pub(crate) fn form(fields: &[(&str, &str)]) -> String {
    fn enc(s: &str) -> String {
        let mut out = String::new();
        for b in s.bytes() {
            match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                    out.push(b as char)
                }
                b' ' => out.push('+'),
                _ => out.push_str(&format!("%{b:02X}")),
            }
        }
        out
    }
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The value of the first `name="<name>" value="…"` in a page.
pub(crate) fn hidden(html: &str, name: &str) -> String {
    let needle = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&needle)
        .unwrap_or_else(|| panic!("no {name} field in {html}"))
        + needle.len();
    html[start..start + html[start..].find('"').unwrap()].to_string()
}

/// Creates a user directly (as `lectern user add` does).
pub(crate) async fn add_user(db: &Db, name: &str, role: lectern::db::entity::Role) {
    lectern::accounts::users::create(db, name, name, role, PASSWORD)
        .await
        .unwrap();
}

pub(crate) const PASSWORD: &str = "a long enough password";

/// Logs `client` in through the login form; returns the response status.
pub(crate) async fn log_in(client: &Client, name: &str, password: &str) -> Status {
    let (_, page) = get(client, "/admin/login").await;
    let token = hidden(&page, "login_csrf");
    let res = client
        .post("/admin/login")
        .header(rocket::http::ContentType::Form)
        .body(form(&[
            ("username", name),
            ("password", password),
            ("login_csrf", &token),
            ("next", "/admin"),
        ]))
        .dispatch()
        .await;
    res.status()
}

/// The session's CSRF token, read from an admin page.
pub(crate) async fn csrf(client: &Client) -> String {
    let (status, page) = get(client, "/admin/lessons").await;
    assert_eq!(status, Status::Ok, "logged in");
    hidden(&page, "csrf")
}

/// POSTs a form; returns status, Location header and body.
pub(crate) async fn post(
    client: &Client,
    uri: &str,
    fields: &[(&str, &str)],
) -> (Status, Option<String>, String) {
    let res = client
        .post(uri.to_string())
        .header(rocket::http::ContentType::Form)
        .body(form(fields))
        .dispatch()
        .await;
    let status = res.status();
    let location = res.headers().get_one("Location").map(str::to_string);
    (
        status,
        location,
        res.into_string().await.unwrap_or_default(),
    )
}

// ------------------------------------------------------------ real servers

/// A `lectern` server process, killed when dropped.
pub(crate) struct Server(pub std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The `lectern` binary serving the fixture's database and content on
/// `port`, quietly; callers add arguments and settings, then spawn it.
pub(crate) fn server_command(f: &Fixture, port: u16) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_lectern"));
    command
        .env("DATABASE_URL", &f.db.url)
        .env("ROCKET_CONTENT_DIR", f.content())
        .env("ROCKET_PORT", port.to_string())
        .env("ROCKET_ADDRESS", "127.0.0.1")
        .env("ROCKET_LOG_LEVEL", "off")
        .env("LECTERN_LOG", "error")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    command
}

/// Sends one raw HTTP/1.1 `request` (its head ends the connection) and
/// returns the whole response, head and body; `None` if nothing answers.
pub(crate) fn http_raw(port: u16, request: &str) -> Option<String> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.write_all(request.as_bytes()).ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    Some(out)
}

/// GET over a plain socket: (status code, body), or `None` if the server
/// does not answer.
pub(crate) fn http_get(port: u16, path: &str) -> Option<(u16, String)> {
    let out = http_raw(
        port,
        &format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"),
    )?;
    let code = out.split(' ').nth(1)?.parse().ok()?;
    let body = out
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_string();
    Some((code, body))
}

/// Waits for the server on `port` to answer `/healthz` with 200; the
/// minute's limit only catches a server that never starts.
pub(crate) fn wait_until_healthy(port: u16) {
    let start = std::time::Instant::now();
    while http_get(port, "/healthz").is_none_or(|(code, _)| code != 200) {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(60),
            "no server answered on port {port}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}
