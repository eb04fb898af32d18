//! `sync`: applies the content folder to the database, one transaction per
//! file, and records the run. Idempotent: a run that crashed part-way is
//! completed by running it again, and a second run changes nothing.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbErr, TransactionTrait};
use serde::Serialize;
use tokio::sync::Mutex;

use crate::db::entity::{Origin, SyncOrigin};
use crate::db::revisions::RevisionText;
use crate::db::Db;
use crate::db::{
    courses, file_hashes, folder_marks, lessons, redirects, revisions, site_state, sync_runs,
};

use super::assets::store_assets;
use super::plan::{AdminEdit, CourseAction, Known, LessonAction, Plan, Planner, LESSON_BATCH};
use super::scan::{hash_folders, scan_listings, Asset, Tree};
use super::Diagnostic;

/// One sync (or export) at a time per process: concurrent triggers wait their turn.
pub(crate) static SYNC_LOCK: Mutex<()> = Mutex::const_new(());

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("cannot read the content folder {}: {source}", path.display())]
    ContentDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("database error: {0}")]
    Db(#[from] DbErr),
    #[error("sync worker failed: {0}")]
    Worker(String),
}

#[derive(Clone, Copy, Debug)]
pub struct SyncOptions {
    pub origin: SyncOrigin,
    /// Plan and report, but write nothing.
    pub dry_run: bool,
    /// The setting `strict_links` (see [`super::links::LinkPolicy`]).
    pub strict_links: bool,
}

/// Progress of a long sync, for a terminal. Every method has a do-nothing
/// default; [`Quiet`] is the progress of servers and tests.
pub trait Progress: Send + Sync {
    /// A new phase begins; `total` steps when known.
    fn phase(&self, _name: &str, _total: Option<u64>) {}
    /// One step of the phase is done.
    fn advance(&self) {}
    /// The run is over.
    fn finish(&self) {}
}

pub struct Quiet;

impl Progress for Quiet {}

/// What a run did (or, for a dry run, would do), by file path.
#[derive(Debug, Default, Serialize)]
pub struct SyncReport {
    pub run_id: Option<i32>,
    pub dry_run: bool,
    pub created: Vec<String>,
    pub updated: Vec<String>,
    pub archived: Vec<String>,
    /// Files whose change met an admin edit: both texts are kept.
    pub conflicts: Vec<String>,
    pub unchanged: usize,
    pub diagnostics: Vec<Diagnostic>,
}

impl SyncReport {
    /// Adds what another part of the same sync reported.
    fn absorb(&mut self, part: SyncReport) {
        self.created.extend(part.created);
        self.updated.extend(part.updated);
        self.archived.extend(part.archived);
        self.conflicts.extend(part.conflicts);
        self.diagnostics.extend(part.diagnostics);
    }

    pub fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }

    fn counts(&self) -> sync_runs::Counts {
        let n = |v: usize| i32::try_from(v).unwrap_or(i32::MAX);
        sync_runs::Counts {
            created: n(self.created.len()),
            updated: n(self.updated.len()),
            unchanged: n(self.unchanged),
            archived: n(self.archived.len()),
            conflicts: n(self.conflicts.len()),
            errors: n(self.errors()),
        }
    }
}

/// Syncs the content folder at `root` into `db`, recording the run (unless dry).
pub async fn sync(db: &Db, root: &Path, options: SyncOptions) -> Result<SyncReport, SyncError> {
    let run_id = match options.dry_run {
        true => None,
        false => Some(sync_runs::start(db, options.origin).await?),
    };
    sync_recorded(db, root, options, run_id).await
}

/// [`sync`], telling `progress` how far it is (for `lectern sync` in a terminal).
pub async fn sync_with_progress(
    db: &Db,
    root: &Path,
    options: SyncOptions,
    progress: &dyn Progress,
) -> Result<SyncReport, SyncError> {
    let run_id = match options.dry_run {
        true => None,
        false => Some(sync_runs::start(db, options.origin).await?),
    };
    record(
        db,
        root,
        run_id,
        sync_inner(db, root, options, progress).await,
    )
    .await
}

/// Syncs into run `run_id` (opened with `sync_runs::start`), which is closed
/// with the report, or with the failure if the run could not complete.
pub async fn sync_recorded(
    db: &Db,
    root: &Path,
    options: SyncOptions,
    run_id: Option<i32>,
) -> Result<SyncReport, SyncError> {
    record(
        db,
        root,
        run_id,
        sync_inner(db, root, options, &Quiet).await,
    )
    .await
}

/// Closes run `run_id` with the outcome of a sync.
async fn record(
    db: &Db,
    root: &Path,
    run_id: Option<i32>,
    result: Result<SyncReport, SyncError>,
) -> Result<SyncReport, SyncError> {
    if let Some(id) = run_id {
        let (counts, json) = match &result {
            Ok(report) => (
                report.counts(),
                serde_json::to_string(&report.diagnostics).unwrap_or_else(|_| "[]".into()),
            ),
            Err(e) => {
                let failure = vec![Diagnostic::error(
                    root.display().to_string(),
                    None,
                    format!("sync failed: {e}"),
                )];
                let counts = sync_runs::Counts {
                    errors: 1,
                    ..Default::default()
                };
                (
                    counts,
                    serde_json::to_string(&failure).unwrap_or_else(|_| "[]".into()),
                )
            }
        };
        sync_runs::finish(db, id, counts, json).await?;
    }
    let mut report = result?;
    report.run_id = run_id;
    Ok(report)
}

