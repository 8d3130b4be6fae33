//! `golive.toml`: the merchant's settings, validated.
//!
//! Loading has two stages: `load.rs` reads the TOML with spans and collects every problem; the
//! result is this [`Config`]. Settings layer as built-in defaults, then golive.toml, then CLI flags
//! (applied by the commands). Secrets never live here: only `EXIROM_MERCHANT_KEY` and
//! `EXIROM_MERCHANT_SECRET` from the environment (see `secret.rs`).

pub mod load;

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::PathBuf;

pub use load::{TEMPLATE, load_file, load_str};

use crate::checklist::Severity;

/// Production base URL (Going to Production, "Environment URLs").
pub const PRODUCTION_BASE_URL: &str = "https://api.exirom.com/api";
/// Sandbox base URL.
pub const SANDBOX_BASE_URL: &str = "https://sandbox.api.exirom.com/api";

/// The validated configuration.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Where it was read from (`None` = defaults only).
    pub path: Option<PathBuf>,
    /// The file's text, for diagnostics that point into it after loading.
    pub source: String,
    /// `[project]`.
    pub project: Project,
    /// `[exirom]`.
    pub exirom: Exirom,
    /// `[webhook]`.
    pub webhook: Webhook,
    /// `[sandbox]`.
    pub sandbox: Sandbox,
    /// `[static]`.
    pub scan: Scan,
    /// `[checklist]`.
    pub checklist: ChecklistCfg,
    /// `[attest.<name>]`, keyed by name (`monitoring`, `on-call`, …).
    pub attest: BTreeMap<String, Attestation>,
    /// `[[ignore]]`.
    pub ignore: Vec<Ignore>,
}

/// `[project]`.
#[derive(Debug, Clone, Default)]
pub struct Project {
    /// Display name for reports.
    pub name: Option<String>,
}

/// `[exirom]`: the production account.
#[derive(Debug, Clone)]
pub struct Exirom {
    /// Production API base URL.
    pub base_url: String,
    /// Card merchant id (`mid`).
    pub mid: Option<String>,
    /// APM account id (`accountId`).
    pub account_id: Option<String>,
}

impl Default for Exirom {
    fn default() -> Self {
        Self { base_url: PRODUCTION_BASE_URL.into(), mid: None, account_id: None }
    }
}

/// `[webhook.oracle]`: how golive sees whether a callback had an effect.
#[derive(Debug, Clone)]
pub struct Oracle {
    /// URL template with `{transactionId}` / `{requestId}`.
    pub url: String,
    /// JSON pointer to the value that shows the order was fulfilled.
    pub pointer: String,
    /// The value at `pointer` meaning "fulfilled" (default `true`).
    pub fulfilled: serde_json::Value,
}

/// `[webhook]`: the merchant's live callback endpoint.
#[derive(Debug, Clone)]
pub struct Webhook {
    /// The callback URL Exirom will call.
    pub url: Option<String>,
    /// Give up on a delivery after this long (Exirom's limit is 10 s).
    pub timeout_ms: u64,
    /// TCP/TLS connect timeout.
    pub connect_timeout_ms: u64,
    /// Warn when a delivery takes longer than this.
    pub slow_ms: u64,
    /// Checksum field-set variant (`auto`, `a`, `b`, `d`; API.md §11.2).
    pub checksum_variant: String,
    /// APM type used for APM callbacks.
    pub apm_type: String,
    /// Extra CA certificate (PEM) to trust.
    pub ca_cert: Option<PathBuf>,
    /// POST to private/loopback addresses.
    pub allow_private: bool,
    /// Side-effect oracle.
    pub oracle: Option<Oracle>,
}

impl Default for Webhook {
    fn default() -> Self {
        Self {
            url: None,
            timeout_ms: 10_000,
            connect_timeout_ms: 5_000,
            slow_ms: 2_000,
            checksum_variant: "auto".into(),
            apm_type: "UPI_QR".into(),
            ca_cert: None,
            allow_private: false,
            oracle: None,
        }
    }
}

