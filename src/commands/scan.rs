//! `golive scan [PATH]`: the static probe only; with `--changed-since REF` or `--staged`, only the
//! changed files and only the findings that are new (see [`crate::gating`]).

use std::sync::Arc;

use crate::checklist::ProbeKind;
use crate::cli::{Global, ScanArgs};
use crate::error::Error;
use crate::gating::{self, Baseline};
use crate::{ExitStatus, commands};

/// Scans `args.path` with the static rules.
///
/// # Errors
/// Usage, configuration or output problems; a git problem with `--changed-since`/`--staged`
/// (not a repository, unknown ref).
pub fn run(global: &Global, args: &ScanArgs) -> Result<ExitStatus, Error> {
    let root = commands::existing_dir(&args.path)?;
    let (cfg, checklist) = commands::load_inputs(global, &root)?;
    let mut opts = commands::run_options(global, &root, vec![ProbeKind::Static]);
    opts.baseline = args.baseline.as_deref().map(Baseline::load).transpose()?.map(Arc::new);
    let scope = if let Some(rev) = &args.changed_since {
        Some(gating::git::changed_since(&root, rev).map_err(git_error)?)
    } else if args.staged {
        Some(gating::git::staged(&root).map_err(git_error)?)
    } else {
        None
    };
    if let Some(mut scope) = scope {
        scope.retain_under(&cfg.scan.paths);
        tracing::info!(
            files = scope.files.len(),
            base = %scope.base_label,
            commit = scope.base_commit.as_deref().unwrap_or("none"),
            "partial scan"
        );
        opts.only_files = Some(scope.paths());
        opts.scope = Some(Arc::new(scope));
    }
    commands::run_and_report(global, &checklist, cfg, &opts)
}

#[allow(clippy::needless_pass_by_value)] // used as `map_err(git_error)`
fn git_error(e: gating::git::GitError) -> Error {
    let help = e.help();
    Error::usage(e.to_string(), help)
}
