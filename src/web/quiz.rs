//! Checking a learner's answers: `POST /<course>/<lesson>/quiz/<n>` grades
//! the lesson's `n`th quiz on the server ([`crate::markdown::quiz::grade`])
//! and answers with the lesson page showing the result, or, for the site's
//! script (which asks for JSON), with the graded quiz alone, to put in place.
//!
//! Nothing is stored and nobody needs an account. The answers are never
//! cached: the response is `no-store` and never enters the page cache.

use rocket::data::{Data, ToByteUnit};
use rocket::http::Header;
use rocket::request::{FromRequest, Outcome, Request};
use rocket::response::content::RawHtml;
use rocket::serde::json::Json;
use rocket::{post, routes, Responder, Route, State};
use rocket_dyn_templates::Template;
use serde::Serialize;
use serde_json::{json, Value};

use crate::base::clock::Clock;
use crate::db::{courses, lessons, Db};
use crate::markdown::quiz::{self, Outcome as Graded};
use crate::markdown::slug;

use super::auth::Viewer;
use super::error::WebError;
use super::pages::{self, Audience, LessonPage};
use super::templates::SiteView;

pub fn routes() -> Vec<Route> {
    routes![check]
}

/// The most a posted answer form may hold.
const MAX_FORM_KIB: u64 = 256;

/// The request asks for JSON (the site's script does).
struct WantsJson(bool);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for WantsJson {
    type Error = std::convert::Infallible;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        let json = req
            .headers()
            .get("Accept")
            .any(|accept| accept.contains("application/json"));
        Outcome::Success(WantsJson(json))
    }
}

#[derive(Responder)]
enum Checked {
    Page(Box<RawHtml<Template>>, Header<'static>),
    Json(Json<Value>, Header<'static>),
    #[response(status = 413)]
    TooLarge(&'static str),
}

fn no_store() -> Header<'static> {
    Header::new("Cache-Control", "no-store")
}

#[derive(Serialize)]
struct WithSite<'a> {
    site: &'a SiteView,
    #[serde(flatten)]
    view: LessonPage,
}

/// `name=value&…` as posted, names and values decoded.
fn form_fields(body: &str) -> Vec<(String, String)> {
    let decode = |s: &str| {
        rocket::http::RawStr::new(&s.replace('+', " "))
            .url_decode_lossy()
            .into_owned()
    };
    body.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(name), decode(value))
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
// Ranked below the admin's routes (`/admin/media/<id>/delete` has this shape too).
#[post("/<course>/<lesson>/quiz/<n>", data = "<body>", rank = 10)]
async fn check(
    course: &str,
    lesson: &str,
    n: usize,
    body: Data<'_>,
    viewer: Viewer,
    wants: WantsJson,
    db: &State<Db>,
    site: &State<SiteView>,
    clock: &State<Clock>,
) -> Result<Checked, WebError> {
    for s in [course, lesson] {
        slug::validate(s).map_err(|_| WebError::NotFound)?;
    }
    let body = match body.open(MAX_FORM_KIB.kibibytes()).into_string().await {
        Ok(text) if text.is_complete() => text.into_inner(),
        Ok(_) => return Ok(Checked::TooLarge("Too many answers in one form.")),
        Err(_) => return Err(WebError::NotFound),
    };
    let fields = form_fields(&body);
    let who = if viewer.0.is_some() {
        Audience::Editor
    } else {
        Audience::Public
    };
    let now = clock.now();
    let db = db.inner();
    let mut page = pages::lesson(db, site, course, lesson, now, who).await?;
    // The questions as the lesson's text has them now: the key never leaves
    // the server except for the questions answered.
    let course_row = courses::by_slug(db, course)
        .await?
        .ok_or(WebError::NotFound)?;
    let row = lessons::by_slug(db, course_row.id, lesson, now, who == Audience::Editor)
        .await?
        .ok_or(WebError::NotFound)?;
    let quizzes = quiz::blocks(&row.body_md, 1);
    let (questions, _) = n
        .checked_sub(1)
        .and_then(|i| quizzes.get(i))
        .ok_or(WebError::NotFound)?;
    let graded = quiz::grade(questions, &fields);
    let url = page.page.canonical.clone();
    let html = quiz::html::graded(questions, n, &url, &graded);
    if wants.0 {
        let results: serde_json::Map<String, Value> = questions
            .questions
            .iter()
            .zip(&graded.questions)
            .map(|(q, g)| {
                let outcome = match g.outcome {
                    Graded::Right => "right",
                    Graded::Wrong => "wrong",
                    Graded::Unanswered => "unanswered",
                };
                (q.id.clone(), json!(outcome))
            })
            .collect();
        return Ok(Checked::Json(
            Json(json!({
                "quiz": n,
                "right": graded.right,
                "total": graded.total(),
                "results": results,
                "html": html,
            })),
            no_store(),
        ));
    }
    page.lesson.body_html =
        quiz::replace_quizzes(&page.lesson.body_html, |i| (i == n).then(|| html.clone()));
    let view = WithSite { site, view: page };
    Ok(Checked::Page(
        Box::new(RawHtml(Template::render("site/lesson", view))),
        no_store(),
    ))
}

#[cfg(test)]
mod tests {
    use super::form_fields;

    #[test]
    fn posted_fields_are_decoded() {
        assert_eq!(
            form_fields("answer-a=1&answer-b=node+--version&answer-c=%3Cb%3E%2B&empty"),
            vec![
                ("answer-a".to_string(), "1".to_string()),
                ("answer-b".to_string(), "node --version".to_string()),
                ("answer-c".to_string(), "<b>+".to_string()),
                ("empty".to_string(), String::new()),
            ]
        );
    }
}
