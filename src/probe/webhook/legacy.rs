//! A raw `ClientHello` probe for the versions rustls cannot speak: SSL 3.0, TLS 1.0 and TLS 1.1.
//!
//! golive sends one legacy-version `ClientHello` over TCP and classifies the first record of the
//! answer. A `ServerHello` of a legacy version (even lower than offered: 1.1 offered, 1.0 chosen)
//! means the server accepts a legacy protocol. An alert (70 `protocol_version`, 40 `handshake_failure`,
//! 80 `internal_error` from OpenSSL at its default security level), a close, a reset, silence or
//! non-TLS bytes mean refused. The handshake is never finished, so the `random` need not be secret.
//! The same probe at 0x0303 tells a TLS 1.2 server that only has legacy cipher suites (which rustls
//! refuses) from one that has no TLS 1.2 at all.
//!
//! See: RFC 5246 §7.4.1 (hello messages), RFC 6101 (SSL 3.0), RFC 8996 (TLS 1.0/1.1 deprecated).
//! The parser reads untrusted bytes: it never indexes out of bounds and never panics.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

/// SSL 3.0 on the wire.
pub const SSL3: u16 = 0x0300;
/// TLS 1.0 on the wire.
pub const TLS10: u16 = 0x0301;
/// TLS 1.1 on the wire.
pub const TLS11: u16 = 0x0302;
/// TLS 1.2 on the wire.
pub const TLS12: u16 = 0x0303;

/// The largest record a peer may send (2^14 plus expansion); anything longer is not TLS.
const MAX_RECORD: usize = 16_384 + 2_048;

/// Cipher suites offered: CBC-SHA with ECDHE, DHE and RSA key exchange, 3DES, RC4, plus the
/// renegotiation SCSV, so every legacy server finds one it speaks.
const LEGACY_SUITES: &[u16] =
    &[0xc014, 0xc013, 0xc00a, 0xc009, 0x0039, 0x0033, 0x0035, 0x002f, 0x000a, 0x0005, 0x0004, 0x00ff];
/// Added when probing TLS 1.2: the AEAD and SHA-2 suites.
const TLS12_SUITES: &[u16] = &[0xc02f, 0xc030, 0xc02b, 0xc02c, 0xcca8, 0xcca9, 0x009c, 0x009d, 0x003c, 0x003d];

/// The human name of a wire version.
pub fn version_name(v: u16) -> String {
    match v {
        SSL3 => "SSL 3.0".into(),
        TLS10 => "TLS 1.0".into(),
        TLS11 => "TLS 1.1".into(),
        TLS12 => "TLS 1.2".into(),
        0x0304 => "TLS 1.3".into(),
        other => format!("0x{other:04x}"),
    }
}

/// The IANA name of a cipher suite golive may see in a legacy `ServerHello`.
pub fn suite_name(s: u16) -> String {
    let name = match s {
        0xc014 => "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
        0xc013 => "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
        0xc00a => "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
        0xc009 => "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
        0x0039 => "TLS_DHE_RSA_WITH_AES_256_CBC_SHA",
        0x0033 => "TLS_DHE_RSA_WITH_AES_128_CBC_SHA",
        0x0035 => "TLS_RSA_WITH_AES_256_CBC_SHA",
        0x002f => "TLS_RSA_WITH_AES_128_CBC_SHA",
        0x000a => "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
        0x0005 => "TLS_RSA_WITH_RC4_128_SHA",
        0x0004 => "TLS_RSA_WITH_RC4_128_MD5",
        0xc02f => "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        0xc030 => "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        0xc02b => "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        0xc02c => "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        0xcca8 => "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        0xcca9 => "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        0x009c => "TLS_RSA_WITH_AES_128_GCM_SHA256",
        0x009d => "TLS_RSA_WITH_AES_256_GCM_SHA384",
        0x003c => "TLS_RSA_WITH_AES_128_CBC_SHA256",
        0x003d => "TLS_RSA_WITH_AES_256_CBC_SHA256",
        _ => return format!("0x{s:04x}"),
    };
    name.into()
}

