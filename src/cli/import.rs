//! `lectern import mdbook|zola DIR`: converts a book or a site into course
//! folders, prints each file it wrote and everything it did not convert,
//! then checks what it wrote as `lectern check` would.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand};
use rocket::figment::Figment;

use crate::config::Settings;
use crate::import::{self, FileState};

#[derive(Debug, Subcommand)]
pub enum ImportFrom {
    /// Import an mdBook: the book becomes a course (or one course per part of SUMMARY.md)
    Mdbook {
        /// The book's folder, which holds book.toml
        dir: PathBuf,
        /// Import the whole book as one course with this slug, even when it has parts
        #[arg(long, value_name = "SLUG")]
        course: Option<String>,
        #[command(flatten)]
        common: Common,
    },
    /// Import a Zola site: each section with pages becomes a course
    Zola {
        /// The site's folder, which holds config.toml and content/
        dir: PathBuf,
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Debug, Args)]
pub struct Common {
    /// The content folder to write into (default: the configured content_dir)
    #[arg(long, value_name = "DIR")]
    to: Option<PathBuf>,
    /// Replace files that differ from what the import writes (by default they are kept)
    #[arg(long)]
    overwrite: bool,
}

pub(super) fn run(figment: &Figment, from: ImportFrom) -> anyhow::Result<ExitCode> {
    let (source, common, what) = match from {
        ImportFrom::Mdbook {
            dir,
            course,
            common,
        } => {
            if let Some(slug) = &course {
                crate::markdown::slug::validate_course(slug)
                    .map_err(|e| anyhow::anyhow!("--course: {e}"))?;
            }
            (
                import::mdbook::read(&dir, course.as_deref())?,
                common,
                format!("the mdBook at {}", dir.display()),
            )
        }
        ImportFrom::Zola { dir, common } => (
            import::zola::read(&dir)?,
            common,
            format!("the Zola site at {}", dir.display()),
        ),
    };
    let dest = match common.to {
        Some(d) => d,
        None => Settings::from_figment(figment)?.content_dir,
    };
    let noun = source.noun;
    let lessons_read: usize = source.courses.iter().map(|c| c.lessons.len()).sum();
    println!(
        "import: read {what}: {} course(s), {lessons_read} lesson(s)",
        source.courses.len()
    );
    let outcome = import::write(source, &dest, common.overwrite)?;
    for (path, state) in &outcome.files {
        let word = match state {
            FileState::Written => "wrote",
            FileState::Unchanged => "unchanged",
            FileState::Kept => "kept",
        };
        if *state == FileState::Kept {
            println!("{word:<10} {path}: it differs from what the import writes; run again with --overwrite to replace it");
        } else {
            println!("{word:<10} {path}");
        }
    }
    for path in &outcome.others {
        println!("{:<10} {path}: not written by this import (an earlier import's file, or your own); remove it if the {} no longer has it", "other", noun);
    }
    if !outcome.report.is_empty() {
        println!("not converted ({}):", outcome.report.len());
        for finding in outcome.report.sorted() {
            println!("  {finding}");
        }
    }
    let kept = outcome.count(FileState::Kept);
    println!(
        "import: {} course(s), {} lesson(s), {} file(s) copied into {}: {} written, {} unchanged, {kept} kept; {} thing(s) not converted",
        outcome.course_slugs.len(),
        outcome.lessons,
        outcome.assets,
        dest.display(),
        outcome.count(FileState::Written),
        outcome.count(FileState::Unchanged),
        outcome.report.len(),
    );
    let errors = check_imported(&dest, &outcome.course_slugs)?;
    Ok(if kept > 0 || errors > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// Checks the destination and prints what concerns the imported courses;
/// returns their number of errors.
fn check_imported(dest: &Path, slugs: &[String]) -> anyhow::Result<usize> {
    let report = crate::content::check(dest)
        .map_err(|e| anyhow::anyhow!("cannot check {}: {e}", dest.display()))?;
    let ours = |path: &str| slugs.iter().any(|s| path.starts_with(&format!("{s}/")));
    let mine: Vec<_> = report
        .diagnostics
        .iter()
        .filter(|d| ours(&d.path))
        .collect();
    for d in &mine {
        println!("{d}");
    }
    let errors = mine.iter().filter(|d| d.is_error()).count();
    println!(
        "check: {errors} error(s), {} warning(s) in the imported courses{}",
        mine.len() - errors,
        if errors == 0 {
            "; next: review the files, then run lectern serve --watch"
        } else {
            ""
        }
    );
    Ok(errors)
}
