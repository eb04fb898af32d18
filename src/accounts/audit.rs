//! The audit log: who changed what, and when.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryOrder, QuerySelect,
};

use crate::db::entity::audit_entry;

pub use audit_entry::Model as AuditEntry;

pub async fn record(
    db: &impl ConnectionTrait,
    actor: &str,
    action: &str,
    target: &str,
    detail: &str,
) -> Result<(), DbErr> {
    audit_entry::ActiveModel {
        actor: Set(actor.chars().take(64).collect()),
        action: Set(action.to_string()),
        target: Set(target.chars().take(255).collect()),
        detail: Set(detail.to_string()),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

pub async fn recent(
    db: &impl ConnectionTrait,
    limit: u64,
    offset: u64,
) -> Result<Vec<AuditEntry>, DbErr> {
    audit_entry::Entity::find()
        .order_by_desc(audit_entry::Column::Id)
        .limit(limit)
        .offset(offset)
        .all(db)
        .await
}

/// How many entries the log holds.
pub async fn count(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    audit_entry::Entity::find().count(db).await
}

/// What an entry's target names, so the page can find it and link to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    /// `lesson 12`, or the lesson's URL (`/backend-dev/install-node/`).
    Lesson,
    /// `course 3`, or the course's URL (`/backend-dev/`).
    Course,
    /// A username.
    User,
    /// An image's `/media/…` URL.
    Image,
    /// A sync run, numbered in the detail (`run 7`).
    SyncRun,
    /// Nothing worth naming (logging in and out).
    Nothing,
    /// An action this list does not know: the raw target, shown as it is.
    Unknown,
}

/// How an entry reads as a sentence: "{actor} {verb} {target}{rest}", as in
/// "Ada Lovelace saved “Install Node.js” (version 4)".
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Phrase {
    pub verb: String,
    pub target: TargetKind,
    pub rest: String,
}

/// The one place that turns a stored action (`lesson.save`) and its detail
/// (`version 4`, `by -1`) into words. The log keeps the raw action, so an
/// entry written before a wording changed reads in the new words, and an
/// action this list does not know still reads plainly.
pub fn describe(action: &str, detail: &str) -> Phrase {
    use TargetKind::*;
    let phrase = |verb: &str, target, rest: String| Phrase {
        verb: verb.to_string(),
        target,
        rest,
    };
    match action {
        "lesson.create" => phrase("created", Lesson, in_brackets(detail)),
        "lesson.save" => phrase("saved", Lesson, in_brackets(detail)),
        "lesson.restore_revision" => phrase(
            "restored an earlier version of",
            Lesson,
            match detail.strip_prefix("version ") {
                Some(n) => format!(", now version {n}"),
                None => in_brackets(detail),
            },
        ),
        "lesson.merge" => phrase(
            "saved, merged with another editor’s version,",
            Lesson,
            in_brackets(detail),
        ),
        "lesson.replace" => phrase(
            "replaced another editor’s version of",
            Lesson,
            match detail.strip_prefix("version ") {
                Some(n) => format!(" after a conflict, now version {n}"),
                None => in_brackets(detail),
            },
        ),
        "content.export" => phrase(
            "exported the admin’s changes to the content folder",
            Nothing,
            in_brackets(detail),
        ),
        "lesson.archive" => phrase("archived", Lesson, in_brackets(detail)),
        "lesson.unarchive" => phrase(
            "brought back",
            Lesson,
            " from the archive as a draft".to_string(),
        ),
        "lesson.keep_admin_text" => phrase(
            "kept the admin’s text of",
            Lesson,
            " instead of its file’s".to_string(),
        ),
        "lesson.move" => phrase("moved the lesson", Lesson, movement(detail)),
        "course.create" => phrase("created the course", Course, in_brackets(detail)),
        "course.save" => phrase("saved the course", Course, in_brackets(detail)),
        "course.move" => phrase("moved the course", Course, movement(detail)),
        "user.create" => phrase("added", User, as_role(detail, " as")),
        "user.role" => phrase("made", User, as_role(detail, "")),
        "user.disable" => phrase("disabled the account of", User, String::new()),
        "user.enable" => phrase("enabled the account of", User, String::new()),
        "user.passwd" => phrase("set a new password for", User, String::new()),
        "user.password" => phrase(
            "changed their own password",
            Nothing,
            if detail.is_empty() {
                String::new()
            } else {
                format!(" and {detail}")
            },
        ),
        "login" if detail.is_empty() => phrase("logged in", Nothing, String::new()),
        "login" => phrase("logged in", Nothing, format!(" from {detail}")),
        "logout" => phrase("logged out", Nothing, String::new()),
        "setup.first_admin" => phrase("set up the site as its first admin", Nothing, String::new()),
        "media.upload" => phrase("uploaded the image", Image, in_brackets(detail)),
        "media.delete" => phrase("deleted the image", Image, in_brackets(detail)),
        "sync.run" => phrase("synced the content folder:", SyncRun, String::new()),
        _ => Phrase {
            verb: format!("did “{}” to", action.replace(['.', '_'], " ")),
            target: Unknown,
            rest: in_brackets(detail),
        },
    }
}

fn in_brackets(detail: &str) -> String {
    if detail.is_empty() {
        String::new()
    } else {
        format!(" ({detail})")
    }
}

/// `by -1` is "up one place", `by 2` "down 2 places", `to 3` "to position 3";
/// details written in words ("moved …") are kept as they are.
fn movement(detail: &str) -> String {
    // Written in words already ("moved down one place, to position 3").
    if let Some(words) = detail.strip_prefix("moved ") {
        return format!(" {words}");
    }
    if let Some(to) = detail.strip_prefix("to ") {
        let to = to.strip_prefix("position ").unwrap_or(to);
        return format!(" to position {to}");
    }
    match detail
        .strip_prefix("by ")
        .and_then(|n| n.parse::<i64>().ok())
    {
        Some(-1) => " up one place".to_string(),
        Some(1) => " down one place".to_string(),
        Some(n) if n < 0 => format!(" up {} places", -n),
        Some(n) if n > 0 => format!(" down {n} places"),
        _ => in_brackets(detail),
    }
}

/// A role as stored in the detail (`Admin`, `Editor`), with an article.
fn as_role(detail: &str, before: &str) -> String {
    match detail.to_ascii_lowercase().as_str() {
        "admin" => format!("{before} an admin"),
        "editor" => format!("{before} an editor"),
        "" => String::new(),
        other => format!("{before} {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_actions_read_as_sentences() {
        let save = describe("lesson.save", "version 4");
        assert_eq!(save.verb, "saved");
        assert_eq!(save.target, TargetKind::Lesson);
        assert_eq!(save.rest, " (version 4)");
        let restore = describe("lesson.restore_revision", "version 5");
        assert_eq!(restore.verb, "restored an earlier version of");
        assert_eq!(restore.rest, ", now version 5");
        assert_eq!(describe("user.role", "Admin").rest, " an admin");
        let replace = describe("lesson.replace", "version 5");
        assert_eq!(replace.rest, " after a conflict, now version 5");
        assert_eq!(describe("content.export", "").target, TargetKind::Nothing);
        assert_eq!(describe("user.create", "Editor").rest, " as an editor");
        assert_eq!(describe("sync.run", "run 3").target, TargetKind::SyncRun);
        assert_eq!(describe("logout", "").target, TargetKind::Nothing);
        assert_eq!(describe("login", "127.0.0.1").rest, " from 127.0.0.1");
    }

    #[test]
    fn moves_read_as_places() {
        assert_eq!(describe("lesson.move", "by -1").rest, " up one place");
        assert_eq!(describe("lesson.move", "by 1").rest, " down one place");
        assert_eq!(
            describe("lesson.move", "moved to position 3").rest,
            " to position 3"
        );
        assert_eq!(describe("course.move", "by -3").rest, " up 3 places");
        assert_eq!(describe("course.move", "by 2").rest, " down 2 places");
        assert_eq!(describe("lesson.move", "to 3").rest, " to position 3");
        assert_eq!(
            describe("lesson.move", "to position 7").rest,
            " to position 7"
        );
        assert_eq!(describe("lesson.move", "sideways").rest, " (sideways)");
    }

    #[test]
    fn unknown_actions_fall_back_to_their_words() {
        let p = describe("lesson.merge_three_ways", "version 9");
        assert_eq!(p.verb, "did “lesson merge three ways” to");
        assert_eq!(p.target, TargetKind::Unknown);
        assert_eq!(p.rest, " (version 9)");
    }
}
