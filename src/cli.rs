//! Command-line interface (clap derive). The doc comments here ARE the `--help` text.

// The doc comments are user-facing --help text, not rustdoc Markdown.
#![allow(clippy::doc_markdown, rustdoc::broken_intra_doc_links, rustdoc::bare_urls)]

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::checklist::Severity;
use crate::report::Format;

/// golive: is this Exirom payments integration ready to go live?
///
/// Scans the repository, probes the live callback endpoint, runs the sandbox payment flows and
/// reads the team's attestations, then writes a pass/fail report against Exirom's go-live checklist.
///
/// Exit codes: 0 pass, 1 checks failed, 2 usage, configuration or input error.
/// Secrets come only from the environment: `EXIROM_MERCHANT_KEY` and `EXIROM_MERCHANT_SECRET`.
#[derive(Debug, Parser)]
#[command(name = "golive", version, propagate_version = true, max_term_width = 100)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// Options every command understands.
    #[command(flatten)]
    pub global: Global,
}

/// Options shared by every subcommand.
#[derive(Debug, Args, Clone)]
pub struct Global {
    /// Configuration file [default: PATH/golive.toml, else ./golive.toml, if present].
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Report format; repeat it together with --output to write several reports in one run.
    #[arg(long, global = true, value_enum, value_name = "FORMAT")]
    pub format: Vec<Format>,
    /// Write the report to FILE (atomically) instead of stdout; pairs with the --format at the same position.
    #[arg(long, short = 'o', global = true, value_name = "FILE")]
    pub output: Vec<PathBuf>,
    /// Also write a report in FORMAT to PATH (repeatable): `--report sarif=golive.sarif --report markdown=golive.md`.
    #[arg(long, global = true, value_name = "FORMAT=PATH", value_parser = crate::output::parse_report_arg)]
    pub report: Vec<crate::output::Target>,
    /// Fail the verdict on violations of this severity or worse.
    #[arg(long, global = true, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// Missing attestations fail the verdict (use for the final go-live gate, not on pull requests).
    #[arg(long, global = true)]
    pub require_attestations: bool,
    /// More logging on stderr (-v debug, -vv trace). `GOLIVE_LOG` takes a tracing filter.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Only errors on stderr.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Colour in the terminal report.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

/// `--fail-on` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Only error-severity violations fail.
    Error,
    /// Warnings fail too.
    Warn,
}

impl FailOn {
    /// The severity threshold.
    pub fn severity(self) -> Severity {
        match self {
            Self::Error => Severity::Error,
            Self::Warn => Severity::Warn,
        }
    }
}

/// `--color` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when stdout is a terminal and `NO_COLOR` is unset.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run every probe the configuration enables: static scan, webhook, sandbox flows, attestations.
    Check(CheckArgs),
    /// Scan the repository only (the static probe): fast, for pull requests and pre-commit.
    Scan(ScanArgs),
    /// List the checklist's rules, or print one rule's documentation.
    Rules(RulesArgs),
    /// Write a commented golive.toml to start from.
    Init(InitArgs),
    /// Probe the live callback endpoint the way Exirom will call it.
    Webhook(WebhookArgs),
    /// Run the payment flows against the Exirom sandbox or the embedded simulator.
    Sandbox(SandboxArgs),
    /// Run a local Exirom sandbox simulator (no network, no credentials).
    Simulate(SimulateArgs),
    /// Record today's findings so only new ones fail (adopting golive on an existing codebase).
    Baseline(BaselineArgs),
}

/// `golive check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Repository to check.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Report static findings recorded in this baseline file as skipped ("baselined").
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
}

/// `golive scan`.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Repository (or directory) to scan.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Scan the files changed since this git ref, and report only findings not present at REF.
    #[arg(long, value_name = "REF")]
    pub changed_since: Option<String>,
    /// Scan only the files staged in git (for pre-commit hooks).
    #[arg(long, conflicts_with = "changed_since")]
    pub staged: bool,
    /// Report findings recorded in this baseline file as skipped ("baselined").
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
}

