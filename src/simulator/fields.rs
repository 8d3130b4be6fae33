//! Request-body validation that collects every field problem before answering, so a 400 lists all
//! of them at once (`errors: [{field, message}]`, API.md §14 "field-level details").

use serde_json::{Map, Value};

use super::error::{ApiError, FieldError};
use super::money::{self, CurrencyError};

/// Parses a request body as a JSON object.
pub(crate) fn parse_object(bytes: &[u8]) -> Result<Map<String, Value>, ApiError> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(ApiError::bad_request("request body must be a JSON object")),
        Err(e) => Err(ApiError::bad_request(format!("request body is not valid JSON: {e}"))),
    }
}

/// Reads fields of a JSON object and records what is missing or malformed.
pub(crate) struct Check<'a> {
    body: &'a Map<String, Value>,
    errors: Vec<FieldError>,
    /// Set when a `currency` is well-formed but unsupported (422, not 400).
    unsupported_currency: Option<String>,
}

impl<'a> Check<'a> {
    /// Starts checking `body`.
    pub(crate) fn new(body: &'a Map<String, Value>) -> Self {
        Self { body, errors: Vec::new(), unsupported_currency: None }
    }

    /// Records a problem with `field`.
    pub(crate) fn fail(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(FieldError { field: field.to_string(), message: message.into() });
    }

