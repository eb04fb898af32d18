//! Content integrity as a model-based test (issue #9).
//!
//! proptest draws random sequences of what happens to one small site (one
//! course, three lesson slugs): an author writes, renames or deletes lesson
//! files in a clone of their own, commits and pushes; a sync runs (the push
//! webhook, which pulls, or after the site's working copy pulled: the library
//! call `lectern sync` makes, the admin's "Sync now", or the `lectern` binary
//! in a child process); a sync is killed part-way; an editor opens the form,
//! saves (fresh or from a stale version), archives, restores a revision; the
//! editor's script autosaves the open form as a private draft; a conflict is
//! resolved one of the three ways; an export runs and the editor commits and
//! pushes what it wrote. Every write changes one of the three paragraphs of a
//! lesson's body, or all of them, so that the two sides' edits merge when
//! they changed different paragraphs and overlap when not. Every step goes
//! through the real parts (git repositories, files on disk, HTTP with
//! sessions and CSRF, the database) and is followed by a comparison with a
//! plain reference model ([`Model`]):
//!
//! 0. every lesson row (text, status, version, file and hashes, open
//!    conflict, the whole revision list) and every file on disk is what the
//!    model says;
//! 1. every paragraph ever written, by an author or an editor (refused stale
//!    saves included), is still somewhere: a live lesson, a revision, a
//!    file, or the git history (a merged text holds the paragraphs of both
//!    sides);
//! 2. a save from a stale version is merged three ways with the live one
//!    (base: the text of the version the form was opened at): when the two
//!    sides changed different paragraphs and at most one side the status,
//!    the merge is saved (and the edit as typed kept as a revision after
//!    it); otherwise it is refused (409), the edit as typed is kept as a
//!    revision and no live text changes;
//! 3. a file change that meets unexported admin edits is merged three ways
//!    by the sync (base: the text as last synced) when it changed the file
//!    in place, the fields beside the text agree as `plan::merge_with_file`
//!    requires and the two sides changed different paragraphs: the lesson
//!    is updated with the merge (a git revision), the file's hashes are
//!    recorded and the merge is left for export; otherwise it becomes a
//!    conflict and leaves the live text alone (DESIGN §6);
//! 4. the public site serves exactly the published, non-scheduled lessons
//!    (200 with the live text, else 404; the course page lists exactly them);
//! 5. after a sync, a second sync creates, updates, archives and conflicts
//!    nothing;
//! 6. the editor's autosaved draft of a lesson is exactly the latest one it
//!    posted, until a save of the lesson through the form succeeds (which
//!    deletes it); no draft's text is ever live, in a revision, in a file,
//!    in git or on the public site; the editor page offers to restore the
//!    draft exactly when there is one and its text differs from the live
//!    one. A draft is the editor's work in progress: a newer draft or a save
//!    supersedes it, so a draft a later autosave replaced need not be
//!    recoverable (invariant 1 does not cover drafts), but the latest is
//!    kept.
//!
//! A sync killed part-way is simulated inside the database: triggers count
//! the writes to `lessons` and `lesson_revisions` and fail every write after
//! the first `k`, so the lesson being written is rolled back as if the
//! process had died at that point, and nothing after it gets in. Each
//! lesson's change is two counted writes (three for a merge with its file,
//! which keeps the file's own text too) in a transaction (or savepoint) of
//! its own, so exactly as many whole changes as fit in `k` writes must be in, and every
//! lesson must be either as before the sync or as after it, never
//! half-applied; the next sync completes the rest. This is deterministic,
//! hence shrinkable; `git::a_sync_killed_at_several_points_is_completed_by_running_it_again`
//! kills a real child process (timing-dependent, too slow to repeat here).
//!
//! Paragraphs are numbered in the order they are written, `w0001`–`w0009`
//! for the three files the site starts with, then one for each paragraph an
//! `AuthorWrite`, an editor's save (refused or not) or an autosave changes;
//! failure messages name a text by its three paragraphs (`w0001+w0011+w0003`),
//! and files and revisions that way.
//!
//! Runs on SQLite, or on PostgreSQL when TEST_DATABASE_URL is set. The number
//! of cases is `PROPTEST_CASES` (default [`DEFAULT_CASES`], or
//! [`DEFAULT_CASES_POSTGRES`]); a failure is shrunk and printed as a numbered
//! list of operations. `MODEL_STATS=1` prints how often conflicts, merges,
//! stale saves, autosaves, resolutions, kills and the like came up.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use hmac::{Hmac, Mac};
use lectern::content::scan::hash_bytes;
use lectern::content::{content_hash, SyncOptions};
use lectern::db::entity::{lesson, sync_run, Origin, Role, Status, SyncOrigin};
use proptest::prelude::*;
use proptest::test_runner::{TestError, TestRunner};
use rocket::http::{Header, Status as Http};
use rocket::local::asynchronous::Client;
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, Statement};
use sha2::Sha256;

use crate::common::{add_user, count, csrf, get, log_in, post, TestDb, PASSWORD};

/// Cases when `PROPTEST_CASES` is not set: about 30 s on SQLite on two cores.
const DEFAULT_CASES: u32 = 64;
/// The same on PostgreSQL (every commit waits for the disk): about 60 s.
const DEFAULT_CASES_POSTGRES: u32 = 32;
const MAX_OPS: usize = 24;

const COURSE: &str = "course";
const N: usize = 3;
const SLUGS: [&str; N] = ["alpha", "beta", "gamma"];
const TITLES: [&str; N] = ["Alpha", "Beta", "Gamma"];
const SECRET: &str = "webhook secret of the model test";

// ------------------------------------------------------------ operations

/// How an author writes a lesson file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Vis {
    Public,
    Draft,
    /// `publish_at` far in the future.
    Scheduled,
    /// Front matter sync cannot read (`title = 3`).
    Broken,
}

#[derive(Clone, Copy, Debug)]
enum Via {
    /// `lectern::content::sync`, what `lectern sync` calls.
    Lib,
    /// The admin's "Sync now" (HTTP, CSRF).
    Admin,
    /// A signed `POST /hooks/git` (its `git pull` finds nothing new).
    Webhook,
    /// The `lectern sync` binary in a child process.
    Cli,
}

#[derive(Clone, Copy, Debug)]
enum How {
    TakeFile,
    KeepAdmin,
    /// "Edit and merge by hand": save a merged text, then close the conflict.
    Merge,
}

/// Which paragraphs of a body a write changes (with fresh tokens).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Edit {
    First,
    Second,
    Third,
    All,
}

impl Edit {
    fn changes(self, part: usize) -> bool {
        match self {
            Edit::First => part == 0,
            Edit::Second => part == 1,
            Edit::Third => part == 2,
            Edit::All => true,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Edit::First => "first part",
            Edit::Second => "second part",
            Edit::Third => "third part",
            Edit::All => "all parts",
        }
    }
}

#[derive(Clone)]
enum Op {
    /// The author writes a new text to the lesson's file (created if needed):
    /// these parts of the file's text change.
    Write(usize, Vis, Edit),
    /// The author renames the lesson's file (another number, same slug).
    Rename(usize),
    Delete(usize),
    Sync(Via),
    /// A sync that dies after this many writes to lessons and revisions.
    SyncKilled(u8),
    /// The editor opens the lesson's form (and may save from it much later).
    Open(usize),
    Save {
        lesson: usize,
        stale: bool,
        draft: bool,
        edit: Edit,
    },
    /// The editor's script autosaves the open form as a private draft: the
    /// live text with these parts changed, or (`None`) the live text as is.
    Autosave(usize, Option<Edit>),
    Archive(usize, bool),
    /// Restore the lesson's revision with this index (modulo their number).
    Restore(usize, u8),
    /// Resolve the first open conflict.
    Resolve(How),
    Export,
}

impl fmt::Debug for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let vis = |v: &Vis| match v {
            Vis::Public => "public",
            Vis::Draft => "draft",
            Vis::Scheduled => "scheduled",
            Vis::Broken => "broken",
        };
        match self {
            Op::Write(i, v, e) => write!(f, "AuthorWrite({}, {}, {})", SLUGS[*i], vis(v), e.name()),
            Op::Rename(i) => write!(f, "AuthorRename({})", SLUGS[*i]),
            Op::Delete(i) => write!(f, "AuthorDelete({})", SLUGS[*i]),
            Op::Sync(via) => write!(
                f,
                "Sync({})",
                match via {
                    Via::Lib => "lib",
                    Via::Admin => "admin sync-now",
                    Via::Webhook => "webhook",
                    Via::Cli => "cli process",
                }
            ),
            Op::SyncKilled(k) => write!(f, "SyncKilled(after {k} writes)"),
            Op::Open(i) => write!(f, "EditorOpen({})", SLUGS[*i]),
            Op::Save {
                lesson,
                stale,
                draft,
                edit,
            } => write!(
                f,
                "EditorSave({}, {}, {}, {})",
                SLUGS[*lesson],
                if *stale { "stale" } else { "fresh" },
                if *draft { "draft" } else { "published" },
                edit.name()
            ),
            Op::Autosave(i, e) => write!(
                f,
                "EditorAutosave({}, {})",
                SLUGS[*i],
                e.map_or("the live text", Edit::name)
            ),
            Op::Archive(i, true) => write!(f, "EditorArchive({})", SLUGS[*i]),
            Op::Archive(i, false) => write!(f, "EditorUnarchive({})", SLUGS[*i]),
            Op::Restore(i, k) => write!(f, "EditorRestore({}, revision {k})", SLUGS[*i]),
            Op::Resolve(how) => write!(
                f,
                "Resolve({})",
                match how {
                    How::TakeFile => "take-file",
                    How::KeepAdmin => "keep-admin",
                    How::Merge => "merge",
                }
            ),
            Op::Export => write!(f, "Export"),
        }
    }
}

/// The operations of one case, printed one a line.
#[derive(Clone)]
struct Ops(Vec<Op>);

