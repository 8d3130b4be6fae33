//! The `golive` binary: parse arguments, set up logging, run, map the result to an exit code.

use clap::Parser as _;
use golive::cli::Cli;
use tracing_subscriber::EnvFilter;

fn main() {
    golive::install_crypto_provider();
    let cli = Cli::parse();
    init_logging(cli.global.verbose, cli.global.quiet);
    let code = match golive::run(&cli) {
        Ok(status) => status.code(),
        Err(e) => {
            report_error(e);
            golive::ExitStatus::Error.code()
        }
    };
    std::process::exit(code);
}

#[allow(clippy::print_stderr)]
fn report_error(e: golive::Error) {
    eprintln!("{:?}", miette::Report::new(e));
}

fn init_logging(verbose: u8, quiet: bool) {
    let default = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "golive=debug,warn",
        (false, _) => "golive=trace,info",
    };
    let filter = golive::secret::env_var("GOLIVE_LOG")
        .and_then(|f| EnvFilter::try_new(f).ok())
        .unwrap_or_else(|| EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .without_time()
        .init();
}
