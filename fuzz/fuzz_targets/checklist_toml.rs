//! User checklist loader: any bytes give rules or diagnostics, never a panic.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(src) = std::str::from_utf8(data) {
        let mut c = golive::checklist::Checklist::builtin().clone();
        let _ = c.extend_from_str("rules.toml", src, &golive::checklist::Origin::User("rules.toml".into()));
    }
});