impl fmt::Debug for Ops {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "[")?;
        for (n, op) in self.0.iter().enumerate() {
            writeln!(f, "  {:>2}. {op:?}", n + 1)?;
        }
        write!(f, "]")
    }
}

fn op() -> impl Strategy<Value = Op> {
    // Most operations on one lesson, so that edits meet, conflict and get
    // resolved; the others are there to be left alone.
    let lesson = prop_oneof![4 => Just(0), 1 => Just(1), 1 => Just(2)];
    let vis = prop_oneof![
        3 => Just(Vis::Public),
        1 => Just(Vis::Draft),
        1 => Just(Vis::Scheduled),
        1 => Just(Vis::Broken),
    ];
    let via = prop_oneof![
        3 => Just(Via::Lib),
        1 => Just(Via::Admin),
        1 => Just(Via::Webhook),
        1 => Just(Via::Cli),
    ];
    let how = prop_oneof![Just(How::TakeFile), Just(How::KeepAdmin), Just(How::Merge)];
    // Mostly one part of three, so that edits of the two sides often merge;
    // the same part, or all, still overlap.
    let edit = prop_oneof![
        4 => Just(Edit::First),
        4 => Just(Edit::Second),
        4 => Just(Edit::Third),
        1 => Just(Edit::All),
    ];
    // Earlier alternatives are what shrinking moves towards.
    prop_oneof![
        7 => (lesson.clone(), vis, edit.clone()).prop_map(|(i, v, e)| Op::Write(i, v, e)),
        5 => via.prop_map(Op::Sync),
        7 => (lesson.clone(), prop::bool::weighted(0.3), prop::bool::weighted(0.2), edit.clone())
            .prop_map(|(lesson, stale, draft, edit)| Op::Save { lesson, stale, draft, edit }),
        1 => (lesson.clone(), prop::option::weighted(0.7, edit))
            .prop_map(|(i, e)| Op::Autosave(i, e)),
        2 => lesson.clone().prop_map(Op::Open),
        3 => how.prop_map(Op::Resolve),
        2 => Just(Op::Export),
        2 => (lesson.clone(), 0u8..8).prop_map(|(i, k)| Op::Restore(i, k)),
        1 => lesson.clone().prop_map(Op::Rename),
        1 => lesson.clone().prop_map(Op::Delete),
        1 => (lesson.clone(), any::<bool>()).prop_map(|(i, a)| Op::Archive(i, a)),
        2 => (0u8..5).prop_map(Op::SyncKilled),
    ]
}

/// How often the interesting situations came up: printed at the end when
/// `MODEL_STATS` is set, to see what the generator reaches.
#[derive(Clone, Copy, Debug)]
enum Seen {
    Conflict,
    RenameConflict,
    ArchivedConflict,
    StaleRefused,
    StaleMerged,
    /// A stale save merged with a live text that had changed meanwhile.
    StaleMergedParts,
    /// A file change over unexported admin edits merged by a sync.
    GitMerge,
    Autosave,
    /// The editor page offered to restore a draft.
    RestoreOffered,
    TakeFile,
    KeepAdmin,
    Merge,
    KilledPartWay,
    Exported,
    ExportRefused,
    Renamed,
    Webhook,
    Cli,
}

const ALL_SEEN: [Seen; 18] = [
    Seen::Conflict,
    Seen::RenameConflict,
    Seen::ArchivedConflict,
    Seen::StaleRefused,
    Seen::StaleMerged,
    Seen::StaleMergedParts,
    Seen::GitMerge,
    Seen::Autosave,
    Seen::RestoreOffered,
    Seen::TakeFile,
    Seen::KeepAdmin,
    Seen::Merge,
    Seen::KilledPartWay,
    Seen::Exported,
    Seen::ExportRefused,
    Seen::Renamed,
    Seen::Webhook,
    Seen::Cli,
];

static SEEN: [AtomicUsize; ALL_SEEN.len()] = [const { AtomicUsize::new(0) }; ALL_SEEN.len()];

fn seen(what: Seen) {
    SEEN[what as usize].fetch_add(1, Ordering::Relaxed);
}

fn cases(postgres: bool) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if postgres {
            DEFAULT_CASES_POSTGRES
        } else {
            DEFAULT_CASES
        })
}

