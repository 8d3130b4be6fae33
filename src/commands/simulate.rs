//! `golive simulate` (placeholder until its issue lands).

use crate::ExitStatus;
use crate::cli::{Global, SimulateArgs};
use crate::error::Error;

/// Runs `golive simulate`.
///
/// # Errors
/// Not implemented yet.
pub fn run(_global: &Global, _args: &SimulateArgs) -> Result<ExitStatus, Error> {
    Err(Error::usage("`golive simulate` is not implemented yet", "see the project's issues"))
}
