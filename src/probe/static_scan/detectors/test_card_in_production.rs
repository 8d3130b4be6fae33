//! `test-card-in-production`: sandbox/test card numbers in production code paths.
//!
//! Candidates are validated card numbers (see `pan-in-source`) that are one of
//! [`card::TEST_CARDS`]: Exirom's four sandbox cards
//! and the well-known PSP test cards. Not reported: tests, docs, examples and logs (rule `skip`),
//! files, sections and branches specific to a sandbox/dev/staging environment.

use std::ops::Range;

use super::code::{env_of_words, is_comment_line, section_env_by};
use super::{Detection, Detector, FileView};
use crate::probe::static_scan::card;
use crate::probe::static_scan::context::Env;
use crate::probe::static_scan::mask::Sensitive;

/// The detector.
pub(crate) const DETECTOR: Detector = Detector {
    name: "test-card-in-production",
    file_level: false,
    keywords: &[],
    finder: Some(card::candidates),
    detect,
};

fn detect(view: &FileView<'_>, hits: &[Range<usize>]) -> Vec<Detection> {
    if view.ctx.is_non_production() || in_sandbox_path(view.path) {
        return Vec::new();
    }
    hits.iter()
        .filter_map(|h| card::validate(view.text, h.clone()))
        .filter(|p| card::is_test_card(&p.digits) && !super::pan_in_source::is_display_example(view, p.range.start))
        // A comment or docstring illustrating a helper (`/** 4111111111111111 -> 411111******1111 */`)
        // is not a code path.
        .filter(|p| !is_comment_line(view.line_at(p.range.start), view.ctx.lang) && !view.in_docstring(p.range.start))
        .filter(|p| {
            // A `DEMO_CARD` / `demo:` section is the production app's demo mode, not a demo environment.
            let env_of = |w: &[String]| env_of_words(&w.iter().filter(|x| *x != "demo").collect::<Vec<_>>());
            view.ctx.is_production()
                || section_env_by(view, view.line_of(p.range.start), &env_of) != Some(Env::NonProduction)
        })
        .map(|p| Detection::sensitive(p.range.clone(), p.range, Sensitive::Pan))
        .collect()
}

/// A file under a sandbox/dev/mock/seed directory or named so (`scripts/seed-sandbox.js`). A file
/// named `demo` is a demo mode of the production app (`services/demo.ts`, `checkout/demo.blade.php`):
/// its card reaches production.
fn in_sandbox_path(path: &str) -> bool {
    let name_at = path.rfind('/').map_or(0, |i| i + 1);
    let dirs = path[..name_at].split(['/', '.', '-', '_']);
    let name = path[name_at..].split(['.', '-', '_']).filter(|t| !t.eq_ignore_ascii_case("demo"));
    let w: Vec<String> = dirs.chain(name).filter(|t| !t.is_empty()).map(str::to_ascii_lowercase).collect();
    env_of_words(&w) == Some(Env::NonProduction)
        || w.iter().any(|x| matches!(x.as_str(), "seed" | "seeds" | "stub" | "stubs"))
}