/// The test. proptest's runner is driven by hand (rather than through
/// `proptest!`) so that one PostgreSQL database serves every case.
#[test]
fn content_is_never_lost_and_the_site_serves_what_the_model_says() {
    let dbs = Databases::new();
    let config = ProptestConfig {
        cases: cases(dbs.shared.is_some()),
        // A case takes a fraction of a second: shrinking stays within minutes.
        max_shrink_iters: 400,
        max_shrink_time: 240_000,
        // No regression files written into the source tree.
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    let strategy = prop::collection::vec(op(), 1..=MAX_OPS).prop_map(Ops);
    let result = TestRunner::new(config).run(&strategy, |ops| {
        // A runtime per case ends the case's background tasks with it.
        match runtime().block_on(run_case(&ops.0, dbs.shared.as_ref())) {
            Ok(()) => Ok(()),
            Err(Failure::Discard(why)) => Err(TestCaseError::reject(why)),
            Err(Failure::Fail(why)) => Err(TestCaseError::fail(why)),
        }
    });
    if std::env::var_os("MODEL_STATS").is_some() {
        let counts: Vec<String> = ALL_SEEN
            .iter()
            .map(|s| format!("{s:?} {}", SEEN[*s as usize].load(Ordering::Relaxed)))
            .collect();
        eprintln!("model stats: {}", counts.join(", "));
    }
    match result {
        Ok(()) => {}
        Err(TestError::Fail(why, ops)) => {
            panic!("{why}\nminimal failing sequence of operations: {ops:?}")
        }
        Err(TestError::Abort(why)) => panic!("{why}"),
    }
}

/// Runs one sequence of operations with every check, as a case does.
fn replay(ops: &[Op]) {
    let dbs = Databases::new();
    match runtime().block_on(run_case(ops, dbs.shared.as_ref())) {
        Ok(()) => {}
        Err(Failure::Discard(why)) => panic!("beyond the model: {why}"),
        Err(Failure::Fail(why)) => panic!("{why}\nin {:?}", Ops(ops.to_vec())),
    }
}

// Sequences the model test found, kept as regression tests.

/// A merge with the file is three writes (the row, the merged revision and
/// the file's own text): a sync killed after four writes holds one whole
/// change, not two.
#[test]
fn a_killed_sync_counts_a_merge_with_the_file_as_three_writes() {
    replay(&[
        Op::Save {
            lesson: 0,
            stale: false,
            draft: false,
            edit: Edit::Second,
        },
        Op::Rename(1),
        Op::Write(0, Vis::Public, Edit::First),
        Op::SyncKilled(4),
    ]);
}

/// `lectern export` wrote the admin's text over a file change no sync had
/// seen, and recorded the new hash: the author's text was gone for good.
#[test]
fn export_leaves_a_file_change_sync_has_not_seen() {
    replay(&[
        Op::Save {
            lesson: 0,
            stale: false,
            draft: false,
            edit: Edit::All,
        },
        Op::Write(0, Vis::Public, Edit::All),
        Op::Export,
        Op::Sync(Via::Lib),
        Op::Resolve(How::TakeFile),
        Op::Export,
    ]);
}

/// Renaming a file replaced the lesson's unexported admin edits by the
/// file's (old) text, with no conflict.
#[test]
fn a_renamed_file_over_admin_edits_is_a_conflict() {
    replay(&[
        Op::Save {
            lesson: 0,
            stale: false,
            draft: false,
            edit: Edit::All,
        },
        Op::Rename(0),
        Op::Sync(Via::Lib),
        Op::Resolve(How::KeepAdmin),
        Op::Write(0, Vis::Public, Edit::All),
        Op::Sync(Via::Lib),
    ]);
}

/// A file change replaced the unexported admin edits of a lesson archived in
/// the admin, and published it again, with no conflict.
#[test]
fn a_file_change_over_admin_edits_of_an_archived_lesson_is_a_conflict() {
    replay(&[
        Op::Save {
            lesson: 0,
            stale: false,
            draft: false,
            edit: Edit::All,
        },
        Op::Write(0, Vis::Public, Edit::All),
        Op::Archive(0, true),
        Op::Sync(Via::Lib),
    ]);
}

/// The databases of a test's cases: on PostgreSQL one database, made and
/// migrated once (that costs seconds there; emptying it, a fraction); on
/// SQLite none here, as every case makes a fresh file.
struct Databases {
    _dir: tempfile::TempDir,
    shared: Option<TestDb>,
}

impl Databases {
    fn new() -> Databases {
        let dir = tempfile::tempdir().unwrap();
        let postgres = std::env::var("TEST_DATABASE_URL").is_ok_and(|u| !u.is_empty());
        let shared = postgres.then(|| {
            runtime().block_on(async {
                let db = TestDb::new(dir.path()).await;
                let conn = lectern::db::connect(&db.url).await.unwrap();
                lectern::db::migrate(&conn).await.unwrap();
                conn.close().await.ok();
                db
            })
        });
        Databases { _dir: dir, shared }
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

// ------------------------------------------------------------ the model

/// A lesson file as the model knows it.
#[derive(Clone, Debug)]
struct FileM {
    /// 0: `NN-slug.md`, 1: the renamed `1N-slug.md`.
    slot: u8,
    text: Text,
    draft: bool,
    scheduled: bool,
    broken: bool,
    hash: String,
}

impl FileM {
    fn status(&self) -> Status {
        if self.draft {
            Status::Draft
        } else {
            Status::Published
        }
    }
}

/// A body as the model knows it: the tokens of its three paragraphs,
/// `\nText wNNNN.\n\nMore wNNNN.\n\nEnd wNNNN.\n`. Every paragraph ever
/// written has a number never used before, so a token names exactly one
/// paragraph, and three tokens one text (title and summary never change).
type Text = [u32; 3];

/// The fields beside the text a revision records (`None`: a text kept
/// without them, an edit as typed or a conflict's file text): the status
/// and whether `publish_at` is set.
type Fields = Option<(Status, bool)>;

/// A lesson row as the model knows it.
#[derive(Clone, Debug)]
struct RowM {
    live: Text,
    status: Status,
    scheduled: bool,
    /// The file the row is bound to (`source_path`).
    slot: u8,
    /// Hash of the file bytes last applied (`source_hash`).
    applied: Option<String>,
    /// The text as last synced or exported (`synced_hash`).
    synced: Text,
    /// Index in `revs` of the open conflict's revision.
    conflict: Option<usize>,
    version: i32,
    revs: Vec<(Text, Origin, Fields)>,
    /// Each version's text and status, for predicting three-way merges.
    versions: Vec<(i32, Text, Status)>,
}

impl RowM {
    /// Notes the current version's text and status.
    fn record(&mut self) {
        self.versions.push((self.version, self.live, self.status));
    }

    /// A revision of `text` with the row's fields as they are now.
    fn rev(&mut self, text: Text, origin: Origin) {
        self.revs
            .push((text, origin, Some((self.status, self.scheduled))));
    }

    /// Changed in the admin since the last sync (or export).
    fn admin_edited(&self) -> bool {
        self.live != self.synced
    }
}

#[derive(Clone, Debug, Default)]
struct Model {
    files: [Option<FileM>; N],
    rows: [Option<RowM>; N],
    /// Every text ever written: (token, lesson, by whom).
    written: Vec<(u32, usize, &'static str)>,
    /// The version at which the editor opened each lesson's form.
    forms: [Option<i32>; N],
    /// The editor's latest autosaved draft of each lesson, until a save.
    drafts: [Option<Text>; N],
    /// Tokens written only into drafts: never live, never in a revision.
    draft_only: Vec<u32>,
    /// Every text made so far, to name a `synced_hash`.
    texts: BTreeSet<Text>,
    /// Every file version ever made: hash → description.
    file_names: BTreeMap<String, String>,
    next_tok: u32,
}

/// What a sync reports, by path.
#[derive(Debug, Default, PartialEq, Eq)]
struct Outcome {
    created: Vec<String>,
    updated: Vec<String>,
    archived: Vec<String>,
    conflicts: Vec<String>,
}

impl Outcome {
    fn sorted(mut self) -> Outcome {
        for list in [
            &mut self.created,
            &mut self.updated,
            &mut self.archived,
            &mut self.conflicts,
        ] {
            list.sort();
        }
        self
    }

    fn counts(&self) -> [usize; 4] {
        [
            self.created.len(),
            self.updated.len(),
            self.archived.len(),
            self.conflicts.len(),
        ]
    }

    fn is_empty(&self) -> bool {
        self.counts() == [0; 4]
    }
}

fn path(i: usize, slot: u8) -> String {
    format!("{COURSE}/{:02}-{}.md", i + 1 + 10 * slot as usize, SLUGS[i])
}

/// Merges `mine` and `theirs`, both edited from `base`, part by part as a
/// line-wise three-way merge does (the parts are paragraphs one blank line
/// apart: diffy merges changes of neighbouring ones, and the same change on
/// both sides): `None` when a part was changed by both sides differently.
fn merge_parts(base: Text, mine: Text, theirs: Text) -> Option<Text> {
    let mut merged = base;
    for p in 0..base.len() {
        merged[p] = match (mine[p] != base[p], theirs[p] != base[p]) {
            (true, true) if mine[p] != theirs[p] => return None,
            (true, _) => mine[p],
            _ => theirs[p],
        };
    }
    Some(merged)
}

/// A save of `typed` with `status` from `version` over the row as it is
/// now, merged three ways as the admin does: the merge is clean when the two
/// sides changed different parts of the text and the status was changed by
/// one side at most; then the merged text and status.
fn stale_merge(r: &RowM, version: i32, typed: Text, status: Status) -> Option<(Text, Status)> {
    let &(_, base_text, base_status) = r.versions.iter().find(|(v, ..)| *v == version)?;
    let text = merge_parts(base_text, typed, r.live)?;
    let status = merged_status(r, base_status, status)?;
    Some((text, status))
}

/// The status a clean merge saves, `None` when both sides changed it.
fn merged_status(r: &RowM, base_status: Status, status: Status) -> Option<Status> {
    if status == r.status || base_status == r.status {
        Some(status)
    } else if base_status == status {
        Some(r.status)
    } else {
        None
    }
}

fn body(text: Text) -> String {
    format!(
        "\nText w{:04}.\n\nMore w{:04}.\n\nEnd w{:04}.\n",
        text[0], text[1], text[2]
    )
}

fn tok_name(tok: u32) -> String {
    format!("w{tok:04}")
}

fn text_name(text: Text) -> String {
    format!("w{:04}+w{:04}+w{:04}", text[0], text[1], text[2])
}

/// The tokens of a stored body, or the body itself when it is not a model's.
fn name_of_body(body_md: &str) -> String {
    let parts = body_md
        .strip_prefix("\nText w")
        .and_then(|b| b.strip_suffix(".\n"))
        .and_then(|b| b.split_once(".\n\nMore w"))
        .and_then(|(a, b)| Some((a, b.split_once(".\n\nEnd w")?)))
        .and_then(|(a, (b, c))| Some([a.parse().ok()?, b.parse().ok()?, c.parse().ok()?]))
        .filter(|_| body_md.len() == body([0; 3]).len());
    parts.map_or_else(|| format!("{body_md:?}"), text_name)
}

/// Every token in a text.
fn tokens_in(text: &str) -> Vec<String> {
    let b = text.as_bytes();
    (0..b.len().saturating_sub(4))
        .filter(|&k| b[k] == b'w' && b[k + 1..k + 5].iter().all(u8::is_ascii_digit))
        .map(|k| text[k..k + 5].to_string())
        .collect()
}

fn origin_name(o: Origin) -> &'static str {
    match o {
        Origin::Admin => "admin",
        Origin::Git => "git",
        Origin::Restore => "restore",
        Origin::Conflict => "conflict",
    }
}

fn status_form_value(s: Status) -> &'static str {
    match s {
        Status::Published => "published",
        Status::Draft => "draft",
        Status::Archived => "archived",
    }
}

fn file_text(i: usize, text: Text, vis: Vis) -> String {
    let extra = match vis {
        Vis::Public => "",
        Vis::Draft => "draft = true\n",
        Vis::Scheduled => "publish_at = 2999-01-01T00:00:00Z\n",
        Vis::Broken => "",
    };
    let title = match vis {
        Vis::Broken => "title = 3".to_string(),
        _ => format!("title = \"{}\"", TITLES[i]),
    };
    format!("+++\n{title}\n{extra}+++\n{}", body(text))
}

/// A lesson as compared between the model and the database.
#[derive(Debug, PartialEq, Eq)]
struct RowView {
    title: String,
    summary: String,
    live: String,
    status: Status,
    scheduled: bool,
    path: String,
    source: Option<String>,
    synced: String,
    conflict: Option<String>,
    version: i32,
    revisions: Vec<String>,
}

impl Model {
    fn fresh(&mut self, i: usize, who: &'static str) -> u32 {
        self.next_tok += 1;
        self.written.push((self.next_tok, i, who));
        self.next_tok
    }

    /// `from` with the parts `edit` names written anew by `who`.
    fn edited(&mut self, i: usize, who: &'static str, from: Text, edit: Edit) -> Text {
        let mut text = from;
        for (p, tok) in text.iter_mut().enumerate() {
            if edit.changes(p) {
                *tok = self.fresh(i, who);
            }
        }
        self.texts.insert(text);
        text
    }

    /// `from` with the parts `edit` names changed in a draft only.
    fn drafted(&mut self, from: Text, edit: Edit) -> Text {
        let mut text = from;
        for (p, tok) in text.iter_mut().enumerate() {
            if edit.changes(p) {
                self.next_tok += 1;
                self.draft_only.push(self.next_tok);
                *tok = self.next_tok;
            }
        }
        text
    }

    fn name_of_file(&self, hash: &str) -> String {
        self.file_names
            .get(hash)
            .cloned()
            .unwrap_or_else(|| format!("unknown file {}", &hash[..8.min(hash.len())]))
    }

    /// The token whose text has this `synced_hash`.
    fn name_of_synced(&self, i: usize, hash: Option<&str>) -> String {
        let Some(hash) = hash else {
            return "none".into();
        };
        self.texts
            .iter()
            .find(|t| content_hash(TITLES[i], "", &body(**t)) == hash)
            .map_or_else(|| format!("unknown text {}", &hash[..8]), |t| text_name(*t))
    }

    fn view(&self, i: usize) -> Option<RowView> {
        let r = self.rows[i].as_ref()?;
        Some(RowView {
            title: TITLES[i].into(),
            summary: String::new(),
            live: text_name(r.live),
            status: r.status,
            scheduled: r.scheduled,
            path: path(i, r.slot),
            source: r.applied.as_deref().map(|h| self.name_of_file(h)),
            synced: text_name(r.synced),
            conflict: r.conflict.map(|c| format!("revision #{c}")),
            version: r.version,
            revisions: r
                .revs
                .iter()
                .map(|(t, o, _)| format!("{} {}", text_name(*t), origin_name(*o)))
                .collect(),
        })
    }

    fn public(&self, i: usize) -> Option<Text> {
        self.rows[i]
            .as_ref()
            .filter(|r| r.status == Status::Published && !r.scheduled)
            .map(|r| r.live)
    }

    /// The file change of lesson `i` (if any) that a sync would apply.
    fn pending_file(&self, i: usize) -> Option<&FileM> {
        let f = self.files[i].as_ref()?;
        let r = self.rows[i].as_ref()?;
        let changed = f.slot != r.slot || r.applied.as_deref() != Some(f.hash.as_str());
        (changed && !f.broken).then_some(f)
    }

    /// A changed file meeting unexported admin edits, with a different text.
    fn meets_admin_edits(&self, i: usize) -> bool {
        match (self.pending_file(i), self.rows[i].as_ref()) {
            (Some(f), Some(r)) => r.admin_edited() && f.text != r.live,
            _ => false,
        }
    }

    /// DESIGN §6: a changed file meeting unexported admin edits is a
    /// conflict, unless the sync merges the two.
    fn conflict_expected(&self, i: usize) -> bool {
        self.meets_admin_edits(i) && self.git_merge(i).is_none()
    }

    /// The merge a sync makes of a file change meeting unexported admin
    /// edits, as `plan::merge_with_file`: the file changed in place (a
    /// renamed file is a conflict), the base is the newest revision holding
    /// the text as last synced, every field beside the text either agrees
    /// with the file or was changed by the file alone (the status also by
    /// the admin alone, which is kept), and the texts do not overlap. The
    /// merged text and status.
    fn git_merge(&self, i: usize) -> Option<(Text, Status)> {
        if !self.meets_admin_edits(i) {
            return None;
        }
        let (f, r) = (self.pending_file(i)?, self.rows[i].as_ref()?);
        if f.slot != r.slot {
            return None;
        }
        let &(base, _, fields) = r.revs.iter().rev().find(|(t, ..)| *t == r.synced)?;
        let (base_status, base_scheduled) = (fields.map(|f| f.0), fields.map(|f| f.1));
        let mut keep_admin_status = false;
        if r.status != f.status() {
            if base_status == Some(f.status()) {
                keep_admin_status = true;
            } else if base_status != Some(r.status) {
                return None;
            }
        }
        if r.scheduled != f.scheduled && base_scheduled != Some(r.scheduled) {
            return None;
        }
        let text = merge_parts(base, r.live, f.text)?;
        Some((
            text,
            if keep_admin_status {
                r.status
            } else {
                f.status()
            },
        ))
    }

    /// The model after a complete sync, and what the sync reports.
    fn synced(&self) -> (Model, Outcome) {
        let mut next = self.clone();
        let mut out = Outcome::default();
        for i in 0..N {
            let conflict = self.conflict_expected(i);
            let merge = self.git_merge(i);
            let file = self.files[i].as_ref();
            let row = &mut next.rows[i];
            let Some(r) = row.as_mut() else {
                if let Some(f) = file.filter(|f| !f.broken) {
                    *row = Some(RowM {
                        live: f.text,
                        status: f.status(),
                        scheduled: f.scheduled,
                        slot: f.slot,
                        applied: Some(f.hash.clone()),
                        synced: f.text,
                        conflict: None,
                        version: 1,
                        revs: vec![(f.text, Origin::Git, Some((f.status(), f.scheduled)))],
                        versions: vec![(1, f.text, f.status())],
                    });
                    out.created.push(path(i, f.slot));
                }
                continue;
            };
            match file {
                // At the row's path: unchanged bytes or unreadable: nothing to do.
                Some(f)
                    if f.slot == r.slot
                        && (f.broken || r.applied.as_deref() == Some(f.hash.as_str())) => {}
                // Changed in place, or renamed (same slug, another name).
                Some(f) if !f.broken => {
                    if conflict {
                        r.conflict = Some(r.revs.len());
                        r.revs.push((f.text, Origin::Conflict, None));
                        r.applied = Some(f.hash.clone());
                        r.slot = f.slot;
                        out.conflicts.push(path(i, f.slot));
                    } else {
                        // The file's text, or its merge with the admin's
                        // (which then still has edits to export).
                        let (live, status) = merge.unwrap_or((f.text, f.status()));
                        next.texts.insert(live);
                        r.live = live;
                        r.status = status;
                        r.scheduled = f.scheduled;
                        r.slot = f.slot;
                        r.applied = Some(f.hash.clone());
                        r.synced = f.text;
                        r.version += 1;
                        r.record();
                        r.rev(live, Origin::Git);
                        if merge.is_some() {
                            // The file's own text, kept beside the merge
                            // (the base of the next one), with its fields.
                            r.revs
                                .push((f.text, Origin::Git, Some((f.status(), f.scheduled))));
                        }
                        out.updated.push(path(i, f.slot));
                    }
                }
                // The row's file is gone (deleted, or renamed to a broken file).
                _ => {
                    if r.status != Status::Archived {
                        out.archived.push(path(i, r.slot));
                        r.status = Status::Archived;
                        r.applied = None;
                        r.version += 1;
                        r.record();
                        r.rev(r.live, Origin::Git);
                    }
                }
            }
        }
        (next, out.sorted())
    }

    /// Lessons an export writes: edited in the admin since the last sync,
    /// not archived, no open conflict, and their file as last applied (an
    /// export never writes over a file change sync has not seen).
    fn to_export(&self) -> Vec<usize> {
        (0..N)
            .filter(|&i| {
                let Some(r) = self.rows[i].as_ref() else {
                    return false;
                };
                let at_path = self.files[i]
                    .as_ref()
                    .filter(|f| f.slot == r.slot)
                    .map(|f| f.hash.as_str());
                let wanted =
                    r.status != Status::Archived && r.admin_edited() && r.conflict.is_none();
                if wanted && at_path != r.applied.as_deref() {
                    seen(Seen::ExportRefused);
                }
                wanted && at_path == r.applied.as_deref()
            })
            .collect()
    }
}

// ------------------------------------------------------------ the system

enum Failure {
    /// The case reached a state the model does not describe.
    Discard(String),
    Fail(String),
}

impl From<String> for Failure {
    fn from(s: String) -> Failure {
        Failure::Fail(s)
    }
}

macro_rules! ensure {
    ($cond:expr, $($arg:tt)+) => {
        if !$cond {
            return Err(format!($($arg)+).into());
        }
    };
}

trait Ctx<T> {
    fn ctx(self, what: &str) -> Result<T, String>;
}

impl<T, E: fmt::Display> Ctx<T> for Result<T, E> {
    fn ctx(self, what: &str) -> Result<T, String> {
        self.map_err(|e| format!("{what}: {e}"))
    }
}

fn git(dir: &Path, args: &[&str]) -> Result<(), String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "Author")
        .env("GIT_AUTHOR_EMAIL", "author@example.org")
        .env("GIT_COMMITTER_NAME", "Author")
        .env("GIT_COMMITTER_EMAIL", "author@example.org")
        .output()
        .ctx("git runs")?;
    ensure!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(())
}

