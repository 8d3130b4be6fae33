//! `webhook-certificate`: the certificate chain validates to a trusted root, names the host, is
//! not expired, and uses neither SHA-1 nor an RSA key under 2048 bits; warns when it expires soon.
//!
//! The verdict on chain, name and dates is rustls' (`WebPkiServerVerifier`, recorded during the
//! handshake `webhook-tls-version` also uses); x509-parser supplies the facts for the report. A
//! server that sends only its leaf fails here even though browsers that cache intermediates may
//! not notice: Exirom's HTTP client does not fetch missing intermediates.
//!
//! See: <https://developers.exirom.com/docs/getting-started/production-guide>

use rustls::CertificateError as E;

use crate::checklist::Rule;
use crate::probe::Outcome;
use crate::probe::webhook::Probe;
use crate::probe::webhook::tls::{self, CertFacts, Handshake, Recorded};

/// Default: warn when the certificate expires within this many days (rule option `warn_days`).
const WARN_DAYS: u64 = 30;
/// Default: the smallest RSA key accepted (rule option `min_rsa_bits`; CA/Browser Forum BR §6.1.5).
const MIN_RSA_BITS: u64 = 2048;

/// Judges the chain recorded by the first modern handshake that completed.
pub(super) async fn check(p: &Probe, rule: &Rule) -> Outcome {
    if !p.target.is_https() {
        return Outcome::fail(&rule.id, "the callback URL is plain http://: there is no certificate to check");
    }
    let facts = match p.tls().await {
        Ok(f) => f,
        Err(e) => return Outcome::error(&rule.id, e),
    };
    let recorded = [&facts.tls13, &facts.tls12].into_iter().find_map(|h| match h {
        Handshake::Done { cert: Some(rec), .. } => Some(rec),
        _ => None,
    });
    let Some(rec) = recorded else {
        let why = |h: &Handshake| match h {
            Handshake::Done { .. } => "no certificate recorded".to_string(),
            Handshake::VersionRefused(e) | Handshake::NoCommonSuite(e) | Handshake::Failed(e) => e.clone(),
        };
        return Outcome::error(
            &rule.id,
            format!(
                "no TLS 1.2/1.3 handshake completed, so the certificate could not be read (TLS 1.3: {}; TLS 1.2: {})",
                why(&facts.tls13),
                why(&facts.tls12)
            ),
        );
    };
    let limits = Limits {
        warn_days: rule.opt_u64("warn_days").unwrap_or(WARN_DAYS),
        min_rsa_bits: rule.opt_u64("min_rsa_bits").unwrap_or(MIN_RSA_BITS),
    };
    verdict(&rule.id, &p.target.host, rec, limits)
}

#[derive(Debug, Clone, Copy)]
struct Limits {
    warn_days: u64,
    min_rsa_bits: u64,
}

fn verdict(rule: &str, host: &str, rec: &Recorded, limits: Limits) -> Outcome {
    let chain: Vec<CertFacts> = match rec.chain.iter().map(|c| tls::cert_facts(c)).collect() {
        Ok(c) => c,
        Err(e) => return Outcome::fail(rule, format!("the server sent a certificate golive cannot parse: {e}")),
    };
    let Some(leaf) = chain.first() else {
        return Outcome::fail(rule, "the server sent no certificate");
    };
    let mut problems = Vec::new();
    if let Err(e) = &rec.verdict {
        problems.push(chain_problem(e, host, leaf, chain.len()));
    }
    // Self-issued certificates (roots) are trusted by identity, so their own signature does not matter.
    for (i, c) in chain.iter().enumerate() {
        let which = if i == 0 { "the certificate".to_string() } else { format!("intermediate {i} ({})", c.subject) };
        if c.weak_signature && !(i > 0 && c.self_issued) {
            problems.push(format!(
                "{which} is signed with {}: SHA-1/MD5 signatures are broken; reissue it with SHA-256",
                c.signature_algorithm
            ));
        }
        if let Some(bits) = c.rsa_bits
            && (bits as u64) < limits.min_rsa_bits
        {
            problems.push(format!("{which} has a {bits}-bit RSA key: use at least {} bits", limits.min_rsa_bits));
        }
    }
    if problems.is_empty()
        && let Some(e) = &rec.signature_error
    {
        problems.push(format!("the server's handshake signature was rejected ({e})"));
    }

    let outcome = if !problems.is_empty() {
        Outcome::fail(rule, problems.join("; "))
    } else if leaf.days_left < i64::try_from(limits.warn_days).unwrap_or(i64::MAX) {
        Outcome::warn(
            rule,
            format!(
                "the certificate expires in {} days ({}): renew it before Exirom's callbacks start failing",
                leaf.days_left, leaf.not_after
            ),
        )
    } else {
        Outcome::pass(
            rule,
            format!(
                "valid for {host}, issued by {}, expires {} ({} days)",
                leaf.issuer, leaf.not_after, leaf.days_left
            ),
        )
    };
    outcome
        .measure("subject", leaf.subject.as_str())
        .measure("issuer", leaf.issuer.as_str())
        .measure("sans", leaf.sans.clone())
        .measure("not_after", leaf.not_after.as_str())
        .measure("days_left", leaf.days_left)
        .measure("signature_algorithm", leaf.signature_algorithm.as_str())
        .measure("key", leaf.key.as_str())
        .measure("chain_length", chain.len())
}

