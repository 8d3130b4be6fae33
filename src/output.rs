//! Writing reports: stdout or files, several formats per run, files written atomically.
//!
//! A report file is written to a temporary file in the same directory and renamed over the target,
//! so a crash or Ctrl-C leaves either the previous report or the complete new one. Every rendered
//! text passes through [`Redactor`] first: the last line of defence against a leaked card number or
//! merchant secret, whatever the format.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::report::redact::Redactor;
use crate::report::{self, Format, Report};

/// Environment variable naming the GitHub Actions job summary file.
pub const STEP_SUMMARY_VAR: &str = "GITHUB_STEP_SUMMARY";

/// Where one rendering of the report goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The format.
    pub format: Format,
    /// A file, or `None` for stdout.
    pub path: Option<PathBuf>,
}

/// Parses `--report FORMAT=PATH` (`sarif=golive.sarif`).
///
/// # Errors
/// No `=`, an unknown format, or an empty path; the message lists the formats.
pub fn parse_report_arg(s: &str) -> Result<Target, String> {
    use clap::ValueEnum as _;
    let names = || Format::value_variants().iter().map(|f| f.name()).collect::<Vec<_>>().join(", ");
    let Some((format, path)) = s.split_once('=') else {
        return Err(format!("expected FORMAT=PATH (e.g. sarif=golive.sarif); formats: {}", names()));
    };
    let format = Format::from_str(format.trim(), true)
        .map_err(|_| format!("unknown format `{}`; formats: {}", format.trim(), names()))?;
    if path.is_empty() {
        return Err("the path after `=` is empty".into());
    }
    Ok(Target { format, path: Some(PathBuf::from(path)) })
}

/// Every report a run writes: `--format` and `--output` paired by position, then each
/// `--report FORMAT=PATH`. With no `--format`, one human report on stdout (or JSON when the only
/// `--output` ends in `.json`), whatever `--report` adds. At most one target may be stdout, and no
/// two may write the same file.
///
/// # Errors
/// More outputs than formats, two reports on stdout, or two reports to one file.
pub fn targets(formats: &[Format], outputs: &[PathBuf], reports: &[Target]) -> Result<Vec<Target>, Error> {
    let mut all = paired(formats, outputs)?;
    all.extend(reports.iter().cloned());
    for (i, t) in all.iter().enumerate() {
        if let Some(p) = &t.path
            && all[..i].iter().any(|u| u.path.as_ref() == Some(p))
        {
            return Err(Error::usage(
                format!("two reports would be written to {}", p.display()),
                "give each --output / --report its own file",
            ));
        }
    }
    Ok(all)
}

fn paired(formats: &[Format], outputs: &[PathBuf]) -> Result<Vec<Target>, Error> {
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

/// Renders the report into every target, each text redacted. A `github` target also appends the
/// Markdown ticket to `$GITHUB_STEP_SUMMARY` when that is set (the job summary).
///
/// # Errors
/// A file that cannot be written.
pub fn emit(report: &Report, targets: &[Target], color: bool) -> Result<(), Error> {
    let redactor = Redactor::for_report(report);
    for t in targets {
        let text = redactor.apply_format(&report::render(report, t.format, color && t.path.is_none()), t.format);
        match &t.path {
            Some(p) => write_atomic(p, text.as_bytes())?,
            None => write_stdout(&text),
        }
    }
    if targets.iter().any(|t| t.format == Format::Github)
        && let Some(summary) = crate::secret::env_var(STEP_SUMMARY_VAR)
    {
        let text = redactor.apply(&report::markdown::render(report));
        append(Path::new(&summary), text.as_bytes())?;
    }
    Ok(())
}

/// Appends to a file, creating it (the job summary may hold other steps' output).
///
/// # Errors
/// The file cannot be opened or written.
pub fn append(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let io = |source| Error::Io { action: "cannot append to", path: path.display().to_string(), source };
    let mut f = std::fs::OpenOptions::new().create(true).append(true).open(path).map_err(io)?;
    let mut buf = bytes.to_vec();
    if !buf.ends_with(b"\n") {
        buf.push(b'\n');
    }
    buf.push(b'\n');
    f.write_all(&buf).map_err(io)
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
        let t = targets(&[Format::Json, Format::Human], &[PathBuf::from("r.json")], &[]).unwrap();
        assert_eq!(t[0].path.as_deref(), Some(Path::new("r.json")));
        assert_eq!(t[1].path, None);
        assert!(targets(&[Format::Json, Format::Human], &[], &[]).is_err());
        assert_eq!(targets(&[], &[PathBuf::from("x.json")], &[]).unwrap()[0].format, Format::Json);
    }

    #[test]
    fn parses_report_args() {
        let t = parse_report_arg("sarif=out/golive.sarif").unwrap();
        assert_eq!((t.format, t.path.as_deref()), (Format::Sarif, Some(Path::new("out/golive.sarif"))));
        assert_eq!(parse_report_arg("JUnit=a=b.xml").unwrap().path.as_deref(), Some(Path::new("a=b.xml")));
        let err = parse_report_arg("pdf=x.pdf").unwrap_err();
        assert!(err.contains("unknown format `pdf`") && err.contains("markdown, html, sarif"), "{err}");
        assert!(parse_report_arg("sarif").unwrap_err().contains("FORMAT=PATH"));
        assert!(parse_report_arg("sarif=").is_err());
    }

    #[test]
    fn report_args_add_to_the_pairs() {
        let sarif = parse_report_arg("sarif=g.sarif").unwrap();
        let md = parse_report_arg("markdown=g.md").unwrap();
        // Only --report: the human report still goes to stdout.
        let t = targets(&[], &[], &[sarif.clone(), md.clone()]).unwrap();
        assert_eq!(
            t.iter().map(|t| (t.format, t.path.is_some())).collect::<Vec<_>>(),
            [(Format::Human, false), (Format::Sarif, true), (Format::Markdown, true)]
        );
        let t = targets(&[Format::Github], &[], std::slice::from_ref(&sarif)).unwrap();
        assert_eq!(t.iter().map(|t| t.format).collect::<Vec<_>>(), [Format::Github, Format::Sarif]);
        let clash = targets(&[Format::Json], &[PathBuf::from("g.sarif")], &[sarif]);
        assert!(clash.unwrap_err().to_string().contains("two reports"));
    }

    #[test]
    fn emit_writes_every_target_and_the_ticket_names_the_json_digest() {
        use sha2::Digest as _;
        let dir = tempfile::tempdir().unwrap();
        let r = crate::report::tests::sample();
        let t: Vec<Target> = [Format::Json, Format::Markdown, Format::Sarif]
            .into_iter()
            .map(|f| Target { format: f, path: Some(dir.path().join(f.name())) })
            .collect();
        emit(&r, &t, false).unwrap();
        let json = std::fs::read(dir.path().join("json")).unwrap();
        let md = std::fs::read_to_string(dir.path().join("markdown")).unwrap();
        let digest = hex::encode(sha2::Sha256::digest(&json));
        assert!(md.contains(&digest), "the ticket names the digest of the JSON file written beside it");
    }

    #[test]
    fn append_adds_to_the_summary_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("summary.md");
        std::fs::write(&p, "earlier step\n").unwrap();
        append(&p, b"# golive").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "earlier step\n# golive\n\n");
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
