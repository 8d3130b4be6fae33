//! The simulator's data: transaction statuses (API.md §12), the test cards (§15.1), the decline
//! codes it answers with (§13), the stored transaction, and the bodies of info responses and
//! callbacks (§4.5, §8, §9, §10.3, §10.4).

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::callbacks::Lane;
use super::checksum::ChecksumVariant;
use super::money::Money;

/// A transaction status (API.md §12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    /// Created, not processed yet.
    New,
    /// Waiting for an external step.
    Pending,
    /// Being processed (payouts, refunds).
    Processing,
    /// Customer action needed (3DS challenge, APM redirect).
    CustomerVerification,
    /// Completed.
    Succeed,
    /// Declined or failed; see `declineCode`.
    Failed,
    /// Cancelled before completion.
    Cancelled,
    /// Refunded in full.
    Refunded,
    /// Charged back.
    Chargeback,
}

impl Status {
    /// The wire spelling (`SUCCEED`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "NEW",
            Self::Pending => "PENDING",
            Self::Processing => "PROCESSING",
            Self::CustomerVerification => "CUSTOMER_VERIFICATION",
            Self::Succeed => "SUCCEED",
            Self::Failed => "FAILED",
            Self::Cancelled => "CANCELLED",
            Self::Refunded => "REFUNDED",
            Self::Chargeback => "CHARGEBACK",
        }
    }

    /// Whether the status is final (API.md §12); only final callbacks are retried (§10.2).
    pub fn is_final(self) -> bool {
        matches!(self, Self::Succeed | Self::Failed | Self::Cancelled | Self::Refunded | Self::Chargeback)
    }
}

/// What a transaction is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// `POST /api/v1/payments/card` or `/card/charge`.
    CardPayment,
    /// `POST /api/v1/payments/apm`.
    ApmPayment,
    /// `POST /api/v1/refunds/card`.
    Refund,
    /// `POST /api/v1/payouts/card`.
    CardPayout,
    /// `POST /api/v1/payouts/apm`.
    ApmPayout,
}

impl Kind {
    /// Whether callbacks carry `?paymentMethod=apm&apmType=…` (else `?paymentMethod=card`).
    pub fn is_apm(self) -> bool {
        matches!(self, Self::ApmPayment | Self::ApmPayout)
    }
}

/// What a test card does when charged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CardOutcome {
    /// `SUCCEED` at once.
    Approve,
    /// `CUSTOMER_VERIFICATION` with a challenge page.
    ThreeDs,
    /// `FAILED` with this decline code.
    Decline(u32),
}

/// A sandbox test card.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct TestCard {
    /// The PAN.
    pub number: &'static str,
    /// What a payment with it does.
    pub outcome: CardOutcome,
}

/// `INSUFFICIENT_FUNDS_ERROR`: the code the decline test card answers with. The docs leave the
/// code unstated (test-cards.toml); 5 is the documented "insufficient funds" code (decline-codes.toml).
pub const DECLINE_INSUFFICIENT_FUNDS: u32 = 5;
/// `REJECTED_BY_ISSUER_BANK_ERROR`: any Luhn-valid card that is not a test card, and payouts to
/// the decline test card.
pub const DECLINE_REJECTED_BY_ISSUER: u32 = 2;
/// `THREE_DS_AUTHENTICATION_ERROR`: a failed 3-D Secure challenge.
pub const DECLINE_THREE_DS: u32 = 3;
/// `PROCESSOR_DENIED`: an APM payment the customer declined on the provider page.
pub const DECLINE_PROCESSOR_DENIED: u32 = 11;

/// The documented sandbox test cards (API.md §15.1, test-cards.toml).
pub const TEST_CARDS: &[TestCard] = &[
    TestCard { number: "4111111111111111", outcome: CardOutcome::Approve },
    TestCard { number: "5500000000000004", outcome: CardOutcome::Approve },
    TestCard { number: "4000000000003220", outcome: CardOutcome::ThreeDs },
    TestCard { number: "4000000000000002", outcome: CardOutcome::Decline(DECLINE_INSUFFICIENT_FUNDS) },
];

