use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;

#[rocket::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env("LECTERN_LOG")
                .unwrap_or_else(|_| EnvFilter::new("info,sea_orm_migration=warn,sqlx=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = lectern::cli::Cli::parse();
    match lectern::cli::run(cli).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
