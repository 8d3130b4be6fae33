//! What kind of file a path is: test, docs, lock, minified, vendored, log, config, example or code,
//! which language it is written in, and which deployment environment it configures.
//!
//! Rules skip contexts by name (`skip = ["test", "docs"]`), and environment-aware rules
//! (`sandbox-url`, `test-card-in-production`) ask whether a file configures production
//! (`.env.production`, `config/production.yml`, `application-prod.yml`, `values-prod.yaml`, …) or a
//! sandbox/dev/staging environment. Classification is by path (plus a cheap look at the content
//! for minified bundles), computed once per file.

use std::fmt;

/// One file context a rule can skip. The names are the `skip` values of a static rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// Test code and test data (`tests/`, `__tests__/`, `spec/`, `*_test.go`, `*.test.ts`, `src/test/`…).
    Test,
    /// Documentation (`docs/`, `*.md`, `README*`…).
    Docs,
    /// Dependency lock files (`package-lock.json`, `yarn.lock`, `go.sum`…).
    Lock,
    /// Minified or bundled assets (`*.min.js`, or very long lines).
    Minified,
    /// Vendored or generated code (`node_modules/`, `vendor/`, `dist/`, `build/`…).
    Vendor,
    /// Committed logs (`*.log`, `logs/…`).
    Log,
    /// Configuration (`*.yml`, `*.json`, `.env*`, `*.properties`, `Dockerfile`, `*.tfvars`…).
    Config,
    /// Source code (everything that is not config, docs, logs or lock files).
    Code,
    /// Templates and samples (`.env.example`, `config.sample.yml`, `examples/`…).
    Example,
}

impl Kind {
    /// Every kind, in `skip` documentation order.
    pub const ALL: [Kind; 9] = [
        Self::Test,
        Self::Docs,
        Self::Lock,
        Self::Minified,
        Self::Vendor,
        Self::Log,
        Self::Config,
        Self::Code,
        Self::Example,
    ];

    /// The name used in rule TOML (`skip = ["test"]`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Test => "test",
            Self::Docs => "docs",
            Self::Lock => "lock",
            Self::Minified => "minified",
            Self::Vendor => "vendor",
            Self::Log => "log",
            Self::Config => "config",
            Self::Code => "code",
            Self::Example => "example",
        }
    }

    /// Parses a `skip` value.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of [`Kind`]s (a file can be several: `tests/fixtures/app.json` is test and config).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Kinds(u16);

impl Kinds {
    /// The empty set.
    pub const EMPTY: Kinds = Kinds(0);

    /// Adds a kind.
    pub fn insert(&mut self, k: Kind) {
        self.0 |= k.bit();
    }

    /// Whether `k` is in the set.
    pub fn contains(self, k: Kind) -> bool {
        self.0 & k.bit() != 0
    }

    /// Whether the two sets share a kind.
    pub fn intersects(self, other: Kinds) -> bool {
        self.0 & other.0 != 0
    }

    /// The kinds in the set, in [`Kind::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Kind> {
        Kind::ALL.into_iter().filter(move |k| self.contains(*k))
    }
}

impl FromIterator<Kind> for Kinds {
    fn from_iter<I: IntoIterator<Item = Kind>>(iter: I) -> Self {
        let mut s = Kinds::EMPTY;
        for k in iter {
            s.insert(k);
        }
        s
    }
}

/// The deployment environment a file configures, judged from its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Env {
    /// Production (`.env.production`, `config/production.rb`, `application-prod.yml`,
    /// `values-prod.yaml`, `environment.prod.ts`, `deploy/prod/…`).
    Production,
    /// Development, staging, sandbox, test, QA or local (`.env.development`, `config/staging.yml`…).
    NonProduction,
    /// Not environment-specific (`config/default.json`, `src/client.ts`, `.env`).
    Unknown,
}

/// The language a file is written in, for detectors that read code structure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    /// JavaScript / TypeScript (`js`, `jsx`, `mjs`, `cjs`, `ts`, `tsx`, `vue`, `svelte`).
    Js,
    /// Python.
    Python,
    /// PHP.
    Php,
    /// Java, Kotlin, Scala, Groovy.
    Jvm,
    /// Go.
    Go,
    /// Ruby (`rb`, `rake`, `erb`, `Gemfile`).
    Ruby,
    /// C#.
    CSharp,
    /// Rust.
    Rust,
    /// Shell scripts.
    Shell,
    /// SQL.
    Sql,
    /// YAML.
    Yaml,
    /// JSON.
    Json,
    /// Dotenv, properties, INI, TOML, nginx/apache config and the like.
    KeyValue,
    /// XML.
    Xml,
    /// Anything else.
    Other,
}

