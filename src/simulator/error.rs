//! API error responses. The docs never show the error body (API.md §14, §17); the simulator
//! answers every error with one JSON shape carrying a `traceId` (also in the `X-Trace-Id` header):
//!
//! ```json
//! {"status": 400, "error": "VALIDATION_ERROR", "message": "1 field is invalid",
//!  "errors": [{"field": "card.number", "message": "must pass the Luhn check"}],
//!  "traceId": "5f0c…", "timestamp": "2026-11-26T10:00:00Z"}
//! ```

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::json;

/// Header that repeats the error body's `traceId` (and is set on every API response).
pub(crate) const TRACE_HEADER: &str = "x-trace-id";

/// One invalid request field.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub(crate) struct FieldError {
    /// Dotted path (`card.expMonth`).
    pub(crate) field: String,
    /// What is wrong.
    pub(crate) message: String,
}

/// An error answer.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    fields: Vec<FieldError>,
    retry_after: Option<u64>,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into(), fields: Vec::new(), retry_after: None }
    }

    /// 400 with a message.
    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "BAD_REQUEST", message)
    }

    /// 400 with field-level details.
    pub(crate) fn validation(fields: Vec<FieldError>) -> Self {
        let n = fields.len();
        let message = if n == 1 { "1 field is invalid".to_string() } else { format!("{n} fields are invalid") };
        Self { fields, ..Self::new(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", message) }
    }

    /// 401: missing, invalid or expired token, or wrong credentials.
    pub(crate) fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", message)
    }

    /// 403: valid token, not allowed (another merchant's id).
    pub(crate) fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "FORBIDDEN", message)
    }

    /// 404: unknown path or id.
    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "NOT_FOUND", message)
    }

    /// 405.
    pub(crate) fn method_not_allowed() -> Self {
        Self::new(StatusCode::METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED", "method not allowed on this path")
    }

    /// 409: the `requestId` was used for a different request.
    pub(crate) fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "DUPLICATE_REQUEST_ID", message)
    }

    /// 413.
    pub(crate) fn too_large() -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE", "request body larger than 1 MiB")
    }

    /// 422: valid JSON that breaks a business rule.
    pub(crate) fn unprocessable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "UNPROCESSABLE_ENTITY", message)
    }

    /// 422 pointing at one field.
    pub(crate) fn unprocessable_field(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        Self {
            fields: vec![FieldError { field: field.to_string(), message: message.clone() }],
            ..Self::unprocessable(format!("{field} {message}"))
        }
    }

    /// 429 with `Retry-After`.
    pub(crate) fn rate_limited(limit: u32, retry_after: u64) -> Self {
        Self {
            retry_after: Some(retry_after),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "RATE_LIMIT_EXCEEDED",
                format!("more than {limit} requests per minute from this IP address; retry after {retry_after} s"),
            )
        }
    }

    /// The HTTP status.
    #[cfg(test)]
    pub(crate) fn status(&self) -> StatusCode {
        self.status
    }
}

/// A fresh trace id (32 hex digits).
pub(crate) fn trace_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// Now as ISO 8601 UTC.
pub(crate) fn now_iso() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".to_string())
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let trace = trace_id();
        let mut body = json!({
            "status": self.status.as_u16(),
            "error": self.code,
            "message": self.message,
            "traceId": trace,
            "timestamp": now_iso(),
        });
        if !self.fields.is_empty() {
            body["errors"] = json!(self.fields);
        }
        let mut resp = (self.status, axum::Json(body)).into_response();
        if let Ok(v) = HeaderValue::from_str(&trace) {
            resp.headers_mut().insert(TRACE_HEADER, v);
        }
        if let Some(s) = self.retry_after {
            resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        resp
    }
}