    /// The value at a dotted path; `null` counts as absent.
    pub(crate) fn get(&self, path: &str) -> Option<&'a Value> {
        let mut cur: &'a Map<String, Value> = self.body;
        let mut parts = path.split('.').peekable();
        while let Some(p) = parts.next() {
            let v = cur.get(p)?;
            if parts.peek().is_none() {
                return (!v.is_null()).then_some(v);
            }
            cur = v.as_object()?;
        }
        None
    }

    /// A required non-empty string.
    pub(crate) fn req_str(&mut self, path: &str) -> Option<&'a str> {
        let v = self.opt_str(path);
        if v.is_none() && !self.has_error(path) {
            self.fail(path, "is required");
        }
        v
    }

    /// An optional string; an empty one counts as absent, another type is an error.
    pub(crate) fn opt_str(&mut self, path: &str) -> Option<&'a str> {
        match self.get(path) {
            None => None,
            Some(Value::String(s)) if s.trim().is_empty() => None,
            Some(Value::String(s)) => Some(s.as_str()),
            Some(_) => {
                self.fail(path, "must be a string");
                None
            }
        }
    }

    /// A required object.
    pub(crate) fn req_obj(&mut self, path: &str) -> Option<&'a Map<String, Value>> {
        let v = self.opt_obj(path);
        if v.is_none() && !self.has_error(path) {
            self.fail(path, "is required");
        }
        v
    }

    /// An optional object.
    pub(crate) fn opt_obj(&mut self, path: &str) -> Option<&'a Map<String, Value>> {
        match self.get(path) {
            None => None,
            Some(Value::Object(o)) => Some(o),
            Some(_) => {
                self.fail(path, "must be an object");
                None
            }
        }
    }

    /// A required boolean.
    pub(crate) fn req_bool(&mut self, path: &str) -> Option<bool> {
        match self.get(path) {
            None => {
                self.fail(path, "is required");
                None
            }
            Some(Value::Bool(b)) => Some(*b),
            Some(_) => {
                self.fail(path, "must be a boolean");
                None
            }
        }
    }

    /// An optional boolean.
    pub(crate) fn opt_bool(&mut self, path: &str) -> Option<bool> {
        match self.get(path) {
            None => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(_) => {
                self.fail(path, "must be a boolean");
                None
            }
        }
    }

    /// An optional integer.
    pub(crate) fn opt_int(&mut self, path: &str) -> Option<i64> {
        match self.get(path) {
            None => None,
            Some(Value::Number(n)) if n.is_i64() => n.as_i64(),
            Some(_) => {
                self.fail(path, "must be an integer");
                None
            }
        }
    }

    /// An optional `Map<String, String>` (`metadata`).
    pub(crate) fn opt_string_map(&mut self, path: &str) -> Value {
        match self.opt_obj(path) {
            None => Value::Null,
            Some(o) => {
                if o.values().any(|v| !v.is_string()) {
                    self.fail(path, "must map strings to strings");
                }
                Value::Object(o.clone())
            }
        }
    }

    /// An optional absolute http(s) URL.
    pub(crate) fn opt_url(&mut self, path: &str) -> Option<&'a str> {
        let u = self.opt_str(path)?;
        let rest = u.strip_prefix("https://").or_else(|| u.strip_prefix("http://"));
        match rest {
            Some(r) if !r.is_empty() && !r.starts_with('/') && !u.contains(char::is_whitespace) => Some(u),
            _ => {
                self.fail(path, "must be an absolute http(s) URL");
                None
            }
        }
    }

    /// A required `currency`: three uppercase letters (400), supported (else 422).
    pub(crate) fn currency(&mut self, path: &str) -> Option<&'a str> {
        let c = self.req_str(path)?;
        match money::check_currency(c) {
            Ok(()) => Some(c),
            Err(CurrencyError::Malformed) => {
                self.fail(path, "must be an ISO 4217 code of three uppercase letters, e.g. \"EUR\"");
                None
            }
            Err(CurrencyError::Unsupported) => {
                self.unsupported_currency = Some(c.to_string());
                None
            }
        }
    }

    /// A required `amount`: a JSON string holding a positive decimal in major units.
    pub(crate) fn amount(&mut self, path: &str, currency: Option<&str>) -> Option<(&'a str, i64)> {
        match self.get(path) {
            None => {
                self.fail(path, "is required");
                None
            }
            Some(Value::String(s)) => match money::parse_amount(s, currency.unwrap_or("USD")) {
                Ok(minor) => Some((s.as_str(), minor)),
                Err(msg) => {
                    self.fail(path, msg);
                    None
                }
            },
            Some(Value::Number(_)) => {
                self.fail(path, "must be a JSON string in major units, e.g. \"10.00\", not a number");
                None
            }
            Some(_) => {
                self.fail(path, "must be a JSON string in major units, e.g. \"10.00\"");
                None
            }
        }
    }

    /// A card object at `path`: `number` (digits, Luhn), `expMonth` (`MM`), `expYear` (`YYYY`, not
    /// in the past), `cvv` (3–4 digits; required when `cvv_required`).
    pub(crate) fn card(&mut self, path: &str, cvv_required: bool) -> Option<(&'a str, Option<&'a str>)> {
        self.req_obj(path)?;
        let number = self.req_str(&format!("{path}.number"));
        if let Some(n) = number {
            if !n.bytes().all(|b| b.is_ascii_digit()) || !(12..=19).contains(&n.len()) {
                self.fail(&format!("{path}.number"), "must be 12 to 19 digits with no spaces or dashes");
            } else if !luhn(n) {
                self.fail(&format!("{path}.number"), "must pass the Luhn check");
            }
        }
        let month = self.req_str(&format!("{path}.expMonth"));
        let month_n = month.and_then(|m| {
            let ok = m.len() == 2 && m.bytes().all(|b| b.is_ascii_digit());
            let n: u32 = m.parse().unwrap_or(0);
            if ok && (1..=12).contains(&n) {
                Some(n)
            } else {
                self.fail(&format!("{path}.expMonth"), "must be two digits 01-12, e.g. \"08\"");
                None
            }
        });
        let year = self.req_str(&format!("{path}.expYear"));
        let year_n = year.and_then(|y| {
            if y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit()) {
                y.parse::<i32>().ok()
            } else {
                self.fail(&format!("{path}.expYear"), "must be four digits, e.g. \"2027\"");
                None
            }
        });
        if let (Some(m), Some(y)) = (month_n, year_n) {
            let now = time::OffsetDateTime::now_utc();
            let (cy, cm) = (now.year(), u32::from(u8::from(now.month())));
            if y < cy || (y == cy && m < cm) {
                self.fail(&format!("{path}.expYear"), "card has expired");
            }
        }
        let cvv_path = format!("{path}.cvv");
        let cvv = if cvv_required { self.req_str(&cvv_path) } else { self.opt_str(&cvv_path) };
        if let Some(c) = cvv
            && (!(3..=4).contains(&c.len()) || !c.bytes().all(|b| b.is_ascii_digit()))
        {
            self.fail(&cvv_path, "must be 3 or 4 digits");
        }
        let holder =
            self.opt_str(&format!("{path}.cardHolderName")).or_else(|| self.opt_str(&format!("{path}.cardHolder")));
        number.map(|n| (n, holder))
    }

    /// An optional two-letter code (`lang`, `billingDetails.country`).
    pub(crate) fn opt_alpha2(&mut self, path: &str) {
        if let Some(s) = self.opt_str(path)
            && (s.len() != 2 || !s.bytes().all(|b| b.is_ascii_alphabetic()))
        {
            self.fail(path, "must be a two-letter code");
        }
    }

    /// Whether `path` already has an error.
    fn has_error(&self, path: &str) -> bool {
        self.errors.iter().any(|e| e.field == path)
    }

    /// 400 with every problem, else 422 for an unsupported currency, else `Ok`.
    pub(crate) fn finish(self) -> Result<(), ApiError> {
        if !self.errors.is_empty() {
            return Err(ApiError::validation(self.errors));
        }
        if let Some(c) = self.unsupported_currency {
            return Err(ApiError::unprocessable_field("currency", format!("{c} is not a supported currency")));
        }
        Ok(())
    }
}

