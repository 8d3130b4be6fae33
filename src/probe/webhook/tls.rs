//! What the endpoint's TLS looks like: one rustls handshake pinned to TLS 1.3 and one pinned to
//! TLS 1.2, raw legacy probes for SSL 3.0 / TLS 1.0 / TLS 1.1 (see `legacy.rs`), and the
//! certificate facts (x509-parser) for `webhook-tls-version` and `webhook-certificate`.
//!
//! Handshakes use a [`RecordingVerifier`]: it asks rustls' `WebPkiServerVerifier` for its verdict
//! (chain to a trusted root, name, expiry), stores it with the chain, and lets the handshake go on.
//! One handshake thus reports the version, the cipher suite *and* the certificate verdict, and a
//! bad certificate is reported by `webhook-certificate` instead of hiding every other result.
//! Trusted roots: Mozilla's (webpki-roots), the system's, `--ca-cert`, and the embedded receiver's CA.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme, SupportedProtocolVersion};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use x509_parser::prelude::{FromDer as _, GeneralName, X509Certificate};

use super::legacy::{self, Answer};

/// The crypto provider every golive TLS connection uses (ring; see DEPENDENCIES.md).
pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The roots golive trusts, loaded once per probe.
#[derive(Debug, Clone)]
pub struct Trust {
    roots: Arc<RootCertStore>,
}

/// Why the trusted roots could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    /// `--ca-cert` / `[webhook] ca_cert` is unreadable or holds no certificate.
    #[error("cannot use CA certificate {path}: {reason}")]
    CaCert {
        /// The file.
        path: String,
        /// What went wrong.
        reason: String,
    },
}

impl Trust {
    /// Mozilla's roots, the system's, plus `ca_cert` (a PEM file) and `extra_pem` (PEM text).
    ///
    /// # Errors
    /// `ca_cert` cannot be read or holds no usable certificate.
    pub fn load(ca_cert: Option<&Path>, extra_pem: Option<&str>) -> Result<Self, TrustError> {
        let mut roots = RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        // Errors here only mean some system certificates are unusable; Mozilla's roots remain.
        let native = rustls_native_certs::load_native_certs();
        roots.add_parsable_certificates(native.certs);
        if let Some(path) = ca_cert {
            let err = |reason: String| TrustError::CaCert { path: path.display().to_string(), reason };
            let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
                .map_err(|e| err(e.to_string()))?
                .collect::<Result<_, _>>()
                .map_err(|e| err(e.to_string()))?;
            let (added, _) = roots.add_parsable_certificates(certs);
            if added == 0 {
                return Err(err("no PEM certificate in the file".into()));
            }
        }
        if let Some(pem) = extra_pem {
            let certs = CertificateDer::pem_slice_iter(pem.as_bytes()).filter_map(Result::ok);
            roots.add_parsable_certificates(certs);
        }
        Ok(Self { roots: Arc::new(roots) })
    }

    /// A client config for `versions` whose verifier records instead of refusing.
    pub fn client_config(
        &self,
        versions: &[&'static SupportedProtocolVersion],
        verifier: Arc<RecordingVerifier>,
    ) -> Option<ClientConfig> {
        let mut cfg = ClientConfig::builder_with_provider(provider())
            .with_protocol_versions(versions)
            .ok()?
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_no_client_auth();
        cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
        Some(cfg)
    }

    /// A verifier over these roots.
    pub fn verifier(&self) -> Option<Arc<RecordingVerifier>> {
        let inner = WebPkiServerVerifier::builder_with_provider(Arc::clone(&self.roots), provider()).build().ok()?;
        Some(Arc::new(RecordingVerifier { inner, record: Mutex::new(None) }))
    }
}

/// What the verifier saw during one handshake.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// rustls' verdict on the chain, name and validity period.
    pub verdict: Result<(), rustls::Error>,
    /// The chain the server sent, leaf first.
    pub chain: Vec<CertificateDer<'static>>,
    /// The handshake signature check failed (e.g. an RSA key rustls refuses).
    pub signature_error: Option<rustls::Error>,
}

/// A server certificate verifier that records the real verdict and lets the handshake continue.
#[derive(Debug)]
pub struct RecordingVerifier {
    inner: Arc<WebPkiServerVerifier>,
    record: Mutex<Option<Recorded>>,
}

