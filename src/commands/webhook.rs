//! `golive webhook` (placeholder until its issue lands).

use crate::ExitStatus;
use crate::cli::{Global, WebhookArgs};
use crate::error::Error;

/// Runs `golive webhook`.
///
/// # Errors
/// Not implemented yet.
pub fn run(_global: &Global, _args: &WebhookArgs) -> Result<ExitStatus, Error> {
    Err(Error::usage("`golive webhook` is not implemented yet", "see the project's issues"))
}