/// Every version of every file the repository has held, as one text.
fn git_history(repo: &Path) -> Result<String, String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(["log", "-p", "--format=", "main"])
        .output()
        .ctx("git log runs")?;
    ensure!(
        out.status.success(),
        "git log: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn signature(body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// One case's content folder and database: a fresh SQLite file, or the
/// test's PostgreSQL database emptied. (`common::Fixture` makes a database
/// per fixture, which costs seconds on PostgreSQL.)
struct Site {
    dir: tempfile::TempDir,
    url: String,
    _own: Option<TestDb>,
}

impl Site {
    async fn new(shared: Option<&TestDb>) -> Result<Site, String> {
        let dir = tempfile::tempdir().ctx("temp dir")?;
        std::fs::create_dir_all(dir.path().join("content")).ctx("content dir")?;
        let (url, own) = match shared {
            None => {
                let db = TestDb::new(dir.path()).await;
                (db.url.clone(), Some(db))
            }
            Some(db) => {
                empty(&db.url).await?;
                (db.url.clone(), None)
            }
        };
        Ok(Site {
            dir,
            url,
            _own: own,
        })
    }

    /// The site's working copy, which sync reads and export writes.
    fn content(&self) -> std::path::PathBuf {
        self.dir.path().join("content")
    }

    /// The author's clone, where every file change is made and committed.
    fn author(&self) -> std::path::PathBuf {
        self.dir.path().join("author")
    }

    /// The bare repository both push to.
    fn remote(&self) -> std::path::PathBuf {
        self.dir.path().join("remote.git")
    }

    fn write(&self, rel: &str, text: &str) {
        let path = self.author().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn remove(&self, rel: &str) {
        std::fs::remove_file(self.author().join(rel)).unwrap();
    }

    /// As `Fixture::figment`.
    fn figment(&self) -> rocket::figment::Figment {
        lectern::config::figment()
            .merge(("database_url", &self.url))
            .merge(("content_dir", self.content()))
            .merge(("log_level", "off"))
            .merge((
                "template_dir",
                Path::new(env!("CARGO_MANIFEST_DIR")).join("templates"),
            ))
    }
}

/// Empties every table of a migrated PostgreSQL database but the migrations'
/// and the content version's, as if it were new. (`DELETE`, tables in an
/// order the foreign keys accept, is much cheaper than `TRUNCATE` here.)
async fn empty(url: &str) -> Result<(), String> {
    let db = lectern::db::connect(url).await.ctx("connect")?;
    let mut tables = db
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' \
             AND tablename NOT IN ('seaql_migrations', 'site_state')",
        ))
        .await
        .ctx("list tables")?
        .iter()
        .map(|row| row.try_get_by_index::<String>(0))
        .collect::<Result<Vec<_>, _>>()
        .ctx("table name")?;
    for sql in [
        "DROP TRIGGER IF EXISTS model_crash_l ON lessons",
        "DROP TRIGGER IF EXISTS model_crash_r ON lesson_revisions",
    ] {
        db.execute_unprepared(sql).await.ctx(sql)?;
    }
    // A table still referenced fails; it is emptied on a later round.
    for _ in 0..tables.len() {
        let mut left = Vec::new();
        for t in tables {
            if db
                .execute_unprepared(&format!("DELETE FROM \"{t}\""))
                .await
                .is_err()
            {
                left.push(t);
            }
        }
        tables = left;
        if tables.is_empty() {
            break;
        }
    }
    ensure!(tables.is_empty(), "cannot empty {tables:?}");
    db.close().await.ok();
    Ok(())
}

