//! Reading an mdBook: `book.toml` for the title, `src/SUMMARY.md` for the
//! chapters and their order. The book becomes one course, or one course per
//! part when `SUMMARY.md` has part titles (`# Part`); nested chapters follow
//! their parent in order. Each chapter's old address (`page.html`) becomes
//! an alias, with the book's `[output.html.redirect]` entries. Preprocessor
//! directives (`{{#include …}}` and the others) are left in the text and
//! reported: the importer does not run them.

use std::collections::HashSet;
use std::path::Path;

use pulldown_cmark::{Event, Parser, Tag, TagEnd};

use super::report::Lines;
use super::{read_text, Course, ImportError, Lesson, LinkStyle, Report, Source};

/// A line of `SUMMARY.md` that names a chapter.
#[derive(Debug, Clone, PartialEq)]
struct Entry {
    title: String,
    /// The chapter file relative to the source folder; `None`: a draft.
    path: Option<String>,
    /// How deep in the nested lists (0: a prefix or suffix chapter).
    depth: usize,
    line: usize,
    /// The index of the part it belongs to, if the summary has parts.
    part: Option<usize>,
}

#[derive(Debug, Default, PartialEq)]
struct Summary {
    parts: Vec<String>,
    entries: Vec<Entry>,
}

/// Reads the book at `dir`. With `course`, the whole book becomes that one
/// course even when it has parts.
pub fn read(dir: &Path, course: Option<&str>) -> Result<Source, ImportError> {
    let book_toml = dir.join("book.toml");
    let config_text = std::fs::read_to_string(&book_toml).map_err(|_| {
        ImportError::NotASource(format!(
            "{} has no readable book.toml, so it is not an mdBook folder (give the folder that holds book.toml)",
            dir.display()
        ))
    })?;
    let config: toml::Table = toml::from_str(&config_text).map_err(|e| {
        let line = e
            .span()
            .map_or(1, |s| Lines::new(&config_text, 1).line_of(s.start));
        ImportError::NotASource(format!(
            "book.toml:{line}: this is not valid TOML ({})",
            e.message()
        ))
    })?;
    let book = config.get("book").and_then(|b| b.as_table());
    let text_of = |key: &str| {
        book.and_then(|b| b.get(key))
            .and_then(|v| v.as_str())
            .map(str::to_string)
    };
    let src = text_of("src").unwrap_or_else(|| "src".to_string());
    let src = src.trim_matches('/').to_string();
    let title = text_of("title").unwrap_or_else(|| {
        dir.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "Book".to_string())
    });
    let description = text_of("description").unwrap_or_default();
    let html = config
        .get("output")
        .and_then(|o| o.get("html"))
        .and_then(|h| h.as_table());
    let site_url = html
        .and_then(|h| h.get("site-url"))
        .and_then(|v| v.as_str())
        .unwrap_or("/");
    let site_url = format!("/{}/", site_url.trim_matches('/')).replace("//", "/");

    let mut report = Report::default();
    let config_lines = Lines::new(&config_text, 1);
    let line_of = |needle: &str| config_text.find(needle).map(|i| config_lines.line_of(i));
    if let Some(pre) = config.get("preprocessor").and_then(|p| p.as_table()) {
        for name in pre.keys() {
            report.add(
                "book.toml",
                line_of(&format!("preprocessor.{name}")),
                format!("the mdBook preprocessor “{name}” is not run; whatever it adds to the pages is not imported"),
            );
        }
    }

    let summary_key = format!("{src}/SUMMARY.md");
    let summary_text = read_text(dir, &summary_key).map_err(|why| {
        ImportError::NotASource(format!(
            "{summary_key}: {why}; an mdBook lists its chapters there"
        ))
    })?;
    let summary = parse_summary(&summary_text);

    // Which courses: the parts, unless one course is asked for or there are none.
    let by_part = course.is_none() && !summary.parts.is_empty();
    let mut courses: Vec<Course> = if by_part {
        summary
            .parts
            .iter()
            .enumerate()
            .map(|(i, part)| Course {
                slug: part.clone(),
                title: part.clone(),
                summary: format!("Part {} of {title}.", i + 1),
                weight: Some(i as i64 + 1),
                ..Default::default()
            })
            .collect()
    } else {
        vec![Course {
            slug: course.map_or_else(|| title.clone(), str::to_string),
            title: title.clone(),
            summary: description.clone(),
            ..Default::default()
        }]
    };
    for c in &mut courses {
        c.dir = format!("{src}/");
        c.body_line = 1;
    }

    let mut seen = HashSet::new();
    for entry in &summary.entries {
        let Some(path) = &entry.path else {
            report.add(
                &summary_key,
                Some(entry.line),
                format!(
                    "the draft chapter “{}” has no file yet, so it is not imported",
                    entry.title
                ),
            );
            continue;
        };
        let key = match super::join(&src, &super::percent_decoded(path)) {
            Some(key) if key.starts_with(&format!("{src}/")) => key,
            _ => {
                report.add(
                    &summary_key,
                    Some(entry.line),
                    format!(
                        "the chapter “{}” points outside the book ({path}); not imported",
                        entry.title
                    ),
                );
                continue;
            }
        };
        if !seen.insert(key.clone()) {
            report.add(
                &summary_key,
                Some(entry.line),
                format!("{path} is listed a second time; only its first place is imported"),
            );
            continue;
        }
        let body = match read_text(dir, &key) {
            Ok(body) => body,
            Err(why) => {
                report.add(
                    &summary_key,
                    Some(entry.line),
                    format!(
                        "the chapter “{}” ({path}) is not imported: {why}",
                        entry.title
                    ),
                );
                continue;
            }
        };
        report_directives(&key, &body, &mut report);
        let rel = &key[src.len() + 1..];
        let stem = rel
            .rsplit('/')
            .next()
            .unwrap_or(rel)
            .trim_end_matches(".md");
        let is_index = stem.eq_ignore_ascii_case("readme") || stem.eq_ignore_ascii_case("index");
        let html_name = match rel.rsplit_once('/') {
            _ if !is_index => format!("{}.html", rel.trim_end_matches(".md")),
            Some((folder, _)) => format!("{folder}/index.html"),
            None => "index.html".to_string(),
        };
        let ci = if by_part { entry.part.unwrap_or(0) } else { 0 };
        courses[ci].lessons.push(Lesson {
            source: key.clone(),
            title: entry.title.clone(),
            slug: if is_index {
                entry.title.clone()
            } else {
                stem.to_string()
            },
            aliases: vec![format!("{site_url}{html_name}")],
            body,
            body_line: 1,
            ..Default::default()
        });
    }

    if let Some(redirects) = html
        .and_then(|h| h.get("redirect"))
        .and_then(|r| r.as_table())
    {
        add_redirects(
            redirects,
            &src,
            &site_url,
            &mut courses,
            &mut report,
            &line_of,
        );
    }

    // Chapters the summary does not list are not part of the book.
    for key in super::walk(dir, &src)? {
        if key.ends_with(".md") && key != summary_key && !seen.contains(&key) {
            report.add(&key, None, "not listed in SUMMARY.md, so not imported");
        }
    }

    let courses: Vec<Course> = courses
        .into_iter()
        .filter(|c| {
            let keep = !c.lessons.is_empty();
            if !keep {
                report.add(
                    &summary_key,
                    None,
                    format!(
                        "the part “{}” has no chapters to import, so no course is made of it",
                        c.title
                    ),
                );
            }
            keep
        })
        .collect();

    Ok(Source {
        root: dir.to_path_buf(),
        noun: "book",
        courses,
        links: LinkStyle {
            at_root: None,
            absolute_root: Some(src),
            html_names_markdown: true,
        },
        report,
    })
}

