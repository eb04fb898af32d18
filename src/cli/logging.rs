//! Where Lectern's own log goes and how it looks: standard error, filtered by
//! `LECTERN_LOG`, coloured only for a person at a terminal (never into a
//! file, a pipe or a service's journal, and never when `NO_COLOR` is set).

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// Sets up the log for the whole process; call once, first.
pub fn init() {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env("LECTERN_LOG")
                .unwrap_or_else(|_| EnvFilter::new("info,sea_orm_migration=warn,sqlx=warn")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(colour())
        .init();
}

/// Whether log lines may carry colour codes, for Lectern's log and Rocket's.
pub fn colour() -> bool {
    wants_colour(
        std::io::stderr().is_terminal() && std::io::stdout().is_terminal(),
        std::env::var_os("NO_COLOR"),
    )
}

/// The rule: a terminal, and `NO_COLOR` unset or empty (no-color.org).
fn wants_colour(terminal: bool, no_color: Option<std::ffi::OsString>) -> bool {
    terminal && no_color.is_none_or(|v| v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_only_at_a_terminal_without_no_color() {
        assert!(wants_colour(true, None));
        assert!(wants_colour(true, Some("".into())));
        assert!(!wants_colour(true, Some("1".into())));
        assert!(!wants_colour(false, None));
        assert!(!wants_colour(false, Some("1".into())));
    }
}
