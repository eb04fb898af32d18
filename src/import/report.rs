//! What an import could not carry over, each finding naming the source file
//! and line, in words an author can act on. Collected while reading the
//! source and while converting; printed by the command, tested by the suite.

use std::fmt;

/// One thing the import did not convert (or converted with a loss).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The source file, relative to the book or site folder (`src/intro.md`).
    pub file: String,
    /// 1-based line in that file, when the finding has one.
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.file, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// The findings of one import, in the order they were made.
#[derive(Debug, Default, Clone)]
pub struct Report {
    pub findings: Vec<Finding>,
}

impl Report {
    pub fn add(&mut self, file: &str, line: Option<usize>, message: impl Into<String>) {
        self.findings.push(Finding {
            file: file.to_string(),
            line,
            message: message.into(),
        });
    }

    pub fn len(&self) -> usize {
        self.findings.len()
    }

    pub fn is_empty(&self) -> bool {
        self.findings.is_empty()
    }

    /// Findings ordered by file, then line, so a report reads top to bottom
    /// and two runs print the same lines in the same order.
    pub fn sorted(&self) -> Vec<&Finding> {
        let mut all: Vec<&Finding> = self.findings.iter().collect();
        all.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
        all
    }
}

/// Line numbers of byte offsets in one text, found by binary search over
/// the line starts (computed once, so a file with many findings stays linear).
pub(crate) struct Lines {
    starts: Vec<usize>,
    /// The file line of the text's first line.
    first: usize,
}

impl Lines {
    pub(crate) fn new(text: &str, first: usize) -> Lines {
        let mut starts = vec![0];
        starts.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        Lines { starts, first }
    }

    /// The file line holding byte `offset`.
    pub(crate) fn line_of(&self, offset: usize) -> usize {
        let index = match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        self.first + index
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_count_from_the_first_line_given() {
        let lines = Lines::new("a\nbc\n\nd", 5);
        assert_eq!(lines.line_of(0), 5);
        assert_eq!(lines.line_of(2), 6);
        assert_eq!(lines.line_of(3), 6);
        assert_eq!(lines.line_of(5), 7);
        assert_eq!(lines.line_of(6), 8);
    }

    #[test]
    fn findings_print_file_line_and_message() {
        let mut report = Report::default();
        report.add("src/b.md", Some(3), "second");
        report.add("src/a.md", None, "first");
        let shown: Vec<String> = report.sorted().iter().map(|f| f.to_string()).collect();
        assert_eq!(shown, ["src/a.md: first", "src/b.md:3: second"]);
    }
}
