//! `webhook-out-of-order`: `SUCCEED` then a stale `PENDING` for the same transaction both get a 2xx
//! (and, with an oracle, the order stays fulfilled).
//!
//! Exirom does not guarantee order: a `PENDING` retried late can arrive after `SUCCEED`. A handler
//! that applies every status blindly moves a paid order back to pending; one that rejects the stale
//! status with an error gets it retried for an hour. Give statuses weights (NEW < PENDING <
//! PROCESSING < final), ignore a move backwards, and answer 200. The stale status is the rule
//! option `stale_status` (default `PENDING`).
//!
//! See: <https://developers.exirom.com/docs/webhooks/webhook-best-practices>

use super::{Expect, deliver, with_delivery};
use crate::checklist::Rule;
use crate::probe::Outcome;
use crate::probe::webhook::Probe;
use crate::probe::webhook::client::Reply;
use crate::probe::webhook::oracle::Seen;
use crate::probe::webhook::payload::Callback;

/// Statuses that come before a final one (API.md §12).
const INTERMEDIATE: &[&str] = &["NEW", "PENDING", "PROCESSING", "CUSTOMER_VERIFICATION"];

/// Delivers `SUCCEED`, then the stale status, for one transaction.
pub(super) async fn check(p: &Probe, rule: &Rule) -> Outcome {
    let stale = rule
        .opt_str("stale_status")
        .and_then(|s| INTERMEDIATE.iter().find(|i| i.eq_ignore_ascii_case(s)))
        .copied()
        .unwrap_or("PENDING");
    let spec = p.card("SUCCEED");
    let success = p.sign(&spec);
    let late = p.sign(&spec.with_status(stale, None));
    let first = match deliver(p, rule, &success, Expect::Accepted).await {
        Ok(r) => r,
        Err(o) => return o,
    };
    let oracle = p.oracle.as_ref().zip(p.client().ok());
    if first.ok()
        && let Some((oracle, client)) = oracle
    {
        match oracle.wait_fulfilled(client, &spec).await {
            Ok(Seen::Fulfilled) => {}
            Ok(Seen::NotFulfilled(v)) => {
                return Outcome::error(
                    &rule.id,
                    format!(
                        "the SUCCEED callback never showed as fulfilled in [webhook.oracle] (value {v:?}), so the stale status cannot be judged by effect"
                    ),
                );
            }
            Err(e) => return Outcome::error(&rule.id, e),
        }
    }
    let second = match deliver(p, rule, &late, Expect::Accepted).await {
        Ok(r) => r,
        Err(o) => return o,
    };
    let outcome = status_verdict(&rule.id, &late, &first, &second, p.judged_by());
    let Some((oracle, client)) = oracle.filter(|_| outcome.status == crate::probe::Status::Pass) else {
        return outcome;
    };
    match oracle.stays(client, &spec, &Seen::Fulfilled).await {
        Ok(Seen::Fulfilled) => outcome,
        Ok(Seen::NotFulfilled(_)) => Outcome::fail(
            &rule.id,
            format!(
                "the stale {stale} rolled the fulfilled order back ([webhook.oracle]): ignore statuses that move backwards"
            ),
        ),
        Err(e) => Outcome::error(&rule.id, e),
    }
}

/// Both deliveries must get a 2xx.
fn status_verdict(rule: &str, late: &Callback, first: &Reply, second: &Reply, judged_by: &str) -> Outcome {
    let stale = late.spec.status;
    let o = if !first.ok() {
        Outcome::fail(
            rule,
            format!("the SUCCEED callback already got {} (see webhook-accepts-callback)", first.describe()),
        )
    } else if second.ok() {
        Outcome::pass(
            rule,
            format!(
                "SUCCEED then a stale {stale} both got a 2xx ({} then {}); {judged_by}",
                first.status, second.status
            ),
        )
    } else {
        Outcome::fail(
            rule,
            format!(
                "a stale {stale} after SUCCEED got {}: answer 200 and ignore statuses that move backwards, or Exirom retries it",
                second.describe()
            ),
        )
    };
    with_delivery(o, late, second).measure("first_status", first.status).measure("stale_status", stale)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::Status;
    use crate::probe::webhook::checks::tests::{card, reply};

    #[test]
    fn a_500_on_the_stale_status_fails() {
        let late = card("SUCCEED").spec.with_status("PENDING", None).signed(b"secret");
        let o = status_verdict("webhook-out-of-order", &late, &reply(200, ""), &reply(500, "invalid transition"), "x");
        assert_eq!(o.status, Status::Fail);
        assert!(o.message.contains("stale PENDING after SUCCEED got HTTP 500"), "{}", o.message);
        let o = status_verdict("webhook-out-of-order", &late, &reply(200, ""), &reply(200, ""), "x");
        assert_eq!(o.status, Status::Pass);
        assert_eq!(o.measurements["stale_status"], "PENDING");
    }
}
