//! Reading a Zola site: every section (a folder of `content/` with an
//! `_index.md`) that holds pages becomes a course, its pages lessons in the
//! order the section's `sort_by` gives (weight ascending, date newest
//! first, title, slug, or file order). A page bundle (a folder with an
//! `index.md`) brings its files along. `aliases` and each page's old
//! address become Lectern aliases; `@/…` links and links to old addresses
//! are resolved by the converter. Shortcodes are left in the text and
//! reported: the importer does not run them.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::Path;

use chrono::NaiveDate;
use serde_json::{Map, Value};

use super::report::Lines;
use super::{read_text, Course, ImportError, Lesson, LinkStyle, Report, Source};

const CONTENT: &str = "content";

/// Section fields the import carries over; any other is reported.
const SECTION_FIELDS: &[&str] = &["title", "description", "sort_by", "weight", "aliases"];
/// Page fields the import carries over; any other is reported.
const PAGE_FIELDS: &[&str] = &[
    "title",
    "description",
    "date",
    "updated",
    "weight",
    "draft",
    "slug",
    "path",
    "aliases",
    "taxonomies",
];

/// A file's front matter and body.
struct Doc {
    fields: Map<String, Value>,
    /// The front matter's text, for the line of each field.
    raw: String,
    body: String,
    body_line: usize,
}

impl Doc {
    fn text(&self, key: &str) -> Option<String> {
        self.fields
            .get(key)
            .and_then(Value::as_str)
            .map(str::to_string)
    }

    fn line_of(&self, field: &str) -> Option<usize> {
        // The front matter starts on the file's second line.
        (2..).zip(self.raw.lines()).find_map(|(line, l)| {
            let rest = l.trim_start().strip_prefix(field)?;
            rest.trim_start().starts_with(['=', ':']).then_some(line)
        })
    }

    fn date(&self, key: &str) -> Option<NaiveDate> {
        let s = self.text(key)?;
        NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d").ok()
    }
}

/// One page of a section, with what orders it.
struct Page {
    lesson: Lesson,
    weight: Option<i64>,
    date: Option<NaiveDate>,
    /// The bundle folder's files, for a page bundle.
    bundle_files: Vec<String>,
}

/// Reads the site at `dir` (the folder with `config.toml` and `content/`).
pub fn read(dir: &Path) -> Result<Source, ImportError> {
    if !dir.join(CONTENT).is_dir() {
        return Err(ImportError::NotASource(format!(
            "{} has no content folder, so it is not a Zola site (give the folder that holds config.toml and content)",
            dir.display()
        )));
    }
    let mut report = Report::default();
    let (config_key, config) = read_config(dir)?;
    let site_title = config
        .get("title")
        .and_then(|v| v.as_str())
        .map(str::to_string);
    let languages: HashSet<String> = config
        .get("languages")
        .and_then(|l| l.as_table())
        .map(|t| t.keys().cloned().collect())
        .unwrap_or_default();
    if !languages.is_empty() {
        report.add(
            &config_key,
            None,
            "the site has several languages; only the default language's pages are imported",
        );
    }

    let files = super::walk(dir, CONTENT)?;
    let present: BTreeSet<&str> = files.iter().map(String::as_str).collect();
    let folder_of = |key: &str| {
        key.rsplit_once('/')
            .map_or(String::new(), |(d, _)| d.to_string())
    };
    let is_section = |folder: &str| {
        folder == CONTENT || present.contains(format!("{folder}/_index.md").as_str())
    };
    let is_bundle = |folder: &str| {
        folder != CONTENT
            && !is_section(folder)
            && present.contains(format!("{folder}/index.md").as_str())
    };
    // The section a folder's pages belong to: the nearest one up.
    let section_of = |mut folder: String| loop {
        if is_section(&folder) {
            return folder;
        }
        folder = folder_of(&folder);
    };
    // The bundle a file is inside, if any (bundles may hold sub-folders).
    let bundle_of = |key: &str| {
        let mut folder = folder_of(key);
        while folder.len() > CONTENT.len() {
            if is_bundle(&folder) {
                return Some(folder);
            }
            folder = folder_of(&folder);
        }
        None
    };

    let mut sections: BTreeMap<String, Vec<Page>> = BTreeMap::new();
    sections.insert(CONTENT.to_string(), Vec::new());
    for key in &files {
        let name = key.rsplit('/').next().unwrap_or(key);
        let folder = folder_of(key);
        if name == "_index.md" {
            sections.entry(folder).or_default();
            continue;
        }
        if !name.ends_with(".md") {
            continue; // copied when linked, or with its bundle
        }
        if is_translation(name, &languages) {
            report.add(
                key,
                None,
                "a translation; only the default language is imported",
            );
            continue;
        }
        let bundle = bundle_of(key);
        if let Some(b) = &bundle {
            if *key != format!("{b}/index.md") {
                report.add(
                    key,
                    None,
                    "a markdown file inside a page bundle is not a page; not imported",
                );
                continue;
            }
        }
        let section = section_of(match &bundle {
            Some(b) => folder_of(b),
            None => folder,
        });
        let Some(page) = read_page(dir, key, bundle.as_deref(), &files, &section, &mut report)
        else {
            continue;
        };
        sections.entry(section).or_default().push(page);
    }

    let mut courses = Vec::new();
    for (folder, pages) in sections {
        let key = format!("{folder}/_index.md");
        let doc = if present.contains(key.as_str()) {
            match read_doc(dir, &key) {
                Ok(doc) => Some(doc),
                Err((line, why)) => {
                    report.add(
                        &key,
                        line,
                        format!("{why}; the section's own fields are not imported"),
                    );
                    None
                }
            }
        } else {
            None
        };
        if pages.is_empty() {
            if doc.as_ref().is_some_and(|d| !d.body.trim().is_empty()) {
                report.add(&key, None, "this section has no pages, so no course is made of it and its text is not imported");
            }
            continue;
        }
        courses.push(course(
            &folder,
            doc,
            pages,
            site_title.as_deref(),
            &mut report,
        ));
    }

    Ok(Source {
        root: dir.to_path_buf(),
        noun: "site",
        courses,
        links: LinkStyle {
            at_root: Some(CONTENT.to_string()),
            absolute_root: Some("static".to_string()),
            html_names_markdown: false,
        },
        report,
    })
}

