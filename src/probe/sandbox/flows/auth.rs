//! `sandbox-auth`: the credentials obtain a token, golive authenticates once for the whole run
//! (token cached, API.md §2), and a 401 mid-run is recovered by dropping the token,
//! re-authenticating and retrying the request exactly once.
//!
//! Authentication happens before every other flow; this rule is judged last, from the client's
//! statistics, so it covers every request the run made.

use super::{FlowCtx, FlowFuture, Verdicts};
use crate::checklist::Rule;
use crate::probe::Outcome;

/// Runs the flow (judges the run's authentication).
pub fn run<'a>(cx: &'a FlowCtx, rule: &'a Rule) -> FlowFuture<'a> {
    Box::pin(async move { judge(cx, &rule.id) })
}

fn judge(cx: &FlowCtx, rule: &str) -> Outcome {
    let s = cx.api.stats();
    let mut v = Verdicts::new(rule);
    let requests = cx.api.since(0).iter().filter(|e| e.kind == "api").count();
    v.measure("authCalls", s.auth_calls);
    v.measure("reauths", s.reauths);
    v.measure("unauthorized", s.unauthorized);
    v.measure("rateLimited", s.rate_limited);
    v.measure("retries", s.retries);
    v.measure("rateLimitWaitMs", s.rate_wait_ms);
    v.measure("apiRequests", requests);
    if let Some(ms) = s.first_auth_ms {
        v.measure("ms", ms);
    }
    if let Some(shape) = s.shape {
        v.measure("responseShape", shape);
    }
    v.measure("baseUrl", s.root.clone());
    if let Some(exp) = s.expires_at {
        let days = (exp - time::OffsetDateTime::now_utc().unix_timestamp()) / 86_400;
        v.measure("tokenExpiresInDays", days);
    }
    let expected = 1 + s.reauths;
    if s.auth_calls > expected {
        v.fail(format!(
            "authenticated {} times for {} re-authentications: the token was not reused",
            s.auth_calls, s.reauths
        ));
    }
    if s.unrecovered > 0 {
        v.fail(format!("{} request(s) answered 401 again right after re-authenticating", s.unrecovered));
    }
    let shape = match s.shape {
        Some("string") => " (auth answered a bare JSON string)",
        Some("object") => " (auth answered an object with `token`)",
        Some(_) => " (auth answered the token as plain text)",
        None => "",
    };
    v.note(format!("token obtained{shape} and reused: {} auth call(s) for {requests} API requests", s.auth_calls));
    if s.reauths > 0 && s.unrecovered == 0 {
        v.note(format!("recovered from {} mid-run 401(s) by re-authenticating once and retrying", s.reauths));
    }
    if s.rate_limited > 0 {
        v.note(format!("{} rate-limited answer(s) (429) met with backoff", s.rate_limited));
    }
    v.finish()
}
