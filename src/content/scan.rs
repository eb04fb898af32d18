//! Reading the content folder: which course folders, lesson files and assets
//! exist, with the bytes and hash of each markdown file. Nothing is parsed
//! here, so an unchanged file costs one read and one hash.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

pub use crate::base::hash::hash_bytes;

use crate::db::file_hashes::FileStamp;

use super::safe_path::{self, Refused};
use super::Diagnostic;

/// Largest markdown file accepted.
pub const MAX_MARKDOWN_BYTES: u64 = 1024 * 1024;
/// Largest asset (image, download) accepted.
pub const MAX_ASSET_BYTES: u64 = 10 * 1024 * 1024;
/// The course file inside each course folder.
pub const COURSE_FILE: &str = "_course.md";

/// A markdown file, read whole.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path from the content folder, with `/` separators.
    pub path: String,
    /// The file's bytes; empty when the scan was told they are not needed
    /// (see [`scan_changed`]).
    pub bytes: Vec<u8>,
    /// Hex SHA-256 of `bytes`.
    pub hash: String,
}

/// A lesson file with what its name says.
#[derive(Debug, Clone)]
pub struct LessonFile {
    pub file: SourceFile,
    /// The name without `NN-` prefix and `.md`.
    pub name_slug: String,
    /// The `NN` prefix, which orders the lesson when no `weight` is given.
    pub number: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct CourseDir {
    /// The folder name, which is the course slug.
    pub slug: String,
    pub course_file: Option<SourceFile>,
    pub lessons: Vec<LessonFile>,
}

/// A non-markdown file in a course folder, served under `/media`.
#[derive(Debug, Clone)]
pub struct Asset {
    pub path: String,
    pub abs: PathBuf,
    pub hash: String,
    pub name: String,
}

#[derive(Debug, Default)]
pub struct Tree {
    pub courses: Vec<CourseDir>,
    pub assets: BTreeMap<String, Asset>,
    /// Markdown files that exist but could not be used (too large, unreadable):
    /// sync must not treat their lessons as deleted.
    pub unusable: Vec<String>,
    /// Files in course folders that are not published, with the rule that
    /// refused them, so a reference to one can say why it is broken.
    pub refused: BTreeMap<String, Refused>,
    /// When each markdown file last changed, by path: its modification time
    /// (to the microsecond) as scanned; sync puts the date of the file's last
    /// commit in its place when the content folder is in git.
    pub file_dates: HashMap<String, DateTime<Utc>>,
    pub diagnostics: Vec<Diagnostic>,
    /// Set by [`scan_hashes`]: no markdown bytes were kept, and a file
    /// needed again is read from this folder ([`Tree::lesson_bytes`]).
    pub read_from: Option<PathBuf>,
    /// Markdown files [`scan_hashes`] read and hashed, with their size and
    /// time, old enough to be trusted next time.
    pub stamps: Vec<(String, FileStamp)>,
    /// Each course folder's listing, by folder name (set by [`scan_hashes`]
    /// and [`scan_listings`]): a hash of its markdown files' names, sizes
    /// and times, as stat-ed before any was read. `None` when one of them
    /// changed within the trust margin (or could not be stat-ed): it may
    /// change again unseen under the same listing.
    pub listings: HashMap<String, Option<String>>,
}

impl Tree {
    /// Adds what a scan of other course folders found (their courses
    /// aside): every field but `courses` and `read_from`.
    fn absorb(&mut self, part: Tree) {
        let Tree {
            courses: _,
            assets,
            unusable,
            refused,
            file_dates,
            diagnostics,
            read_from: _,
            stamps,
            listings,
        } = part;
        self.assets.extend(assets);
        self.unusable.extend(unusable);
        self.refused.extend(refused);
        self.file_dates.extend(file_dates);
        self.diagnostics.extend(diagnostics);
        self.stamps.extend(stamps);
        self.listings.extend(listings);
    }