/// The outcome for a PAN: the test card's, else a decline by the issuer.
pub fn card_outcome(number: &str) -> CardOutcome {
    TEST_CARDS
        .iter()
        .find(|c| c.number == number)
        .map_or(CardOutcome::Decline(DECLINE_REJECTED_BY_ISSUER), |c| c.outcome)
}

/// The card data kept after a payment (never the full PAN or the CVV).
#[derive(Debug, Clone)]
pub(crate) struct CardInfo {
    /// `411111******1111`.
    pub(crate) mask: String,
    /// `cardHolderName`, when given.
    pub(crate) holder: Option<String>,
    /// What charging this card does.
    pub(crate) outcome: CardOutcome,
}

impl CardInfo {
    /// Masks a PAN to first 6 + last 4 and looks up its outcome.
    pub(crate) fn from_pan(pan: &str, holder: Option<String>) -> Self {
        let keep = pan.len().saturating_sub(10);
        let mask = format!("{}{}{}", &pan[..6.min(pan.len())], "*".repeat(keep), &pan[pan.len().saturating_sub(4)..]);
        Self { mask, holder, outcome: card_outcome(pan) }
    }

    /// The card scheme from the leading digit (test-cards.toml infers it the same way).
    pub(crate) fn brand(&self) -> &'static str {
        match self.mask.as_bytes().first() {
            Some(b'4') => "VISA",
            Some(b'5' | b'2') => "MASTERCARD",
            Some(b'3') => "AMEX",
            _ => "UNKNOWN",
        }
    }
}

/// APM details of an APM payment or payout.
#[derive(Debug, Clone)]
pub(crate) struct ApmInfo {
    /// `apmType` = `apmPayload.paymentMethod` (`UPI_QR`).
    pub(crate) apm_type: String,
    /// The request's `apmPayload`, echoed as `apmRequestPayload`.
    pub(crate) request_payload: Value,
    /// The response's `apmResponseData`.
    pub(crate) response_data: Value,
}

/// Whom a transaction belongs to: card APIs use `mid`, APM APIs `accountId` (API.md §3).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Merchant {
    /// `mid`.
    Mid(String),
    /// `accountId`.
    Account(String),
}

impl Merchant {
    /// The identifier.
    pub(crate) fn id(&self) -> &str {
        match self {
            Self::Mid(s) | Self::Account(s) => s,
        }
    }
}

/// One stored transaction.
#[derive(Debug, Clone)]
pub(crate) struct Tx {
    /// Exirom's `transactionId` (a numeric string).
    pub(crate) id: String,
    /// What it is.
    pub(crate) kind: Kind,
    /// The merchant's `requestId`.
    pub(crate) request_id: String,
    /// `mid` or `accountId`.
    pub(crate) merchant: Merchant,
    /// Current status.
    pub(crate) status: Status,
    /// Every status it entered, in order.
    pub(crate) history: Vec<Status>,
    /// `declineCode` when `FAILED`.
    pub(crate) decline_code: Option<u32>,
    /// APM `declineSubReason`.
    pub(crate) decline_sub_reason: Option<String>,
    /// The amount.
    pub(crate) money: Money,
    /// For payments: minor units refunded or being refunded.
    pub(crate) refunded_minor: i64,
    /// `callbackUrl` as given.
    pub(crate) callback_url: Option<String>,
    /// `successRedirectUrl`.
    pub(crate) success_url: Option<String>,
    /// `failureRedirectUrl`.
    pub(crate) failure_url: Option<String>,
    /// Card details (card payments and payouts).
    pub(crate) card: Option<CardInfo>,
    /// APM details.
    pub(crate) apm: Option<ApmInfo>,
    /// Echoed subset of `billingDetails`.
    pub(crate) billing: Value,
    /// Echoed subset of `order`.
    pub(crate) order: Value,
    /// `metadata`, echoed unchanged.
    pub(crate) metadata: Value,
    /// Refunds: the payment's id.
    pub(crate) parent: Option<String>,
    /// Refunds: `reason`.
    pub(crate) reason: Option<String>,
    /// The id in the challenge/redirect page URL.
    pub(crate) challenge_id: Option<String>,
    /// ISO 8601 creation time.
    pub(crate) created_at: String,
    /// Keeps this transaction's callbacks in order.
    pub(crate) lane: Arc<Lane>,
}

