//! `webhook-https`: the callback URL is `https://`.
//!
//! Exirom's Going to Production guide requires the endpoint to "support HTTPS (TLS 1.2+)".
//! A callback carries a payment's outcome, and its `X-Checksum` proves who sent it but hides
//! nothing: over plain HTTP anyone on the path reads every payment result and can hold back or
//! delay callbacks. This check reads only the URL. Whether the TLS behind it is any good is for
//! `webhook-tls-version` and `webhook-certificate`.
//!
//! See: <https://developers.exirom.com/docs/getting-started/production-guide>

use reqwest::Url;

use crate::checklist::Rule;
use crate::probe::Outcome;
use crate::probe::webhook::Probe;

/// Passes when the callback URL's scheme is `https`.
pub(super) fn check(p: &Probe, rule: &Rule) -> Outcome {
    verdict(&rule.id, &p.target.url)
}

/// The verdict on a URL. The message never repeats the URL: its query string may hold a token,
/// and the report's context already shows it redacted.
fn verdict(rule: &str, url: &Url) -> Outcome {
    let outcome = match url.scheme() {
        "https" => Outcome::pass(rule, "the callback URL uses https://"),
        "http" => Outcome::fail(
            rule,
            "the callback URL is plain http://: Exirom requires HTTPS with TLS 1.2+; serve the endpoint over TLS and register the https:// URL",
        ),
        other => {
            Outcome::fail(rule, format!("the callback URL's scheme is `{other}`: Exirom calls https:// URLs only"))
        }
    };
    outcome.measure("scheme", url.scheme())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::Status;

    fn status(url: &str) -> Status {
        verdict("webhook-https", &Url::parse(url).unwrap()).status
    }

    #[test]
    fn https_passes() {
        assert_eq!(status("https://shop.example/exirom/callback"), Status::Pass);
        assert_eq!(status("HTTPS://shop.example:8443/cb?token=1"), Status::Pass);
    }

    #[test]
    fn plain_http_fails() {
        let o = verdict("webhook-https", &Url::parse("http://shop.example/cb?token=secret").unwrap());
        assert_eq!(o.status, Status::Fail);
        assert!(o.message.contains("http://") && !o.message.contains("secret"), "{}", o.message);
        assert_eq!(o.measurements["scheme"], "http");
    }

    #[test]
    fn other_schemes_fail() {
        assert_eq!(status("ftp://shop.example/cb"), Status::Fail);
    }
}