    /// `file` with its bytes: as scanned, or read again when the scan kept
    /// none. A file whose bytes are no longer the ones scanned is refused
    /// with a warning (it changed meanwhile; the next sync applies it).
    pub fn bytes_of<'f>(&self, file: &'f SourceFile) -> Result<Cow<'f, SourceFile>, Diagnostic> {
        let Some(root) = &self.read_from else {
            return Ok(Cow::Borrowed(file));
        };
        let mut bytes = Vec::new();
        read_limited(&root.join(&file.path), &mut bytes)
            .map_err(|e| Diagnostic::error(&file.path, None, e.to_string()))?;
        if hash_bytes(&bytes) != file.hash {
            return Err(Diagnostic::warning(
                &file.path,
                None,
                "the file changed while this sync ran; it is applied at the next sync",
            ));
        }
        Ok(Cow::Owned(SourceFile {
            path: file.path.clone(),
            bytes,
            hash: file.hash.clone(),
        }))
    }

    /// [`Tree::bytes_of`] for a lesson file.
    pub fn lesson_bytes<'f>(&self, lf: &'f LessonFile) -> Result<Cow<'f, LessonFile>, Diagnostic> {
        Ok(match self.bytes_of(&lf.file)? {
            Cow::Borrowed(_) => Cow::Borrowed(lf),
            Cow::Owned(file) => Cow::Owned(LessonFile {
                file,
                name_slug: lf.name_slug.clone(),
                number: lf.number,
            }),
        })
    }
}

/// Reads the content folder at `root`. Fails only when `root` itself cannot be
/// read; problems with single files become diagnostics.
pub fn scan(root: &Path) -> io::Result<Tree> {
    scan_changed(root, &|_, _| false)
}

/// Like [`scan`], but keeps no markdown bytes at all, only each file's path,
/// hash and date: what sync needs of every file, whatever their number.
/// The files it must parse are read again, a batch at a time (issue 20:
/// a cold sync of 100,000 lessons held every file's text, 760 MB).
///
/// A file whose size and modification time are those in `known` (what the
/// last sync read) is not read at all: its hash is taken from there. The
/// files read are listed in [`Tree::stamps`], to be remembered.
pub fn scan_hashes(root: &Path, known: &HashMap<String, FileStamp>) -> io::Result<Tree> {
    let mut reader = Reader::for_sync(Some(known));
    let mut tree = scan_with(root, &mut reader)?;
    tree.read_from = Some(root.to_path_buf());
    Ok(tree)
}

/// Like [`scan_hashes`], but markdown files are only stat-ed (no hash is
/// known yet: [`SourceFile::hash`] is empty), for their folders'
/// [`Tree::listings`]; [`hash_folders`] then hashes the folders a resync
/// must plan. Assets are read as by [`scan`].
pub fn scan_listings(root: &Path) -> io::Result<Tree> {
    use rayon::prelude::*;
    // Stat-ing 101,000 files was most of a one-file resync at 100,000
    // lessons (0.5 s): the folders are listed on every core, each into its
    // own part, joined in folder order as one pass would have made them.
    let trusted_before = trusted_before_now();
    let parts: Vec<(CourseDir, Tree)> = course_dirs(root)?
        .par_iter()
        .map(|(name, dir)| {
            let mut reader = Reader::for_listing(trusted_before);
            let mut part = Tree::default();
            let course = scan_course(root, dir, name, &mut part, &mut reader);
            (course, part)
        })
        .collect();
    let mut tree = Tree::default();
    for (course, part) in parts {
        tree.courses.push(course);
        tree.absorb(part);
    }
    tree.read_from = Some(root.to_path_buf());
    Ok(tree)
}

