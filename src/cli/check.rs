//! `lectern check [DIR]`

use std::path::PathBuf;
use std::process::ExitCode;

use rocket::figment::Figment;

use crate::config::Settings;
use crate::content;

pub(super) fn run(figment: &Figment, dir: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let dir = match dir {
        Some(d) => d,
        None => Settings::from_figment(figment)?.content_dir,
    };
    let report =
        content::check(&dir).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", dir.display()))?;
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
