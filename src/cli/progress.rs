//! Progress of long commands: a bar on a terminal (indicatif), plain lines
//! on stderr otherwise (logs, CI), so output stays readable either way.

use std::io::IsTerminal;
use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressStyle};

use crate::content::Progress;

pub(super) struct TerminalProgress {
    bar: Mutex<Option<ProgressBar>>,
    tty: bool,
}

impl TerminalProgress {
    pub(super) fn new() -> Self {
        TerminalProgress {
            bar: Mutex::new(None),
            tty: std::io::stderr().is_terminal(),
        }
    }
}

impl Progress for TerminalProgress {
    fn phase(&self, name: &str, total: Option<u64>) {
        let mut slot = self.bar.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(old) = slot.take() {
            old.finish_and_clear();
        }
        if !self.tty {
            match total {
                Some(n) => eprintln!("sync: {name} ({n} files)"),
                None => eprintln!("sync: {name}"),
            }
            return;
        }
        let bar = match total {
            Some(n) => {
                let bar = ProgressBar::new(n);
                bar.set_style(
                    ProgressStyle::with_template("{msg:>22} [{bar:30}] {pos}/{len} {eta}")
                        .unwrap_or_else(|_| ProgressStyle::default_bar())
                        .progress_chars("=> "),
                );
                bar
            }
            None => {
                let bar = ProgressBar::new_spinner();
                bar.enable_steady_tick(std::time::Duration::from_millis(100));
                bar
            }
        };
        bar.set_message(name.to_string());
        *slot = Some(bar);
    }

    fn advance(&self) {
        if let Some(bar) = self.bar.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
            bar.inc(1);
        }
    }

    fn finish(&self) {
        if let Some(bar) = self.bar.lock().unwrap_or_else(|e| e.into_inner()).take() {
            bar.finish_and_clear();
        }
    }
}
