//! The admin panel in a real browser: the `lectern` binary serves a fresh
//! site, headless Chromium (through chromedriver) clicks and types through
//! first-admin setup, log out and in, leaving unsaved text (the browser
//! asks first), editing with preview, saving, the
//! history and a restore, checking what each page shows.
//!
//! A second test follows a learner: "Mark as done" on a lesson, the course's
//! progress bar after a reload, and the same pages with JavaScript off.
//!
//! Needs Debian's `chromium` and `chromium-driver` packages (CI installs
//! them), found on `PATH`. Without them each browser test (here and in the
//! other modules, through [`require_browsers`]) is skipped at run time with
//! one line on stderr saying what to install, except under CI (`CI=true`,
//! `LECTERN_CI=1`) or with `LECTERN_REQUIRE_BROWSER=1`, where it fails.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, ensure, Context, Result};
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use crate::common::{free_port, Fixture};

/// The longest any single wait may take: a broken run fails, it never hangs.
pub(crate) const WAIT: Duration = Duration::from_secs(60);

const LESSON: &str = "What backend developers do";
const NEW_TITLE: &str = "What backend developers really do";
const SENTENCE: &str = "Typed in a real browser, this sentence checks the editor end to end.";
const USERNAME: &str = "ada";
const DISPLAY_NAME: &str = "Ada Lovelace";
const PASSWORD: &str = "analytical-engine-1843";

/// Chromium and chromedriver, found on `PATH` (as `.ci/run` looks for them).
struct Browsers {
    chromium: Option<PathBuf>,
    chromedriver: Option<PathBuf>,
}

fn browsers() -> &'static Browsers {
    static FOUND: OnceLock<Browsers> = OnceLock::new();
    FOUND.get_or_init(|| Browsers {
        chromium: on_path("chromium"),
        chromedriver: on_path("chromedriver"),
    })
}

fn on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|file| file.is_file())
}

fn chromium() -> &'static Path {
    browsers()
        .chromium
        .as_deref()
        .expect("require_browsers found chromium")
}

fn chromedriver() -> &'static Path {
    let found = browsers().chromedriver.as_deref();
    found.expect("require_browsers found chromedriver")
}

/// Whether a missing browser fails the run rather than skipping: under CI
/// (`CI=true`, `LECTERN_CI=1`) or when asked (`LECTERN_REQUIRE_BROWSER=1`).
fn browsers_required(var: impl Fn(&str) -> Option<String>) -> bool {
    let set = |name: &str| {
        var(name).is_some_and(|v| {
            let v = v.trim().to_ascii_lowercase();
            !v.is_empty() && v != "0" && v != "false"
        })
    };
    set("CI") || set("LECTERN_CI") || set("LECTERN_REQUIRE_BROWSER")
}

/// The Debian packages missing for the browser tests (none: they run).
fn missing_packages(browsers: &Browsers) -> Vec<&'static str> {
    let mut missing = Vec::new();
    if browsers.chromium.is_none() {
        missing.push("chromium");
    }
    if browsers.chromedriver.is_none() {
        missing.push("chromium-driver");
    }
    missing
}

/// Called first by every browser test: `true` to run it. Without Chromium
/// or chromedriver on `PATH` the test is skipped (`false`) with one loud
/// line on stderr naming the packages, or fails when the run requires the
/// browsers ([`browsers_required`]). The line goes to stderr itself, past
/// the test harness's capture, so a passing run shows it.
pub(crate) fn require_browsers() -> bool {
    let missing = missing_packages(browsers());
    if missing.is_empty() {
        return true;
    }
    let test = std::thread::current()
        .name()
        .unwrap_or("a browser test")
        .to_string();
    let install = format!("apt-get install {}", missing.join(" "));
    if browsers_required(|name| std::env::var(name).ok()) {
        panic!(
            "{test}: the browser tests are required here (CI=true, LECTERN_CI=1 or \
             LECTERN_REQUIRE_BROWSER=1 is set) but Chromium or chromedriver is not on PATH: \
             {install}"
        );
    }
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED {test}: needs Chromium and chromedriver on PATH; to run the browser tests, \
         {install} (Debian's packages; LECTERN_REQUIRE_BROWSER=1 makes this a failure)"
    );
    false
}

