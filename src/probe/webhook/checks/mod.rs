//! One check per webhook rule, and the one place they are registered: [`CHECKS`].
//!
//! A check is a function from the shared [`Probe`] and its rule to an [`Outcome`]. What a check
//! needs (the network, the merchant secret) and when it runs are declared next to it in
//! [`CHECKS`], and [`run_all`] applies those gates the same way for every check, so a check's file
//! holds only its own logic. `https.rs` is the reference check.
//!
//! Checks run in three phases: the TLS handshakes first (a server that serves one connection at
//! a time must not keep them waiting behind slow callbacks), then the callback deliveries, then
//! `webhook-response-time`, which reads every delivery's timing. Checks within a phase run
//! concurrently, except deliveries to an endpoint whose first answer was slow (see [`run_all`]).

mod accepts_callback;
mod apm_callback;
mod certificate;
mod duplicate_delivery;
mod failed_callback;
mod https;
mod out_of_order;
mod public;
mod rejects_bad_checksum;
mod rejects_missing_checksum;
mod response_time;
mod tls_version;

use std::collections::HashMap;
use std::future::{Future, ready};
use std::pin::Pin;
use std::sync::Arc;

use super::Probe;
use super::client::{ClientError, Reply};
use super::oracle::Seen;
use super::payload::Callback;
use crate::checklist::Rule;
use crate::probe::Outcome;

/// A check's future.
pub type CheckFuture<'a> = Pin<Box<dyn Future<Output = Outcome> + Send + 'a>>;

/// When a check runs (phases run one after the other, checks within a phase concurrently).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phase {
    /// Reads the URL or makes TLS handshakes.
    Handshakes,
    /// Delivers callbacks.
    Deliveries,
    /// Reads what the deliveries measured.
    Last,
}

/// What a check needs before it can run, and when it runs.
#[derive(Debug, Clone, Copy)]
pub struct Needs {
    /// Talks to the endpoint (skipped for private targets without `--allow-private`).
    pub network: bool,
    /// Signs callbacks with the merchant secret (skipped without `EXIROM_MERCHANT_SECRET`).
    pub secret: bool,
    /// Its phase.
    pub phase: Phase,
}

impl Needs {
    const URL_ONLY: Self = Self { network: false, secret: false, phase: Phase::Handshakes };
    const HANDSHAKES: Self = Self { network: true, secret: false, phase: Phase::Handshakes };
    const UNSIGNED: Self = Self { network: true, secret: false, phase: Phase::Deliveries };
    const SIGNED: Self = Self { network: true, secret: true, phase: Phase::Deliveries };
    const TIMINGS: Self = Self { network: true, secret: false, phase: Phase::Last };
}

/// One registered check.
#[derive(Clone, Copy)]
pub struct Check {
    /// The implementation name (the rule id without `webhook-`).
    pub name: &'static str,
    /// Its gates.
    pub needs: Needs,
    /// The check itself.
    pub run: for<'a> fn(&'a Probe, &'a Rule) -> CheckFuture<'a>,
}

/// Every webhook check, one per rule in rules/webhook.toml.
pub const CHECKS: &[Check] = &[
    Check { name: "https", needs: Needs::URL_ONLY, run: |p, r| Box::pin(ready(https::check(p, r))) },
    Check { name: "public", needs: Needs::URL_ONLY, run: |p, r| Box::pin(ready(public::check(p, r))) },
    Check { name: "tls-version", needs: Needs::HANDSHAKES, run: |p, r| Box::pin(tls_version::check(p, r)) },
    Check { name: "certificate", needs: Needs::HANDSHAKES, run: |p, r| Box::pin(certificate::check(p, r)) },
    Check { name: "accepts-callback", needs: Needs::SIGNED, run: |p, r| Box::pin(accepts_callback::check(p, r)) },
    Check { name: "failed-callback", needs: Needs::SIGNED, run: |p, r| Box::pin(failed_callback::check(p, r)) },
    Check {
        name: "rejects-bad-checksum",
        needs: Needs::UNSIGNED,
        run: |p, r| Box::pin(rejects_bad_checksum::check(p, r)),
    },
    Check {
        name: "rejects-missing-checksum",
        needs: Needs::UNSIGNED,
        run: |p, r| Box::pin(rejects_missing_checksum::check(p, r)),
    },
    Check { name: "duplicate-delivery", needs: Needs::SIGNED, run: |p, r| Box::pin(duplicate_delivery::check(p, r)) },
    Check { name: "out-of-order", needs: Needs::SIGNED, run: |p, r| Box::pin(out_of_order::check(p, r)) },
    Check { name: "apm-callback", needs: Needs::SIGNED, run: |p, r| Box::pin(apm_callback::check(p, r)) },
    Check { name: "response-time", needs: Needs::TIMINGS, run: |p, r| Box::pin(response_time::check(p, r)) },
];

