//! Idempotency (API.md §15.3): the key is `requestId` + the merchant id (`mid`, `accountId` or
//! `merchantId`). The same request again returns the first response without reprocessing, so a
//! retry never charges twice. The docs disagree about a *different* request under a used key
//! (original response vs 409); the simulator answers 409, the stricter reading, because a merchant
//! who reuses a `requestId` for another order has a bug either way.
//!
//! Callers run [`replay`] and [`remember`] under one store lock, which makes check-then-insert
//! atomic across concurrent retries.

use serde_json::{Map, Value};

use super::error::ApiError;
use super::state::{IdemEntry, Store};

/// Canonical text of a request: the endpoint plus the body with object keys sorted.
pub(crate) fn fingerprint(endpoint: &str, body: &Map<String, Value>) -> String {
    let mut out = String::from(endpoint);
    out.push(' ');
    canonical(&Value::Object(body.clone()), &mut out);
    out
}

fn canonical(v: &Value, out: &mut String) {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                canonical(&m[k], out);
            }
            out.push('}');
        }
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical(x, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// The stored response when this exact request was seen; 409 when the key was used for another.
pub(crate) fn replay(
    store: &Store,
    merchant: &str,
    request_id: &str,
    fingerprint: &str,
) -> Result<Option<Value>, ApiError> {
    match store.idem.get(&(merchant.to_string(), request_id.to_string())) {
        None => Ok(None),
        Some(e) if e.fingerprint == fingerprint => Ok(Some(e.response.clone())),
        Some(_) => Err(ApiError::conflict(format!(
            "requestId {request_id} was already used by merchant {merchant} for a different request; \
             use a new requestId for a new transaction and reuse one only to retry the identical request"
        ))),
    }
}

/// Records the response to a new request.
pub(crate) fn remember(store: &mut Store, merchant: &str, request_id: &str, fingerprint: String, response: Value) {
    store.idem.insert((merchant.to_string(), request_id.to_string()), IdemEntry { fingerprint, response });
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn key_order_does_not_matter() {
        let a = json!({"b": 1, "a": {"y": [1, 2], "x": "s"}});
        let b = json!({"a": {"x": "s", "y": [1, 2]}, "b": 1});
        let (Value::Object(a), Value::Object(b)) = (a, b) else { panic!("objects") };
        assert_eq!(fingerprint("card", &a), fingerprint("card", &b));
        assert_ne!(fingerprint("card", &a), fingerprint("apm", &a));
    }

    #[test]
    fn same_key_other_request_is_409() {
        let mut store = Store::default();
        remember(&mut store, "M1", "r1", "fp1".into(), json!({"transactionId": "1"}));
        assert_eq!(replay(&store, "M1", "r1", "fp1").ok().flatten(), Some(json!({"transactionId": "1"})));
        assert_eq!(replay(&store, "M2", "r1", "fp2").ok().flatten(), None);
        assert_eq!(replay(&store, "M1", "r1", "fp2").err().map(|e| e.status().as_u16()), Some(409));
    }
}
