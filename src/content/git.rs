//! `git pull --ff-only` in the content repository, with a time limit. Only
//! fast-forwards: a diverged history is reported and changes nothing.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use tokio::process::Command;
use tokio::time::Instant;

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

/// Runs one git command, stopped at `deadline`. git runs in a process group
/// of its own, so a timeout kills what it started too (ssh, a transport
/// helper, upload-pack reading a stuck remote), not git alone.
async fn git(
    dir: &Path,
    args: &[&str],
    deadline: Instant,
    timeout_secs: u64,
) -> Result<String, GitError> {
    let mut command = Command::new("git");
    command
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_TERMINAL_PROMPT", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    #[cfg(unix)]
    command.process_group(0);
    let child = command.spawn().map_err(GitError::Spawn)?;
    let group = child.id();
    let out = match tokio::time::timeout_at(deadline, child.wait_with_output()).await {
        Ok(out) => out.map_err(GitError::Spawn)?,
        Err(_) => {
            // Dropping the wait killed git itself; now the rest of its group.
            if let Some(group) = group {
                kill_group(group).await;
            }
            return Err(GitError::TimedOut(timeout_secs));
        }
    };
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

/// SIGKILL to process group `group` (with the system's `kill`: no unsafe
/// code here). Errors are ignored: the group may be gone already.
async fn kill_group(group: u32) {
    #[cfg(unix)]
    {
        let killed = Command::new("kill")
            .args(["-s", "KILL", "--", &format!("-{group}")])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .await;
        if let Err(e) = killed {
            tracing::warn!("cannot stop what git pull started (process group {group}): {e}");
        }
    }
    #[cfg(not(unix))]
    let _ = group;
}

/// `git pull --ff-only` in `dir`; the whole pull (with the two `rev-parse`
/// around it) takes at most `timeout_secs`.
pub async fn pull(dir: &Path, timeout_secs: u64) -> Result<Pulled, GitError> {
    let deadline = Instant::now() + Duration::from_secs(timeout_secs);
    let head = ["rev-parse", "HEAD"];
    let before = git(dir, &head, deadline, timeout_secs).await?;
    let pull = ["pull", "--ff-only", "--no-rebase"];
    let output = git(dir, &pull, deadline, timeout_secs).await?;
    let after = git(dir, &head, deadline, timeout_secs).await?;
    Ok(Pulled {
        output,
        before,
        after,
    })
}
