//! Layered configuration: a base file (`appsettings.json`, `application.yml`, `values.yaml`,
//! `.env`, node-config `default.json`) is what production reads only where no production file
//! beside it overrides it. ASP.NET reads `appsettings.Production.json` over `appsettings.json`,
//! Spring `application-prod.yml` over `application.yml`, Helm `-f values-prod.yaml` over
//! `values.yaml`, Symfony `.env.prod` over `.env`. A sandbox URL in the base file is the
//! development default when such a file sets the Exirom host itself; `sandbox-url` then has nothing
//! to report in the base file (and reports the production file if that one names the sandbox).
//!
//! The walk marks production files that name an Exirom host ([`sets_host`]) as it reads them, so
//! no file is read twice.

use std::collections::BTreeSet;

use super::context::FileContext;

/// Whether a production configuration file names an Exirom API host (live or sandbox).
pub(super) fn sets_host(ctx: FileContext, text: &str) -> bool {
    ctx.is_production() && text.contains("api.exirom.com")
}

/// For a scan of chosen files (`--changed-since`, `--staged`, `only_files`): the production files
/// in directory `dir` on disk that name an Exirom host, which the walk did not read. Read only for
/// a directory with a sandbox-url finding in such a scan, so a full scan still reads every file once.
pub(super) fn production_files_in(root: &std::path::Path, dir: &str) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let rel = if dir.is_empty() { name } else { format!("{dir}/{name}") };
            let ctx = super::context::classify(&rel, "");
            let small = e.metadata().ok()?.len() <= 1024 * 1024;
            if !(ctx.is_production() && small && e.file_type().ok()?.is_file()) {
                return None;
            }
            let text = std::fs::read_to_string(root.join(&rel)).ok()?;
            sets_host(ctx, &text).then_some(rel)
        })
        .collect()
}

/// Whether one of `setting` (production files that name an Exirom host) overrides the base file `path`.
pub(super) fn overridden(path: &str, setting: &BTreeSet<String>) -> bool {
    // A production file is what production reads, whatever else is beside it.
    if super::context::classify(path, "").is_production() {
        return false;
    }
    let (dir, name) = path.rsplit_once('/').map_or(("", path), |(d, n)| (d, n));
    let base = stem(name);
    setting.iter().any(|o| {
        let (odir, oname) = o.rsplit_once('/').map_or(("", o.as_str()), |(d, n)| (d, n));
        odir == dir && oname != name && {
            let ostem = stem(oname);
            ostem.eq_ignore_ascii_case(base) || base.eq_ignore_ascii_case("default")
        }
    })
}

/// The first token of a file name: `application` of `application-prod.yml`, `appsettings` of
/// `appsettings.Production.json`, `.env` of `.env.production`.
fn stem(name: &str) -> &str {
    let (dot, rest) = name.strip_prefix('.').map_or(("", name), |r| (".", r));
    let end = rest.find(['.', '-', '_']).unwrap_or(rest.len());
    &name[..dot.len() + end]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::static_scan::context::classify;

    fn live(paths: &[&str]) -> BTreeSet<String> {
        paths.iter().map(|p| (*p).to_string()).collect()
    }

    #[test]
    fn production_siblings_override_their_base() {
        let l = live(&[
            "src/Shop/appsettings.Production.json",
            "src/main/resources/application-prod.yml",
            "deploy/chart/values-prod.yaml",
            "config/production.json",
            ".env.production",
        ]);
        for p in [
            "src/Shop/appsettings.json",
            "src/main/resources/application.yml",
            "src/main/resources/application.properties",
            "deploy/chart/values.yaml",
            "config/default.json",
            ".env",
        ] {
            assert!(overridden(p, &l), "{p}");
        }
        for p in [".env.prod", "src/Other/appsettings.json", "src/main/resources/bootstrap.yml", "src/config.ts"] {
            assert!(!overridden(p, &l), "{p}");
        }
    }

    #[test]
    fn only_production_files_naming_an_exirom_host_count() {
        let prod = classify("appsettings.Production.json", "");
        assert!(sets_host(prod, r#"{"BaseUrl": "https://api.exirom.com/api"}"#));
        assert!(sets_host(prod, r#"{"BaseUrl": "https://sandbox.api.exirom.com/api"}"#));
        assert!(!sets_host(prod, r#"{"Logging": {"Level": "Warning"}}"#));
        assert!(!sets_host(classify("appsettings.json", ""), r#"{"BaseUrl": "https://api.exirom.com/api"}"#));
    }
}