async fn sync_inner(
    db: &Db,
    root: &Path,
    options: SyncOptions,
    progress: &dyn Progress,
) -> Result<SyncReport, SyncError> {
    let _turn = SYNC_LOCK.lock().await;
    progress.phase("reading and rendering", None);
    // Where a sync's time goes, for `LECTERN_LOG=lectern=debug` (issue 20).
    let started = std::time::Instant::now();
    let lap =
        |what: &str| tracing::debug!(ms = started.elapsed().as_millis() as u64, "sync: {what}");
    // Read before any row: a row changed after this bumps its folder's
    // generation, and no listing is recorded under the one read here.
    let marks = folder_marks::all(db).await?;
    let (walked, head) = tokio::join!(list_folders(root), super::git::head(root));
    let mut tree = walked?;
    lap("listed the content folder");
    let courses = courses::all(db).await?;
    let listings = tree.listings.clone();
    let listing_of = |folder: &str| listing_key(listings.get(folder), head.as_deref());
    let changed = changed_folders(&tree, &marks, &courses, &listing_of);
    let folders_known: HashSet<&str> = tree
        .courses
        .iter()
        .map(|c| c.slug.as_str())
        .chain(marks.keys().map(String::as_str))
        .collect();
    // Only the folders that changed are read and planned, when they are a
    // few; else (a first sync) every folder, as one plan.
    let scoped = plans_in_scope(changed.len(), folders_known.len());
    drop(folders_known);
    let (mut known, folders) = match scoped {
        true => read_scope(db, &courses, changed).await?,
        false => read_all(db, courses, &tree, changed).await?,
    };
    let stamps = match scoped {
        true => file_hashes::of_paths(db, &markdown_paths(&tree, &folders)).await?,
        false => file_hashes::all(db).await?,
    };
    lap("read the rows and file stamps of the folders to plan");
    // Remembered files that are gone: of a scoped sync, those of its rows.
    let present: HashSet<String> = markdown_paths(&tree, &folders).into_iter().collect();
    let gone: Vec<String> = match scoped {
        true => known
            .lessons
            .iter()
            .filter_map(|r| r.source_path.clone())
            .filter(|path| !present.contains(path))
            .collect(),
        false => stamps
            .keys()
            .filter(|path| !present.contains(*path))
            .cloned()
            .collect(),
    };
    drop(present);
    let planned = folders.clone();
    let (mut tree, others) = tokio::task::spawn_blocking(move || {
        let others = hash_folders(&mut tree, &folders, &stamps);
        (tree, others)
    })
    .await
    .map_err(|e| SyncError::Worker(e.to_string()))?;
    lap("hashed the files of the folders to plan");
    let elsewhere: usize = others
        .iter()
        .map(|c| usize::from(c.course_file.is_some()) + c.lessons.len())
        .sum();
    known.other_courses = others.iter().map(|c| c.slug.clone()).collect();
    let remembering = match options.dry_run {
        true => Remembering::Done,
        false => Remembering::start(db, std::mem::take(&mut tree.stamps), gone).await?,
    };
    let dated = date_files_by_git(root, &mut tree).await;
    lap("dated the files");
    // Unchanged files whose date is not the one stored (the plan dates
    // the changed ones): lessons from before dates were kept, and files
    // committed since they were synced. Only when every date is known.
    let redate = match dated {
        true => files_to_redate(&known, &tree),
        false => Vec::new(),
    };
    lap("found the dates to correct");
    if let Some(unchanged) = super::plan::nothing_to_apply(&tree, &known) {
        // Nothing to parse, render or write: the scan's own problems are
        // all there is to report (issue 20).
        let report = SyncReport {
            dry_run: options.dry_run,
            unchanged: unchanged + elsewhere,
            diagnostics: std::mem::take(&mut tree.diagnostics),
            ..Default::default()
        };
        remembering.finish().await?;
        if !options.dry_run {
            redate_files(db, &redate).await?;
            if dated && redate.is_empty() {
                record_marks(db, &tree, &known, &marks, &planned, &listing_of).await?;
            }
        }
        lap("recorded the folders found applied");
        progress.finish();
        return Ok(report);
    }
    known.media = Some(crate::db::media::hashes(db).await?);
    known.admin_edits = admin_edits_meeting_files(db, &known, &tree).await?;
    lap("read the admin edits that meet changed files");
    if scoped {
        let (t, k) = link_other_folders(db, tree, known, &others, &planned, options).await?;
        (tree, known) = (t, k);
        lap("read the lessons of other folders that links name");
    }
    drop(others);

    // Parsing and rendering, a batch at a time on a blocking thread, while
    // the batch before is written: memory holds a few batches, never the
    // whole content folder (issue 20).
    let (steps, mut next) = tokio::sync::mpsc::channel(1);
    let planning = tokio::task::spawn_blocking(move || {
        let links = super::links::LinkPolicy::strict(options.strict_links);
        plan_in_steps(&tree, &known, links, &steps);
        (tree, known)
    });

    let mut report = SyncReport {
        dry_run: options.dry_run,
        ..Default::default()
    };
    let mut writer = Writer::default();
    // PostgreSQL writes runs of new files several batches at a time (see
    // [`Flight`]); SQLite one after another.
    let together = match db.get_database_backend() {
        sea_orm::DatabaseBackend::Postgres => TOGETHER,
        _ => 1,
    };
    let mut flight = Flight::default();
    let written = async {
        loop {
            // Writes in flight go on while the next batch is awaited; a
            // full flight waits for its oldest write.
            let step = tokio::select! {
                biased;
                Some(done) = flight.writes.next(), if !flight.writes.is_empty() => {
                    flight.land_one(done, &mut report).await?;
                    continue;
                }
                step = next.recv(), if flight.writes.len() < together => step,
            };
            let Some(step) = step else { break };
            match step {
                Step::Start(plan, lessons) => {
                    report.unchanged = plan.unchanged + elsewhere;
                    report.diagnostics.extend(plan.diagnostics);
                    if options.dry_run {
                        describe(&plan.courses, &[], &mut report);
                        continue;
                    }
                    writer = apply_courses(db, plan.courses, &mut report).await?;
                    progress.phase("writing", Some(lessons as u64));
                }
                Step::Lessons(batch) => {
                    report.diagnostics.extend(batch.diagnostics);
                    if options.dry_run {
                        describe(&[], &batch.actions, &mut report);
                        continue;
                    }
                    report
                        .diagnostics
                        .extend(store_assets(db, batch.assets.iter()).await?);
                    if together > 1 && only_new_files(&batch.actions) {
                        flight.take_off(db, &writer.course_ids, batch.actions, progress);
                        continue;
                    }
                    flight.land_all(&mut report).await?;
                    write_batch(db, &writer.course_ids, batch.actions, &mut report, progress)
                        .await?;
                }
                Step::End(plan) => {
                    report.diagnostics.extend(plan.diagnostics);
                    if options.dry_run {
                        describe(&plan.courses, &plan.lessons, &mut report);
                        continue;
                    }
                    flight.land_all(&mut report).await?;
                    write_batch(db, &writer.course_ids, plan.lessons, &mut report, progress)
                        .await?;
                    writer.archives.extend(plan.courses.into_iter().filter_map(
                        |(path, action)| match action {
                            CourseAction::Archive { id } => Some((path, id)),
                            _ => None,
                        },
                    ));
                }
            }
        }
        flight.land_all(&mut report).await
    }
    .await;
    // The planner stops at its next batch when writing failed.
    drop(next);
    let (tree, mut known) = planning
        .await
        .map_err(|e| SyncError::Worker(e.to_string()))?;
    written?;
    remembering.finish().await?;
    lap("planned and wrote");
    if options.dry_run {
        return Ok(report);
    }
    for (path, id) in std::mem::take(&mut writer.archives) {
        courses::archive_missing_folder(db, id).await?;
        site_state::changed(db).await?;
        report.archived.push(path);
    }
    redate_files(db, &redate).await?;
    if dated {
        // The rows as written, read after the generations they are
        // recorded under.
        let marks = folder_marks::all(db).await?;
        let courses = courses::all(db).await?;
        let folders: Vec<String> = planned.iter().cloned().collect();
        let ids = course_ids(&courses, &planned);
        known.lessons = match scoped {
            true => lessons::sync_index_of(db, &folders, &ids).await?,
            false => lessons::sync_index(db).await?,
        };
        known.courses = courses;
        known
            .courses
            .retain(|c| !scoped || planned.contains(&c.slug));
        record_marks(db, &tree, &known, &marks, &planned, &listing_of).await?;
        lap("recorded the folders found applied");
    }
    let written = report.created.len() + report.updated.len() + report.archived.len();
    if written >= REFRESH_STATISTICS_AFTER {
        crate::db::refresh_statistics(db).await?;
    }
    progress.finish();
    Ok(report)
}

