//! The webhook probe: tests the merchant's live callback endpoint the way Exirom will call it.
//!
//! [`run`] resolves the URL's host once and classifies every address (public or a named private
//! range), picks one reachable address and pins every connection to it (no second DNS answer),
//! builds one delivery client, and runs one check per rule (`checks/`) in three phases: TLS
//! handshakes, callback deliveries, then `webhook-response-time`. Checks within a phase run
//! concurrently, each under a time bound, so the whole probe is bounded too: two connect timeouts
//! (DNS, reachability) plus one check bound per phase (handshakes, pilot delivery, the other
//! deliveries, response time). Only an endpoint that keeps answering, slowly, gets its deliveries
//! one by one (one check bound each); the first delivery that times out ends that. Nothing here
//! panics or hangs on a bad endpoint: every failure becomes that rule's `error` or `fail` with a
//! message. `tests/cli/hostile_endpoints.rs` holds golive to this against misbehaving servers.
//!
//! `[webhook] url = "embedded"` probes golive's reference receiver (`crate::receiver`) on
//! loopback, so the webhook rules can be tried with no network and no credentials.

pub mod address;
pub mod checks;
pub mod checksum;
pub mod client;
pub mod legacy;
pub mod oracle;
pub mod payload;
pub mod tls;

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use reqwest::Url;
use tokio::sync::OnceCell;

use self::checksum::Choice;
use self::client::Client;
use self::oracle::Oracle;
use self::payload::{Callback, Ids, Spec};
use self::tls::{TlsFacts, Trust};
use crate::checklist::Rule;
use crate::engine::ProbeRun;
use crate::probe::{Outcome, RunContext};
use crate::secret::Secret;

/// Names of the implementations this probe offers (one per webhook rule).
pub const IMPLEMENTATIONS: &[&str] = &checks::NAMES;

/// Whether an implementation called `name` exists.
pub fn implements(name: &str) -> bool {
    IMPLEMENTATIONS.contains(&name)
}

/// The `[webhook] url` value that selects the embedded reference receiver.
pub const EMBEDDED: &str = "embedded";

/// Used in payloads when neither `--mid` nor `[exirom] mid` is set.
const DEFAULT_MID: &str = "golive-test-mid";
/// Used in payloads when neither `--account-id` nor `[exirom] account_id` is set.
const DEFAULT_ACCOUNT_ID: &str = "golive-test-account";

/// Runs the webhook rules against `[webhook] url`.
pub async fn run(ctx: &RunContext, rules: &[&Rule]) -> ProbeRun {
    let cfg = &ctx.config.webhook;
    let Some(raw_url) = cfg.url.as_deref() else {
        return rules.iter().map(|r| Outcome::skip(&r.id, "no [webhook] url configured")).collect::<Vec<_>>().into();
    };
    crate::install_crypto_provider();
    let mut warnings = Vec::new();

    let env_secret = ctx.credentials.as_ref().map(|c| c.secret.clone());
    let mut receiver = None;
    let (url, secret, extra_ca, oracle) = if raw_url == EMBEDDED {
        // A throwaway secret unless the merchant's own is set: the receiver and golive share it.
        let secret =
            env_secret.unwrap_or_else(|| Secret::new(format!("golive-embedded-{}", uuid::Uuid::new_v4().simple())));
        match crate::receiver::start_tls(secret.clone()).await {
            Ok(handle) => {
                let oracle = cfg.oracle.as_ref().map_or_else(|| Oracle::embedded(&handle.oracle_config()), Oracle::new);
                let out = (handle.url.clone(), Some(secret), Some(handle.ca_pem.clone()), Some(oracle));
                receiver = Some(handle);
                out
            }
            Err(e) => {
                let msg = format!("cannot start the embedded reference receiver: {e}");
                return rules.iter().map(|r| Outcome::error(&r.id, msg.clone())).collect::<Vec<_>>().into();
            }
        }
    } else {
        (raw_url.to_string(), env_secret, None, cfg.oracle.as_ref().map(Oracle::new))
    };

    let ids = Ids {
        mid: ctx.config.exirom.mid.clone().unwrap_or_else(|| DEFAULT_MID.into()),
        account_id: ctx.config.exirom.account_id.clone().unwrap_or_else(|| DEFAULT_ACCOUNT_ID.into()),
    };
    if receiver.is_none() && (ctx.config.exirom.mid.is_none() || ctx.config.exirom.account_id.is_none()) {
        warnings.push(format!(
            "webhook: no mid/accountId configured; callbacks carry `{}` / `{}` (set --mid/--account-id or [exirom] mid/account_id)",
            ids.mid, ids.account_id
        ));
    }

    let outcomes = match Probe::prepare(ctx, &url, receiver.is_some(), ids, secret, extra_ca.as_deref(), oracle).await {
        Ok(probe) => checks::run_all(probe, rules).await,
        Err(msg) => rules.iter().map(|r| Outcome::error(&r.id, msg.clone())).collect(),
    };
    if let Some(r) = receiver {
        r.shutdown();
    }
    ProbeRun { outcomes, warnings }
}