/// Keeps only the course folders named in `folders` of a tree made by
/// [`scan_listings`], and gives their markdown files their hashes as
/// [`scan_hashes`] does (by `known` size and time, else read). A file that
/// cannot be read is unusable, as in any scan. Returns the folders left
/// out, their files unhashed.
pub fn hash_folders(
    tree: &mut Tree,
    folders: &std::collections::HashSet<String>,
    known: &HashMap<String, FileStamp>,
) -> Vec<CourseDir> {
    let Some(root) = tree.read_from.clone() else {
        return Vec::new();
    };
    let (mut courses, others) = std::mem::take(&mut tree.courses)
        .into_iter()
        .partition::<Vec<_>, _>(|c| folders.contains(&c.slug));
    // A course folder at a time on several threads: read one after
    // another, the files of 100,000 lessons took 9 s of a cold sync on one
    // core while the other waited. What each finds is added in folder order.
    use rayon::prelude::*;
    let trusted_before = trusted_before_now();
    let parts: Vec<Tree> = on_readers(|| {
        courses
            .par_iter_mut()
            .map(|course| {
                let mut part = Tree::default();
                let mut reader = Reader {
                    trusted_before,
                    ..Reader::for_sync(Some(known))
                };
                if let Some(file) = course.course_file.take() {
                    course.course_file =
                        hash_file(&root.join(&file.path), &file.path, &mut part, &mut reader);
                }
                let lessons = std::mem::take(&mut course.lessons);
                for mut lf in lessons {
                    let abs = root.join(&lf.file.path);
                    if let Some(file) = hash_file(&abs, &lf.file.path, &mut part, &mut reader) {
                        lf.file = file;
                        course.lessons.push(lf);
                    }
                }
                part
            })
            .collect()
    });
    for part in parts {
        tree.absorb(part);
    }
    tree.courses = courses;
    others
}

/// Runs `work` on the threads that read and hash files: more than the
/// cores, since reading is mostly waiting for the disk, and a disk serves
/// several reads at once. With the files out of the page cache, reading
/// 100,000 lessons took 7.3 s two at a time and 4.5 s eight at a time on
/// the 2-core machine. On the usual threads if these cannot be made.
fn on_readers<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    static POOL: std::sync::OnceLock<Option<rayon::ThreadPool>> = std::sync::OnceLock::new();
    let pool = POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(READERS.max(rayon::current_num_threads()))
            .thread_name(|i| format!("lectern-read-{i}"))
            .build()
            .map_err(|e| tracing::warn!("reading files on the usual threads: {e}"))
            .ok()
    });
    match pool {
        Some(pool) => pool.install(work),
        None => work(),
    }
}

const READERS: usize = 8;

/// See [`scan_hashes`]: two seconds, more than any file system's time step.
const TRUST_MARGIN_MICROS: i64 = 2_000_000;

/// Files modified before this moment (microseconds) may be remembered: a
/// file changed within [`TRUST_MARGIN_MICROS`] of a scan may change again
/// within the same tick of its clock, unseen.
fn trusted_before_now() -> i64 {
    now_micros() - TRUST_MARGIN_MICROS
}

fn now_micros() -> i64 {
    micros(std::time::SystemTime::now()).unwrap_or(i64::MAX)
}

fn micros(at: std::time::SystemTime) -> Option<i64> {
    let micros = at.duration_since(std::time::UNIX_EPOCH).ok()?.as_micros();
    i64::try_from(micros).ok()
}

/// Like [`scan`], but keeps the bytes of a markdown file only when
/// `unchanged(path, hash)` is false. A sync knows which files it applied with
/// which hash and never reads those bytes again, so a resync of thousands of
/// unchanged files reads each into one reused buffer instead of holding the
/// whole content folder in memory (memory a long-running server would keep).
pub fn scan_changed(root: &Path, unchanged: &dyn Fn(&str, &str) -> bool) -> io::Result<Tree> {
    let mut reader = Reader {
        unchanged,
        buf: Vec::new(),
        known: None,
        trusted_before: i64::MIN,
        stat_only: false,
        listing: None,
    };
    scan_with(root, &mut reader)
}

fn scan_with(root: &Path, reader: &mut Reader) -> io::Result<Tree> {
    let mut tree = Tree::default();
    for (name, dir) in course_dirs(root)? {
        let course = scan_course(root, &dir, &name, &mut tree, reader);
        tree.courses.push(course);
    }
    Ok(tree)
}

/// The course folders of the content folder, by name, in name order.
fn course_dirs(root: &Path) -> io::Result<Vec<(String, PathBuf)>> {
    let mut dirs: Vec<_> = fs::read_dir(root)?.collect::<Result<_, _>>()?;
    dirs.sort_by_key(|e| e.file_name());
    let mut found = Vec::with_capacity(dirs.len());
    for entry in dirs {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || !entry.file_type()?.is_dir() {
            continue; // the content root may hold a README, .git, and the like
        }
        found.push((name, entry.path()));
    }
    Ok(found)
}