/// The files' stamps being remembered, and the gone files forgotten: only
/// a cache of what the files hold, kept whatever the sync does.
enum Remembering {
    Done,
    /// PostgreSQL remembers on a connection of its own while the plan is
    /// made and written (2 of the 7 seconds before a cold sync of 100,000
    /// lessons wrote its first lesson). SQLite has one writer: at once.
    Going(tokio::task::JoinHandle<Result<(), DbErr>>),
}

impl Remembering {
    async fn start(
        db: &Db,
        stamps: Vec<(String, file_hashes::FileStamp)>,
        gone: Vec<String>,
    ) -> Result<Remembering, DbErr> {
        let backend = db.get_database_backend();
        let db = db.clone();
        let write = async move {
            file_hashes::remember(&db, &stamps).await?;
            file_hashes::forget(&db, &gone).await
        };
        match backend {
            sea_orm::DatabaseBackend::Postgres => Ok(Remembering::Going(tokio::spawn(write))),
            _ => write.await.map(|()| Remembering::Done),
        }
    }

    async fn finish(self) -> Result<(), SyncError> {
        match self {
            Remembering::Done => Ok(()),
            Remembering::Going(task) => {
                Ok(task.await.map_err(|e| SyncError::Worker(e.to_string()))??)
            }
        }
    }
}

/// Files written by one sync past which the planner's statistics are made
/// again at its end (see [`crate::db::refresh_statistics`]).
const REFRESH_STATISTICS_AFTER: usize = 1_000;

/// The content folder listed: every file stat-ed, none read ([`scan_listings`]).
async fn list_folders(root: &Path) -> Result<Tree, SyncError> {
    let root_buf = root.to_path_buf();
    tokio::task::spawn_blocking(move || {
        scan_listings(&root_buf).map_err(|source| SyncError::ContentDir {
            path: root_buf.clone(),
            source,
        })
    })
    .await
    .map_err(|e| SyncError::Worker(e.to_string()))?
}

/// Whether a resync reads and plans only the `changed` of the `known`
/// course folders: up to 64 of them, or a quarter. Past that, one read of
/// every row costs less than reading so many folders and planning their
/// texts twice for links ([`link_other_folders`]). A quarter, not a fixed
/// number, because a sync right after a checkout (or a copy) trusts no
/// listing of the files written in its last two seconds: at 100,000
/// lessons that was some 180 unchanged folders, and a fixed 64 sent the
/// next resync back to reading every row (2.3 s).
fn plans_in_scope(changed: usize, known: usize) -> bool {
    changed < known && (changed <= 64 || changed.saturating_mul(4) <= known)
}

/// What a folder's listing is recorded as: the listing and the commit the
/// files' dates follow from; `None` when the listing is not to be trusted.
fn listing_key(listing: Option<&Option<String>>, head: Option<&str>) -> Option<String> {
    let listing = listing?.as_deref()?;
    Some(crate::base::hash::hash_bytes(
        format!("{listing}\n{}", head.unwrap_or_default()).as_bytes(),
    ))
}

