//! The command line: one module per verb, each reading the same settings as
//! the server. `main.rs` only parses arguments and calls in here.

mod check;
mod export;
mod import;
pub mod logging;
mod new;
mod progress;
mod sync;
mod user;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Lectern: a lesson CMS. Courses and lessons from markdown, served as a site.
#[derive(Debug, Parser)]
#[command(name = "lectern", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Migrate the database, sync content (if sync_on_start) and serve the site (the default)
    Serve {
        /// Re-sync when files in the content folder change, reload open pages, and show a
        /// changed file's errors on them until it is fixed (for authors previewing locally)
        #[arg(long)]
        watch: bool,
    },
    /// Apply the content folder to the database and print what changed
    Sync {
        /// Show what would change without writing anything
        #[arg(long)]
        dry_run: bool,
    },
    /// Validate content without a database: front matter, slugs, links, images
    Check {
        /// The content folder to check (default: the configured content_dir)
        dir: Option<PathBuf>,
    },
    /// Start a course or add a lesson, with its front matter filled in
    New {
        #[command(subcommand)]
        command: new::NewCommand,
    },
    /// Write lessons and courses made or changed in the admin back to the content folder
    Export,
    /// Convert an mdBook or a Zola site into course folders; report what was not converted
    Import {
        #[command(subcommand)]
        from: import::ImportFrom,
    },
    /// Manage admin users: add, passwd, disable, enable, role
    User {
        #[command(subcommand)]
        command: user::UserCommand,
    },
}

/// Runs the parsed command and returns the process exit code.
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let figment = crate::config::figment();
    match cli.command.unwrap_or(Command::Serve { watch: false }) {
        Command::Serve { watch } => {
            // Rocket colours its own log at a terminal; NO_COLOR turns it off too.
            let figment = match logging::colour() {
                true => figment,
                false => figment.merge(("cli_colors", false)),
            };
            let rocket = match watch {
                true => crate::watch::enable(crate::build(crate::watch::quiet_requests(figment))),
                false => crate::build(figment),
            };
            let _rocket = rocket.launch().await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Sync { dry_run } => sync::run(&figment, dry_run).await,
        Command::Check { dir } => check::run(&figment, dir),
        Command::User { command } => user::run(&figment, command).await,
        Command::Export => export::run(&figment).await,
        Command::New { command } => new::run(&figment, command),
        Command::Import { from } => import::run(&figment, from),
    }
}
