//! Secrets: the only place golive reads `EXIROM_MERCHANT_KEY` and `EXIROM_MERCHANT_SECRET`.
//!
//! Secrets come from the environment only (never flags, never golive.toml). [`Secret`] prints
//! `***` for `Debug`, `Display` and `Serialize`, so a secret cannot reach a report or log by accident.

use std::fmt;

use serde::{Serialize, Serializer};

/// Environment variable holding the merchant key.
pub const KEY_VAR: &str = "EXIROM_MERCHANT_KEY";
/// Environment variable holding the merchant secret (also the HMAC key for checksums).
pub const SECRET_VAR: &str = "EXIROM_MERCHANT_SECRET";

/// A value that never prints.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    /// Wraps a value.
    pub fn new(v: T) -> Self {
        Self(v)
    }

    /// The value itself, for the one place that must send it (auth, HMAC).
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl<T> fmt::Display for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl<T> Serialize for Secret<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str("***")
    }
}

/// Exirom merchant credentials.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// `merchantKey` (may be empty when only the secret is set, for webhook signing).
    pub key: Secret<String>,
    /// `merchantSecret`.
    pub secret: Secret<String>,
}

impl Credentials {
    /// Reads the credentials from the environment; `None` when the secret is unset or empty.
    #[allow(clippy::disallowed_methods)]
    pub fn from_env() -> Option<Self> {
        let secret = std::env::var(SECRET_VAR).ok().filter(|s| !s.is_empty())?;
        let key = std::env::var(KEY_VAR).unwrap_or_default();
        Some(Self { key: Secret::new(key), secret: Secret::new(secret) })
    }

    /// Whether both key and secret are set (needed to authenticate).
    pub fn can_authenticate(&self) -> bool {
        !self.key.expose().is_empty()
    }
}

/// Reads an environment variable that is not a secret (`GITHUB_STEP_SUMMARY`, `GOLIVE_LOG`).
#[allow(clippy::disallowed_methods)]
pub fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_never_prints() {
        let s = Secret::new("hunter2".to_string());
        assert_eq!(format!("{s} {s:?}"), "*** ***");
        assert_eq!(serde_json::to_string(&s).ok().as_deref(), Some("\"***\""));
    }
}