/// The course folders a sync must plan: those whose listing is not the one
/// recorded (or whose rows changed since, which cleared it), recorded ones
/// that are gone, and the folders of live courses that are gone.
fn changed_folders(
    tree: &Tree,
    marks: &HashMap<String, folder_marks::Mark>,
    courses: &[courses::Course],
    listing_of: &(dyn Fn(&str) -> Option<String> + Sync),
) -> HashSet<String> {
    let present: HashSet<&str> = tree.courses.iter().map(|c| c.slug.as_str()).collect();
    let mut changed: HashSet<String> = tree
        .courses
        .iter()
        .filter(|c| {
            let recorded = marks.get(&c.slug).and_then(|m| m.listing.as_deref());
            let listing = listing_of(&c.slug);
            listing.is_none() || listing.as_deref() != recorded
        })
        .map(|c| c.slug.clone())
        .collect();
    for (folder, mark) in marks {
        if !present.contains(folder.as_str()) && mark.listing.as_deref() != Some(folder_marks::GONE)
        {
            changed.insert(folder.clone());
        }
    }
    for c in courses {
        if c.source_path.is_some()
            && c.status != crate::db::entity::Status::Archived
            && !present.contains(c.slug.as_str())
        {
            changed.insert(c.slug.clone());
        }
    }
    changed
}

fn course_ids(courses: &[courses::Course], folders: &HashSet<String>) -> Vec<i32> {
    courses
        .iter()
        .filter(|c| folders.contains(&c.slug))
        .map(|c| c.id)
        .collect()
}

/// The paths of the markdown files of `folders`.
fn markdown_paths(tree: &Tree, folders: &HashSet<String>) -> Vec<String> {
    tree.courses
        .iter()
        .filter(|c| folders.contains(&c.slug))
        .flat_map(|c| c.lessons.iter().map(|l| &l.file).chain(&c.course_file))
        .map(|f| f.path.clone())
        .collect()
}

/// What the database holds of the folders `changed`, widened to every
/// folder one of their lessons' files lies in (so that a file is gone only
/// when its folder was listed); and those folders.
async fn read_scope(
    db: &Db,
    courses: &[courses::Course],
    changed: HashSet<String>,
) -> Result<(Known, HashSet<String>), SyncError> {
    let mut folders = changed;
    let lessons = loop {
        let list: Vec<String> = folders.iter().cloned().collect();
        let rows = lessons::sync_index_of(db, &list, &course_ids(courses, &folders)).await?;
        let wider: Vec<String> = rows
            .iter()
            .filter_map(|r| r.source_path.as_deref())
            .map(super::plan::folder_of)
            .filter(|f| !folders.contains(*f))
            .map(String::from)
            .collect();
        if wider.is_empty() {
            break rows;
        }
        folders.extend(wider);
    };
    let known = Known {
        courses: courses
            .iter()
            .filter(|c| folders.contains(&c.slug))
            .cloned()
            .collect(),
        lessons,
        ..Default::default()
    };
    Ok((known, folders))
}

/// What the database holds, whole, for a sync of every folder; and every
/// folder, listed or `changed`.
async fn read_all(
    db: &Db,
    courses: Vec<courses::Course>,
    tree: &Tree,
    changed: HashSet<String>,
) -> Result<(Known, HashSet<String>), SyncError> {
    let known = Known {
        courses,
        lessons: lessons::sync_index(db).await?,
        ..Default::default()
    };
    let mut folders = changed;
    folders.extend(tree.courses.iter().map(|c| c.slug.clone()));
    Ok((known, folders))
}

/// Puts on the link map of a scoped sync the lessons of the unplanned
/// folders its texts name: a dry plan asks the map about folders, and
/// those not yet on it are read, until none is new (a link names its
/// folder whatever the answer, so one round nearly always finds them all).
async fn link_other_folders(
    db: &Db,
    mut tree: Tree,
    mut known: Known,
    others: &[super::scan::CourseDir],
    planned: &HashSet<String>,
    options: SyncOptions,
) -> Result<(Tree, Known), SyncError> {
    let by_folder: HashMap<&str, &super::scan::CourseDir> =
        others.iter().map(|c| (c.slug.as_str(), c)).collect();
    let mut linked: HashSet<String> = HashSet::new();
    for _ in 0..MAX_LINK_ROUNDS {
        let (t, k, asked) = tokio::task::spawn_blocking(move || {
            let links = super::links::LinkPolicy::strict(options.strict_links);
            let asked = super::plan::folders_asked(&tree, &known, links);
            (tree, known, asked)
        })
        .await
        .map_err(|e| SyncError::Worker(e.to_string()))?;
        (tree, known) = (t, k);
        let wanted: Vec<String> = asked
            .into_iter()
            .filter(|f| by_folder.contains_key(f.as_str()))
            .filter(|f| !planned.contains(f) && !linked.contains(f))
            .collect();
        if wanted.is_empty() {
            break;
        }
        let rows = lessons::sync_index_of(db, &wanted, &[]).await?;
        let mut slugs: HashMap<&str, &str> = HashMap::new();
        for row in &rows {
            if let Some(path) = row.source_path.as_deref() {
                slugs.insert(path, &row.slug);
            }
        }
        // As a plan of every folder maps an applied folder: each of its
        // lesson files at its lesson's slug.
        for folder in &wanted {
            for lf in &by_folder[folder.as_str()].lessons {
                if let Some(slug) = slugs.get(lf.file.path.as_str()) {
                    known.other_lessons.push((
                        lf.file.path.clone(),
                        folder.clone(),
                        slug.to_string(),
                    ));
                }
            }
        }
        linked.extend(wanted);
    }
    Ok((tree, known))
}

/// Rounds of [`link_other_folders`]: one finds every folder a text names;
/// more only when a suggestion for a broken link looked further.
const MAX_LINK_ROUNDS: usize = 3;

