//! Callback bodies as Exirom sends them (API.md §10.3 card, §10.4 APM), with fresh `golive-`
//! transaction ids, and their `X-Checksum`.
//!
//! Bodies are written field by field from JSON text golive controls, and the checksum signs those
//! same texts: the number a merchant reads literally from the raw body (`12.34`) is the number that
//! was signed. Amounts always have two decimals with a non-zero last digit, so a verifier that
//! parses the JSON into a float and prints it back (JS `String()`, Python `str()`, Rust `Display`)
//! gets the same text too (API.md §11.2, consequence 4).

use super::checksum::{self, Choice, Kind, Variant};

/// The ids a callback carries: `--mid` / `--account-id` or `[exirom]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ids {
    /// Card merchant id (`mid`).
    pub mid: String,
    /// APM account id (`accountId`).
    pub account_id: String,
}

/// One JSON value of a body, as text.
#[derive(Debug, Clone)]
enum Json {
    /// A JSON string; signed as its content.
    Str(String),
    /// A JSON number, written and signed as this literal text.
    Num(String),
    /// Other JSON (objects, null), never signed.
    Raw(String),
}

impl Json {
    fn text(&self) -> String {
        match self {
            Self::Str(s) => serde_json::Value::String(s.clone()).to_string(),
            Self::Num(n) | Self::Raw(n) => n.clone(),
        }
    }

    fn signed(&self) -> &str {
        match self {
            Self::Str(s) | Self::Num(s) | Self::Raw(s) => s,
        }
    }
}

/// Everything that defines one callback; the body and checksum are derived from it.
#[derive(Debug, Clone)]
pub struct Spec {
    /// Card or APM.
    pub kind: Kind,
    /// `transactionId` (`golive-…`).
    pub transaction_id: String,
    /// `requestId` (`golive-req-…`).
    pub request_id: String,
    /// `transactionStatus`.
    pub status: &'static str,
    /// `declineCode` (`null` when `None`).
    pub decline_code: Option<u16>,
    /// The field set that is signed.
    pub variant: Variant,
    ids: Ids,
    apm_type: String,
    callback_url: String,
    amount_minor: u64,
    created_at: String,
}

/// A callback ready to deliver.
#[derive(Debug, Clone)]
pub struct Callback {
    /// What it was built from.
    pub spec: Spec,
    /// The JSON body.
    pub body: String,
    /// Query parameters Exirom appends to the callback URL.
    pub query: Vec<(&'static str, String)>,
    /// The `X-Checksum` header (`None` = sent without one).
    pub checksum: Option<String>,
}

const CURRENCY: &str = "EUR";

impl Spec {
    /// A card callback for a new transaction.
    pub fn card(ids: &Ids, status: &'static str, choice: Choice, callback_url: &str) -> Self {
        Self::new(Kind::Card, ids, status, choice, callback_url, "")
    }

    /// An APM callback for a new transaction.
    pub fn apm(ids: &Ids, apm_type: &str, status: &'static str, choice: Choice, callback_url: &str) -> Self {
        Self::new(Kind::Apm, ids, status, choice, callback_url, apm_type)
    }

    fn new(kind: Kind, ids: &Ids, status: &'static str, choice: Choice, url: &str, apm_type: &str) -> Self {
        let id = uuid::Uuid::new_v4();
        // 10.01 ..= 999.99 with a non-zero last digit (see the module docs).
        let mut amount_minor = 1001 + (id.as_u128() % 98_999) as u64;
        if amount_minor.is_multiple_of(10) {
            amount_minor += 1;
        }
        Self {
            kind,
            transaction_id: format!("golive-{}", id.simple()),
            request_id: format!("golive-req-{}", uuid::Uuid::new_v4().simple()),
            status,
            decline_code: None,
            variant: choice.for_kind(kind),
            ids: ids.clone(),
            apm_type: apm_type.to_string(),
            callback_url: url.to_string(),
            amount_minor,
            created_at: crate::engine::now_rfc3339(),
        }
    }

    /// The same transaction with another status (a later, or stale, callback).
    #[must_use]
    pub fn with_status(&self, status: &'static str, decline_code: Option<u16>) -> Self {
        Self { status, decline_code, ..self.clone() }
    }

    /// The amount as the body writes it (`12.34`).
    pub fn amount_text(&self) -> String {
        format!("{}.{:02}", self.amount_minor / 100, self.amount_minor % 100)
    }

