//! Rule regexes are compiled once per process: loading a rule file checks that each compiles (to
//! point a diagnostic at it), and the static matcher needs the same regex again. Compiling it twice
//! was most of the start-up cost of a large user rule file (about 3 M instructions a rule; see
//! BENCHMARKS.md, "Extra rules").

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use regex::Regex;

static CACHE: LazyLock<Mutex<HashMap<String, Regex>>> = LazyLock::new(|| Mutex::new(HashMap::new()));

/// `pattern` compiled with the default options, from the cache when it was compiled before.
/// Errors are not cached (a bad pattern is reported once and the run stops).
pub fn compile(pattern: &str) -> Result<Regex, regex::Error> {
    // A poisoned lock only means another thread panicked while holding it; the map is still valid.
    let mut cache = CACHE.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(re) = cache.get(pattern) {
        return Ok(re.clone());
    }
    let re = Regex::new(pattern)?;
    cache.insert(pattern.to_string(), re.clone());
    Ok(re)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compiles_once_and_reports_errors() {
        let a = compile(r"qzxv[0-9]{4}").unwrap();
        let b = compile(r"qzxv[0-9]{4}").unwrap();
        assert!(a.is_match("qzxv1234") && b.is_match("qzxv1234"));
        assert_eq!(a.as_str(), b.as_str());
        assert!(compile(r"(unclosed").is_err());
        assert!(compile(r"(unclosed").is_err());
    }
}