/// The names in [`CHECKS`], for `IMPLEMENTATIONS`.
pub const NAMES: [&str; CHECKS.len()] = {
    let mut names = [""; CHECKS.len()];
    let mut i = 0;
    while i < CHECKS.len() {
        names[i] = CHECKS[i].name;
        i += 1;
    }
    names
};

/// Runs the checks of `rules`: the gated ones answer at once, the rest phase by phase,
/// concurrently within a phase, each under the probe's bound.
pub async fn run_all(probe: Probe, rules: &[&Rule]) -> Vec<Outcome> {
    let probe = Arc::new(probe);
    let bound = probe.check_bound();
    let mut outcomes = Vec::new();
    let mut phases: [Vec<(Rule, Check)>; 3] = Default::default();
    for rule in rules {
        let Some(check) = CHECKS.iter().find(|c| c.name == rule.implementation) else {
            outcomes.push(Outcome::error(&rule.id, format!("no webhook check named `{}`", rule.implementation)));
            continue;
        };
        if let Some(skipped) = gate(&probe, check, rule) {
            crate::engine::finished(&skipped);
            outcomes.push(skipped);
        } else {
            phases[check.needs.phase as usize].push(((*rule).clone(), *check));
        }
    }
    let [handshakes, mut deliveries, last] = phases;
    outcomes.extend(run_batch(&probe, handshakes, bound).await);
    // A pilot delivery first. An endpoint that takes a while may also serve one request at a
    // time; concurrent deliveries would then queue behind each other, and golive would time the
    // queue, not the endpoint. So after a slow pilot the rest go one by one (after a pilot that
    // timed out they go together: waiting for each in turn would only multiply the wait). The
    // same holds once a one-by-one delivery times out: the endpoint has stopped answering, and
    // the checks left go together, so the phase takes one bound more, not one per check.
    if !deliveries.is_empty() {
        let pilot = deliveries.remove(0);
        outcomes.extend(run_batch(&probe, vec![pilot], bound).await);
        if pilot_was_slow(&probe) {
            let mut rest = deliveries.into_iter();
            while let Some(one) = rest.next() {
                outcomes.extend(run_batch(&probe, vec![one], bound).await);
                if any_timed_out(&probe) {
                    outcomes.extend(run_batch(&probe, rest.collect(), bound).await);
                    break;
                }
            }
        } else {
            outcomes.extend(run_batch(&probe, deliveries, bound).await);
        }
    }
    outcomes.extend(run_batch(&probe, last, bound).await);
    outcomes
}

/// Above this, the pilot delivery counts as slow.
const SLOW_PILOT: std::time::Duration = std::time::Duration::from_millis(250);

fn pilot_was_slow(p: &Probe) -> bool {
    let timings = p.client().map(super::client::Client::timings).unwrap_or_default();
    timings.iter().any(|t| t.elapsed > SLOW_PILOT) && !timings.iter().any(|t| t.timed_out)
}

fn any_timed_out(p: &Probe) -> bool {
    p.client().map(super::client::Client::timings).unwrap_or_default().iter().any(|t| t.timed_out)
}

async fn run_batch(probe: &Arc<Probe>, batch: Vec<(Rule, Check)>, bound: std::time::Duration) -> Vec<Outcome> {
    let mut set = tokio::task::JoinSet::new();
    let mut ids = HashMap::new();
    for (rule, check) in batch {
        let probe = Arc::clone(probe);
        let id = rule.id.clone();
        let handle = set.spawn(async move {
            match tokio::time::timeout(bound, (check.run)(&probe, &rule)).await {
                Ok(outcome) => outcome,
                Err(_) => Outcome::error(
                    &rule.id,
                    format!("the check did not finish within {} s (the probe's bound)", bound.as_secs()),
                ),
            }
        });
        ids.insert(handle.id(), id);
    }
    let mut outcomes = Vec::new();
    while let Some(res) = set.join_next_with_id().await {
        let outcome = match res {
            Ok((_, outcome)) => outcome,
            Err(e) => match ids.get(&e.id()) {
                Some(id) => Outcome::error(id, format!("the check crashed: {e}")),
                None => continue,
            },
        };
        // Kept by the engine at once: a run interrupted later still reports this rule.
        crate::engine::finished(&outcome);
        outcomes.push(outcome);
    }
    outcomes
}