/// Records, for each folder of `planned` now applied file for file (see
/// [`super::plan::applied_folders`]) with no date to correct, its listing,
/// under the generation `marks` read before `known`'s rows were.
async fn record_marks(
    db: &Db,
    tree: &Tree,
    known: &Known,
    marks: &HashMap<String, folder_marks::Mark>,
    planned: &HashSet<String>,
    listing_of: &(dyn Fn(&str) -> Option<String> + Sync),
) -> Result<(), DbErr> {
    let mut applied = super::plan::applied_folders(tree, known);
    let paths: HashMap<i32, &str> = known
        .lessons
        .iter()
        .filter_map(|r| Some((r.id, r.source_path.as_deref()?)))
        .collect();
    for (id, _) in files_to_redate(known, tree) {
        if let Some(path) = paths.get(&id) {
            applied.insert(super::plan::folder_of(path), false);
        }
    }
    let present: HashSet<&str> = tree.courses.iter().map(|c| c.slug.as_str()).collect();
    let txn = db.begin().await?;
    let mut recorded = 0;
    for folder in planned {
        let listing = match present.contains(folder.as_str()) {
            true if applied.get(folder.as_str()) == Some(&true) => listing_of(folder),
            false if applied.get(folder.as_str()) != Some(&false) => {
                Some(folder_marks::GONE.to_string())
            }
            _ => None,
        };
        let Some(listing) = listing else {
            continue;
        };
        let read = marks.get(folder).map(|m| m.generation);
        recorded += usize::from(folder_marks::record(&txn, folder, read, &listing).await?);
    }
    txn.commit().await?;
    tracing::debug!(recorded, "sync: folders recorded as applied");
    Ok(())
}

/// What the planning thread hands the writer, in this order.
enum Step {
    /// The courses, the diagnostics so far and the files found unchanged,
    /// with how many lesson files are to be written.
    Start(Plan, usize),
    /// The next batch of lesson files.
    Lessons(Batch),
    /// The files that are gone, and the last problems.
    End(Plan),
}

struct Batch {
    actions: Vec<(String, LessonAction)>,
    /// Media this batch's lessons show that earlier batches did not.
    assets: Vec<Asset>,
    diagnostics: Vec<Diagnostic>,
}

/// Plans `tree` over `known` a batch at a time into `steps`, waiting while
/// the writer is busy with the one before; stops early if the writer is
/// gone (writing failed).
fn plan_in_steps(
    tree: &Tree,
    known: &Known,
    links: super::links::LinkPolicy,
    steps: &tokio::sync::mpsc::Sender<Step>,
) {
    let started = std::time::Instant::now();
    let (plan, mut planner) = Planner::start(tree, known, links);
    tracing::debug!(
        ms = started.elapsed().as_millis() as u64,
        "sync: planned the courses and made the link map"
    );
    let remaining = planner.remaining();
    if steps.blocking_send(Step::Start(plan, remaining)).is_err() {
        return;
    }
    loop {
        let mut diagnostics = Vec::new();
        let Some(actions) = planner.next_batch(LESSON_BATCH, &mut diagnostics) else {
            break;
        };
        let assets = planner
            .take_used_assets()
            .iter()
            .filter_map(|path| tree.assets.get(path).cloned())
            .collect();
        let batch = Batch {
            actions,
            assets,
            diagnostics,
        };
        if steps.blocking_send(Step::Lessons(batch)).is_err() {
            return;
        }
    }
    let mut end = Plan::default();
    planner.finish(&mut end);
    let _ = steps.blocking_send(Step::End(end));
}

/// Puts the date of each markdown file's last commit in `tree.file_dates`
/// when the content folder is in git (files never committed, or changed
/// since their last commit, keep their modification time). False when git
/// could not say: the dates of unchanged files then stay as they are.
async fn date_files_by_git(root: &Path, tree: &mut crate::content::scan::Tree) -> bool {
    let wanted: HashSet<&str> = tree
        .courses
        .iter()
        .flat_map(|c| c.lessons.iter().map(|l| &l.file).chain(&c.course_file))
        .map(|f| f.path.as_str())
        .collect();
    if wanted.is_empty() {
        // A resync that plans no folder: `git diff` would still stat every file.
        return true;
    }
    let found = super::git::committed_file_dates(root, &wanted).await;
    drop(wanted);
    match found {
        Ok(Some(dates)) => {
            tree.file_dates.extend(dates);
            true
        }
        Ok(None) => true,
        Err(e) => {
            tracing::warn!(
                "cannot read the dates of the content files from git ({e}); \
                 lessons whose files did not change keep the dates they had"
            );
            false
        }
    }
}

/// Lessons whose file is unchanged and whose live text is the file's, but
/// whose date is not the file's: `(lesson id, the file's date)`.
fn files_to_redate(known: &Known, tree: &crate::content::scan::Tree) -> Vec<(i32, DateTime<Utc>)> {
    let hashes: HashMap<&str, &str> = tree
        .courses
        .iter()
        .flat_map(|c| &c.lessons)
        .map(|l| (l.file.path.as_str(), l.file.hash.as_str()))
        .collect();
    known
        .lessons
        .iter()
        .filter(|row| row.text_is_the_files())
        .filter_map(|row| {
            let path = row.source_path.as_deref()?;
            let unchanged = hashes.get(path).copied() == row.source_hash.as_deref();
            let date = *tree.file_dates.get(path)?;
            (unchanged && date != row.text_changed_at).then_some((row.id, date))
        })
        .collect()
}

/// Writes the dates [`files_to_redate`] found, a batch per transaction.
async fn redate_files(db: &Db, dates: &[(i32, DateTime<Utc>)]) -> Result<(), DbErr> {
    for batch in dates.chunks(REDATE_BATCH) {
        let txn = db.begin().await?;
        lessons::set_file_dates(&txn, batch).await?;
        site_state::commit(db, txn).await?;
    }
    if !dates.is_empty() {
        tracing::info!("{} lesson(s) now show the date of their file", dates.len());
    }
    Ok(())
}

/// Lessons given their file's date per statement: two bound values each.
const REDATE_BATCH: usize = 500;

