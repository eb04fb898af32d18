//! Users (admins only): list, add, change role, disable and enable.

use rocket::form::FromForm;
use rocket::http::Status;
use rocket::response::{content::RawHtml, Redirect};
use rocket::{get, post, routes, Route, State};
use rocket_dyn_templates::Template;
use serde::Serialize;

use crate::accounts::{audit, users, AccountError, SessionUser};
use crate::db::entity::Role;
use crate::db::Db;
use crate::web::auth::Admin;
use crate::web::templates::SiteView;

use super::lesson_pages::EditResponse;
use super::{check_csrf, page, render, AdminError, AdminForm, AdminPage, CsrfToken};

pub fn routes() -> Vec<Route> {
    routes![list, add, change]
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
    site: &State<SiteView>,
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
    form: AdminForm<AddForm>,
    user: Admin,
    db: &State<Db>,
    site: &State<SiteView>,
) -> Result<EditResponse, AdminError> {
    check_csrf(&user.0, &form.csrf)?;
    let role = Role::parse(&form.role).unwrap_or(Role::Editor);
    let username = form.username.trim().to_lowercase();
    match users::create(
        db.inner(),
        &username,
        &form.display_name,
        role,
        &form.password,
    )
    .await
    {
        Ok(created) => {
            audit::record(
                db.inner(),
                &user.0.username,
                "user.create",
                &created.username,
                &format!("{role:?}"),
            )
            .await?;
            Ok(EditResponse::Redirect(Redirect::to("/admin/users")))
        }
        Err(e @ (AccountError::Invalid(_) | AccountError::UsernameTaken(_))) => {
            Ok(EditResponse::Page(
                view(
                    db.inner(),
                    site,
                    &user.0,
                    Some(e.to_string()),
                    Status::UnprocessableEntity,
                )
                .await?,
            ))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(FromForm)]
struct ChangeForm {
    csrf: CsrfToken,
    /// `role`, `disable` or `enable`.
    action: String,
    role: Option<String>,
}

#[post("/users/<id>", data = "<form>")]
async fn change(
    id: i32,
    form: AdminForm<ChangeForm>,
    user: Admin,
    db: &State<Db>,
    site: &State<SiteView>,
) -> Result<EditResponse, AdminError> {
    check_csrf(&user.0, &form.csrf)?;
    let target = users::by_id(db.inner(), id)
        .await?
        .ok_or(AdminError::NotFound)?;
    let refuse = |msg: &str| {
        view(
            db.inner(),
            site,
            &user.0,
            Some(msg.to_string()),
            Status::UnprocessableEntity,
        )
    };
    let last_admin =
        target.role == Role::Admin && users::other_active_admins(db.inner(), id).await? == 0;
    match form.action.as_str() {
        "role" => {
            let role = form
                .role
                .as_deref()
                .and_then(Role::parse)
                .unwrap_or(Role::Editor);
            if role != Role::Admin && last_admin {
                return Ok(EditResponse::Page(
                    refuse("The last admin cannot become an editor.").await?,
                ));
            }
            users::set_role(db.inner(), id, role).await?;
            audit::record(
                db.inner(),
                &user.0.username,
                "user.role",
                &target.username,
                &format!("{role:?}"),
            )
            .await?;
        }
        "disable" => {
            if id == user.0.id || last_admin {
                return Ok(EditResponse::Page(
                    refuse("You cannot disable yourself or the last admin.").await?,
                ));
            }
            users::set_disabled(db.inner(), id, true).await?;
            audit::record(
                db.inner(),
                &user.0.username,
                "user.disable",
                &target.username,
                "",
            )
            .await?;
        }
        "enable" => {
            users::set_disabled(db.inner(), id, false).await?;
            audit::record(
                db.inner(),
                &user.0.username,
                "user.enable",
                &target.username,
                "",
            )
            .await?;
        }
        _ => return Ok(EditResponse::Page(refuse("Unknown action.").await?)),
    }
    Ok(EditResponse::Redirect(Redirect::to("/admin/users")))
}
