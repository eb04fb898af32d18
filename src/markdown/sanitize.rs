//! The last step of rendering: an allowlist sanitiser (ammonia) over the whole
//! HTML, whether it came from markdown or from raw HTML an author typed. No
//! script, no event handlers, no `javascript:` URLs survive, while heading ids,
//! highlight classes and task-list checkboxes do.

use std::collections::HashSet;
use std::sync::OnceLock;

use ammonia::Builder;

fn builder() -> &'static Builder<'static> {
    static BUILDER: OnceLock<Builder<'static>> = OnceLock::new();
    BUILDER.get_or_init(|| {
        let mut b = Builder::default();
        b.add_tags([
            "input",
            "aside",
            "section",
            "figure",
            "figcaption",
            "mark",
            "details",
            "summary",
        ])
        .add_generic_attributes(["class", "title"])
        .add_tag_attributes("input", ["type", "checked", "disabled", "aria-label"])
        .add_tag_attributes("div", ["role", "tabindex", "aria-label"])
        .add_tag_attributes("pre", ["data-lang"])
        .add_tag_attributes("aside", ["aria-label", "role"])
        .add_tag_attributes("span", ["aria-hidden", "role", "aria-label"])
        .add_tag_attributes("img", ["loading", "width", "height"])
        .add_tag_attributes("td", ["style"])
        .add_tag_attributes("th", ["style"])
        .attribute_filter(|element, attribute, value| match (element, attribute) {
            // Only read-only checkboxes (task lists) may appear as inputs.
            ("input", "type") => Some("checkbox".into()),
            // Tables carry `text-align` from column alignment and nothing else.
            ("td" | "th", "style") => match value {
                "text-align: left" | "text-align: center" | "text-align: right" => {
                    Some(value.into())
                }
                _ => None,
            },
            _ => Some(value.into()),
        })
        .set_tag_attribute_value("input", "type", "checkbox")
        .set_tag_attribute_value("input", "disabled", "");
        for tag in [
            "h1", "h2", "h3", "h4", "h5", "h6", "div", "li", "sup", "section", "aside", "a",
        ] {
            b.add_tag_attributes(tag, ["id"]);
        }
        let schemes: HashSet<&str> = ["http", "https", "mailto"].into_iter().collect();
        b.url_schemes(schemes);
        // No `target` attribute survives, so links need no rel=noopener.
        b.link_rel(None);
        b
    })
}

/// Sanitises an HTML fragment. Nesting is capped first
/// ([`super::nesting`]), which keeps the parser's work linear in the input.
pub fn sanitize(html: &str) -> String {
    builder()
        .clean(&super::nesting::limit_nesting(html))
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removes_scripts_handlers_and_javascript_urls() {
        let out = sanitize(
            r#"<p>hi<script>alert(1)</script><img src="x.png" onerror="alert(1)"><a href="javascript:alert(1)">x</a></p>"#,
        );
        assert!(!out.contains("<script"), "{out}");
        assert!(!out.contains("onerror"), "{out}");
        assert!(!out.contains("javascript:"), "{out}");
    }

    #[test]
    fn keeps_ids_classes_and_checkboxes() {
        let out = sanitize(
            r#"<h2 id="run-it">Run</h2><span class="hl-comment">x</span><input type="checkbox" checked disabled>"#,
        );
        assert!(out.contains(r#"id="run-it""#), "{out}");
        assert!(out.contains(r#"class="hl-comment""#), "{out}");
        assert!(
            out.contains("checkbox") && out.contains("disabled"),
            "{out}"
        );
    }

    #[test]
    fn any_input_becomes_a_disabled_checkbox() {
        let out = sanitize(r#"<input type="password" name="p">"#);
        assert!(
            out.contains(r#"type="checkbox""#) && out.contains("disabled"),
            "{out}"
        );
        assert!(!out.contains("password"));
        // Without a type an input would be a text field.
        let out = sanitize("<input>");
        assert!(out.contains(r#"type="checkbox""#), "{out}");
    }
}
