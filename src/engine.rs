//! The engine: selects rules, runs the probes (independent probes concurrently), and produces
//! exactly one result per selected rule, sorted in checklist order, with the verdict.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::checklist::{Checklist, ProbeKind, Rule, Severity};
use crate::config::{Config, SANDBOX_BASE_URL};
use crate::gating::{Baseline, Scope};
use crate::probe::{self, Outcome, RunContext, Status};
use crate::report::{AttestationRecord, Context, Report, RuleResult, SCHEMA, Summary, Tool, Verdict};
use crate::secret::Credentials;

/// How a run is scoped and judged.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Repository root.
    pub root: PathBuf,
    /// Probes to run; rules of other probes are not selected.
    pub probes: Vec<ProbeKind>,
    /// Lowest severity whose violation fails the verdict.
    pub fail_on: Severity,
    /// Missing attestations fail the verdict (the final go-live gate).
    pub require_attestations: bool,
    /// Restrict the static probe to these files (relative to root).
    pub only_files: Option<Vec<PathBuf>>,
    /// `--changed-since`/`--staged`: report only findings not present in the files' earlier versions.
    pub scope: Option<Arc<Scope>>,
    /// `--baseline`: known static findings, reported as suppressed.
    pub baseline: Option<Arc<Baseline>>,
}

/// What a probe returns: one outcome per rule it was given, plus run-level warnings.
#[derive(Debug, Default)]
pub struct ProbeRun {
    /// Outcomes.
    pub outcomes: Vec<Outcome>,
    /// Problems outside any single rule (unreadable paths, unmatched ignores).
    pub warnings: Vec<String>,
}

impl From<Vec<Outcome>> for ProbeRun {
    fn from(outcomes: Vec<Outcome>) -> Self {
        Self { outcomes, warnings: Vec::new() }
    }
}

/// Selects the rules a run executes: not disabled, of a requested probe; severity overrides applied.
pub fn select(checklist: &Checklist, cfg: &Config, probes: &[ProbeKind]) -> Vec<Rule> {
    checklist
        .rules
        .iter()
        .filter(|r| probes.contains(&r.probe))
        .filter(|r| !cfg.checklist.disable.iter().any(|d| d.id == r.id || r.aliases.contains(&d.id)))
        .map(|r| {
            let mut r = r.clone();
            if let Some((_, sev)) =
                cfg.checklist.severity.iter().rev().find(|(k, _)| k.id == r.id || r.aliases.contains(&k.id))
            {
                r.severity = *sev;
            }
            r
        })
        .collect()
}

tokio::task_local! {
    /// The outcomes a probe has finished so far (see [`finished`]).
    static PROGRESS: Finished;
}

/// Where a probe's finished outcomes are kept while it runs.
type Finished = Arc<Mutex<Vec<Outcome>>>;

/// Records the outcome of a rule as soon as a probe has it, so a run interrupted before the probe
/// returns still reports it. Probes that take long (webhook, sandbox) call this per rule; outside
/// [`run`] it does nothing. The probe's returned outcomes stay the authority when it finishes.
pub fn finished(outcome: &Outcome) {
    let _ = PROGRESS.try_with(|p| {
        if let Ok(mut v) = p.lock() {
            v.push(outcome.clone());
        }
    });
}

/// Ctrl-C (SIGINT) and, on Unix, SIGTERM (what CI sends to cancel a job), listened for from the
/// moment this is made. A signal that comes while no future waits for it is kept, not lost.
struct Interrupt {
    #[cfg(unix)]
    int: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    term: Option<tokio::signal::unix::Signal>,
}

impl Interrupt {
    /// Installs the handlers. Must run inside the runtime.
    fn listen() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Self { int: signal(SignalKind::interrupt()).ok(), term: signal(SignalKind::terminate()).ok() }
        }
        #[cfg(not(unix))]
        {
            Self {}
        }
    }

    /// Resolves at the first signal.
    async fn recv(&mut self) {
        #[cfg(unix)]
        {
            async fn one(s: &mut Option<tokio::signal::unix::Signal>) {
                let got = match s {
                    Some(s) => s.recv().await,
                    None => None,
                };
                if got.is_none() {
                    std::future::pending::<()>().await;
                }
            }
            tokio::select! {
                () = one(&mut self.int) => {}
                () = one(&mut self.term) => {}
            }
        }
        #[cfg(not(unix))]
        {
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }
}

