//! `webhook-duplicate-delivery`: the same signed callback delivered twice gets a 2xx both times
//! (and, with an oracle, fulfils the order once).
//!
//! Exirom delivers at least once: a slow answer or a lost 200 means the same callback again. A
//! handler that treats the repeat as an error (a unique-key violation surfacing as 500) makes
//! Exirom retry it for an hour; one that processes it again ships the order twice. Dedupe on
//! `transactionId` + `transactionStatus` and acknowledge the repeat with 200.
//!
//! See: <https://developers.exirom.com/docs/webhooks/webhook-best-practices>

use super::{Expect, deliver, with_delivery};
use crate::checklist::Rule;
use crate::probe::Outcome;
use crate::probe::webhook::Probe;
use crate::probe::webhook::client::Reply;
use crate::probe::webhook::oracle::Seen;
use crate::probe::webhook::payload::Callback;

/// Delivers one signed card `SUCCEED` callback twice, one after the other.
pub(super) async fn check(p: &Probe, rule: &Rule) -> Outcome {
    let cb = p.sign(&p.card("SUCCEED"));
    let first = match deliver(p, rule, &cb, Expect::Accepted).await {
        Ok(r) => r,
        Err(o) => return o,
    };
    let oracle = p.oracle.as_ref().zip(p.client().ok());
    if first.ok()
        && let Some((oracle, client)) = oracle
    {
        match oracle.wait_fulfilled(client, &cb.spec).await {
            Ok(Seen::Fulfilled) => {}
            Ok(Seen::NotFulfilled(v)) => {
                return Outcome::error(
                    &rule.id,
                    format!(
                        "the first delivery never showed as fulfilled in [webhook.oracle] (value {v:?}), so the duplicate cannot be judged by effect"
                    ),
                );
            }
            Err(e) => return Outcome::error(&rule.id, e),
        }
    }
    let second = match deliver(p, rule, &cb, Expect::Accepted).await {
        Ok(r) => r,
        Err(o) => return o,
    };
    let outcome = status_verdict(&rule.id, &cb, &first, &second, p.judged_by());
    let Some((oracle, client)) = oracle.filter(|_| outcome.status == crate::probe::Status::Pass) else {
        return outcome;
    };
    match oracle.stays(client, &cb.spec, &Seen::Fulfilled).await {
        Ok(Seen::Fulfilled) => outcome,
        Ok(Seen::NotFulfilled(v)) => Outcome::fail(
            &rule.id,
            format!(
                "after the duplicate, [webhook.oracle] shows {} instead of the fulfilled value: the repeat was processed again; dedupe on transactionId + transactionStatus",
                v.map_or_else(|| "nothing".to_string(), |v| v.to_string())
            ),
        ),
        Err(e) => Outcome::error(&rule.id, e),
    }
}

/// Both deliveries must get a 2xx.
fn status_verdict(rule: &str, cb: &Callback, first: &Reply, second: &Reply, judged_by: &str) -> Outcome {
    let o = if !first.ok() {
        Outcome::fail(
            rule,
            format!("the first delivery already got {} (see webhook-accepts-callback)", first.describe()),
        )
    } else if second.ok() {
        Outcome::pass(rule, format!("both deliveries got a 2xx ({} then {}); {judged_by}", first.status, second.status))
    } else {
        Outcome::fail(
            rule,
            format!(
                "the repeated delivery got {}: acknowledge duplicates with 200 (Exirom delivers at least once and retries non-2xx answers); dedupe on transactionId + transactionStatus",
                second.describe()
            ),
        )
    };
    with_delivery(o, cb, second).measure("first_status", first.status).measure("first_ms", first.ms())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::Status;
    use crate::probe::webhook::checks::tests::{card, reply};

    #[test]
    fn a_500_on_the_repeat_fails() {
        let cb = card("SUCCEED");
        let o = status_verdict("webhook-duplicate-delivery", &cb, &reply(200, ""), &reply(500, "duplicate key"), "x");
        assert_eq!(o.status, Status::Fail);
        assert!(o.message.contains("HTTP 500"), "{}", o.message);
        assert_eq!(o.measurements["first_status"], 200);
        let o =
            status_verdict("webhook-duplicate-delivery", &cb, &reply(200, ""), &reply(200, "duplicate ignored"), "x");
        assert_eq!(o.status, Status::Pass);
        let o = status_verdict("webhook-duplicate-delivery", &cb, &reply(401, ""), &reply(401, ""), "x");
        assert!(o.message.contains("first delivery"), "{}", o.message);
    }
}