/// How a server answered a `ClientHello`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// A `ServerHello`: the version and cipher suite the server chose.
    ServerHello {
        /// Chosen protocol version.
        version: u16,
        /// Chosen suite, when the record was long enough to hold it.
        suite: Option<u16>,
    },
    /// A TLS alert.
    Alert {
        /// 1 warning, 2 fatal.
        level: u8,
        /// RFC 5246 §7.2 description (70 = `protocol_version`).
        description: u8,
    },
    /// The server closed the connection without a byte.
    Closed,
    /// The server reset the connection.
    Reset,
    /// No answer within the timeout.
    Silent,
    /// Bytes that are not a TLS record (an HTTP error page, for instance).
    NotTls,
    /// The TCP connection could not be made.
    Unreachable(String),
}

impl Answer {
    /// Whether the answer shows a legacy protocol (SSL 3.0 .. TLS 1.1) accepted.
    pub fn accepts_legacy(&self) -> bool {
        matches!(self, Self::ServerHello { version, .. } if (SSL3..=TLS11).contains(version))
    }

    /// One phrase for reports.
    pub fn describe(&self) -> String {
        match self {
            Self::ServerHello { version, suite } => {
                let suite = suite.map(|s| format!(" with {}", suite_name(s))).unwrap_or_default();
                format!("accepted ({}{suite})", version_name(*version))
            }
            Self::Alert { description, .. } => format!("refused (alert {description}: {})", alert_name(*description)),
            Self::Closed => "refused (connection closed)".into(),
            Self::Reset => "refused (connection reset)".into(),
            Self::Silent => "refused (no answer)".into(),
            Self::NotTls => "refused (answer is not TLS)".into(),
            Self::Unreachable(e) => format!("not checked ({e})"),
        }
    }
}

fn alert_name(d: u8) -> &'static str {
    match d {
        0 => "close_notify",
        10 => "unexpected_message",
        40 => "handshake_failure",
        47 => "illegal_parameter",
        50 => "decode_error",
        70 => "protocol_version",
        71 => "insufficient_security",
        80 => "internal_error",
        86 => "inappropriate_fallback",
        112 => "unrecognized_name",
        _ => "other",
    }
}

/// The `ClientHello` record for `version`. `sni` is sent only for DNS names; SSL 3.0 hellos carry no
/// extensions (RFC 6101 has none).
pub fn client_hello(version: u16, sni: Option<&str>, random: [u8; 32]) -> Vec<u8> {
    let mut suites: Vec<u16> = Vec::new();
    if version >= TLS12 {
        suites.extend_from_slice(TLS12_SUITES);
    }
    suites.extend_from_slice(LEGACY_SUITES);

    let mut ext = Vec::new();
    if version > SSL3 {
        if let Some(name) = sni.filter(|n| !n.is_empty() && n.len() < 256) {
            let n = name.as_bytes();
            let list_len = n.len() + 3;
            push_u16(&mut ext, 0x0000);
            push_len16(&mut ext, list_len + 2);
            push_len16(&mut ext, list_len);
            ext.push(0); // host_name
            push_len16(&mut ext, n.len());
            ext.extend_from_slice(n);
        }
        // supported_groups: x25519, secp256r1, secp384r1.
        ext.extend_from_slice(&[0x00, 0x0a, 0x00, 0x08, 0x00, 0x06, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x18]);
        // ec_point_formats: uncompressed.
        ext.extend_from_slice(&[0x00, 0x0b, 0x00, 0x02, 0x01, 0x00]);
        if version >= TLS12 {
            let algs: &[u16] = &[0x0403, 0x0503, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0201, 0x0203];
            push_u16(&mut ext, 0x000d);
            push_len16(&mut ext, algs.len() * 2 + 2);
            push_len16(&mut ext, algs.len() * 2);
            for a in algs {
                push_u16(&mut ext, *a);
            }
        }
    }

    let mut body = Vec::new();
    push_u16(&mut body, version);
    body.extend_from_slice(&random);
    body.push(0); // empty session id
    push_len16(&mut body, suites.len() * 2);
    for s in &suites {
        push_u16(&mut body, *s);
    }
    body.extend_from_slice(&[1, 0]); // compression: null only
    if !ext.is_empty() {
        push_len16(&mut body, ext.len());
        body.extend_from_slice(&ext);
    }

    let mut hs = vec![0x01]; // client_hello
    let len = u32::try_from(body.len()).unwrap_or(0).to_be_bytes();
    hs.extend_from_slice(&len[1..]);
    hs.extend_from_slice(&body);

    let mut rec = vec![0x16]; // handshake
    push_u16(&mut rec, if version == SSL3 { SSL3 } else { TLS10 });
    push_len16(&mut rec, hs.len());
    rec.extend_from_slice(&hs);
    rec
}