/// Reads markdown files through one buffer.
struct Reader<'a> {
    unchanged: &'a dyn Fn(&str, &str) -> bool,
    buf: Vec<u8>,
    /// Files whose hash is known by size and time (see [`scan_hashes`]).
    known: Option<&'a HashMap<String, FileStamp>>,
    /// Files modified before this (microseconds) may be remembered.
    trusted_before: i64,
    /// Stat markdown files, read none ([`scan_listings`]).
    stat_only: bool,
    /// The listing of the course folder being scanned, so far; `None` once
    /// a file in it is not to be trusted.
    listing: Option<String>,
}

impl<'a> Reader<'a> {
    fn for_sync(known: Option<&'a HashMap<String, FileStamp>>) -> Self {
        Reader {
            unchanged: &|_, _| true,
            buf: Vec::new(),
            known: Some(known.unwrap_or(&NO_STAMPS)),
            trusted_before: trusted_before_now(),
            stat_only: false,
            listing: None,
        }
    }

    /// A reader for [`scan_listings`]: stats markdown files, reads none.
    fn for_listing(trusted_before: i64) -> Self {
        Reader {
            stat_only: true,
            trusted_before,
            ..Reader::for_sync(None)
        }
    }

    /// Adds a markdown file, stat-ed as `stat` (size, time), to the listing.
    fn list(&mut self, name: &str, stat: Option<(i64, i64)>) {
        match stat {
            Some((size, modified)) if modified < self.trusted_before => {
                if let Some(listing) = self.listing.as_mut() {
                    listing.push_str(&format!("{name}\t{size}\t{modified}\n"));
                }
            }
            _ => self.listing = None,
        }
    }
}

static NO_STAMPS: std::sync::LazyLock<HashMap<String, FileStamp>> =
    std::sync::LazyLock::new(HashMap::new);

fn scan_course(
    root: &Path,
    dir: &Path,
    slug: &str,
    tree: &mut Tree,
    reader: &mut Reader,
) -> CourseDir {
    let mut course = CourseDir {
        slug: slug.to_string(),
        course_file: None,
        lessons: Vec::new(),
    };
    let mut entries: Vec<_> = match fs::read_dir(dir).and_then(|d| d.collect::<Result<Vec<_>, _>>())
    {
        Ok(e) => e,
        Err(e) => {
            tree.diagnostics.push(Diagnostic::error(
                slug,
                None,
                format!("cannot read folder: {e}"),
            ));
            return course;
        }
    };
    entries.sort_by_key(|e| e.file_name());
    // Only a sync's scans keep listings (see `db::folder_marks`).
    reader.listing = reader.known.is_some().then(String::new);
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = format!("{slug}/{name}");
        if name.starts_with('.') {
            tree.refused.insert(path, Refused::Hidden);
            continue;
        }
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_symlink() {
            tree.diagnostics.push(Diagnostic::warning(
                &path,
                None,
                "symbolic links are not followed",
            ));
            tree.refused.insert(path.clone(), Refused::Symlink(path));
        } else if kind.is_dir() {
            scan_assets(root, &entry.path(), &path, tree);
        } else if name.ends_with(".md") {
            let Some(file) = read_markdown(&entry, &path, tree, reader) else {
                continue;
            };
            if name == COURSE_FILE {
                course.course_file = Some(file);
            } else {
                let stem = &name[..name.len() - 3];
                let (number, name_slug) = split_number(stem);
                course.lessons.push(LessonFile {
                    file,
                    name_slug: name_slug.to_string(),
                    number,
                });
            }
        } else {
            add_asset(root, path, name, tree);
        }
    }
    let listing = reader.listing.take().map(|l| hash_bytes(l.as_bytes()));
    tree.listings.insert(slug.to_string(), listing);
    course
}

/// `01-install-node` → (Some(1), "install-node"); `intro` → (None, "intro").
pub(crate) fn split_number(stem: &str) -> (Option<i64>, &str) {
    let digits = stem.chars().take_while(|c| c.is_ascii_digit()).count();
    match stem[digits..].strip_prefix('-') {
        Some(rest) if digits > 0 && !rest.is_empty() => (stem[..digits].parse().ok(), rest),
        _ => (None, stem),
    }
}

