//! `POST /api/v1/auth` and the bearer-token check on every other API route (API.md §2).
//!
//! Tokens are HS256 JWTs signed with a random per-run server key, with `exp` 30 days ahead. A
//! token is refused (401) when its signature, subject or `exp` is wrong, or when it belongs to an
//! older generation: `POST /_simulator/expire-tokens` starts a new generation so tests can make a
//! client meet a mid-run 401.
//!
//! The request takes `merchantKey` (or the `apiKey` spelling of one docs page) and
//! `merchantSecret`. The docs show three response shapes; the simulator answers the object
//! `{"merchantKey", "token"}` by default and the bare JSON string with
//! [`AuthResponse::BareString`].

use std::sync::atomic::Ordering;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use super::AuthResponse;
use super::checksum::{constant_time_eq, hmac_bytes};
use super::error::ApiError;
use super::fields::{Check, parse_object};
use super::state::Sim;

/// Token lifetime (API.md §2: 30 days).
pub(crate) const TOKEN_TTL_SECS: i64 = 30 * 24 * 60 * 60;

/// `POST /api/v1/auth`.
pub(crate) async fn issue(State(sim): State<Sim>, body: Bytes) -> Result<Response, ApiError> {
    let body = parse_object(&body)?;
    let mut c = Check::new(&body);
    let key = c.opt_str("merchantKey").or_else(|| c.opt_str("apiKey"));
    if key.is_none() {
        c.fail("merchantKey", "is required");
    }
    let secret = c.req_str("merchantSecret");
    c.finish()?;
    let (Some(key), Some(secret)) = (key, secret) else {
        return Err(ApiError::bad_request("merchantKey and merchantSecret are required"));
    };
    let creds = &sim.cfg().credentials;
    let key_ok = constant_time_eq(key.as_bytes(), creds.key.expose().as_bytes());
    let secret_ok = constant_time_eq(secret.as_bytes(), creds.secret.expose().as_bytes());
    if !(key_ok && secret_ok) {
        return Err(ApiError::unauthorized(
            "invalid merchantKey or merchantSecret for this environment (sandbox credentials do not work in production)",
        ));
    }
    let token = token(&sim, key);
    Ok(match sim.cfg().auth_response {
        AuthResponse::Object => Json(json!({"merchantKey": key, "token": token})).into_response(),
        AuthResponse::BareString => Json(json!(token)).into_response(),
    })
}

/// Middleware on every protected route: 401 unless a valid bearer token is sent.
pub(crate) async fn require(State(sim): State<Sim>, req: Request, next: Next) -> Response {
    match check(&sim, req.headers()) {
        Ok(()) => next.run(req).await,
        Err(msg) => ApiError::unauthorized(msg).into_response(),
    }
}

/// A signed token for `key`.
fn token(sim: &Sim, key: &str) -> String {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let claims = json!({
        "iss": "golive-simulator",
        "sub": key,
        "iat": now,
        "exp": now + TOKEN_TTL_SECS,
        "gen": sim.0.token_generation.load(Ordering::SeqCst),
        "jti": uuid::Uuid::new_v4().simple().to_string(),
    });
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let signing_input = format!("{header}.{payload}");
    let sig = URL_SAFE_NO_PAD.encode(hmac_bytes(&sim.0.jwt_key, signing_input.as_bytes()));
    format!("{signing_input}.{sig}")
}

/// Why the request's token is refused, if it is.
fn check(sim: &Sim, headers: &HeaderMap) -> Result<(), &'static str> {
    let value = headers.get(AUTHORIZATION).ok_or("missing Authorization: Bearer token; call POST /api/v1/auth")?;
    let value = value.to_str().map_err(|_| "malformed Authorization header")?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .ok_or("Authorization header must be `Bearer <token>`")?
        .trim();
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err("invalid token");
    };
    let expected = hmac_bytes(&sim.0.jwt_key, format!("{h}.{p}").as_bytes());
    let given = URL_SAFE_NO_PAD.decode(s).map_err(|_| "invalid token")?;
    if !constant_time_eq(&expected, &given) {
        return Err("invalid token");
    }
    let claims: Value =
        URL_SAFE_NO_PAD.decode(p).ok().and_then(|b| serde_json::from_slice(&b).ok()).ok_or("invalid token")?;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    if claims["exp"].as_i64().is_none_or(|exp| exp <= now) {
        return Err("token expired; call POST /api/v1/auth again");
    }
    if claims["gen"].as_u64() != Some(sim.0.token_generation.load(Ordering::SeqCst)) {
        return Err("token expired; call POST /api/v1/auth again");
    }
    if claims["sub"].as_str() != Some(sim.cfg().credentials.key.expose().as_str()) {
        return Err("invalid token");
    }
    Ok(())
}

/// Expires every token issued so far.
pub(crate) fn expire_all(sim: &Sim) -> u64 {
    sim.0.token_generation.fetch_add(1, Ordering::SeqCst) + 1
}
