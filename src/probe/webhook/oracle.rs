//! The side-effect oracle (`[webhook.oracle]`): how golive sees whether a callback *did* something.
//!
//! Exirom advises answering 200 at once and verifying afterwards, so a status code cannot show
//! whether a forged callback was acted on. The merchant exposes a test URL (a template with
//! `{transactionId}` / `{requestId}`); golive GETs it and reads one JSON value (a pointer). The
//! value equal to `fulfilled` means the order was fulfilled. A 404 or a missing value means not.

use std::time::Duration;

use super::client::Client;
use super::payload::Spec;
use crate::config;

/// How long golive waits for a handler that processes after answering.
const SETTLE: Duration = Duration::from_millis(1_500);
/// The same for golive's own receiver, which fulfils right after answering.
const SETTLE_EMBEDDED: Duration = Duration::from_millis(300);
/// Time between two looks.
const POLL: Duration = Duration::from_millis(150);

/// A configured oracle.
#[derive(Debug, Clone)]
pub struct Oracle {
    settle: Duration,
    url: String,
    pointer: String,
    fulfilled: serde_json::Value,
}

/// What the oracle showed.
#[derive(Debug, Clone, PartialEq)]
pub enum Seen {
    /// The value at the pointer equals `fulfilled`.
    Fulfilled,
    /// It does not (or the order is unknown); the value seen, if any.
    NotFulfilled(Option<serde_json::Value>),
}

impl Oracle {
    /// From `[webhook.oracle]`.
    pub fn new(cfg: &config::Oracle) -> Self {
        Self { settle: SETTLE, url: cfg.url.clone(), pointer: cfg.pointer.clone(), fulfilled: cfg.fulfilled.clone() }
    }

    /// The oracle of golive's embedded receiver, which fulfils at once: a shorter settle time.
    pub fn embedded(cfg: &config::Oracle) -> Self {
        Self { settle: SETTLE_EMBEDDED, ..Self::new(cfg) }
    }

    /// The oracle URL for one callback's transaction.
    pub fn url_for(&self, spec: &Spec) -> String {
        self.url.replace("{transactionId}", &spec.transaction_id).replace("{requestId}", &spec.request_id)
    }

    /// One look.
    ///
    /// # Errors
    /// The oracle is unreachable or answered something other than JSON or 404.
    pub async fn look(&self, client: &Client, spec: &Spec) -> Result<Seen, String> {
        let url = self.url_for(spec);
        let doc = client
            .get_json(&url)
            .await
            .map_err(|e| format!("the oracle {} failed: {e}", crate::engine::redact_url(&url)))?;
        Ok(judge(doc.as_ref(), &self.pointer, &self.fulfilled))
    }

    /// Looks until the order shows fulfilled, for at most the settle time.
    ///
    /// # Errors
    /// As [`Oracle::look`].
    pub async fn wait_fulfilled(&self, client: &Client, spec: &Spec) -> Result<Seen, String> {
        let deadline = tokio::time::Instant::now() + self.settle;
        loop {
            let seen = self.look(client, spec).await?;
            if seen == Seen::Fulfilled || tokio::time::Instant::now() >= deadline {
                return Ok(seen);
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Looks for the settle time and reports the first look that shows something else than
    /// `expected`, or `expected` when every look agreed.
    ///
    /// # Errors
    /// As [`Oracle::look`].
    pub async fn stays(&self, client: &Client, spec: &Spec, expected: &Seen) -> Result<Seen, String> {
        let deadline = tokio::time::Instant::now() + self.settle;
        loop {
            let seen = self.look(client, spec).await?;
            let same = matches!(
                (expected, &seen),
                (Seen::Fulfilled, Seen::Fulfilled) | (Seen::NotFulfilled(_), Seen::NotFulfilled(_))
            );
            if !same || tokio::time::Instant::now() >= deadline {
                return Ok(seen);
            }
            tokio::time::sleep(POLL).await;
        }
    }
}

/// Reads the pointer in the oracle's document (`None` = 404).
pub fn judge(doc: Option<&serde_json::Value>, pointer: &str, fulfilled: &serde_json::Value) -> Seen {
    match doc.and_then(|d| d.pointer(pointer)) {
        Some(v) if v == fulfilled => Seen::Fulfilled,
        other => Seen::NotFulfilled(other.cloned()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn reads_the_pointer() {
        let doc = json!({"order": {"fulfilled": true, "count": 2}});
        assert_eq!(judge(Some(&doc), "/order/fulfilled", &json!(true)), Seen::Fulfilled);
        assert_eq!(judge(Some(&doc), "/order/count", &json!(1)), Seen::NotFulfilled(Some(json!(2))));
        assert_eq!(judge(Some(&doc), "/missing", &json!(true)), Seen::NotFulfilled(None));
        assert_eq!(judge(None, "/order/fulfilled", &json!(true)), Seen::NotFulfilled(None));
    }

    #[test]
    fn fills_the_template() {
        let o = Oracle::new(&config::Oracle {
            url: "https://shop.example/orders/{transactionId}?r={requestId}".into(),
            pointer: "/fulfilled".into(),
            fulfilled: json!(true),
        });
        let spec = Spec::card(
            &super::super::payload::Ids { mid: "m".into(), account_id: "a".into() },
            "SUCCEED",
            super::super::checksum::Choice::Auto,
            "u",
        );
        let url = o.url_for(&spec);
        assert!(url.contains(&spec.transaction_id) && url.ends_with(&spec.request_id), "{url}");
    }
}