/// The texts a merge needs for each lesson with unexported admin edits
/// whose file changed: the text as last synced and the live one. Few
/// lessons are in that state, so their rows are read one by one.
async fn admin_edits_meeting_files(
    db: &Db,
    known: &Known,
    tree: &crate::content::scan::Tree,
) -> Result<HashMap<i32, AdminEdit>, DbErr> {
    let files: HashMap<&str, &str> = tree
        .courses
        .iter()
        .flat_map(|c| &c.lessons)
        .map(|l| (l.file.path.as_str(), l.file.hash.as_str()))
        .collect();
    let mut edits = HashMap::new();
    for row in &known.lessons {
        let (Some(path), Some(synced)) = (row.source_path.as_deref(), row.synced_hash.as_deref())
        else {
            continue;
        };
        let file_changed = files
            .get(path)
            .is_some_and(|hash| row.source_hash.as_deref() != Some(*hash));
        if synced == row.content_hash || !file_changed {
            continue;
        }
        let Some(live) = lessons::by_id(db, row.id).await? else {
            continue;
        };
        let base = revisions::with_content_hash(db, row.id, synced)
            .await?
            .map(revisions::merge_parts);
        edits.insert(
            row.id,
            AdminEdit {
                base,
                live: lessons::merge_parts(&live),
            },
        );
    }
    Ok(edits)
}

/// Fills a dry run's report from (part of) the plan.
fn describe(
    courses: &[(String, CourseAction)],
    lessons: &[(String, LessonAction)],
    report: &mut SyncReport,
) {
    for (path, action) in courses {
        let list = match action {
            CourseAction::Create(_) => &mut report.created,
            CourseAction::Update { .. } => &mut report.updated,
            CourseAction::Archive { .. } => &mut report.archived,
        };
        list.push(path.clone());
    }
    for (path, action) in lessons {
        let list = match action {
            LessonAction::Create { .. } => &mut report.created,
            LessonAction::Update { .. } => &mut report.updated,
            LessonAction::Archive { .. } => &mut report.archived,
            LessonAction::Conflict { .. } => &mut report.conflicts,
        };
        list.push(path.clone());
    }
}

/// Lesson files written per transaction. Each file still has a savepoint of
/// its own, so a failure is rolled back and reported against that file alone
/// while the others go on; committing per batch rather than per file (and
/// bumping the content version once) takes most of the per-file cost out of
/// a cold sync of thousands of lessons. A sync killed part-way loses at most
/// the open batch, which the next run writes again.
const WRITE_BATCH: usize = 200;

// New files are inserted with one statement for the batch: about 30 bound
// values a lesson must stay under SQLite's limit of 32,766 (PostgreSQL's is
// 65,535).
const _: () = assert!(WRITE_BATCH * 30 < 32_766);

/// The courses' ids, for the lessons written after them, and the course
/// folders that are gone, archived once every lesson is written.
#[derive(Default)]
struct Writer {
    course_ids: std::sync::Arc<HashMap<String, i32>>,
    archives: Vec<(String, i32)>,
}

/// Writes the courses (lessons need their ids); a failure is reported
/// against the file and the others go on.
async fn apply_courses(
    db: &Db,
    courses: Vec<(String, CourseAction)>,
    report: &mut SyncReport,
) -> Result<Writer, SyncError> {
    let mut archives = Vec::new();
    for (path, action) in courses {
        let result = match &action {
            CourseAction::Create(f) => courses::save(db, None, f)
                .await
                .map(|_| &mut report.created),
            CourseAction::Update { id, fields } => courses::save(db, Some(*id), fields)
                .await
                .map(|_| &mut report.updated),
            CourseAction::Archive { id } => {
                archives.push((path, *id));
                continue;
            }
        };
        match result {
            Ok(list) => {
                site_state::changed(db).await?;
                list.push(path);
            }
            Err(e) => {
                report
                    .diagnostics
                    .push(Diagnostic::error(&path, None, format!("not saved: {e}")))
            }
        }
    }
    let course_ids = std::sync::Arc::new(
        courses::all(db)
            .await?
            .into_iter()
            .map(|c| (c.slug, c.id))
            .collect(),
    );
    Ok(Writer {
        course_ids,
        archives,
    })
}

/// Writes a batch of lesson actions: updates before creates (so that a
/// slug freed by one file can be taken by another), then archives, in
/// transactions of [`WRITE_BATCH`] files; a failure is reported against
/// the file and the others go on.
async fn write_batch(
    db: &Db,
    course_ids: &HashMap<String, i32>,
    mut lesson_actions: Vec<(String, LessonAction)>,
    report: &mut SyncReport,
    progress: &dyn Progress,
) -> Result<(), SyncError> {
    lesson_actions.sort_by_key(|(_, a)| match a {
        LessonAction::Update { .. } | LessonAction::Conflict { .. } => 0,
        LessonAction::Create { .. } => 1,
        LessonAction::Archive { .. } => 2,
    });
    let mut actions = lesson_actions.into_iter().peekable();
    while actions.peek().is_some() {
        let batch = db.begin().await?;
        if db.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            // The files are the source: a batch lost with the server
            // (never with Lectern) is written again by the next sync, so
            // its commit need not wait for the disk. Later commits are never
            // kept without earlier ones (the log is written in order).
            batch
                .execute_unprepared("SET LOCAL synchronous_commit = off")
                .await?;
        }
        // Runs of new files are written together; anything else one by one.
        let mut new_files = Vec::new();
        for (path, action) in actions.by_ref().take(WRITE_BATCH) {
            if matches!(action, LessonAction::Create { .. }) {
                new_files.push((path, action));
                continue;
            }
            create_files(
                &batch,
                course_ids,
                std::mem::take(&mut new_files),
                report,
                progress,
            )
            .await?;
            write_file(&batch, course_ids, path, action, report, progress).await?;
        }
        create_files(&batch, course_ids, new_files, report, progress).await?;
        site_state::commit(db, batch).await?;
    }
    Ok(())
}

/// Batches of new files PostgreSQL writes at once (see [`Flight`]);
/// each more holds another batch of rendered lessons in memory (peak RSS
/// 206 to 223 MB at 100,000 lessons with four).
const TOGETHER: usize = 4;

/// Whether every action of a batch creates a lesson for a new file.
fn only_new_files(actions: &[(String, LessonAction)]) -> bool {
    actions
        .iter()
        .all(|(_, action)| matches!(action, LessonAction::Create { .. }))
}