/// The outcome of a check that cannot run, or `None` when it can.
fn gate(p: &Probe, check: &Check, rule: &Rule) -> Option<Outcome> {
    if check.needs.network {
        if let Err(e) = &p.target.resolved {
            return Some(Outcome::error(&rule.id, e.clone()));
        }
        if let Some((ip, range)) = p.target.private_address()
            && !p.allow_private
        {
            return Some(Outcome::skip(
                &rule.id,
                format!(
                    "{} resolves to {ip}, {range}: golive does not send callbacks into private networks unless --allow-private ([webhook] allow_private) is given",
                    p.target.host
                ),
            ));
        }
        if let Err(e) = p.client() {
            return Some(Outcome::error(&rule.id, e));
        }
    }
    if check.needs.secret && p.secret.is_none() {
        return Some(Outcome::skip(
            &rule.id,
            "needs the merchant secret to sign callbacks: set EXIROM_MERCHANT_SECRET (or use [webhook] url = \"embedded\")",
        ));
    }
    None
}

/// What a delivery is expected to get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Expect {
    /// A 2xx: no answer in time is a failed delivery for Exirom, so a `fail`.
    Accepted,
    /// A rejection: no answer in time proves nothing, so an `error`.
    Rejected,
}

/// Delivers `cb`; no HTTP answer becomes the rule's outcome.
pub(super) async fn deliver(p: &Probe, rule: &Rule, cb: &Callback, expect: Expect) -> Result<Reply, Outcome> {
    let client = p.client().map_err(|e| Outcome::error(&rule.id, e))?;
    client.deliver(&rule.id, cb).await.map_err(|e| no_answer(rule, &e, expect))
}

fn no_answer(rule: &Rule, e: &ClientError, expect: Expect) -> Outcome {
    match (e, expect) {
        (ClientError::Timeout { .. } | ClientError::BodyTimeout { .. }, Expect::Accepted) => Outcome::fail(
            &rule.id,
            format!("{e}: Exirom counts a callback not answered with 200 within 10 s as failed and retries it"),
        ),
        (ClientError::Dropped { .. }, Expect::Accepted) => Outcome::fail(
            &rule.id,
            format!("{e}: the handler broke on this callback, and Exirom counts it as a failed delivery"),
        ),
        (
            ClientError::Timeout { .. } | ClientError::BodyTimeout { .. } | ClientError::Dropped { .. },
            Expect::Rejected,
        ) => Outcome::error(&rule.id, format!("{e}: cannot tell whether the callback was rejected")),
        _ => Outcome::error(&rule.id, format!("cannot deliver the callback: {e}")),
    }
}

/// Adds the facts of one delivery to an outcome.
pub(super) fn with_delivery(o: Outcome, cb: &Callback, reply: &Reply) -> Outcome {
    o.measure("status", reply.status)
        .measure("ms", reply.ms())
        .measure("transaction_id", cb.spec.transaction_id.as_str())
        .measure("checksum_variant", cb.spec.variant.describe(cb.spec.kind))
}

/// Delivers a correctly signed callback that must get a 2xx, and judges the answer.
pub(super) async fn expect_accepted(p: &Probe, rule: &Rule, cb: &Callback, what: &str) -> Outcome {
    match deliver(p, rule, cb, Expect::Accepted).await {
        Ok(reply) => accepted_verdict(&rule.id, cb, &reply, what),
        Err(outcome) => outcome,
    }
}

/// The verdict on a callback that must be accepted.
pub(super) fn accepted_verdict(rule: &str, cb: &Callback, reply: &Reply, what: &str) -> Outcome {
    let o = if reply.ok() {
        Outcome::pass(rule, format!("{what} got HTTP {} in {} ms", reply.status, reply.ms()))
    } else {
        let hint = if matches!(reply.status, 400 | 401 | 403 | 422) {
            format!(": {}", signing_hint(cb))
        } else {
            ": Exirom treats any non-2xx answer as a failed delivery and retries it".to_string()
        };
        Outcome::fail(rule, format!("{what} got {}{hint}", reply.describe()))
    };
    with_delivery(o, cb, reply)
}

/// Delivers a callback that must not be acted on, and judges by effect (oracle) or status code.
pub(super) async fn expect_rejected(p: &Probe, rule: &Rule, cb: &Callback, what: &str) -> Outcome {
    let reply = match deliver(p, rule, cb, Expect::Rejected).await {
        Ok(r) => r,
        Err(outcome) => return outcome,
    };
    let (Some(oracle), Ok(client)) = (&p.oracle, p.client()) else {
        return rejected_verdict(&rule.id, cb, &reply, what, p.judged_by());
    };
    let o = match oracle.stays(client, &cb.spec, &Seen::NotFulfilled(None)).await {
        Ok(Seen::Fulfilled) => Outcome::fail(
            &rule.id,
            format!(
                "{what} fulfilled the order (answered {}): verify X-Checksum before acting; {}",
                reply.describe(),
                p.judged_by()
            ),
        ),
        Ok(Seen::NotFulfilled(_)) => Outcome::pass(
            &rule.id,
            format!("{what} fulfilled nothing (answered {}); {}", reply.describe(), p.judged_by()),
        ),
        Err(e) => Outcome::error(&rule.id, e),
    };
    with_delivery(o, cb, &reply).measure("judged_by", "oracle")
}