/// `[output.html.redirect]`: old page → new place, relative to the old
/// page's folder. An old page that leads to an imported chapter becomes one
/// of its aliases; any other is reported.
fn add_redirects(
    redirects: &toml::Table,
    src: &str,
    site_url: &str,
    courses: &mut [Course],
    report: &mut Report,
    line_of: &dyn Fn(&str) -> Option<usize>,
) {
    for (old, new) in redirects {
        let line = line_of(old);
        let Some(new) = new.as_str() else { continue };
        let target = if new.starts_with('/') {
            super::join("", new.trim_start_matches('/'))
        } else {
            let folder = old
                .trim_start_matches('/')
                .rsplit_once('/')
                .map_or("", |(d, _)| d);
            super::join(folder, new)
        };
        let target = target
            .as_deref()
            .map(|t| t.split('#').next().unwrap_or(t).trim_end_matches(".html"))
            .map(|t| format!("{src}/{t}.md"));
        let lesson = target.as_deref().and_then(|key| {
            courses
                .iter_mut()
                .flat_map(|c| c.lessons.iter_mut())
                .find(|l| l.source == key)
        });
        match lesson {
            Some(lesson) if super::is_relative(new) || new.starts_with('/') => {
                let old = format!("{site_url}{}", old.trim_start_matches('/'));
                lesson.aliases.push(old);
            }
            _ => report.add(
                "book.toml",
                line,
                format!("the redirect from {old} to {new} does not lead to an imported chapter, so it is not kept"),
            ),
        }
    }
}