/// `config.toml` (or `zola.toml`), when there is one.
fn read_config(dir: &Path) -> Result<(String, toml::Table), ImportError> {
    for name in ["config.toml", "zola.toml"] {
        let Ok(text) = std::fs::read_to_string(dir.join(name)) else {
            continue;
        };
        return toml::from_str(&text)
            .map(|t| (name.to_string(), t))
            .map_err(|e| {
                let line = e
                    .span()
                    .map_or(1, |s| Lines::new(&text, 1).line_of(s.start));
                ImportError::NotASource(format!(
                    "{name}:{line}: this is not valid TOML ({})",
                    e.message()
                ))
            });
    }
    Ok(("config.toml".to_string(), toml::Table::new()))
}

/// `name.fr.md` when `fr` is one of the site's languages.
fn is_translation(name: &str, languages: &HashSet<String>) -> bool {
    let stem = name.trim_end_matches(".md");
    stem.rsplit_once('.')
        .is_some_and(|(_, code)| languages.contains(code))
}

/// A section with its pages as a course.
fn course(
    folder: &str,
    doc: Option<Doc>,
    mut pages: Vec<Page>,
    site_title: Option<&str>,
    report: &mut Report,
) -> Course {
    let key = format!("{folder}/_index.md");
    let rel = folder
        .strip_prefix(CONTENT)
        .unwrap_or("")
        .trim_start_matches('/');
    let name = rel.rsplit('/').next().unwrap_or(rel);
    let fallback = if rel.is_empty() {
        site_title.unwrap_or("Site").to_string()
    } else {
        name.replace(['-', '_'], " ")
    };
    let old_url = if rel.is_empty() {
        "/".to_string()
    } else {
        format!("/{rel}/")
    };
    let mut c = Course {
        slug: if rel.is_empty() {
            fallback.clone()
        } else {
            name.to_string()
        },
        title: fallback,
        dir: format!("{folder}/"),
        old_urls: vec![old_url],
        body_line: 1,
        ..Default::default()
    };
    let mut sort_by = "none".to_string();
    if let Some(doc) = doc {
        unconverted(&key, &doc, SECTION_FIELDS, report);
        if let Some(t) = doc.text("title").filter(|t| !t.trim().is_empty()) {
            c.title = t;
        }
        c.summary = doc.text("description").unwrap_or_default();
        c.weight = doc.fields.get("weight").and_then(Value::as_i64);
        c.old_urls.extend(strings(&doc, "aliases", &key, report));
        if let Some(s) = doc.text("sort_by") {
            sort_by = s;
        }
        c.body = doc.body;
        c.body_line = doc.body_line;
        c.source = Some(key.clone());
        report_shortcodes(&key, &c.body, c.body_line, report);
    }
    order(&mut pages, &sort_by, &key, report);
    for page in pages {
        c.assets.extend(page.bundle_files);
        c.lessons.push(page.lesson);
    }
    c
}

