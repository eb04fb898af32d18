//! `lectern new`: the rules for starting a course folder or a lesson file.
//! A new file is written only where nothing exists (never an overwrite),
//! and what is written passes the same front matter parser as sync, so a
//! scaffold is never the first broken file an author meets.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::markdown::{self, slug};

use super::scan::COURSE_FILE;

/// A file `lectern new` wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created {
    /// Where it was written: the content folder joined with `rel`.
    pub path: PathBuf,
    /// The path from the content folder, as sync and check name it.
    pub rel: String,
    /// The page it becomes once synced (root-relative).
    pub url: String,
    /// The title written into its front matter.
    pub title: String,
    /// The lesson's number (the `NN-` prefix); 0 for a course.
    pub number: u64,
}

/// Why nothing was written. Each message says what to do instead.
#[derive(Debug, thiserror::Error)]
pub enum ScaffoldError {
    #[error("the content folder {0} does not exist; create it, or set content_dir in Rocket.toml (or ROCKET_CONTENT_DIR) to your content folder")]
    NoContentFolder(String),
    #[error("cannot use “{given}” as a {what} slug: {reason}")]
    BadSlug {
        given: String,
        what: &'static str,
        reason: String,
    },
    #[error("{0} already exists; nothing was written (choose another slug, or edit the file that is there)")]
    Exists(String),
    #[error(
        "there is no course “{slug}” in {dir}{known}; start it with: lectern new course {slug}"
    )]
    NoCourse {
        slug: String,
        dir: String,
        known: String,
    },
    #[error("{0} is not a course folder (it is not a plain folder, or it has no {COURSE_FILE}); start a course with: lectern new course SLUG")]
    NotACourse(String),
    #[error("the title {0}")]
    BadTitle(String),
    #[error("the title “{0}” gives no usable slug (a slug is lowercase letters, digits and hyphens); give one with --slug, e.g. --slug my-lesson")]
    NoSlugFromTitle(String),
    #[error("{existing} already has the slug “{slug}”: two lessons of a course cannot share one; choose another title, or give a slug with --slug")]
    SlugTaken { slug: String, existing: String },
    #[error("cannot write {path}: {source}")]
    Io { path: String, source: io::Error },
}

/// Starts the course `slug`: its folder and a `_course.md` whose title comes
/// from `title` or else from the slug, and whose `weight` puts it after the
/// courses already there.
pub fn new_course(
    content_dir: &Path,
    course_slug: &str,
    title: Option<&str>,
) -> Result<Created, ScaffoldError> {
    slug::validate_course(course_slug).map_err(|reason| ScaffoldError::BadSlug {
        given: course_slug.to_string(),
        what: "course",
        reason,
    })?;
    content_folder(content_dir)?;
    let title = match title {
        Some(t) => clean_title(t)?,
        None => title_from_slug(course_slug),
    };
    let weight = next_course_weight(content_dir);
    let text = course_text(&title, weight);
    must_parse(&text)?;
    let dir = content_dir.join(course_slug);
    let rel = format!("{course_slug}/{COURSE_FILE}");
    // `create_dir` fails on anything already there: a folder, a file, a link.
    fs::create_dir(&dir).map_err(|e| match e.kind() {
        io::ErrorKind::AlreadyExists => ScaffoldError::Exists(dir.display().to_string()),
        _ => io_error(&dir, e),
    })?;
    let path = dir.join(COURSE_FILE);
    write_new(&path, &text)?;
    Ok(Created {
        path,
        rel,
        url: format!("/{course_slug}/"),
        title,
        number: 0,
    })
}