/// One write of a batch of new files, in flight: the files it reported,
/// and how it ended.
type Landing = (SyncReport, Result<(), SyncError>);

/// Batches of new files being written at once, each in its own transaction
/// on its own connection, reported in the order they were given.
///
/// PostgreSQL's cold sync of 10,000 lessons left the machine idle 45% of
/// the time (`perf`): Lectern builds a batch's statements, then waits while
/// the one backend writing runs them, and the two take turns. With
/// [`TOGETHER`] batches in flight other backends work while Lectern builds
/// the next statements (12.4 to 9.0 s). A batch takes off as soon as it is
/// planned and a place is free, so the planner renders while the backends
/// write: waiting for four batches, then for all four to land, left the
/// machine idle 15% of a 100,000-lesson sync. Only new files are written
/// so: an update may free a slug a later file takes, and must come first.
/// Two new files cannot claim one slug or old URL: the plan reports the
/// second and drops its claim. Lesson ids then follow the order the batches
/// commit in, not quite the order of the files. SQLite has one writer at a
/// time, in Lectern's own process.
#[derive(Default)]
struct Flight<'a> {
    writes: futures_util::stream::FuturesOrdered<
        std::pin::Pin<Box<dyn std::future::Future<Output = Landing> + Send + 'a>>,
    >,
    /// Writes landed so far.
    landed: usize,
}

/// Every this many landed writes, freed memory goes back to the system.
/// The batches are built and freed on different threads, so glibc's
/// arenas each kept the largest batch they had seen: PostgreSQL's cold
/// sync of 100,000 lessons crept from 257 MB with four batches in flight to
/// 280–297 MB by its end, and now peaks at 258–277 MB. The trimmed pages
/// are faulted in again as batches reuse them: about 3 s more CPU over
/// such a sync, in one measured pair.
const TRIM_EVERY: usize = 10;

impl<'a> Flight<'a> {
    /// Starts writing `actions`, every one a new file.
    fn take_off(
        &mut self,
        db: &'a Db,
        course_ids: &std::sync::Arc<HashMap<String, i32>>,
        actions: Vec<(String, LessonAction)>,
        progress: &'a dyn Progress,
    ) {
        let course_ids = course_ids.clone();
        self.writes.push_back(Box::pin(async move {
            let mut part = SyncReport::default();
            let wrote = write_batch(db, &course_ids, actions, &mut part, progress).await;
            (part, wrote)
        }));
    }

    /// Reports a write that ended; if it failed, waits for the others
    /// before answering its error (no transaction is left open).
    async fn land_one(
        &mut self,
        (part, wrote): Landing,
        report: &mut SyncReport,
    ) -> Result<(), SyncError> {
        self.absorb(part, report);
        match wrote {
            Ok(()) => Ok(()),
            Err(e) => {
                let _ = self.land_all(report).await;
                Err(e)
            }
        }
    }

    /// Waits for every write in flight, reporting each in order; the first
    /// error, if any.
    async fn land_all(&mut self, report: &mut SyncReport) -> Result<(), SyncError> {
        let mut outcome = Ok(());
        while let Some((part, wrote)) = self.writes.next().await {
            self.absorb(part, report);
            outcome = outcome.and(wrote);
        }
        outcome
    }

    /// Reports what a landed write did, and trims the heap every
    /// [`TRIM_EVERY`] landings, however they were waited for.
    fn absorb(&mut self, part: SyncReport, report: &mut SyncReport) {
        report.absorb(part);
        self.landed += 1;
        if self.landed % TRIM_EVERY == 0 {
            crate::base::memory::release_free();
        }
    }
}

/// Writes a run of new files with a few statements for the whole run
/// rather than several per file: on a cold sync those round trips to the
/// database cost more than the writing itself (issue 7). If the run fails as
/// a whole (a constraint, say), it is undone and the files are written one
/// by one, so that the error is reported against its own file.
async fn create_files(
    batch: &DatabaseTransaction,
    course_ids: &HashMap<String, i32>,
    files: Vec<(String, LessonAction)>,
    report: &mut SyncReport,
    progress: &dyn Progress,
) -> Result<(), SyncError> {
    if files.is_empty() {
        return Ok(());
    }
    let run = batch.begin().await?;
    match create_together(&run, course_ids, &files).await {
        Ok(()) => {
            run.commit().await?;
            for (path, _) in files {
                progress.advance();
                report.created.push(path);
            }
        }
        Err(e) => {
            run.rollback().await?;
            tracing::info!(error = %e, files = files.len(), "writing new files one by one");
            for (path, action) in files {
                write_file(batch, course_ids, path, action, report, progress).await?;
            }
        }
    }
    Ok(())
}

/// The statements of [`create_files`]; every action is a `Create`.
async fn create_together(
    txn: &DatabaseTransaction,
    course_ids: &HashMap<String, i32>,
    files: &[(String, LessonAction)],
) -> Result<(), DbErr> {
    let mut new = Vec::with_capacity(files.len());
    let mut places = Vec::with_capacity(files.len());
    for (path, action) in files {
        let LessonAction::Create {
            course,
            fields,
            aliases,
        } = action
        else {
            return Err(DbErr::Custom(format!("{path} is not a new file")));
        };
        let course_id = *course_ids
            .get(course)
            .ok_or_else(|| DbErr::Custom(format!("course “{course}” was not saved")))?;
        new.push((course_id, fields));
        places.push((course, aliases));
    }
    let ids = lessons::insert_many(txn, &new).await?;
    let mut texts = Vec::with_capacity(files.len());
    let mut paths = Vec::with_capacity(files.len());
    let mut lesson_ids = Vec::with_capacity(files.len());
    let mut aliases = Vec::new();
    let shown: Vec<String> = new
        .iter()
        .map(|(course_id, fields)| lessons::ShownFields::of_fields(*course_id, fields).to_json())
        .collect();
    for (((course_id, fields), (course, old_urls)), shown) in new.iter().zip(places).zip(&shown) {
        let id = *ids
            .get(&(*course_id, fields.slug.clone()))
            .ok_or_else(|| DbErr::Custom(format!("no id for new lesson {}", fields.slug)))?;
        let text = RevisionText {
            title: &fields.title,
            summary: &fields.summary,
            body_md: &fields.body_md,
            fields: Some(shown),
        };
        texts.push((id, text));
        paths.push(crate::base::urls::lesson_url(course, &fields.slug));
        lesson_ids.push(id);
        if !old_urls.is_empty() {
            aliases.push((id, old_urls));
        }
    }
    revisions::record_created(txn, &texts, Origin::Git, "created from file").await?;
    redirects::claim_new_lessons(txn, &paths, &lesson_ids).await?;
    for (id, old_urls) in aliases {
        redirects::set_aliases(txn, id, old_urls).await?;
    }
    Ok(())
}

