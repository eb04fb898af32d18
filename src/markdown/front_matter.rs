//! Front matter: TOML between `+++` lines (preferred) or YAML between `---`
//! lines. Both are read into one JSON-like map, then each known field is
//! checked on its own so an error names the field and its line.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use serde_json::{Map, Value};

/// Fields a lesson or course may carry. Anything else is a warning.
const KNOWN_FIELDS: &[&str] = &[
    "title",
    "slug",
    "summary",
    "weight",
    "draft",
    "tags",
    "updated",
    "aliases",
    "publish_at",
    "duration",
    "level",
    "prerequisites",
];

pub(super) const MAX_TITLE_LEN: usize = 300;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Beginner,
    Intermediate,
    Advanced,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Beginner => "beginner",
            Level::Intermediate => "intermediate",
            Level::Advanced => "advanced",
        }
    }

    pub fn parse(s: &str) -> Option<Level> {
        match s {
            "beginner" => Some(Level::Beginner),
            "intermediate" => Some(Level::Intermediate),
            "advanced" => Some(Level::Advanced),
            _ => None,
        }
    }
}

/// The typed front matter of a lesson or course file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FrontMatter {
    pub title: String,
    pub slug: Option<String>,
    pub summary: String,
    pub weight: Option<i64>,
    pub draft: bool,
    pub tags: Vec<String>,
    pub updated: Option<NaiveDate>,
    pub aliases: Vec<String>,
    pub publish_at: Option<DateTime<FixedOffset>>,
    pub duration: Option<u32>,
    pub level: Option<Level>,
    pub prerequisites: Vec<String>,
}

/// A file split into its front matter and markdown body.
#[derive(Debug)]
pub struct Document<'a> {
    pub meta: FrontMatter,
    pub body: &'a str,
    /// 1-based line number of the body's first line in the file.
    pub body_line: usize,
    /// Non-fatal findings, each with its 1-based line.
    pub warnings: Vec<(usize, String)>,
    /// The 1-based line of each field that is set, for findings about a
    /// field's value made later (a prerequisite that points nowhere).
    pub field_lines: BTreeMap<String, usize>,
}

/// A front matter problem, with the 1-based line in the file.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct FrontMatterError {
    pub line: usize,
    pub message: String,
}

fn err(line: usize, message: impl Into<String>) -> FrontMatterError {
    FrontMatterError {
        line,
        message: message.into(),
    }
}

#[derive(Clone, Copy, Debug)]
enum Format {
    Toml,
    Yaml,
}

/// Splits `text` into front matter and body and checks the front matter.
pub fn split_document(text: &str) -> Result<Document<'_>, FrontMatterError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first_line = text.lines().next().unwrap_or("").trim_end();
    let (format, fence) = match first_line {
        "+++" => (Format::Toml, "+++"),
        "---" => (Format::Yaml, "---"),
        _ => {
            return Err(err(
                1,
                "no front matter: start the file with a line of three plus signs (+++), then a line like title = \"My lesson\", then another +++ line",
            ))
        }
    };

    // Find the closing fence: a line holding only the fence, after the first.
    let mut offset = text.find('\n').map_or(text.len(), |i| i + 1);
    let raw_start = offset;
    let mut line_no = 2;
    let (raw, body_start) = loop {
        if offset >= text.len() {
            return Err(err(
                1,
                format!("the front matter opened with “{fence}” on line 1 is never closed; add a line “{fence}” after the last field"),
            ));
        }
        let end = text[offset..]
            .find('\n')
            .map_or(text.len(), |i| offset + i + 1);
        if text[offset..end].trim_end() == fence {
            break (&text[raw_start..offset], end);
        }
        offset = end;
        line_no += 1;
    };
    let body_line = line_no + 1;

    let map = match format {
        Format::Toml => parse_toml(raw)?,
        Format::Yaml => parse_yaml(raw)?,
    };
    let fields = Fields { map, raw, format };

    let mut warnings = Vec::new();
    for key in fields.map.keys() {
        if !KNOWN_FIELDS.contains(&key.as_str()) {
            warnings.push((
                fields.line_of(key),
                format!("unknown field “{key}” is ignored"),
            ));
        }
    }
    let meta = fields.typed()?;
    let field_lines = fields
        .map
        .keys()
        .map(|key| (key.clone(), fields.line_of(key)))
        .collect();
    Ok(Document {
        meta,
        body: &text[body_start..],
        body_line,
        warnings,
        field_lines,
    })
}

/// Line in the file (the front matter starts on line 2) of a byte offset in `raw`.
fn file_line(raw: &str, byte: usize) -> usize {
    let before = &raw.as_bytes()[..byte.min(raw.len())];
    2 + before.iter().filter(|b| **b == b'\n').count()
}

