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
/// of its own, so a timeout stops what it started too (ssh, a transport
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
    let mut child = command.spawn().map_err(GitError::Spawn)?;
    let group = child.id();
    let stdout = tokio::spawn(read_all(child.stdout.take()));
    let stderr = tokio::spawn(read_all(child.stderr.take()));
    let status = match tokio::time::timeout_at(deadline, child.wait()).await {
        Ok(status) => status.map_err(GitError::Spawn)?,
        Err(_) => {
            // SIGTERM first: git then removes its lock files (index.lock, a
            // ref's .lock), which would otherwise fail every later pull.
            // Whatever is still running after a grace period is killed.
            if let Some(group) = group {
                signal_group(group, "TERM").await;
            }
            let _ = tokio::time::timeout(TERM_GRACE, child.wait()).await;
            if let Some(group) = group {
                signal_group(group, "KILL").await;
            }
            let _ = child.kill().await;
            stdout.abort();
            stderr.abort();
            return Err(GitError::TimedOut(timeout_secs));
        }
    };
    // Something git started may still hold its output open: read until the
    // deadline at most.
    let output = async { (stdout.await, stderr.await) };
    let (stdout, stderr) = match tokio::time::timeout_at(deadline, output).await {
        Ok((out, err)) => (out.unwrap_or_default(), err.unwrap_or_default()),
        Err(_) => return Err(GitError::TimedOut(timeout_secs)),
    };
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&stdout),
        String::from_utf8_lossy(&stderr)
    );
    if status.success() {
        Ok(text.trim().to_string())
    } else {
        Err(GitError::Failed(text.trim().to_string()))
    }
}

/// How long git has to stop after SIGTERM before it is killed.
const TERM_GRACE: Duration = Duration::from_secs(2);

async fn read_all(pipe: Option<impl tokio::io::AsyncRead + Unpin>) -> Vec<u8> {
    use tokio::io::AsyncReadExt;
    let mut bytes = Vec::new();
    if let Some(mut pipe) = pipe {
        let _ = pipe.read_to_end(&mut bytes).await;
    }
    bytes
}

/// Sends `signal` to process group `group`, with the shell's own `kill` (no
/// unsafe code here, and no `kill` binary needed). Errors are ignored: the
/// group may be gone already.
async fn signal_group(group: u32, signal: &str) {
    #[cfg(unix)]
    {
        let sent = Command::new("sh")
            .args([
                "-c",
                "kill -s \"$1\" -- \"-$2\"",
                "sh",
                signal,
                &group.to_string(),
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .await;
        if let Err(e) = sent {
            tracing::warn!("cannot stop what git pull started (process group {group}): {e}");
        }
    }
    #[cfg(not(unix))]
    let _ = (group, signal);
}

/// The last commit that touched a file, for labelling the file's side of
/// a conflict: "commit 1a2b3c4 by Ada Lovelace on 2026-12-04".
#[derive(Debug, Clone, serde::Serialize)]
pub struct LastCommit {
    pub short: String,
    pub author: String,
    pub date: String,
}

impl std::fmt::Display for LastCommit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "commit {} by {} on {}",
            self.short, self.author, self.date
        )
    }
}

/// The last commit of `path` (relative to `dir`), or `None` when `dir` is
/// not a git repository or the file was never committed.
pub async fn last_commit(dir: &Path, path: &str) -> Option<LastCommit> {
    let deadline = Instant::now() + Duration::from_secs(10);
    let out = git(
        dir,
        &["log", "-1", "--format=%h%x1f%an%x1f%as", "--", path],
        deadline,
        10,
    )
    .await
    .ok()?;
    let mut parts = out.split('\u{1f}');
    let (short, author, date) = (parts.next()?, parts.next()?, parts.next()?);
    (!short.is_empty()).then(|| LastCommit {
        short: short.to_string(),
        author: author.to_string(),
        date: date.to_string(),
    })
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

/// What a push did: pulled and synced in time, or pulled and still syncing.
#[derive(Debug)]
pub enum PushOutcome {
    Synced {
        run_id: i32,
        pulled: Pulled,
        report: super::SyncReport,
    },
    /// The sync goes on after the caller stopped waiting; the run records
    /// how it ends.
    Running { run_id: i32, pulled: Pulled },
}

/// Why a push changed nothing, or did not finish.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    /// Nothing was synced; a failed run records why.
    #[error(transparent)]
    Pull(#[from] GitError),
    #[error("sync failed: {0}")]
    Sync(#[from] super::SyncError),
    #[error("database error: {0}")]
    Db(#[from] sea_orm::DbErr),
}

/// One push at a time, its pull and its sync: concurrent pushes queue, and a
/// pull never changes files under a sync still running in the background.
static PULL_LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// What a push webhook asks for: `git pull` in `repo`, then a sync of
/// `content`, recorded as a webhook run. Waits for the sync up to
/// `answer_within`; after that it goes on in the background.
pub async fn pull_and_sync(
    db: &crate::db::Db,
    repo: &Path,
    content: &Path,
    timeout_secs: u64,
    answer_within: Duration,
) -> Result<PushOutcome, PushError> {
    use crate::db::{entity::SyncOrigin, sync_runs};

    let turn = PULL_LOCK.lock().await;
    let pulled = match pull(repo, timeout_secs).await {
        Ok(pulled) => pulled,
        Err(e) => {
            tracing::error!("{e}");
            record_failed_pull(db, repo, &e).await;
            return Err(e.into());
        }
    };
    let run_id = sync_runs::start(db, SyncOrigin::Webhook).await?;
    let (db, dir) = (db.clone(), content.to_path_buf());
    let options = super::SyncOptions {
        origin: SyncOrigin::Webhook,
        dry_run: false,
    };
    let sync = tokio::spawn(async move {
        let _turn = turn; // held until the sync ends, answered or not
        super::sync_recorded(&db, &dir, options, Some(run_id)).await
    });
    match tokio::time::timeout(answer_within, sync).await {
        Ok(Ok(report)) => Ok(PushOutcome::Synced {
            run_id,
            pulled,
            report: report?,
        }),
        Ok(Err(e)) => Err(super::SyncError::Worker(e.to_string()).into()),
        Err(_) => Ok(PushOutcome::Running { run_id, pulled }),
    }
}

/// A failed pull is a run with one error, so the admin shows what happened.
async fn record_failed_pull(db: &crate::db::Db, repo: &Path, e: &GitError) {
    use crate::db::{entity::SyncOrigin, sync_runs};
    let problem = vec![super::Diagnostic::error(
        repo.display().to_string(),
        None,
        e.to_string(),
    )];
    let counts = sync_runs::Counts {
        errors: 1,
        ..Default::default()
    };
    let recorded = match sync_runs::start(db, SyncOrigin::Webhook).await {
        Ok(id) => {
            let problems = serde_json::to_string(&problem).unwrap_or_default();
            sync_runs::finish(db, id, counts, problems).await
        }
        Err(e) => Err(e),
    };
    if let Err(e) = recorded {
        tracing::error!("cannot record the failed pull: {e}");
    }
}