impl Tx {
    /// Moves to `status` and records it.
    pub(crate) fn set_status(&mut self, status: Status, decline: Option<u32>) {
        self.status = status;
        self.decline_code = decline;
        self.history.push(status);
    }

    /// The info body (= callback body) for this transaction (API.md §4.5, §8, §9, §10.3, §10.4).
    pub(crate) fn info(&self, variant: ChecksumVariant) -> Map<String, Value> {
        self.info_as(self.status, variant)
    }

    /// The info body as if the transaction had `status` (out-of-order chaos sends a stale one).
    pub(crate) fn info_as(&self, status: Status, variant: ChecksumVariant) -> Map<String, Value> {
        let decline = if status == Status::Failed { self.decline_code } else { None };
        let mut m = Map::new();
        let mut put = |k: &str, v: Value| {
            m.insert(k.to_string(), v);
        };
        let amount = json!(self.money.major());
        match self.kind {
            Kind::CardPayment => {
                put("transactionId", json!(self.id));
                put("requestId", json!(self.request_id));
                put("mid", json!(self.merchant.id()));
                put("transactionStatus", json!(status.as_str()));
                put("declineCode", json!(decline));
                put("cardMask", json!(self.card.as_ref().map(|c| c.mask.clone())));
                put("cardHolder", json!(self.card.as_ref().and_then(|c| c.holder.clone())));
                put("orderCurrency", json!(self.money.currency));
                put("processedCurrency", json!(self.money.currency));
                put("orderAmount", amount.clone());
                put("processedAmount", amount);
                put("conversionRate", json!(1.0));
                put("callbackUrl", json!(self.callback_url));
                put("billingDetails", self.billing.clone());
                put("order", self.order.clone());
                put("createdAt", json!(self.created_at));
                put("metadata", self.metadata.clone());
            }
            Kind::Refund => {
                put("transactionId", json!(self.parent));
                put("refundId", json!(self.id));
                put("requestId", json!(self.request_id));
                put("mid", json!(self.merchant.id()));
                put("transactionStatus", json!(status.as_str()));
                put("declineCode", json!(decline));
                put("totalAmount", amount);
                put("currency", json!(self.money.currency));
                put("reason", json!(self.reason));
                put("callbackUrl", json!(self.callback_url));
                put("createdAt", json!(self.created_at));
                put("metadata", self.metadata.clone());
            }
            Kind::CardPayout => {
                put("transactionId", json!(self.id));
                put("requestId", json!(self.request_id));
                put("mid", json!(self.merchant.id()));
                put("transactionStatus", json!(status.as_str()));
                put("declineCode", json!(decline));
                put("cardMask", json!(self.card.as_ref().map(|c| c.mask.clone())));
                put("cardHolder", json!(self.card.as_ref().and_then(|c| c.holder.clone())));
                put("totalAmount", amount);
                put("currency", json!(self.money.currency));
                put("callbackUrl", json!(self.callback_url));
                put("createdAt", json!(self.created_at));
                put("metadata", self.metadata.clone());
            }
            Kind::ApmPayment | Kind::ApmPayout => {
                let apm = self.apm.as_ref();
                put("transactionId", json!(self.id));
                put("requestId", json!(self.request_id));
                put("accountId", account_id_value(self.merchant.id()));
                put("transactionStatus", json!(status.as_str()));
                put("declineCode", json!(decline));
                put("declineSubReason", json!(if decline.is_some() { self.decline_sub_reason.clone() } else { None }));
                put("orderCurrency", json!(self.money.currency));
                put("processedCurrency", json!(self.money.currency));
                put("orderAmount", amount.clone());
                put("processedAmount", amount.clone());
                put("conversionRate", json!(1.0));
                put("apmRequestPayload", apm.map_or(Value::Null, |a| a.request_payload.clone()));
                put("apmResponseData", apm.map_or(Value::Null, |a| a.response_data.clone()));
                put("apmType", json!(apm.map(|a| a.apm_type.clone())));
                put("callbackUrl", json!(self.callback_url));
                put("billingDetails", self.billing.clone());
                put("order", self.order.clone());
                put("createdAt", json!(self.created_at));
                put("metadata", self.metadata.clone());
                if variant == ChecksumVariant::D {
                    // Variant D signs `accountId|amount|currency|transactionId` (API.md §11.2).
                    put("amount", amount);
                    put("currency", json!(self.money.currency));
                }
            }
        }
        m
    }

