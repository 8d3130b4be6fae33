//! Writing reports: stdout or files, several formats per run, files written atomically.
//!
//! A report file is written to a temporary file in the same directory and renamed over the target,
//! so a crash or Ctrl-C leaves either the previous report or the complete new one.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::report::{self, Format, Report};

/// Where one rendering of the report goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The format.
    pub format: Format,
    /// A file, or `None` for stdout.
    pub path: Option<PathBuf>,
}

/// Pairs `--format` and `--output` by position. With no `--format`, one human report (or JSON when
/// the output file ends in `.json`). At most one target may be stdout.
///
/// # Errors
/// More outputs than formats, or two reports on stdout.
pub fn targets(formats: &[Format], outputs: &[PathBuf]) -> Result<Vec<Target>, Error> {
    if formats.is_empty() {
        let path = match outputs {
            [] => None,
            [one] => Some(one.clone()),
            _ => {
                return Err(Error::usage(
                    "several --output files but no --format",
                    "give one --format per --output, in the same order",
                ));
            }
        };
        let format = if path.as_deref().and_then(Path::extension).is_some_and(|e| e == "json") {
            Format::Json
        } else {
            Format::Human
        };
        return Ok(vec![Target { format, path }]);
    }
    if outputs.len() > formats.len() {
        return Err(Error::usage(
            "more --output files than --format values",
            "give one --format per --output, in the same order",
        ));
    }
    let targets: Vec<Target> =
        formats.iter().enumerate().map(|(i, f)| Target { format: *f, path: outputs.get(i).cloned() }).collect();
    if targets.iter().filter(|t| t.path.is_none()).count() > 1 {
        return Err(Error::usage("only one report can go to stdout", "add an --output FILE for each extra --format"));
    }
    Ok(targets)
}

/// Renders the report into every target.
///
/// # Errors
/// A file that cannot be written.
pub fn emit(report: &Report, targets: &[Target], color: bool) -> Result<(), Error> {
    for t in targets {
        let text = report::render(report, t.format, color && t.path.is_none());
        match &t.path {
            Some(p) => write_atomic(p, text.as_bytes())?,
            None => write_stdout(&text),
        }
    }
    Ok(())
}

/// Writes to stdout; a closed pipe (`golive … | head`) is not an error.
#[allow(clippy::print_stdout)]
pub fn write_stdout(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

/// Writes `bytes` to `path` via a temporary file and a rename.
///
/// # Errors
/// The file or its directory cannot be written.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let io = |source| Error::Io { action: "cannot write", path: path.display().to_string(), source };
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map_or_else(|| "report".into(), |n| n.to_string_lossy().into_owned());
    let tmp = dir.join(format!(".{name}.golive-{}.tmp", std::process::id()));
    let res = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if res.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    res.map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_formats_and_outputs() {
        let t = targets(&[Format::Json, Format::Human], &[PathBuf::from("r.json")]).unwrap();
        assert_eq!(t[0].path.as_deref(), Some(Path::new("r.json")));
        assert_eq!(t[1].path, None);
        assert!(targets(&[Format::Json, Format::Human], &[]).is_err());
        assert_eq!(targets(&[], &[PathBuf::from("x.json")]).unwrap()[0].format, Format::Json);
    }

    #[test]
    fn atomic_write_replaces_whole_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.txt");
        write_atomic(&p, b"old").unwrap();
        write_atomic(&p, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temp file left behind");
    }
}
