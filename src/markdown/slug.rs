//! Slug rules shared by course folders, lesson files and (later) the admin.

/// Top-level names the site itself uses; a course may not take them.
pub const RESERVED_COURSE_SLUGS: &[&str] = &[
    "admin",
    "static",
    "media",
    "search",
    "feed.xml",
    "sitemap.xml",
    "robots.txt",
    "healthz",
    "hooks",
];

/// Names a lesson may not take because the course uses them for its own pages.
pub const RESERVED_LESSON_SLUGS: &[&str] = &["all", "feed.xml"];

pub const MAX_SLUG_LEN: usize = 100;

/// Checks a slug: lowercase ASCII letters, digits and single hyphens between them.
/// The error says what is wrong in words an author understands.
pub fn validate(slug: &str) -> Result<(), String> {
    if slug.is_empty() {
        return Err("slug is empty".into());
    }
    if slug.len() > MAX_SLUG_LEN {
        return Err(format!("slug is longer than {MAX_SLUG_LEN} characters"));
    }
    if slug.contains('/') || slug.contains('\\') || slug.contains("..") {
        return Err(format!(
            "slug “{slug}” must not contain “/”, “\\” or “..”{}",
            suggestion(slug)
        ));
    }
    if slug.chars().any(|c| c.is_ascii_uppercase()) {
        return Err(format!(
            "slug “{slug}” must be lowercase{}",
            suggestion(slug)
        ));
    }
    if let Some(c) = slug
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
    {
        let what = if c == ' ' {
            "a space".to_string()
        } else {
            format!("“{c}”")
        };
        return Err(format!(
            "slug “{slug}” contains {what}; use lowercase letters, digits and hyphens{}",
            suggestion(slug)
        ));
    }
    if slug.starts_with('-') || slug.ends_with('-') || slug.contains("--") {
        return Err(format!(
            "slug “{slug}” must not start or end with a hyphen or repeat one{}",
            suggestion(slug)
        ));
    }
    Ok(())
}

/// "; try “a-valid-slug”" when the text can be turned into a valid slug, so
/// the message says what to write instead.
fn suggestion(slug: &str) -> String {
    let suggested = slugify(slug);
    let valid = !suggested.is_empty()
        && suggested.len() <= MAX_SLUG_LEN
        && suggested
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if valid && suggested != slug {
        format!("; try “{suggested}”")
    } else {
        String::new()
    }
}

pub fn validate_course(slug: &str) -> Result<(), String> {
    validate(slug)?;
    if RESERVED_COURSE_SLUGS.contains(&slug) {
        return Err(format!(
            "“{slug}” is reserved by the site and cannot name a course; choose another slug"
        ));
    }
    Ok(())
}

pub fn validate_lesson(slug: &str) -> Result<(), String> {
    validate(slug)?;
    if RESERVED_LESSON_SLUGS.contains(&slug) {
        return Err(format!(
            "“{slug}” is reserved by the course page and cannot name a lesson; choose another slug"
        ));
    }
    Ok(())
}

/// Turns heading text into an id: lowercase words joined by hyphens.
/// Non-ASCII letters are kept (ids may be Unicode); everything else separates words.
pub fn slugify(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_hyphen = false;
    for c in text.chars() {
        if c.is_alphanumeric() {
            if pending_hyphen && !out.is_empty() {
                out.push('-');
            }
            pending_hyphen = false;
            out.extend(c.to_lowercase());
        } else if c != '\'' && c != '’' {
            pending_hyphen = true;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_plain_slugs() {
        assert!(validate("install-node").is_ok());
        assert!(validate("a1").is_ok());
    }

    #[test]
    fn rejects_traversal_case_and_odd_characters() {
        assert!(validate("../etc").unwrap_err().contains(".."));
        assert!(validate("a/b").unwrap_err().contains('/'));
        assert!(validate("Intro").unwrap_err().contains("lowercase"));
        assert!(validate("intro_1").unwrap_err().contains('_'));
        assert!(validate("-intro").is_err());
        let message = validate("Testing Basics").unwrap_err();
        assert_eq!(
            message,
            "slug “Testing Basics” must be lowercase; try “testing-basics”"
        );
        assert!(!message.contains('`'));
        assert!(validate("in--tro").is_err());
        assert!(validate("").is_err());
        assert!(validate(&"a".repeat(101)).is_err());
    }

    #[test]
    fn reserved_names_are_refused() {
        assert!(validate_course("admin").unwrap_err().contains("reserved"));
        assert!(validate_course("backend-dev").is_ok());
        assert!(validate_lesson("all").is_err());
    }

    #[test]
    fn slugify_makes_readable_ids() {
        assert_eq!(slugify("Run it!"), "run-it");
        assert_eq!(slugify("  What's a `server`?  "), "whats-a-server");
        assert_eq!(slugify("Étape 2: Node.js"), "étape-2-node-js");
        assert_eq!(slugify("???"), "");
    }
}