/// What to write for a known field, with an example in the file's own
/// syntax. The one wording of a field's rule for every channel (check, sync,
/// the admin's sync page), whether the parser or the type check refused it.
fn what_to_write(key: &str, format: Format) -> Option<String> {
    let (rule, toml_example, yaml_example) = match key {
        "title" => ("must be text in quotes", "\"Hello\"", "\"Hello\""),
        "slug" => ("must be text in quotes", "\"install-node\"", "install-node"),
        "summary" => (
            "must be text in quotes",
            "\"What you will learn\"",
            "\"What you will learn\"",
        ),
        "weight" => ("must be a whole number", "3", "3"),
        "draft" => ("must be true or false", "true", "true"),
        "tags" => ("must be a list", "[\"a\", \"b\"]", "[a, b]"),
        "aliases" => (
            "must be a list",
            "[\"/old/address/\"]",
            "[\"/old/address/\"]",
        ),
        "prerequisites" => (
            "must be a list of lesson files",
            "[\"01-setup.md\"]",
            "[01-setup.md]",
        ),
        "updated" => ("must be a date like 2026-12-05", "2026-12-05", "2026-12-05"),
        "publish_at" => (
            "must be a date and time with its offset",
            "2026-12-01T09:00:00+01:00",
            "2026-12-01T09:00:00+01:00",
        ),
        "duration" => ("must be a number of minutes", "10", "10"),
        "level" => (
            "must be beginner, intermediate or advanced",
            "\"beginner\"",
            "beginner",
        ),
        _ => return None,
    };
    Some(match format {
        Format::Toml => format!("{key} {rule}, for example {key} = {toml_example}"),
        Format::Yaml => format!("{key} {rule}, for example {key}: {yaml_example}"),
    })
}

/// The plain message for a front matter line the parser could not read:
/// the rule of the field set on that line (or on the nearest line above it
/// that starts a field, for a list spread over lines), else a general hint.
/// The parser's own text is never shown: it speaks of its grammar, not of
/// what to write.
fn unreadable_line(raw: &str, line: usize, format: Format) -> String {
    let sep = match format {
        Format::Toml => '=',
        Format::Yaml => ':',
    };
    // `line` counts from the file's first line; the front matter starts on line 2.
    let lines: Vec<&str> = raw.lines().take(line.saturating_sub(1)).collect();
    let key = lines.iter().rev().find_map(|l| {
        let (key, _) = l.split_once(sep)?;
        let key = key.trim().trim_matches(['"', '\'']);
        let plain = !key.is_empty()
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        plain.then_some(key)
    });
    key.and_then(|k| what_to_write(k, format))
        .unwrap_or_else(|| {
            format!(
            "line {line} could not be read: check quotes around text and commas between list items"
        )
        })
}

fn parse_toml(raw: &str) -> Result<Map<String, Value>, FrontMatterError> {
    let table: toml::Table = toml::from_str(raw).map_err(|e| {
        let line = e.span().map_or(2, |s| file_line(raw, s.start));
        // Matched, never shown: a field set twice is no fault of its value.
        if e.message().starts_with("duplicate key") {
            return err(
                line,
                format!(
                    "line {line} sets a field that an earlier line already sets; keep one of them"
                ),
            );
        }
        err(line, unreadable_line(raw, line, Format::Toml))
    })?;
    Ok(table
        .into_iter()
        .map(|(k, v)| (k, toml_to_json(v)))
        .collect())
}

