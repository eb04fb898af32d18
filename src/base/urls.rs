//! The shapes of the site's URLs, built in one place: `/{course}/`,
//! `/{course}/{lesson}/` and `/media/{hash}/{name}`.

pub fn course_url(course: &str) -> String {
    format!("/{course}/")
}

pub fn lesson_url(course: &str, lesson: &str) -> String {
    format!("/{course}/{lesson}/")
}

/// `/media/<hash>/<name>`, with the name percent-encoded.
pub fn media_url(hash: &str, name: &str) -> String {
    let mut out = format!("/media/{hash}/");
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_have_their_shapes() {
        assert_eq!(course_url("backend-dev"), "/backend-dev/");
        assert_eq!(lesson_url("backend-dev", "intro"), "/backend-dev/intro/");
        assert_eq!(media_url("ab", "my pic.png"), "/media/ab/my%20pic.png");
        assert_eq!(media_url("ab", "a-b_c.png"), "/media/ab/a-b_c.png");
    }
}
