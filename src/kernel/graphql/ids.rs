//! Opaque global ids for the Relay `Node` interface: base64url of `Type:database-id`.

use async_graphql::ID;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::kernel::error::{Checks, ErrorCode};
use crate::msg;

pub fn encode(type_name: &str, id: i64) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{type_name}:{id}")))
}

/// A global id around a key that is not a number (a cart's token).
pub fn encode_text(type_name: &str, key: &str) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{type_name}:{key}")))
}

/// The key inside a global id of `type_name` made by `encode_text`.
pub fn decode_text(id: &str, type_name: &str) -> Option<String> {
    let bytes = URL_SAFE_NO_PAD.decode(id.trim()).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (t, key) = text.split_once(':')?;
    (t == type_name && !key.is_empty()).then(|| key.to_string())
}

/// The type name and database id inside a global id, if it is one of ours.
pub fn decode_any(id: &str) -> Option<(String, i64)> {
    let bytes = URL_SAFE_NO_PAD.decode(id.trim()).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (type_name, raw) = text.split_once(':')?;
    let value = raw.parse::<i64>().ok().filter(|v| *v > 0)?;
    Some((type_name.to_string(), value))
}

pub fn decode(id: &str, type_name: &str) -> Option<i64> {
    decode_any(id).filter(|(t, _)| t == type_name).map(|(_, v)| v)
}

/// Decodes an id from mutation input, recording a field error when it is not a `type_name` id.
pub fn decode_input(id: &ID, type_name: &str, field: Vec<String>, checks: &mut Checks) -> Option<i64> {
    let decoded = decode(id, type_name);
    if decoded.is_none() {
        checks.fail_with(ErrorCode::InvalidId, field, msg!("is not a valid {type_name} id", type_name = type_name));
    }
    decoded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_foreign_ids() {
        let id = encode("Product", 42);
        assert_eq!(decode(&id, "Product"), Some(42));
        assert_eq!(decode(&id, "Variant"), None);
        assert_eq!(decode("not-an-id", "Product"), None);
        assert_eq!(decode(&encode("Product", -1), "Product"), None);
        let cart = encode_text("Cart", "tw_abc-123");
        assert_eq!(decode_text(&cart, "Cart").as_deref(), Some("tw_abc-123"));
        assert_eq!(decode_text(&cart, "Order"), None);
    }
}