/// `[sandbox.cards]`: test card per outcome.
#[derive(Debug, Clone)]
pub struct Cards {
    /// Approved without 3DS.
    pub approve: String,
    /// 3-D Secure challenge.
    pub three_ds: String,
    /// Declined.
    pub decline: String,
}

impl Default for Cards {
    fn default() -> Self {
        // See: ../shared/exirom/test-cards.toml
        Self {
            approve: "4111111111111111".into(),
            three_ds: "4000000000003220".into(),
            decline: "4000000000000002".into(),
        }
    }
}

/// `[sandbox]`: where flows run.
#[derive(Debug, Clone)]
pub struct Sandbox {
    /// Base URL, or `embedded` for the in-process simulator. `None` = not configured.
    pub base_url: Option<String>,
    /// Currencies that must each succeed.
    pub currencies: Vec<String>,
    /// Flows to run (`card`, `refund`, `payout`, `apm`, `currencies`, `idempotency`).
    pub flows: Vec<String>,
    /// APM types to exercise.
    pub apm_types: Vec<String>,
    /// Public URL that reaches golive's callback listener (a tunnel), for the real sandbox.
    pub callback_url: Option<String>,
    /// How long to wait for a callback before polling.
    pub callback_timeout_ms: u64,
    /// Per-request timeout.
    pub timeout_ms: u64,
    /// Test cards.
    pub cards: Cards,
}

/// Every sandbox flow name, in run order.
pub const ALL_FLOWS: &[&str] = &["card", "refund", "payout", "apm", "currencies", "idempotency"];

impl Default for Sandbox {
    fn default() -> Self {
        Self {
            base_url: None,
            currencies: vec!["EUR".into(), "USD".into()],
            flows: ALL_FLOWS.iter().map(|s| (*s).to_string()).collect(),
            apm_types: vec!["UPI_QR".into()],
            callback_url: None,
            callback_timeout_ms: 5_000,
            timeout_ms: 15_000,
            cards: Cards::default(),
        }
    }
}

/// `[static]`: what the static probe reads.
#[derive(Debug, Clone)]
pub struct Scan {
    /// Paths under the root to scan (empty = the whole root).
    pub paths: Vec<String>,
    /// Globs to skip, on top of .gitignore and the built-in skips.
    pub exclude: Vec<String>,
    /// Files larger than this are skipped (and reported).
    pub max_file_size: u64,
}

impl Default for Scan {
    fn default() -> Self {
        Self { paths: Vec::new(), exclude: Vec::new(), max_file_size: 5 * 1024 * 1024 }
    }
}

/// A rule reference with the span it came from, for diagnostics after the checklist is loaded.
#[derive(Debug, Clone)]
pub struct RuleRef {
    /// The rule id as written.
    pub id: String,
    /// Where it was written.
    pub span: Range<usize>,
}

/// `[checklist]`.
#[derive(Debug, Clone, Default)]
pub struct ChecklistCfg {
    /// User checklist files (relative to golive.toml).
    pub extend: Vec<PathBuf>,
    /// Rule ids not to run.
    pub disable: Vec<RuleRef>,
    /// Severity overrides.
    pub severity: Vec<(RuleRef, Severity)>,
}

/// `[attest.<name>]`: a person's confirmation of a manual item.
#[derive(Debug, Clone)]
pub struct Attestation {
    /// Who confirmed it.
    pub who: String,
    /// When (date).
    pub when: String,
    /// Link or note.
    pub evidence: Option<String>,
    /// Span of the table, for diagnostics.
    pub span: Range<usize>,
}

/// `[[ignore]]`: a suppression with its required reason.
#[derive(Debug, Clone)]
pub struct Ignore {
    /// Rule id it applies to.
    pub rule: RuleRef,
    /// Path glob (relative to the root); `None` = everywhere.
    pub path: Option<String>,
    /// Content fingerprint from a report (`fingerprint` field).
    pub fingerprint: Option<String>,
    /// Why this is acceptable.
    pub reason: String,
}