impl Lang {
    /// Whether `#` starts a comment in this language.
    pub fn hash_comments(self) -> bool {
        matches!(self, Self::Python | Self::Ruby | Self::Shell | Self::Yaml | Self::KeyValue | Self::Php | Self::Other)
    }

    /// Whether `//` starts a comment in this language.
    pub fn slash_comments(self) -> bool {
        matches!(
            self,
            Self::Js | Self::Php | Self::Jvm | Self::Go | Self::CSharp | Self::Rust | Self::Json | Self::Other
        )
    }
}

/// Everything known about a file before its rules run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileContext {
    /// Its contexts (`skip` names).
    pub kinds: Kinds,
    /// The environment it configures.
    pub env: Env,
    /// Its language.
    pub lang: Lang,
}

impl FileContext {
    /// Whether the file has context `k`.
    pub fn is(&self, k: Kind) -> bool {
        self.kinds.contains(k)
    }

    /// Whether the file is production configuration (a production-specific file).
    pub fn is_production(&self) -> bool {
        self.env == Env::Production
    }

    /// Whether the file is specific to a non-production environment.
    pub fn is_non_production(&self) -> bool {
        self.env == Env::NonProduction
    }
}

const TEST_DIRS: &[&str] = &[
    "test",
    "tests",
    "__tests__",
    "__test__",
    "spec",
    "specs",
    "__mocks__",
    "mocks",
    "mock",
    "fixtures",
    "fixture",
    "__fixtures__",
    "testdata",
    "test-data",
    "test_data",
    "testing",
    "e2e",
    "cypress",
    "playwright",
    "integration-tests",
    "integration_tests",
    "androidtest",
    "unittests",
];
const DOCS_DIRS: &[&str] = &["docs", "doc", "documentation", "wiki", "manual", "guides", "man"];
const VENDOR_DIRS: &[&str] = &[
    "node_modules",
    "vendor",
    "vendors",
    "_vendor",
    "vendored",
    "third_party",
    "third-party",
    "thirdparty",
    "bower_components",
    "jspm_packages",
    ".venv",
    "venv",
    "site-packages",
    "pods",
    "carthage",
    "dist",
    "build",
    "target",
    "out",
    ".next",
    ".nuxt",
    "coverage",
    "__pycache__",
    "generated",
];
const EXAMPLE_DIRS: &[&str] = &["example", "examples", "sample", "samples", "demo-snippets"];
const LOG_DIRS: &[&str] = &["logs", "log"];
const LOCK_NAMES: &[&str] = &[
    "package-lock.json",
    "npm-shrinkwrap.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "bun.lockb",
    "cargo.lock",
    "gemfile.lock",
    "composer.lock",
    "poetry.lock",
    "pipfile.lock",
    "uv.lock",
    "pdm.lock",
    "go.sum",
    "packages.lock.json",
    "gradle.lockfile",
    "mix.lock",
    "podfile.lock",
    "flake.lock",
];
const DOC_NAMES: &[&str] = &[
    "readme",
    "changelog",
    "contributing",
    "history",
    "license",
    "notice",
    "authors",
    "security",
    "pkg-info",
    "metadata",
];
const DOC_EXTS: &[&str] = &["md", "markdown", "mdx", "rst", "adoc", "asciidoc", "txt", "textile", "org", "ipynb"];
const CONFIG_EXTS: &[&str] = &[
    "yml",
    "yaml",
    "json",
    "json5",
    "toml",
    "ini",
    "cfg",
    "conf",
    "cnf",
    "properties",
    "env",
    "xml",
    "plist",
    "tf",
    "tfvars",
    "hcl",
    "config",
    "neon",
    "htaccess",
    "service",
    "tpl",
    "j2",
];
const PROD_TOKENS: &[&str] = &["prod", "production", "prd", "live"];
const NONPROD_TOKENS: &[&str] = &[
    "dev",
    "develop",
    "development",
    "local",
    "staging",
    "stage",
    "stg",
    "sandbox",
    "sbx",
    "test",
    "tests",
    "testing",
    "qa",
    "uat",
    "ci",
    "demo",
    "preprod",
    "preproduction",
    "preview",
    "e2e",
    "docker-dev",
];
const EXAMPLE_TOKENS: &[&str] = &["example", "examples", "sample", "samples", "template", "dist", "tmpl", "skel"];

