//! `golive scan [PATH]`: the static probe only.

use crate::checklist::ProbeKind;
use crate::cli::{Global, ScanArgs};
use crate::error::Error;
use crate::{ExitStatus, commands};

/// Scans `args.path` with the static rules.
///
/// # Errors
/// Usage, configuration or output problems.
pub fn run(global: &Global, args: &ScanArgs) -> Result<ExitStatus, Error> {
    let root = commands::existing_dir(&args.path)?;
    let (cfg, checklist) = commands::load_inputs(global, &root)?;
    let opts = commands::run_options(global, &root, vec![ProbeKind::Static]);
    commands::run_and_report(global, &checklist, cfg, &opts)
}
