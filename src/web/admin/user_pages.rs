//! Users (admins only): list, add, change role, disable (after a confirm
//! page) and enable.

use rocket::form::FromForm;
use rocket::http::Status;
use rocket::response::{content::RawHtml, Redirect};
use rocket::{get, post, routes, Route, State};
use rocket_dyn_templates::Template;
use serde::Serialize;

use crate::accounts::users::{self, Actor, Change};
use crate::accounts::{AccountError, SessionUser};
use crate::db::entity::Role;
use crate::db::Db;
use crate::web::auth::Admin;
use crate::web::templates::SiteView;

use super::confirm::{confirm_page, Confirmed, Question};
use super::lesson_pages::EditResponse;
use super::{carries_csrf, CsrfForm};
use super::{page, render, AdminError, AdminPage, CsrfToken};

pub(super) fn routes() -> Vec<Route> {
    routes![list, add, disable_page, change]
}

#[derive(Serialize)]
struct Row {
    id: i32,
    username: String,
    display_name: String,
    role: Role,
    disabled: bool,
    is_me: bool,
}

async fn view(
    db: &Db,
    site: &SiteView,
    me: &SessionUser,
    error: Option<String>,
    status: Status,
) -> Result<(Status, RawHtml<Template>), AdminError> {
    let rows = users::all(db)
        .await?
        .into_iter()
        .map(|u| Row {
            is_me: u.id == me.id,
            id: u.id,
            username: u.username,
            display_name: u.display_name,
            role: u.role,
            disabled: u.disabled,
        })
        .collect();
    #[derive(Serialize)]
    struct View {
        page: AdminPage,
        users: Vec<Row>,
        error: Option<String>,
    }
    Ok((
        status,
        render(
            "admin/users",
            site,
            me,
            View {
                page: page("Users", "/admin/users"),
                users: rows,
                error,
            },
        ),
    ))
}

#[get("/users")]
async fn list(
    user: Admin,
    db: &State<Db>,
    site: &State<SiteView>,
) -> Result<(Status, RawHtml<Template>), AdminError> {
    view(db.inner(), site, &user.0, None, Status::Ok).await
}

#[derive(FromForm)]
struct AddForm {
    csrf: CsrfToken,
    username: String,
    display_name: String,
    role: String,
    password: String,
}

#[post("/users/new", data = "<form>")]
async fn add(
    form: CsrfForm<AddForm>,
    user: Admin,
    db: &State<Db>,
    site: &State<SiteView>,
) -> Result<EditResponse, AdminError> {
    let Some(role) = Role::parse(&form.role) else {
        return refused(db.inner(), site, &user.0, "Choose a role.".into()).await;
    };
    let (username, name, password) = (&form.username, &form.display_name, &form.password);
    match users::add(db.inner(), actor(&user), username, name, role, password).await {
        Ok(_) => Ok(EditResponse::Redirect(Redirect::to("/admin/users"))),
        Err(e @ (AccountError::Invalid(_) | AccountError::UsernameTaken(_))) => {
            refused(db.inner(), site, &user.0, capitalised(&e.to_string())).await
        }
        Err(e) => Err(e.into()),
    }
}

fn actor(user: &Admin) -> Actor<'_> {
    Actor::Admin {
        id: user.0.id,
        username: &user.0.username,
    }
}

/// The user list again, saying why a change was refused (422).
async fn refused(
    db: &Db,
    site: &SiteView,
    me: &SessionUser,
    why: String,
) -> Result<EditResponse, AdminError> {
    let page = view(db, site, me, Some(why), Status::UnprocessableEntity).await?;
    Ok(EditResponse::Page(page))
}

/// "Disable the account of …?": what disabling does, with the real button.
#[get("/users/<id>/disable")]
async fn disable_page(
    id: i32,
    user: Admin,
    db: &State<Db>,
    site: &State<SiteView>,
) -> Result<EditResponse, AdminError> {
    if id == user.0.id {
        let why = "You cannot disable yourself.".to_string();
        return refused(db.inner(), site, &user.0, why).await;
    }
    let target = users::by_id(db.inner(), id)
        .await?
        .ok_or(AdminError::NotFound)?;
    if target.disabled {
        return Ok(EditResponse::Redirect(Redirect::to("/admin/users")));
    }
    Ok(EditResponse::Page((
        Status::Ok,
        disable_question(site, &user.0, &target),
    )))
}

fn disable_question(site: &SiteView, me: &SessionUser, target: &users::User) -> RawHtml<Template> {
    let name = &target.display_name;
    let q = Question {
        title: format!("Disable the account of {name} ({})?", target.username),
        explain: vec![
            format!(
                "{name} will be logged out at once and cannot log in until an admin \
                 enables the account again."
            ),
            "Nothing they wrote changes: their lessons, history and audit entries stay."
                .to_string(),
        ],
        action: format!("/admin/users/{}", target.id),
        fields: vec![("action", "disable".to_string())],
        button: format!("Disable {name}"),
        cancel: "/admin/users".to_string(),
    };
    confirm_page(site, me, q)
}

#[derive(FromForm)]
struct ChangeForm {
    csrf: CsrfToken,
    /// `role`, `disable` or `enable`.
    action: String,
    role: Option<String>,
    /// `yes` from the confirm page; disabling without it asks first.
    confirm: Confirmed,
}

#[post("/users/<id>", data = "<form>")]
async fn change(
    id: i32,
    form: CsrfForm<ChangeForm>,
    user: Admin,
    db: &State<Db>,
    site: &State<SiteView>,
) -> Result<EditResponse, AdminError> {
    let change = match form.action.as_str() {
        "role" => match form.role.as_deref().and_then(Role::parse) {
            Some(role) => Change::Role(role),
            None => return refused(db.inner(), site, &user.0, "Choose a role.".into()).await,
        },
        "disable" if !form.confirm.0 => {
            let target = users::by_id(db.inner(), id)
                .await?
                .ok_or(AdminError::NotFound)?;
            let page = disable_question(site, &user.0, &target);
            return Ok(EditResponse::Page((Status::Ok, page)));
        }
        "disable" => Change::Disable,
        "enable" => Change::Enable,
        _ => return refused(db.inner(), site, &user.0, "Unknown action.".into()).await,
    };
    match users::change(db.inner(), actor(&user), id, change).await {
        Ok(_) => Ok(EditResponse::Redirect(Redirect::to("/admin/users"))),
        Err(AccountError::NoSuchUser(_)) => Err(AdminError::NotFound),
        Err(AccountError::Refused(why)) => {
            refused(db.inner(), site, &user.0, capitalised(why)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// A refusal as a sentence on the page.
fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
        None => String::new(),
    }
}

carries_csrf!(AddForm, ChangeForm);
