//! Self-check questions: a `quiz` block is a plain form the server grades.
//! The page holds no answer before the learner answers; search, feeds, the
//! sitemap and page metadata never do; every channel reports a malformed
//! block with its line; export writes the block back as written.

use rocket::http::{Accept, ContentType, Status};
use rocket::local::asynchronous::Client;

use crate::admin::{admin_site, edit_form, lesson_id, with};
use crate::common::{course, form, get, lesson, post, Fixture};

const QUIZ: &str = "\
Read about **status codes** first.

## Check yourself

```quiz
? Which code means the server has nothing at that path? {#not-found}
! Think of the four hundreds.
- [ ] 200
- [x] 404
- [ ] 500
> Quokkaword: the path names nothing the server knows.

? Which of these run on the server? (choose all that apply) {#server-side}
- [x] Zebrafinch
- [ ] CSS
- [x] PHP
> Marmosetword: CSS styles pages in the browser.

? What command prints the installed Node.js version? {#version}
= node --version
= node -v
> Either form works, says the wombatword.
```
";

/// Words only the answers and explanations hold.
const SECRETS: [&str; 4] = ["Quokkaword", "Marmosetword", "wombatword", "node -v"];

async fn quiz_site() -> (Fixture, Client) {
    let f = Fixture::new().await;
    f.write("web/_course.md", course("Web"));
    f.write("web/01-codes.md", lesson("Status codes", QUIZ));
    let client = f.client().await;
    (f, client)
}

async fn answer(
    client: &Client,
    fields: &[(&str, &str)],
    json: bool,
) -> (Status, Option<String>, String) {
    let mut req = client
        .post("/web/codes/quiz/1")
        .header(ContentType::Form)
        .body(form(fields));
    if json {
        req = req.header(Accept::JSON);
    }
    let res = req.dispatch().await;
    let status = res.status();
    let cache = res.headers().get_one("Cache-Control").map(str::to_string);
    (status, cache, res.into_string().await.unwrap_or_default())
}

/// The option lines of a form, with each option's value and text taken out:
/// what would tell a right option from a wrong one.
fn option_shapes(html: &str) -> Vec<String> {
    html.lines()
        .filter(|l| l.starts_with("<li><label><input"))
        .map(|l| {
            let value_at = l.find("value=\"").unwrap() + 7;
            let value_end = value_at + l[value_at..].find('"').unwrap();
            let text_at = l.find("<span>").unwrap() + 6;
            let text_end = l.find("</span>").unwrap();
            format!(
                "{}{}{}",
                &l[..value_at],
                &l[value_end..text_at],
                &l[text_end..]
            )
        })
        .collect()
}

