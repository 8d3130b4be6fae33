//! Amounts and currencies: request amounts are decimal strings in major units (API.md §3), stored
//! as integer minor units so refunds can never exceed the captured amount by rounding, and sent back
//! as JSON numbers (`orderAmount: 10.0`).

/// Currencies the simulator accepts. The docs publish no list (API.md §15.11); these are the ones
/// their examples use plus other common ISO 4217 codes. A well-formed code outside the list gets the
/// documented 422 "unsupported currency".
pub const SUPPORTED_CURRENCIES: &[&str] = &[
    "AED", "AUD", "BGN", "BHD", "BRL", "CAD", "CHF", "CLP", "CNY", "CZK", "DKK", "EUR", "GBP", "HKD", "HUF", "IDR",
    "ILS", "INR", "JOD", "JPY", "KRW", "KWD", "MXN", "MYR", "NGN", "NOK", "NZD", "OMR", "PHP", "PLN", "RON", "SAR",
    "SEK", "SGD", "THB", "TRY", "TWD", "UAH", "USD", "VND", "ZAR",
];

/// ISO 4217 minor-unit exponent: 0 for JPY-like currencies, 3 for the dinars, else 2.
pub fn exponent(currency: &str) -> u32 {
    match currency {
        "JPY" | "KRW" | "CLP" | "VND" | "ISK" | "UGX" | "XAF" | "XOF" | "PYG" | "RWF" => 0,
        "BHD" | "KWD" | "OMR" | "JOD" | "TND" | "IQD" | "LYD" => 3,
        _ => 2,
    }
}

/// An amount in minor units of a currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Money {
    /// Minor units (cents).
    pub minor: i64,
    /// ISO 4217 code.
    pub currency: String,
}

impl Money {
    /// The amount in major units as the JSON number Exirom sends (`10.0`, `10.5`).
    pub fn major(&self) -> f64 {
        self.minor as f64 / 10f64.powi(exponent(&self.currency).cast_signed())
    }

    /// The amount as a fixed-point decimal string (`"10.00"`).
    pub fn decimal(&self) -> String {
        decimal(self.minor, exponent(&self.currency))
    }
}

/// `minor` rendered with `exp` decimals.
pub fn decimal(minor: i64, exp: u32) -> String {
    if exp == 0 {
        return minor.to_string();
    }
    let div = 10i64.pow(exp);
    format!("{}.{:0width$}", minor / div, minor % div, width = exp as usize)
}

/// Why a currency was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CurrencyError {
    /// Not three uppercase letters (400).
    Malformed,
    /// Well-formed but not supported (422).
    Unsupported,
}

/// Checks an ISO 4217 code.
pub fn check_currency(code: &str) -> Result<(), CurrencyError> {
    if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
        Err(CurrencyError::Malformed)
    } else if SUPPORTED_CURRENCIES.contains(&code) {
        Ok(())
    } else {
        Err(CurrencyError::Unsupported)
    }
}

/// Largest amount accepted, in minor units (a guard against overflow, not a documented limit).
const MAX_MINOR: i64 = 1_000_000_000_000;

