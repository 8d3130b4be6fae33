//! User-facing diagnostics for TOML input (golive.toml, checklists, baselines).
//!
//! Loading collects **every** problem in a file before failing, so one run shows them all. Each
//! [`Problem`] carries the byte span it is about; [`FileDiagnostics`] renders them with miette as
//! labelled snippets pointing at line and column, with a help line per problem.
//! See: `cargo-deny:src/diag.rs` for the pattern.

use std::sync::Arc;

use miette::{Diagnostic, NamedSource, SourceSpan};
use thiserror::Error;

/// One problem found in a TOML file, with the span it points at and a suggested fix.
#[derive(Debug, Error, Diagnostic, Clone)]
#[error("{message}")]
pub struct Problem {
    /// What is wrong, lowercase, no trailing period.
    pub message: String,
    /// The span in the file; `None` for whole-file problems (for example a missing file).
    #[label("{label}")]
    pub span: Option<SourceSpan>,
    /// Short text under the caret.
    pub label: String,
    /// How to fix it.
    #[help]
    pub help: Option<String>,
    /// The file the span points into.
    #[source_code]
    pub src: Option<NamedSource<Arc<str>>>,
}

impl Problem {
    /// A problem at `span` (a byte range into the file) with a label and an optional help line.
    pub fn at(span: std::ops::Range<usize>, message: impl Into<String>) -> Self {
        let message = message.into();
        Self { label: "here".into(), span: Some(SourceSpan::from(span)), message, help: None, src: None }
    }

    /// A problem about a whole file, with no span.
    pub fn whole(message: impl Into<String>) -> Self {
        Self { message: message.into(), span: None, label: String::new(), help: None, src: None }
    }

    /// Adds a help line.
    #[must_use]
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Replaces the label text under the caret.
    #[must_use]
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }
}

/// Every problem found in one file, rendered together.
#[derive(Debug, Error, Diagnostic)]
#[error("{} in {name}", plural(problems.len()))]
#[diagnostic(code(golive::input::invalid), help("fix the problems listed below; golive reports all of them at once"))]
pub struct FileDiagnostics {
    /// Display name of the file (as the user gave it).
    pub name: String,
    /// The problems, in file order.
    #[related]
    pub problems: Vec<Problem>,
}

fn plural(n: usize) -> String {
    if n == 1 { "1 problem".into() } else { format!("{n} problems") }
}

impl FileDiagnostics {
    /// Attaches the file's source to every problem and sorts them by position.
    pub fn new(name: &str, source: &str, mut problems: Vec<Problem>) -> Self {
        let src: Arc<str> = Arc::from(source);
        problems.sort_by_key(|p| p.span.map_or(0, |s| s.offset()));
        for p in &mut problems {
            if p.span.is_some() {
                p.src = Some(NamedSource::new(name, Arc::clone(&src)).with_language("toml"));
            }
        }
        Self { name: name.to_string(), problems }
    }
}

/// The closest candidate to `word` by edit distance, for "did you mean" help lines.
pub fn suggest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (edit_distance(word, c), c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(suggest("severty", ["severity", "title"]), Some("severity"));
        assert_eq!(suggest("zzz", ["severity", "title"]), None);
    }
}