/// Classifies `path` (relative, `/`-separated); `text` is consulted only to spot minified files.
pub fn classify(path: &str, text: &str) -> FileContext {
    let lower = path.to_ascii_lowercase();
    let (dirs, name) = match lower.rfind('/') {
        Some(i) => (&lower[..i], &lower[i + 1..]),
        None => ("", lower.as_str()),
    };
    let dir_parts: Vec<&str> = dirs.split('/').filter(|d| !d.is_empty()).collect();
    let ext = extension(name);
    let mut kinds = Kinds::EMPTY;

    // Under `src/main/` (Maven/Gradle) or a Laravel/Rails `app/`, a `FooTest` class is a test only
    // if it uses a test framework: `app/Console/Commands/SmokeTest.php` is a post-deploy command.
    let main_source = dir_parts.windows(2).any(|w| w == ["src", "main"]) || dir_parts.first() == Some(&"app");
    let original = &path[path.len() - name.len()..];
    let camel_test = is_camel_test_name(original) && (!main_source || uses_test_framework(text));
    if dir_parts.iter().any(|d| TEST_DIRS.contains(d)) || is_test_name(name) || camel_test {
        kinds.insert(Kind::Test);
    }
    if dir_parts.iter().any(|d| VENDOR_DIRS.contains(d)) {
        kinds.insert(Kind::Vendor);
    }
    if dir_parts.iter().any(|d| EXAMPLE_DIRS.contains(d)) || name_tokens(name).any(|t| EXAMPLE_TOKENS.contains(&t)) {
        kinds.insert(Kind::Example);
    }
    let lock = LOCK_NAMES.contains(&name) || ext == "lock";
    let log = ext == "log"
        || name.contains(".log.")
        || name == "nohup.out"
        || (dir_parts.iter().any(|d| LOG_DIRS.contains(d))
            && matches!(ext, "txt" | "json" | "jsonl" | "ndjson" | "out" | "csv" | ""));
    let stem = name.split('.').next().unwrap_or_default();
    // API collections and specs (Postman, OpenAPI/Swagger) document requests; they are docs.
    let api_doc = name.contains("postman_collection")
        || name.contains("postman_environment")
        || name.contains(".postman.")
        || stem.starts_with("openapi")
        || stem.starts_with("swagger")
        || matches!(ext, "http" | "rest");
    let docs = !log
        && (api_doc
            || dir_parts.iter().any(|d| DOCS_DIRS.contains(d))
            || (DOC_EXTS.contains(&ext) && !stem.starts_with("requirements") && !stem.starts_with("constraints"))
            || DOC_NAMES.contains(&stem));
    let lang = language(name, ext);
    let config = !lock && !log && !docs && (is_config(name, ext) || stem.starts_with("requirements"));
    if lock {
        kinds.insert(Kind::Lock);
    } else if log {
        kinds.insert(Kind::Log);
    } else if docs {
        kinds.insert(Kind::Docs);
    } else if config {
        kinds.insert(Kind::Config);
    } else {
        kinds.insert(Kind::Code);
    }
    if is_minified(name, ext, text) {
        kinds.insert(Kind::Minified);
    }
    let code = kinds.contains(Kind::Code);
    FileContext { kinds, env: environment(&dir_parts, name, code), lang }
}

/// The extension of a file name (`""` for none; `env` for `.env*` names).
fn extension(name: &str) -> &str {
    if name.starts_with(".env") {
        return "env";
    }
    match name.rfind('.') {
        Some(0) | None => "",
        Some(i) => &name[i + 1..],
    }
}

/// Splits a file or directory name into lowercase tokens at `.`, `-` and `_`.
fn name_tokens(name: &str) -> impl Iterator<Item = &str> {
    name.split(['.', '-', '_']).filter(|t| !t.is_empty())
}

fn is_test_name(lower: &str) -> bool {
    let stem = lower.split('.').next().unwrap_or_default();
    let tokens: Vec<&str> = lower.split('.').collect();
    // foo.test.ts, foo.spec.js, foo.cy.ts, foo.stories.tsx
    if tokens.len() >= 3
        && tokens[1..tokens.len() - 1]
            .iter()
            .any(|t| matches!(*t, "test" | "spec" | "cy" | "e2e" | "stories" | "story" | "mock"))
    {
        return true;
    }
    if stem.ends_with("_test") || stem.ends_with("_spec") || stem.starts_with("test_") || stem.starts_with("tests_") {
        return true;
    }
    if matches!(stem, "conftest" | "setuptests" | "jest" | "test_helper" | "spec_helper" | "rails_helper" | "testcase")
    {
        return true;
    }
    false
}

