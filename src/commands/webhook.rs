//! `golive webhook [URL]`: runs only the webhook rules against a callback endpoint.
//!
//! Settings layer as everywhere: built-in defaults, then golive.toml (found from the current
//! directory or `--config`), then the flags here (`URL`, `--ca-cert`, `--allow-private`, `--mid`,
//! `--account-id`). The merchant secret comes only from `EXIROM_MERCHANT_SECRET`.

use std::path::Path;

use crate::checklist::ProbeKind;
use crate::cli::{Global, WebhookArgs};
use crate::config::Config;
use crate::error::Error;
use crate::probe::webhook::EMBEDDED;
use crate::{ExitStatus, commands};

/// Runs `golive webhook`.
///
/// # Errors
/// No URL, a URL that is not http(s), a missing `--ca-cert` file, configuration or output problems.
pub fn run(global: &Global, args: &WebhookArgs) -> Result<ExitStatus, Error> {
    let root = Path::new(".");
    let (mut cfg, checklist) = commands::load_inputs(global, root)?;
    apply_flags(&mut cfg, args)?;
    let opts = commands::run_options(global, root, vec![ProbeKind::Webhook]);
    commands::run_and_report(global, &checklist, cfg, &opts)
}

/// Applies the flags over the configuration (flags win).
fn apply_flags(cfg: &mut Config, args: &WebhookArgs) -> Result<(), Error> {
    if let Some(url) = &args.url {
        cfg.webhook.url = Some(url.clone());
    }
    let Some(url) = cfg.webhook.url.as_deref() else {
        return Err(Error::usage(
            "no callback URL to probe",
            "give one (`golive webhook https://shop.example/exirom/callback`), set [webhook] url in golive.toml, or use `embedded` for golive's reference receiver",
        ));
    };
    if url != EMBEDDED {
        let ok = reqwest::Url::parse(url)
            .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some_and(|h| !h.is_empty()));
        if !ok {
            return Err(Error::usage(
                format!("`{url}` is not an http(s) URL"),
                "give the full callback URL, e.g. https://shop.example/exirom/callback",
            ));
        }
    }
    if let Some(ca) = &args.ca_cert {
        if !ca.is_file() {
            return Err(Error::usage(
                format!("CA certificate {} does not exist", ca.display()),
                "--ca-cert takes a PEM file with the CA that signed the endpoint's certificate",
            ));
        }
        cfg.webhook.ca_cert = Some(ca.clone());
    }
    if args.allow_private {
        cfg.webhook.allow_private = true;
    }
    if let Some(mid) = &args.mid {
        cfg.exirom.mid = Some(mid.clone());
    }
    if let Some(id) = &args.account_id {
        cfg.exirom.account_id = Some(id.clone());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn args(url: Option<&str>) -> WebhookArgs {
        WebhookArgs { url: url.map(Into::into), ca_cert: None, allow_private: false, mid: None, account_id: None }
    }

    #[test]
    fn flags_override_the_config() {
        let mut cfg = Config::default();
        cfg.webhook.url = Some("https://from-config.example/cb".into());
        cfg.exirom.mid = Some("config-mid".into());
        let a = WebhookArgs {
            url: Some("https://flag.example/cb".into()),
            ca_cert: Some(PathBuf::from("Cargo.toml")),
            allow_private: true,
            mid: Some("M".into()),
            account_id: Some("A".into()),
        };
        apply_flags(&mut cfg, &a).unwrap();
        assert_eq!(cfg.webhook.url.as_deref(), Some("https://flag.example/cb"));
        assert_eq!((cfg.exirom.mid.as_deref(), cfg.exirom.account_id.as_deref()), (Some("M"), Some("A")));
        assert!(cfg.webhook.allow_private);
        assert_eq!(cfg.webhook.ca_cert, Some(PathBuf::from("Cargo.toml")));
    }

    #[test]
    fn config_url_is_used_and_bad_urls_are_usage_errors() {
        let mut cfg = Config::default();
        assert!(apply_flags(&mut cfg, &args(None)).is_err(), "no URL anywhere");
        cfg.webhook.url = Some("embedded".into());
        assert!(apply_flags(&mut cfg, &args(None)).is_ok());
        assert!(apply_flags(&mut cfg, &args(Some("shop.example/cb"))).is_err());
        assert!(apply_flags(&mut cfg, &args(Some("ftp://shop.example/cb"))).is_err());
        let mut missing_ca = args(Some("https://shop.example/cb"));
        missing_ca.ca_cert = Some(PathBuf::from("does/not/exist.pem"));
        assert!(apply_flags(&mut cfg, &missing_ca).is_err());
    }
}
