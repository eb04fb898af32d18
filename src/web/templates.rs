//! Templates: Tera through rocket_dyn_templates. The templates are embedded in
//! the binary, so a release build runs from any directory; files in the
//! configured `template_dir` (default `templates/`) take precedence, which is
//! how a site is themed, and reload on change in debug builds.

use std::path::PathBuf;

use rocket::fairing::Fairing;
use rocket::figment::Figment;
use rocket_dyn_templates::Template;
use rust_embed::RustEmbed;
use serde::Serialize;

#[derive(RustEmbed)]
#[folder = "templates/"]
struct Embedded;

/// What every page knows about the site.
#[derive(Clone, Debug, Default, Serialize)]
pub struct SiteView {
    pub title: String,
    /// What the site offers, in a sentence (`site_description`): the home
    /// page shows it and uses it as its description.
    pub description: String,
    pub lang: String,
    /// Root-relative URL of the site's icon (`favicon`, else Lectern's own),
    /// fingerprinted for long caching; `/favicon.ico` answers with it too.
    pub favicon_url: String,
    pub css_url: String,
    pub admin_css_url: String,
    pub admin_js_url: String,
    /// The reader site's progressive-enhancement script (copy buttons).
    pub js_url: String,
    /// The live-reload script, under `serve --watch` only (`None` otherwise,
    /// so no other page ever names it).
    pub live_js_url: Option<String>,
    /// The public address, without a trailing slash: absolute URLs are this
    /// plus a root-relative path.
    pub base_url: String,
}

impl SiteView {
    /// What search, feeds and metadata need to know of the site.
    pub fn discovery(&self) -> crate::discovery::Site<'_> {
        crate::discovery::Site {
            base_url: &self.base_url,
            title: &self.title,
            lang: &self.lang,
        }
    }
}

/// What every page says about itself in `<head>`: for browsers, search
/// engines and link previews (Open Graph, Twitter card, JSON-LD).
#[derive(Clone, Debug, Serialize)]
pub struct PageMeta {
    pub title: String,
    pub description: String,
    /// Root-relative; made absolute with `site.base_url` where it must be.
    pub canonical: String,
    /// Open Graph type: `website`, or `article` for a lesson.
    pub og_type: &'static str,
    /// Structured data, already JSON and safe inside a `<script>` element
    /// (see `discovery::meta::script_json`); output as is.
    pub json_ld: Option<String>,
    /// Keep the page out of search engines (search results).
    pub noindex: bool,
}

impl PageMeta {
    /// A `website` page with no structured data. Every page has a
    /// description (and so `og:description`): its title when it has none.
    pub fn new(
        title: impl Into<String>,
        description: impl Into<String>,
        canonical: impl Into<String>,
    ) -> Self {
        let title = title.into();
        let description = description.into();
        PageMeta {
            description: if description.trim().is_empty() {
                title.clone()
            } else {
                description
            },
            title,
            canonical: canonical.into(),
            og_type: "website",
            json_ld: None,
            noindex: false,
        }
    }
}

/// rocket_dyn_templates refuses to start when `template_dir` does not exist.
/// When it is missing (a release binary started elsewhere), point it at an
/// empty folder so only the embedded templates are used.
pub fn ensure_template_dir(figment: Figment) -> Figment {
    let dir: PathBuf = figment
        .extract_inner("template_dir")
        .unwrap_or_else(|_| "templates".into());
    if dir.is_dir() {
        return figment;
    }
    let empty = std::env::temp_dir().join("lectern-embedded-templates");
    if let Err(e) = std::fs::create_dir_all(&empty) {
        tracing::warn!(error = %e, "cannot create an empty template folder");
    }
    figment.merge(("template_dir", empty))
}

pub fn fairing() -> impl Fairing {
    Template::try_custom(|engines| {
        // Every template is HTML (or XML): escape everything, whatever its name.
        engines.tera.autoescape_on(vec![""]);
        engines.tera.set_escape_fn(escape_html);
        let on_disk: Vec<String> = engines
            .tera
            .get_template_names()
            .map(str::to_string)
            .collect();
        let mut embedded = Vec::new();
        for file in Embedded::iter() {
            let Some(name) = file.strip_suffix(".html.tera") else {
                continue;
            };
            if on_disk.iter().any(|n| n == name) {
                continue;
            }
            let Some(data) = Embedded::get(&file) else {
                continue;
            };
            let text = String::from_utf8(data.data.into_owned())?;
            embedded.push((name.to_string(), text));
        }
        engines.tera.add_raw_templates(embedded)?;
        Ok(())
    })
}

/// HTML escaping for templates. Tera's default also escapes `/`, which turns
/// every URL into entities; these five characters are all that matter.
fn escape_html(input: &str) -> String {
    let mut out = String::with_capacity(input.len() + input.len() / 8);
    for c in input.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}
