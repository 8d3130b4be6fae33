//! `webhook-tls-version`: TLS 1.2 and/or 1.3 complete a handshake; SSL 3.0, TLS 1.0 and TLS 1.1
//! are refused.
//!
//! Exirom requires TLS 1.2+ (and PCI DSS forbids the older versions: RFC 8996 deprecates TLS 1.0
//! and 1.1). rustls makes one handshake pinned to each modern version; a raw `ClientHello` probes
//! each legacy version (`legacy.rs`). A server that speaks TLS 1.2 only with CBC / RSA key
//! exchange suites fails the rustls handshake; the raw probe tells that apart from "no TLS 1.2".
//!
//! See: <https://developers.exirom.com/docs/getting-started/production-guide>

use serde_json::Value;

use crate::checklist::Rule;
use crate::probe::Outcome;
use crate::probe::webhook::Probe;
use crate::probe::webhook::legacy::{self, Answer};
use crate::probe::webhook::tls::{Handshake, TlsFacts};

/// Gathers the TLS facts (shared with `webhook-certificate`) and judges the versions.
pub(super) async fn check(p: &Probe, rule: &Rule) -> Outcome {
    if !p.target.is_https() {
        return Outcome::fail(
            &rule.id,
            "the callback URL is plain http://: the endpoint offers no TLS at all, and Exirom requires TLS 1.2+",
        );
    }
    match p.tls().await {
        Ok(facts) => verdict(&rule.id, facts),
        Err(e) => Outcome::error(&rule.id, e),
    }
}

fn state(h: &Handshake) -> &'static str {
    if h.done() { "accepted" } else { "refused" }
}

fn verdict(rule: &str, f: &TlsFacts) -> Outcome {
    let mut m: Vec<(String, Value)> =
        vec![("tls1_3".into(), state(&f.tls13).into()), ("tls1_2".into(), state(&f.tls12).into())];
    for (version, answer) in &f.legacy {
        let state = match answer {
            a if a.accepts_legacy() => "accepted",
            Answer::Unreachable(_) => "unknown",
            _ => "refused",
        };
        m.push((key(*version), state.into()));
    }
    let mut suites = Vec::new();
    for (name, h) in [("tls1_3_cipher_suite", &f.tls13), ("tls1_2_cipher_suite", &f.tls12)] {
        if let Handshake::Done { suite, .. } = h {
            m.push((name.into(), suite.clone().into()));
            suites.push(suite.clone());
        }
    }
    if let Some(best) = suites.first() {
        m.push(("cipher_suite".into(), best.clone().into()));
    }

    let accepted_legacy: Vec<String> = f
        .legacy
        .iter()
        .filter(|(_, a)| a.accepts_legacy())
        .map(|(v, a)| format!("{} {}", legacy::version_name(*v), a.describe()))
        .collect();
    let unchecked: Vec<String> = f
        .legacy
        .iter()
        .filter_map(|(v, a)| match a {
            Answer::Unreachable(e) => Some(format!("{}: {e}", legacy::version_name(*v))),
            _ => None,
        })
        .collect();
    let modern: Vec<&str> =
        [("TLS 1.3", &f.tls13), ("TLS 1.2", &f.tls12)].iter().filter(|(_, h)| h.done()).map(|(n, _)| *n).collect();

    let outcome = if !accepted_legacy.is_empty() {
        Outcome::fail(
            rule,
            format!(
                "legacy TLS is accepted: {}; disable SSL 3.0, TLS 1.0 and TLS 1.1 (RFC 8996, PCI DSS) and keep TLS 1.2+",
                accepted_legacy.join("; ")
            ),
        )
    } else if modern.is_empty() {
        no_modern(rule, f)
    } else if !unchecked.is_empty() {
        Outcome::error(
            rule,
            format!(
                "{} accepted, but the legacy probes could not connect: {}",
                modern.join(" and "),
                unchecked.join("; ")
            ),
        )
    } else {
        Outcome::pass(
            rule,
            format!("{} accepted ({}); SSL 3.0, TLS 1.0 and TLS 1.1 refused", modern.join(" and "), suites.join(", ")),
        )
    };
    m.into_iter().fold(outcome, |o, (k, v)| o.measure(&k, v))
}

