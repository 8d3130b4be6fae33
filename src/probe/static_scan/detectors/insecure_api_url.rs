//! `insecure-api-url`: `http://` (non-TLS) URLs to Exirom hosts.
//!
//! The pattern finds `http://…exirom.com`; the detector drops comment lines and trailing comments
//! (a commented-out line configures nothing). Tests and docs are skipped by the rule's `skip`.
//! See: API.md §1 ("TLS 1.2 or newer is mandatory; older TLS connections are refused").

use std::ops::Range;

use super::code::is_comment_line;
use super::{Detection, Detector, FileView};

/// The detector.
pub(crate) const DETECTOR: Detector =
    Detector { name: "insecure-api-url", file_level: false, keywords: &[], finder: None, detect };

fn detect(view: &FileView<'_>, hits: &[Range<usize>]) -> Vec<Detection> {
    let lang = view.ctx.lang;
    hits.iter()
        .filter(|h| {
            let n = view.line_of(h.start);
            let lr = view.line_range(n);
            let line = &view.text[lr.clone()];
            let before = &line[..h.start - lr.start];
            let trailing_comment =
                (lang.slash_comments() && before.contains(" //")) || (lang.hash_comments() && before.contains(" #"));
            !is_comment_line(line, lang) && !trailing_comment
        })
        .map(|h| Detection::at(h.clone()).value(view.text[h.clone()].to_ascii_lowercase()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skips_comments() {
        let text = "const A = 'http://api.exirom.com/api';\n// const B = 'http://api.exirom.com/api';\n";
        let v = FileView::new("src/a.js", text);
        let hits: Vec<Range<usize>> =
            text.match_indices("http://api.exirom.com").map(|(i, m)| i..i + m.len()).collect();
        assert_eq!(detect(&v, &hits).len(), 1);
    }
}
