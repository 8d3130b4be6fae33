//! The crate error: what stops a run with exit code 2 (usage, configuration, input).
//!
//! A probe failure is never an `Error`: it is a result with `status: "error"`.

use miette::Diagnostic;
use thiserror::Error;

use crate::diag::FileDiagnostics;

/// Why a command could not run.
#[derive(Debug, Error, Diagnostic)]
pub enum Error {
    /// A TOML file (golive.toml, a checklist) has problems.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Input(#[from] FileDiagnostics),
    /// Several input files have problems.
    #[error("{} files have problems", .0.len())]
    #[diagnostic(code(golive::input::invalid))]
    Inputs(#[related] Vec<FileDiagnostics>),
    /// A usage problem the argument parser cannot see.
    #[error("{message}")]
    #[diagnostic(code(golive::usage))]
    Usage {
        /// What is wrong.
        message: String,
        /// How to fix it.
        #[help]
        help: Option<String>,
    },
    /// Reading or writing a file failed.
    #[error("{action} {path}: {source}")]
    #[diagnostic(code(golive::io))]
    Io {
        /// What golive was doing (`cannot write`).
        action: &'static str,
        /// The file.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
}

impl Error {
    /// A usage error with a help line.
    pub fn usage(message: impl Into<String>, help: impl Into<String>) -> Self {
        Self::Usage { message: message.into(), help: Some(help.into()) }
    }
}
