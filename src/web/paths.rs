//! Paths Lectern puts in a `Location` header. A path made from a request
//! (the trailing-slash redirect, the login's `next`, a list's `back`) must
//! always lead to this site: `//host` or `/\host` in a Location header sends
//! a browser to another host, and `/admin/../..//host` becomes `//host` once
//! a browser resolves its dot segments. So slashes are collapsed, dot
//! segments resolved (also percent-encoded ones, as browsers read them) and
//! every character outside a URL path's own set percent-encoded.

/// `raw` (a request path, still percent-encoded) as a same-origin path:
/// one leading slash, no empty or dot segments, nothing a browser could
/// read as a host or a header break.
pub fn same_origin_path(raw: &str) -> String {
    let mut segments: Vec<String> = Vec::new();
    // Browsers treat `\` as `/` in http(s) URLs.
    for segment in raw.split(['/', '\\']) {
        match dot_segment(segment) {
            Some(1) => {}
            Some(_) => {
                segments.pop();
            }
            None if segment.is_empty() => {}
            None => segments.push(encode(segment)),
        }
    }
    format!("/{}", segments.join("/"))
}

/// A page of the admin to go back to after logging in or a change: the
/// path normalised by [`same_origin_path`], under `/admin`, with a query of
/// plain URL characters only. Anything else is `None` (the caller's default).
pub fn admin_return_path(raw: &str) -> Option<String> {
    let (path, query) = match raw.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (raw, None),
    };
    if !path.starts_with('/') || raw.chars().any(|c| !is_url_char(c)) {
        return None;
    }
    let mut local = same_origin_path(path);
    if local != "/admin" && !local.starts_with("/admin/") {
        return None;
    }
    if path.ends_with('/') && !local.ends_with('/') {
        local.push('/');
    }
    if let Some(q) = query {
        local.push('?');
        local.push_str(q);
    }
    Some(local)
}

/// `.` and `..`, plainly or percent-encoded: `Some(1)` or `Some(2)`.
fn dot_segment(segment: &str) -> Option<usize> {
    match segment.to_ascii_lowercase().as_str() {
        "." | "%2e" => Some(1),
        ".." | ".%2e" | "%2e." | "%2e%2e" => Some(2),
        _ => None,
    }
}

/// Characters a URL path or query may hold as they are.
fn is_url_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-._~!$&'()*+,;=:@/?%".contains(c)
}

/// Percent-encodes what is not a path character; a `%` stays only as the
/// start of an escape.
fn encode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = String::with_capacity(segment.len());
    for (i, &b) in bytes.iter().enumerate() {
        let c = b as char;
        let escape = b == b'%'
            && bytes.len() > i + 2
            && bytes[i + 1].is_ascii_hexdigit()
            && bytes[i + 2].is_ascii_hexdigit();
        if escape || (b.is_ascii() && c != '%' && c != '?' && c != '/' && is_url_char(c)) {
            out.push(c);
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
    fn no_path_leaves_the_site() {
        for raw in [
            "//1572395042",
            "///evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "/./..//evil.example",
            "/admin/../..//evil.example",
            "/%2e%2e//evil.example",
            "/.%2E/%2e//evil.example",
        ] {
            let path = same_origin_path(raw);
            assert!(
                path.starts_with('/') && !path.starts_with("//"),
                "{raw} -> {path}"
            );
            assert!(!path.contains('\\'), "{raw} -> {path}");
        }
        assert_eq!(same_origin_path("//1572395042"), "/1572395042");
        assert_eq!(same_origin_path("/a//b/./c/../d"), "/a/b/d");
        assert_eq!(same_origin_path("/a b\"\r\n"), "/a%20b%22%0D%0A");
        assert_eq!(same_origin_path("/caf%C3%A9/100%"), "/caf%C3%A9/100%25");
        assert_eq!(same_origin_path("/ü"), "/%C3%BC");
    }

    #[test]
    fn return_paths_stay_in_the_admin() {
        assert_eq!(admin_return_path("/admin").as_deref(), Some("/admin"));
        assert_eq!(
            admin_return_path("/admin/lessons?course=2&page=3").as_deref(),
            Some("/admin/lessons?course=2&page=3")
        );
        assert_eq!(
            admin_return_path("/admin/users/").as_deref(),
            Some("/admin/users/")
        );
        for raw in [
            "/admin/../..//1572395042",
            "/admin/..//evil.example",
            "//evil.example/admin",
            "/\\evil.example/admin",
            "https://evil.example/admin",
            "/administrator",
            "/admin/\"onmouseover=x",
            "/admin/\tx",
            "/admin/\r\nSet-Cookie: x",
            "/admin/%2e%2e/%2e%2e//evil",
            "admin",
        ] {
            assert_eq!(admin_return_path(raw), None, "{raw:?}");
        }
    }
}
