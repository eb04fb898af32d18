//! The one place that decides which files under the content folder Lectern
//! may read as assets, and where export may write. Sync's scan, the admin's
//! save and preview, course bodies, re-rendering and export all ask here, so
//! a rule holds on every channel or on none.
//!
//! The rules: a path is relative, made of plain names (no `..`, no empty or
//! `.` parts, no backslashes); no part starts with a dot (`.git`, `.env`); no
//! part is a symbolic link, so nothing resolves outside the folder whatever a
//! committed link points at; an asset sits inside a course folder, is a
//! regular file with no other names (hard links), is not markdown and is
//! within the size limit.

use std::fs;
use std::io::{self, Read};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use super::scan::MAX_ASSET_BYTES;

/// Why a path was refused, in words an editor or author can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("the path leads outside the content folder")]
    Outside,
    #[error(
        "hidden files and folders (names starting with a dot, such as .git) are never published"
    )]
    Hidden,
    #[error("the path goes through the symbolic link {0}, and Lectern does not follow links")]
    Symlink(String),
    #[error("only files inside a course folder are published")]
    NotInCourse,
    #[error("markdown files are lessons, not images or downloads")]
    Markdown,
    #[error("there is no such file")]
    Missing,
    #[error("{0} is a folder or a special file, not a regular file")]
    NotAFile(String),
    #[error("the file is larger than the {} MiB limit for assets", MAX_ASSET_BYTES >> 20)]
    TooLarge,
    #[error(
        "the file has other names on the disk (hard links), so it may belong to somewhere else"
    )]
    HardLink,
}

/// The parts of a content-relative path, each checked to be a plain,
/// visible name.
fn parts(rel: &str) -> Result<Vec<&str>, Refused> {
    if rel.is_empty() || rel.starts_with('/') || rel.contains(['\\', '\0']) {
        return Err(Refused::Outside);
    }
    let parts: Vec<&str> = rel.split('/').collect();
    for part in &parts {
        match *part {
            "" | "." | ".." => return Err(Refused::Outside),
            p if p.starts_with('.') => return Err(Refused::Hidden),
            _ => {}
        }
    }
    Ok(parts)
}

/// Walks `parts` from `root` without following links: every part but the
/// last must be a real folder. Returns the full path and the metadata of the
/// last part (`None` when it does not exist and `missing_ok`).
fn walk(
    root: &Path,
    parts: &[&str],
    missing_ok: bool,
) -> Result<(PathBuf, Option<fs::Metadata>), Refused> {
    let mut path = root.to_path_buf();
    for (i, part) in parts.iter().enumerate() {
        path.push(part);
        let shown = parts[..=i].join("/");
        let meta = match fs::symlink_metadata(&path) {
            Ok(meta) => meta,
            Err(e) if e.kind() == io::ErrorKind::NotFound && missing_ok => {
                return Ok((root.join(parts.join("/")), None));
            }
            Err(_) => return Err(Refused::Missing),
        };
        if meta.file_type().is_symlink() {
            return Err(Refused::Symlink(shown));
        }
        if i + 1 < parts.len() && !meta.is_dir() {
            return Err(Refused::NotAFile(shown));
        }
        if i + 1 == parts.len() {
            return Ok((path, Some(meta)));
        }
    }
    Err(Refused::Outside)
}

/// Checks that `rel` names an asset Lectern may publish and returns its
/// path on disk.
pub fn asset_file(root: &Path, rel: &str) -> Result<PathBuf, Refused> {
    let parts = parts(rel)?;
    if parts.len() < 2 {
        return Err(Refused::NotInCourse);
    }
    if rel.ends_with(".md") {
        return Err(Refused::Markdown);
    }
    let (path, meta) = walk(root, &parts, false)?;
    let meta = meta.ok_or(Refused::Missing)?;
    if !meta.is_file() {
        return Err(Refused::NotAFile(rel.to_string()));
    }
    // A hard link to a file outside looks like any file here; git never
    // makes one, so a file with several names is refused.
    if meta.nlink() > 1 {
        return Err(Refused::HardLink);
    }
    if meta.len() > MAX_ASSET_BYTES {
        return Err(Refused::TooLarge);
    }
    Ok(path)
}