/// Neither modern handshake completed: say why as precisely as the probes allow.
fn no_modern(rule: &str, f: &TlsFacts) -> Outcome {
    if let Some(Answer::ServerHello { version: legacy::TLS12, suite }) = &f.tls12_raw {
        let suite = suite.map_or_else(|| "a legacy suite".to_string(), legacy::suite_name);
        return Outcome::fail(
            rule,
            format!(
                "TLS 1.2 with no modern cipher suite: the server chose {suite} (CBC or RSA key exchange), which modern clients refuse; enable ECDHE with AES-GCM or ChaCha20-Poly1305"
            ),
        );
    }
    let why = |h: &Handshake| match h {
        Handshake::Done { .. } => String::new(),
        Handshake::VersionRefused(e) | Handshake::NoCommonSuite(e) | Handshake::Failed(e) => e.clone(),
    };
    let detail = format!("TLS 1.3: {}; TLS 1.2: {}", why(&f.tls13), why(&f.tls12));
    if [&f.tls13, &f.tls12].iter().all(|h| matches!(h, Handshake::Failed(_))) {
        Outcome::error(rule, format!("no TLS handshake could be made ({detail})"))
    } else {
        Outcome::fail(
            rule,
            format!("neither TLS 1.3 nor TLS 1.2 completed a handshake ({detail}): Exirom requires TLS 1.2+"),
        )
    }
}

fn key(version: u16) -> String {
    match version {
        legacy::SSL3 => "ssl3_0".into(),
        legacy::TLS10 => "tls1_0".into(),
        legacy::TLS11 => "tls1_1".into(),
        other => format!("0x{other:04x}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::Status;

    fn done(suite: &str) -> Handshake {
        Handshake::Done { suite: suite.into(), cert: None }
    }

    fn refused_legacy() -> Vec<(u16, Answer)> {
        vec![
            (legacy::SSL3, Answer::Alert { level: 2, description: 40 }),
            (legacy::TLS10, Answer::Alert { level: 2, description: 70 }),
            (legacy::TLS11, Answer::Closed),
        ]
    }

    #[test]
    fn modern_only_passes() {
        let f = TlsFacts {
            tls13: done("TLS13_AES_256_GCM_SHA384"),
            tls12: Handshake::VersionRefused("alert protocol_version".into()),
            legacy: refused_legacy(),
            tls12_raw: None,
        };
        let o = verdict("webhook-tls-version", &f);
        assert_eq!(o.status, Status::Pass, "{}", o.message);
        assert_eq!(o.measurements["tls1_3"], "accepted");
        assert_eq!(o.measurements["tls1_2"], "refused");
        assert_eq!(o.measurements["tls1_0"], "refused");
        assert_eq!(o.measurements["cipher_suite"], "TLS13_AES_256_GCM_SHA384");
    }

    #[test]
    fn tls10_accepted_fails() {
        let mut legacy = refused_legacy();
        legacy[1].1 = Answer::ServerHello { version: legacy::TLS10, suite: Some(0xc014) };
        let f = TlsFacts {
            tls13: done("TLS13_AES_128_GCM_SHA256"),
            tls12: done("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
            legacy,
            tls12_raw: None,
        };
        let o = verdict("webhook-tls-version", &f);
        assert_eq!(o.status, Status::Fail);
        assert!(o.message.contains("TLS 1.0 accepted"), "{}", o.message);
        assert_eq!(o.measurements["tls1_0"], "accepted");
    }

    #[test]
    fn tls12_with_only_legacy_suites_is_named() {
        let f = TlsFacts {
            tls13: Handshake::VersionRefused("alert protocol_version".into()),
            tls12: Handshake::NoCommonSuite("alert handshake_failure".into()),
            legacy: refused_legacy(),
            tls12_raw: Some(Answer::ServerHello { version: legacy::TLS12, suite: Some(0x0035) }),
        };
        let o = verdict("webhook-tls-version", &f);
        assert_eq!(o.status, Status::Fail);
        assert!(o.message.starts_with("TLS 1.2 with no modern cipher suite"), "{}", o.message);
    }

    #[test]
    fn nothing_reachable_is_an_error() {
        let f = TlsFacts {
            tls13: Handshake::Failed("cannot connect".into()),
            tls12: Handshake::Failed("cannot connect".into()),
            legacy: vec![(legacy::TLS10, Answer::Unreachable("refused".into()))],
            tls12_raw: None,
        };
        assert_eq!(verdict("webhook-tls-version", &f).status, Status::Error);
    }
}