/// Adds a lesson titled `title` to the course `course_slug`: the next `NN-`
/// number of the course, and a slug from the title unless one is given.
pub fn new_lesson(
    content_dir: &Path,
    course_slug: &str,
    title: &str,
    given_slug: Option<&str>,
) -> Result<Created, ScaffoldError> {
    // Checked before it is joined to a path: no "..", no "/".
    slug::validate(course_slug).map_err(|reason| ScaffoldError::BadSlug {
        given: course_slug.to_string(),
        what: "course",
        reason,
    })?;
    content_folder(content_dir)?;
    let dir = content_dir.join(course_slug);
    match fs::symlink_metadata(&dir) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(ScaffoldError::NoCourse {
                slug: course_slug.to_string(),
                dir: content_dir.display().to_string(),
                known: known_courses(content_dir),
            })
        }
        Err(e) => return Err(io_error(&dir, e)),
        // Sync reads neither linked folders nor folders without a course file.
        Ok(meta) if !meta.is_dir() || !dir.join(COURSE_FILE).is_file() => {
            return Err(ScaffoldError::NotACourse(dir.display().to_string()))
        }
        Ok(_) => {}
    }
    let title = clean_title(title)?;
    let lesson_slug = match given_slug {
        Some(s) => s.to_string(),
        None => {
            slug_from_title(&title).ok_or_else(|| ScaffoldError::NoSlugFromTitle(title.clone()))?
        }
    };
    slug::validate_lesson(&lesson_slug).map_err(|reason| ScaffoldError::BadSlug {
        given: lesson_slug.clone(),
        what: "lesson",
        reason,
    })?;
    let names = lesson_file_names(&dir).map_err(|e| io_error(&dir, e))?;
    if let Some(existing) = names
        .iter()
        .find(|n| split_number(stem(n)).1 == lesson_slug)
    {
        return Err(ScaffoldError::SlugTaken {
            slug: lesson_slug,
            existing: format!("{course_slug}/{existing}"),
        });
    }
    let (number, width) = next_number(&names);
    let file = format!("{number:0width$}-{lesson_slug}.md");
    let text = lesson_text(&title);
    must_parse(&text)?;
    let path = dir.join(&file);
    write_new(&path, &text)?;
    Ok(Created {
        path,
        rel: format!("{course_slug}/{file}"),
        url: format!("/{course_slug}/{lesson_slug}/"),
        title,
        number,
    })
}

/// "backend-dev" → "Backend dev": a starting point the author edits.
pub fn title_from_slug(s: &str) -> String {
    let words = s.split('-').filter(|w| !w.is_empty()).collect::<Vec<_>>();
    let mut title = words.join(" ");
    if let Some(first) = title.get(..1) {
        title = first.to_ascii_uppercase() + &title[1..];
    }
    title
}

/// A lesson slug from its title: the words of the title, lowercase, joined
/// by hyphens, with common accented Latin letters written plainly ("Étape
/// deux" → "etape-deux"), and cut at a word to fit the slug limit. `None`
/// when nothing usable is left (a title in another script).
pub fn slug_from_title(title: &str) -> Option<String> {
    let folded: String = title.chars().map(fold_accent).collect();
    let words = slug::slugify(&folded);
    // slugify keeps non-ASCII letters; a slug may not hold them.
    let ascii = words
        .split('-')
        .map(|w| {
            w.chars()
                .filter(char::is_ascii_alphanumeric)
                .collect::<String>()
        })
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>();
    let mut out = String::new();
    for word in ascii {
        let extra = word.len() + usize::from(!out.is_empty());
        if out.len() + extra > slug::MAX_SLUG_LEN {
            break;
        }
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(&word);
    }
    (!out.is_empty()).then_some(out)
}

/// The common accented Latin letters, without their accents.
fn fold_accent(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ą' => 'a',
        'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' | 'Ā' | 'Ą' => 'A',
        'ç' | 'ć' | 'č' => 'c',
        'Ç' | 'Ć' | 'Č' => 'C',
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' | 'ě' => 'e',
        'È' | 'É' | 'Ê' | 'Ë' | 'Ē' | 'Ę' | 'Ě' => 'E',
        'ì' | 'í' | 'î' | 'ï' | 'ī' => 'i',
        'Ì' | 'Í' | 'Î' | 'Ï' | 'Ī' => 'I',
        'ñ' | 'ń' | 'ň' => 'n',
        'Ñ' | 'Ń' | 'Ň' => 'N',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => 'o',
        'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' | 'Ō' | 'Ő' => 'O',
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' => 'u',
        'Ù' | 'Ú' | 'Û' | 'Ü' | 'Ū' | 'Ů' | 'Ű' => 'U',
        'ý' | 'ÿ' => 'y',
        'Ý' => 'Y',
        'ś' | 'š' => 's',
        'Ś' | 'Š' => 'S',
        'ź' | 'ż' | 'ž' => 'z',
        'Ź' | 'Ż' | 'Ž' => 'Z',
        'ł' => 'l',
        'Ł' => 'L',
        'ř' => 'r',
        'Ř' => 'R',
        'ť' => 't',
        'Ť' => 'T',
        'ď' => 'd',
        'Ď' => 'D',
        c => c,
    }
}

