//! `webhook-accepts-callback`: a correctly signed card `SUCCEED` callback gets a 2xx.
//!
//! The basic contract of the endpoint: Exirom POSTs the card callback to the URL with
//! `?paymentMethod=card` and a valid `X-Checksum`, and expects HTTP 200 within 10 seconds.
//! A 401 here usually means the handler signs other fields or renders the amount differently
//! than golive did (API.md §11.2); the message shows the exact text golive signed.
//!
//! See: <https://developers.exirom.com/docs/webhooks/quick-start>

use super::expect_accepted;
use crate::checklist::Rule;
use crate::probe::Outcome;
use crate::probe::webhook::Probe;

/// Delivers one signed card `SUCCEED` callback.
pub(super) async fn check(p: &Probe, rule: &Rule) -> Outcome {
    let cb = p.sign(&p.card("SUCCEED"));
    expect_accepted(p, rule, &cb, "a correctly signed card SUCCEED callback").await
}

#[cfg(test)]
mod tests {
    use super::super::tests::card;

    #[test]
    fn sends_a_signed_card_success_with_the_card_query() {
        let cb = card("SUCCEED");
        assert_eq!(cb.query, vec![("paymentMethod", "card".to_string())]);
        assert!(cb.checksum.is_some());
        assert!(cb.body.contains("\"transactionStatus\":\"SUCCEED\"") && cb.body.contains("\"declineCode\":null"));
    }
}
