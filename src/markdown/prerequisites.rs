//! Prerequisites: the lessons front matter names with relative file links
//! (`prerequisites = ["02-install-node.md", "../web/01-http.md"]`), resolved
//! like links between lessons when the lesson is written, so pages only look
//! the lessons up.

use super::render::{is_relative, join, same_folder_as_written, LessonRef, RefKind, Resolver};

/// Resolves `lesson`'s prerequisites. Returns the lessons, in the order
/// given and without repeats, and a message for each entry that is not a
/// link to another lesson (missing, not a lesson file, the lesson itself).
pub fn resolve_prerequisites(
    paths: &[String],
    lesson: &LessonRef,
    resolver: &dyn Resolver,
) -> (Vec<LessonRef>, Vec<String>) {
    let mut found: Vec<LessonRef> = Vec::new();
    let mut problems = Vec::new();
    for raw in paths {
        let path = raw.trim();
        let file = path.split(['#', '?']).next().unwrap_or(path);
        if !is_relative(path) || file.is_empty() {
            problems.push(format!(
                "prerequisite “{raw}” is not a relative link to a lesson file, like “02-install-node.md”"
            ));
            continue;
        }
        let full = join(&lesson.course, file);
        match full.as_deref().and_then(|full| resolver.lesson(full)) {
            None => {
                let near = full
                    .as_deref()
                    .and_then(|full| resolver.nearest(full, RefKind::Link))
                    .map(|near| format!("; did you mean {}?", same_folder_as_written(file, &near)));
                problems.push(format!(
                    "prerequisite “{raw}” points to a missing lesson{}",
                    near.unwrap_or_default()
                ))
            }
            Some(target) if target == *lesson => {
                problems.push(format!("prerequisite “{raw}” is this lesson itself"))
            }
            Some(target) => {
                if !found.contains(&target) {
                    found.push(target);
                }
            }
        }
    }
    (found, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Site;
    impl Resolver for Site {
        fn page(&self, _: &str) -> Option<String> {
            None
        }
        fn asset(&self, _: &str) -> Option<String> {
            None
        }
        fn lesson(&self, path: &str) -> Option<LessonRef> {
            let (course, slug) = path.split_once('/')?;
            let slug = slug.strip_suffix(".md")?.split_once('-')?.1;
            Some(LessonRef {
                course: course.into(),
                slug: slug.into(),
            })
        }
    }

    fn lesson(course: &str, slug: &str) -> LessonRef {
        LessonRef {
            course: course.into(),
            slug: slug.into(),
        }
    }

    #[test]
    fn relative_files_resolve_to_lessons() {
        let paths = [
            "01-intro.md".to_string(),
            "../web/02-http.md".to_string(),
            "./01-intro.md".to_string(),
        ];
        let (found, problems) = resolve_prerequisites(&paths, &lesson("a", "third"), &Site);
        assert_eq!(found, vec![lesson("a", "intro"), lesson("web", "http")]);
        assert!(problems.is_empty(), "{problems:?}");
    }

    #[test]
    fn missing_self_and_absolute_are_reported() {
        let paths = [
            "05-third.md".to_string(),
            "gone".to_string(),
            "https://example.org/x.md".to_string(),
            "../../x/01-y.md".to_string(),
            "".to_string(),
        ];
        let (found, problems) = resolve_prerequisites(&paths, &lesson("a", "third"), &Site);
        assert!(found.is_empty());
        assert!(problems[0].contains("this lesson itself"), "{problems:?}");
        assert!(problems[1].contains("missing lesson"), "{problems:?}");
        assert!(problems[2].contains("relative link"), "{problems:?}");
        assert!(problems[3].contains("missing lesson"), "{problems:?}");
        assert!(problems[4].contains("relative link"), "{problems:?}");
    }
}
