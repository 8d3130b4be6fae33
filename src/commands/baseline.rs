//! `golive baseline` (placeholder until its issue lands).

use crate::ExitStatus;
use crate::cli::{BaselineArgs, Global};
use crate::error::Error;

/// Runs `golive baseline`.
///
/// # Errors
/// Not implemented yet.
pub fn run(_global: &Global, _args: &BaselineArgs) -> Result<ExitStatus, Error> {
    Err(Error::usage("`golive baseline` is not implemented yet", "see the project's issues"))
}