/// `golive webhook`.
#[derive(Debug, Args)]
pub struct WebhookArgs {
    /// The callback URL to probe [default: [webhook] url from golive.toml].
    pub url: Option<String>,
    /// Also trust this CA certificate (PEM).
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,
    /// Allow callbacks to private and loopback addresses (test setups).
    #[arg(long)]
    pub allow_private: bool,
    /// Merchant id used in card callback payloads.
    #[arg(long)]
    pub mid: Option<String>,
    /// Account id used in APM callback payloads.
    #[arg(long)]
    pub account_id: Option<String>,
}

/// `golive sandbox`.
#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// Repository whose golive.toml configures the run.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Sandbox API base URL, or `embedded` for the in-process simulator
    /// [default: [sandbox] base_url, else https://sandbox.api.exirom.com/api].
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// Merchant id (card API).
    #[arg(long)]
    pub mid: Option<String>,
    /// Account id (APM API).
    #[arg(long)]
    pub account_id: Option<String>,
    /// Public URL that reaches golive's callback listener (a tunnel), for the real sandbox. With it,
    /// the listener binds 127.0.0.1:8788 (GOLIVE_CALLBACK_LISTEN changes it): point the tunnel there.
    #[arg(long, value_name = "URL")]
    pub callback_url: Option<String>,
}

/// `golive simulate`.
#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8099", value_name = "ADDR")]
    pub listen: String,
    /// Multiply every delay (callback retries 2, 4, 8, 16, 32 min) by this factor; 0.001 turns minutes into ms.
    #[arg(long, default_value_t = 1.0, value_name = "FACTOR")]
    pub time_scale: f64,
    /// Append every request and callback attempt to FILE as JSON lines.
    #[arg(long, value_name = "FILE")]
    pub log: Option<PathBuf>,
    /// Requests per minute per client before 429 (0 = no limit).
    #[arg(long, default_value_t = 40, value_name = "N")]
    pub rate_limit: u32,
    /// Chaos: deliver every callback twice.
    #[arg(long)]
    pub duplicate_callbacks: bool,
    /// Chaos: deliver a stale intermediate status after the final one.
    #[arg(long)]
    pub out_of_order_callbacks: bool,
    /// Chaos: delay every callback by this many milliseconds.
    #[arg(long, default_value_t = 0, value_name = "MS")]
    pub callback_delay_ms: u64,
    /// Checksum field-set variant used to sign callbacks (a, b, c, d; API.md §11.2).
    #[arg(long, default_value = "d", value_name = "VARIANT")]
    pub checksum_variant: String,
    /// Chaos: never deliver callbacks (test that your integration falls back to polling).
    #[arg(long)]
    pub drop_callbacks: bool,
    /// Base URL customers' browsers use for the 3DS and APM pages (default: the listen address).
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,
}

/// `golive baseline`.
#[derive(Debug, Args)]
pub struct BaselineArgs {
    /// What to do with the baseline.
    #[command(subcommand)]
    pub action: BaselineAction,
}

/// `golive baseline` actions.
#[derive(Debug, Subcommand)]
pub enum BaselineAction {
    /// Write golive-baseline.json with the fingerprints of every current static finding.
    Create {
        /// Repository to scan.
        #[arg(default_value = ".")]
        path: PathBuf,
        /// Where to write the baseline.
        #[arg(long, default_value = "golive-baseline.json", value_name = "FILE")]
        out: PathBuf,
    },
}

/// `golive rules`.
#[derive(Debug, Args)]
pub struct RulesArgs {
    /// A rule id: print its documentation. `golive rules test FILE.toml` runs a checklist file's
    /// `[rule.examples]` and reports which examples the rules get wrong.
    pub id: Option<String>,
    /// With `test`: the checklist file whose examples to run.
    #[arg(requires = "id")]
    pub file: Option<PathBuf>,
    /// Print the go-live checklist with the rules that prove each item.
    #[arg(long, conflicts_with = "id")]
    pub checklist: bool,
}

/// `golive init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Where to write it.
    #[arg(default_value = "golive.toml")]
    pub path: PathBuf,
    /// Overwrite an existing file.
    #[arg(long)]
    pub force: bool,
}