/// The Luhn checksum of a digit string.
pub(crate) fn luhn(digits: &str) -> bool {
    let mut sum = 0u32;
    for (i, b) in digits.bytes().rev().enumerate() {
        let mut d = u32::from(b - b'0');
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum.is_multiple_of(10)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn obj(v: &Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn luhn_accepts_test_cards() {
        for n in ["4111111111111111", "5500000000000004", "4000000000003220", "4000000000000002"] {
            assert!(luhn(n), "{n}");
        }
        assert!(!luhn("4111111111111112"));
    }

    #[test]
    fn collects_every_problem() {
        let body = obj(&json!({"amount": 10, "card": {"number": "4111 1111", "expMonth": "13", "expYear": "27"}}));
        let mut c = Check::new(&body);
        c.req_str("requestId");
        c.amount("amount", Some("USD"));
        c.card("card", true);
        let fields: Vec<String> = match c.finish() {
            Err(e) => {
                assert_eq!(e.status(), axum::http::StatusCode::BAD_REQUEST);
                format!("{e:?}")
                    .split("field: \"")
                    .skip(1)
                    .map(|s| s.split('"').next().unwrap_or("").to_string())
                    .collect()
            }
            Ok(()) => Vec::new(),
        };
        assert_eq!(fields, ["requestId", "amount", "card.number", "card.expMonth", "card.expYear", "card.cvv"]);
    }

    #[test]
    fn unsupported_currency_is_422() {
        let body = obj(&json!({"currency": "XYZ"}));
        let mut c = Check::new(&body);
        c.currency("currency");
        assert_eq!(c.finish().err().map(|e| e.status()), Some(axum::http::StatusCode::UNPROCESSABLE_ENTITY));
    }

    #[test]
    fn expired_card_is_refused() {
        let body =
            obj(&json!({"card": {"number": "4111111111111111", "expMonth": "01", "expYear": "2020", "cvv": "123"}}));
        let mut c = Check::new(&body);
        c.card("card", true);
        assert!(c.finish().is_err());
    }
}
