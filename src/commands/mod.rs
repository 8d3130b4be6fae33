//! Binary glue: one file per subcommand, plus the steps they share (load config and checklist,
//! run the engine, write the reports, map the verdict to an exit status).

pub mod baseline;
pub mod check;
pub mod init;
pub mod rules;
pub mod sandbox;
pub mod scan;
pub mod simulate;
pub mod webhook;

use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};

use crate::checklist::{Checklist, ProbeKind};
use crate::cli::{ColorChoice, Global};
use crate::config::{self, Config};
use crate::diag::FileDiagnostics;
use crate::engine::{self, RunOptions};
use crate::error::Error;
use crate::report::{Report, Verdict};
use crate::secret::Credentials;
use crate::{ExitStatus, output};

/// Finds golive.toml (`--config`, else `ROOT/golive.toml`, else `./golive.toml`, else defaults),
/// loads it with the built-in checklist and the user's `[checklist] extend` files, and checks the
/// rule ids it names. Every problem of every file is reported at once.
///
/// # Errors
/// The problems found.
pub fn load_inputs(global: &Global, root: &Path) -> Result<(Config, Checklist), Error> {
    let path = match &global.config {
        Some(p) => {
            if !p.is_file() {
                return Err(Error::usage(
                    format!("config file {} does not exist", p.display()),
                    "check --config, or run `golive init` to create one",
                ));
            }
            Some(p.clone())
        }
        None => [root.join("golive.toml"), PathBuf::from("golive.toml")].into_iter().find(|p| p.is_file()),
    };
    let (cfg, mut problems) = match &path {
        Some(p) => config::load::parse_file(p)?,
        None => (Config::default(), Vec::new()),
    };
    let mut checklist = Checklist::builtin().clone();
    let mut errors = Vec::new();
    for file in &cfg.checklist.extend {
        if let Err(e) = checklist.extend_from_file(file) {
            errors.push(e);
        }
    }
    let ids: Vec<&str> = checklist.rules.iter().map(|r| r.id.as_str()).collect();
    problems.extend(config::load::check_rule_refs(&cfg, &|id| checklist.rule(id).is_some(), &ids));
    if !problems.is_empty() {
        let name = path.as_ref().map_or_else(|| "golive.toml".to_string(), |p| p.display().to_string());
        errors.insert(0, FileDiagnostics::new(&name, &cfg.source, problems));
    }
    match errors.len() {
        0 => Ok((cfg, checklist)),
        1 => Err(errors.remove(0).into()),
        _ => Err(Error::Inputs(errors)),
    }
}

/// Runs the engine and writes every report; the verdict becomes the exit status.
///
/// # Errors
/// Output files that cannot be written.
pub fn run_and_report(
    global: &Global,
    checklist: &Checklist,
    cfg: Config,
    opts: &RunOptions,
) -> Result<ExitStatus, Error> {
    let targets = output::targets(&global.format, &global.output, &global.report)?;
    let rt = runtime()?;
    let spinner = crate::progress::start(!global.quiet && global.verbose == 0);
    let report = rt.block_on(engine::run(checklist, cfg, Credentials::from_env(), opts));
    drop(spinner);
    output::emit(&report, &targets, use_color(global.color))?;
    // Dropping a runtime waits for its blocking tasks: after Ctrl-C an aborted static scan would
    // keep golive alive until it finished. The report is written, so nothing is left to wait for.
    rt.shutdown_background();
    Ok(exit_status(&report))
}

/// The options for a run over `root` with these probes.
pub fn run_options(global: &Global, root: &Path, probes: Vec<ProbeKind>) -> RunOptions {
    RunOptions {
        root: root.to_path_buf(),
        probes,
        fail_on: global.fail_on.severity(),
        require_attestations: global.require_attestations,
        only_files: None,
        scope: None,
        baseline: None,
    }
}

/// A checked path to an existing directory.
///
/// # Errors
/// The path does not exist or is not a directory.
pub fn existing_dir(path: &Path) -> Result<PathBuf, Error> {
    if path.is_dir() {
        Ok(path.to_path_buf())
    } else {
        Err(Error::usage(format!("{} is not a directory", path.display()), "give the path of the repository to check"))
    }
}

/// The multi-threaded tokio runtime the probes run on.
///
/// # Errors
/// The OS refused the threads.
pub fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|source| Error::Io {
        action: "cannot start",
        path: "the async runtime".into(),
        source,
    })
}

fn exit_status(report: &Report) -> ExitStatus {
    match report.verdict {
        Verdict::Pass => ExitStatus::Pass,
        Verdict::Fail => ExitStatus::Fail,
    }
}

/// Whether to colour the terminal report.
pub fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => std::io::stdout().is_terminal() && crate::secret::env_var("NO_COLOR").is_none(),
    }
}