/// Whether source text imports or extends a unit-test framework.
fn uses_test_framework(text: &str) -> bool {
    const MARKERS: &[&str] =
        &["junit", "@Test", "TestCase", "PHPUnit", "testng", "NUnit", "Xunit", "[Fact]", "[Test]", "RSpec", "Minitest"];
    MARKERS.iter().any(|m| text.contains(m))
}

/// `FooTest.java`, `FooTests.cs`, `FooIT.java`, `FooTest.php`, `FooSpec.scala` (case matters:
/// `Latest.java` is not a test).
fn is_camel_test_name(original: &str) -> bool {
    let ostem = original.split('.').next().unwrap_or_default();
    ["Test", "Tests", "IT", "Spec", "TestCase"].iter().any(|s| {
        ostem.len() > s.len()
            && ostem.ends_with(s)
            && ostem[..ostem.len() - s.len()]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    })
}

fn language(name: &str, ext: &str) -> Lang {
    match ext {
        "js" | "jsx" | "mjs" | "cjs" | "ts" | "tsx" | "mts" | "cts" | "vue" | "svelte" => Lang::Js,
        "py" | "pyw" | "pyi" => Lang::Python,
        "php" | "phtml" | "inc" => Lang::Php,
        "java" | "kt" | "kts" | "scala" | "groovy" | "gradle" => Lang::Jvm,
        "go" => Lang::Go,
        "rb" | "rake" | "erb" | "gemspec" | "ru" => Lang::Ruby,
        "cs" | "csx" | "cshtml" | "razor" => Lang::CSharp,
        "rs" => Lang::Rust,
        "sh" | "bash" | "zsh" | "ksh" | "fish" | "ps1" => Lang::Shell,
        "sql" | "psql" | "ddl" => Lang::Sql,
        "yml" | "yaml" => Lang::Yaml,
        "json" | "json5" | "jsonc" => Lang::Json,
        "xml" | "config" | "csproj" | "plist" => Lang::Xml,
        "env" | "properties" | "ini" | "cfg" | "conf" | "cnf" | "toml" | "tfvars" | "tf" | "hcl" | "htaccess" => {
            Lang::KeyValue
        }
        _ if name == "gemfile" || name == "rakefile" => Lang::Ruby,
        _ if name.starts_with("dockerfile") || name == "makefile" || name == "procfile" => Lang::Shell,
        _ => Lang::Other,
    }
}

fn is_config(name: &str, ext: &str) -> bool {
    CONFIG_EXTS.contains(&ext)
        || name.starts_with(".env")
        || name.starts_with("dockerfile")
        || name.ends_with(".dockerfile")
        || name.starts_with("docker-compose")
        || matches!(name, "procfile" | ".npmrc" | ".pypirc" | ".netrc" | "nginx.conf" | ".htaccess" | "my.cnf")
}

fn is_minified(name: &str, ext: &str, text: &str) -> bool {
    if name.contains(".min.") || name.contains("-min.") || name.contains(".bundle.") || name.contains(".chunk.") {
        return true;
    }
    if ext == "map" {
        return true;
    }
    if !matches!(ext, "js" | "mjs" | "cjs" | "css" | "svg" | "html") {
        return false;
    }
    // A webpack/Next.js chunk, however small, starts with its runtime's global.
    let head = &text.as_bytes()[..text.len().min(4 * 1024)];
    let start = &head[..head.len().min(200)];
    if [&b"webpackChunk"[..], b"webpackJsonp", b"__webpack_require__"]
        .iter()
        .any(|m| memchr::memmem::find(start, m).is_some())
    {
        return true;
    }
    // A bundle: few, very long lines. The first 4 KiB of one hold at most a line break or two.
    text.len() >= 2_000 && memchr::memchr_iter(b'\n', head).take(3).count() < 3
}

/// The environment from the file name first, then the nearest directory that names one.
fn environment(dirs: &[&str], name: &str, code: bool) -> Env {
    // Spring/Helm/.NET style names carry the environment in the name:
    // application-prod.yml, values-prod.yaml, appsettings.Production.json, .env.production.
    // A source file named `demo` is a demo *mode* of the production app (a kiosk, a showroom
    // checkout), not a demo environment's configuration.
    if let Some(env) = env_of_tokens(name_tokens(name).filter(|t| !(code && *t == "demo"))) {
        return env;
    }
    // Angular/Ionic: environments/environment.ts is the development build's file.
    if dirs.last() == Some(&"environments") && name.starts_with("environment.") {
        return Env::NonProduction;
    }
    for d in dirs.iter().rev() {
        if let Some(env) = env_of_tokens(name_tokens(d)) {
            return env;
        }
    }
    Env::Unknown
}