/// One case's site, the editor's logged-in client and an anonymous reader's
/// client (two instances on one database), and the test's own connection.
struct World {
    f: Site,
    db: lectern::db::Db,
    admin: Client,
    public: Client,
    csrf: String,
    course_id: i32,
    /// The author pushed commits the site's working copy has not pulled.
    behind: std::cell::Cell<bool>,
    /// The remote's history as last read, until the next push.
    history: std::cell::RefCell<Option<String>>,
}

async fn run_case(ops: &[Op], shared: Option<&TestDb>) -> Result<(), Failure> {
    let (mut w, mut m) = World::start(shared).await?;
    w.check(&m)
        .await
        .map_err(|e| format!("after the start-up sync: {e}"))?;
    for (n, op) in ops.iter().enumerate() {
        match w.step(&mut m, op).await {
            Ok(()) => {}
            Err(Failure::Fail(e)) => return Err(format!("step {} {op:?}: {e}", n + 1).into()),
            Err(discard) => return Err(discard),
        }
        w.check(&m)
            .await
            .map_err(|e| format!("after step {} {op:?}: {e}", n + 1))?;
    }
    w.admin.rocket().shutdown().notify();
    w.public.rocket().shutdown().notify();
    Ok(())
}

impl World {
    /// A course with one published file per slug, synced at start-up.
    async fn start(shared: Option<&TestDb>) -> Result<(World, Model), String> {
        let f = Site::new(shared).await?;
        // The author's clone and the site's working copy share a bare
        // repository: the author pushes, the site pulls (the webhook, or the
        // deploy step before `lectern sync`) and pushes what export wrote.
        let (remote, author) = (f.remote(), f.author());
        std::fs::create_dir_all(&remote).ctx("mkdir")?;
        git(&remote, &["init", "--bare", "-q", "-b", "main"])?;
        std::fs::create_dir_all(&author).ctx("mkdir")?;
        git(&author, &["init", "-q", "-b", "main"])?;
        git(
            &author,
            &["remote", "add", "origin", remote.to_str().unwrap()],
        )?;
        f.write(
            &format!("{COURSE}/_course.md"),
            &crate::common::course("Course"),
        );
        let db = lectern::db::connect(&f.url).await.ctx("connect")?;
        if shared.is_none() {
            lectern::db::migrate(&db).await.ctx("migrate")?;
        }
        add_user(&db, "eve", Role::Editor).await;
        let mut m = Model::default();
        let mut w_files = Vec::new();
        for i in 0..N {
            let text = m.edited(i, "author", [0; 3], Edit::All);
            w_files.push((i, text));
        }
        for (i, text) in w_files {
            write_file(&f, &mut m, i, 0, text, Vis::Public);
        }
        git(&author, &["add", "-A"])?;
        git(&author, &["commit", "-q", "-m", "the course"])?;
        git(&author, &["push", "-q", "-u", "origin", "main"])?;
        git(
            f.dir.path(),
            &["clone", "-q", remote.to_str().unwrap(), "content"],
        )?;
        // Both clients serve through the case's one database handle, so the
        // public one sees every write at once (no waiting for a poll).
        let on_db = || lectern::Parts {
            db: Some(db.clone()),
            ..Default::default()
        };
        let admin = Client::tracked(lectern::build_with(
            f.figment()
                .merge(("webhook_secret", SECRET))
                .merge(("sync_on_start", true)),
            on_db(),
        ))
        .await
        .ctx("the site starts")?;
        if let Some(startup) = admin.rocket().state::<lectern::StartupSync>() {
            startup.finished().await;
        }
        let public = Client::tracked(lectern::build_with(
            f.figment().merge(("sync_on_start", false)),
            on_db(),
        ))
        .await
        .ctx("a second client starts")?;
        m = m.synced().0;
        ensure!(
            log_in(&admin, "eve", PASSWORD).await == Http::SeeOther,
            "log in"
        );
        let csrf = csrf(&admin).await;
        let course_id = count(
            &db,
            &format!("SELECT id FROM courses WHERE slug = '{COURSE}'"),
        )
        .await as i32;
        Ok((
            World {
                f,
                db,
                admin,
                public,
                csrf,
                course_id,
                behind: std::cell::Cell::new(false),
                history: std::cell::RefCell::new(None),
            },
            m,
        ))
    }

    async fn step(&mut self, m: &mut Model, op: &Op) -> Result<(), Failure> {
        match *op {
            Op::Write(i, vis, edit) => {
                let slot = m.files[i]
                    .as_ref()
                    .map(|f| f.slot)
                    .or(m.rows[i].as_ref().map(|r| r.slot))
                    .unwrap_or(0);
                // The author edits the file as it is; a new file is new throughout.
                let (from, edit) = match m.files[i].as_ref() {
                    Some(f) => (f.text, edit),
                    None => ([0; 3], Edit::All),
                };
                let text = m.edited(i, "author", from, edit);
                self.author_pull()?;
                write_file(&self.f, m, i, slot, text, vis);
                self.author_push(&format!("write {}", text_name(text)))?;
            }
            Op::Rename(i) => {
                if let Some(f) = m.files[i].as_mut() {
                    let to = 1 - f.slot;
                    self.author_pull()?;
                    std::fs::rename(
                        self.f.author().join(path(i, f.slot)),
                        self.f.author().join(path(i, to)),
                    )
                    .ctx("rename")?;
                    f.slot = to;
                    self.author_push(&format!("rename {}", SLUGS[i]))?;
                }
            }
            Op::Delete(i) => {
                if let Some(f) = m.files[i].take() {
                    self.author_pull()?;
                    self.f.remove(&path(i, f.slot));
                    self.author_push(&format!("delete {}", SLUGS[i]))?;
                }
            }
            Op::Sync(via) => self.sync(m, via).await?,
            Op::SyncKilled(k) => self.killed_sync(m, k).await?,
            Op::Open(i) => {
                let Some(r) = m.rows[i].as_ref() else {
                    return Ok(());
                };
                let id = self.id(i).await?;
                let (status, page) = get(&self.admin, &format!("/admin/lessons/{id}/edit")).await;
                ensure!(status == Http::Ok, "the editor opens: {status}");
                let version: i32 = crate::common::hidden(&page, "version")
                    .parse()
                    .ctx("version field")?;
                ensure!(
                    version == r.version,
                    "the form is at version {version}, the lesson at {}",
                    r.version
                );
                check_draft_offer(&page, m, i)?;
                m.forms[i] = Some(version);
            }
            Op::Autosave(i, edit) => {
                let Some(r) = m.rows[i].as_ref() else {
                    return Ok(());
                };
                let (live, version, status) = (r.live, r.version, r.status);
                let text = match edit {
                    Some(edit) => m.drafted(live, edit),
                    None => live,
                };
                let id = self.id(i).await?;
                let (http, _, answer) = post(
                    &self.admin,
                    &format!("/admin/lessons/autosave?lesson={id}"),
                    &[
                        ("csrf", &self.csrf),
                        ("version", &version.to_string()),
                        ("title", TITLES[i]),
                        ("slug", SLUGS[i]),
                        ("course_id", &self.course_id.to_string()),
                        ("status", status_form_value(status)),
                        ("summary", ""),
                        ("body_md", &body(text)),
                        ("action", "autosave"),
                    ],
                )
                .await;
                ensure!(http == Http::Ok, "autosave: {http} {answer}");
                seen(Seen::Autosave);
                m.drafts[i] = Some(text);
                let (http, page) = get(&self.admin, &format!("/admin/lessons/{id}/edit")).await;
                ensure!(http == Http::Ok, "the editor opens: {http}");
                check_draft_offer(&page, m, i)?;
            }
            Op::Save {
                lesson: i,
                stale,
                draft,
                edit,
            } => {
                let Some(r) = m.rows[i].as_ref() else {
                    return Ok(());
                };
                let current = r.version;
                // A stale form: the one opened earlier if it is outdated, else
                // one from the version before.
                let version = match m.forms[i] {
                    _ if !stale => current,
                    Some(v) if v != current => v,
                    _ if current > 1 => current - 1,
                    _ => current,
                };
                let status = if draft {
                    Status::Draft
                } else {
                    Status::Published
                };
                self.save(m, i, version, status, edit).await?;
            }
            Op::Archive(i, archived) => {
                let Some(r) = m.rows[i].as_mut() else {
                    return Ok(());
                };
                let id = self.id(i).await?;
                let verb = if archived { "archive" } else { "unarchive" };
                let (status, location, _) = post(
                    &self.admin,
                    &format!("/admin/lessons/{id}/{verb}"),
                    &[
                        ("csrf", &self.csrf),
                        ("version", &r.version.to_string()),
                        ("confirm", "yes"),
                    ],
                )
                .await;
                ensure!(
                    status == Http::SeeOther
                        && location.as_deref()
                            == Some(format!("/admin/lessons/{id}/edit?saved=true").as_str()),
                    "{verb}: {status} {location:?}"
                );
                r.status = if archived {
                    Status::Archived
                } else {
                    Status::Draft
                };
                r.version += 1;
                r.record();
                r.rev(r.live, Origin::Admin);
            }
            Op::Restore(i, k) => {
                let Some(r) = m.rows[i].as_ref() else {
                    return Ok(());
                };
                let index = k as usize % r.revs.len();
                self.restore(m, i, index).await?;
            }
            Op::Resolve(how) => {
                let Some(i) =
                    (0..N).find(|&i| m.rows[i].as_ref().is_some_and(|r| r.conflict.is_some()))
                else {
                    return Ok(());
                };
                let r = m.rows[i].as_ref().unwrap();
                match how {
                    How::TakeFile => {
                        seen(Seen::TakeFile);
                        let index = r.conflict.unwrap();
                        self.restore(m, i, index).await?;
                    }
                    How::KeepAdmin => {
                        seen(Seen::KeepAdmin);
                        self.keep(m, i).await?
                    }
                    How::Merge => {
                        seen(Seen::Merge);
                        let (version, status) = (r.version, r.status);
                        self.save(m, i, version, status, Edit::All).await?;
                        self.keep(m, i).await?;
                    }
                }
            }
            Op::Export => self.export(m).await?,
        }
        Ok(())
    }

