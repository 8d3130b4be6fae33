//! golive: tells a merchant whether their Exirom payments integration is ready to go live.
//!
//! All logic is library code; `main.rs` only parses arguments, sets up logging and maps the
//! [`ExitStatus`] to an exit code. Start at [`run`].

pub mod checklist;
pub mod cli;
pub mod commands;
pub mod config;
pub mod diag;
pub mod engine;
pub mod error;
pub mod output;
pub mod probe;
pub mod progress;
pub mod receiver;
pub mod report;
pub mod secret;
pub mod simulator;
pub mod tomlread;

pub use error::Error;

/// How a command ended; `main.rs` maps it to the process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Verdict pass (exit 0).
    Pass,
    /// Verdict fail (exit 1).
    Fail,
    /// Usage, configuration or input error (exit 2).
    Error,
}

impl ExitStatus {
    /// The process exit code.
    pub fn code(self) -> i32 {
        match self {
            Self::Pass => 0,
            Self::Fail => 1,
            Self::Error => 2,
        }
    }
}

/// Runs a parsed command line.
///
/// # Errors
/// Usage, configuration and input problems (exit 2); check failures are an [`ExitStatus::Fail`].
pub fn run(cli: &cli::Cli) -> Result<ExitStatus, Error> {
    use cli::Command;
    match &cli.command {
        Command::Check(a) => commands::check::run(&cli.global, a),
        Command::Scan(a) => commands::scan::run(&cli.global, a),
        Command::Rules(a) => commands::rules::run(&cli.global, a),
        Command::Init(a) => commands::init::run(&cli.global, a),
        Command::Webhook(a) => commands::webhook::run(&cli.global, a),
        Command::Sandbox(a) => commands::sandbox::run(&cli.global, a),
        Command::Simulate(a) => commands::simulate::run(&cli.global, a),
        Command::Baseline(a) => commands::baseline::run(&cli.global, a),
    }
}

/// Installs ring as rustls' process-wide crypto provider (reqwest is built without one). Safe to
/// call more than once.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
