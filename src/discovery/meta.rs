//! Structured data for public pages (schema.org JSON-LD): `WebSite` on the
//! home page, `Course` on course pages, `LearningResource` on lessons, and a
//! `BreadcrumbList` on both. Built as JSON values with serde_json (so any
//! title makes valid JSON), then made safe to sit inside
//! `<script type="application/ld+json">` by [`script_json`].

use serde_json::{json, Map, Value};

use super::Site;

/// `value` as JSON text that cannot end or open anything in HTML: `<`, `>`
/// and `&` are written as `\u003c`, `\u003e` and `\u0026`. They can only
/// occur inside JSON strings, where these escapes mean the same characters,
/// so the JSON is unchanged for any parser, and `</script>` or `<!--` in a
/// title can never close the element.
pub fn script_json(value: &Value) -> String {
    let json = value.to_string();
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            c => out.push(c),
        }
    }
    out
}

/// A link in a breadcrumb: its name and root-relative URL.
pub struct Crumb<'a> {
    pub name: &'a str,
    pub path: &'a str,
}

fn breadcrumbs(site: Site<'_>, trail: &[Crumb<'_>]) -> Value {
    let items: Vec<Value> = trail
        .iter()
        .enumerate()
        .map(|(i, crumb)| {
            json!({
                "@type": "ListItem",
                "position": i + 1,
                "name": crumb.name,
                "item": site.absolute(crumb.path),
            })
        })
        .collect();
    json!({ "@type": "BreadcrumbList", "itemListElement": items })
}

/// Inserts `key: value` when `value` is not empty.
fn put(object: &mut Value, key: &str, value: &str) {
    if let (Value::Object(map), false) = (object, value.is_empty()) {
        map.insert(key.into(), Value::String(value.into()));
    }
}

fn graph(nodes: Vec<Value>) -> String {
    let mut root = Map::new();
    root.insert("@context".into(), "https://schema.org".into());
    root.insert("@graph".into(), Value::Array(nodes));
    script_json(&Value::Object(root))
}

/// The home page: the site, with its search.
pub fn website(site: Site<'_>) -> String {
    let node = json!({
        "@type": "WebSite",
        "name": site.title,
        "url": site.absolute("/"),
        "inLanguage": site.lang,
        "potentialAction": {
            "@type": "SearchAction",
            "target": {
                "@type": "EntryPoint",
                "urlTemplate": site.absolute("/search?q={search_term_string}"),
            },
            "query-input": "required name=search_term_string",
        },
    });
    graph(vec![node])
}

/// A course page.
pub struct CourseData<'a> {
    pub title: &'a str,
    pub summary: &'a str,
    pub path: &'a str,
}

pub fn course(site: Site<'_>, course: &CourseData<'_>) -> String {
    let url = site.absolute(course.path);
    let mut node = json!({
        "@type": "Course",
        "@id": url,
        "name": course.title,
        "url": url,
        "inLanguage": site.lang,
        "provider": {
            "@type": "Organization",
            "name": site.title,
            "url": site.absolute("/"),
        },
    });
    put(&mut node, "description", course.summary);
    let trail = [
        Crumb {
            name: "Home",
            path: "/",
        },
        Crumb {
            name: course.title,
            path: course.path,
        },
    ];
    graph(vec![node, breadcrumbs(site, &trail)])
}

/// A lesson page.
pub struct LessonData<'a> {
    pub title: &'a str,
    pub summary: &'a str,
    pub path: &'a str,
    pub course_title: &'a str,
    pub course_path: &'a str,
    /// `YYYY-MM-DD`
    pub modified: &'a str,
    pub minutes: Option<i32>,
    pub level: Option<&'a str>,
}

pub fn lesson(site: Site<'_>, lesson: &LessonData<'_>) -> String {
    let url = site.absolute(lesson.path);
    let course_url = site.absolute(lesson.course_path);
    let mut node = json!({
        "@type": "LearningResource",
        "@id": url,
        "name": lesson.title,
        "url": url,
        "inLanguage": site.lang,
        "learningResourceType": "lesson",
        "isPartOf": {
            "@type": "Course",
            "@id": course_url,
            "name": lesson.course_title,
            "url": course_url,
        },
    });
    put(&mut node, "description", lesson.summary);
    put(&mut node, "dateModified", lesson.modified);
    if let Some(minutes) = lesson.minutes.filter(|m| *m > 0) {
        put(&mut node, "timeRequired", &format!("PT{minutes}M"));
    }
    put(&mut node, "educationalLevel", lesson.level.unwrap_or(""));
    let trail = [
        Crumb {
            name: "Home",
            path: "/",
        },
        Crumb {
            name: lesson.course_title,
            path: lesson.course_path,
        },
        Crumb {
            name: lesson.title,
            path: lesson.path,
        },
    ];
    graph(vec![node, breadcrumbs(site, &trail)])
}

#[cfg(test)]
mod tests {
    use super::*;

    const SITE: Site<'static> = Site {
        base_url: "https://example.org",
        title: "Lectern",
        lang: "en",
    };

    #[test]
    fn json_ld_survives_any_title_inside_a_script_element() {
        let hostile = "A < B & \"C\" ]]> </script><script>alert(1)</script> <!-- \u{2028}";
        let out = lesson(
            SITE,
            &LessonData {
                title: hostile,
                summary: hostile,
                path: "/c/l/",
                course_title: hostile,
                course_path: "/c/",
                modified: "2026-11-20",
                minutes: Some(15),
                level: Some("beginner"),
            },
        );
        assert!(!out.contains('<') && !out.contains('>') && !out.contains('&'));
        let parsed: Value = serde_json::from_str(&out).unwrap();
        let graph = parsed["@graph"].as_array().unwrap();
        assert_eq!(graph[0]["@type"], "LearningResource");
        assert_eq!(graph[0]["name"], hostile);
        assert_eq!(graph[0]["timeRequired"], "PT15M");
        assert_eq!(graph[1]["@type"], "BreadcrumbList");
        assert_eq!(
            graph[1]["itemListElement"][2]["item"],
            "https://example.org/c/l/"
        );
    }

    #[test]
    fn a_course_has_a_provider_and_breadcrumbs() {
        let out = course(
            SITE,
            &CourseData {
                title: "Backend",
                summary: "",
                path: "/backend/",
            },
        );
        let parsed: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(parsed["@graph"][0]["@type"], "Course");
        assert!(parsed["@graph"][0].get("description").is_none());
        assert_eq!(parsed["@graph"][0]["provider"]["name"], "Lectern");
        assert_eq!(
            parsed["@graph"][1]["itemListElement"][1]["item"],
            "https://example.org/backend/"
        );
    }
}
