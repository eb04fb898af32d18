//! `lectern user add|passwd|disable|enable|role`: manage editors from the
//! shell, within the same rules as the admin panel.

use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;

use clap::{Subcommand, ValueEnum};
use rocket::figment::Figment;

use crate::accounts::users::{self, Actor, Change};
use crate::config::Settings;
use crate::db::{self, entity::Role};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RoleArg {
    Admin,
    Editor,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user (the password is asked for, or read from stdin when piped)
    Add {
        /// Lowercase letters, digits, `.`, `_`, `-`
        name: String,
        /// What the user may do
        #[arg(long, value_enum, default_value = "editor")]
        role: RoleArg,
        /// Shown in the admin (default: the name)
        #[arg(long)]
        display_name: Option<String>,
    },
    /// Set a user's password (ends their sessions)
    Passwd { name: String },
    /// Disable a user: they cannot log in and their sessions end at once
    Disable { name: String },
    /// Enable a disabled user again
    Enable { name: String },
    /// Make a user an admin or an editor (the last admin stays an admin)
    Role {
        name: String,
        #[arg(value_enum)]
        role: RoleArg,
    },
}

impl From<RoleArg> for Role {
    fn from(role: RoleArg) -> Role {
        match role {
            RoleArg::Admin => Role::Admin,
            RoleArg::Editor => Role::Editor,
        }
    }
}

/// Reads a password: twice from the terminal without echo, or one line of stdin.
fn read_password() -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ")?;
        let again = rpassword::prompt_password("Password again: ")?;
        anyhow::ensure!(first == again, "the two passwords differ");
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        Ok(line.trim_end_matches(['\r', '\n']).to_string())
    }
}

pub(super) async fn run(figment: &Figment, command: UserCommand) -> anyhow::Result<ExitCode> {
    let settings = Settings::from_figment(figment)?;
    let db = db::connect(&settings.database_url).await?;
    db::migrate(&db).await?;
    match command {
        UserCommand::Add {
            name,
            role,
            display_name,
        } => {
            let role = role.into();
            let password = read_password()?;
            let display_name = display_name.as_deref().unwrap_or(&name);
            let user = users::add(&db, Actor::Cli, &name, display_name, role, &password).await?;
            println!("created {} ({:?})", user.username, user.role);
        }
        UserCommand::Passwd { name } => {
            let password = read_password()?;
            users::set_password(&db, Actor::Cli, &name, &password).await?;
            println!("password changed for {name}; their sessions have ended");
        }
        UserCommand::Disable { name } => {
            change(&db, &name, Change::Disable).await?;
            println!("disabled {name}; their sessions have ended");
        }
        UserCommand::Enable { name } => {
            change(&db, &name, Change::Enable).await?;
            println!("enabled {name}");
        }
        UserCommand::Role { name, role } => {
            let role = role.into();
            change(&db, &name, Change::Role(role)).await?;
            println!(
                "{name} is now {}",
                if role == Role::Admin {
                    "an admin"
                } else {
                    "an editor"
                }
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Applies a change within the same rules as the admin panel (the last admin
/// stays an admin), with its audit entry.
async fn change(db: &crate::db::Db, name: &str, change: Change) -> anyhow::Result<()> {
    let user = users::by_username(db, name)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no user named {name}"))?;
    users::change(db, Actor::Cli, user.id, change).await?;
    Ok(())
}
