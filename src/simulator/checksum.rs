//! HMAC-SHA256 checksums as Exirom documents them (API.md §11): key = `merchantSecret`, message =
//! field values joined with `|`, digest in standard Base64 with padding.
//!
//! The docs disagree on which fields are signed (variants A–G, API.md §11.2); [`ChecksumVariant`]
//! selects the field set the simulator signs callbacks with. Request checksums (APM payments and
//! payouts) are verified against both documented amount renderings.

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Which documented field set signs a callback's `X-Checksum` (API.md §11.2).
///
/// | variant | card payment | refund, card payout | APM payment, APM payout |
/// |---|---|---|---|
/// | `a` | `mid\|minor\|orderCurrency\|transactionId` | `mid\|minor\|currency\|transactionId` | `accountId\|minor\|orderCurrency\|transactionId` |
/// | `b`, `c` | `mid\|orderAmount\|orderCurrency\|transactionId` | `mid\|totalAmount\|currency\|transactionId` | `accountId\|orderAmount\|orderCurrency\|transactionId` |
/// | `d` | `mid\|orderAmount\|orderCurrency\|transactionId` | `mid\|totalAmount\|currency\|transactionId` | `accountId\|amount\|currency\|transactionId` |
///
/// `minor` is the amount in minor units as an integer (`1000` for 10.00 USD). Every other amount is
/// the literal text of the JSON number in the body (`10.0`). Variant `d` adds `amount` and
/// `currency` to APM bodies so that the fields it names exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ChecksumVariant {
    /// Legacy `/docs/checksum`: minor-unit integer amounts.
    A,
    /// APM checksum page (Sep 2025): `orderAmount`/`orderCurrency`, numeric callback amount.
    B,
    /// APM "Handling the callback" (Mar 2026): same field set as B.
    C,
    /// Webhooks Quick Start code sample: `mid|orderAmount|orderCurrency|transactionId` for cards,
    /// `accountId|amount|currency|transactionId` for APMs.
    #[default]
    D,
}

impl ChecksumVariant {
    /// The lowercase letter used on the command line and in logs.
    pub fn letter(self) -> &'static str {
        match self {
            Self::A => "a",
            Self::B => "b",
            Self::C => "c",
            Self::D => "d",
        }
    }
}

impl fmt::Display for ChecksumVariant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.letter())
    }
}

/// A checksum variant name that is not `a`, `b`, `c` or `d`.
#[derive(Debug, Clone, thiserror::Error)]
#[error("unknown checksum variant `{0}` (expected a, b, c or d)")]
pub struct UnknownVariant(pub String);

impl FromStr for ChecksumVariant {
    type Err = UnknownVariant;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "a" => Ok(Self::A),
            "b" => Ok(Self::B),
            "c" => Ok(Self::C),
            "d" => Ok(Self::D),
            _ => Err(UnknownVariant(s.to_string())),
        }
    }
}

/// `Base64(HMAC-SHA256(secret, message))`.
pub fn sign(secret: &str, message: &str) -> String {
    STANDARD.encode(mac(secret, message).finalize().into_bytes())
}

/// Whether `provided` is the Base64 HMAC of `message`; the comparison is constant-time.
pub fn verify(secret: &str, message: &str, provided: &str) -> bool {
    let Ok(raw) = STANDARD.decode(provided.trim()) else {
        return false;
    };
    mac(secret, message).verify_slice(&raw).is_ok()
}

/// HMAC-SHA256 over raw bytes (used for the JWT signature).
pub(crate) fn hmac_bytes(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut m = <HmacSha256 as KeyInit>::new_from_slice(key).unwrap_or_else(|_| unreachable_key());
    m.update(message);
    m.finalize().into_bytes().to_vec()
}

fn mac(secret: &str, message: &str) -> HmacSha256 {
    let mut m = <HmacSha256 as KeyInit>::new_from_slice(secret.as_bytes()).unwrap_or_else(|_| unreachable_key());
    m.update(message.as_bytes());
    m
}

/// HMAC accepts keys of any length, so `new_from_slice` cannot fail; this keeps the signature total.
fn unreachable_key() -> HmacSha256 {
    <HmacSha256 as KeyInit>::new(&hmac::digest::Key::<HmacSha256>::default())
}

/// Constant-time equality of two byte strings (credential comparison).
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let key = b"golive-simulator-compare";
    hmac_bytes(key, a) == hmac_bytes(key, b)
}

/// The message of an APM request checksum: `accountId|amount|currency|requestId`.
pub fn request_message(account_id: &str, amount: &str, currency: &str, request_id: &str) -> String {
    format!("{account_id}|{amount}|{currency}|{request_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_matches_a_known_vector() {
        // RFC 4231 test case 2, Base64 instead of hex.
        assert_eq!(sign("Jefe", "what do ya want for nothing?"), "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=");
    }

    #[test]
    fn verify_accepts_the_signature_and_rejects_others() {
        let s = sign("secret", "m|10.0|USD|1");
        assert!(verify("secret", "m|10.0|USD|1", &s));
        assert!(!verify("secret", "m|10|USD|1", &s));
        assert!(!verify("other", "m|10.0|USD|1", &s));
        assert!(!verify("secret", "m|10.0|USD|1", "not base64!"));
    }

    #[test]
    fn variants_parse_case_insensitively() {
        assert_eq!("D".parse::<ChecksumVariant>().ok(), Some(ChecksumVariant::D));
        assert_eq!(" a ".parse::<ChecksumVariant>().ok(), Some(ChecksumVariant::A));
        assert!("e".parse::<ChecksumVariant>().is_err());
    }

    #[test]
    fn constant_time_eq_compares() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