/// Reads `SUMMARY.md`: the first heading before any chapter is the
/// summary's own title; every later heading starts a part.
fn parse_summary(text: &str) -> Summary {
    let lines = Lines::new(text, 1);
    let mut summary = Summary::default();
    let mut depth = 0usize;
    let mut heading: Option<String> = None;
    let mut link: Option<(String, String, usize)> = None;
    let mut seen_title = false;
    for (event, range) in
        Parser::new_ext(text, crate::markdown::parser_options()).into_offset_iter()
    {
        match event {
            Event::Start(Tag::Heading { .. }) => heading = Some(String::new()),
            Event::End(TagEnd::Heading(_)) => {
                let title = heading.take().unwrap_or_default().trim().to_string();
                if !seen_title && summary.entries.is_empty() && summary.parts.is_empty() {
                    seen_title = true;
                } else if !title.is_empty() {
                    summary.parts.push(title);
                }
            }
            Event::Start(Tag::List(_)) => depth += 1,
            Event::End(TagEnd::List(_)) => depth = depth.saturating_sub(1),
            Event::Start(Tag::Link { dest_url, .. }) if link.is_none() => {
                link = Some((
                    String::new(),
                    dest_url.to_string(),
                    lines.line_of(range.start),
                ));
            }
            Event::End(TagEnd::Link) => {
                if let Some((title, dest, line)) = link.take() {
                    let dest = dest.split('#').next().unwrap_or("").trim().to_string();
                    summary.entries.push(Entry {
                        title: title.trim().to_string(),
                        path: (!dest.is_empty()).then_some(dest),
                        depth,
                        line,
                        part: summary.parts.len().checked_sub(1),
                    });
                }
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some((title, _, _)) = link.as_mut() {
                    title.push_str(&t);
                } else if let Some(h) = heading.as_mut() {
                    h.push_str(&t);
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some((title, _, _)) = link.as_mut() {
                    title.push(' ');
                }
            }
            _ => {}
        }
    }
    summary
}

/// Reports each `{{#name …}}` directive with its line; `\{{#…}}` is text.
fn report_directives(key: &str, body: &str, report: &mut Report) {
    for (i, line) in body.lines().enumerate() {
        let mut from = 0;
        while let Some(at) = line[from..].find("{{#").map(|j| from + j) {
            from = at + 3;
            if line[..at].ends_with('\\') {
                continue;
            }
            let end = line[at..].find("}}").map_or(line.len(), |j| at + j + 2);
            let shown: String = line[at..end].chars().take(100).collect();
            let name: String = line[at + 3..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let what = match name.as_str() {
                "include" | "rustdoc_include" => "is not run; paste the included text in its place",
                "playground" => "is not run; paste the code in a fenced code block in its place",
                "title" => "is not run; the lesson's title comes from SUMMARY.md",
                _ => "is not run",
            };
            report.add(
                key,
                Some(i + 1),
                format!("the mdBook directive {shown} {what} (the text is left as it is)"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_gives_parts_nested_chapters_and_drafts_in_order() {
        let s = parse_summary(
            "# Summary\n\n[Intro](README.md)\n\n# Basics\n\n- [One](one.md)\n  - [One A](one/a.md#top)\n- [Later]()\n\n---\n\n# More\n\n- [`Two`](two.md)\n\n[Credits](credits.md)\n",
        );
        assert_eq!(s.parts, ["Basics", "More"]);
        // (title, path, depth, line, part)
        type Row<'a> = (&'a str, Option<&'a str>, usize, usize, Option<usize>);
        let got: Vec<Row> = s
            .entries
            .iter()
            .map(|e| (e.title.as_str(), e.path.as_deref(), e.depth, e.line, e.part))
            .collect();
        assert_eq!(
            got,
            [
                ("Intro", Some("README.md"), 0, 3, None),
                ("One", Some("one.md"), 1, 7, Some(0)),
                ("One A", Some("one/a.md"), 2, 8, Some(0)),
                ("Later", None, 1, 9, Some(0)),
                ("Two", Some("two.md"), 1, 15, Some(1)),
                ("Credits", Some("credits.md"), 0, 17, Some(1)),
            ]
        );
    }

    #[test]
    fn directives_are_reported_with_their_lines() {
        let mut report = Report::default();
        report_directives(
            "src/a.md",
            "x\n```rust\n{{#include ../code/a.rs:main}}\n```\n\\{{#title escaped}} {{#title T}}\n",
            &mut report,
        );
        let shown: Vec<String> = report.findings.iter().map(|f| f.to_string()).collect();
        assert_eq!(shown.len(), 2, "{shown:?}");
        assert!(shown[0].starts_with(
            "src/a.md:3: the mdBook directive {{#include ../code/a.rs:main}} is not run"
        ));
        assert!(shown[1].starts_with("src/a.md:5: the mdBook directive {{#title T}}"));
    }
}