/// The endpoint under test.
#[derive(Debug)]
pub struct Target {
    /// The callback URL (without the query parameters golive appends).
    pub url: Url,
    /// Its host, without IPv6 brackets.
    pub host: String,
    /// Its port (the scheme's default when absent).
    pub port: u16,
    /// Every address the host resolved to, or why it did not resolve.
    pub resolved: Result<Vec<IpAddr>, String>,
    /// The resolved address golive connects to: the first that accepts a TCP connection.
    pub chosen: Option<IpAddr>,
}

impl Target {
    /// The address golive connects to: one of those resolved (and classified).
    pub fn addr(&self) -> Option<SocketAddr> {
        self.chosen.map(|ip| SocketAddr::new(ip, self.port))
    }

    /// `https://`.
    pub fn is_https(&self) -> bool {
        self.url.scheme() == "https"
    }

    /// The first resolved address that is not public, with its range.
    pub fn private_address(&self) -> Option<(IpAddr, &'static str)> {
        let ips = self.resolved.as_ref().ok()?;
        ips.iter().find_map(|ip| address::non_public_range(*ip).map(|r| (*ip, r)))
    }
}

/// Everything the checks share for one run.
#[derive(Debug)]
pub struct Probe {
    /// The endpoint.
    pub target: Target,
    /// Probing golive's own reference receiver on loopback.
    pub embedded: bool,
    /// Callbacks may go to private and loopback addresses.
    pub allow_private: bool,
    /// Give up on a delivery after this long.
    pub timeout: Duration,
    /// TCP/TLS connect timeout (also bounds each handshake probe).
    pub connect_timeout: Duration,
    /// `[webhook] slow_ms`.
    pub slow_ms: u64,
    /// Which checksum variant signs which callback.
    pub choice: Choice,
    /// `apmType` of APM callbacks.
    pub apm_type: String,
    /// `mid` / `accountId` in payloads.
    pub ids: Ids,
    /// The merchant secret (or the embedded receiver's).
    pub secret: Option<Secret<String>>,
    /// The side-effect oracle.
    pub oracle: Option<Oracle>,
    trust: Result<Trust, String>,
    client: Result<Client, String>,
    tls: OnceCell<TlsFacts>,
}

impl Probe {
    /// Parses the URL, resolves its host and builds the client.
    ///
    /// # Errors
    /// The URL is not an absolute http(s) URL with a host.
    async fn prepare(
        ctx: &RunContext,
        url: &str,
        embedded: bool,
        ids: Ids,
        secret: Option<Secret<String>>,
        extra_ca: Option<&str>,
        oracle: Option<Oracle>,
    ) -> Result<Self, String> {
        let cfg = &ctx.config.webhook;
        let parsed = Url::parse(url).map_err(|e| format!("[webhook] url is not a valid URL: {e}"))?;
        let host = match parsed.host_str() {
            Some(h) if !h.is_empty() => h.trim_start_matches('[').trim_end_matches(']').to_string(),
            _ => return Err("[webhook] url has no host".into()),
        };
        let port = parsed.port_or_known_default().ok_or("[webhook] url has no port and an unknown scheme")?;
        let connect_timeout = Duration::from_millis(cfg.connect_timeout_ms.max(1));
        let timeout = Duration::from_millis(cfg.timeout_ms.max(1));
        let resolved = resolve(&host, port, connect_timeout).await;
        let chosen = match &resolved {
            Ok(ips) => pick_reachable(ips, port, connect_timeout).await,
            Err(_) => None,
        };
        let target = Target { url: parsed, host, port, resolved, chosen };

        let trust = Trust::load(cfg.ca_cert.as_deref(), extra_ca).map_err(|e| e.to_string());
        let client = match (&trust, target.addr()) {
            (Ok(t), Some(addr)) => Client::new(&target.url, addr, t, connect_timeout, timeout),
            (Err(e), _) => Err(e.clone()),
            (Ok(_), None) => Err("the host did not resolve".into()),
        };
        Ok(Self {
            target,
            embedded,
            allow_private: cfg.allow_private || embedded,
            timeout,
            connect_timeout,
            slow_ms: cfg.slow_ms,
            choice: Choice::parse(&cfg.checksum_variant).unwrap_or(Choice::Auto),
            apm_type: cfg.apm_type.clone(),
            ids,
            secret,
            oracle,
            trust,
            client,
            tls: OnceCell::new(),
        })
    }