#[test]
fn browsers_are_required_under_ci_or_when_asked() {
    let env = |pairs: &'static [(&str, &str)]| {
        move |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    };
    assert!(!browsers_required(env(&[])));
    assert!(browsers_required(env(&[("CI", "true")])));
    assert!(browsers_required(env(&[("LECTERN_CI", "1")])));
    assert!(browsers_required(env(&[("LECTERN_REQUIRE_BROWSER", "1")])));
    assert!(!browsers_required(env(&[
        ("CI", "false"),
        ("LECTERN_CI", "0")
    ])));
    assert!(!browsers_required(env(&[("LECTERN_REQUIRE_BROWSER", "")])));
    let none = Browsers {
        chromium: None,
        chromedriver: None,
    };
    assert_eq!(missing_packages(&none), ["chromium", "chromium-driver"]);
}

#[rocket::async_test]
async fn a_learner_marks_a_lesson_done_and_sees_progress_and_pages_work_without_javascript() {
    if !require_browsers() {
        return;
    }
    let f = Fixture::with_sample_content().await;
    let server = Server::start(&f);
    let driver = ChromeDriver::start();
    let client = driver.connect(&f.dir.path().join("js-on"), true).await;
    let outcome = learner_flow(&client, &server.base).await;
    let evidence = match &outcome {
        Err(_) => save_evidence(&client).await,
        Ok(()) => String::new(),
    };
    let _ = client.close().await;
    if let Err(e) = outcome {
        panic!(
            "learner flow failed: {e:#}\n{evidence}\n--- lectern log ---\n{}",
            server.log()
        );
    }

    let no_js = driver.connect(&f.dir.path().join("js-off"), false).await;
    let outcome = without_javascript(&no_js, &server.base).await;
    let _ = no_js.close().await;
    if let Err(e) = outcome {
        panic!("pages without JavaScript: {e:#}");
    }
}

async fn learner_flow(c: &Client, base: &str) -> Result<()> {
    c.goto(&format!("{base}/backend-dev/what-backend-developers-do/"))
        .await?;
    let button = c
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css("button.mark-done"))
        .await?;
    ensure!(
        button.text().await? == "Mark as done",
        "the button offers to mark the lesson"
    );
    ensure!(button.attr("aria-pressed").await?.as_deref() == Some("false"));
    click(c, button, "Mark as done").await?;
    let button = c.find(Locator::Css("button.mark-done")).await?;
    ensure!(
        button.attr("aria-pressed").await?.as_deref() == Some("true"),
        "pressed after the click"
    );

    c.goto(&format!("{base}/backend-dev/")).await?;
    wait_text(c, ".course-progress", "1 of 5 lessons done").await?;
    c.refresh().await?;
    wait_text(c, ".course-progress", "1 of 5 lessons done").await?;
    let text = wait_text(c, ".start-link", "Continue").await?;
    ensure!(
        text == "Continue: Installing Node.js",
        "continue points at the next lesson: {text}"
    );
    let value = c
        .find(Locator::Css(".course-progress progress"))
        .await?
        .attr("value")
        .await?;
    ensure!(value.as_deref() == Some("1"), "progress value {value:?}");
    c.goto(&format!("{base}/")).await?;
    wait_text(c, ".course-card", "1 of 5 lessons done").await?;
    Ok(())
}

async fn without_javascript(c: &Client, base: &str) -> Result<()> {
    c.goto(&format!("{base}/backend-dev/what-backend-developers-do/"))
        .await?;
    expect_heading(c, "What backend developers do").await?;
    ensure!(
        c.find_all(Locator::Css("button.mark-done"))
            .await?
            .is_empty(),
        "no button without JavaScript"
    );
    let slot = c.find(Locator::Css(".progress-slot")).await?;
    ensure!(!slot.is_displayed().await?, "the empty slot stays hidden");
    ensure!(
        c.find(Locator::Css(".lesson-body h2"))
            .await?
            .is_displayed()
            .await?,
        "the lesson reads normally"
    );
    c.goto(&format!("{base}/backend-dev/")).await?;
    expect_heading(c, "Backend Developer").await?;
    ensure!(
        !c.find(Locator::Css(".course-progress"))
            .await?
            .is_displayed()
            .await?,
        "no empty progress bar"
    );
    ensure!(
        c.find_all(Locator::Css(".lesson-item")).await?.len() == 5,
        "the outline lists every public lesson"
    );
    Ok(())
}

