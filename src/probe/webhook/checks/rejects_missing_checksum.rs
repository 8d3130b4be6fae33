//! `webhook-rejects-missing-checksum`: a callback without `X-Checksum` is not acted on.
//!
//! A common bug: the handler verifies the checksum only when the header is present, so dropping
//! the header skips verification. golive sends a `SUCCEED` callback with no `X-Checksum` at all.
//! Judged like `webhook-rejects-bad-checksum`: non-2xx, or with `[webhook.oracle]`, no effect.
//!
//! See: <https://developers.exirom.com/docs/webhooks/webhook-best-practices>

use super::expect_rejected;
use crate::checklist::Rule;
use crate::probe::Outcome;
use crate::probe::webhook::Probe;

/// Delivers one card `SUCCEED` callback without `X-Checksum`.
pub(super) async fn check(p: &Probe, rule: &Rule) -> Outcome {
    let cb = p.card("SUCCEED").unsigned();
    expect_rejected(p, rule, &cb, "a SUCCEED callback without X-Checksum").await
}

#[cfg(test)]
mod tests {
    use super::super::rejected_verdict;
    use super::super::tests::{card, reply};
    use crate::probe::Status;

    #[test]
    fn tolerating_a_missing_checksum_fails() {
        let unsigned = card("SUCCEED").spec.unsigned();
        assert!(unsigned.checksum.is_none());
        let o = rejected_verdict(
            "webhook-rejects-missing-checksum",
            &unsigned,
            &reply(204, ""),
            "an unsigned callback",
            "x",
        );
        assert_eq!(o.status, Status::Fail);
        let o = rejected_verdict(
            "webhook-rejects-missing-checksum",
            &unsigned,
            &reply(403, ""),
            "an unsigned callback",
            "x",
        );
        assert_eq!(o.status, Status::Pass);
    }
}