/// The status-code verdict on a callback that must be rejected.
pub(super) fn rejected_verdict(rule: &str, cb: &Callback, reply: &Reply, what: &str, judged_by: &str) -> Outcome {
    let o = if reply.ok() {
        Outcome::fail(
            rule,
            format!(
                "{what} got {}: reject it with a non-2xx answer (401) before acting on it; {judged_by}",
                reply.describe()
            ),
        )
    } else {
        Outcome::pass(rule, format!("{what} was rejected with {}; {judged_by}", reply.describe()))
    };
    with_delivery(o, cb, reply).measure("judged_by", "status code")
}

/// Why a correctly signed callback may have been refused, for fail messages.
pub(super) fn signing_hint(cb: &Callback) -> String {
    format!(
        "golive signed `{}` with variant {}; if your handler signs other fields, set [webhook] checksum_variant",
        cb.spec.signed_text(),
        cb.spec.variant.describe(cb.spec.kind)
    )
}

#[cfg(test)]
pub(super) mod tests {
    use std::time::Duration;

    use super::*;
    use crate::probe::webhook::checksum::Choice;
    use crate::probe::webhook::payload::{Ids, Spec};

    /// A reply as the client would build it.
    pub(crate) fn reply(status: u16, excerpt: &str) -> Reply {
        Reply { status, location: None, excerpt: excerpt.into(), elapsed: Duration::from_millis(12) }
    }

    /// A signed card callback.
    pub(crate) fn card(status: &'static str) -> Callback {
        Spec::card(&Ids { mid: "M".into(), account_id: "A".into() }, status, Choice::Auto, "https://shop.example/cb")
            .signed(b"secret")
    }

    #[test]
    fn accepted_verdicts() {
        let cb = card("SUCCEED");
        let o = accepted_verdict("webhook-accepts-callback", &cb, &reply(200, "ok"), "a signed callback");
        assert_eq!(o.status, crate::probe::Status::Pass);
        assert_eq!(o.measurements["checksum_variant"], "D (mid|orderAmount|orderCurrency|transactionId)");
        let o = accepted_verdict("webhook-accepts-callback", &cb, &reply(401, "bad checksum"), "a signed callback");
        assert_eq!(o.status, crate::probe::Status::Fail);
        assert!(o.message.contains("golive signed `M|"), "{}", o.message);
        let o = accepted_verdict("webhook-accepts-callback", &cb, &reply(500, ""), "a signed callback");
        assert!(o.message.contains("retries"), "{}", o.message);
        let mut moved = reply(302, "");
        moved.location = Some("https://other.example/cb".into());
        let o = accepted_verdict("webhook-accepts-callback", &cb, &moved, "a signed callback");
        assert_eq!(o.status, crate::probe::Status::Fail);
        assert!(o.message.contains("redirect to https://other.example/cb"), "{}", o.message);
    }

    #[test]
    fn unfinished_answers_fail_deliveries_and_prove_no_rejection() {
        let rule = crate::checklist::Checklist::builtin().rule("webhook-accepts-callback").unwrap().clone();
        let e = ClientError::BodyTimeout { status: 200, ms: 1000 };
        let o = no_answer(&rule, &e, Expect::Accepted);
        assert_eq!(o.status, crate::probe::Status::Fail);
        assert!(
            o.message.starts_with("HTTP 200 came, but the answer's body did not end within 1000 ms"),
            "{}",
            o.message
        );
        let o = no_answer(&rule, &e, Expect::Rejected);
        assert_eq!(o.status, crate::probe::Status::Error);
        let stalled = ClientError::ConnectTimeout {
            what: "no TCP connection and TLS handshake",
            addr: "127.0.0.1:443".parse().unwrap(),
            ms: 500,
        };
        let o = no_answer(&rule, &stalled, Expect::Accepted);
        assert_eq!(o.status, crate::probe::Status::Error);
        assert!(
            o.message.ends_with("no TCP connection and TLS handshake with 127.0.0.1:443 within 500 ms"),
            "{}",
            o.message
        );
    }

    #[test]
    fn every_check_is_registered_once() {
        let mut names: Vec<&str> = NAMES.to_vec();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), CHECKS.len());
        assert!(CHECKS.iter().filter(|c| c.needs.phase != Phase::Handshakes).all(|c| c.needs.network));
        assert!(CHECKS.iter().filter(|c| c.needs.secret).all(|c| c.needs.phase == Phase::Deliveries));
    }
}