fn read_markdown(
    entry: &fs::DirEntry,
    path: &str,
    tree: &mut Tree,
    reader: &mut Reader,
) -> Option<SourceFile> {
    if reader.stat_only {
        // Stat-ed through its folder (`fstatat`), not by its whole path.
        let stat = entry.metadata().ok().and_then(|m| stamp_of(&m));
        reader.list(path.rsplit('/').next().unwrap_or(path), stat);
        // Dated by `hash_folders`, for the folders planned.
        return Some(SourceFile {
            path: path.to_string(),
            bytes: Vec::new(),
            hash: String::new(),
        });
    }
    hash_file(&entry.path(), path, tree, reader)
}

/// A file's size and modification time (microseconds).
fn file_stat(abs: &Path) -> Option<(i64, i64)> {
    stamp_of(&fs::metadata(abs).ok()?)
}

fn stamp_of(m: &fs::Metadata) -> Option<(i64, i64)> {
    let modified = m.modified().ok().and_then(micros)?;
    Some((i64::try_from(m.len()).ok()?, modified))
}

/// The markdown file at `abs` with its hash: from `reader.known` when its
/// size and time are the ones remembered, else read and hashed.
fn hash_file(abs: &Path, path: &str, tree: &mut Tree, reader: &mut Reader) -> Option<SourceFile> {
    // Stat-ed before it is read: a change while it is read shows in the
    // next listing.
    let stat = reader.known.and_then(|_| file_stat(abs));
    if reader.known.is_some() {
        reader.list(path.rsplit('/').next().unwrap_or(path), stat);
    }
    if let Some(known) = reader.known.and_then(|k| k.get(path)) {
        // Size and time as when last read: the same bytes, not read again.
        let stamp = stat;
        if stamp == Some((known.size, known.modified)) && known.size as u64 <= MAX_MARKDOWN_BYTES {
            if let Some(at) = DateTime::from_timestamp_micros(known.modified) {
                tree.file_dates.insert(path.to_string(), at);
            }
            return Some(SourceFile {
                path: path.to_string(),
                bytes: Vec::new(),
                hash: known.hash.clone(),
            });
        }
    }
    let buf = &mut reader.buf;
    let result = read_limited(abs, buf);
    match result {
        Ok(modified) => {
            if let Some(at) = modified {
                tree.file_dates.insert(path.to_string(), at);
            }
            let hash = hash_bytes(buf);
            if reader.known.is_some() {
                if let Some(at) = modified.map(|at| at.timestamp_micros()) {
                    if at < reader.trusted_before {
                        let size = buf.len() as i64;
                        let stamp = FileStamp {
                            size,
                            modified: at,
                            hash: hash.clone(),
                        };
                        tree.stamps.push((path.to_string(), stamp));
                    }
                }
            }
            let bytes = if (reader.unchanged)(path, &hash) {
                Vec::new()
            } else {
                buf.clone()
            };
            Some(SourceFile {
                path: path.to_string(),
                bytes,
                hash,
            })
        }
        Err(e) => {
            tree.diagnostics
                .push(Diagnostic::error(path, None, e.to_string()));
            tree.unusable.push(path.to_string());
            None
        }
    }
}

/// Reads the markdown file at `abs` into `buf` (cleared first), refusing one
/// over [`MAX_MARKDOWN_BYTES`]; returns its modification time.
fn read_limited(abs: &Path, buf: &mut Vec<u8>) -> io::Result<Option<DateTime<Utc>>> {
    buf.clear();
    let file = fs::File::open(abs)?;
    let metadata = file.metadata()?;
    let modified = metadata.modified().ok().and_then(to_the_microsecond);
    let len = metadata.len();
    if len > MAX_MARKDOWN_BYTES {
        return Err(io::Error::other(format!(
            "file is {} KiB; the limit is {} KiB",
            len / 1024,
            MAX_MARKDOWN_BYTES / 1024
        )));
    }
    // One byte more than the limit tells a file that grew meanwhile.
    file.take(MAX_MARKDOWN_BYTES + 1).read_to_end(buf)?;
    if buf.len() as u64 > MAX_MARKDOWN_BYTES {
        return Err(io::Error::other(format!(
            "file is over the limit of {} KiB",
            MAX_MARKDOWN_BYTES / 1024
        )));
    }
    Ok(modified)
}