fn push_u16(v: &mut Vec<u8>, x: u16) {
    v.extend_from_slice(&x.to_be_bytes());
}

fn push_len16(v: &mut Vec<u8>, n: usize) {
    push_u16(v, u16::try_from(n).unwrap_or(u16::MAX));
}

/// What the bytes received so far say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parse {
    /// Not enough bytes yet to decide.
    NeedMore,
    /// Decided.
    Done(Answer),
}

/// Classifies the first record of a server's answer. Reads only what `buf` holds.
pub fn parse(buf: &[u8]) -> Parse {
    let byte = |i: usize| buf.get(i).copied();
    let (Some(kind), Some(major), Some(_minor), Some(hi), Some(lo)) = (byte(0), byte(1), byte(2), byte(3), byte(4))
    else {
        return if buf.first().is_some_and(|b| *b != 0x15 && *b != 0x16) {
            Parse::Done(Answer::NotTls)
        } else {
            Parse::NeedMore
        };
    };
    let len = usize::from(u16::from_be_bytes([hi, lo]));
    if !matches!(kind, 0x15 | 0x16) || major != 3 || len == 0 || len > MAX_RECORD {
        return Parse::Done(Answer::NotTls);
    }
    let frag = &buf[5..buf.len().min(5 + len)];
    let complete = frag.len() == len;
    if kind == 0x15 {
        return match (frag.first(), frag.get(1)) {
            (Some(level), Some(description)) => Parse::Done(Answer::Alert { level: *level, description: *description }),
            _ if complete => Parse::Done(Answer::NotTls),
            _ => Parse::NeedMore,
        };
    }
    // Handshake: msg_type(1) length(3) version(2) random(32) session_id(1+n) cipher_suite(2).
    match frag.first() {
        None => return Parse::NeedMore,
        Some(0x02) => {}
        Some(_) => return Parse::Done(Answer::NotTls),
    }
    let Some(version) = frag.get(4..6).map(|v| u16::from_be_bytes([v[0], v[1]])) else {
        return if complete { Parse::Done(Answer::NotTls) } else { Parse::NeedMore };
    };
    let suite = frag.get(38).and_then(|sid_len| {
        let at = 39 + usize::from(*sid_len);
        frag.get(at..at + 2).map(|s| u16::from_be_bytes([s[0], s[1]]))
    });
    if suite.is_none() && !complete {
        return Parse::NeedMore;
    }
    Parse::Done(Answer::ServerHello { version, suite })
}

/// Sends a `ClientHello` of `version` to `addr` and classifies the answer, within `timeout`.
pub async fn probe(addr: SocketAddr, sni: Option<&str>, version: u16, timeout: Duration) -> Answer {
    match tokio::time::timeout(timeout, exchange(addr, sni, version)).await {
        Ok(answer) => answer,
        Err(_) => Answer::Silent,
    }
}

