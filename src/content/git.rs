//! `git pull --ff-only` in the content repository, with a time limit. Only
//! fast-forwards: a diverged history is reported and changes nothing.

use std::path::Path;
use std::time::Duration;

use tokio::process::Command;

#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error("git pull failed: {0}")]
    Failed(String),
    #[error("git pull took longer than {0} s and was stopped")]
    TimedOut(u64),
    #[error("cannot run git: {0}")]
    Spawn(std::io::Error),
}

/// What a successful pull said.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Pulled {
    /// git's own summary ("Already up to date.", the files changed, …).
    pub output: String,
    /// The commit before and after; equal when nothing came in.
    pub before: String,
    pub after: String,
}

impl Pulled {
    pub fn changed(&self) -> bool {
        self.before != self.after
    }
}

async fn git(dir: &Path, args: &[&str], timeout_secs: u64) -> Result<String, GitError> {
    let run = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_TERMINAL_PROMPT", "0")
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(Duration::from_secs(timeout_secs), run)
        .await
        .map_err(|_| GitError::TimedOut(timeout_secs))?
        .map_err(GitError::Spawn)?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if out.status.success() {
        Ok(text.trim().to_string())
    } else {
        Err(GitError::Failed(text.trim().to_string()))
    }
}

pub async fn pull(dir: &Path, timeout_secs: u64) -> Result<Pulled, GitError> {
    let before = git(dir, &["rev-parse", "HEAD"], timeout_secs).await?;
    let output = git(dir, &["pull", "--ff-only", "--no-rebase"], timeout_secs).await?;
    let after = git(dir, &["rev-parse", "HEAD"], timeout_secs).await?;
    Ok(Pulled {
        output,
        before,
        after,
    })
}