/// Orders a section's pages as Zola's `sort_by` does; pages without the
/// key come last, in file order, and are reported.
fn order(pages: &mut [Page], sort_by: &str, section_key: &str, report: &mut Report) {
    let by_path = |a: &Page, b: &Page| a.lesson.source.cmp(&b.lesson.source);
    match sort_by {
        "weight" => pages.sort_by(|a, b| match (a.weight, b.weight) {
            (Some(x), Some(y)) => x.cmp(&y).then_with(|| by_path(a, b)),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => by_path(a, b),
        }),
        "date" => pages.sort_by(|a, b| match (a.date, b.date) {
            (Some(x), Some(y)) => y.cmp(&x).then_with(|| by_path(a, b)),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => by_path(a, b),
        }),
        "title" | "title_bytes" => pages.sort_by(|a, b| {
            a.lesson
                .title
                .to_lowercase()
                .cmp(&b.lesson.title.to_lowercase())
                .then_with(|| by_path(a, b))
        }),
        "slug" => pages.sort_by(|a, b| {
            a.lesson
                .slug
                .cmp(&b.lesson.slug)
                .then_with(|| by_path(a, b))
        }),
        other => {
            if other != "none" {
                report.add(
                    section_key,
                    None,
                    format!(
                        "sort_by = \"{other}\" is not known; the pages are imported in file order"
                    ),
                );
            }
            pages.sort_by(by_path);
        }
    }
    let missing = |p: &Page| match sort_by {
        "weight" => p.weight.is_none(),
        "date" => p.date.is_none(),
        _ => false,
    };
    for page in pages.iter().filter(|p| missing(p)) {
        report.add(
            &page.lesson.source,
            None,
            format!("the section sorts its pages by {sort_by}, but this page has none; it comes after the pages that have one"),
        );
    }
}

