//! Writes classed runs of code as HTML, one string per source line.
//!
//! Both highlighters feed it `(text, class)` runs. A span never crosses the
//! end of a line (so one line can be wrapped in a `<mark>` on its own and the
//! HTML stays balanced), and adjacent runs of one class share a span, even
//! across the unclassed spaces between them.

use pulldown_cmark_escape::escape_html;

pub(super) struct Lines {
    lines: Vec<String>,
    line: String,
    /// The class of the span open at the end of `line`, if any.
    open: Option<&'static str>,
    /// Unclassed whitespace held back while a span is open: it goes inside
    /// the span if the next run has the same class, after it otherwise.
    pending_space: String,
}

impl Lines {
    pub(super) fn with_capacity(code_len: usize) -> Self {
        Lines {
            lines: Vec::with_capacity(code_len / 32 + 1),
            line: String::with_capacity(128),
            open: None,
            pending_space: String::new(),
        }
    }

    /// Appends `text` (any number of lines) as one run of `class`.
    pub(super) fn push(&mut self, text: &str, class: Option<&'static str>) {
        let mut rest = text;
        while let Some(nl) = rest.find('\n') {
            self.run(&rest[..nl], class);
            self.end_line();
            rest = &rest[nl + 1..];
        }
        self.run(rest, class);
    }

    fn run(&mut self, text: &str, class: Option<&'static str>) {
        if text.is_empty() {
            return;
        }
        if class.is_none() && self.open.is_some() && text.bytes().all(|b| b == b' ' || b == b'\t') {
            self.pending_space.push_str(text);
            return;
        }
        if class != self.open {
            self.close();
            self.flush_space();
            if let Some(class) = class {
                // Short class names, unquoted (issue 20): most of a code
                // block's HTML is its spans, stored for every lesson.
                self.line.push_str("<span class=");
                self.line.push_str(class);
                self.line.push('>');
                self.open = Some(class);
            }
        } else {
            self.flush_space();
        }
        // Writing to a String cannot fail.
        let _ = escape_html(&mut self.line, text);
    }

    fn flush_space(&mut self) {
        if !self.pending_space.is_empty() {
            self.line.push_str(&self.pending_space);
            self.pending_space.clear();
        }
    }

    fn close(&mut self) {
        if self.open.take().is_some() {
            self.line.push_str("</span>");
        }
    }

    fn end_line(&mut self) {
        self.close();
        self.flush_space();
        self.line.push('\n');
        let next = String::with_capacity(self.line.capacity());
        self.lines.push(std::mem::replace(&mut self.line, next));
    }

    /// The lines, each with its newline except perhaps the last.
    pub(super) fn finish(mut self) -> Vec<String> {
        self.close();
        self.flush_space();
        if !self.line.is_empty() {
            self.lines.push(self.line);
        }
        self.lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_of_one_class_share_a_span_across_spaces() {
        let mut lines = Lines::with_capacity(0);
        lines.push("pub", Some("hk"));
        lines.push(" ", None);
        lines.push("fn", Some("hk"));
        lines.push(" ", None);
        lines.push("main", Some("hf"));
        assert_eq!(
            lines.finish(),
            [r#"<span class=hk>pub fn</span> <span class=hf>main</span>"#]
        );
    }

    #[test]
    fn a_run_over_lines_is_closed_and_reopened_at_each_end() {
        let mut lines = Lines::with_capacity(0);
        lines.push("/* a\nb <c> */", Some("hc"));
        lines.push("\n", None);
        assert_eq!(
            lines.finish(),
            [
                "<span class=hc>/* a</span>\n",
                "<span class=hc>b &lt;c&gt; */</span>\n"
            ]
        );
    }
}