#[rocket::async_test]
async fn a_quiz_is_a_form_whose_page_holds_no_answer_and_the_server_grades_it() {
    let (_f, client) = quiz_site().await;
    let (status, page) = get(&client, "/web/codes/").await;
    assert_eq!(status, Status::Ok);
    assert!(
        page.contains("<form class=\"quiz\" id=\"quiz--1\" method=\"post\" action=\"/web/codes/quiz/1#quiz--1\""),
        "{page}"
    );
    assert_eq!(page.matches("<fieldset class=\"quiz-question\"").count(), 3);
    assert_eq!(page.matches("<legend>").count(), 3);
    assert!(page.contains("type=\"radio\" name=\"answer-not-found\""));
    assert!(page.contains("type=\"checkbox\" name=\"answer-server-side\""));
    assert!(page.contains("<label for=\"quiz--1--version--answer\">Your answer</label>"));
    assert!(page.contains(">Check answers</button>"));
    for secret in SECRETS {
        assert!(!page.contains(secret), "{secret} is in the page: {page}");
    }
    // Right and wrong options are written alike.
    let shapes = option_shapes(&page);
    assert_eq!(shapes.len(), 6);
    assert_eq!(shapes[0], shapes[1], "{shapes:#?}");
    assert_eq!(shapes[1], shapes[2], "{shapes:#?}");
    assert_eq!(shapes[3], shapes[4], "{shapes:#?}");
    assert!(!page.contains("correct") && !page.contains("quiz-right"));

    // Answered without a script: the lesson page, graded, never stored.
    let (status, cache, graded) = answer(
        &client,
        &[
            ("answer-not-found", "1"),
            ("answer-server-side", "0"),
            ("answer-version", "  Node   -V "),
        ],
        false,
    )
    .await;
    assert_eq!(status, Status::Ok);
    assert_eq!(cache.as_deref(), Some("no-store"));
    assert!(graded.contains("<title>Status codes · "), "the lesson page");
    assert!(graded.contains("You got 2 of 3 right."), "{graded}");
    assert!(graded.contains("class=\"quiz-question quiz-right\" id=\"quiz--1--not-found\""));
    assert!(graded.contains("class=\"quiz-question quiz-wrong\" id=\"quiz--1--server-side\""));
    assert!(
        graded.contains("name=\"answer-not-found\" value=\"1\" checked"),
        "kept"
    );
    assert!(graded.contains("value=\"  Node   -V \"") || graded.contains("value=\"Node   -V\""));
    assert!(graded.contains("<strong>The right answers:</strong> Zebrafinch, PHP"));
    assert!(graded.contains("Quokkaword") && graded.contains("Marmosetword"));

    // A blank question shows no answer.
    let (_, _, blank) = answer(&client, &[("answer-not-found", "0")], false).await;
    assert!(blank.contains("You got 0 of 3 right. 2 questions were left blank."));
    assert!(
        blank.contains("Quokkaword"),
        "the answered one is explained"
    );
    assert!(!blank.contains("Marmosetword") && !blank.contains("wombatword"));

    // The script's JSON: the graded quiz alone, with each outcome.
    let (status, cache, json) = answer(&client, &[("answer-version", "node -v")], true).await;
    assert_eq!(status, Status::Ok);
    assert_eq!(cache.as_deref(), Some("no-store"));
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["right"], 1);
    assert_eq!(value["total"], 3);
    assert_eq!(value["results"]["version"], "right");
    assert_eq!(value["results"]["not-found"], "unanswered");
    assert!(value["html"]
        .as_str()
        .unwrap()
        .starts_with("<form class=\"quiz\""));

    // The cached page stays unanswered, and there is no other way to the key.
    let (_, again) = get(&client, "/web/codes/").await;
    assert!(!again.contains("You got"));
    let (status, _, _) = answer(&client, &[], false).await;
    assert_eq!(status, Status::Ok, "an empty form is graded as all blank");
    for uri in [
        "/web/codes/quiz/2",
        "/web/codes/quiz/0",
        "/web/nothing/quiz/1",
    ] {
        let res = client.post(uri).header(ContentType::Form).dispatch().await;
        assert_eq!(res.status(), Status::NotFound, "{uri}");
    }
    let res = client.get("/web/codes/quiz/1").dispatch().await;
    assert_eq!(res.status(), Status::NotFound, "no GET of the key");
}

#[rocket::async_test]
async fn answers_never_reach_search_feeds_the_sitemap_or_page_metadata() {
    let (_f, client) = quiz_site().await;
    for word in ["Zebrafinch", "Quokkaword", "wombatword"] {
        let (_, results) = get(&client, &format!("/search?q={word}")).await;
        assert!(results.contains("Nothing found"), "{word}: {results}");
    }
    let (_, results) = get(&client, "/search?q=status").await;
    assert!(
        results.contains("Status codes"),
        "the lesson itself is found"
    );
    for uri in ["/feed.xml", "/web/feed.xml", "/sitemap.xml"] {
        let (status, xml) = get(&client, uri).await;
        assert_eq!(status, Status::Ok, "{uri}");
        for secret in SECRETS.iter().chain(&["Zebrafinch"]) {
            assert!(!xml.contains(secret), "{uri} holds {secret}");
        }
    }
    let (_, page) = get(&client, "/web/codes/").await;
    let head = &page[..page.find("</head>").unwrap()];
    assert!(!head.contains("Zebrafinch") && !head.contains("Which code"));

    // The whole course and print: the questions with empty boxes.
    let (_, all) = get(&client, "/web/all/").await;
    assert!(all.contains("id=\"codes--quiz--1\""), "{all}");
    assert!(!all.contains("<form class=\"quiz\""), "{all}");
    assert!(all.contains("Which code means the server has nothing"));
    assert!(all.contains("disabled"));
    for secret in SECRETS {
        assert!(!all.contains(secret), "{secret} on the whole-course page");
    }
}

const BROKEN: &str = "\
Intro.

```quiz
? A question with no right option
- [ ] one
- [ ] two
what is this line
```
";