/// One page as a lesson, or `None` (reported) when it cannot be read.
fn read_page(
    dir: &Path,
    key: &str,
    bundle: Option<&str>,
    files: &[String],
    section: &str,
    report: &mut Report,
) -> Option<Page> {
    let doc = match read_doc(dir, key) {
        Ok(doc) => doc,
        Err((line, why)) => {
            report.add(key, line, format!("{why}; the page is not imported"));
            return None;
        }
    };
    unconverted(key, &doc, PAGE_FIELDS, report);
    let name = match bundle {
        Some(b) => b.rsplit('/').next().unwrap_or(b),
        None => key
            .rsplit('/')
            .next()
            .unwrap_or(key)
            .trim_end_matches(".md"),
    };
    // Zola reads a date from a name like 2024-01-05-title.
    let (name_date, name) = match name
        .get(..10)
        .map(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d"))
    {
        Some(Ok(d)) if matches!(name.as_bytes().get(10), Some(b'-' | b'_')) => {
            (Some(d), &name[11..])
        }
        _ => (None, name),
    };
    let slug = doc.text("slug").unwrap_or_else(|| super::ascii_slug(name));
    let title = match doc.text("title").filter(|t| !t.trim().is_empty()) {
        Some(t) => t,
        None => {
            let made = name.replace(['-', '_'], " ");
            report.add(
                key,
                Some(1),
                format!("the page has no title; “{made}” is used"),
            );
            made
        }
    };
    let date = doc.date("date").or(name_date);
    let section_url = section
        .strip_prefix(CONTENT)
        .unwrap_or("")
        .trim_matches('/');
    let old_url = match doc.text("path") {
        Some(path) => format!("/{}/", path.trim_matches('/')),
        None if section_url.is_empty() => format!("/{slug}/"),
        None => format!("/{section_url}/{slug}/"),
    };
    let mut aliases = vec![old_url];
    aliases.extend(strings(&doc, "aliases", key, report));
    let mut tags = Vec::new();
    if let Some(taxonomies) = doc.fields.get("taxonomies").and_then(Value::as_object) {
        for (name, values) in taxonomies {
            let values: Vec<String> = values
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            if name == "tags" {
                tags = values;
            } else {
                report.add(
                    key,
                    doc.line_of(name).or(doc.line_of("taxonomies")),
                    format!(
                        "the taxonomy “{name}” ({}) is not converted: Lectern has tags only",
                        values.join(", ")
                    ),
                );
            }
        }
    }
    report_shortcodes(key, &doc.body, doc.body_line, report);
    let bundle_files = match bundle {
        Some(b) => files
            .iter()
            .filter(|f| f.starts_with(&format!("{b}/")) && !f.ends_with(".md"))
            .cloned()
            .collect(),
        None => Vec::new(),
    };
    Some(Page {
        weight: doc.fields.get("weight").and_then(Value::as_i64),
        date,
        bundle_files,
        lesson: Lesson {
            source: key.to_string(),
            title,
            slug,
            summary: doc.text("description").unwrap_or_default(),
            draft: doc
                .fields
                .get("draft")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            tags,
            updated: doc.date("updated").or(date),
            aliases,
            body: doc.body,
            body_line: doc.body_line,
        },
    })
}

/// A list of strings from the front matter; anything else is reported.
fn strings(doc: &Doc, field: &str, key: &str, report: &mut Report) -> Vec<String> {
    match doc.fields.get(field) {
        None => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        Some(_) => {
            report.add(
                key,
                doc.line_of(field),
                format!("“{field}” is not a list of addresses; not converted"),
            );
            Vec::new()
        }
    }
}

/// Reports the fields Lectern has no place for, each with its line.
fn unconverted(key: &str, doc: &Doc, known: &[&str], report: &mut Report) {
    for name in doc.fields.keys() {
        if !known.contains(&name.as_str()) {
            report.add(
                key,
                doc.line_of(name),
                format!("the field “{name}” has no counterpart in Lectern; not converted"),
            );
        }
    }
}

/// Splits a file into TOML (`+++`) or YAML (`---`) front matter and body.
fn read_doc(dir: &Path, key: &str) -> Result<Doc, (Option<usize>, String)> {
    let text = read_text(dir, key).map_err(|why| (None, why))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let fence = match text.lines().next().map(str::trim_end) {
        Some("+++") => "+++",
        Some("---") => "---",
        _ => {
            return Ok(Doc {
                fields: Map::new(),
                raw: String::new(),
                body: text.to_string(),
                body_line: 1,
            })
        }
    };
    let start = text.find('\n').map_or(text.len(), |i| i + 1);
    let mut at = start;
    let mut line = 2;
    let end = loop {
        if at >= text.len() {
            return Err((
                Some(1),
                format!("the front matter opened with {fence} is never closed"),
            ));
        }
        let next = text[at..].find('\n').map_or(text.len(), |i| at + i + 1);
        if text[at..next].trim_end() == fence {
            break next;
        }
        at = next;
        line += 1;
    };
    let raw = &text[start..at];
    let fields = if fence == "+++" {
        let table: toml::Table = toml::from_str(raw).map_err(|e| {
            let line = e.span().map(|s| Lines::new(raw, 2).line_of(s.start));
            (
                line,
                format!("the front matter is not valid TOML ({})", e.message()),
            )
        })?;
        table
            .into_iter()
            .map(|(k, v)| (k, crate::markdown::toml_to_json(v)))
            .collect()
    } else if raw.trim().is_empty() {
        Map::new()
    } else {
        serde_yaml_ng::from_str::<Map<String, Value>>(raw)
            .map_err(|_| (Some(2), "the front matter is not valid YAML".to_string()))?
    };
    Ok(Doc {
        fields,
        raw: raw.to_string(),
        body: text[end..].to_string(),
        body_line: line + 1,
    })
}

/// Reports each shortcode call, `{{ name(…) }}` or `{% name(…) %}`, with
/// its line; `{{/* … */}}` is Zola's way of writing one as text.
fn report_shortcodes(key: &str, body: &str, first_line: usize, report: &mut Report) {
    for (i, line) in body.lines().enumerate() {
        let mut from = 0;
        while let Some(at) = line[from..].find(['{']).map(|j| from + j) {
            from = at + 1;
            let rest = &line[at..];
            let close = if rest.starts_with("{{") {
                "}}"
            } else if rest.starts_with("{%") {
                "%}"
            } else {
                continue;
            };
            let inner = rest[2..].trim_start();
            if inner.starts_with("/*") {
                continue;
            }
            let name_len = inner
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(inner.len());
            if name_len == 0 || !inner[name_len..].trim_start().starts_with('(') {
                continue;
            }
            let end = rest.find(close).map_or(rest.len(), |j| j + 2);
            let shown: String = rest[..end].chars().take(100).collect();
            let with_body = if close == "%}" {
                " and its body up to {% end %} are"
            } else {
                " is"
            };
            report.add(
                key,
                Some(first_line + i),
                format!(
                    "the Zola shortcode {shown}{with_body} not run (the text is left as it is)"
                ),
            );
            from = at + end.max(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortcodes_are_reported_with_their_lines() {
        let mut report = Report::default();
        report_shortcodes(
            "content/a.md",
            "Text {{ youtube(id=\"x\") }} more\n{% note(kind=\"tip\") %}\nbody\n{% end %}\n{{/* escaped() */}} {{ page.title }}\n",
            4,
            &mut report,
        );
        let shown: Vec<String> = report.findings.iter().map(|f| f.to_string()).collect();
        assert_eq!(
            shown,
            [
                "content/a.md:4: the Zola shortcode {{ youtube(id=\"x\") }} is not run (the text is left as it is)",
                "content/a.md:5: the Zola shortcode {% note(kind=\"tip\") %} and its body up to {% end %} are not run (the text is left as it is)",
            ]
        );
    }

    #[test]
    fn translations_are_known_by_the_site_languages() {
        let langs: HashSet<String> = ["fr".to_string()].into();
        assert!(is_translation("post.fr.md", &langs));
        assert!(!is_translation("v1.2.md", &langs));
    }
}