/// Runs the selected rules and builds the report. Ctrl-C (or SIGTERM) ends the run early: rules
/// that finished keep their results, unfinished rules become `error` ("interrupted"), and a
/// warning says so. The signal handlers are installed before any probe starts.
pub async fn run(checklist: &Checklist, cfg: Config, credentials: Option<Credentials>, opts: &RunOptions) -> Report {
    let mut interrupt = Interrupt::listen();
    let started = Instant::now();
    let started_at = now_rfc3339();
    let rules = select(checklist, &cfg, &opts.probes);
    let mut cfg = cfg;
    if cfg.sandbox.base_url.is_none() && credentials.as_ref().is_some_and(Credentials::can_authenticate) {
        cfg.sandbox.base_url = Some(SANDBOX_BASE_URL.to_string());
    }
    let ctx = Arc::new(RunContext {
        root: opts.root.clone(),
        config: cfg,
        credentials,
        only_files: opts.only_files.clone(),
        scope: opts.scope.clone(),
        baseline: opts.baseline.clone(),
    });
    let rules = Arc::new(rules);

    let mut tasks = Vec::new();
    for kind in ProbeKind::ALL {
        let of_kind: Vec<Rule> = rules.iter().filter(|r| r.probe == kind).cloned().collect();
        if of_kind.is_empty() {
            continue;
        }
        let ctx = Arc::clone(&ctx);
        let finished = Finished::default();
        let probe = PROGRESS.scope(Arc::clone(&finished), async move {
            crate::progress::begin(kind.as_str());
            let run = run_probe(kind, &ctx, &of_kind).await;
            crate::progress::end(kind.as_str());
            run
        });
        tasks.push((kind, finished, tokio::spawn(probe)));
    }

    let mut outcomes = Vec::new();
    let mut warnings = Vec::new();
    let mut interrupted = false;
    for (kind, finished, mut handle) in tasks {
        let mut res = if interrupted {
            None
        } else {
            tokio::select! {
                r = &mut handle => Some(r),
                () = interrupt.recv() => {
                    interrupted = true;
                    None
                }
            }
        };
        if res.is_none() && handle.is_finished() {
            res = Some((&mut handle).await);
        }
        match res {
            Some(Ok(run)) => {
                outcomes.extend(run.outcomes);
                warnings.extend(run.warnings);
            }
            Some(Err(e)) => warnings.push(format!("the {kind} probe crashed: {e}")),
            None => {
                handle.abort();
                outcomes.extend(finished.lock().map(|mut v| std::mem::take(&mut *v)).unwrap_or_default());
            }
        }
    }
    if interrupted {
        let unfinished = rules.iter().filter(|r| !outcomes.iter().any(|o| o.rule == r.id)).count();
        tracing::warn!(
            "interrupted: {unfinished} of {} rules had not finished and are reported as errors",
            rules.len()
        );
        warnings.push("interrupted (Ctrl-C): the rules that had not finished are reported as errors".into());
    }
    let results = assemble(checklist, &rules, outcomes, interrupted);
    let summary = Summary::of(&results);
    let verdict = verdict(&results, opts.fail_on, opts.require_attestations);
    Report {
        schema: SCHEMA,
        tool: Tool::default(),
        started_at,
        duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        verdict,
        summary,
        results,
        warnings,
        context: context(checklist, &ctx, opts),
    }
}

async fn run_probe(kind: ProbeKind, ctx: &Arc<RunContext>, rules: &[Rule]) -> ProbeRun {
    let refs: Vec<&Rule> = rules.iter().collect();
    match kind {
        ProbeKind::Static => {
            let ctx = Arc::clone(ctx);
            let owned = rules.to_vec();
            tokio::task::spawn_blocking(move || {
                let refs: Vec<&Rule> = owned.iter().collect();
                probe::static_scan::run(&ctx, &refs)
            })
            .await
            .unwrap_or_else(|e| ProbeRun {
                outcomes: Vec::new(),
                warnings: vec![format!("the static probe crashed: {e}")],
            })
        }
        ProbeKind::Webhook => probe::webhook::run(ctx, &refs).await,
        ProbeKind::Sandbox => probe::sandbox::run(ctx, &refs).await,
        ProbeKind::Manual => probe::manual::run(ctx, &refs).into(),
    }
}

/// One result per rule: the probe's outcome with severity applied, or an error when the probe
/// produced none (never a silent drop).
fn assemble(checklist: &Checklist, rules: &[Rule], mut outcomes: Vec<Outcome>, interrupted: bool) -> Vec<RuleResult> {
    let mut results: Vec<(usize, usize, RuleResult)> = rules
        .iter()
        .map(|rule| {
            let outcome = outcomes.iter().position(|o| o.rule == rule.id).map_or_else(
                || {
                    if interrupted {
                        Outcome::error(&rule.id, "interrupted before this rule finished")
                    } else {
                        Outcome::error(&rule.id, "the probe returned no result for this rule")
                    }
                },
                |i| outcomes.swap_remove(i),
            );
            let (si, ii) = checklist.order_of(rule);
            (si, ii, result_of(checklist, rule, outcome))
        })
        .collect();
    results.sort_by(|a, b| (a.0, a.1, &a.2.rule).cmp(&(b.0, b.1, &b.2.rule)));
    results.into_iter().map(|(_, _, r)| r).collect()
}

