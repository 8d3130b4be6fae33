//! The static probe's card-number detector and masking safety net, on any text: every PAN found is
//! a real one (13–19 digits, Luhn, a range of the text), `redact` leaves none to find, and
//! redacting twice changes nothing.
#![no_main]
use golive::probe::static_scan::{card, mask};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for p in card::find_pans(text) {
        assert!((13..=19).contains(&p.digits.len()) && card::luhn(p.digits.as_bytes()), "{p:?}");
        assert!(text.get(p.range.clone()).is_some(), "{p:?} is not a range of the text");
    }
    let once = mask::redact(text);
    assert!(card::find_pans(&once).is_empty(), "{text:?} -> {once:?}");
    assert_eq!(mask::redact(&once), once, "redact is not idempotent on {text:?}");
});