    /// A public snapshot.
    pub(crate) fn view(&self) -> TransactionView {
        TransactionView {
            transaction_id: self.id.clone(),
            kind: self.kind,
            request_id: self.request_id.clone(),
            merchant_id: self.merchant.id().to_string(),
            status: self.status,
            decline_code: self.decline_code,
            amount: self.money.decimal(),
            currency: self.money.currency.clone(),
            refunded_amount: super::money::decimal(self.refunded_minor, super::money::exponent(&self.money.currency)),
            parent_transaction_id: self.parent.clone(),
            apm_type: self.apm.as_ref().map(|a| a.apm_type.clone()),
            callback_url: self.callback_url.clone(),
            status_history: self.history.clone(),
            created_at: self.created_at.clone(),
        }
    }
}

/// `accountId` is a String in requests but an Integer/Long in callbacks (API.md §3): numeric ids
/// go out as numbers, others stay strings.
pub(crate) fn account_id_value(id: &str) -> Value {
    id.parse::<i64>().map_or_else(|_| json!(id), |n| json!(n))
}

/// A snapshot of one transaction, as `GET /_simulator/transactions` returns it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TransactionView {
    /// `transactionId` (for refunds: the refund's own id).
    pub transaction_id: String,
    /// What it is.
    pub kind: Kind,
    /// `requestId`.
    pub request_id: String,
    /// `mid` or `accountId`.
    pub merchant_id: String,
    /// Current status.
    pub status: Status,
    /// `declineCode`.
    pub decline_code: Option<u32>,
    /// Amount, decimal string in major units.
    pub amount: String,
    /// Currency.
    pub currency: String,
    /// Payments: amount refunded or being refunded.
    pub refunded_amount: String,
    /// Refunds: the payment refunded.
    pub parent_transaction_id: Option<String>,
    /// APM type.
    pub apm_type: Option<String>,
    /// `callbackUrl`.
    pub callback_url: Option<String>,
    /// Every status entered, in order.
    pub status_history: Vec<Status>,
    /// Creation time.
    pub created_at: String,
}

/// The subset of `billingDetails` that callbacks echo (name, country, email; API.md §10.3).
pub(crate) fn billing_subset(v: Option<&Value>) -> Value {
    subset(v, &["firstName", "lastName", "country", "email"])
}

/// The subset of `order` that callbacks echo (orderId, title; API.md §10.3).
pub(crate) fn order_subset(v: Option<&Value>) -> Value {
    subset(v, &["orderId", "title"])
}

fn subset(v: Option<&Value>, keys: &[&str]) -> Value {
    let Some(Value::Object(o)) = v else { return Value::Null };
    Value::Object(keys.iter().filter_map(|k| o.get(*k).map(|x| ((*k).to_string(), x.clone()))).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_first_six_last_four() {
        let c = CardInfo::from_pan("4111111111111111", None);
        assert_eq!(c.mask, "411111******1111");
        assert_eq!(c.brand(), "VISA");
        assert_eq!(c.outcome, CardOutcome::Approve);
    }

    #[test]
    fn unknown_cards_are_declined_by_the_issuer() {
        assert_eq!(card_outcome("4242424242424242"), CardOutcome::Decline(DECLINE_REJECTED_BY_ISSUER));
        assert_eq!(card_outcome("4000000000000002"), CardOutcome::Decline(DECLINE_INSUFFICIENT_FUNDS));
        assert_eq!(card_outcome("4000000000003220"), CardOutcome::ThreeDs);
    }

    #[test]
    fn numeric_account_ids_become_numbers() {
        assert_eq!(account_id_value("1001"), json!(1001));
        assert_eq!(account_id_value("acc-1"), json!("acc-1"));
    }
}
