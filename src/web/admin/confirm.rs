//! The page that asks before a change that is hard to undo (archiving a
//! lesson, disabling a user). The button that leads to the change is a link
//! here; this page says what will happen and holds the real form, which
//! sends `confirm=yes`. A POST without it shows this page instead of acting,
//! so an old form or a stray request cannot skip the question.

use rocket::form::FromFormField;
use rocket::response::content::RawHtml;
use rocket_dyn_templates::Template;
use serde::Serialize;

use crate::accounts::SessionUser;
use crate::web::templates::SiteView;

use super::{page, render, AdminPage};

/// The `confirm` field of a form that changes something hard to undo: only
/// the exact value `yes` counts (a missing field parses as "not confirmed").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Confirmed(pub(super) bool);

#[rocket::async_trait]
impl<'v> FromFormField<'v> for Confirmed {
    fn from_value(field: rocket::form::ValueField<'v>) -> rocket::form::Result<'v, Self> {
        Ok(Confirmed(field.value == "yes"))
    }

    fn default() -> Option<Self> {
        Some(Confirmed(false))
    }
}

/// What the confirm page says and sends.
pub(super) struct Question {
    /// The page's heading, a question: "Archive “Install Node.js”?".
    pub(super) title: String,
    /// What will happen, in sentences.
    pub(super) explain: Vec<String>,
    /// Where the real form posts.
    pub(super) action: String,
    /// Hidden fields besides `csrf` and `confirm`.
    pub(super) fields: Vec<(&'static str, String)>,
    /// The real button's label: "Archive the lesson".
    pub(super) button: String,
    /// Where Cancel leads.
    pub(super) cancel: String,
}

pub(super) fn confirm_page(site: &SiteView, user: &SessionUser, q: Question) -> RawHtml<Template> {
    #[derive(Serialize)]
    struct View {
        page: AdminPage,
        explain: Vec<String>,
        action: String,
        fields: Vec<(&'static str, String)>,
        button: String,
        cancel: String,
    }
    let path = q.action.clone();
    render(
        "admin/confirm",
        site,
        user,
        View {
            page: page(q.title, path),
            explain: q.explain,
            action: q.action,
            fields: q.fields,
            button: q.button,
            cancel: q.cancel,
        },
    )
}
