use std::process::ExitCode;

use clap::Parser;

#[rocket::main]
async fn main() -> ExitCode {
    lectern::cli::logging::init();
    let cli = lectern::cli::Cli::parse();
    match lectern::cli::run(cli).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
