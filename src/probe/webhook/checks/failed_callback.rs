//! `webhook-failed-callback`: a correctly signed card `FAILED` callback with a `declineCode` gets
//! a 2xx.
//!
//! Handlers often only expect success: a `FAILED` body (non-null `declineCode`) then crashes a
//! parser or a "payment must be captured" assertion, the endpoint answers 500, and Exirom retries
//! a callback that can never succeed while the order stays pending. The decline code sent is the
//! rule option `decline_code` (default 5, `INSUFFICIENT_FUNDS_ERROR`).
//!
//! See: <https://developers.exirom.com/docs/webhooks/webhook-callback-transaction-lifecycle>

use super::expect_accepted;
use crate::checklist::Rule;
use crate::probe::Outcome;
use crate::probe::webhook::Probe;

/// `INSUFFICIENT_FUNDS_ERROR` (decline-codes.toml).
const DECLINE_CODE: u16 = 5;

/// Delivers one signed card `FAILED` callback with a decline code.
pub(super) async fn check(p: &Probe, rule: &Rule) -> Outcome {
    let code = rule.opt_u64("decline_code").and_then(|c| u16::try_from(c).ok()).unwrap_or(DECLINE_CODE);
    let cb = p.sign(&p.card("FAILED").with_status("FAILED", Some(code)));
    expect_accepted(p, rule, &cb, &format!("a correctly signed FAILED callback (declineCode {code})"))
        .await
        .measure("decline_code", code)
}

#[cfg(test)]
mod tests {
    use super::super::tests::card;

    #[test]
    fn the_failed_body_carries_the_decline_code() {
        let spec = card("FAILED").spec.with_status("FAILED", Some(super::DECLINE_CODE));
        let body = spec.body();
        assert!(body.contains("\"transactionStatus\":\"FAILED\"") && body.contains("\"declineCode\":5"), "{body}");
    }
}
