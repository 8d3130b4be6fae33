//! The reference webhook receiver, through its real router: any query, `X-Checksum` header and
//! body give 400 or 401 — never a panic, and never a 200 without the merchant secret.
//!
//! Input layout: the first line is the query string, the second the checksum header (absent when
//! the line is empty), the rest the body.
#![no_main]
use std::sync::LazyLock;

use axum::body::Body;
use axum::http::Request;
use golive::receiver::{Receiver, router};
use golive::secret::Secret;
use tower::ServiceExt as _;

static RT: LazyLock<tokio::runtime::Runtime> =
    LazyLock::new(|| tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime"));

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(3, |b| *b == b'\n');
    let query = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let checksum = parts.next().unwrap_or_default().to_vec();
    let body = parts.next().unwrap_or_default().to_vec();
    let query: String = query.chars().filter(|c| c.is_ascii_graphic()).collect();
    let mut req = Request::post(format!("/exirom/callback?{query}"));
    if !checksum.is_empty() {
        req = req.header("x-checksum", checksum);
    }
    let Ok(req) = req.body(Body::from(body)) else { return };
    let app = router(Receiver::new(Secret::new("GOLIVEFAKE-fuzz-secret".to_string())));
    let status = RT.block_on(app.oneshot(req)).map(|r| r.status().as_u16()).unwrap_or(0);
    assert!(matches!(status, 400 | 401), "status {status} without the secret");
});