#[rocket::async_test]
async fn mistakes_in_a_quiz_are_named_with_their_line_by_sync_check_and_the_admin() {
    let (f, eve) = admin_site("eve").await;
    let db = f.connect().await;
    f.write("backend-dev/09-broken.md", lesson("Broken quiz", BROKEN));
    let report = f.sync(&db).await;
    let found: Vec<String> = report
        .diagnostics
        .iter()
        .filter(|d| d.path.ends_with("09-broken.md") && d.line.is_some())
        .map(|d| format!("line {}: {}", d.line.unwrap_or(0), d.message))
        .collect();
    // And the lesson is not published (strict_links), said once.
    assert!(report
        .diagnostics
        .iter()
        .any(|d| d.path.ends_with("09-broken.md") && d.message.starts_with("not published")));
    // The body starts on file line 6 (four lines of front matter, a blank),
    // so the question is on line 9.
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(
        found[0].starts_with(
            "line 9: no option of the question “A question with no right option” is marked right"
        ),
        "{found:?}"
    );
    assert!(
        found[1].starts_with("line 12: this line is not part of a question"),
        "{found:?}"
    );

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_lectern"))
        .env_remove("DATABASE_URL")
        .env("LECTERN_LOG", "warn")
        .args(["check"])
        .arg(f.content())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{stdout}");
    assert!(
        stdout.contains("09-broken.md:9: error: no option of the question"),
        "{stdout}"
    );

    // The admin: publishing is refused with the same words; the preview
    // shows the answers, to editors only.
    let id = lesson_id(&f, "first-server").await;
    let uri = format!("/admin/lessons/{id}/edit");
    let fields = edit_form(&eve, id).await;
    let (status, _, html) = post(
        &eve,
        &uri,
        &with(&fields, &[("status", "published"), ("body_md", BROKEN)]),
    )
    .await;
    assert_eq!(status, Status::UnprocessableEntity, "{html}");
    assert!(html.contains("line 4: no option of the question"), "{html}");

    let preview: Vec<(String, String)> = fields
        .iter()
        .map(|(k, v)| match k.as_str() {
            "body_md" => (k.clone(), QUIZ.to_string()),
            _ => (k.clone(), v.clone()),
        })
        .collect();
    let pairs: Vec<(&str, &str)> = preview
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let res = eve
        .post("/admin/lessons/preview")
        .header(ContentType::Form)
        .body(form(&pairs))
        .dispatch()
        .await;
    let answer: serde_json::Value =
        serde_json::from_str(&res.into_string().await.unwrap()).unwrap();
    let shown = answer["html"].as_str().unwrap();
    assert!(shown.contains("editors only"), "{shown}");
    assert!(shown.contains("Quokkaword") && shown.contains("(right answer)"));
}

#[rocket::async_test]
async fn export_writes_a_quiz_back_as_written_and_the_next_sync_is_quiet() {
    let (f, eve) = admin_site("eve").await;
    let db = f.connect().await;
    let file = f.content().join("backend-dev/03-first-server.md");
    let before = std::fs::read_to_string(&file).unwrap();
    let start = before
        .find("```quiz")
        .expect("the sample lesson has a quiz");
    let block = &before[start..start + before[start..].find("\n```\n").unwrap() + 5];

    let id = lesson_id(&f, "first-server").await;
    let fields = edit_form(&eve, id).await;
    let body = fields
        .iter()
        .find(|(k, v)| k == "body_md" && !v.is_empty())
        .map(|(_, v)| v.clone())
        .unwrap();
    assert!(body.contains(block));
    let edited = body.replace("Time to write some code.", "Time to write some real code.");
    let (status, _, _) = post(
        &eve,
        &format!("/admin/lessons/{id}/edit"),
        &with(&fields, &[("body_md", &edited)]),
    )
    .await;
    assert_eq!(status, Status::SeeOther);
    lectern::content::export(&db, &f.content()).await.unwrap();
    let after = std::fs::read_to_string(&file).unwrap();
    assert!(after.contains("Time to write some real code."));
    assert!(after.contains(block), "the block as written:\n{after}");
    let report = f.sync(&db).await;
    assert!(
        report.created.is_empty() && report.updated.is_empty(),
        "{:?} {:?}",
        report.created,
        report.updated
    );
    assert!(
        report.diagnostics.is_empty(),
        "quiet: {:?}",
        report.diagnostics
    );
}

mod in_a_browser {
    //! A learner answers the sample course's quiz in headless Chromium, with
    //! JavaScript off (a form post) and on (in place, remembered).

    use anyhow::{ensure, Result};
    use fantoccini::{Client, Locator};

    use crate::browser::{
        click, docs_screenshot, require_browsers, save_evidence, wait_text, ChromeDriver, Server,
    };
    use crate::common::Fixture;

    const LESSON: &str = "/backend-dev/first-server/";

