//! [`FileView`]: one file as detectors see it (path, context, text, line index, keyword hits),
//! read once and shared by every rule that runs on the file.

use std::cell::OnceCell;
use std::ops::Range;

use super::context::{self, FileContext};

/// Which prefilter keywords occurred in a file (filled by the matcher's single Aho-Corasick pass).
#[derive(Debug, Default)]
pub struct KeywordHits<'m> {
    /// Every keyword the matcher knows, lowercase, by id.
    pub(crate) names: &'m [String],
    /// Keyword → id.
    pub(crate) ids: Option<&'m std::collections::BTreeMap<String, usize>>,
    /// Keywords left out of the automaton (folded into a shorter one): answered by searching.
    pub(crate) folded: &'m [bool],
    /// `hit[id]`: whether keyword `id` occurs in the file.
    pub(crate) hit: Vec<bool>,
    /// The pass stopped early: a keyword not marked may still occur.
    pub(crate) partial: bool,
}

/// A file as detectors see it.
pub struct FileView<'a> {
    /// Path relative to the scanned root, `/`-separated.
    pub path: &'a str,
    /// Its classification.
    pub ctx: FileContext,
    /// The whole text (read once; non-UTF-8 bytes replaced).
    pub text: &'a str,
    lines: OnceCell<Vec<usize>>,
    loggers: OnceCell<Vec<String>>,
    docstrings: OnceCell<Vec<Range<usize>>>,
    keywords: Option<&'a KeywordHits<'a>>,
}

impl<'a> FileView<'a> {
    /// A view of `text` as the file at `path`, classified from its path and content.
    pub fn new(path: &'a str, text: &'a str) -> Self {
        Self {
            path,
            ctx: context::classify(path, text),
            text,
            lines: OnceCell::new(),
            loggers: OnceCell::new(),
            docstrings: OnceCell::new(),
            keywords: None,
        }
    }

    /// A view with a known context and the matcher's keyword hits.
    pub(crate) fn with(path: &'a str, text: &'a str, ctx: FileContext, keywords: &'a KeywordHits<'a>) -> Self {
        Self {
            path,
            ctx,
            text,
            lines: OnceCell::new(),
            loggers: OnceCell::new(),
            docstrings: OnceCell::new(),
            keywords: Some(keywords),
        }
    }

    /// Whether the lowercase keyword `k` occurs in the file (case-insensitively). Answered from the
    /// prefilter when `k` is one of its keywords (a rule's `keywords` or a detector's
    /// [`Detector::keywords`](super::detectors::Detector::keywords)), else by searching.
    pub fn has_keyword(&self, k: &str) -> bool {
        if let Some(kw) = self.keywords
            && let Some(i) = kw.ids.and_then(|m| m.get(k).copied()).or_else(|| kw.names.iter().position(|n| n == k))
        {
            if kw.hit.get(i).copied().unwrap_or(false) {
                return true;
            }
            if !kw.partial && !kw.folded.get(i).copied().unwrap_or(false) {
                return false;
            }
        }
        contains_ascii_ci(self.text, k)
    }