    /// The body fields, in documented order, plus the fields the variant signs that the documented
    /// body lacks (e.g. `accountId` in a card body signed with B).
    fn fields(&self) -> Vec<(&'static str, Json)> {
        let amount = Json::Num(self.amount_text());
        let account = account_json(&self.ids.account_id);
        let decline = self.decline_code.map_or_else(|| Json::Raw("null".into()), |c| Json::Num(c.to_string()));
        let billing = r#"{"name":"Golive Test","country":"DE","email":"golive@example.com"}"#;
        let order = Json::Raw(format!(
            r#"{{"orderId":"golive-order-{}","title":"golive webhook probe"}}"#,
            &self.request_id["golive-req-".len().min(self.request_id.len())..]
        ));
        let mut f: Vec<(&'static str, Json)> = vec![
            ("transactionId", Json::Str(self.transaction_id.clone())),
            ("requestId", Json::Str(self.request_id.clone())),
        ];
        match self.kind {
            Kind::Card => {
                f.push(("mid", Json::Str(self.ids.mid.clone())));
                f.push(("transactionStatus", Json::Str(self.status.into())));
                f.push(("declineCode", decline));
                f.push(("cardMask", Json::Str("411111******1111".into())));
                f.push(("cardHolder", Json::Str("GOLIVE TEST".into())));
            }
            Kind::Apm => {
                f.push(("accountId", account.clone()));
                f.push(("transactionStatus", Json::Str(self.status.into())));
                f.push(("declineCode", decline));
                f.push(("declineSubReason", Json::Raw("null".into())));
            }
        }
        f.extend([
            ("orderCurrency", Json::Str(CURRENCY.into())),
            ("processedCurrency", Json::Str(CURRENCY.into())),
            ("orderAmount", amount.clone()),
            ("processedAmount", amount.clone()),
            ("conversionRate", Json::Num("1.0".into())),
        ]);
        if self.kind == Kind::Apm {
            f.push(("apmRequestPayload", Json::Raw("{}".into())));
            f.push(("apmResponseData", Json::Raw("{}".into())));
            f.push(("apmType", Json::Str(self.apm_type.clone())));
        }
        f.extend([
            ("callbackUrl", Json::Str(self.callback_url.clone())),
            ("billingDetails", Json::Raw(billing.into())),
            ("order", order),
            ("createdAt", Json::Str(self.created_at.clone())),
        ]);
        if self.kind == Kind::Apm {
            f.push(("metadata", Json::Raw("{}".into())));
        }
        // Fields the chosen variant signs but the documented body lacks.
        for name in self.variant.fields(self.kind) {
            if f.iter().any(|(k, _)| *k == name) {
                continue;
            }
            let value = match name {
                "accountId" => account.clone(),
                "amount" if self.variant.minor_units() => Json::Num(self.amount_minor.to_string()),
                "amount" => amount.clone(),
                "currency" => Json::Str(CURRENCY.into()),
                _ => Json::Str(self.ids.mid.clone()),
            };
            f.push((name, value));
        }
        f
    }

    /// The JSON body.
    pub fn body(&self) -> String {
        let parts: Vec<String> = self
            .fields()
            .iter()
            .map(|(k, v)| format!("{}:{}", serde_json::Value::String((*k).into()), v.text()))
            .collect();
        format!("{{{}}}", parts.join(","))
    }

    /// The `|`-joined text that is signed, taken from the body's own field texts.
    pub fn signed_text(&self) -> String {
        let fields = self.fields();
        self.variant
            .fields(self.kind)
            .iter()
            .map(|name| fields.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.signed()))
            .collect::<Vec<_>>()
            .join("|")
    }

    /// The query string Exirom appends (API.md §10.1).
    pub fn query(&self) -> Vec<(&'static str, String)> {
        match self.kind {
            Kind::Card => vec![("paymentMethod", "card".into())],
            Kind::Apm => vec![("paymentMethod", "apm".into()), ("apmType", self.apm_type.clone())],
        }
    }

    /// Correctly signed with the merchant secret.
    pub fn signed(&self, secret: &[u8]) -> Callback {
        let checksum = checksum::sign(secret, &self.signed_text());
        self.deliverable(Some(checksum))
    }

    /// Signed with a random secret that is not the merchant's (a forgery).
    pub fn forged(&self) -> Callback {
        let wrong = format!("golive-forged-{}", uuid::Uuid::new_v4().simple());
        self.deliverable(Some(checksum::sign(wrong.as_bytes(), &self.signed_text())))
    }

    /// Without an `X-Checksum` header.
    pub fn unsigned(&self) -> Callback {
        self.deliverable(None)
    }

    fn deliverable(&self, checksum: Option<String>) -> Callback {
        Callback { spec: self.clone(), body: self.body(), query: self.query(), checksum }
    }
}

