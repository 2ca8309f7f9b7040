//! Stripe webhooks: the `Stripe-Signature` header (HMAC-SHA256 over `timestamp.payload`,
//! within a tolerance window) and the event read once the signature holds. The endpoint
//! itself is the api layer's.

use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;

#[derive(Debug, PartialEq, Eq)]
pub enum SignatureError {
    Missing,
    Malformed,
    Stale,
    Mismatch,
}

/// Verifies a `Stripe-Signature` header (`t=…,v1=…[,v1=…]`) for `payload` at time `now`.
pub fn verify(header: &str, payload: &[u8], secret: &str, tolerance_secs: i64, now: i64) -> Result<(), SignatureError> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => timestamp = v.parse::<i64>().ok(),
            Some(("v1", v)) => signatures.push(v),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::Malformed)?;
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    if (now - timestamp).abs() > tolerance_secs {
        return Err(SignatureError::Stale);
    }
    for signature in signatures {
        let Ok(expected) = decode_hex(signature) else { continue };
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).map_err(|_| SignatureError::Malformed)?;
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(payload);
        if mac.verify_slice(&expected).is_ok() {
            return Ok(());
        }
    }
    Err(SignatureError::Mismatch)
}

/// The signature Stripe would send (used by tests and local tools).
pub fn sign(payload: &[u8], secret: &str, timestamp: i64) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(payload);
    let hex: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    format!("t={timestamp},v1={hex}")
}

fn decode_hex(s: &str) -> Result<Vec<u8>, ()> {
    if !s.len().is_multiple_of(2) {
        return Err(());
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).map_err(|_| ())).collect()
}

/// The part of a Stripe event Taawun reads.
#[derive(Debug, Clone, Deserialize)]
pub struct StripeEvent {
    pub id: String,
    #[serde(rename = "type")]
    pub event_type: String,
    pub data: StripeEventData,
}

#[derive(Debug, Clone, Deserialize)]
pub struct StripeEventData {
    pub object: StripeObject,
}

/// A PaymentIntent or a Charge, whichever the event carries.
#[derive(Debug, Clone, Deserialize)]
pub struct StripeObject {
    pub id: String,
    #[serde(default)]
    pub metadata: std::collections::HashMap<String, String>,
    /// On charges: the PaymentIntent they belong to.
    pub payment_intent: Option<String>,
    pub amount_refunded: Option<i64>,
    /// On PaymentIntents: what was asked and what was received, in minor units, and the currency.
    pub amount: Option<i64>,
    pub amount_received: Option<i64>,
    pub currency: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_verify_only_when_fresh_and_exact() {
        let payload = br#"{"id":"evt_1"}"#;
        let header = sign(payload, "whsec_test", 1_000_000);
        assert_eq!(verify(&header, payload, "whsec_test", 300, 1_000_100), Ok(()));
        assert_eq!(verify(&header, payload, "whsec_test", 300, 1_000_400), Err(SignatureError::Stale));
        assert_eq!(verify(&header, payload, "whsec_other", 300, 1_000_000), Err(SignatureError::Mismatch));
        assert_eq!(verify(&header, b"{}", "whsec_test", 300, 1_000_000), Err(SignatureError::Mismatch));
        assert_eq!(verify("v1=abc", payload, "whsec_test", 300, 1_000_000), Err(SignatureError::Malformed));
    }
}
