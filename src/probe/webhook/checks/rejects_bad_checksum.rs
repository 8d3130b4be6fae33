//! `webhook-rejects-bad-checksum`: a callback signed with the wrong secret is not acted on.
//!
//! `X-Checksum` is the only thing that proves a callback came from Exirom. A handler that does not
//! verify it (or compares it wrongly) lets anyone who knows the URL mark orders as paid. golive
//! signs a real-looking `SUCCEED` callback with a random secret. Without an oracle the endpoint
//! must answer non-2xx; with `[webhook.oracle]` it may answer 200 first (as Exirom advises) but
//! must fulfil nothing.
//!
//! See: <https://developers.exirom.com/docs/webhooks/webhook-best-practices>

use super::expect_rejected;
use crate::checklist::Rule;
use crate::probe::Outcome;
use crate::probe::webhook::Probe;

/// Delivers one card `SUCCEED` callback signed with a wrong secret.
pub(super) async fn check(p: &Probe, rule: &Rule) -> Outcome {
    let cb = p.card("SUCCEED").forged();
    expect_rejected(p, rule, &cb, "a SUCCEED callback with a forged X-Checksum").await
}

#[cfg(test)]
mod tests {
    use super::super::rejected_verdict;
    use super::super::tests::{card, reply};
    use crate::probe::Status;

    #[test]
    fn a_2xx_to_a_forgery_fails_and_a_401_passes() {
        let forged = card("SUCCEED").spec.forged();
        let o = rejected_verdict(
            "webhook-rejects-bad-checksum",
            &forged,
            &reply(200, "ok"),
            "a forged callback",
            "by status",
        );
        assert_eq!(o.status, Status::Fail);
        assert!(o.message.contains("by status"), "the message says how it judged: {}", o.message);
        let o = rejected_verdict(
            "webhook-rejects-bad-checksum",
            &forged,
            &reply(401, "bad checksum"),
            "a forged callback",
            "x",
        );
        assert_eq!(o.status, Status::Pass);
        assert_eq!(o.measurements["status"], 401);
    }
}