    async fn id(&self, i: usize) -> Result<i32, String> {
        Ok(self.row(i).await?.ok_or("no lesson row")?.id)
    }

    async fn row(&self, i: usize) -> Result<Option<lesson::Model>, String> {
        lesson::Entity::find()
            .filter(lesson::Column::Slug.eq(SLUGS[i]))
            .one(&self.db)
            .await
            .ctx("read the lesson")
    }

    /// Saves a new text through the editor's form, from `version`: the
    /// text of that version with the parts `edit` names changed.
    async fn save(
        &self,
        m: &mut Model,
        i: usize,
        version: i32,
        status: Status,
        edit: Edit,
    ) -> Result<(), String> {
        let id = self.id(i).await?;
        let r = m.rows[i].as_ref().unwrap();
        let from = r
            .versions
            .iter()
            .find(|(v, ..)| *v == version)
            .map_or(r.live, |&(_, text, _)| text);
        let typed = m.edited(i, "editor", from, edit);
        let (http, location, page) = post(
            &self.admin,
            &format!("/admin/lessons/{id}/edit"),
            &[
                ("csrf", &self.csrf),
                ("version", &version.to_string()),
                ("title", TITLES[i]),
                ("slug", SLUGS[i]),
                ("course_id", &self.course_id.to_string()),
                ("status", status_form_value(status)),
                ("summary", ""),
                ("body_md", &body(typed)),
                ("action", "save"),
            ],
        )
        .await;
        if http == Http::SeeOther {
            // A save deletes the editor's draft of the lesson.
            m.drafts[i] = None;
        }
        let r = m.rows[i].as_mut().unwrap();
        if version == r.version {
            ensure!(
                http == Http::SeeOther,
                "a save from the current version {version} is refused: {http} {location:?}"
            );
            r.live = typed;
            r.status = status;
            r.version += 1;
            r.record();
            r.rev(typed, Origin::Admin);
        } else if let Some((merged, merged_status)) = stale_merge(r, version, typed, status) {
            // The two sides changed different parts of the text, and the
            // status on one side at most: the edits merge without overlap.
            // The edit as typed is kept too.
            ensure!(
                http == Http::SeeOther
                    && location
                        .as_deref()
                        .is_some_and(|l| l.ends_with(&format!("&merged={}", r.version))),
                "invariant 2: a save from version {version} that merges without overlap with version {} answered {http} {location:?}",
                r.version
            );
            seen(Seen::StaleMerged);
            if merged != typed {
                seen(Seen::StaleMergedParts);
            }
            m.texts.insert(merged);
            r.live = merged;
            r.status = merged_status;
            r.version += 1;
            r.record();
            r.rev(merged, Origin::Admin);
            r.revs.push((typed, Origin::Admin, None));
        } else {
            ensure!(
                http == Http::Conflict,
                "invariant 2: a save from stale version {version} (the lesson is at {}) answered {http} {location:?}, not 409",
                r.version
            );
            seen(Seen::StaleRefused);
            ensure!(
                page.contains("changed while you were editing"),
                "the stale page says what happened"
            );
            r.revs.push((typed, Origin::Admin, None));
            let live = self.row(i).await?.map(|l| name_of_body(&l.body_md));
            ensure!(
                live.as_deref() == Some(text_name(r.live).as_str()),
                "invariant 2: a refused stale save changed the live text to {live:?}"
            );
        }
        Ok(())
    }

    /// Restores revision `index` of lesson `i` (the conflict's: takes the file).
    async fn restore(&self, m: &mut Model, i: usize, index: usize) -> Result<(), String> {
        let id = self.id(i).await?;
        let rev = count(
            &self.db,
            &format!(
                "SELECT id FROM lesson_revisions WHERE lesson_id = {id} ORDER BY id LIMIT 1 OFFSET {index}"
            ),
        )
        .await;
        let r = m.rows[i].as_mut().unwrap();
        let (status, location, _) = post(
            &self.admin,
            &format!("/admin/lessons/{id}/revisions/{rev}/restore"),
            &[("csrf", &self.csrf), ("version", &r.version.to_string())],
        )
        .await;
        ensure!(
            status == Http::SeeOther
                && location.as_deref()
                    == Some(format!("/admin/lessons/{id}/edit?saved=true").as_str()),
            "restore: {status} {location:?}"
        );
        let text = r.revs[index].0;
        r.live = text;
        r.version += 1;
        r.record();
        r.rev(text, Origin::Restore);
        if r.conflict == Some(index) {
            r.conflict = None;
            r.synced = text;
        }
        Ok(())
    }

    async fn keep(&self, m: &mut Model, i: usize) -> Result<(), String> {
        let id = self.id(i).await?;
        let (status, _, _) = post(
            &self.admin,
            &format!("/admin/lessons/{id}/keep"),
            &[("csrf", &self.csrf)],
        )
        .await;
        ensure!(status == Http::SeeOther, "keep the admin's text: {status}");
        m.rows[i].as_mut().unwrap().conflict = None;
        Ok(())
    }

    async fn export(&self, m: &mut Model) -> Result<(), Failure> {
        let expected = m.to_export();
        for &i in &expected {
            let r = m.rows[i].as_ref().unwrap();
            if m.files[i].as_ref().is_some_and(|f| f.slot != r.slot) {
                // A second file for the slug (the row's file was renamed
                // while the lesson was archived): beyond this model.
                return Err(Failure::Discard("export next to a renamed file".into()));
            }
        }
        self.site_pull()?;
        let report = lectern::content::export(&self.db, &self.f.content())
            .await
            .ctx("export")?;
        if !report.written.is_empty() {
            // The editor commits what export wrote and pushes it.
            let content = self.f.content();
            git(&content, &["add", "-A"])?;
            git(&content, &["commit", "-q", "--allow-empty", "-m", "export"])?;
            git(&content, &["push", "-q"])?;
            self.history.replace(None);
        }
        let mut written = report.written.clone();
        written.sort();
        let mut want: Vec<String> = expected
            .iter()
            .map(|&i| path(i, m.rows[i].as_ref().unwrap().slot))
            .collect();
        want.sort();
        ensure!(
            written == want,
            "export wrote {written:?}, the model expects {want:?} ({:?})",
            report.diagnostics
        );
        for i in expected {
            seen(Seen::Exported);
            let r = m.rows[i].as_mut().unwrap();
            let rel = path(i, r.slot);
            let bytes = std::fs::read(self.f.content().join(&rel)).ctx("read the export")?;
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let scheduled = m.files[i].as_ref().is_some_and(|f| f.scheduled);
            let draft = r.status == Status::Draft;
            ensure!(
                text.ends_with(&body(r.live))
                    && text.contains("draft = true") == draft
                    && text.contains("publish_at") == scheduled,
                "{rel} as exported: {text:?}"
            );
            let hash = hash_bytes(&bytes);
            m.file_names
                .insert(hash.clone(), format!("exported {}", text_name(r.live)));
            m.files[i] = Some(FileM {
                slot: r.slot,
                text: r.live,
                draft,
                scheduled,
                broken: false,
                hash: hash.clone(),
            });
            r.applied = Some(hash);
            r.synced = r.live;
        }
        Ok(())
    }

    /// The author brings in what the site pushed (exports) before a change.
    fn author_pull(&self) -> Result<(), String> {
        git(&self.f.author(), &["pull", "-q", "--ff-only"])
    }

    fn author_push(&self, message: &str) -> Result<(), String> {
        let author = self.f.author();
        git(&author, &["add", "-A"])?;
        git(&author, &["commit", "-q", "-m", message])?;
        git(&author, &["push", "-q"])?;
        self.history.replace(None);
        self.behind.set(true);
        Ok(())
    }

    /// The site's working copy pulls what the author pushed.
    fn site_pull(&self) -> Result<(), String> {
        if self.behind.replace(false) {
            git(&self.f.content(), &["pull", "-q", "--ff-only"])?;
        }
        Ok(())
    }

    /// The folder holding the files as they stand: the site's working copy,
    /// or the author's clone while the site has not pulled the last push.
    fn files_dir(&self) -> std::path::PathBuf {
        if self.behind.get() {
            self.f.author()
        } else {
            self.f.content()
        }
    }

    async fn lib_sync(&self) -> Result<Outcome, String> {
        let report = lectern::content::sync(
            &self.db,
            &self.f.content(),
            SyncOptions {
                origin: SyncOrigin::Cli,
                dry_run: false,
                strict_links: true,
            },
        )
        .await
        .ctx("sync")?;
        Ok(Outcome {
            created: report.created,
            updated: report.updated,
            archived: report.archived,
            conflicts: report.conflicts,
        }
        .sorted())
    }

    async fn run_counts(&self, id: Option<i32>) -> Result<[usize; 4], String> {
        let run = match id {
            Some(id) => sync_run::Entity::find_by_id(id).one(&self.db).await,
            None => {
                use sea_orm::QueryOrder;
                sync_run::Entity::find()
                    .order_by_desc(sync_run::Column::Id)
                    .one(&self.db)
                    .await
            }
        }
        .ctx("read the run")?
        .ok_or("no sync run recorded")?;
        ensure!(run.finished_at.is_some(), "the run is not finished");
        let n = |v: i32| v as usize;
        Ok([
            n(run.created),
            n(run.updated),
            n(run.archived),
            n(run.conflicts),
        ])
    }

