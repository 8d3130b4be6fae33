//! `golive sandbox [PATH]`: only the sandbox rules, against the Exirom sandbox
//! (`https://sandbox.api.exirom.com/api` unless `--base-url` or `[sandbox] base_url` says
//! otherwise) or, with `--base-url embedded`, golive's in-process simulator.
//!
//! Flags override golive.toml: `--base-url`, `--mid`, `--account-id`, `--callback-url`.
//! Credentials come from `EXIROM_MERCHANT_KEY` / `EXIROM_MERCHANT_SECRET` only.

use crate::checklist::ProbeKind;
use crate::cli::{Global, SandboxArgs};
use crate::config::SANDBOX_BASE_URL;
use crate::error::Error;
use crate::{ExitStatus, commands};

/// Runs `golive sandbox`.
///
/// # Errors
/// Usage, configuration or output problems.
pub fn run(global: &Global, args: &SandboxArgs) -> Result<ExitStatus, Error> {
    let root = commands::existing_dir(&args.path)?;
    let (mut cfg, checklist) = commands::load_inputs(global, &root)?;
    if let Some(u) = &args.base_url {
        check_url("--base-url", u, true)?;
        cfg.sandbox.base_url = Some(u.trim_end_matches('/').to_string());
    }
    if cfg.sandbox.base_url.is_none() {
        cfg.sandbox.base_url = Some(SANDBOX_BASE_URL.to_string());
    }
    if let Some(u) = &args.callback_url {
        check_url("--callback-url", u, false)?;
        cfg.sandbox.callback_url = Some(u.clone());
    }
    if let Some(m) = &args.mid {
        cfg.exirom.mid = Some(m.clone());
    }
    if let Some(a) = &args.account_id {
        cfg.exirom.account_id = Some(a.clone());
    }
    let opts = commands::run_options(global, &root, vec![ProbeKind::Sandbox]);
    commands::run_and_report(global, &checklist, cfg, &opts)
}

fn check_url(flag: &str, value: &str, embedded_ok: bool) -> Result<(), Error> {
    if embedded_ok && value == "embedded" {
        return Ok(());
    }
    match reqwest::Url::parse(value) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => Ok(()),
        _ => Err(Error::usage(
            format!("{flag} `{value}` is not an http(s) URL"),
            if embedded_ok {
                "give the sandbox API base URL (e.g. https://sandbox.api.exirom.com/api) or `embedded`"
            } else {
                "give the public https URL of a tunnel to golive's callback listener"
            },
        )),
    }
}