#[rocket::async_test]
async fn an_editor_sets_up_logs_in_edits_previews_saves_and_restores_in_a_browser() {
    if !require_browsers() {
        return;
    }
    let started = Instant::now();

    // Declared first, so dropped last: the server is gone before its database.
    let f = Fixture::with_sample_content().await;
    let server = Server::start(&f);
    let driver = ChromeDriver::start();
    let client = driver.connect(f.dir.path(), true).await;

    let outcome = editor_flow(&client, &driver, &server.base, &server.setup_path).await;
    let evidence = match &outcome {
        Err(_) => save_evidence(&client).await,
        Ok(()) => String::new(),
    };
    // Close the browser whatever happened, then report.
    let closed = client.close().await;
    if let Err(e) = outcome {
        panic!(
            "browser flow failed: {e:#}\n{evidence}\n--- lectern log ---\n{}\n--- chromedriver log ---\n{}",
            server.log(),
            driver.log()
        );
    }
    closed.expect("close the browser session");
    eprintln!("browser test passed in {:.1?}", started.elapsed());
}

/// What a person does, through the UI only.
async fn editor_flow(
    c: &Client,
    driver: &ChromeDriver,
    base: &str,
    setup_path: &str,
) -> Result<()> {
    // ---------------------------------------------------------- first admin
    c.goto(&format!("{base}{setup_path}")).await?;
    expect_heading(c, "Create the first admin").await?;
    type_into(c, "#username", USERNAME).await?;
    type_into(c, "#display_name", DISPLAY_NAME).await?;
    type_into(c, "#password", PASSWORD).await?;
    type_into(c, "#password_again", PASSWORD).await?;
    click_button(c, "Create admin").await?;
    expect_heading(c, "Dashboard").await?;
    expect_path(c, "/admin").await?;
    let whoami = wait_text(c, ".whoami", DISPLAY_NAME).await?;
    ensure!(whoami.contains("admin"), "the header shows {whoami:?}");

    // ---------------------------------------------------------- log out, log in
    click_button(c, "Log out").await?;
    expect_heading(c, "Log in").await?;
    expect_path(c, "/admin/login").await?;
    ensure!(
        c.find_all(Locator::Css(".whoami")).await?.is_empty(),
        "still shown as logged in after logging out"
    );
    type_into(c, "#username", USERNAME).await?;
    type_into(c, "#password", PASSWORD).await?;
    click_button(c, "Log in").await?;
    expect_heading(c, "Dashboard").await?;
    wait_text(c, ".whoami", DISPLAY_NAME).await?;

    // ---------------------------------------------------------- edit and preview
    click_link(c, "Lessons").await?;
    expect_heading(c, "Lessons").await?;
    click_link(c, LESSON).await?;
    expect_heading(c, &format!("Edit “{LESSON}”")).await?;
    let editor_path = c.current_url().await?.path().to_string();
    ensure!(
        editor_path.starts_with("/admin/lessons/") && editor_path.ends_with("/edit"),
        "the lesson link led to {editor_path}"
    );

    // ---------------------------------------------------------- leaving asks first
    // Following a link away from unsaved text makes the browser ask "leave
    // site?" (static/admin.js). chromedriver answers that prompt itself
    // (accepting it, whatever `unhandledPromptBehavior` says), so the test
    // reads the prompt from chromedriver's log of the browser's events.
    ensure!(driver.prompts().is_empty(), "no prompt yet");
    let body = c.find(Locator::Id("body_md")).await?;
    body.send_keys("An unsaved change.").await?;
    click_link(c, "Lessons").await?;
    // Arrived, so the prompt (which comes before the page unloads) is over.
    expect_heading(c, "Lessons").await?;
    let prompts = wait_for_prompts(driver, 1).await?;
    ensure!(
        prompts == [("beforeunload".to_string(), format!("{base}{editor_path}"))],
        "leaving the editor with unsaved text: prompts {prompts:?}"
    );
    click_link(c, LESSON).await?;
    expect_heading(c, &format!("Edit “{LESSON}”")).await?;
    ensure!(
        !field_value(c, "body_md")
            .await?
            .contains("An unsaved change."),
        "the change left behind was not saved"
    );
    let version_before = lesson_version(c).await?;

    let title = c.find(Locator::Id("title")).await?;
    ensure!(
        title.prop("value").await?.as_deref() == Some(LESSON),
        "the title field does not hold the lesson's title"
    );
    title.clear().await?;
    title.send_keys(NEW_TITLE).await?;
    // Typing into a field that is not focused puts the caret after its text.
    let body = c.find(Locator::Id("body_md")).await?;
    body.send_keys(&format!("\n\n{SENTENCE}\n")).await?;
    let typed = body.prop("value").await?.unwrap_or_default();
    ensure!(
        typed.trim_end().ends_with(SENTENCE),
        "the sentence was not appended to the text: …{:?}",
        tail(&typed)
    );

    click_button(c, "Preview").await?;
    let preview = wait_text(c, "section.preview", SENTENCE).await?;
    ensure!(
        preview.contains("Preview (not saved)"),
        "preview panel: {preview}"
    );
    let paragraph = c
        .find(Locator::XPath(&format!(
            "//section[contains(@class,'preview')]//p[contains(., '{SENTENCE}')]"
        )))
        .await
        .context("the sentence is not rendered as a paragraph in the preview")?;
    ensure!(paragraph.text().await?.trim() == SENTENCE);
    // The preview keeps the edits in the form and saves nothing.
    ensure!(field_value(c, "title").await? == NEW_TITLE);
    ensure!(lesson_version(c).await? == version_before, "preview saved");

    // ---------------------------------------------------------- save
    click_button(c, "Save").await?;
    let notice = wait_text(c, "p.alert-ok", "Saved as version").await?;
    let saved_version = lesson_version(c).await?;
    ensure!(
        saved_version > version_before && notice.contains(&format!("version {saved_version}")),
        "after saving: notice {notice:?}, version {saved_version}, before {version_before}"
    );
    expect_heading(c, &format!("Edit “{NEW_TITLE}”")).await?;

    click_link(c, "view page").await?;
    expect_heading(c, NEW_TITLE).await?;
    // Preview and Save submitted the form, and the saved form left unchanged:
    // none of those asked.
    ensure!(
        driver.prompts().len() == 1,
        "a prompt after the first: {:?}",
        driver.prompts()
    );
    let page = c.find(Locator::Css("article.lesson")).await?.text().await?;
    ensure!(
        page.contains(SENTENCE),
        "the public page lacks the new sentence"
    );

    // ---------------------------------------------------------- history, restore
    click_link(c, "Edit this lesson").await?;
    expect_heading(c, &format!("Edit “{NEW_TITLE}”")).await?;
    click_link(c, "history").await?;
    expect_heading(c, &format!("History of “{NEW_TITLE}”")).await?;
    let rows = c.find_all(Locator::Css("table.data tbody tr")).await?;
    ensure!(rows.len() >= 2, "history lists {} revision(s)", rows.len());
    // The oldest revision: the lowest version (the table lists newest first).
    let mut oldest = None;
    for row in rows {
        let cells = row.find_all(Locator::Css("td")).await?;
        // The first cell reads "version 3" (and "current" on the live one).
        let version: i32 = cells
            .first()
            .ok_or_else(|| anyhow!("a history row without a version cell"))?
            .text()
            .await?
            .split_whitespace()
            .nth(1)
            .ok_or_else(|| anyhow!("a version cell without a number"))?
            .parse()?;
        if oldest.as_ref().is_none_or(|(v, _)| version < *v) {
            oldest = Some((version, row));
        }
    }
    let (oldest_version, row) = oldest.ok_or_else(|| anyhow!("no history rows"))?;
    ensure!(oldest_version < saved_version);
    let compare = row.find(Locator::LinkText("Compare with current")).await?;
    click(c, compare, "Compare with current").await?;
    wait_text(c, "h1", &format!("Version {oldest_version} of")).await?;
    let fields = wait_text(c, ".field-changes", NEW_TITLE).await?;
    ensure!(
        fields.contains(LESSON),
        "the revision page does not name both titles: {fields:?}"
    );
    wait_text(c, ".diff-added", SENTENCE)
        .await
        .context("the diff does not show the added sentence")?;
    docs_screenshot(c, "admin-history.png").await?;

    click_button(c, &format!("Restore version {oldest_version}")).await?;
    let notice = wait_text(c, "p.alert-ok", "Saved as version").await?;
    let restored_version = lesson_version(c).await?;
    ensure!(
        restored_version > saved_version,
        "restore notice {notice:?}: version {restored_version}"
    );
    expect_heading(c, &format!("Edit “{LESSON}”")).await?;
    ensure!(field_value(c, "title").await? == LESSON);
    ensure!(!field_value(c, "body_md").await?.contains(SENTENCE));

    click_link(c, "view page").await?;
    expect_heading(c, LESSON).await?;
    let page = c.find(Locator::Css("article.lesson")).await?.text().await?;
    ensure!(
        !page.contains(SENTENCE),
        "the restored public page still has the new sentence"
    );
    Ok(())
}