/// The number after the highest `NN-` prefix among `names` (lesson file
/// names), and the width to write it with: at least two digits, or as wide
/// as the course's own numbers.
pub fn next_number(names: &[String]) -> (u64, usize) {
    let mut highest = 0;
    let mut width = 2;
    for name in names {
        let digits = stem(name).chars().take_while(char::is_ascii_digit).count();
        if let (Some(n), _) = split_number(stem(name)) {
            highest = highest.max(n);
            width = width.max(digits);
        }
    }
    (highest.saturating_add(1), width)
}

/// The text of a new `_course.md`.
pub fn course_text(title: &str, weight: i64) -> String {
    format!(
        "+++\n\
         title = {title}\n\
         # One sentence on what learners will be able to do: shown on the home page.\n\
         # summary = \"\"\n\
         # Where the course stands on the home page (lower first).\n\
         weight = {weight}\n\
         +++\n\
         \n\
         Introduce the course here: who it is for, what to know before starting,\n\
         and what learners will be able to do at the end. This text opens the\n\
         course page, above the list of lessons.\n",
        title = toml_string(title),
    )
}

/// The text of a new lesson file.
pub fn lesson_text(title: &str) -> String {
    format!(
        "+++\n\
         title = {title}\n\
         # Optional fields: remove the # in front of a line to use it.\n\
         # summary = \"One sentence on what the learner will be able to do.\"\n\
         # duration = 10  # minutes\n\
         # level = \"beginner\"  # or intermediate, advanced\n\
         +++\n\
         \n\
         Write the lesson here, in markdown. Link to another lesson by its file\n\
         name, as in `[the next lesson](02-next.md)`; put images next to the\n\
         lessons and link them the same way.\n",
        title = toml_string(title),
    )
}

/// A TOML basic string: quotes, backslashes and control characters escaped.
fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// A title as given on the command line, trimmed; one line, not empty.
fn clean_title(title: &str) -> Result<String, ScaffoldError> {
    let title = title.trim();
    if title.is_empty() {
        return Err(ScaffoldError::BadTitle(
            "is empty; give the lesson's title in quotes, e.g. \"Routes and data\"".into(),
        ));
    }
    if title.chars().any(char::is_control) {
        return Err(ScaffoldError::BadTitle(
            "must be one line of text, without tabs or line breaks".into(),
        ));
    }
    Ok(title.to_string())
}

/// What is written must read back as it will at sync (the title's length,
/// for one).
fn must_parse(text: &str) -> Result<(), ScaffoldError> {
    markdown::split_document(text).map(|_| ()).map_err(|e| {
        ScaffoldError::BadTitle(e.message.trim_start_matches("field “title” ").to_string())
    })
}

fn content_folder(content_dir: &Path) -> Result<(), ScaffoldError> {
    if content_dir.is_dir() {
        Ok(())
    } else {
        Err(ScaffoldError::NoContentFolder(
            content_dir.display().to_string(),
        ))
    }
}

/// After the highest `weight` of the courses there, so a new course comes
/// last on the home page; a course file that does not parse is passed over
/// (check and sync report it).
fn next_course_weight(content_dir: &Path) -> i64 {
    let mut highest: i64 = 0;
    for dir in course_folders(content_dir) {
        let Ok(text) = fs::read_to_string(content_dir.join(&dir).join(COURSE_FILE)) else {
            continue;
        };
        if let Ok(doc) = markdown::split_document(&text) {
            highest = highest.max(doc.meta.weight.unwrap_or(0));
        }
    }
    highest.saturating_add(1)
}

