//! Money in minor units (centimes for MAD); decimals only at the API edge, never floats.

use crate::kernel::error::ErrorCode;
use crate::kernel::messages::Message;
use crate::msg;
use async_graphql::{Enum, InputValueError, InputValueResult, Scalar, ScalarType, SimpleObject, Value};

/// ISO 4217 currency code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum CurrencyCode {
    Mad,
}

impl CurrencyCode {
    pub fn code(self) -> &'static str {
        "MAD"
    }
    pub fn parse(code: &str) -> Option<CurrencyCode> {
        (code == "MAD").then_some(CurrencyCode::Mad)
    }
    /// Number of digits after the decimal point.
    pub fn exponent(self) -> u32 {
        2
    }
}

/// A decimal number carried as a string (`"120.50"`) so no client parses it as a float.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decimal(pub String);

/// A decimal number as text, so no client reads it as a float: digits, an optional `-` and
/// at most the currency's decimals after a `.`, e.g. `"120.50"` (inputs also accept a JSON
/// number). Amounts of money are in the currency's major unit (MAD, not centimes).
#[Scalar(name = "Decimal", specified_by_url = "https://www.w3.org/TR/xmlschema11-2/#decimal")]
impl ScalarType for Decimal {
    fn parse(value: Value) -> InputValueResult<Self> {
        match value {
            Value::String(s) => Ok(Decimal(s)),
            Value::Number(n) => Ok(Decimal(n.to_string())),
            other => Err(InputValueError::expected_type(other)),
        }
    }
    fn to_value(&self) -> Value {
        Value::String(self.0.clone())
    }
}

#[derive(Debug, Clone, SimpleObject)]
pub struct Money {
    pub amount: Decimal,
    pub currency_code: CurrencyCode,
}

impl Money {
    pub fn new(minor: i64, currency: CurrencyCode) -> Money {
        Money { amount: Decimal(format_minor(minor, currency.exponent())), currency_code: currency }
    }
    pub fn mad(minor: i64) -> Money {
        Money::new(minor, CurrencyCode::Mad)
    }
}

pub fn format_minor(minor: i64, exponent: u32) -> String {
    let scale = 10i64.pow(exponent);
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    let scale = scale as u64;
    format!("{sign}{}.{:0width$}", abs / scale, abs % scale, width = exponent as usize)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AmountError {
    Malformed,
    TooPrecise,
    Negative,
    TooLarge,
}

impl AmountError {
    pub fn message(self) -> Message {
        match self {
            AmountError::Malformed => msg!("must be a decimal number such as 120.50"),
            AmountError::TooPrecise => msg!("has more decimals than the currency allows"),
            AmountError::Negative => msg!("must not be negative"),
            AmountError::TooLarge => msg!("is too large"),
        }
    }

    pub fn code(self) -> ErrorCode {
        match self {
            AmountError::Malformed | AmountError::TooPrecise => ErrorCode::BadUserInput,
            AmountError::Negative | AmountError::TooLarge => ErrorCode::OutOfRange,
        }
    }
}

impl std::fmt::Display for AmountError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message().english())
    }
}

/// Parses an amount that may be negative (a loss, a debt): `"-1200.50"` → -120050.
pub fn parse_signed_amount(text: &str, exponent: u32) -> Result<i64, AmountError> {
    match text.trim().strip_prefix('-') {
        Some(rest) => parse_amount(rest, exponent).map(|v| -v),
        None => parse_amount(text, exponent),
    }
}

/// The largest amount any input may carry, in minor units: one billion dirhams. Products of
/// amounts (a subtotal by a commission rate, a price by a quantity) then stay far inside 64 bits.
pub const MAX_AMOUNT_MINOR: i64 = 100_000_000_000;

/// Parses a non-negative decimal amount into minor units: `"120.5"` → 12050; at most
/// `MAX_AMOUNT_MINOR`.
pub fn parse_amount(text: &str, exponent: u32) -> Result<i64, AmountError> {
    let text = text.trim();
    if let Some(rest) = text.strip_prefix('-') {
        return match parse_amount(rest, exponent) {
            Ok(0) => Ok(0),
            Ok(_) => Err(AmountError::Negative),
            Err(e) => Err(e),
        };
    }
    let (whole, frac) = match text.split_once('.') {
        Some((w, f)) => (w, f),
        None => (text, ""),
    };
    if whole.is_empty() && frac.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(AmountError::Malformed);
    }
    let frac = frac.trim_end_matches('0');
    if frac.len() > exponent as usize {
        return Err(AmountError::TooPrecise);
    }
    let whole: i64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| AmountError::TooLarge)? };
    let mut frac_value: i64 = if frac.is_empty() { 0 } else { frac.parse().map_err(|_| AmountError::Malformed)? };
    frac_value *= 10i64.pow(exponent - frac.len() as u32);
    whole
        .checked_mul(10i64.pow(exponent))
        .and_then(|w| w.checked_add(frac_value))
        .filter(|v| *v <= MAX_AMOUNT_MINOR)
        .ok_or(AmountError::TooLarge)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_minor_units() {
        assert_eq!(format_minor(12050, 2), "120.50");
        assert_eq!(format_minor(5, 2), "0.05");
        assert_eq!(format_minor(-199, 2), "-1.99");
    }

    #[test]
    fn parses_amounts_strictly() {
        assert_eq!(parse_amount("120.5", 2), Ok(12050));
        assert_eq!(parse_amount("120", 2), Ok(12000));
        assert_eq!(parse_amount(".5", 2), Ok(50));
        assert_eq!(parse_amount("1.230", 2), Ok(123));
        assert_eq!(parse_amount("1.234", 2), Err(AmountError::TooPrecise));
        assert_eq!(parse_amount("-3", 2), Err(AmountError::Negative));
        assert_eq!(parse_amount("1e3", 2), Err(AmountError::Malformed));
        assert_eq!(parse_amount("", 2), Err(AmountError::Malformed));
        assert_eq!(parse_amount("99999999999999999999", 2), Err(AmountError::TooLarge));
    }
}
