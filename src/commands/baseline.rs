//! `golive baseline create [PATH] --out FILE`: records the current static findings so that only
//! new ones fail (see [`crate::gating::baseline`]).

use std::collections::BTreeMap;

use crate::checklist::ProbeKind;
use crate::cli::{BaselineAction, BaselineArgs, Global};
use crate::error::Error;
use crate::gating::Baseline;
use crate::{ExitStatus, commands, engine, output};

/// Runs `golive baseline`.
///
/// # Errors
/// Usage or configuration problems, an invalid existing baseline at `--out`, or a file that
/// cannot be written.
pub fn run(global: &Global, args: &BaselineArgs) -> Result<ExitStatus, Error> {
    match &args.action {
        BaselineAction::Create { path, out } => {
            let root = commands::existing_dir(path)?;
            let (cfg, checklist) = commands::load_inputs(global, &root)?;
            // Refreshing keeps the reasons people wrote; a file that is not a baseline is not clobbered.
            let previous = if out.exists() {
                Some(Baseline::load(out).inspect_err(|_| {
                    tracing::error!(
                        "{} exists and is not a valid baseline: delete it or choose another --out",
                        out.display()
                    );
                })?)
            } else {
                None
            };
            let opts = commands::run_options(global, &root, vec![ProbeKind::Static]);
            let rt = commands::runtime()?;
            let spinner = crate::progress::start(!global.quiet && global.verbose == 0);
            let report = rt.block_on(engine::run(&checklist, cfg, None, &opts));
            drop(spinner);
            for w in &report.warnings {
                tracing::warn!("{w}");
            }
            let (entries, notes) = Baseline::entries_from_report(&report, previous.as_ref());
            for n in &notes {
                tracing::warn!("{n}");
            }
            output::write_atomic(out, Baseline::render(&entries, &engine::now_rfc3339()).as_bytes())?;
            output::write_stdout(&summary(&out.display().to_string(), &entries));
            Ok(ExitStatus::Pass)
        }
    }
}

/// `wrote FILE: 3 findings of 2 rules (hardcoded-credential 2, sandbox-url 1)`.
fn summary(file: &str, entries: &[crate::gating::baseline::Entry]) -> String {
    let mut by_rule: BTreeMap<&str, usize> = BTreeMap::new();
    for e in entries {
        *by_rule.entry(e.rule.as_str()).or_default() += 1;
    }
    let n = entries.len();
    let findings = if n == 1 { "1 finding".to_string() } else { format!("{n} findings") };
    if by_rule.is_empty() {
        return format!("wrote {file}: {findings}\n");
    }
    let rules = if by_rule.len() == 1 { "1 rule".to_string() } else { format!("{} rules", by_rule.len()) };
    let parts: Vec<String> = by_rule.iter().map(|(r, c)| format!("{r} {c}")).collect();
    format!("wrote {file}: {findings} of {rules} ({})\n", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gating::baseline::Entry;

    #[test]
    fn summary_counts_per_rule() {
        let e = |rule: &str, path: &str| Entry {
            rule: rule.into(),
            path: path.into(),
            fingerprint: String::new(),
            reason: String::new(),
        };
        assert_eq!(summary("b.json", &[]), "wrote b.json: 0 findings\n");
        assert_eq!(
            summary("b.json", &[e("a", "x"), e("b", "x"), e("a", "y")]),
            "wrote b.json: 3 findings of 2 rules (a 2, b 1)\n"
        );
    }
}