fn result_of(checklist: &Checklist, rule: &Rule, mut o: Outcome) -> RuleResult {
    if o.status == Status::Fail && rule.severity < Severity::Error {
        o.status = Status::Warn;
    }
    o.findings.sort();
    let section = rule
        .checklist
        .first()
        .and_then(|i| checklist.item(i))
        .map_or_else(|| "Other".to_string(), |(s, _)| s.title.clone());
    RuleResult {
        rule: rule.id.clone(),
        probe: rule.probe,
        severity: rule.severity,
        status: o.status,
        title: rule.title.clone(),
        message: o.message,
        checklist: rule.checklist.first().cloned().unwrap_or_default(),
        checklist_items: rule.checklist.clone(),
        section,
        docs_url: rule.docs_url().map(str::to_string),
        docs: Some(rule.docs.clone()),
        findings: o.findings,
        measurements: o.measurements,
    }
}

/// Fail when an error-severity rule failed or could not be checked, when a warn rule was violated
/// under `--fail-on warn`, or when an attestation is missing under `--require-attestations`.
pub fn verdict(results: &[RuleResult], fail_on: Severity, require_attestations: bool) -> Verdict {
    let failing = results.iter().any(|r| match r.status {
        Status::Fail => true,
        Status::Error => r.severity >= fail_on.max(Severity::Warn),
        Status::Warn => fail_on <= Severity::Warn && r.severity >= Severity::Warn,
        Status::Manual => require_attestations,
        Status::Pass | Status::Skip => false,
    });
    if failing { Verdict::Fail } else { Verdict::Pass }
}

fn context(checklist: &Checklist, ctx: &RunContext, opts: &RunOptions) -> Context {
    let cfg = &ctx.config;
    Context {
        project: cfg.project.name.clone(),
        root: opts.root.display().to_string(),
        commit: git_head(&opts.root),
        ruleset_version: checklist.version.clone(),
        webhook_url: if opts.probes.contains(&ProbeKind::Webhook) {
            cfg.webhook.url.as_deref().map(redact_url)
        } else {
            None
        },
        sandbox_base_url: if opts.probes.contains(&ProbeKind::Sandbox) {
            cfg.sandbox.base_url.as_deref().map(redact_url)
        } else {
            None
        },
        attestations: cfg
            .attest
            .iter()
            .map(|(name, a)| AttestationRecord {
                name: name.clone(),
                who: a.who.clone(),
                when: a.when.clone(),
                evidence: a.evidence.clone(),
            })
            .collect(),
    }
}

/// A URL without credentials or query string (query parameters may carry secrets).
pub fn redact_url(raw: &str) -> String {
    match reqwest::Url::parse(raw) {
        Ok(mut u) => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            if u.query().is_some() {
                u.set_query(None);
            }
            u.set_fragment(None);
            u.to_string()
        }
        Err(_) => raw.split(['?', '#']).next().unwrap_or_default().to_string(),
    }
}

/// `git rev-parse HEAD` of `root`, when it is a git work tree.
pub fn git_head(root: &Path) -> Option<String> {
    let out = std::process::Command::new("git").arg("-C").arg(root).args(["rev-parse", "HEAD"]).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let s = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (s.len() >= 40 && s.chars().all(|c| c.is_ascii_hexdigit())).then_some(s)
}

/// Now, as RFC 3339 UTC with seconds.
pub fn now_rfc3339() -> String {
    let now = time::OffsetDateTime::now_utc().replace_nanosecond(0).unwrap_or_else(|_| time::OffsetDateTime::now_utc());
    now.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::sample;

    #[test]
    fn verdict_rules() {
        let mut r = sample().results;
        assert_eq!(verdict(&r, Severity::Error, false), Verdict::Fail);
        r.retain(|x| x.status != Status::Fail && x.status != Status::Error);
        assert_eq!(verdict(&r, Severity::Error, false), Verdict::Pass);
        assert_eq!(verdict(&r, Severity::Warn, false), Verdict::Fail);
        r.retain(|x| x.status != Status::Warn);
        assert_eq!(verdict(&r, Severity::Error, false), Verdict::Pass);
        assert_eq!(verdict(&r, Severity::Error, true), Verdict::Fail);
    }

    #[test]
    fn urls_lose_credentials_and_query() {
        assert_eq!(redact_url("https://u:p@shop.example/cb?token=abc#x"), "https://shop.example/cb");
        assert_eq!(redact_url("not a url?secret=1"), "not a url");
    }
}
