//! `golive check [PATH]`: every probe the configuration enables.

use std::sync::Arc;

use crate::checklist::ProbeKind;
use crate::cli::{CheckArgs, Global};
use crate::error::Error;
use crate::gating::Baseline;
use crate::{ExitStatus, commands};

/// Runs the whole checklist over `args.path`; `--baseline` suppresses known static findings.
///
/// # Errors
/// Usage, configuration or output problems.
pub fn run(global: &Global, args: &CheckArgs) -> Result<ExitStatus, Error> {
    let root = commands::existing_dir(&args.path)?;
    let (cfg, checklist) = commands::load_inputs(global, &root)?;
    let mut opts = commands::run_options(global, &root, ProbeKind::ALL.to_vec());
    opts.baseline = args.baseline.as_deref().map(Baseline::load).transpose()?.map(Arc::new);
    commands::run_and_report(global, &checklist, cfg, &opts)
}