/// Parses a request amount (`"10"`, `"10.0"`, `"10.00"`) into minor units of `currency`. Digits
/// beyond the currency's exponent are rounded half-up, as Exirom rounds more than two decimals
/// (API.md §3). Returns a message fit for a field error.
pub fn parse_amount(text: &str, currency: &str) -> Result<i64, &'static str> {
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err("must be a decimal number in major units, e.g. \"10.00\"");
    }
    if text.ends_with('.') {
        return Err("must be a decimal number in major units, e.g. \"10.00\"");
    }
    if int.len() > 13 {
        return Err("is too large");
    }
    let exp = exponent(currency) as usize;
    let mut minor: i64 = int.parse().map_err(|_| "is too large")?;
    for i in 0..exp {
        let d = frac.as_bytes().get(i).map_or(0, |b| i64::from(b - b'0'));
        minor = minor * 10 + d;
    }
    if frac.as_bytes().get(exp).is_some_and(|b| *b >= b'5') {
        minor += 1;
    }
    if minor <= 0 {
        return Err("must be greater than zero");
    }
    if minor > MAX_MINOR {
        return Err("is too large");
    }
    Ok(minor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_documented_forms() {
        assert_eq!(parse_amount("10", "USD"), Ok(1000));
        assert_eq!(parse_amount("10.0", "USD"), Ok(1000));
        assert_eq!(parse_amount("10.00", "USD"), Ok(1000));
        assert_eq!(parse_amount("25.50", "EUR"), Ok(2550));
        assert_eq!(parse_amount("3.75", "ILS"), Ok(375));
        assert_eq!(parse_amount("500", "JPY"), Ok(500));
        assert_eq!(parse_amount("1.2345", "KWD"), Ok(1235));
    }

    #[test]
    fn rounds_extra_decimals_half_up() {
        assert_eq!(parse_amount("10.005", "USD"), Ok(1001));
        assert_eq!(parse_amount("10.004", "USD"), Ok(1000));
        assert_eq!(parse_amount("10.5", "JPY"), Ok(11));
    }

    #[test]
    fn refuses_garbage() {
        for bad in ["", "-1", "1e3", "ten", "1.", ".5", "1,00", " 1", "0", "0.00", "0.004", "99999999999999"] {
            assert!(parse_amount(bad, "USD").is_err(), "{bad}");
        }
    }

    #[test]
    fn renders_major_and_decimal() {
        let m = Money { minor: 1050, currency: "USD".into() };
        assert_eq!(serde_json::to_string(&m.major()).ok().as_deref(), Some("10.5"));
        assert_eq!(m.decimal(), "10.50");
        let y = Money { minor: 500, currency: "JPY".into() };
        assert_eq!(serde_json::to_string(&y.major()).ok().as_deref(), Some("500.0"));
        assert_eq!(y.decimal(), "500");
    }

    proptest::proptest! {
        /// Any text: an error message or an amount in range, never a panic or an overflow.
        #[test]
        fn any_text_parses_or_is_refused(text in "\\PC{0,30}", cur in "[A-Z]{3}") {
            if let Ok(minor) = parse_amount(&text, &cur) {
                proptest::prop_assert!((1..=MAX_MINOR).contains(&minor));
                proptest::prop_assert!(text.bytes().all(|b| b.is_ascii_digit() || b == b'.'));
            }
        }

        /// Decimal amounts become minor units exactly, extra digits rounded half-up.
        #[test]
        fn decimals_round_half_up(int in 0u64..10_000_000_000, frac in "[0-9]{0,6}", cur in proptest::sample::select(vec!["USD", "JPY", "KWD"])) {
            let text = if frac.is_empty() { int.to_string() } else { format!("{int}.{frac}") };
            let exp = exponent(cur) as usize;
            let mut kept = frac.clone();
            kept.truncate(exp);
            while kept.len() < exp {
                kept.push('0');
            }
            let mut want: i128 = format!("{int}{kept}").parse().unwrap();
            if frac.as_bytes().get(exp).is_some_and(|b| *b >= b'5') {
                want += 1;
            }
            match parse_amount(&text, cur) {
                Ok(minor) => proptest::prop_assert_eq!(i128::from(minor), want),
                Err(_) => proptest::prop_assert!(want <= 0 || want > i128::from(MAX_MINOR), "{} refused", text),
            }
        }
    }

    #[test]
    fn checks_currencies() {
        assert_eq!(check_currency("EUR"), Ok(()));
        assert_eq!(check_currency("eur"), Err(CurrencyError::Malformed));
        assert_eq!(check_currency("EURO"), Err(CurrencyError::Malformed));
        assert_eq!(check_currency("XYZ"), Err(CurrencyError::Unsupported));
    }
}