/// Reads a file [`asset_file`] accepted. The last part is opened without
/// following a link, and what was opened is checked again, so a file swapped
/// for a link since the check is refused rather than followed.
pub fn read_asset(path: &Path) -> io::Result<Vec<u8>> {
    let file = fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(io::Error::other("not a regular file"));
    }
    if meta.nlink() > 1 {
        return Err(io::Error::other(Refused::HardLink.to_string()));
    }
    if meta.len() > MAX_ASSET_BYTES {
        return Err(io::Error::other(Refused::TooLarge.to_string()));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(MAX_ASSET_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_ASSET_BYTES {
        return Err(io::Error::other(Refused::TooLarge.to_string()));
    }
    Ok(bytes)
}

/// Checks that export may write `rel`: plain visible names, no part of it
/// an existing link, the folders real folders and the file (if there is
/// one) a regular file. Missing folders are fine: export creates them.
pub fn writable(root: &Path, rel: &str) -> Result<PathBuf, Refused> {
    let parts = parts(rel)?;
    let (path, meta) = walk(root, &parts, true)?;
    match meta {
        Some(meta) if !meta.is_file() => Err(Refused::NotAFile(rel.to_string())),
        _ => Ok(path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("course/images")).unwrap();
        fs::create_dir_all(root.join(".git")).unwrap();
        fs::write(root.join(".git/config"), "secret").unwrap();
        fs::write(root.join("course/images/a.png"), "png").unwrap();
        fs::write(root.join("course/01-intro.md"), "# hi").unwrap();
        fs::write(root.join("course/.env"), "secret").unwrap();
        fs::write(root.join("top.txt"), "top").unwrap();
        std::os::unix::fs::symlink("/etc", root.join("course/lnk")).unwrap();
        std::os::unix::fs::symlink("images/a.png", root.join("course/alias.png")).unwrap();
        dir
    }

    #[test]
    fn accepts_regular_files_in_course_folders() {
        let dir = tree();
        let path = asset_file(dir.path(), "course/images/a.png").unwrap();
        assert_eq!(read_asset(&path).unwrap(), b"png");
    }

    #[test]
    fn refuses_each_rule_by_name() {
        let dir = tree();
        let root = dir.path();
        let refused = |rel: &str| asset_file(root, rel).unwrap_err();
        assert_eq!(refused(".git/config"), Refused::Hidden);
        assert_eq!(refused("course/.env"), Refused::Hidden);
        assert_eq!(
            refused("course/lnk/passwd"),
            Refused::Symlink("course/lnk".into())
        );
        assert_eq!(
            refused("course/alias.png"),
            Refused::Symlink("course/alias.png".into())
        );
        assert_eq!(refused("../etc/passwd"), Refused::Outside);
        assert_eq!(refused("/etc/passwd"), Refused::Outside);
        assert_eq!(refused("course\\..\\x"), Refused::Outside);
        assert_eq!(refused("course//a.png"), Refused::Outside);
        assert_eq!(refused("top.txt"), Refused::NotInCourse);
        assert_eq!(refused("course/01-intro.md"), Refused::Markdown);
        assert_eq!(
            refused("course/images"),
            Refused::NotAFile("course/images".into())
        );
        assert_eq!(refused("course/none.png"), Refused::Missing);
        assert!(refused(".git/config").to_string().contains(".git"));
        fs::hard_link(
            root.join(".git/config"),
            root.join("course/images/copy.png"),
        )
        .unwrap();
        assert_eq!(refused("course/images/copy.png"), Refused::HardLink);
    }

    #[test]
    fn reading_does_not_follow_a_link_put_in_place_later() {
        let dir = tree();
        let err = read_asset(&dir.path().join("course/alias.png")).unwrap_err();
        assert!(err.kind() != io::ErrorKind::NotFound, "{err}");
    }

    #[test]
    fn writes_never_go_through_links() {
        let dir = tree();
        let root = dir.path();
        assert!(writable(root, "course/02-new.md").is_ok());
        assert!(writable(root, "new-course/_course.md").is_ok());
        assert_eq!(
            writable(root, "course/lnk/_course.md").unwrap_err(),
            Refused::Symlink("course/lnk".into())
        );
        assert_eq!(
            writable(root, "course/alias.png").unwrap_err(),
            Refused::Symlink("course/alias.png".into())
        );
        assert_eq!(writable(root, ".git/hooks/x").unwrap_err(), Refused::Hidden);
        assert_eq!(writable(root, "../x.md").unwrap_err(), Refused::Outside);
    }
}
