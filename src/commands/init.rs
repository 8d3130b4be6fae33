//! `golive init`: writes the commented configuration template.

use crate::cli::{Global, InitArgs};
use crate::error::Error;
use crate::{ExitStatus, config, output};

/// Writes golive.toml (refusing to overwrite without `--force`).
///
/// # Errors
/// The file exists, or cannot be written.
pub fn run(_global: &Global, args: &InitArgs) -> Result<ExitStatus, Error> {
    if args.path.exists() && !args.force {
        return Err(Error::usage(format!("{} already exists", args.path.display()), "use --force to overwrite it"));
    }
    output::write_atomic(&args.path, config::TEMPLATE.as_bytes())?;
    tracing::info!(path = %args.path.display(), "wrote configuration template");
    Ok(ExitStatus::Pass)
}