    async fn sync(&self, m: &mut Model, via: Via) -> Result<(), String> {
        let before = m.clone();
        let (after, want) = before.synced();
        // The webhook pulls by itself; before the others, the deploy step does.
        let behind = self.behind.get();
        if !matches!(via, Via::Webhook) {
            self.site_pull()?;
        }
        match via {
            Via::Lib => {
                let got = self.lib_sync().await?;
                ensure!(
                    got == want,
                    "sync reported {got:?}, the model expects {want:?}"
                );
            }
            Via::Admin => {
                let (status, location, _) =
                    post(&self.admin, "/admin/sync", &[("csrf", &self.csrf)]).await;
                ensure!(status == Http::SeeOther, "sync now: {status}");
                let id = location
                    .as_deref()
                    .and_then(|l| l.strip_prefix("/admin/sync/"))
                    .and_then(|n| n.parse().ok())
                    .ok_or(format!("sync now went to {location:?}"))?;
                let got = self.run_counts(Some(id)).await?;
                ensure!(
                    got == want.counts(),
                    "sync now counted {got:?}, the model expects {want:?}"
                );
            }
            Via::Webhook => {
                seen(Seen::Webhook);
                let payload = br#"{"ref":"refs/heads/main"}"#;
                let res = self
                    .admin
                    .post("/hooks/git")
                    .header(Header::new("X-Hub-Signature-256", signature(payload)))
                    .header(Header::new("X-GitHub-Event", "push"))
                    .body(payload.as_slice())
                    .dispatch()
                    .await;
                let status = res.status();
                let text = res.into_string().await.unwrap_or_default();
                ensure!(status == Http::Ok, "webhook: {status} {text}");
                let json: serde_json::Value = serde_json::from_str(&text).ctx("webhook JSON")?;
                let list = |k: &str| -> Vec<String> {
                    json[k]
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .filter_map(|v| v.as_str().map(str::to_string))
                                .collect()
                        })
                        .unwrap_or_default()
                };
                let got = Outcome {
                    created: list("created"),
                    updated: list("updated"),
                    archived: list("archived"),
                    conflicts: list("conflicts"),
                }
                .sorted();
                ensure!(
                    got == want && json["pulled"] == behind,
                    "webhook reported {text}, the model expects {want:?} (pulled: {behind})"
                );
                self.behind.set(false);
            }
            Via::Cli => {
                seen(Seen::Cli);
                let out = Command::new(env!("CARGO_BIN_EXE_lectern"))
                    .arg("sync")
                    .env("DATABASE_URL", &self.f.url)
                    .env("ROCKET_CONTENT_DIR", self.f.content())
                    .env("LECTERN_LOG", "error")
                    .output()
                    .ctx("lectern sync runs")?;
                let stdout = String::from_utf8_lossy(&out.stdout);
                // Exit code 1 means findings (a broken file), not a failure.
                ensure!(
                    matches!(out.status.code(), Some(0 | 1)),
                    "lectern sync: {:?}\n{stdout}\n{}",
                    out.status,
                    String::from_utf8_lossy(&out.stderr)
                );
                let got = self.run_counts(None).await?;
                ensure!(
                    got == want.counts(),
                    "lectern sync counted {got:?}, the model expects {want:?}\n{stdout}"
                );
                // Another process wrote: this one's page caches learn it from
                // the content version within a poll interval; skip the wait.
                lectern::db::site_state::changed(&self.db)
                    .await
                    .ctx("bump")?;
            }
        }
        self.check_conflict_rule(&before).await?;
        for i in 0..N {
            let (Some(f), Some(r)) = (before.pending_file(i), before.rows[i].as_ref()) else {
                continue;
            };
            if before.git_merge(i).is_some() {
                seen(Seen::GitMerge);
            }
            match before.conflict_expected(i) {
                true if r.status == Status::Archived => seen(Seen::ArchivedConflict),
                true if f.slot != r.slot => seen(Seen::RenameConflict),
                true => seen(Seen::Conflict),
                false if f.slot != r.slot => seen(Seen::Renamed),
                false => {}
            }
        }
        *m = after;
        let again = self.lib_sync().await?;
        ensure!(
            again.is_empty(),
            "invariant 5: a second sync is not a no-op: {again:?}"
        );
        Ok(())
    }

    /// Invariant 3, on the database: every file change that met unexported
    /// admin edits was merged into the live text, or left it and opened a
    /// conflict with the file's.
    async fn check_conflict_rule(&self, before: &Model) -> Result<(), String> {
        for (i, slug) in SLUGS.iter().enumerate() {
            if let Some((merged, _)) = before.git_merge(i) {
                let row = self.row(i).await?.ok_or("the lesson is gone")?;
                // The merged version's own revision (the file's own text is
                // kept after it, as the next merge's base).
                let newest = lectern::db::revisions::making_version(&self.db, row.id, row.version)
                    .await
                    .ctx("read revisions")?
                    .ok_or("no revision")?;
                ensure!(
                    name_of_body(&row.body_md) == text_name(merged)
                        && name_of_body(&newest.body_md) == text_name(merged)
                        && newest.origin == Origin::Git
                        && newest.note.as_deref().is_some_and(|n| n.starts_with("merged:")),
                    "invariant 3: {slug}'s file change and its admin edits touched different parts: \
                     expected the merge {} in a git revision noted \"merged:\"; found live {}, newest revision {:?} {:?}",
                    text_name(merged),
                    name_of_body(&row.body_md),
                    newest.origin,
                    newest.note
                );
                continue;
            }
            if !before.conflict_expected(i) {
                continue;
            }
            let (r, f) = (
                before.rows[i].as_ref().unwrap(),
                before.pending_file(i).unwrap(),
            );
            let row = self.row(i).await?.ok_or("the lesson is gone")?;
            let conflict_text = match row.conflict_revision_id {
                Some(rev) => lectern::db::revisions::by_id(&self.db, rev)
                    .await
                    .ctx("read the revision")?
                    .map(|r| name_of_body(&r.body_md)),
                None => None,
            };
            ensure!(
                name_of_body(&row.body_md) == text_name(r.live)
                    && conflict_text.as_deref() == Some(text_name(f.text).as_str()),
                "invariant 3: {} changed (to {}) while {} had unexported admin edits ({}, {:?}) \
                 that it overlaps: expected a conflict keeping the live text; found live {} ({:?}), conflict {conflict_text:?}",
                path(i, f.slot),
                text_name(f.text),
                slug,
                text_name(r.live),
                r.status,
                name_of_body(&row.body_md),
                row.status,
            );
        }
        Ok(())
    }

    /// A sync that dies after `k` writes: every lesson is as before the sync
    /// or as after it, and as many whole changes as `k` writes allow are in.
    async fn killed_sync(&self, m: &mut Model, k: u8) -> Result<(), String> {
        let (after, _) = m.synced();
        // The texts a merge would make, to name them whether it is in or not.
        m.texts.clone_from(&after.texts);
        self.site_pull()?;
        self.arm_crash(k).await?;
        let result = self.lib_sync().await;
        self.disarm_crash().await?;
        let mut changed = 0;
        let mut moved = 0;
        // Writes each change costs: two (the row and its revision), three
        // for a merge with the file (the file's own text is kept too).
        let mut costs = Vec::new();
        for (i, slug) in SLUGS.iter().enumerate() {
            let (old, new) = (m.view(i), after.view(i));
            if old == new {
                continue;
            }
            changed += 1;
            costs.push(if m.git_merge(i).is_some() { 3 } else { 2 });
            let found = self.observe(m, i).await?;
            if found == new {
                m.rows[i] = after.rows[i].clone();
                moved += 1;
            } else {
                ensure!(
                    found == old,
                    "a sync killed after {k} writes left {} half-applied ({result:?}):\n  found  {found:?}\n  before {old:?}\n  after  {new:?}",
                    slug
                );
            }
        }
        // The changes apply in the sync's order: as many as the writes
        // allow, whole. Which ones cost three writes depends on that order,
        // so with merges the count lies between the dearest and the
        // cheapest order's.
        let fits = |mut order: Vec<usize>| {
            let mut left = k as usize;
            order
                .drain(..)
                .take_while(|cost| {
                    let fits = *cost <= left;
                    left = left.saturating_sub(*cost);
                    fits
                })
                .count()
        };
        let mut dear_first = costs.clone();
        dear_first.sort_unstable_by(|a, b| b.cmp(a));
        let mut cheap_first = costs;
        cheap_first.sort_unstable();
        let (fewest, most) = (fits(dear_first), fits(cheap_first));
        if moved < changed {
            seen(Seen::KilledPartWay);
        }
        ensure!(
            (fewest..=most).contains(&moved),
            "a sync killed after {k} writes applied {moved} of {changed} lesson changes, expected {fewest} to {most} ({result:?})"
        );
        Ok(())
    }

    async fn arm_crash(&self, k: u8) -> Result<(), String> {
        let statements: Vec<String> = match self.db.get_database_backend() {
            DbBackend::Sqlite => {
                let body = "BEGIN UPDATE model_crash SET writes_left = writes_left - 1; \
                            SELECT RAISE(ABORT, 'simulated crash') WHERE (SELECT writes_left FROM model_crash) < 0; END";
                vec![
                    "CREATE TABLE IF NOT EXISTS model_crash (writes_left INTEGER NOT NULL)".into(),
                    "DELETE FROM model_crash".into(),
                    format!("INSERT INTO model_crash VALUES ({k})"),
                    format!("CREATE TRIGGER model_crash_li BEFORE INSERT ON lessons {body}"),
                    format!("CREATE TRIGGER model_crash_lu BEFORE UPDATE ON lessons {body}"),
                    format!("CREATE TRIGGER model_crash_ri BEFORE INSERT ON lesson_revisions {body}"),
                ]
            }
            _ => vec![
                "CREATE TABLE IF NOT EXISTS model_crash (writes_left INTEGER NOT NULL)".into(),
                "DELETE FROM model_crash".into(),
                format!("INSERT INTO model_crash VALUES ({k})"),
                "CREATE OR REPLACE FUNCTION model_crash() RETURNS trigger LANGUAGE plpgsql AS $$ \
                 DECLARE n INTEGER; BEGIN \
                 UPDATE model_crash SET writes_left = writes_left - 1 RETURNING writes_left INTO n; \
                 IF n < 0 THEN RAISE EXCEPTION 'simulated crash'; END IF; \
                 RETURN NEW; END $$"
                    .into(),
                "CREATE TRIGGER model_crash_l BEFORE INSERT OR UPDATE ON lessons \
                 FOR EACH ROW EXECUTE FUNCTION model_crash()"
                    .into(),
                "CREATE TRIGGER model_crash_r BEFORE INSERT ON lesson_revisions \
                 FOR EACH ROW EXECUTE FUNCTION model_crash()"
                    .into(),
            ],
        };
        for sql in statements {
            self.db.execute_unprepared(&sql).await.ctx(&sql)?;
        }
        Ok(())
    }

    async fn disarm_crash(&self) -> Result<(), String> {
        let statements: &[&str] = match self.db.get_database_backend() {
            DbBackend::Sqlite => &[
                "DROP TRIGGER model_crash_li",
                "DROP TRIGGER model_crash_lu",
                "DROP TRIGGER model_crash_ri",
            ],
            _ => &[
                "DROP TRIGGER model_crash_l ON lessons",
                "DROP TRIGGER model_crash_r ON lesson_revisions",
            ],
        };
        for sql in statements {
            self.db.execute_unprepared(sql).await.ctx(sql)?;
        }
        Ok(())
    }

    /// Lesson `i` as the database holds it, named in `m`'s terms.
    async fn observe(&self, m: &Model, i: usize) -> Result<Option<RowView>, String> {
        let Some(row) = self.row(i).await? else {
            return Ok(None);
        };
        let mut revs = lectern::db::revisions::for_lesson(&self.db, row.id)
            .await
            .ctx("read revisions")?;
        revs.reverse();
        Ok(Some(RowView {
            title: row.title.clone(),
            summary: row.summary.clone(),
            live: name_of_body(&row.body_md),
            status: row.status,
            scheduled: row.publish_at.is_some(),
            path: row.source_path.clone().unwrap_or_default(),
            source: row.source_hash.as_deref().map(|h| m.name_of_file(h)),
            synced: m.name_of_synced(i, row.synced_hash.as_deref()),
            conflict: row.conflict_revision_id.map(|id| {
                revs.iter().position(|r| r.id == id).map_or_else(
                    || format!("revision id {id} of another lesson"),
                    |p| format!("revision #{p}"),
                )
            }),
            version: row.version,
            revisions: revs
                .iter()
                .map(|r| format!("{} {}", name_of_body(&r.body_md), origin_name(r.origin)))
                .collect(),
        }))
    }

    /// Everything checked after every step.
    async fn check(&self, m: &Model) -> Result<(), String> {
        // 0. The database and the files are what the model says.
        for (i, slug) in SLUGS.iter().enumerate() {
            let (seen, want) = (self.observe(m, i).await?, m.view(i));
            ensure!(
                seen == want,
                "lesson {slug} differs from the model:\n  found {seen:?}\n  model {want:?}"
            );
        }
        let dir = self.files_dir().join(COURSE);
        let mut on_disk = BTreeSet::new();
        let mut file_texts = String::new();
        for entry in std::fs::read_dir(&dir).ctx("read the course folder")? {
            let entry = entry.ctx("read the course folder")?;
            let name = entry.file_name().to_string_lossy().into_owned();
            file_texts.push_str(&std::fs::read_to_string(entry.path()).unwrap_or_default());
            on_disk.insert(format!("{COURSE}/{name}"));
        }
        let mut want: BTreeSet<String> = BTreeSet::from([format!("{COURSE}/_course.md")]);
        for (i, f) in m.files.iter().enumerate() {
            if let Some(f) = f {
                want.insert(path(i, f.slot));
                let bytes =
                    std::fs::read(self.files_dir().join(path(i, f.slot))).unwrap_or_default();
                ensure!(
                    hash_bytes(&bytes) == f.hash,
                    "{} holds {:?}, the model says {}",
                    path(i, f.slot),
                    String::from_utf8_lossy(&bytes),
                    m.name_of_file(&f.hash)
                );
            }
        }
        ensure!(
            on_disk == want,
            "files on disk {on_disk:?}, the model says {want:?}"
        );

        // 1. Every text ever written is live, in a revision, in a file or in git.
        let rows = self
            .db
            .query_all_raw(Statement::from_string(
                self.db.get_database_backend(),
                "SELECT body_md FROM lessons UNION ALL SELECT body_md FROM lesson_revisions",
            ))
            .await
            .ctx("read all texts")?;
        let mut kept: BTreeSet<String> = tokens_in(&file_texts).into_iter().collect();
        if self.history.borrow().is_none() {
            self.history.replace(Some(git_history(&self.f.remote())?));
        }
        kept.extend(tokens_in(
            self.history.borrow().as_deref().unwrap_or_default(),
        ));
        for row in rows {
            let text: String = row.try_get_by_index(0).ctx("body_md")?;
            kept.extend(tokens_in(&text));
        }
        for (tok, i, who) in &m.written {
            ensure!(
                kept.contains(&tok_name(*tok)),
                "invariant 1: the text {} that the {who} wrote for {} is lost: not live, in no revision, in no file, not in git",
                tok_name(*tok),
                SLUGS[*i]
            );
        }

        // 6. Drafts: the editor's latest, never live nor in a revision.
        let live_texts = &kept;
        for tok in &m.draft_only {
            ensure!(
                !live_texts.contains(&tok_name(*tok)),
                "invariant 6: the draft text {} is in a lesson, a revision, a file or git",
                tok_name(*tok)
            );
        }
        let backend = self.db.get_database_backend();
        let mut drafts = BTreeMap::new();
        for row in self
            .db
            .query_all_raw(Statement::from_string(
                backend,
                "SELECT target, fields FROM lesson_drafts",
            ))
            .await
            .ctx("read the drafts")?
        {
            let target: String = row.try_get_by_index(0).ctx("target")?;
            let fields: String = row.try_get_by_index(1).ctx("fields")?;
            let json: serde_json::Value = serde_json::from_str(&fields).ctx("draft JSON")?;
            drafts.insert(
                target,
                name_of_body(json["body_md"].as_str().unwrap_or_default()),
            );
        }
        let mut want = BTreeMap::new();
        for (i, draft) in m.drafts.iter().enumerate() {
            if let Some(text) = draft {
                want.insert(format!("lesson:{}", self.id(i).await?), text_name(*text));
            }
        }
        ensure!(
            drafts == want,
            "invariant 6: the editor's drafts are {drafts:?}, the model says {want:?}"
        );

        // 4. The public site serves exactly the public lessons.
        let (status, course_page) = get(&self.public, &format!("/{COURSE}/")).await;
        ensure!(status == Http::Ok, "the course page: {status}");
        for (i, slug) in SLUGS.iter().enumerate() {
            let url = format!("/{COURSE}/{slug}/");
            let (status, page) = get(&self.public, &url).await;
            ensure!(
                !m.draft_only.iter().any(|t| page.contains(&tok_name(*t))),
                "invariant 6: {url} serves a draft's text"
            );
            match m.public(i) {
                Some(text) => ensure!(
                    status == Http::Ok
                        && page.contains(&format!("Text {}.", tok_name(text[0])))
                        && page.contains(&format!("More {}.", tok_name(text[1])))
                        && page.contains(&format!("End {}.", tok_name(text[2]))),
                    "invariant 4: {url} should serve {}: {status}",
                    text_name(text)
                ),
                None => ensure!(
                    status == Http::NotFound,
                    "invariant 4: {url} is not public ({:?}) but answers {status}",
                    m.rows[i].as_ref().map(|r| (r.status, r.scheduled))
                ),
            }
            ensure!(
                course_page.contains(&format!("href=\"{url}\"")) == m.public(i).is_some(),
                "invariant 4: the course page {} {url}",
                if m.public(i).is_some() {
                    "does not list"
                } else {
                    "lists"
                }
            );
        }
        Ok(())
    }
}

