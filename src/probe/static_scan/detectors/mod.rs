//! Built-in detectors: the Rust half of a static rule.
//!
//! A rule's TOML gives `keywords` (the prefilter) and a `pattern` (the regex that finds
//! candidates); its `detector` decides which candidates are real, and may look at the whole file.
//! A detector sees the [`FileView`] (path, context, text, line index, keyword hits) and the
//! pattern's matches, and returns [`Detection`]s: the span a finding points at, the sensitive value
//! inside it (masked and fingerprinted by the probe, never by the detector), and a short note.
//!
//! # Adding a detector
//! 1. Write `detectors/<name>.rs` with `pub(crate) const DETECTOR: Detector = Detector { … };`
//!    and its unit tests.
//! 2. Add one line to [`DETECTORS`] below (and `mod <name>;`).
//! 3. Add the `[[rule]]` with `detector = "<name>"`, keywords, pattern and examples to
//!    `rules/static.toml`; its examples run in `every_static_rule_example_holds`.
//!
//! A detector with `file_level: true` is called once per file whose rule keywords occur, even when
//! the pattern matched nothing; the others are called only with at least one match.

mod cvv_storage;
mod hardcoded_credential;
mod insecure_api_url;
mod legacy_tls;
mod pan_in_log;
mod pan_in_source;
mod sandbox_url;
mod test_card_in_production;
mod token_per_request;
mod webhook_signature_unverified;

pub mod code;

use std::ops::Range;

use super::mask::Sensitive;
pub use super::source::FileView;

/// One thing a detector found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detection {
    /// Byte range the finding points at (its line and column come from `span.start`).
    pub span: Range<usize>,
    /// The sensitive value inside the file, masked in the snippet and never hashed raw.
    pub sensitive: Option<(Range<usize>, Sensitive)>,
    /// The value that identifies the finding for its fingerprint (default: the text at `span`).
    pub value: Option<String>,
    /// What is wrong, when a rule can find several kinds of problem (shown in the rule's message).
    pub note: Option<&'static str>,
}

impl Detection {
    /// A detection at `span` with nothing sensitive.
    pub fn at(span: Range<usize>) -> Self {
        Self { span, sensitive: None, value: None, note: None }
    }

    /// A detection at `span` whose `secret` range must be masked as `kind`.
    pub fn sensitive(span: Range<usize>, secret: Range<usize>, kind: Sensitive) -> Self {
        Self { span, sensitive: Some((secret, kind)), value: None, note: None }
    }

    /// Adds a note.
    #[must_use]
    pub fn note(mut self, note: &'static str) -> Self {
        self.note = Some(note);
        self
    }

    /// Sets the fingerprint value.
    #[must_use]
    pub fn value(mut self, value: impl Into<String>) -> Self {
        self.value = Some(value.into());
        self
    }
}

/// A built-in detector.
#[derive(Clone, Copy)]
pub struct Detector {
    /// The name a rule's `detector` key uses.
    pub name: &'static str,
    /// Called once per candidate file even without pattern matches (whole-file analysis).
    pub file_level: bool,
    /// Extra lowercase words added to the prefilter so the detector can ask
    /// [`FileView::has_keyword`] without searching the file again.
    pub keywords: &'static [&'static str],
    /// A native candidate finder used instead of a regex when the rule has no `pattern` (card
    /// numbers: a skip-scanning digit-run finder is several times faster than any regex).
    pub finder: Option<fn(&str) -> Vec<Range<usize>>>,
    /// The detection function: the file and the candidates (sorted, non-overlapping).
    pub detect: fn(&FileView<'_>, &[Range<usize>]) -> Vec<Detection>,
}

impl std::fmt::Debug for Detector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Detector").field("name", &self.name).field("file_level", &self.file_level).finish()
    }
}

/// Every built-in detector. Adding one is adding a line here (see the module docs).
pub const DETECTORS: &[Detector] = &[
    hardcoded_credential::DETECTOR,
    sandbox_url::DETECTOR,
    insecure_api_url::DETECTOR,
    pan_in_source::DETECTOR,
    pan_in_log::DETECTOR,
    cvv_storage::DETECTOR,
    legacy_tls::DETECTOR,
    test_card_in_production::DETECTOR,
    webhook_signature_unverified::DETECTOR,
    token_per_request::DETECTOR,
];

const N: usize = DETECTORS.len();
const NAMES: [&str; N] = {
    let mut out = [""; N];
    let mut i = 0;
    while i < N {
        out[i] = DETECTORS[i].name;
        i += 1;
    }
    out
};

/// The names of [`DETECTORS`], in order.
pub const NAMES_LIST: &[&str] = &NAMES;

/// The detector called `name`.
pub fn get(name: &str) -> Option<&'static Detector> {
    DETECTORS.iter().find(|d| d.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_keywords_lowercase() {
        let mut names: Vec<_> = NAMES_LIST.to_vec();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), N);
        for d in DETECTORS {
            for k in d.keywords {
                assert_eq!(k.to_lowercase(), *k, "{}: keyword {k} must be lowercase", d.name);
            }
        }
    }
}