/// The course folders in the content folder, by name, as sync reads them.
fn course_folders(content_dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(content_dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    names.sort();
    names
}

/// "; courses there: a, b" (the first few), or "" when there are none.
fn known_courses(content_dir: &Path) -> String {
    let names = course_folders(content_dir);
    if names.is_empty() {
        return String::new();
    }
    let shown = names
        .iter()
        .take(10)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    let more = if names.len() > 10 { ", …" } else { "" };
    format!(" (courses there: {shown}{more})")
}

/// The lesson files of a course folder: `.md` files other than the course's.
fn lesson_file_names(dir: &Path) -> io::Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in fs::read_dir(dir)? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if name.ends_with(".md") && name != COURSE_FILE && !name.starts_with('.') {
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}

fn stem(name: &str) -> &str {
    name.strip_suffix(".md").unwrap_or(name)
}

/// `01-install-node` → (Some(1), "install-node"), as sync reads file names.
fn split_number(stem: &str) -> (Option<u64>, &str) {
    let digits = stem.chars().take_while(char::is_ascii_digit).count();
    match stem[digits..].strip_prefix('-') {
        Some(rest) if digits > 0 && !rest.is_empty() => (stem[..digits].parse().ok(), rest),
        _ => (None, stem),
    }
}

/// Writes a file that must not exist yet (`create_new`: never an overwrite,
/// even when another program makes the file meanwhile).
fn write_new(path: &Path, text: &str) -> Result<(), ScaffoldError> {
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| match e.kind() {
            io::ErrorKind::AlreadyExists => ScaffoldError::Exists(path.display().to_string()),
            _ => io_error(path, e),
        })?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| io_error(path, e))
}