// ------------------------------------------------------------------ page helpers

/// Saves the page as one of the README's pictures, when
/// `LECTERN_SCREENSHOTS` names the folder to write them to.
pub(crate) async fn docs_screenshot(c: &Client, name: &str) -> Result<()> {
    if let Some(dir) = std::env::var_os("LECTERN_SCREENSHOTS") {
        std::fs::write(Path::new(&dir).join(name), c.screenshot().await?)?;
    }
    Ok(())
}

/// Keeps a screenshot and the HTML of the page a failed run ended on.
pub(crate) async fn save_evidence(c: &Client) -> String {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let png = dir.join("browser-failure.png");
    let html = dir.join("browser-failure.html");
    let url = c.current_url().await.map(|u| u.to_string());
    let shot = match c.screenshot().await {
        Ok(bytes) => std::fs::write(&png, bytes).map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    let source = match c.source().await {
        Ok(text) => std::fs::write(&html, text).map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    format!(
        "the browser was at {url:?}; screenshot {}: {shot:?}; page source {}: {source:?}",
        png.display(),
        html.display()
    )
}

/// Scrolls `el` into view at once (as a reader would before clicking), then clicks it.
pub(crate) async fn click(c: &Client, el: Element, what: &str) -> Result<()> {
    let arg = serde_json::to_value(&el)?;
    c.execute(
        "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});",
        vec![arg],
    )
    .await
    .with_context(|| format!("scroll to {what}"))?;
    el.click().await.with_context(|| format!("click {what}"))
}

/// Polls until `css` matches an element whose text contains `needle`; returns that text.
pub(crate) async fn wait_text(c: &Client, css: &str, needle: &str) -> Result<String> {
    let deadline = Instant::now() + WAIT;
    let mut last = String::new();
    loop {
        for el in c.find_all(Locator::Css(css)).await.unwrap_or_default() {
            // The page may be replaced between finding and reading.
            if let Ok(text) = el.text().await {
                if text.contains(needle) {
                    return Ok(text);
                }
                last = text;
            }
        }
        if Instant::now() > deadline {
            let url = c.current_url().await.map(|u| u.to_string());
            bail!(
                "no `{css}` containing {needle:?} within {WAIT:?} (at {url:?}; last `{css}` text: {:?})",
                tail(&last)
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until the browser has opened `n` prompts; returns them all.
pub(crate) async fn wait_for_prompts(
    driver: &ChromeDriver,
    n: usize,
) -> Result<Vec<(String, String)>> {
    let deadline = Instant::now() + WAIT;
    loop {
        let prompts = driver.prompts();
        if prompts.len() >= n {
            return Ok(prompts);
        }
        if Instant::now() > deadline {
            bail!(
                "{} prompt(s) within {WAIT:?}, not {n}: {prompts:?}",
                prompts.len()
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits for the page's `h1` to read exactly `text`.
pub(crate) async fn expect_heading(c: &Client, text: &str) -> Result<()> {
    let deadline = Instant::now() + WAIT;
    loop {
        let h1 = match c.find(Locator::Css("h1")).await {
            Ok(el) => el.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if h1.trim() == text {
            return Ok(());
        }
        if Instant::now() > deadline {
            let url = c.current_url().await.map(|u| u.to_string());
            let main = match c.find(Locator::Css("main")).await {
                Ok(el) => el.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            bail!(
                "expected the heading {text:?}, the page (at {url:?}) shows {h1:?}: {:?}",
                main.chars().take(500).collect::<String>()
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub(crate) async fn expect_path(c: &Client, path: &str) -> Result<()> {
    let url = c.current_url().await?;
    ensure!(url.path() == path, "expected to be at {path}, at {url}");
    Ok(())
}

pub(crate) async fn type_into(c: &Client, css: &str, text: &str) -> Result<()> {
    let field = c
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css(css))
        .await
        .with_context(|| format!("no field `{css}`"))?;
    click(c, field.clone(), &format!("the field `{css}`")).await?;
    field.send_keys(text).await?;
    Ok(())
}

pub(crate) async fn click_button(c: &Client, label: &str) -> Result<()> {
    let button = c
        .wait()
        .at_most(WAIT)
        .for_element(Locator::XPath(&format!(
            "//button[normalize-space(.)='{label}']"
        )))
        .await
        .with_context(|| format!("no button {label:?}"))?;
    click(c, button, &format!("the button {label:?}")).await
}

pub(crate) async fn click_link(c: &Client, text: &str) -> Result<()> {
    let link = c
        .wait()
        .at_most(WAIT)
        .for_element(Locator::LinkText(text))
        .await
        .with_context(|| format!("no link {text:?}"))?;
    click(c, link, &format!("the link {text:?}")).await
}

pub(crate) async fn field_value(c: &Client, id: &str) -> Result<String> {
    Ok(c.find(Locator::Id(id))
        .await?
        .prop("value")
        .await?
        .unwrap_or_default())
}

/// The version the editor's meta line shows ("… version 3 · from …").
pub(crate) async fn lesson_version(c: &Client) -> Result<i32> {
    let meta = c.find(Locator::Css(".lesson-meta")).await?.text().await?;
    meta.split_whitespace()
        .skip_while(|w| *w != "version")
        .nth(1)
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| anyhow!("no version in the editor's meta line {meta:?}"))
}

fn tail(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    chars[chars.len().saturating_sub(120)..].iter().collect()
}

// ------------------------------------------------------------------ processes

/// A child process killed (and reaped) when dropped, with its output kept.
struct Guarded {
    child: Child,
    log: Arc<Mutex<String>>,
    /// Whether the child leads a process group of its own, killed with it.
    group: bool,
}

impl Guarded {
    /// Collects the child's stdout and stderr lines; each stderr line also goes to `lines`.
    /// With `group`, the child leads a new process group, and dropping the guard
    /// kills the whole group (chromedriver's browser outlives a killed chromedriver).
    fn spawn(cmd: &mut Command, lines: Option<mpsc::Sender<String>>, group: bool) -> Guarded {
        let program = format!("{:?}", cmd.get_program());
        #[cfg(unix)]
        if group {
            use std::os::unix::process::CommandExt;
            cmd.process_group(0);
        }
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("start {program}: {e}"));
        let log = Arc::new(Mutex::new(String::new()));
        let stdout = child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>);
        let stderr = child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>);
        for (stream, tx) in [(stdout, None), (stderr, lines)] {
            let Some(stream) = stream else { continue };
            let log = Arc::clone(&log);
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines() {
                    let Ok(line) = line else { break };
                    if let Some(tx) = &tx {
                        let _ = tx.send(line.clone());
                    }
                    let mut log = log.lock().unwrap();
                    log.push_str(&line);
                    log.push('\n');
                }
            });
        }
        Guarded { child, log, group }
    }

    pub(crate) fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().ok().flatten()
    }
}

impl Drop for Guarded {
    fn drop(&mut self) {
        if self.group && cfg!(unix) && self.exited().is_none() {
            // The group's id is the leader's pid; `kill -- -ID` signals them all.
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", self.child.id())])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `lectern` binary serving the fixture on a loopback port.
pub(crate) struct Server {
    process: Guarded,
    pub(crate) base: String,
    pub(crate) setup_path: String,
}

impl Server {
    pub(crate) fn start(f: &Fixture) -> Server {
        let port = free_port();
        let (tx, rx) = mpsc::channel();
        let mut process = Guarded::spawn(
            Command::new(env!("CARGO_BIN_EXE_lectern"))
                .arg("serve")
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .env("DATABASE_URL", &f.db.url)
                .env("ROCKET_CONTENT_DIR", f.content())
                .env(
                    "ROCKET_TEMPLATE_DIR",
                    concat!(env!("CARGO_MANIFEST_DIR"), "/templates"),
                )
                .env("ROCKET_ADDRESS", "127.0.0.1")
                .env("ROCKET_PORT", port.to_string())
                .env("ROCKET_CLI_COLORS", "false")
                .env("NO_COLOR", "1")
                .env("LECTERN_LOG", "info"),
            Some(tx),
            false,
        );
        let base = format!("http://127.0.0.1:{port}");

        // The setup link is logged once, at start-up, before the server listens.
        let deadline = Instant::now() + WAIT;
        let setup_path = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left.min(Duration::from_millis(200))) {
                Ok(line) => {
                    if let Some(path) = setup_path_in(&line) {
                        break path;
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) if Instant::now() < deadline => {}
                Err(_) => panic!(
                    "lectern printed no /admin/setup/<token> link within {WAIT:?} (exit: {:?})\n{}",
                    process.exited(),
                    process.log()
                ),
            }
        };

        let deadline = Instant::now() + WAIT;
        while http_status(port, "/healthz") != Some(200) {
            if let Some(status) = process.exited() {
                panic!("lectern exited ({status}):\n{}", process.log());
            }
            assert!(
                Instant::now() < deadline,
                "lectern did not answer /healthz with 200 within {WAIT:?}:\n{}",
                process.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Server {
            process,
            base,
            setup_path,
        }
    }

    pub(crate) fn log(&self) -> String {
        self.process.log()
    }
}

/// `/admin/setup/<hex token>` from a log line, if it holds one.
fn setup_path_in(line: &str) -> Option<String> {
    const MARK: &str = "/admin/setup/";
    let start = line.find(MARK)? + MARK.len();
    let token: String = line[start..]
        .chars()
        .take_while(|c| c.is_ascii_hexdigit())
        .collect();
    (!token.is_empty()).then(|| format!("{MARK}{token}"))
}

/// The status code of a plain GET, or None when nothing answers yet.
fn http_status(port: u16, path: &str) -> Option<u16> {
    let mut stream =
        TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_secs(1)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut head = String::new();
    BufReader::new(stream).read_line(&mut head).ok()?;
    head.split_whitespace().nth(1)?.parse().ok()
}

/// chromedriver on a loopback port, logging the browser's events to a file.
pub(crate) struct ChromeDriver {
    process: Guarded,
    url: String,
    logs: tempfile::TempDir,
}

impl ChromeDriver {
    pub(crate) fn start() -> ChromeDriver {
        let port = free_port();
        let logs = tempfile::tempdir().expect("a folder for chromedriver's log");
        let mut process = Guarded::spawn(
            Command::new(chromedriver())
                .arg(format!("--port={port}"))
                .arg("--verbose")
                .arg(format!(
                    "--log-path={}",
                    logs.path().join("chromedriver.log").display()
                )),
            None,
            true,
        );
        let deadline = Instant::now() + WAIT;
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Some(status) = process.exited() {
                panic!("chromedriver exited ({status}):\n{}", process.log());
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not listen on port {port} within {WAIT:?}:\n{}",
                process.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        ChromeDriver {
            process,
            url: format!("http://127.0.0.1:{port}"),
            logs,
        }
    }

    /// A session of headless Chromium with a fresh profile under `scratch`.
    pub(crate) async fn connect(&self, scratch: &Path, javascript: bool) -> Client {
        self.connect_with(scratch, javascript, &[]).await
    }

    /// The same, with more command-line switches for Chromium (such as
    /// `--force-dark-mode`, for a reader whose system prefers dark).
    pub(crate) async fn connect_with(
        &self,
        scratch: &Path,
        javascript: bool,
        switches: &[&str],
    ) -> Client {
        let profile = scratch.join("chromium-profile");
        std::fs::create_dir_all(&profile).unwrap();
        let mut args = vec![
            "--headless=new".to_string(),
            "--no-sandbox".to_string(),
            "--disable-gpu".to_string(),
            "--disable-dev-shm-usage".to_string(),
            "--disable-background-networking".to_string(),
            "--disable-component-update".to_string(),
            "--no-first-run".to_string(),
            "--disable-sync".to_string(),
            // The site scrolls smoothly unless the reader prefers reduced
            // motion; an animated scroll makes WebDriver clicks miss.
            "--force-prefers-reduced-motion".to_string(),
            "--window-size=1280,1024".to_string(),
            format!("--user-data-dir={}", profile.display()),
        ];
        args.extend(switches.iter().map(|s| s.to_string()));
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium(),
                "args": args,
                // 2 = block: the reader with JavaScript turned off.
                "prefs": { "profile.managed_default_content_settings.javascript": if javascript { 1 } else { 2 } },
            },
        });
        let serde_json::Value::Object(caps) = caps else {
            unreachable!()
        };
        // Both of rustls' crypto back-ends are compiled in (sqlx: ring; hyper-rustls:
        // aws-lc-rs), so it cannot choose one alone. Err: one is already installed.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let connect = async {
            ClientBuilder::rustls()
                .expect("TLS set-up for the WebDriver client")
                .capabilities(caps)
                .connect(&self.url)
                .await
        };
        match tokio::time::timeout(WAIT, connect).await {
            Ok(Ok(client)) => client,
            Ok(Err(e)) => panic!(
                "chromedriver could not start {}: {e}\n{}",
                chromium().display(),
                self.log()
            ),
            Err(_) => panic!("no browser session within {WAIT:?}\n{}", self.log()),
        }
    }

    /// The end of chromedriver's log (it is verbose), and its own output.
    pub(crate) fn log(&self) -> String {
        let log =
            std::fs::read_to_string(self.logs.path().join("chromedriver.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        format!(
            "{}\n{}",
            lines[lines.len().saturating_sub(200)..].join("\n"),
            self.process.log()
        )
    }

    /// Every prompt the browser has opened, as (type, page URL): the
    /// `Page.javascriptDialogOpening` events in chromedriver's log.
    fn prompts(&self) -> Vec<(String, String)> {
        const EVENT: &str = "DevTools WebSocket Event: Page.javascriptDialogOpening";
        let log =
            std::fs::read_to_string(self.logs.path().join("chromedriver.log")).unwrap_or_default();
        log.split(EVENT)
            .skip(1)
            .map(|event| {
                let event = &event[..event.find("\n}").unwrap_or(event.len())];
                let field = |name: &str| {
                    let key = format!("\"{name}\": \"");
                    event
                        .lines()
                        .find_map(|l| l.trim().strip_prefix(key.as_str()))
                        .map(|v| v.trim_end_matches(',').trim_end_matches('"').to_string())
                        .unwrap_or_default()
                };
                (field("type"), field("url"))
            })
            .collect()
    }
}
