//! The raw legacy-TLS probe's answer parser: any bytes a server sends give a decision or "need
//! more", never a panic, and a decision taken on a prefix is the decision on every longer input
//! (the probe stops reading at the first decision).
#![no_main]
use golive::probe::webhook::legacy::{Parse, parse};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut decided = None;
    for n in 0..=data.len() {
        let p = parse(&data[..n]);
        match (&decided, p) {
            (None, Parse::Done(a)) => decided = Some(a),
            (Some(first), Parse::Done(a)) => assert_eq!(first, &a, "the decision changed at {n} bytes"),
            (Some(first), Parse::NeedMore) => panic!("decided {first:?}, then asked for more at {n} bytes"),
            (None, Parse::NeedMore) => {}
        }
    }
});