/// Writes one file's change in a savepoint of its own, and reports it.
async fn write_file(
    batch: &DatabaseTransaction,
    course_ids: &HashMap<String, i32>,
    path: String,
    action: LessonAction,
    report: &mut SyncReport,
    progress: &dyn Progress,
) -> Result<(), SyncError> {
    progress.advance();
    let file = batch.begin().await?;
    let outcome = apply_lesson(&file, course_ids, action).await;
    match outcome {
        Ok(Applied::Stale) | Err(_) => file.rollback().await?,
        Ok(_) => file.commit().await?,
    }
    match outcome {
        Ok(Applied::Created) => report.created.push(path),
        Ok(Applied::Updated) => report.updated.push(path),
        Ok(Applied::Archived) => report.archived.push(path),
        Ok(Applied::Conflict) => report.conflicts.push(path),
        Ok(Applied::Stale) => report.diagnostics.push(Diagnostic::warning(
            &path,
            None,
            "the lesson changed while this sync ran; run sync again",
        )),
        Err(e) => {
            report
                .diagnostics
                .push(Diagnostic::error(&path, None, format!("not saved: {e}")))
        }
    }
    Ok(())
}

enum Applied {
    Created,
    Updated,
    Archived,
    Conflict,
    Stale,
}

/// Writes one lesson's change inside `txn` (the file's savepoint), which
/// the caller commits, or rolls back on `Stale` or an error.
async fn apply_lesson(
    txn: &DatabaseTransaction,
    course_ids: &HashMap<String, i32>,
    action: LessonAction,
) -> Result<Applied, DbErr> {
    let outcome = match action {
        LessonAction::Create {
            course,
            fields,
            aliases,
        } => {
            let course_id = *course_ids
                .get(&course)
                .ok_or_else(|| DbErr::Custom(format!("course “{course}” was not saved")))?;
            let lesson = lessons::insert(txn, course_id, &fields, None).await?;
            revisions::record(txn, &lesson, Origin::Git, None, Some("created from file")).await?;
            redirects::claim_lesson_url(txn, &lesson).await?;
            redirects::set_aliases(txn, lesson.id, &aliases).await?;
            Applied::Created
        }
        LessonAction::Update {
            id,
            version,
            fields,
            note,
            aliases,
            moved_from,
            file_text,
        } => match lessons::update_if_version(txn, id, version, &fields, None).await? {
            Some(lesson) => {
                revisions::record(txn, &lesson, Origin::Git, None, Some(&note)).await?;
                if let Some(file) = file_text {
                    // After the merged version's own revision, so that one
                    // stays the version's; this one is the next merge's base.
                    let shown = file
                        .fields
                        .as_ref()
                        .and_then(|f| serde_json::to_string(f).ok());
                    let text = RevisionText {
                        title: &file.title,
                        summary: &file.summary,
                        body_md: &file.body_md,
                        fields: shown.as_deref(),
                    };
                    let note = super::plan::FILE_TEXT_KEPT;
                    revisions::record_text(
                        txn,
                        id,
                        lesson.version,
                        text,
                        Origin::Git,
                        None,
                        Some(note),
                    )
                    .await?;
                }
                redirects::claim_lesson_url(txn, &lesson).await?;
                redirects::set_aliases(txn, id, &aliases).await?;
                if let Some(old) = moved_from {
                    redirects::lesson_moved(txn, &old, id).await?;
                }
                Applied::Updated
            }
            None => return Ok(Applied::Stale),
        },
        LessonAction::Conflict {
            id,
            version,
            fields,
        } => {
            let text = RevisionText {
                title: &fields.title,
                summary: &fields.summary,
                body_md: &fields.body_md,
                fields: None,
            };
            let note = "conflict: the file changed while the lesson had unexported admin edits; the live text was kept";
            let revision =
                revisions::record_text(txn, id, version, text, Origin::Conflict, None, Some(note))
                    .await?;
            let hash = fields.source_hash.as_deref().unwrap_or_default();
            if !lessons::mark_conflict_if_version(
                txn,
                id,
                version,
                fields.source_path.as_deref(),
                hash,
                revision.id,
            )
            .await?
            {
                return Ok(Applied::Stale);
            }
            Applied::Conflict
        }
        LessonAction::Archive { id, version } => {
            match lessons::archive_missing_file(txn, id, version).await? {
                Some(lesson) => {
                    revisions::record(
                        txn,
                        &lesson,
                        Origin::Git,
                        None,
                        Some("archived: the file was deleted"),
                    )
                    .await?;
                    Applied::Archived
                }
                None => return Ok(Applied::Stale),
            }
        }
    };
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::plans_in_scope;

    #[test]
    fn a_resync_plans_in_scope_up_to_64_folders_or_a_quarter_of_them() {
        assert!(plans_in_scope(0, 10));
        assert!(plans_in_scope(64, 100));
        assert!(!plans_in_scope(65, 100));
        assert!(plans_in_scope(250, 1000));
        assert!(!plans_in_scope(251, 1000));
        // Every folder changed (a first sync): one plan of everything.
        assert!(!plans_in_scope(3, 3));
    }
}