/// A TOML value as JSON (dates as their text), for readers that hold front
/// matter of either kind as one shape.
pub(crate) fn toml_to_json(value: toml::Value) -> Value {
    match value {
        toml::Value::String(s) => Value::String(s),
        toml::Value::Integer(i) => Value::from(i),
        toml::Value::Float(f) => Value::from(f),
        toml::Value::Boolean(b) => Value::Bool(b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(a) => Value::Array(a.into_iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => {
            Value::Object(t.into_iter().map(|(k, v)| (k, toml_to_json(v))).collect())
        }
    }
}

fn parse_yaml(raw: &str) -> Result<Map<String, Value>, FrontMatterError> {
    if raw.trim().is_empty() {
        return Ok(Map::new());
    }
    serde_yaml_ng::from_str::<Map<String, Value>>(raw).map_err(|e| {
        // Lines as the rest of Lectern counts them: YAML also ends a line at
        // a lone carriage return.
        let line = e.location().map_or(2, |l| file_line(raw, l.index()));
        // Something left open (a list, a quote) is found only at the end:
        // name the last line of the front matter, not the closing fence.
        let line = line.min(1 + raw.lines().count()).max(2);
        err(line, unreadable_line(raw, line, Format::Yaml))
    })
}

struct Fields<'a> {
    map: Map<String, Value>,
    raw: &'a str,
    format: Format,
}

impl Fields<'_> {
    /// The file line where `key` is set (TOML `key =`, YAML `key:`), or 2.
    fn line_of(&self, key: &str) -> usize {
        let mut offset = 0;
        for line in self.raw.split_inclusive('\n') {
            let t = line.trim_start();
            if let Some(rest) = t.strip_prefix(key) {
                let rest = rest.trim_start();
                if rest.starts_with('=') || rest.starts_with(':') {
                    return file_line(self.raw, offset);
                }
            }
            offset += line.len();
        }
        2
    }

    /// The error for `key`'s value: its rule and an example, on its line.
    fn wrong(&self, key: &str) -> FrontMatterError {
        let message = what_to_write(key, self.format)
            .unwrap_or_else(|| format!("the value of {key} cannot be used"));
        err(self.line_of(key), message)
    }

    /// As `wrong`, quoting the value that is not understood (shortened: it
    /// may be as long as the file).
    fn wrong_value(&self, key: &str, value: &str) -> FrontMatterError {
        let mut shown: String = value.chars().take(60).collect();
        if shown.len() < value.len() {
            shown.push('…');
        }
        let e = self.wrong(key);
        err(
            e.line,
            format!("“{shown}” is not understood: {}", e.message),
        )
    }

    fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, FrontMatterError> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => serde_json::from_value(v.clone())
                .map(Some)
                .map_err(|_| self.wrong(key)),
        }
    }

    fn typed(&self) -> Result<FrontMatter, FrontMatterError> {
        let title: String = self.get("title")?.ok_or_else(|| {
            err(
                1,
                "the field “title” is missing; add a line like title = \"My lesson\"",
            )
        })?;
        let title = title.trim().to_string();
        if title.is_empty() {
            return Err(err(self.line_of("title"), "field “title” is empty"));
        }
        if title.chars().count() > MAX_TITLE_LEN {
            return Err(err(
                self.line_of("title"),
                format!("field “title” is longer than {MAX_TITLE_LEN} characters"),
            ));
        }

        let updated = match self.get::<String>("updated")? {
            None => None,
            Some(s) => Some(parse_date(&s).ok_or_else(|| self.wrong_value("updated", &s))?),
        };
        let publish_at = match self.get::<String>("publish_at")? {
            None => None,
            Some(s) => Some(parse_date_time(&s).ok_or_else(|| self.wrong_value("publish_at", &s))?),
        };
        let level = match self.get::<String>("level")? {
            None => None,
            Some(s) => Some(Level::parse(&s).ok_or_else(|| {
                err(
                    self.line_of("level"),
                    format!("field “level”: “{s}” is not one of beginner, intermediate, advanced"),
                )
            })?),
        };
        let duration: Option<i64> = self.get("duration")?;
        let duration = match duration {
            None => None,
            Some(d) if (1..=10_000).contains(&d) => Some(d as u32),
            Some(d) => {
                return Err(err(
                    self.line_of("duration"),
                    format!("field “duration”: {d} is not a number of minutes between 1 and 10000"),
                ))
            }
        };

        Ok(FrontMatter {
            title,
            slug: self.get("slug")?,
            summary: self
                .get::<String>("summary")?
                .unwrap_or_default()
                .trim()
                .to_string(),
            weight: self.get("weight")?,
            draft: self.get("draft")?.unwrap_or(false),
            tags: self.get("tags")?.unwrap_or_default(),
            updated,
            aliases: self.get("aliases")?.unwrap_or_default(),
            publish_at,
            duration,
            level,
            prerequisites: self.get("prerequisites")?.unwrap_or_default(),
        })
    }
}

