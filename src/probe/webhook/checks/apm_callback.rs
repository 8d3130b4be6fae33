//! `webhook-apm-callback`: a correctly signed APM callback (`?paymentMethod=apm&apmType=<type>`)
//! gets a 2xx.
//!
//! APM callbacks differ from card ones: an `ApmPaymentTxInfoDto` body with `accountId` (a number)
//! and `apmType` instead of `mid` and `cardMask`, a different signed field set (variants B/C, or
//! D's `amount`/`currency`), and extra query parameters. A handler written for cards often
//! answers 500 here. The APM type is `[webhook] apm_type`.
//!
//! See: <https://developers.exirom.com/docs/alternative-payment-methods/handling-the-callback>

use super::expect_accepted;
use crate::checklist::Rule;
use crate::probe::Outcome;
use crate::probe::webhook::Probe;

/// Delivers one signed APM `SUCCEED` callback.
pub(super) async fn check(p: &Probe, rule: &Rule) -> Outcome {
    let cb = p.sign(&p.apm("SUCCEED"));
    let what = format!("a correctly signed APM callback (apmType {})", p.apm_type);
    expect_accepted(p, rule, &cb, &what).await.measure("apm_type", p.apm_type.as_str())
}

#[cfg(test)]
mod tests {
    use crate::probe::webhook::checksum::Choice;
    use crate::probe::webhook::payload::{Ids, Spec};

    #[test]
    fn sends_apm_query_and_body() {
        let ids = Ids { mid: "M".into(), account_id: "42".into() };
        let cb = Spec::apm(&ids, "UPI_QR", "SUCCEED", Choice::Auto, "https://shop.example/cb").signed(b"k");
        assert_eq!(cb.query, vec![("paymentMethod", "apm".to_string()), ("apmType", "UPI_QR".to_string())]);
        assert!(cb.body.contains("\"apmType\":\"UPI_QR\"") && cb.body.contains("\"accountId\":42"), "{}", cb.body);
    }
}