    /// The delivery client.
    ///
    /// # Errors
    /// It could not be built (unreadable `--ca-cert`, unresolved host).
    pub fn client(&self) -> Result<&Client, String> {
        self.client.as_ref().map_err(Clone::clone)
    }

    /// The TLS facts, gathered once for `webhook-tls-version` and `webhook-certificate`.
    ///
    /// # Errors
    /// The roots could not be loaded or the host did not resolve.
    pub async fn tls(&self) -> Result<&TlsFacts, String> {
        let trust = self.trust.as_ref().map_err(Clone::clone)?;
        let addr = self.target.addr().ok_or("the host did not resolve")?;
        Ok(self.tls.get_or_init(|| tls::inspect(addr, &self.target.host, trust, self.connect_timeout)).await)
    }

    /// A card callback for a new transaction.
    pub fn card(&self, status: &'static str) -> Spec {
        Spec::card(&self.ids, status, self.choice, self.target.url.as_str())
    }

    /// An APM callback for a new transaction.
    pub fn apm(&self, status: &'static str) -> Spec {
        Spec::apm(&self.ids, &self.apm_type, status, self.choice, self.target.url.as_str())
    }

    /// `spec` signed with the secret (checks that sign are only run when it is set).
    pub fn sign(&self, spec: &Spec) -> Callback {
        spec.signed(self.secret.as_ref().map_or(&b""[..], |s| s.expose().as_bytes()))
    }

    /// How the rejection, duplicate and out-of-order rules judge: by effect or by status code.
    pub fn judged_by(&self) -> &'static str {
        if self.oracle.is_some() {
            "judged by effect through [webhook.oracle]"
        } else {
            "judged by status code: no [webhook.oracle] configured, so an endpoint that answers 200 first and verifies later cannot be told apart"
        }
    }

    /// A bound on one check: two deliveries, their connects and the oracle's settle time.
    fn check_bound(&self) -> Duration {
        (self.timeout + self.connect_timeout) * 2 + Duration::from_secs(if self.oracle.is_some() { 8 } else { 2 })
    }
}

/// The first address (in resolver order) that accepts a TCP connection, else the first address.
/// With several addresses (`localhost` is often `::1` and `127.0.0.1`) the server may listen on
/// only one; every check then uses that one, and the DNS answer is never asked for again.
async fn pick_reachable(ips: &[IpAddr], port: u16, timeout: Duration) -> Option<IpAddr> {
    if ips.len() < 2 {
        return ips.first().copied();
    }
    let attempts = ips.iter().map(|ip| {
        let addr = SocketAddr::new(*ip, port);
        async move { tokio::time::timeout(timeout, tokio::net::TcpStream::connect(addr)).await.is_ok_and(|r| r.is_ok()) }
    });
    let mut set = tokio::task::JoinSet::new();
    for (i, attempt) in attempts.enumerate() {
        set.spawn(async move { (i, attempt.await) });
    }
    let mut reachable = vec![false; ips.len()];
    while let Some(Ok((i, ok))) = set.join_next().await {
        reachable[i] = ok;
    }
    ips.iter().zip(reachable).find(|(_, ok)| *ok).map(|(ip, _)| *ip).or_else(|| ips.first().copied())
}

/// The host's addresses: the literal for an IP, else a DNS lookup bounded by `timeout`.
async fn resolve(host: &str, port: u16, timeout: Duration) -> Result<Vec<IpAddr>, String> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(vec![ip]);
    }
    match tokio::time::timeout(timeout, tokio::net::lookup_host((host, port))).await {
        Ok(Ok(addrs)) => {
            let mut ips: Vec<IpAddr> = Vec::new();
            for a in addrs {
                if !ips.contains(&a.ip()) {
                    ips.push(a.ip());
                }
            }
            if ips.is_empty() { Err(format!("{host} has no address")) } else { Ok(ips) }
        }
        Ok(Err(e)) => Err(format!("cannot resolve {host}: {e}")),
        Err(_) => Err(format!("cannot resolve {host}: no DNS answer within {} ms", timeout.as_millis())),
    }
}

#[cfg(test)]
mod tests {
    use crate::checklist::{Checklist, ProbeKind};

    #[test]
    fn every_webhook_rule_links_an_exirom_page_first() {
        for r in Checklist::builtin().rules.iter().filter(|r| r.probe == ProbeKind::Webhook) {
            let url = r.docs_url().unwrap_or_default();
            assert!(url.starts_with("https://developers.exirom.com/docs/"), "{}: {url}", r.id);
        }
    }

    #[test]
    fn implementations_are_the_registered_checks() {
        assert_eq!(super::IMPLEMENTATIONS.len(), 12);
        assert!(super::implements("tls-version") && !super::implements("tls_version"));
    }
}
