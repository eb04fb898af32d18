//! `lectern check [DIR]`

use std::path::PathBuf;
use std::process::ExitCode;

use rocket::figment::Figment;

use crate::config::Settings;
use crate::content::{self, links::LinkPolicy};

pub(super) fn run(figment: &Figment, dir: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let dir = match dir {
        Some(d) => d,
        None => Settings::from_figment(figment)?.content_dir,
    };
    // The same rule sync applies (a setting of the site, default true).
    let strict: bool = figment
        .extract_inner("strict_links")
        .map_err(|_| anyhow::anyhow!("the setting strict_links must be true or false"))?;
    if !dir.is_dir() {
        anyhow::bail!(
            "there is no folder {}: give the content folder (lectern check DIR) or set content_dir",
            dir.display()
        );
    }
    let dir = match content::content_folder_inside(&dir) {
        Some(inner) => {
            println!(
                "{} holds the content folder {}; checking that",
                dir.display(),
                inner.display()
            );
            inner
        }
        None => dir,
    };
    let report = content::check_with(&dir, LinkPolicy::strict(strict))
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", dir.display()))?;
    if report.course.is_some() {
        println!("{} is a course folder; checking that course", dir.display());
    }
    for d in &report.diagnostics {
        println!("{d}");
    }
    println!(
        "check: {} course(s), {} lesson(s) in {}: {} error(s), {} warning(s)",
        report.courses,
        report.lessons,
        dir.display(),
        report.errors(),
        report.warnings()
    );
    Ok(if report.errors() > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
