//! `git pull --ff-only` in the content repository, with a time limit. Only
//! fast-forwards: a diverged history is reported and changes nothing. And
//! the date of each file's last commit, read in one pass for sync.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use chrono::{DateTime, Utc};
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

/// The commit `HEAD` names in the repository holding `dir`, or `None` when
/// there is none (not a repository, no commit yet, no git). The dates sync
/// gives unchanged files follow from it (see [`committed_file_dates`]).
pub async fn head(dir: &Path) -> Option<String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    let out = git(dir, &["rev-parse", "--verify", "-q", "HEAD"], deadline, 10)
        .await
        .ok()?;
    let commit = out.trim();
    (!commit.is_empty()).then(|| commit.to_string())
}

/// Longest the pass over `git log` for file dates may take.
const DATES_TIMEOUT_SECS: u64 = 60;

/// The date of the last commit that touched each of the `wanted` files
/// (paths relative to `dir`, with `/`), as `git log -1 -- <file>` would say
/// for each, in one `git log` for them all: a sync of 100,000 lessons starts
/// one process, not 100,000. Commits are read newest first, and reading
/// stops once every wanted file has its date, so the work is linear in the
/// history read (never per file and commit).
///
/// A file never committed has no date here, nor one changed since its last
/// commit (one `git diff` finds them; `lectern export` leaves files so until
/// they are committed): their modification time says more.
///
/// `Ok(None)`: `dir` is not inside a git work tree, or git is not there.
pub async fn committed_file_dates(
    dir: &Path,
    wanted: &HashSet<&str>,
) -> Result<Option<HashMap<String, DateTime<Utc>>>, GitError> {
    let deadline = Instant::now() + Duration::from_secs(DATES_TIMEOUT_SECS);
    let inside = ["rev-parse", "--is-inside-work-tree"];
    match git(dir, &inside, deadline, DATES_TIMEOUT_SECS).await {
        Ok(answer) if answer == "true" => {}
        Ok(_) | Err(GitError::Failed(_)) | Err(GitError::Spawn(_)) => return Ok(None),
        Err(e) => return Err(e),
    }
    let changed = ["diff", "--name-only", "-z", "--relative", "HEAD", "--", "."];
    let changed = match git(dir, &changed, deadline, DATES_TIMEOUT_SECS).await {
        Ok(names) => names,
        // No commit yet: nothing has a commit's date.
        Err(GitError::Failed(_)) => return Ok(Some(HashMap::new())),
        Err(e) => return Err(e),
    };
    let changed: HashSet<&str> = changed.split('\0').collect();
    let wanted: HashSet<&str> = wanted
        .iter()
        .copied()
        .filter(|path| !changed.contains(path))
        .collect();
    if wanted.is_empty() {
        return Ok(Some(HashMap::new()));
    }
    let mut command = Command::new("git");
    command
        .arg("-C")
        .arg(dir)
        // NUL-separated, so no name is quoted; a commit is "\x01<author
        // date>" followed by the files it changed, relative to `dir`.
        .args([
            "log",
            "-z",
            "--name-only",
            "--no-renames",
            "--relative",
            "--format=%x01%at",
            "--",
            ".",
        ])
        .env("GIT_TERMINAL_PROMPT", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    let mut child = command.spawn().map_err(GitError::Spawn)?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| GitError::Failed("git log gave no output".into()))?;
    let read = read_commit_dates(tokio::io::BufReader::new(stdout), &wanted);
    let dates = match tokio::time::timeout_at(deadline, read).await {
        Ok(dates) => dates.map_err(GitError::Spawn)?,
        Err(_) => return Err(GitError::TimedOut(DATES_TIMEOUT_SECS)),
    };
    if dates.len() < wanted.len() {
        // The whole history was read: git must have ended well.
        let status = tokio::time::timeout_at(deadline, child.wait())
            .await
            .map_err(|_| GitError::TimedOut(DATES_TIMEOUT_SECS))?
            .map_err(GitError::Spawn)?;
        if !status.success() {
            return Err(GitError::Failed(format!("git log ended with {status}")));
        }
    }
    // Otherwise git is stopped as `child` is dropped: older history is not needed.
    Ok(Some(dates))
}

/// Reads `git log -z --name-only --format=%x01%at` until every wanted file
/// has the date of the newest commit that named it.
async fn read_commit_dates(
    mut out: impl tokio::io::AsyncBufRead + Unpin,
    wanted: &HashSet<&str>,
) -> std::io::Result<HashMap<String, DateTime<Utc>>> {
    use tokio::io::AsyncBufReadExt;
    let mut dates = HashMap::new();
    let mut commit_date: Option<DateTime<Utc>> = None;
    let mut field = Vec::new();
    while dates.len() < wanted.len() {
        field.clear();
        if out.read_until(0, &mut field).await? == 0 {
            break;
        }
        if field.last() == Some(&0) {
            field.pop();
        }
        match read_log_field(&field) {
            LogField::Commit(at) => commit_date = at,
            LogField::File(path) => {
                if let Some(at) = commit_date {
                    if wanted.contains(path.as_ref()) && !dates.contains_key(path.as_ref()) {
                        dates.insert(path.into_owned(), at);
                    }
                }
            }
            LogField::Nothing => {}
        }
    }
    Ok(dates)
}

