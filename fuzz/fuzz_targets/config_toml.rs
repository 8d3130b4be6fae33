//! golive.toml loader: any bytes give a config or diagnostics, never a panic.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(src) = std::str::from_utf8(data) {
        let (_, problems) = golive::config::load::parse(src);
        if !problems.is_empty() {
            let d = golive::diag::FileDiagnostics::new("golive.toml", src, problems);
            let _ = format!("{:?}", miette::Report::new(d));
        }
    }
});