/// A date-time with an offset, as front matter and the admin accept it:
/// RFC 3339 (`2026-12-01T09:00:00+01:00`, `…Z`, fractions of a second), with
/// the seconds optional and a space allowed instead of the `T`. Without an
/// offset the moment would depend on the server's time zone, so it is refused.
pub fn parse_date_time(s: &str) -> Option<DateTime<FixedOffset>> {
    let s = s.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d);
    }
    let normalised = s.replacen(' ', "T", 1);
    let normalised = match normalised.strip_suffix(['Z', 'z']) {
        Some(rest) => format!("{rest}+00:00"),
        None => normalised,
    };
    [
        "%Y-%m-%dT%H:%M%:z",
        "%Y-%m-%dT%H:%M:%S%.f%:z",
        "%Y-%m-%dT%H:%M%z",
    ]
    .iter()
    .find_map(|f| DateTime::parse_from_str(&normalised, f).ok())
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .or_else(|| DateTime::parse_from_rfc3339(s).ok().map(|d| d.date_naive()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_toml_front_matter_and_body() {
        let doc = split_document(
            "+++\ntitle = \"Install Node\"\ntags = [\"node\"]\nduration = 10\nlevel = \"beginner\"\nupdated = 2026-11-20\n+++\nBody here\n",
        )
        .unwrap();
        assert_eq!(doc.meta.title, "Install Node");
        assert_eq!(doc.meta.tags, vec!["node"]);
        assert_eq!(doc.meta.duration, Some(10));
        assert_eq!(doc.meta.level, Some(Level::Beginner));
        assert_eq!(doc.meta.updated, NaiveDate::from_ymd_opt(2026, 11, 20));
        assert_eq!(doc.body, "Body here\n");
        assert_eq!(doc.body_line, 8);
        assert!(doc.warnings.is_empty());
    }

    #[test]
    fn reads_yaml_front_matter() {
        let doc = split_document("---\ntitle: Routes\ndraft: true\n---\n\nText").unwrap();
        assert_eq!(doc.meta.title, "Routes");
        assert!(doc.meta.draft);
        assert_eq!(doc.body, "\nText");
    }

    #[test]
    fn missing_title_is_an_error() {
        let e = split_document("+++\nsummary = \"x\"\n+++\n").unwrap_err();
        assert!(e.message.contains("title"), "{e}");
    }

    /// The error for front matter `fm` (the lines between the fences).
    fn error_of(fence: &str, fm: &str) -> FrontMatterError {
        split_document(&format!("{fence}\n{fm}\n{fence}\nBody\n")).unwrap_err()
    }

    /// No parser wording reaches a person: no backticks, no grammar terms.
    fn assert_plain(e: &FrontMatterError) {
        for raw in [
            "`",
            "TOML",
            "YAML",
            "invalid type",
            "expected",
            "string values",
        ] {
            assert!(!e.message.contains(raw), "{raw} in {e}");
        }
    }

    #[test]
    fn toml_the_parser_refuses_says_what_to_write_on_the_files_line() {
        let cases = [
            (
                "title = \"x\"\nduration = 10 minutes",
                3,
                "duration must be a number of minutes, for example duration = 10",
            ),
            (
                "title = Hello",
                2,
                "title must be text in quotes, for example title = \"Hello\"",
            ),
            (
                "title = \"x\"\ndraft = yes",
                3,
                "draft must be true or false, for example draft = true",
            ),
            (
                "title = \"x\"\n\nupdated = 2026-13-05",
                4,
                "updated must be a date like 2026-12-05, for example updated = 2026-12-05",
            ),
            (
                "title = \"x\"\ntags = [\n  \"a\"\n  \"b\"\n]",
                5,
                "tags must be a list, for example tags = [\"a\", \"b\"]",
            ),
            (
                "title = \"ok\"\nsummary = \"unterminated",
                3,
                "summary must be text in quotes, for example summary = \"What you will learn\"",
            ),
            (
                "title = \"x\"\ncolour = red",
                3,
                "line 3 could not be read: check quotes around text and commas between list items",
            ),
            (
                "title = \"x\"\ntitle = \"y\"",
                3,
                "line 3 sets a field that an earlier line already sets; keep one of them",
            ),
        ];
        for (fm, line, message) in cases {
            let e = error_of("+++", fm);
            assert_eq!((e.line, e.message.as_str()), (line, message), "{fm}");
            assert_plain(&e);
        }
    }

    #[test]
    fn values_of_the_wrong_kind_say_what_to_write() {
        let cases = [
            ("tags = \"a\"", "tags must be a list, for example tags = [\"a\", \"b\"]"),
            ("draft = \"yes\"", "draft must be true or false, for example draft = true"),
            ("duration = \"long\"", "duration must be a number of minutes, for example duration = 10"),
            ("updated = \"soon\"", "“soon” is not understood: updated must be a date like 2026-12-05, for example updated = 2026-12-05"),
            ("weight = \"first\"", "weight must be a whole number, for example weight = 3"),
            ("prerequisites = \"01-a.md\"", "prerequisites must be a list of lesson files, for example prerequisites = [\"01-setup.md\"]"),
            ("publish_at = \"tomorrow\"", "“tomorrow” is not understood: publish_at must be a date and time with its offset, for example publish_at = 2026-12-01T09:00:00+01:00"),
        ];
        for (line, message) in cases {
            let e = error_of("+++", &format!("title = \"x\"\n{line}"));
            assert_eq!((e.line, e.message.as_str()), (3, message), "{line}");
            assert_plain(&e);
        }
        let e = error_of("+++", "title = 3");
        assert_eq!(
            (e.line, e.message.as_str()),
            (
                2,
                "title must be text in quotes, for example title = \"Hello\""
            )
        );
    }

    #[test]
    fn yaml_errors_use_yaml_examples_and_the_files_line() {
        let e = error_of("---", "title: ok\ndraft: yes");
        assert_eq!(
            (e.line, e.message.as_str()),
            (3, "draft must be true or false, for example draft: true")
        );
        let e = error_of("---", "title: ok\ntags: a");
        assert_eq!(e.message, "tags must be a list, for example tags: [a, b]");
        let e = error_of("---", "title: ok\nduration: 10 minutes");
        assert_eq!(
            (e.line, e.message.as_str()),
            (
                3,
                "duration must be a number of minutes, for example duration: 10"
            )
        );
        // A syntax error: the line the parser stopped on, in plain words.
        let e = error_of("---", "title: ok\nsummary: \"open");
        assert!(e.line >= 3, "{e}");
        assert_plain(&e);
        let e = error_of("---", "title: ok\ntags: [a, b");
        assert_eq!(
            (e.line, e.message.as_str()),
            (3, "tags must be a list, for example tags: [a, b]")
        );
        let e = error_of("---", "title: [ok");
        assert_plain(&e);
        assert!(
            e.message.contains("title must be text in quotes")
                || e.message.contains("could not be read"),
            "{e}"
        );
    }

    #[test]
    fn unclosed_front_matter_is_an_error() {
        let e = split_document("+++\ntitle = \"x\"\n").unwrap_err();
        assert!(e.message.contains("never closed"));
    }

    #[test]
    fn no_front_matter_is_an_error_on_line_one() {
        let e = split_document("# Just markdown\n").unwrap_err();
        assert_eq!(e.line, 1);
    }

    #[test]
    fn unknown_field_is_a_warning_with_its_line() {
        let doc = split_document("+++\ntitle = \"x\"\ncolour = \"red\"\n+++\n").unwrap();
        assert_eq!(
            doc.warnings,
            vec![(3, "unknown field “colour” is ignored".to_string())]
        );
    }

    #[test]
    fn wrong_types_and_values_name_the_field_and_line() {
        let e = split_document("+++\ntitle = \"x\"\nduration = \"long\"\n+++\n").unwrap_err();
        assert_eq!((e.line, e.message.contains("duration")), (3, true));
        let e = split_document("+++\ntitle = \"x\"\nlevel = \"expert\"\n+++\n").unwrap_err();
        assert_eq!(e.line, 3);
        let e = split_document("+++\ntitle = \"x\"\npublish_at = \"tomorrow\"\n+++\n").unwrap_err();
        assert!(e.message.contains("publish_at"));
        let e = split_document("+++\ntitle = \"   \"\n+++\n").unwrap_err();
        assert!(e.message.contains("empty"));
    }

    #[test]
    fn field_lines_name_where_each_field_is_set() {
        let doc =
            split_document("+++\ntitle = \"x\"\nprerequisites = [\"01-a.md\"]\n+++\n").unwrap();
        assert_eq!(doc.field_lines.get("prerequisites"), Some(&3));
    }

    #[test]
    fn date_times_need_an_offset() {
        for ok in [
            "2026-12-01T09:00:00+01:00",
            "2026-12-01T09:00:00.250Z",
            "2026-12-01T09:00+01:00",
            "2026-12-01 09:00:00+01:00",
            "2026-12-01 09:00Z",
        ] {
            assert!(parse_date_time(ok).is_some(), "{ok}");
        }
        assert_eq!(
            parse_date_time("2026-12-01 09:00+01:00")
                .unwrap()
                .to_rfc3339(),
            "2026-12-01T09:00:00+01:00"
        );
        for bad in [
            "2026-12-01T09:00:00",
            "2026-12-01",
            "tomorrow",
            "",
            "2026-13-01T09:00Z",
        ] {
            assert!(parse_date_time(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn publish_at_accepts_toml_offset_datetimes() {
        let doc =
            split_document("+++\ntitle = \"x\"\npublish_at = 2026-12-01T09:00:00+01:00\n+++\n")
                .unwrap();
        assert_eq!(
            doc.meta.publish_at.unwrap().to_rfc3339(),
            "2026-12-01T09:00:00+01:00"
        );
    }
}
