//! What learners read about the site and its lessons beside the lessons
//! themselves: the site's description and icon.

use std::path::Path;
use std::time::Duration;

use lectern::base::clock::Clock;
use lectern::web::templates::SiteView;
use rocket::http::Status;
use rocket::local::asynchronous::Client;

use crate::common::{server_command, Fixture};

// ------------------------------------------------------------ settings

/// GETs `uri`: status, content type, cache policy and body.
async fn fetch(client: &Client, uri: &str) -> (Status, String, String, Vec<u8>) {
    let res = client.get(uri.to_string()).dispatch().await;
    let header = |name: &str| res.headers().get_one(name).unwrap_or_default().to_string();
    let (status, content_type, cache) = (
        res.status(),
        header("Content-Type"),
        header("Cache-Control"),
    );
    (
        status,
        content_type,
        cache,
        res.into_bytes().await.unwrap_or_default(),
    )
}

/// The site's description and icon: defaults, and each setting taking
/// effect. The icon is served at its fingerprinted URL for a year and at
/// `/favicon.ico` (never a 404, which browsers log as an error).
#[rocket::async_test]
async fn the_site_description_and_icon_have_defaults_and_settings() {
    let f = Fixture::new().await;
    let client = f.client().await;
    let site = client.rocket().state::<SiteView>().unwrap();
    assert_eq!(
        site.description,
        "Courses and lessons to learn from, written to be read on any screen."
    );
    let own =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("static/favicon.svg")).unwrap();
    assert!(
        site.favicon_url.starts_with("/favicon.svg?v="),
        "{}",
        site.favicon_url
    );
    let (status, kind, cache, body) = fetch(&client, &site.favicon_url).await;
    assert_eq!((status, kind.as_str()), (Status::Ok, "image/svg+xml"));
    assert_eq!(cache, "public, max-age=31536000, immutable");
    assert_eq!(body, own);
    let (status, kind, cache, body) = fetch(&client, "/favicon.ico").await;
    assert_eq!(
        (status, kind.as_str(), body),
        (Status::Ok, "image/svg+xml", own)
    );
    assert_eq!(
        cache, "no-cache",
        "not the fingerprinted URL: checked again"
    );
    assert_eq!(fetch(&client, "/favicon.png").await.0, Status::NotFound);

    let icon = f.dir.path().join("brand.png");
    let png = b"\x89PNG\r\n\x1a\n the rest of a PNG".to_vec();
    std::fs::write(&icon, &png).unwrap();
    let figment = f
        .figment()
        .merge(("site_description", "Lessons on keeping bees."))
        .merge(("favicon", &icon));
    let client = f.client_with(figment, Clock::system()).await;
    let site = client.rocket().state::<SiteView>().unwrap();
    assert_eq!(site.description, "Lessons on keeping bees.");
    assert!(
        site.favicon_url.starts_with("/favicon.png?v="),
        "{}",
        site.favicon_url
    );
    for uri in [site.favicon_url.as_str(), "/favicon.ico"] {
        let (status, kind, _, body) = fetch(&client, uri).await;
        assert_eq!((status, kind.as_str()), (Status::Ok, "image/png"), "{uri}");
        assert_eq!(body, png, "{uri}");
    }
    assert_eq!(fetch(&client, "/favicon.svg").await.0, Status::NotFound);
}

/// A `favicon` that cannot be used stops start-up, saying why in words.
#[rocket::async_test]
async fn a_favicon_that_cannot_be_used_stops_start_up_with_a_message() {
    let f = Fixture::new().await;
    let fake = f.dir.path().join("icon.png");
    std::fs::write(&fake, "<svg></svg>").unwrap();
    let missing = f.dir.path().join("missing.svg");
    let cases = [
        (fake.clone(), "is named .png but does not hold a PNG image"),
        (missing, "cannot be read"),
        (
            f.dir.path().join("icon.gif"),
            "must be an icon file named .svg, .png or .ico",
        ),
    ];
    for (path, message) in cases {
        let port = crate::common::free_port();
        let mut child = server_command(&f, port)
            .env("ROCKET_FAVICON", &path)
            .stderr(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // It stops by itself; the minute only catches a server that started.
        let begun = std::time::Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if begun.elapsed() > Duration::from_secs(60) {
                child.kill().unwrap();
                child.wait().unwrap();
                panic!("started with favicon {}", path.display());
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        assert!(!status.success(), "{}", path.display());
        let out = child.wait_with_output().unwrap();
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            said.contains(&format!("favicon “{}” {message}", path.display())),
            "{said}"
        );
    }
}
