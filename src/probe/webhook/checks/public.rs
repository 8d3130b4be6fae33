//! `webhook-public`: every address the host resolves to is public, and the host is not `localhost`.
//!
//! Exirom calls the endpoint from the internet: "publicly accessible (no localhost, no VPN-only)".
//! A URL that resolves to a loopback, RFC 1918, link-local, CGNAT, ULA or documentation address
//! works in a test setup and silently loses every production callback. All addresses count: with
//! one private A record among public ones, some callbacks go nowhere.
//!
//! See: <https://developers.exirom.com/docs/getting-started/production-guide>

use crate::checklist::Rule;
use crate::probe::Outcome;
use crate::probe::webhook::{Probe, address};

/// Judges the addresses `run` resolved.
pub(super) fn check(p: &Probe, rule: &Rule) -> Outcome {
    if p.embedded {
        return Outcome::skip(
            &rule.id,
            "embedded reference receiver on loopback: public reachability is checked against your real URL",
        );
    }
    match &p.target.resolved {
        Ok(ips) => verdict(&rule.id, &p.target.host, ips),
        Err(e) => Outcome::error(&rule.id, e.clone()),
    }
}

fn verdict(rule: &str, host: &str, ips: &[std::net::IpAddr]) -> Outcome {
    let listed: Vec<String> = ips.iter().map(ToString::to_string).collect();
    let private: Vec<String> =
        ips.iter().filter_map(|ip| address::non_public_range(*ip).map(|range| format!("{ip} is {range}"))).collect();
    let outcome = if address::is_localhost_name(host) {
        Outcome::fail(
            rule,
            format!("`{host}` is a loopback name: Exirom cannot reach it; use the endpoint's public host name"),
        )
    } else if !private.is_empty() && host.parse::<std::net::IpAddr>().is_ok() {
        Outcome::fail(rule, format!("{}: Exirom calls from the internet and cannot reach it", private.join("; ")))
    } else if !private.is_empty() {
        Outcome::fail(
            rule,
            format!(
                "{host} resolves to a non-public address ({}): Exirom calls from the internet and cannot reach it",
                private.join("; ")
            ),
        )
    } else {
        Outcome::pass(rule, format!("{host} resolves only to public addresses ({})", listed.join(", ")))
    };
    outcome.measure("addresses", listed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::Status;

    fn ips(list: &[&str]) -> Vec<std::net::IpAddr> {
        list.iter().map(|s| s.parse().unwrap()).collect()
    }

    #[test]
    fn public_addresses_pass() {
        let o = verdict("webhook-public", "shop.example", &ips(&["93.184.215.14", "2606:2800:21f:cb07::1"]));
        assert_eq!(o.status, Status::Pass, "{}", o.message);
    }

    #[test]
    fn one_private_address_among_public_ones_fails() {
        let o = verdict("webhook-public", "shop.example", &ips(&["93.184.215.14", "10.0.0.7"]));
        assert_eq!(o.status, Status::Fail);
        assert!(o.message.contains("10.0.0.7 is private (RFC 1918"), "{}", o.message);
    }

    #[test]
    fn loopback_and_localhost_fail() {
        assert_eq!(verdict("webhook-public", "127.0.0.1", &ips(&["127.0.0.1"])).status, Status::Fail);
        let o = verdict("webhook-public", "localhost", &ips(&["93.184.215.14"]));
        assert_eq!(o.status, Status::Fail, "a localhost name fails whatever it resolves to");
    }
}
