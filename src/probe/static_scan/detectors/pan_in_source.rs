//! `pan-in-source`: a full card number literal in source or configuration.
//!
//! Candidates are digit runs of 13–19 digits, contiguous or grouped by spaces or dashes; each is
//! validated by [`card::validate`](crate::probe::static_scan::card::validate): Luhn, a real IIN
//! range and length, consistent grouping, and boundaries that rule out masked forms, decimals,
//! hashes and longer runs. Known sandbox/test cards are left to `test-card-in-production`, so each
//! card is reported by one rule. Comment lines count: a card number in a comment is still committed.

use std::ops::Range;

use super::{Detection, Detector, FileView};
use crate::probe::static_scan::card;
use crate::probe::static_scan::mask::Sensitive;

/// The detector.
pub(crate) const DETECTOR: Detector = Detector { name: "pan-in-source", file_level: false, keywords: &[], detect };

fn detect(view: &FileView<'_>, hits: &[Range<usize>]) -> Vec<Detection> {
    hits.iter()
        .filter_map(|h| card::validate(view.text, h.clone()))
        .filter(|p| !card::is_test_card(&p.digits))
        .map(|p| Detection::sensitive(p.range.clone(), p.range, Sensitive::Pan))
        .collect()
}