    async fn answer_first_quiz(c: &Client) -> Result<()> {
        // 404 for the missing path (the second option), a typed header
        // name, and the wrong option for the third question.
        let radio = c
            .find(Locator::Css("input[name='answer-missing-path'][value='1']"))
            .await?;
        click(c, radio, "the 404 option").await?;
        let text = c
            .find(Locator::Css("input[name='answer-content-type']"))
            .await?;
        text.send_keys("content-type").await?;
        let wrong = c
            .find(Locator::Css(
                "input[name='answer-second-response'][value='0']",
            ))
            .await?;
        click(c, wrong, "a wrong option").await?;
        let button = c.find(Locator::Css("form.quiz .quiz-submit")).await?;
        click(c, button, "Check answers").await
    }

    async fn graded_as_expected(c: &Client) -> Result<()> {
        let score = wait_text(c, ".quiz-score", "You got 2 of 3 right.").await?;
        ensure!(score.contains("2 of 3"), "{score}");
        let right = c
            .find(Locator::Css("#quiz--1--missing-path .quiz-verdict"))
            .await?
            .text()
            .await?;
        ensure!(right.contains("Right"), "{right}");
        let wrong = c
            .find(Locator::Css("#quiz--1--second-response"))
            .await?
            .text()
            .await?;
        ensure!(
            wrong.contains("Not quite") && wrong.contains("A second response to the same request"),
            "the right answer is shown: {wrong}"
        );
        ensure!(
            wrong.contains("headers were already sent"),
            "with the explanation: {wrong}"
        );
        let kept = c
            .find(Locator::Css("input[name='answer-missing-path'][value='1']"))
            .await?
            .prop("checked")
            .await?;
        ensure!(
            kept.as_deref() == Some("true"),
            "the choice is kept: {kept:?}"
        );
        Ok(())
    }

    async fn without_javascript(c: &Client, base: &str) -> Result<()> {
        c.goto(&format!("{base}{LESSON}")).await?;
        let source = c.source().await?;
        ensure!(
            !source.contains("headers were already sent") && !source.contains("404 Not Found says"),
            "the page holds no explanation before answering"
        );
        answer_first_quiz(c).await?;
        graded_as_expected(c).await?;
        let url = c.current_url().await?;
        ensure!(
            url.path() == format!("{LESSON}quiz/1"),
            "a form post: {url}"
        );
        Ok(())
    }

    async fn with_javascript(c: &Client, base: &str) -> Result<()> {
        c.goto(&format!("{base}{LESSON}")).await?;
        // A marker on the page: a reload would drop it.
        c.execute("window.stayedHere = true;", vec![]).await?;
        answer_first_quiz(c).await?;
        graded_as_expected(c).await?;
        let stayed = c
            .execute("return window.stayedHere === true;", vec![])
            .await?;
        ensure!(
            stayed == serde_json::json!(true),
            "graded in place, no reload"
        );
        ensure!(c.current_url().await?.path() == LESSON);
        docs_screenshot(c, "quiz.png").await?;
        // All right this time: the course outline shows the quiz passed.
        let fix = c
            .find(Locator::Css(
                "input[name='answer-second-response'][value='1']",
            ))
            .await?;
        click(c, fix, "the right option").await?;
        let button = c.find(Locator::Css("form.quiz .quiz-submit")).await?;
        click(c, button, "Check again").await?;
        wait_text(c, ".quiz-score", "You got 3 of 3 right.").await?;
        c.goto(&format!("{base}/backend-dev/")).await?;
        wait_text(
            c,
            "[data-progress-lesson='/backend-dev/first-server/']",
            "quiz passed",
        )
        .await?;
        Ok(())
    }

    #[rocket::async_test]
    async fn a_learner_answers_a_quiz_with_javascript_off_and_on() {
        if !require_browsers() {
            return;
        }
        let f = Fixture::with_sample_content().await;
        let server = Server::start(&f);
        let driver = ChromeDriver::start();
        for (javascript, name) in [(false, "js-off"), (true, "js-on")] {
            let c = driver.connect(&f.dir.path().join(name), javascript).await;
            let outcome = if javascript {
                with_javascript(&c, &server.base).await
            } else {
                without_javascript(&c, &server.base).await
            };
            let evidence = match &outcome {
                Err(_) => save_evidence(&c).await,
                Ok(()) => String::new(),
            };
            let _ = c.close().await;
            if let Err(e) = outcome {
                panic!("quiz with JavaScript {name}: {e:#}\n{evidence}");
            }
        }
    }
}