fn env_of_tokens<'a>(tokens: impl Iterator<Item = &'a str>) -> Option<Env> {
    let mut found = None;
    for t in tokens {
        if PROD_TOKENS.contains(&t) {
            found = Some(Env::Production);
        } else if NONPROD_TOKENS.contains(&t) {
            // "preprod" and "staging" win over a production token in the same name.
            return Some(Env::NonProduction);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(path: &str) -> Vec<&'static str> {
        classify(path, "").kinds.iter().map(Kind::as_str).collect()
    }

    #[test]
    fn test_paths() {
        for p in [
            "tests/test_pay.py",
            "src/__tests__/pay.ts",
            "spec/pay_spec.rb",
            "pay_test.go",
            "src/pay.test.ts",
            "src/pay.spec.js",
            "src/test/java/com/shop/PayTest.java",
            "test/fixtures/card.json",
            "conftest.py",
        ] {
            assert!(classify(p, "").is(Kind::Test), "{p}");
        }
        for p in ["src/latest.ts", "src/Latest.java", "src/contest.py", "src/attestation.rb"] {
            assert!(!classify(p, "").is(Kind::Test), "{p}");
        }
        // Under app/ or src/main/, a FooTest class is a test only when it uses a test framework.
        assert!(classify("app/PaymentServiceTest.php", "class PaymentServiceTest extends TestCase {}").is(Kind::Test));
        assert!(!classify("app/Console/Commands/SmokeTest.php", "class SmokeTest extends Command {}").is(Kind::Test));
        assert!(classify("lib/PayTest.php", "").is(Kind::Test));
    }

    #[test]
    fn kinds_by_path() {
        assert_eq!(kinds("docs/setup.md"), ["docs"]);
        assert_eq!(kinds("README"), ["docs"]);
        assert_eq!(kinds("package-lock.json"), ["lock"]);
        assert_eq!(kinds("logs/app.log"), ["log"]);
        assert_eq!(kinds("logs/2024-01-01.txt"), ["log"]);
        assert_eq!(kinds("public/app.min.js"), ["minified", "code"]);
        assert_eq!(kinds("node_modules/x/index.js"), ["vendor", "code"]);
        assert_eq!(kinds(".env.example"), ["config", "example"]);
        assert_eq!(kinds("config/app.sample.yml"), ["config", "example"]);
        assert_eq!(kinds("Dockerfile"), ["config"]);
        assert_eq!(kinds("infra/prod.tfvars"), ["config"]);
        assert_eq!(kinds("src/app.ts"), ["code"]);
        assert_eq!(kinds("requirements.txt"), ["config"]);
    }

    #[test]
    fn production_files() {
        for p in [
            ".env.production",
            ".env.prod",
            "config/production.json",
            "config/environments/production.rb",
            "src/main/resources/application-prod.yml",
            "src/main/resources/application-production.properties",
            "helm/values-prod.yaml",
            "appsettings.Production.json",
            "src/environments/environment.prod.ts",
            "deploy/prod/app.env",
            "docker-compose.prod.yml",
        ] {
            assert_eq!(classify(p, "").env, Env::Production, "{p}");
        }
        for p in [
            ".env.development",
            ".env.local",
            "config/staging.yml",
            "config/sandbox.json",
            "application-dev.yml",
            "values-staging.yaml",
            "deploy/preprod/app.env",
            "config/environments/test.rb",
            "config/demo.yml",
            ".env.demo",
        ] {
            assert_eq!(classify(p, "").env, Env::NonProduction, "{p}");
        }
        // A source file named demo is the production app's demo mode.
        for p in [
            ".env",
            "config/default.json",
            "src/client.ts",
            "application.yml",
            "src/product.ts",
            "src/services/demo.ts",
        ] {
            assert_eq!(classify(p, "").env, Env::Unknown, "{p}");
        }
    }

    #[test]
    fn minified_by_content() {
        let bundle = format!("{}\n", "var a=1;".repeat(400));
        assert!(classify("public/app.js", &bundle).is(Kind::Minified));
        let normal = "const a = 1;\n".repeat(400);
        assert!(!classify("public/app.js", &normal).is(Kind::Minified));
        let chunk = r#""use strict";(self.webpackChunk=self.webpackChunk||[]).push([[931],{4242:function(e,t,n){}}]);"#;
        assert!(classify("public/_next/static/chunks/931-a7c2f1.js", chunk).is(Kind::Minified));
    }
}