async fn exchange(addr: SocketAddr, sni: Option<&str>, version: u16) -> Answer {
    let mut stream = match TcpStream::connect(addr).await {
        Ok(s) => s,
        Err(e) => return Answer::Unreachable(format!("cannot connect to {addr}: {e}")),
    };
    let mut random = [0u8; 32];
    random[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    random[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    if let Err(e) = stream.write_all(&client_hello(version, sni, random)).await {
        return io_answer(&e);
    }
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 2048];
    loop {
        match stream.read(&mut chunk).await {
            Ok(0) => return if buf.is_empty() { Answer::Closed } else { Answer::NotTls },
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                if let Parse::Done(a) = parse(&buf) {
                    return a;
                }
                if buf.len() > MAX_RECORD + 5 {
                    return Answer::NotTls;
                }
            }
            Err(e) => return io_answer(&e),
        }
    }
}

fn io_answer(e: &std::io::Error) -> Answer {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe => Answer::Reset,
        K::UnexpectedEof => Answer::Closed,
        _ => Answer::Unreachable(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hello_is_a_well_formed_record() {
        let h = client_hello(TLS10, Some("shop.example"), [7; 32]);
        assert_eq!(&h[..3], &[0x16, 0x03, 0x01]);
        assert_eq!(usize::from(u16::from_be_bytes([h[3], h[4]])), h.len() - 5);
        assert_eq!(h[5], 0x01);
        let hs_len = u32::from_be_bytes([0, h[6], h[7], h[8]]) as usize;
        assert_eq!(hs_len, h.len() - 9);
        assert_eq!(&h[9..11], &[0x03, 0x01]);
        assert!(h.windows(12).any(|w| w == b"shop.example"));
        let ssl3 = client_hello(SSL3, Some("shop.example"), [7; 32]);
        assert_eq!(&ssl3[1..3], &[0x03, 0x00]);
        assert!(!ssl3.windows(12).any(|w| w == b"shop.example"), "SSL 3.0 hellos carry no extensions");
        let no_sni = client_hello(TLS11, None, [0; 32]);
        assert!(no_sni.len() < h.len());
    }

    /// First bytes answered by `openssl s_server` (OpenSSL 3.0) to these hellos, captured on loopback.
    mod captured {
        /// `-tls1 -cipher 'DEFAULT:@SECLEVEL=0'`, offered TLS 1.0: `ServerHello` TLS 1.0, ECDHE-RSA-AES256-SHA.
        pub(super) const TLS10_SERVER_HELLO: &str = "160301005902000055030195e3e751fa484055f6ee9d6369ff1a9f645d025f828d884bc5d967619e4cc6b520d2533be8b590315eb5d1eca4ad634087444fb8c6dcf7a9b6b8192220f9f3ec7cc0140000";
        /// The same server, offered TLS 1.1: it downgrades to TLS 1.0.
        pub(super) const TLS11_OFFER_TLS10_CHOSEN: &str = "16030100590200005503017607519bab28f44126df10abcdcf2916c603377f774b34f29dc7f19fccf0d84120e5b82838da0be8982366cabc1287f34a1e2906e23d8f6331721010f592c08118c0140000";
        /// `-tls1_1 -cipher 'DEFAULT:@SECLEVEL=0'`, offered TLS 1.1.
        pub(super) const TLS11_SERVER_HELLO: &str = "16030200590200005503023c5780b47e5a5d114eb5bdb5de2ca2b05e4824a5c2fcdbb01dcc216dfbf9d7ba2012d37527added4f5fca4a84090e929d066c2178d655a52faa81702608a5e7991c0140000";
        /// Default settings (TLS 1.2 + 1.3), offered TLS 1.0: alert 80 `internal_error`.
        pub(super) const DEFAULT_ALERT_80: &str = "15030100020250";
        /// `-tls1_2`, offered TLS 1.0: alert 70 `protocol_version`.
        pub(super) const TLS12_ONLY_ALERT_70: &str = "15030100020246";
        /// Any server, offered SSL 3.0: alert 40 `handshake_failure`.
        pub(super) const SSL3_ALERT_40: &str = "15030000020228";
        /// `-tls1_2 -cipher 'AES128-SHA:AES256-SHA'`, offered TLS 1.2: `ServerHello` TLS 1.2, AES256-SHA.
        pub(super) const TLS12_LEGACY_SUITE: &str = "16030300510200004d0303a4211d72a8e7ced14403d89db2285ae5e0fef24ba1a953e3c3850b1ae05eaf7120b96ccce5c01f269c1964b4699634b31e34eca44a662fe7fea019c03f15b4f0d300350000";
    }

    fn done(hex_bytes: &str) -> Answer {
        let bytes = hex::decode(hex_bytes).unwrap();
        // The answer arrives whole here, but the parser must wait for the fields it reads.
        match parse(&bytes) {
            Parse::Done(a) => a,
            Parse::NeedMore => panic!("undecided on {hex_bytes}"),
        }
    }

    #[test]
    fn legacy_server_hellos_are_accepted() {
        assert_eq!(done(captured::TLS10_SERVER_HELLO), Answer::ServerHello { version: TLS10, suite: Some(0xc014) });
        assert_eq!(done(captured::TLS11_SERVER_HELLO), Answer::ServerHello { version: TLS11, suite: Some(0xc014) });
        let downgraded = done(captured::TLS11_OFFER_TLS10_CHOSEN);
        assert!(downgraded.accepts_legacy(), "a lower version than offered is still legacy: {downgraded:?}");
        assert_eq!(downgraded.describe(), "accepted (TLS 1.0 with TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA)");
    }

    #[test]
    fn alerts_are_refusals() {
        for (hex_bytes, desc) in
            [(captured::DEFAULT_ALERT_80, 80), (captured::TLS12_ONLY_ALERT_70, 70), (captured::SSL3_ALERT_40, 40)]
        {
            let a = done(hex_bytes);
            assert_eq!(a, Answer::Alert { level: 2, description: desc });
            assert!(!a.accepts_legacy());
            assert!(a.describe().starts_with("refused (alert"));
        }
        for a in [Answer::Closed, Answer::Reset, Answer::Silent, Answer::NotTls] {
            assert!(!a.accepts_legacy() && a.describe().starts_with("refused"));
        }
    }

    #[test]
    fn tls12_with_legacy_suites_is_tls12_not_legacy() {
        let a = done(captured::TLS12_LEGACY_SUITE);
        assert_eq!(a, Answer::ServerHello { version: TLS12, suite: Some(0x0035) });
        assert!(!a.accepts_legacy());
        assert_eq!(suite_name(0x0035), "TLS_RSA_WITH_AES_256_CBC_SHA");
    }

    #[test]
    fn every_prefix_waits_or_decides_without_panicking() {
        for hex_bytes in [captured::TLS10_SERVER_HELLO, captured::DEFAULT_ALERT_80, captured::TLS12_LEGACY_SUITE] {
            let bytes = hex::decode(hex_bytes).unwrap();
            for n in 0..bytes.len() {
                // A prefix long enough to hold the cipher suite may already decide; a shorter one waits.
                if let Parse::Done(a) = parse(&bytes[..n]) {
                    assert!(n >= 7, "decided on {n} bytes: {a:?}");
                }
            }
        }
    }

    #[test]
    fn non_tls_answers() {
        assert_eq!(parse(b"HTTP/1.1 400 Bad Request\r\n"), Parse::Done(Answer::NotTls));
        assert_eq!(parse(b"H"), Parse::Done(Answer::NotTls));
        assert_eq!(parse(&[0x16, 0x03, 0x01, 0xff, 0xff]), Parse::Done(Answer::NotTls), "oversized record");
        assert_eq!(
            parse(&[0x16, 0x03, 0x01, 0x00, 0x04, 0x0b, 0, 0, 0]),
            Parse::Done(Answer::NotTls),
            "not a ServerHello"
        );
        assert_eq!(parse(&[0x15, 0x03, 0x01, 0x00, 0x01, 0x02]), Parse::Done(Answer::NotTls), "short alert");
        assert_eq!(parse(&[0x16, 0x03]), Parse::NeedMore);
        assert_eq!(parse(&[]), Parse::NeedMore);
    }

    /// A `ServerHello` record: `version`, a session id of `sid_len` bytes, `suite`, and `extra`
    /// bytes after the suite (compression, extensions), as a server sends it.
    fn server_hello(record_version: u16, version: u16, sid_len: u8, suite: u16, extra: &[u8]) -> Vec<u8> {
        let mut body = version.to_be_bytes().to_vec();
        body.extend_from_slice(&[0x5a; 32]);
        body.push(sid_len);
        body.extend(std::iter::repeat_n(0xa5, usize::from(sid_len)));
        body.extend_from_slice(&suite.to_be_bytes());
        body.extend_from_slice(extra);
        let mut hs = vec![0x02];
        hs.extend_from_slice(&u32::try_from(body.len()).unwrap().to_be_bytes()[1..]);
        hs.extend_from_slice(&body);
        let mut rec = vec![0x16];
        rec.extend_from_slice(&record_version.to_be_bytes());
        rec.extend_from_slice(&u16::try_from(hs.len()).unwrap().to_be_bytes());
        rec.extend_from_slice(&hs);
        rec
    }

    proptest::proptest! {
        #[test]
        fn never_panics_on_any_bytes(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..600)) {
            let _ = parse(&bytes);
            let mut tls = vec![0x16, 0x03, 0x01];
            tls.extend_from_slice(&bytes);
            let _ = parse(&tls);
        }

        /// Whatever the bytes, a decision taken on a prefix is the decision on the whole answer:
        /// the probe stops reading at the first decision, so a later byte must not change it.
        #[test]
        fn a_decision_never_changes_with_more_bytes(
            head in proptest::sample::select(vec![vec![], vec![0x16, 0x03, 0x01], vec![0x15, 0x03, 0x03], vec![0x16, 0x03, 0x03, 0x00]]),
            bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..300),
        ) {
            let mut all = head;
            all.extend_from_slice(&bytes);
            let mut first = None;
            for n in 0..=all.len() {
                if let Parse::Done(a) = parse(&all[..n]) {
                    first = Some((n, a));
                    break;
                }
            }
            if let Some((n, a)) = first {
                for m in n..=all.len() {
                    proptest::prop_assert_eq!(parse(&all[..m]), Parse::Done(a.clone()), "decided at {} bytes", n);
                }
            }
        }

        /// Every well-formed `ServerHello`, delivered whole or cut anywhere, reads back as the version
        /// and suite it carries (or waits for more bytes while it is cut short).
        #[test]
        fn well_formed_server_hellos_read_back(
            record_version in 0x0300u16..=0x0303,
            version in 0x0300u16..=0x0304,
            sid_len in 0u8..=32,
            suite in proptest::num::u16::ANY,
            extra in proptest::collection::vec(proptest::num::u8::ANY, 0..40),
            cut in proptest::num::usize::ANY,
        ) {
            let rec = server_hello(record_version, version, sid_len, suite, &extra);
            let want = Answer::ServerHello { version, suite: Some(suite) };
            proptest::prop_assert_eq!(parse(&rec), Parse::Done(want.clone()));
            let n = cut % (rec.len() + 1);
            match parse(&rec[..n]) {
                Parse::NeedMore => {}
                Parse::Done(a) => proptest::prop_assert_eq!(a, want.clone()),
            }
            proptest::prop_assert_eq!(want.accepts_legacy(), (SSL3..=TLS11).contains(&version));
        }

        /// A hello golive builds is a well-formed record for any server name.
        #[test]
        fn client_hellos_are_well_formed(version in 0x0300u16..=0x0303, sni in "[a-z0-9.-]{0,300}") {
            let h = client_hello(version, Some(&sni), [1; 32]);
            proptest::prop_assert_eq!(h[0], 0x16);
            proptest::prop_assert_eq!(usize::from(u16::from_be_bytes([h[3], h[4]])), h.len() - 5);
            let hs_len = u32::from_be_bytes([0, h[6], h[7], h[8]]) as usize;
            proptest::prop_assert_eq!(hs_len, h.len() - 9);
        }
    }
}
