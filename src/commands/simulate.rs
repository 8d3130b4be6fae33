//! `golive simulate`: runs the local Exirom sandbox simulator until Ctrl-C (or SIGTERM).
//!
//! The credentials it honours come from `EXIROM_MERCHANT_KEY`/`EXIROM_MERCHANT_SECRET` when set;
//! otherwise a pair is generated and printed. A secret from the environment is never printed.

use std::io::Write as _;
use std::net::SocketAddr;

use crate::ExitStatus;
use crate::cli::{Global, SimulateArgs};
use crate::error::Error;
use crate::secret::{Credentials, SECRET_VAR};
use crate::simulator::{
    CardOutcome, Chaos, ChecksumVariant, RunningSimulator, SimConfig, SimError, Simulator, TEST_CARDS,
    generated_credentials,
};

/// Where the merchant secret came from.
enum SecretSource {
    Generated,
    Environment,
}

/// Runs `golive simulate`.
///
/// # Errors
/// Bad flags, an address that cannot be bound, or a log file that cannot be opened.
pub fn run(_global: &Global, args: &SimulateArgs) -> Result<ExitStatus, Error> {
    let (cfg, source) = config(args)?;
    let rt = super::runtime()?;
    rt.block_on(async {
        let addr = resolve(&args.listen).await?;
        let sim = Simulator::start(cfg, addr).await.map_err(|e| match e {
            SimError::Log { path, source } => {
                Error::Io { action: "cannot open", path: path.display().to_string(), source }
            }
            SimError::Bind { .. } => {
                Error::usage(e.to_string(), "choose a free address with --listen, e.g. 127.0.0.1:0 for any port")
            }
            SimError::Config(_) => Error::usage(e.to_string(), "see `golive simulate --help`"),
        })?;
        banner(&sim, args, &source);
        wait_for_stop().await;
        tracing::info!("stopping the simulator");
        sim.shutdown().await;
        Ok(ExitStatus::Pass)
    })
}

/// The simulator configuration the flags and environment describe.
fn config(args: &SimulateArgs) -> Result<(SimConfig, SecretSource), Error> {
    let checksum_variant: ChecksumVariant =
        args.checksum_variant.parse().map_err(|e: crate::simulator::checksum::UnknownVariant| {
            Error::usage(e.to_string(), "use --checksum-variant a, b, c or d (API.md §11.2)")
        })?;
    if !args.time_scale.is_finite() || args.time_scale < 0.0 {
        return Err(Error::usage(
            format!("--time-scale must be a number >= 0, not {}", args.time_scale),
            "use 1 for real time, 0.001 to turn minutes into milliseconds",
        ));
    }
    let (credentials, source) = match Credentials::from_env() {
        Some(c) if c.can_authenticate() => (c, SecretSource::Environment),
        // Only the secret is set: honour it with a generated key.
        Some(c) => (Credentials { key: generated_credentials().key, secret: c.secret }, SecretSource::Environment),
        None => (generated_credentials(), SecretSource::Generated),
    };
    let cfg = SimConfig {
        credentials,
        time_scale: args.time_scale,
        rate_limit_per_min: args.rate_limit,
        chaos: Chaos {
            duplicate: args.duplicate_callbacks,
            out_of_order: args.out_of_order_callbacks,
            delay_ms: args.callback_delay_ms,
            drop: args.drop_callbacks,
        },
        checksum_variant,
        log_file: args.log.clone(),
        public_url: args.public_url.clone(),
        ..SimConfig::default()
    };
    Ok((cfg, source))
}

/// Resolves `host:port` (a literal address or a name such as `localhost:8099`).
async fn resolve(listen: &str) -> Result<SocketAddr, Error> {
    if let Ok(a) = listen.parse() {
        return Ok(a);
    }
    let help = "give --listen as HOST:PORT, e.g. 127.0.0.1:8099";
    let mut addrs = tokio::net::lookup_host(listen)
        .await
        .map_err(|e| Error::usage(format!("cannot resolve --listen {listen}: {e}"), help))?;
    addrs.next().ok_or_else(|| Error::usage(format!("--listen {listen} resolves to no address"), help))
}

/// Prints the base URL, credentials and settings on stdout (the command's output).
fn banner(sim: &RunningSimulator, args: &SimulateArgs, source: &SecretSource) {
    let cfg = sim.config();
    let root = sim.root_url();
    let secret = match source {
        SecretSource::Generated => format!("{} (generated for this run)", cfg.credentials.secret.expose()),
        SecretSource::Environment => format!("(from {SECRET_VAR}, not shown)"),
    };
    let cards = TEST_CARDS
        .iter()
        .map(|c| {
            let what = match c.outcome {
                CardOutcome::Approve => "approve".to_string(),
                CardOutcome::ThreeDs => "3-D Secure challenge".to_string(),
                CardOutcome::Decline(code) => format!("decline (declineCode {code})"),
            };
            format!("{} {what}", c.number)
        })
        .collect::<Vec<_>>()
        .join("\n                  ");
    let mut chaos = Vec::new();
    if cfg.chaos.duplicate {
        chaos.push("duplicate".to_string());
    }
    if cfg.chaos.out_of_order {
        chaos.push("out-of-order".to_string());
    }
    if cfg.chaos.delay_ms > 0 {
        chaos.push(format!("delay {} ms", cfg.chaos.delay_ms));
    }
    if cfg.chaos.drop {
        chaos.push("drop".to_string());
    }
    let rate = match cfg.rate_limit_per_min {
        0 => "off".to_string(),
        n => format!("{n} requests/min per IP"),
    };
    let log = args.log.as_ref().map_or_else(|| "memory only".to_string(), |p| p.display().to_string());
    let text = format!(
        "golive simulate: local Exirom sandbox\n\
         \x20 base URL        {base}\n\
         \x20 merchantKey     {key}\n\
         \x20 merchantSecret  {secret}\n\
         \x20 test cards      {cards}\n\
         \x20 callbacks       X-Checksum variant {variant}; retries after 2, 4, 8, 16, 32 min x {scale}\n\
         \x20 rate limit      {rate}\n\
         \x20 chaos           {chaos}\n\
         \x20 log             {log}; GET {root}/_simulator/log\n\
         \x20 transactions    GET {root}/_simulator/transactions\n\
         Press Ctrl-C to stop.\n",
        base = sim.base_url(),
        key = cfg.credentials.key.expose(),
        variant = cfg.checksum_variant,
        scale = cfg.time_scale,
        chaos = if chaos.is_empty() { "off".to_string() } else { chaos.join(", ") },
    );
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

/// Waits for Ctrl-C, or SIGTERM on Unix.
async fn wait_for_stop() {
    #[cfg(unix)]
    {
        let term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate());
        match term {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
