//! SeaORM entities, one file per table. Column meanings are documented here;
//! queries live in `db/<table>.rs`.

pub mod audit_entry;
pub mod course;
pub mod lesson;
pub mod lesson_draft;
pub mod lesson_revision;
pub mod login_attempt;
pub mod login_limit;
pub mod media;
pub mod redirect;
pub mod session;
pub mod setup_token;
pub mod sync_run;
pub mod user;

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// Publication state of a course or lesson.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "lowercase")]
pub enum Status {
    #[default]
    #[sea_orm(string_value = "draft")]
    Draft,
    #[sea_orm(string_value = "published")]
    Published,
    #[sea_orm(string_value = "archived")]
    Archived,
}

/// How much a lesson asks of a learner (front matter's `level`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "lowercase")]
pub enum LessonLevel {
    #[sea_orm(string_value = "beginner")]
    Beginner,
    #[sea_orm(string_value = "intermediate")]
    Intermediate,
    #[sea_orm(string_value = "advanced")]
    Advanced,
}

impl From<crate::markdown::Level> for LessonLevel {
    fn from(level: crate::markdown::Level) -> LessonLevel {
        use crate::markdown::Level;
        match level {
            Level::Beginner => LessonLevel::Beginner,
            Level::Intermediate => LessonLevel::Intermediate,
            Level::Advanced => LessonLevel::Advanced,
        }
    }
}

impl Status {
    /// The name the forms and stored fields use ("draft", "published",
    /// "archived").
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Published => "published",
            Status::Archived => "archived",
        }
    }

    /// The status a form names; anything else is a draft (the safe side).
    pub fn from_name(name: &str) -> Status {
        match name {
            "published" => Status::Published,
            "archived" => Status::Archived,
            _ => Status::Draft,
        }
    }
}

impl LessonLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            LessonLevel::Beginner => "beginner",
            LessonLevel::Intermediate => "intermediate",
            LessonLevel::Advanced => "advanced",
        }
    }
}

/// Where a revision came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    #[sea_orm(string_value = "admin")]
    Admin,
    #[sea_orm(string_value = "git")]
    Git,
    #[sea_orm(string_value = "restore")]
    Restore,
    #[sea_orm(string_value = "conflict")]
    Conflict,
}

/// What started a sync run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "lowercase")]
pub enum SyncOrigin {
    #[sea_orm(string_value = "startup")]
    Startup,
    #[sea_orm(string_value = "cli")]
    Cli,
    #[sea_orm(string_value = "webhook")]
    Webhook,
    #[sea_orm(string_value = "admin")]
    Admin,
    #[sea_orm(string_value = "watch")]
    Watch,
}

/// What a user may do: `editor` edits content; `admin` also manages users.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "lowercase")]
pub enum Role {
    #[sea_orm(string_value = "admin")]
    Admin,
    #[sea_orm(string_value = "editor")]
    Editor,
}

impl Role {
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "editor" => Some(Role::Editor),
            _ => None,
        }
    }
}