enum LogField<'a> {
    /// A commit's author date (`None` if git wrote no number).
    Commit(Option<DateTime<Utc>>),
    File(std::borrow::Cow<'a, str>),
    Nothing,
}

/// One NUL-separated field of the log: a commit's "\x01<seconds>", or a
/// file name (the first of a commit comes after a line break).
fn read_log_field(field: &[u8]) -> LogField<'_> {
    if let Some(date) = field.strip_prefix(b"\x01") {
        let at = std::str::from_utf8(date)
            .ok()
            .and_then(|d| d.trim().parse::<i64>().ok())
            .and_then(|secs| DateTime::from_timestamp(secs, 0));
        return LogField::Commit(at);
    }
    let name = field.strip_prefix(b"\n").unwrap_or(field);
    if name.is_empty() {
        return LogField::Nothing;
    }
    LogField::File(String::from_utf8_lossy(name))
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

/// The branch, as the remote names it (`refs/heads/main`), that `git pull`
/// in `dir` merges: the current branch's upstream (`branch.<name>.merge`),
/// else the current branch itself. `None` on a detached HEAD, where there is
/// no branch to follow (the pull then fails and says so).
pub async fn tracked_branch(dir: &Path, timeout_secs: u64) -> Result<Option<String>, GitError> {
    let deadline = Instant::now() + Duration::from_secs(timeout_secs);
    // Exit status 1 (no symbolic ref, no such key) is an answer, not a failure.
    let answer = |r: Result<String, GitError>| match r {
        Ok(text) if !text.is_empty() => Ok(Some(text)),
        Ok(_) | Err(GitError::Failed(_)) => Ok(None),
        Err(e) => Err(e),
    };
    let head = git(dir, &["symbolic-ref", "-q", "HEAD"], deadline, timeout_secs).await;
    let Some(head) = answer(head)? else {
        return Ok(None);
    };
    let local = head.strip_prefix("refs/heads/").unwrap_or(&head);
    let key = format!("branch.{local}.merge");
    let upstream = git(dir, &["config", "--get", &key], deadline, timeout_secs).await;
    Ok(Some(answer(upstream)?.unwrap_or(head)))
}

/// A push the webhook left alone is a run with one warning saying why, so
/// the admin's list of runs shows every delivery that reached the site.
pub async fn record_ignored_push(
    db: &crate::db::Db,
    repo: &Path,
    reason: &str,
) -> Result<i32, sea_orm::DbErr> {
    use crate::db::{entity::SyncOrigin, sync_runs};
    let finding = vec![super::Diagnostic::warning(
        repo.display().to_string(),
        None,
        reason,
    )];
    let id = sync_runs::start(db, SyncOrigin::Webhook).await?;
    let report = serde_json::to_string(&finding).unwrap_or_default();
    sync_runs::finish(db, id, sync_runs::Counts::default(), report).await?;
    Ok(id)
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
    strict_links: bool,
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
        strict_links,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn each_wanted_file_gets_the_date_of_the_newest_commit_naming_it() {
        // As `git log -z --name-only --format=%x01%at` writes it, newest first;
        // a merge names no file.
        let log: &[u8] = b"\x01300\0\na/02-b.md\0a/_course.md\0\x01250\0\x01200\0\na/01-a.md\0a/02-b.md\0a/img.png\0odd\nname.md\0";
        let wanted: HashSet<&str> =
            ["a/01-a.md", "a/02-b.md", "a/03-never.md", "odd\nname.md"].into();
        let dates = read_commit_dates(log, &wanted).await.unwrap();
        let at = |secs| DateTime::from_timestamp(secs, 0).unwrap();
        assert_eq!(dates.get("a/02-b.md"), Some(&at(300)));
        assert_eq!(dates.get("a/01-a.md"), Some(&at(200)));
        assert_eq!(dates.get("odd\nname.md"), Some(&at(200)));
        assert_eq!(dates.len(), 3, "never committed, not wanted: no date");
    }

    #[tokio::test]
    async fn reading_stops_once_every_wanted_file_has_its_date() {
        /// A log that never ends: reading past the first commit would hang.
        struct Endless(std::io::Cursor<&'static [u8]>);
        impl tokio::io::AsyncRead for Endless {
            fn poll_read(
                mut self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &mut tokio::io::ReadBuf<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                if self.0.position() as usize == self.0.get_ref().len() {
                    return std::task::Poll::Pending;
                }
                std::pin::Pin::new(&mut self.0).poll_read(cx, buf)
            }
        }
        let log = Endless(std::io::Cursor::new(b"\x01100\0\na/01-a.md\0"));
        let wanted: HashSet<&str> = ["a/01-a.md"].into();
        let dates = read_commit_dates(tokio::io::BufReader::new(log), &wanted)
            .await
            .unwrap();
        assert_eq!(dates.len(), 1);
    }
}
