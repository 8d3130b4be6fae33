//! `golive sandbox` (placeholder until its issue lands).

use crate::ExitStatus;
use crate::cli::{Global, SandboxArgs};
use crate::error::Error;

/// Runs `golive sandbox`.
///
/// # Errors
/// Not implemented yet.
pub fn run(_global: &Global, _args: &SandboxArgs) -> Result<ExitStatus, Error> {
    Err(Error::usage("`golive sandbox` is not implemented yet", "see the project's issues"))
}