/// A file time as the databases keep it, to the microsecond, so an
/// unchanged file's date compares equal to the one stored.
fn to_the_microsecond(at: std::time::SystemTime) -> Option<DateTime<Utc>> {
    let micros = at.duration_since(std::time::UNIX_EPOCH).ok()?.as_micros();
    DateTime::from_timestamp_micros(i64::try_from(micros).ok()?)
}

fn scan_assets(root: &Path, dir: &Path, prefix: &str, tree: &mut Tree) {
    let Ok(entries) = fs::read_dir(dir) else {
        tree.diagnostics
            .push(Diagnostic::error(prefix, None, "cannot read folder"));
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = format!("{prefix}/{name}");
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if name.starts_with('.') {
            tree.refused.insert(path, Refused::Hidden);
            continue;
        }
        if kind.is_symlink() {
            tree.refused.insert(path.clone(), Refused::Symlink(path));
            continue;
        }
        if kind.is_dir() {
            scan_assets(root, &entry.path(), &path, tree);
        } else if name.ends_with(".md") {
            tree.diagnostics.push(Diagnostic::warning(
                &path,
                None,
                "lessons must sit directly in the course folder; this file is ignored",
            ));
        } else {
            add_asset(root, path, name, tree);
        }
    }
}

/// Reads an asset through the same checks the admin's renderer makes
/// ([`safe_path`]), so sync and the admin publish the same files.
fn add_asset(root: &Path, path: String, name: String, tree: &mut Tree) {
    let read = safe_path::asset_file(root, &path)
        .map_err(|refused| {
            let message = refused.to_string();
            tree.refused.insert(path.clone(), refused);
            message
        })
        .and_then(|abs| match safe_path::read_asset(&abs) {
            Ok(bytes) => Ok((abs, bytes)),
            Err(e) => Err(e.to_string()),
        });
    match read {
        Ok((abs, bytes)) => {
            let hash = hash_bytes(&bytes);
            tree.assets.insert(
                path.clone(),
                Asset {
                    path,
                    abs,
                    hash,
                    name,
                },
            );
        }
        Err(message) => tree
            .diagnostics
            .push(Diagnostic::error(&path, None, message)),
    }
}

#[cfg(test)]
mod tests {
    use super::{scan_hashes, split_number};

    #[test]
    fn a_scan_for_sync_keeps_no_text_and_reads_a_file_again_only_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("c")).unwrap();
        std::fs::write(
            dir.path().join("c/01-a.md"),
            "+++\ntitle = \"A\"\n+++\nText.\n",
        )
        .unwrap();
        let tree = scan_hashes(dir.path(), &Default::default()).unwrap();
        let lf = &tree.courses[0].lessons[0];
        assert!(lf.file.bytes.is_empty());
        let read = tree.lesson_bytes(lf).unwrap();
        assert!(read.file.bytes.ends_with(b"Text.\n"));
        // Changed between the scan and the read: named, and left alone.
        std::fs::write(dir.path().join("c/01-a.md"), "+++\ntitle = \"B\"\n+++\n").unwrap();
        let refused = tree.lesson_bytes(lf).unwrap_err();
        assert_eq!(refused.path, "c/01-a.md");
        assert!(
            refused.message.contains("changed while this sync ran"),
            "{}",
            refused.message
        );
        assert!(!refused.is_error());
    }

    #[test]
    fn number_prefix_orders_and_the_rest_is_the_slug() {
        assert_eq!(split_number("01-install-node"), (Some(1), "install-node"));
        assert_eq!(split_number("120-x"), (Some(120), "x"));
        assert_eq!(split_number("intro"), (None, "intro"));
        assert_eq!(split_number("2024"), (None, "2024"));
        assert_eq!(split_number("01-"), (None, "01-"));
    }
}