fn io_error(path: &Path, source: io::Error) -> ScaffoldError {
    ScaffoldError::Io {
        path: path.display().to_string(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn titles_from_slugs_and_slugs_from_titles() {
        assert_eq!(title_from_slug("backend-dev"), "Backend dev");
        assert_eq!(title_from_slug("rust-2024"), "Rust 2024");
        assert_eq!(
            slug_from_title("Routes and data").as_deref(),
            Some("routes-and-data")
        );
        assert_eq!(
            slug_from_title("What's a server?").as_deref(),
            Some("whats-a-server")
        );
        assert_eq!(
            slug_from_title("Étape 2: Node.js").as_deref(),
            Some("etape-2-node-js")
        );
        assert_eq!(
            slug_from_title("  HTTP/2 -- and   TLS ").as_deref(),
            Some("http-2-and-tls")
        );
        assert_eq!(slug_from_title("日本語"), None);
        assert_eq!(slug_from_title("???"), None);
        let long = slug_from_title(&"word ".repeat(60)).unwrap();
        assert!(
            long.len() <= slug::MAX_SLUG_LEN && long.ends_with("word"),
            "{long}"
        );
        assert!(slug::validate_lesson(&long).is_ok());
    }

    #[test]
    fn the_next_number_follows_the_highest_and_keeps_the_width() {
        assert_eq!(next_number(&[]), (1, 2));
        assert_eq!(next_number(&names(&["01-a.md", "02-b.md"])), (3, 2));
        assert_eq!(
            next_number(&names(&["01-a.md", "07-b.md", "03-c.md"])),
            (8, 2)
        );
        assert_eq!(next_number(&names(&["intro.md", "notes.md"])), (1, 2));
        assert_eq!(next_number(&names(&["001-a.md", "002-b.md"])), (3, 3));
        assert_eq!(next_number(&names(&["09-a.md"])), (10, 2));
        assert_eq!(next_number(&names(&["99-a.md"])), (100, 2));
    }

    #[test]
    fn what_is_written_reads_back_with_the_same_title() {
        for title in [
            "Plain",
            "Quotes \" and \\ backslash",
            "Ünïcode — dash",
            "a = 1\n+++",
        ] {
            let text = lesson_text(title);
            let doc = markdown::split_document(&text).unwrap();
            assert_eq!(doc.meta.title, title.trim());
            assert!(doc.warnings.is_empty(), "{:?}", doc.warnings);
            let text = course_text(title, 4);
            let doc = markdown::split_document(&text).unwrap();
            assert_eq!(
                (doc.meta.title.as_str(), doc.meta.weight),
                (title.trim(), Some(4))
            );
        }
    }

    fn content() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("intro")).unwrap();
        fs::write(dir.path().join("intro/_course.md"), course_text("Intro", 3)).unwrap();
        fs::write(dir.path().join("intro/01-hello.md"), lesson_text("Hello")).unwrap();
        dir
    }

    #[test]
    fn a_course_is_started_with_its_title_and_the_next_weight() {
        let dir = content();
        let made = new_course(dir.path(), "backend-dev", None).unwrap();
        assert_eq!(made.rel, "backend-dev/_course.md");
        assert_eq!(made.url, "/backend-dev/");
        let text = fs::read_to_string(&made.path).unwrap();
        let doc = markdown::split_document(&text).unwrap();
        assert_eq!(doc.meta.title, "Backend dev");
        assert_eq!(doc.meta.weight, Some(4));
        let titled = new_course(dir.path(), "web", Some("Web Foundations")).unwrap();
        assert_eq!(titled.title, "Web Foundations");
    }

    #[test]
    fn a_lesson_takes_the_next_number_and_a_slug_from_its_title() {
        let dir = content();
        let made = new_lesson(dir.path(), "intro", "Routes and data", None).unwrap();
        assert_eq!(made.rel, "intro/02-routes-and-data.md");
        assert_eq!(made.url, "/intro/routes-and-data/");
        assert_eq!(made.number, 2);
        let next = new_lesson(dir.path(), "intro", "Anything", Some("wrap-up")).unwrap();
        assert_eq!(next.rel, "intro/03-wrap-up.md");
    }

    #[test]
    fn refusals_name_the_problem_and_write_nothing() {
        let dir = content();
        let before = fs::read_to_string(dir.path().join("intro/01-hello.md")).unwrap();
        let message = |e: ScaffoldError| e.to_string();

        let e = message(new_course(dir.path(), "intro", None).unwrap_err());
        assert!(e.contains("intro") && e.contains("already exists"), "{e}");
        let e = message(new_course(dir.path(), "Intro Course", None).unwrap_err());
        assert!(e.contains("try “intro-course”"), "{e}");
        let e = message(new_course(dir.path(), "admin", None).unwrap_err());
        assert!(e.contains("reserved"), "{e}");
        let e = message(new_course(&dir.path().join("nope"), "x", None).unwrap_err());
        assert!(
            e.contains("content folder") && e.contains("does not exist"),
            "{e}"
        );

        let e = message(new_lesson(dir.path(), "outro", "A", None).unwrap_err());
        assert!(
            e.contains("no course “outro”") && e.contains("courses there: intro"),
            "{e}"
        );
        assert!(e.contains("lectern new course outro"), "{e}");
        let e = message(new_lesson(dir.path(), "../intro", "A", None).unwrap_err());
        assert!(e.contains("cannot use “../intro”"), "{e}");
        let e = message(new_lesson(dir.path(), "intro", "Hello", None).unwrap_err());
        assert!(
            e.contains("intro/01-hello.md already has the slug “hello”"),
            "{e}"
        );
        let e = message(new_lesson(dir.path(), "intro", "日本語", None).unwrap_err());
        assert!(e.contains("--slug"), "{e}");
        let e = message(new_lesson(dir.path(), "intro", "A", Some("all")).unwrap_err());
        assert!(e.contains("reserved"), "{e}");
        let e = message(new_lesson(dir.path(), "intro", "  ", None).unwrap_err());
        assert!(e.contains("title is empty"), "{e}");
        let e = message(new_lesson(dir.path(), "intro", "two\nlines", None).unwrap_err());
        assert!(e.contains("one line"), "{e}");
        let e =
            message(new_lesson(dir.path(), "intro", &"t".repeat(400), Some("long")).unwrap_err());
        assert!(e.contains("longer than 300"), "{e}");
        fs::create_dir(dir.path().join("loose")).unwrap();
        let e = message(new_lesson(dir.path(), "loose", "A", None).unwrap_err());
        assert!(e.contains("not a course folder"), "{e}");

        for e in [
            new_course(dir.path(), "intro", None).unwrap_err(),
            new_lesson(dir.path(), "outro", "A", None).unwrap_err(),
        ] {
            assert!(!e.to_string().contains('`'), "{e}");
        }
        assert_eq!(
            fs::read_to_string(dir.path().join("intro/01-hello.md")).unwrap(),
            before
        );
        assert_eq!(
            lesson_file_names(&dir.path().join("intro")).unwrap(),
            ["01-hello.md"]
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_linked_course_folder_is_refused() {
        let dir = content();
        std::os::unix::fs::symlink(dir.path().join("intro"), dir.path().join("linked")).unwrap();
        let e = new_lesson(dir.path(), "linked", "A", None).unwrap_err();
        assert!(matches!(e, ScaffoldError::NotACourse(_)), "{e}");
    }
}
