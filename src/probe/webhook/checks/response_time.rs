//! `webhook-response-time`: every delivery golive made was answered within Exirom's 10 s limit;
//! warns when any took longer than `slow_ms` (default 2 s).
//!
//! Exirom counts an answer slower than 10 seconds as a failed delivery and retries it, which is
//! where most duplicates come from. Its advice is to answer 200 at once and process afterwards, so
//! a handler that does its work before answering is flagged well before it hits the limit. This
//! check runs after the others and reads the timings of every delivery they made; when none were
//! made it delivers one callback itself. The limit is `[webhook] timeout_ms`; the warning
//! threshold is the rule option `slow_ms`, else `[webhook] slow_ms`.
//!
//! See: <https://developers.exirom.com/docs/webhooks/webhook-best-practices>

use std::time::Duration;

use crate::checklist::Rule;
use crate::probe::Outcome;
use crate::probe::webhook::Probe;
use crate::probe::webhook::client::{ClientError, Timing};

/// Judges every delivery's duration.
pub(super) async fn check(p: &Probe, rule: &Rule) -> Outcome {
    let client = match p.client() {
        Ok(c) => c,
        Err(e) => return Outcome::error(&rule.id, e),
    };
    if client.timings().is_empty() {
        let spec = p.card("SUCCEED");
        let cb = if p.secret.is_some() { p.sign(&spec) } else { spec.unsigned() };
        match client.deliver(&rule.id, &cb).await {
            Ok(_) | Err(ClientError::Timeout { .. } | ClientError::BodyTimeout { .. }) => {}
            Err(e) => return Outcome::error(&rule.id, format!("cannot deliver a callback: {e}")),
        }
    }
    let slow_ms = rule.opt_u64("slow_ms").unwrap_or(p.slow_ms);
    verdict(&rule.id, &client.timings(), p.timeout, slow_ms)
}

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

fn verdict(rule: &str, timings: &[Timing], limit: Duration, slow_ms: u64) -> Outcome {
    let mut all: Vec<u64> = timings.iter().map(|t| ms(t.elapsed)).collect();
    all.sort_unstable();
    let (Some(&min), Some(&max)) = (all.first(), all.last()) else {
        return Outcome::error(rule, "no delivery got an answer, so there is no response time to judge");
    };
    let mid = all.len() / 2;
    let median = if all.len().is_multiple_of(2) { u64::midpoint(all[mid - 1], all[mid]) } else { all[mid] };
    let timed_out: Vec<&str> = timings.iter().filter(|t| t.timed_out).map(|t| t.label.as_str()).collect();
    let slowest = timings.iter().max_by_key(|t| t.elapsed).map_or("", |t| t.label.as_str());

    let outcome = if !timed_out.is_empty() {
        Outcome::fail(
            rule,
            format!(
                "{} of {} deliveries got no answer within {} ms ({}): Exirom gives up after 10 s and retries; answer 200 at once and process afterwards",
                timed_out.len(),
                all.len(),
                ms(limit),
                timed_out.join(", ")
            ),
        )
    } else if max > slow_ms {
        Outcome::warn(
            rule,
            format!(
                "the slowest delivery took {max} ms ({slowest}), over {slow_ms} ms: Exirom advises answering 200 at once and processing afterwards"
            ),
        )
    } else {
        Outcome::pass(rule, format!("all {} deliveries answered within {max} ms (median {median} ms)", all.len()))
    };
    outcome
        .measure("min_ms", min)
        .measure("median_ms", median)
        .measure("max_ms", max)
        .measure("deliveries", all.len())
        .measure("slow_ms", slow_ms)
        .measure("timeout_ms", ms(limit))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::Status;

    fn t(label: &str, ms: u64, timed_out: bool) -> Timing {
        Timing { label: label.into(), elapsed: Duration::from_millis(ms), timed_out }
    }

    const LIMIT: Duration = Duration::from_secs(10);

    #[test]
    fn quick_answers_pass_with_statistics() {
        let o = verdict(
            "webhook-response-time",
            &[t("a", 30, false), t("b", 10, false), t("c", 20, false), t("d", 40, false)],
            LIMIT,
            2000,
        );
        assert_eq!(o.status, Status::Pass, "{}", o.message);
        assert_eq!((o.measurements["min_ms"].as_u64(), o.measurements["median_ms"].as_u64()), (Some(10), Some(25)));
        assert_eq!(o.measurements["max_ms"], 40);
    }

    #[test]
    fn slow_answers_warn() {
        let o =
            verdict("webhook-response-time", &[t("a", 30, false), t("webhook-apm-callback", 2500, false)], LIMIT, 2000);
        assert_eq!(o.status, Status::Warn);
        assert!(o.message.contains("2500 ms (webhook-apm-callback)"), "{}", o.message);
    }

    #[test]
    fn no_answer_within_the_limit_fails() {
        let o = verdict("webhook-response-time", &[t("a", 30, false), t("b", 10_000, true)], LIMIT, 2000);
        assert_eq!(o.status, Status::Fail);
        assert!(o.message.starts_with("1 of 2 deliveries got no answer within 10000 ms (b)"), "{}", o.message);
        assert_eq!(verdict("webhook-response-time", &[], LIMIT, 2000).status, Status::Error);
    }
}
