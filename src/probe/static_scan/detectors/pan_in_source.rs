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
pub(crate) const DETECTOR: Detector =
    Detector { name: "pan-in-source", file_level: false, keywords: &[], finder: Some(card::candidates), detect };

fn detect(view: &FileView<'_>, hits: &[Range<usize>]) -> Vec<Detection> {
    hits.iter()
        .filter_map(|h| card::validate(view.text, h.clone()))
        .filter(|p| !card::is_test_card(&p.digits) && !is_display_example(view, p.range.start))
        .map(|p| Detection::sensitive(p.range.clone(), p.range, Sensitive::Pan))
        .collect()
}

/// Whether the literal at `pos` is a UI or format example (`placeholder="4242 4242 …"`,
/// `example: "…"`, `mask_format = "…"`), not a value the code uses as a card.
pub(crate) fn is_display_example(view: &FileView<'_>, pos: usize) -> bool {
    let n = view.line_of(pos);
    let lr = view.line_range(n);
    let line = &view.text[lr.clone()];
    super::code::assigned_key(line, pos - lr.start, view.ctx.lang).is_some_and(|k| {
        super::code::words(k).iter().any(|w| {
            matches!(
                w.as_str(),
                "placeholder"
                    | "example"
                    | "examples"
                    | "hint"
                    | "label"
                    | "format"
                    | "mask"
                    | "pattern"
                    | "sample"
                    | "description"
                    | "title"
                    | "tooltip"
                    | "help"
            )
        })
    })
}
