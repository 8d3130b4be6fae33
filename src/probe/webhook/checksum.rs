//! `X-Checksum` signing: base64(HMAC-SHA256(merchant secret, fields joined by `|`)).
//!
//! The Exirom pages disagree on which fields a callback signs (API.md §11.2), so the field set is
//! a [`Variant`] chosen by `[webhook] checksum_variant`. With `auto`, card callbacks are signed as
//! the Webhooks Quick Start does (variant D: `mid|orderAmount|orderCurrency|transactionId`) and APM
//! callbacks as the APM checksum pages do (variants B/C: `accountId|orderAmount|orderCurrency|
//! transactionId`). The field *values* are taken from the body text itself (see `payload.rs`), so
//! the number text a merchant reads from the raw body is exactly the text that was signed.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit as _, Mac as _};
use sha2::Sha256;

/// What a callback reports on: a card payment or an alternative payment method (APM).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Card callback (`?paymentMethod=card`).
    Card,
    /// APM callback (`?paymentMethod=apm&apmType=…`).
    Apm,
}

/// A documented callback field set (API.md §11.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// Legacy `/docs/checksum`: `accountId|amount|currency|transactionId`, amount in minor units.
    A,
    /// APM checksum page: `accountId|orderAmount|orderCurrency|transactionId`.
    B,
    /// APM "Handling the callback": the same fields as B, amount as the callback's number.
    C,
    /// Webhooks Quick Start: card `mid|orderAmount|orderCurrency|transactionId`, APM
    /// `accountId|amount|currency|transactionId`.
    D,
}

/// `[webhook] checksum_variant`: one variant for every callback, or `auto` (D for cards, B/C for APMs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    /// D for card callbacks, B/C for APM callbacks.
    Auto,
    /// The same variant for every callback.
    Fixed(Variant),
}

impl Choice {
    /// Parses `auto`, `a`, `b`, `c` or `d` (case-insensitive); `None` for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.to_ascii_lowercase().as_str() {
            "auto" => Self::Auto,
            "a" => Self::Fixed(Variant::A),
            "b" => Self::Fixed(Variant::B),
            "c" => Self::Fixed(Variant::C),
            "d" => Self::Fixed(Variant::D),
            _ => return None,
        })
    }

    /// The variant used to sign a callback of this kind.
    pub fn for_kind(self, kind: Kind) -> Variant {
        match (self, kind) {
            (Self::Fixed(v), _) => v,
            (Self::Auto, Kind::Card) => Variant::D,
            (Self::Auto, Kind::Apm) => Variant::B,
        }
    }
}

impl Variant {
    /// The body fields signed, in order.
    pub fn fields(self, kind: Kind) -> [&'static str; 4] {
        match (self, kind) {
            (Self::A, _) | (Self::D, Kind::Apm) => ["accountId", "amount", "currency", "transactionId"],
            (Self::B | Self::C, _) => ["accountId", "orderAmount", "orderCurrency", "transactionId"],
            (Self::D, Kind::Card) => ["mid", "orderAmount", "orderCurrency", "transactionId"],
        }
    }

    /// Whether `amount` is signed in minor units (`1234` for 12.34) rather than as a decimal.
    pub fn minor_units(self) -> bool {
        self == Self::A
    }

    /// The label reports show, e.g. `D (mid|orderAmount|orderCurrency|transactionId)`.
    pub fn describe(self, kind: Kind) -> String {
        let name = match self {
            Self::A => "A",
            Self::B | Self::C if kind == Kind::Apm => "B/C",
            Self::B => "B",
            Self::C => "C",
            Self::D => "D",
        };
        format!("{name} ({})", self.fields(kind).join("|"))
    }
}

/// base64(HMAC-SHA256(`secret`, `message`)), standard alphabet with padding.
pub fn sign(secret: &[u8], message: &str) -> String {
    // HMAC takes keys of any length (RFC 2104 §3), so this never fails; an empty key is allowed.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(message.as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

/// Whether `checksum` (base64) is the signature of `message`, compared in constant time.
pub fn verify(secret: &[u8], message: &str, checksum: &str) -> bool {
    let Ok(tag) = STANDARD.decode(checksum.trim()) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        return false;
    };
    mac.update(message.as_bytes());
    mac.verify_slice(&tag).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_like_the_documented_samples() {
        // `echo -n 'merchant_001|200.0|USD|tx-456789' | openssl dgst -sha256 -hmac secret -binary | base64`
        assert_eq!(sign(b"secret", "merchant_001|200.0|USD|tx-456789"), "lKGekOflVggySnt1I79S+snqCcmffthiFZkzjAd2Yug=");
        assert!(verify(b"secret", "merchant_001|200.0|USD|tx-456789", "lKGekOflVggySnt1I79S+snqCcmffthiFZkzjAd2Yug="));
        assert!(!verify(b"secret", "merchant_001|200|USD|tx-456789", "lKGekOflVggySnt1I79S+snqCcmffthiFZkzjAd2Yug="));
        assert!(!verify(b"other", "merchant_001|200.0|USD|tx-456789", "lKGekOflVggySnt1I79S+snqCcmffthiFZkzjAd2Yug="));
        assert!(!verify(b"secret", "x", "not base64!"));
    }

    proptest::proptest! {
        /// A signature verifies with its secret and message only; any header text is judged
        /// without a panic.
        #[test]
        fn signatures_verify_only_with_their_secret_and_message(
            secret in proptest::collection::vec(proptest::num::u8::ANY, 0..100),
            message in "\\PC{0,80}",
            other in "\\PC{0,80}",
            header in "\\PC{0,80}",
        ) {
            let sum = sign(&secret, &message);
            proptest::prop_assert!(verify(&secret, &message, &sum));
            proptest::prop_assert!(verify(&secret, &message, &format!(" {sum}\n")), "surrounding whitespace is tolerated");
            proptest::prop_assert_eq!(verify(&secret, &other, &sum), other == message);
            let mut wrong = secret.clone();
            wrong.push(1);
            proptest::prop_assert!(!verify(&wrong, &message, &sum));
            let _ = verify(&secret, &message, &header);
        }
    }

    #[test]
    fn empty_secret_still_signs() {
        assert_eq!(sign(b"", "a|b").len(), 44);
    }

    #[test]
    fn auto_picks_d_for_cards_and_b_for_apms() {
        let auto = Choice::parse("AUTO").unwrap();
        assert_eq!(
            auto.for_kind(Kind::Card).fields(Kind::Card),
            ["mid", "orderAmount", "orderCurrency", "transactionId"]
        );
        assert_eq!(
            auto.for_kind(Kind::Apm).fields(Kind::Apm),
            ["accountId", "orderAmount", "orderCurrency", "transactionId"]
        );
        assert_eq!(
            auto.for_kind(Kind::Apm).describe(Kind::Apm),
            "B/C (accountId|orderAmount|orderCurrency|transactionId)"
        );
        assert_eq!(Choice::parse("d").unwrap().for_kind(Kind::Apm).fields(Kind::Apm)[1], "amount");
        assert!(Choice::parse("a").unwrap().for_kind(Kind::Card).minor_units());
        assert_eq!(Choice::parse("e"), None);
    }
}