    /// Names of variables the file assigns a logger to (`audit = winston.createLogger(…)`,
    /// `log = logging.getLogger(…)`, `LOG = LoggerFactory.getLogger(…)`), computed once.
    pub fn logger_names(&self) -> &[String] {
        self.loggers.get_or_init(|| {
            static FACTORY: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
                regex::Regex::new(concat!(
                    r"([A-Za-z_$][A-Za-z0-9_$]*)\s*(?::[^=\n]+)?=\s*(?:new\s+)?[A-Za-z_.$]*",
                    r"(?:createLogger|getLogger|get_logger|Logger\.new|log\.New|zap\.New[A-Za-z]*|slog\.New|pino|bunyan|winston|Logger)\s*\(",
                ))
                .expect("a literal regex that is tested")
            });
            let mut v: Vec<String> = FACTORY
                .captures_iter(self.text)
                .filter_map(|c| c.get(1).map(|m| m.as_str().trim_start_matches(['$', '@']).to_string()))
                .collect();
            v.sort();
            v.dedup();
            v
        })
    }

    /// Whether byte `offset` lies in a Python docstring: a triple-quoted string that is a
    /// statement of its own (not assigned or passed), i.e. documentation, including doctests.
    pub fn in_docstring(&self, offset: usize) -> bool {
        if self.ctx.lang != context::Lang::Python {
            return false;
        }
        let regions = self.docstrings.get_or_init(|| {
            let mut out = Vec::new();
            let t = self.text;
            let mut pos = 0;
            while let Some(i) = t[pos..]
                .find(r#"""""#)
                .map(|i| pos + i)
                .into_iter()
                .chain(t[pos..].find("\'\'\'").map(|i| pos + i))
                .min()
            {
                let quote = &t[i..i + 3];
                let Some(close) = t[i + 3..].find(quote).map(|c| i + 3 + c + 3) else {
                    break;
                };
                let line_start = t[..i].rfind('\n').map_or(0, |p| p + 1);
                let before = t[line_start..i].trim();
                let prefix_ok = before.is_empty() || matches!(before, "r" | "u" | "R" | "U");
                if prefix_ok {
                    out.push(i..close);
                }
                pos = close;
            }
            out
        });
        regions.iter().any(|r| r.contains(&offset))
    }

    /// Byte offsets where each line starts.
    pub fn line_starts(&self) -> &[usize] {
        self.lines.get_or_init(|| {
            let mut v = Vec::with_capacity(self.text.len() / 32 + 1);
            v.push(0);
            v.extend(memchr::memchr_iter(b'\n', self.text.as_bytes()).map(|i| i + 1));
            v
        })
    }

    /// Number of lines.
    pub fn line_count(&self) -> usize {
        let starts = self.line_starts();
        if self.text.ends_with('\n') { starts.len() - 1 } else { starts.len() }
    }

    /// 0-based line of a byte offset.
    pub fn line_of(&self, offset: usize) -> usize {
        let starts = self.line_starts();
        match starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        }
    }

    /// Byte range of 0-based line `n`, without its line terminator.
    pub fn line_range(&self, n: usize) -> Range<usize> {
        let starts = self.line_starts();
        let Some(&start) = starts.get(n) else {
            return self.text.len()..self.text.len();
        };
        let mut end = starts.get(n + 1).map_or(self.text.len(), |e| e - 1);
        if end > start && self.text.as_bytes()[end - 1] == b'\r' {
            end -= 1;
        }
        start..end.max(start)
    }

    /// Text of 0-based line `n` (empty past the end).
    pub fn line(&self, n: usize) -> &'a str {
        let r = self.line_range(n);
        &self.text[r]
    }

    /// The whole line containing byte `offset`.
    pub fn line_at(&self, offset: usize) -> &'a str {
        self.line(self.line_of(offset))
    }
}

/// ASCII case-insensitive substring search (`needle` lowercase).
pub fn contains_ascii_ci(hay: &str, needle: &str) -> bool {
    if needle.bytes().all(|b| !b.is_ascii_alphabetic()) {
        return memchr::memmem::find(hay.as_bytes(), needle.as_bytes()).is_some();
    }
    find_ascii_ci(hay, needle).is_some()
}

/// Position of `needle` (lowercase) in `hay`, ASCII case-insensitively.
pub fn find_ascii_ci(hay: &str, needle: &str) -> Option<usize> {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    if n.is_empty() {
        return Some(0);
    }
    if n.len() > h.len() {
        return None;
    }
    // Jump between occurrences of the first byte, either case (memchr2, SIMD), instead of testing
    // every position: detectors call this for whole files.
    let first = n[0];
    let last = h.len() - n.len();
    memchr::memchr2_iter(first, first.to_ascii_uppercase(), &h[..=last])
        .find(|&i| h[i..i + n.len()].iter().zip(n).all(|(a, b)| a.to_ascii_lowercase() == *b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn find_ascii_ci_is_the_first_case_insensitive_occurrence() {
        assert_eq!(find_ascii_ci("xx MERCHANT_not_Active merchant_not_active", "merchant_not_active"), Some(3));
        assert_eq!(find_ascii_ci("mmmerchant", "merchant"), Some(2));
        assert_eq!(find_ascii_ci("Merchan", "merchant"), None);
        assert_eq!(find_ascii_ci("abc", ""), Some(0));
        assert_eq!(find_ascii_ci("ab", "abc"), None);
        assert_eq!(find_ascii_ci("x_1-Y", "_1-y"), Some(1));
        assert_eq!(find_ascii_ci("Ärger ÄRGER", "rger"), Some(2));
        // An uppercase needle never matches (needles are lowercase), as before.
        assert_eq!(find_ascii_ci("ABC abc", "Abc"), None);
    }

    #[test]
    fn lines() {
        let v = FileView::new("a.js", "one\r\ntwo\nthree");
        assert_eq!(v.line(0), "one");
        assert_eq!(v.line(1), "two");
        assert_eq!(v.line(2), "three");
        assert_eq!(v.line_of(5), 1);
        assert_eq!(v.line_count(), 3);
        assert!(v.has_keyword("thr"));
        assert!(!v.has_keyword("four"));
    }
}