impl RecordingVerifier {
    /// What was recorded by the last handshake, if it got that far.
    pub fn recorded(&self) -> Option<Recorded> {
        self.record.lock().ok().and_then(|r| r.clone())
    }

    fn note_signature(&self, res: Result<HandshakeSignatureValid, rustls::Error>) -> HandshakeSignatureValid {
        if let (Err(e), Ok(mut rec)) = (res, self.record.lock())
            && let Some(r) = rec.as_mut()
        {
            r.signature_error = Some(e);
        }
        HandshakeSignatureValid::assertion()
    }
}

impl ServerCertVerifier for RecordingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let verdict =
            self.inner.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now).map(|_| ());
        let chain =
            std::iter::once(end_entity).chain(intermediates).map(|c| c.clone().into_owned()).collect::<Vec<_>>();
        if let Ok(mut rec) = self.record.lock() {
            *rec = Some(Recorded { verdict, chain, signature_error: None });
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(self.note_signature(self.inner.verify_tls12_signature(message, cert, dss)))
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(self.note_signature(self.inner.verify_tls13_signature(message, cert, dss)))
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// How one pinned-version rustls handshake went.
#[derive(Debug, Clone)]
pub enum Handshake {
    /// Completed.
    Done {
        /// The cipher suite negotiated (`TLS13_AES_256_GCM_SHA384`).
        suite: String,
        /// What the verifier recorded.
        cert: Option<Recorded>,
    },
    /// The server refused this version (a `protocol_version` alert or a close).
    VersionRefused(String),
    /// The server speaks the version but shares no cipher suite with rustls.
    NoCommonSuite(String),
    /// The handshake could not be tried or broke for another reason.
    Failed(String),
}

impl Handshake {
    /// Whether the handshake completed.
    pub fn done(&self) -> bool {
        matches!(self, Self::Done { .. })
    }
}

/// Everything known about the endpoint's TLS.
#[derive(Debug, Clone)]
pub struct TlsFacts {
    /// rustls pinned to TLS 1.3.
    pub tls13: Handshake,
    /// rustls pinned to TLS 1.2.
    pub tls12: Handshake,
    /// Raw probes: (wire version, answer) for SSL 3.0, TLS 1.0, TLS 1.1.
    pub legacy: Vec<(u16, Answer)>,
    /// Raw TLS 1.2 probe, sent only when rustls found no common TLS 1.2 suite.
    pub tls12_raw: Option<Answer>,
}

/// Runs the five handshakes concurrently against `addr`, naming the server `host`.
pub async fn inspect(addr: SocketAddr, host: &str, trust: &Trust, timeout: Duration) -> TlsFacts {
    let sni = host.parse::<std::net::IpAddr>().is_err().then_some(host);
    let (tls13, tls12, ssl3, tls10, tls11) = tokio::join!(
        handshake(addr, host, &rustls::version::TLS13, trust, timeout),
        handshake(addr, host, &rustls::version::TLS12, trust, timeout),
        legacy::probe(addr, sni, legacy::SSL3, timeout),
        legacy::probe(addr, sni, legacy::TLS10, timeout),
        legacy::probe(addr, sni, legacy::TLS11, timeout),
    );
    // See: DEPENDENCIES.md pitfall 3. rustls refuses CBC / RSA key exchange suites, so a failed
    // TLS 1.2 handshake is checked with a raw hello before calling TLS 1.2 unsupported.
    let tls12_raw = if matches!(tls12, Handshake::NoCommonSuite(_)) {
        Some(legacy::probe(addr, sni, legacy::TLS12, timeout).await)
    } else {
        None
    };
    TlsFacts {
        tls13,
        tls12,
        legacy: vec![(legacy::SSL3, ssl3), (legacy::TLS10, tls10), (legacy::TLS11, tls11)],
        tls12_raw,
    }
}

/// One rustls handshake offering only `version`.
pub async fn handshake(
    addr: SocketAddr,
    host: &str,
    version: &'static SupportedProtocolVersion,
    trust: &Trust,
    timeout: Duration,
) -> Handshake {
    let (Some(verifier), Ok(name)) = (trust.verifier(), ServerName::try_from(host.to_string())) else {
        return Handshake::Failed(format!("`{host}` is not a valid TLS server name"));
    };
    let Some(cfg) = trust.client_config(&[version], Arc::clone(&verifier)) else {
        return Handshake::Failed("rustls has no configuration for this version".into());
    };
    let connector = TlsConnector::from(Arc::new(cfg));
    let attempt = async {
        let tcp =
            TcpStream::connect(addr).await.map_err(|e| Handshake::Failed(format!("cannot connect to {addr}: {e}")))?;
        let stream = connector.connect(name, tcp).await.map_err(|e| classify(&e))?;
        let suite =
            stream.get_ref().1.negotiated_cipher_suite().map(|s| format!("{:?}", s.suite())).unwrap_or_default();
        Ok::<_, Handshake>(Handshake::Done { suite, cert: verifier.recorded() })
    };
    match tokio::time::timeout(timeout, attempt).await {
        Ok(Ok(h) | Err(h)) => h,
        Err(_) => Handshake::Failed(format!("no TLS handshake within {} ms", timeout.as_millis())),
    }
}

fn classify(e: &std::io::Error) -> Handshake {
    use rustls::{AlertDescription as A, PeerIncompatible};
    match e.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>()) {
        Some(rustls::Error::AlertReceived(A::ProtocolVersion)) => {
            Handshake::VersionRefused("alert protocol_version".into())
        }
        Some(rustls::Error::AlertReceived(A::HandshakeFailure | A::InsufficientSecurity)) => {
            Handshake::NoCommonSuite("alert handshake_failure".into())
        }
        Some(rustls::Error::PeerIncompatible(
            PeerIncompatible::Tls12NotOffered
            | PeerIncompatible::Tls13RequiredForQuic
            | PeerIncompatible::ServerDoesNotSupportTls12Or13,
        )) => Handshake::VersionRefused("the server chose another version".into()),
        Some(rustls::Error::PeerIncompatible(PeerIncompatible::NoCipherSuitesInCommon)) => {
            Handshake::NoCommonSuite("no cipher suite in common".into())
        }
        Some(other) => Handshake::Failed(other.to_string()),
        None => match e.kind() {
            std::io::ErrorKind::UnexpectedEof | std::io::ErrorKind::ConnectionReset => {
                Handshake::VersionRefused("the server closed the connection".into())
            }
            _ => Handshake::Failed(e.to_string()),
        },
    }
}