/// `accountId` is a Long in the APM body: a plain decimal id is written as a number, anything
/// else as a string.
fn account_json(id: &str) -> Json {
    let numeric = !id.is_empty() && id.len() <= 18 && id.bytes().all(|b| b.is_ascii_digit()) && !id.starts_with('0');
    if numeric { Json::Num(id.to_string()) } else { Json::Str(id.to_string()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids() -> Ids {
        Ids { mid: "M-1".into(), account_id: "12345".into() }
    }

    fn raw_field<'a>(body: &'a str, name: &str) -> &'a str {
        let start = body.find(&format!("\"{name}\":")).unwrap() + name.len() + 3;
        let rest = &body[start..];
        let end = rest.find([',', '}']).unwrap();
        &rest[..end]
    }

    #[test]
    fn card_body_follows_the_documented_dto_and_signs_its_own_number_text() {
        let spec = Spec::card(&ids(), "SUCCEED", Choice::Auto, "https://shop.example/cb");
        let body = spec.body();
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        for f in ["transactionId", "requestId", "mid", "transactionStatus", "declineCode", "cardMask", "orderAmount"] {
            assert!(v.get(f).is_some(), "{f} missing in {body}");
        }
        assert!(v.get("accountId").is_none() && v.get("amount").is_none(), "variant D adds nothing: {body}");
        assert!(spec.transaction_id.starts_with("golive-"));
        let amount = raw_field(&body, "orderAmount");
        assert_eq!(spec.signed_text(), format!("M-1|{amount}|EUR|{}", spec.transaction_id));
        // Parse-and-print verifiers see the same text in JS, Python and Rust.
        assert_eq!(v["orderAmount"].as_f64().unwrap().to_string(), amount);
        assert_eq!(spec.query(), vec![("paymentMethod", "card".to_string())]);
    }

    #[test]
    fn apm_body_carries_apm_type_and_numeric_account_id() {
        let spec = Spec::apm(&ids(), "UPI_QR", "SUCCEED", Choice::Auto, "https://shop.example/cb");
        let body = spec.body();
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["apmType"], "UPI_QR");
        assert_eq!(v["accountId"], 12345);
        assert!(v.get("mid").is_none());
        assert_eq!(
            spec.signed_text(),
            format!("12345|{}|EUR|{}", raw_field(&body, "orderAmount"), spec.transaction_id)
        );
        assert_eq!(spec.query()[1], ("apmType", "UPI_QR".to_string()));
    }

    #[test]
    fn variants_add_the_fields_they_sign() {
        let a = Spec::card(&ids(), "SUCCEED", Choice::parse("a").unwrap(), "u");
        let body = a.body();
        assert_eq!(raw_field(&body, "amount"), a.amount_minor.to_string());
        assert_eq!(a.signed_text(), format!("12345|{}|EUR|{}", a.amount_minor, a.transaction_id));
        let d = Spec::apm(
            &Ids { mid: "m".into(), account_id: "acc-7".into() },
            "PIX",
            "SUCCEED",
            Choice::parse("d").unwrap(),
            "u",
        );
        let body = d.body();
        assert_eq!(raw_field(&body, "amount"), raw_field(&body, "orderAmount"));
        assert_eq!(raw_field(&body, "accountId"), "\"acc-7\"");
        assert!(d.signed_text().starts_with("acc-7|"));
    }

    #[test]
    fn amounts_have_a_nonzero_last_digit() {
        for _ in 0..200 {
            let s = Spec::card(&ids(), "SUCCEED", Choice::Auto, "u");
            let t = s.amount_text();
            assert!(!t.ends_with('0') && t.contains('.'), "{t}");
            assert_eq!(t.parse::<f64>().unwrap().to_string(), t);
        }
    }

    #[test]
    fn checksums_sign_forge_and_omit() {
        let spec = Spec::card(&ids(), "SUCCEED", Choice::Auto, "u");
        let good = spec.signed(b"k");
        assert!(checksum::verify(b"k", &spec.signed_text(), good.checksum.as_deref().unwrap()));
        let forged = spec.forged();
        assert!(!checksum::verify(b"k", &spec.signed_text(), forged.checksum.as_deref().unwrap()));
        assert!(spec.unsigned().checksum.is_none());
        let stale = spec.with_status("PENDING", None);
        assert_eq!(stale.transaction_id, spec.transaction_id);
        assert!(stale.body().contains("\"transactionStatus\":\"PENDING\""));
        let failed = spec.with_status("FAILED", Some(5));
        assert_eq!(raw_field(&failed.body(), "declineCode"), "5");
    }
}
