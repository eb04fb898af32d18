//! A small XML writer for the feeds and the sitemap, and the escaping shared
//! with search snippets. Text and attribute values are always escaped, and
//! characters XML 1.0 does not allow (most control characters) are dropped,
//! so the output is well-formed whatever a title contains (`<`, `&`, `]]>`,
//! `</script>`, U+0001 …).

/// Appends `c` escaped for XML (and HTML) text and attribute values.
pub(crate) fn escape_char(out: &mut String, c: char) {
    match c {
        '&' => out.push_str("&amp;"),
        '<' => out.push_str("&lt;"),
        '>' => out.push_str("&gt;"),
        '"' => out.push_str("&quot;"),
        '\'' => out.push_str("&#39;"),
        '\t' | '\n' | '\r' => out.push(c),
        c if (c as u32) < 0x20 || c == '\u{7f}' || c == '\u{fffe}' || c == '\u{ffff}' => {}
        c => out.push(c),
    }
}

/// Appends `s` escaped for XML (and HTML) text and attribute values.
pub(crate) fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        escape_char(out, c);
    }
}

/// An XML document written element by element. Element and attribute names
/// are this program's own constants; values and text are escaped.
pub(crate) struct XmlWriter {
    out: String,
    depth: usize,
}

impl XmlWriter {
    pub(crate) fn new() -> Self {
        XmlWriter {
            out: String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"),
            depth: 0,
        }
    }

    fn start_tag(&mut self, name: &str, attrs: &[(&str, &str)]) {
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
        self.out.push('<');
        self.out.push_str(name);
        for (key, value) in attrs {
            self.out.push(' ');
            self.out.push_str(key);
            self.out.push_str("=\"");
            escape_into(&mut self.out, value);
            self.out.push('"');
        }
    }

    /// `<name attrs>` on its own line; close it with [`XmlWriter::close`].
    pub(crate) fn open(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.start_tag(name, attrs);
        self.out.push_str(">\n");
        self.depth += 1;
    }

    pub(crate) fn close(&mut self, name: &str) {
        self.depth = self.depth.saturating_sub(1);
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
    }

    /// `<name attrs>text</name>`
    pub(crate) fn text(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) {
        self.start_tag(name, attrs);
        self.out.push('>');
        escape_into(&mut self.out, text);
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
    }

    /// `<name attrs/>`
    pub(crate) fn empty(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.start_tag(name, attrs);
        self.out.push_str("/>\n");
    }

    pub(crate) fn finish(self) -> String {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_attributes_are_escaped_and_control_characters_dropped() {
        let mut xml = XmlWriter::new();
        xml.open("feed", &[("xml:lang", "en\"<")]);
        xml.text("title", &[], "a < b & ]]> </script>\u{1}\u{ffff} ok");
        xml.empty("link", &[("href", "https://x/?a=1&b='2'")]);
        xml.close("feed");
        let out = xml.finish();
        assert!(out.contains(r#"<feed xml:lang="en&quot;&lt;">"#), "{out}");
        assert!(
            out.contains("<title>a &lt; b &amp; ]]&gt; &lt;/script&gt; ok</title>"),
            "{out}"
        );
        assert!(out.contains(r#"<link href="https://x/?a=1&amp;b=&#39;2&#39;"/>"#));
    }
}