/// Facts about one certificate, for reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertFacts {
    /// Subject DN.
    pub subject: String,
    /// Issuer DN.
    pub issuer: String,
    /// DNS and IP subject alternative names.
    pub sans: Vec<String>,
    /// `notAfter`, RFC 3339.
    pub not_after: String,
    /// Whole days until `notAfter` (negative once expired).
    pub days_left: i64,
    /// The signature algorithm's name (`sha256WithRSAEncryption`).
    pub signature_algorithm: String,
    /// Signed with SHA-1 or MD5.
    pub weak_signature: bool,
    /// The public key (`RSA 2048`, `EC`, `Ed25519`).
    pub key: String,
    /// RSA modulus bits, for RSA keys.
    pub rsa_bits: Option<usize>,
    /// Subject and issuer are the same name.
    pub self_issued: bool,
}

/// Parses a DER certificate.
///
/// # Errors
/// The bytes are not an X.509 certificate.
pub fn cert_facts(der: &[u8]) -> Result<CertFacts, String> {
    let (_, cert) = X509Certificate::from_der(der).map_err(|e| format!("unparsable certificate: {e}"))?;
    let sans = match cert.subject_alternative_name() {
        Ok(Some(ext)) => ext
            .value
            .general_names
            .iter()
            .filter_map(|n| match n {
                GeneralName::DNSName(d) => Some((*d).to_string()),
                GeneralName::IPAddress(ip) => ip_text(ip),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    let not_after = cert.validity().not_after.to_datetime();
    let days_left = (not_after - time::OffsetDateTime::now_utc()).whole_days();
    let oid = cert.signature_algorithm.algorithm.to_id_string();
    let (signature_algorithm, weak_signature) = signature_name(&oid);
    let (key, rsa_bits) = match cert.public_key().parsed() {
        Ok(x509_parser::public_key::PublicKey::RSA(rsa)) => (format!("RSA {}", rsa.key_size()), Some(rsa.key_size())),
        Ok(x509_parser::public_key::PublicKey::EC(ec)) => (format!("EC {}", ec.key_size()), None),
        Ok(_) | Err(_) => (cert.public_key().algorithm.algorithm.to_id_string(), None),
    };
    Ok(CertFacts {
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        sans,
        not_after: not_after.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
        days_left,
        signature_algorithm,
        weak_signature,
        key,
        rsa_bits,
        self_issued: cert.subject().as_raw() == cert.issuer().as_raw(),
    })
}

fn ip_text(b: &[u8]) -> Option<String> {
    match b.len() {
        4 => <[u8; 4]>::try_from(b).ok().map(|a| std::net::Ipv4Addr::from(a).to_string()),
        16 => <[u8; 16]>::try_from(b).ok().map(|a| std::net::Ipv6Addr::from(a).to_string()),
        _ => None,
    }
}

/// (name, weak) for a signature algorithm OID. Weak = SHA-1 or MD5 (CA/Browser Forum BR §7.1.3.2).
fn signature_name(oid: &str) -> (String, bool) {
    let (name, weak) = match oid {
        "1.2.840.113549.1.1.4" => ("md5WithRSAEncryption", true),
        "1.2.840.113549.1.1.5" | "1.3.14.3.2.29" => ("sha1WithRSAEncryption", true),
        "1.2.840.10045.4.1" => ("ecdsa-with-SHA1", true),
        "1.2.840.10040.4.3" => ("dsa-with-SHA1", true),
        "1.2.840.113549.1.1.11" => ("sha256WithRSAEncryption", false),
        "1.2.840.113549.1.1.12" => ("sha384WithRSAEncryption", false),
        "1.2.840.113549.1.1.13" => ("sha512WithRSAEncryption", false),
        "1.2.840.113549.1.1.10" => ("RSASSA-PSS", false),
        "1.2.840.10045.4.3.2" => ("ecdsa-with-SHA256", false),
        "1.2.840.10045.4.3.3" => ("ecdsa-with-SHA384", false),
        "1.2.840.10045.4.3.4" => ("ecdsa-with-SHA512", false),
        "1.3.101.112" => ("Ed25519", false),
        other => return (other.to_string(), false),
    };
    (name.to_string(), weak)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facts_of_a_generated_certificate() {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(vec!["shop.example".into(), "127.0.0.1".into()]).unwrap();
        params.distinguished_name.push(rcgen::DnType::CommonName, "shop.example");
        params.not_after = time::OffsetDateTime::now_utc() + time::Duration::days(20);
        let cert = params.self_signed(&key).unwrap();
        let f = cert_facts(cert.der()).unwrap();
        assert_eq!(f.subject, "CN=shop.example");
        assert_eq!(f.sans, vec!["shop.example".to_string(), "127.0.0.1".to_string()]);
        assert!((19..=20).contains(&f.days_left), "{}", f.days_left);
        assert_eq!(f.signature_algorithm, "ecdsa-with-SHA256");
        assert!(!f.weak_signature && f.rsa_bits.is_none() && f.self_issued);
        assert!(f.key.starts_with("EC"));
    }

    #[test]
    fn weak_signatures_are_named() {
        assert_eq!(signature_name("1.2.840.113549.1.1.5"), ("sha1WithRSAEncryption".into(), true));
        assert_eq!(signature_name("1.2.840.113549.1.1.11"), ("sha256WithRSAEncryption".into(), false));
        assert!(cert_facts(b"not a certificate").is_err());
    }

    #[test]
    fn sha1_signature_and_small_rsa_key_are_seen() {
        let pem = include_str!("../../../fixtures/certs/sha1-rsa1024.pem");
        let der = CertificateDer::from_pem_slice(pem.as_bytes()).unwrap();
        let f = cert_facts(&der).unwrap();
        assert!(f.weak_signature, "{f:?}");
        assert_eq!(f.rsa_bits, Some(1024));
        assert_eq!(f.key, "RSA 1024");
        assert!(f.days_left > 3650);
    }
}