/// A sentence for rustls' verdict on the chain.
fn chain_problem(e: &rustls::Error, host: &str, leaf: &CertFacts, chain_len: usize) -> String {
    let rustls::Error::InvalidCertificate(cert_error) = e else {
        return format!("the certificate was rejected: {e}");
    };
    match cert_error {
        E::NotValidForName | E::NotValidForNameContext { .. } => format!(
            "the certificate is not valid for {host}: it names {}",
            if leaf.sans.is_empty() { leaf.subject.clone() } else { leaf.sans.join(", ") }
        ),
        E::Expired | E::ExpiredContext { .. } => format!("the certificate expired on {}", leaf.not_after),
        E::NotValidYet | E::NotValidYetContext { .. } => "the certificate is not valid yet".into(),
        E::Revoked => "the certificate is revoked".into(),
        // webpki reports an untrusted self-signed leaf as UnknownIssuer or as a signature
        // mismatch with some root of the same name; either way the fix is the same.
        _ if leaf.self_issued => {
            "the certificate is self-signed: Exirom trusts only certificates from a public CA".into()
        }
        E::UnknownIssuer if chain_len == 1 => format!(
            "the chain is incomplete: the server sends only its own certificate (issued by {}); configure the full chain with the intermediate certificate",
            leaf.issuer
        ),
        E::UnknownIssuer => format!(
            "the chain does not lead to a trusted root (issuer {}): send the full chain from a public CA (or pass --ca-cert for an internal CA in tests)",
            leaf.issuer
        ),
        other => format!("the certificate was rejected: {other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject as _;
    use time::{Duration, OffsetDateTime};

    use super::*;
    use crate::probe::Status;

    const LIMITS: Limits = Limits { warn_days: WARN_DAYS, min_rsa_bits: MIN_RSA_BITS };

    fn leaf(days: i64, self_signed: bool) -> CertificateDer<'static> {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(vec!["shop.example".into()]).unwrap();
        params.not_after = OffsetDateTime::now_utc() + Duration::days(days);
        if self_signed {
            return params.self_signed(&key).unwrap().der().clone();
        }
        let ca_key = KeyPair::generate().unwrap();
        let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name.push(rcgen::DnType::CommonName, "Test Intermediate");
        params.signed_by(&key, &Issuer::new(ca, ca_key)).unwrap().der().clone()
    }

    fn rec(chain: Vec<CertificateDer<'static>>, verdict: Result<(), rustls::Error>) -> Recorded {
        Recorded { verdict, chain, signature_error: None }
    }

    #[test]
    fn a_valid_chain_passes_and_reports_its_facts() {
        let o = verdict("webhook-certificate", "shop.example", &rec(vec![leaf(200, false)], Ok(())), LIMITS);
        assert_eq!(o.status, Status::Pass, "{}", o.message);
        assert_eq!(o.measurements["sans"], serde_json::json!(["shop.example"]));
        assert!(o.measurements["issuer"].as_str().unwrap().contains("Test Intermediate"));
    }

    #[test]
    fn expiring_soon_warns() {
        let o = verdict("webhook-certificate", "shop.example", &rec(vec![leaf(10, false)], Ok(())), LIMITS);
        assert_eq!(o.status, Status::Warn, "{}", o.message);
    }

    #[test]
    fn chain_verdicts_fail_with_the_reason() {
        let unknown = Err(rustls::Error::InvalidCertificate(E::UnknownIssuer));
        let o = verdict("webhook-certificate", "shop.example", &rec(vec![leaf(200, false)], unknown.clone()), LIMITS);
        assert_eq!(o.status, Status::Fail);
        assert!(o.message.contains("chain is incomplete"), "{}", o.message);
        let o = verdict("webhook-certificate", "shop.example", &rec(vec![leaf(200, true)], unknown), LIMITS);
        assert!(o.message.contains("self-signed"), "{}", o.message);
        let name = Err(rustls::Error::InvalidCertificate(E::NotValidForName));
        let o = verdict("webhook-certificate", "other.example", &rec(vec![leaf(200, false)], name), LIMITS);
        assert!(o.message.contains("not valid for other.example: it names shop.example"), "{}", o.message);
        let expired = Err(rustls::Error::InvalidCertificate(E::Expired));
        let o = verdict("webhook-certificate", "shop.example", &rec(vec![leaf(-3, false)], expired), LIMITS);
        assert_eq!(o.status, Status::Fail);
        assert!(o.message.contains("expired on"), "{}", o.message);
    }

    #[test]
    fn sha1_and_small_rsa_fail() {
        let pem = include_str!("../../../../fixtures/certs/sha1-rsa1024.pem");
        let der = CertificateDer::from_pem_slice(pem.as_bytes()).unwrap();
        let o = verdict("webhook-certificate", "weak.example", &rec(vec![der], Ok(())), LIMITS);
        assert_eq!(o.status, Status::Fail);
        assert!(o.message.contains("sha1WithRSAEncryption") && o.message.contains("1024-bit RSA"), "{}", o.message);
    }
}