/// Invariant 6 on the editor page: it offers to restore the editor's draft
/// exactly when there is one and it differs from the live text.
fn check_draft_offer(page: &str, m: &Model, i: usize) -> Result<(), String> {
    let live = m.rows[i].as_ref().map(|r| r.live);
    let draft = m.drafts[i];
    let offered = page.contains("Restore it");
    if offered {
        seen(Seen::RestoreOffered);
    }
    ensure!(
        offered == (draft.is_some() && draft != live),
        "invariant 6: the editor page of {} {} restoring the draft {:?} (live {:?})",
        SLUGS[i],
        if offered { "offers" } else { "does not offer" },
        draft.map(text_name),
        live.map(text_name)
    );
    Ok(())
}

/// Writes lesson `i`'s file at `slot` with `text`.
fn write_file(f: &Site, m: &mut Model, i: usize, slot: u8, tok: Text, vis: Vis) {
    let text = file_text(i, tok, vis);
    let hash = hash_bytes(text.as_bytes());
    if let Some(old) = m.files[i].clone() {
        if old.slot != slot {
            f.remove(&path(i, old.slot));
        }
    }
    f.write(&path(i, slot), &text);
    m.file_names.insert(
        hash.clone(),
        format!(
            "{} {}",
            match vis {
                Vis::Public => "file",
                Vis::Draft => "draft file",
                Vis::Scheduled => "scheduled file",
                Vis::Broken => "broken file",
            },
            text_name(tok)
        ),
    );
    m.texts.insert(tok);
    m.files[i] = Some(FileM {
        slot,
        text: tok,
        draft: vis == Vis::Draft,
        scheduled: vis == Vis::Scheduled,
        broken: vis == Vis::Broken,
        hash,
    });
}
