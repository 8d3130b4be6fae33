//! Content fingerprints: a stable id for a finding that survives edits elsewhere in the file and
//! line moves, so `[[ignore]] fingerprint = "…"`, baselines and `--changed-since` can recognise it.
//!
//! The fingerprint is `sha256(rule id, NUL, normalized value)`, hex, first 16 bytes. The value is
//! what the detector matched, whitespace-normalized. For sensitive values (secrets, card numbers)
//! the value is the *masked* matched line instead of the raw value: a hash of a raw PAN is not
//! safe to publish (the first 6 and last 4 digits are shown in the snippet, which leaves about
//! 10^5 candidates to try), and a hash of a weak password can be guessed.

use sha2::{Digest, Sha256};

/// The fingerprint of a finding of `rule` whose normalized value is `value`.
pub fn fingerprint(rule: &str, value: &str) -> String {
    let mut h = Sha256::new();
    h.update(rule.as_bytes());
    h.update([0u8]);
    h.update(normalize(value).as_bytes());
    let digest = h.finalize();
    hex::encode(&digest[..16])
}

/// Collapses whitespace runs to one space and trims, so re-indenting a line keeps its fingerprint.
pub fn normalize(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_and_whitespace_insensitive() {
        let a = fingerprint("sandbox-url", "BASE = 'https://sandbox.api.exirom.com/api'");
        let b = fingerprint("sandbox-url", "   BASE =   'https://sandbox.api.exirom.com/api'  ");
        assert_eq!(a, b);
        assert_eq!(a.len(), 32);
        assert_ne!(a, fingerprint("insecure-api-url", "BASE = 'https://sandbox.api.exirom.com/api'"));
    }
}
