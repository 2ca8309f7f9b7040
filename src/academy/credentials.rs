//! Certificates as Open Badges 3.0 credentials (W3C Verifiable Credentials 2.0), signed with
//! the platform's Ed25519 issuer key as a Data Integrity proof of the `eddsa-jcs-2022`
//! cryptosuite: JSON canonicalisation (RFC 8785) rather than RDF, so any JSON library and any
//! Ed25519 implementation verify it offline. The issuer is a `did:key`, which carries its own
//! public key.

use std::path::Path;

use ed25519_dalek::{Signer, SigningKey};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::kernel::error::{AppError, BoxError};

/// The platform's signing identity.
#[derive(Clone)]
pub struct Issuer {
    key: SigningKey,
    pub name: String,
    /// Where the verification pages live (`https://…`, no trailing slash).
    pub base_url: String,
}

const KEY_FILE: &str = "academy-issuer.key";

impl Issuer {
    /// The key given by configuration (64 hex characters), or the one in the data directory,
    /// generated there on first start.
    pub fn load(configured: Option<&str>, data_dir: &Path, name: &str, base_url: &str) -> Result<Issuer, BoxError> {
        let seed_hex = match configured.map(str::trim).filter(|k| !k.is_empty()) {
            Some(k) => k.to_string(),
            None => {
                let path = data_dir.join(KEY_FILE);
                match std::fs::read_to_string(&path) {
                    Ok(text) => text.trim().to_string(),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                        std::fs::create_dir_all(data_dir)?;
                        let mut seed = [0u8; 32];
                        getrandom::getrandom(&mut seed).map_err(|e| format!("no randomness: {e}"))?;
                        let text = hex(&seed);
                        write_private(&path, &text)?;
                        text
                    }
                    Err(e) => return Err(e.into()),
                }
            }
        };
        let seed =
            unhex(&seed_hex).filter(|b| b.len() == 32).ok_or("the academy issuer key is not 64 hex characters")?;
        let mut bytes = [0u8; 32];
        bytes.copy_from_slice(&seed);
        Ok(Issuer {
            key: SigningKey::from_bytes(&bytes),
            name: name.to_string(),
            base_url: base_url.trim_end_matches('/').to_string(),
        })
    }

    /// The public key as a Multikey (`z` + base58btc of 0xed01 ‖ key).
    pub fn public_key_multibase(&self) -> String {
        let mut bytes = vec![0xed, 0x01];
        bytes.extend_from_slice(self.key.verifying_key().as_bytes());
        format!("z{}", bs58::encode(bytes).into_string())
    }

    pub fn did(&self) -> String {
        format!("did:key:{}", self.public_key_multibase())
    }

    pub fn verification_method(&self) -> String {
        format!("{}#{}", self.did(), self.public_key_multibase())
    }

    pub fn public_key_hex(&self) -> String {
        hex(self.key.verifying_key().as_bytes())
    }

    /// What `GET /certificates/issuer.json` publishes: the issuer and its key.
    pub fn profile(&self) -> Value {
        json!({
            "@context": ["https://www.w3.org/ns/credentials/v2", "https://w3id.org/security/multikey/v1"],
            "id": self.did(),
            "type": ["Profile"],
            "name": self.name,
            "url": self.base_url,
            "verificationMethod": [{
                "id": self.verification_method(),
                "type": "Multikey",
                "controller": self.did(),
                "publicKeyMultibase": self.public_key_multibase(),
            }],
            "assertionMethod": [self.verification_method()],
        })
    }

    pub fn page_url(&self, code: &str) -> String {
        format!("{}/certificates/{code}", self.base_url)
    }

    /// Adds an `eddsa-jcs-2022` proof to a credential.
    pub fn sign(&self, mut credential: Value, created: &str) -> Result<Value, AppError> {
        let mut proof = json!({
            "type": "DataIntegrityProof",
            "cryptosuite": "eddsa-jcs-2022",
            "created": created,
            "verificationMethod": self.verification_method(),
            "proofPurpose": "assertionMethod",
        });
        proof["@context"] = credential["@context"].clone();
        let mut data = Sha256::digest(canonical(&proof).as_bytes()).to_vec();
        data.extend_from_slice(&Sha256::digest(canonical(&credential).as_bytes()));
        let signature = self.key.sign(&data);
        if let Some(p) = proof.as_object_mut() {
            p.remove("@context");
            p.insert(
                "proofValue".into(),
                Value::String(format!("z{}", bs58::encode(signature.to_bytes()).into_string())),
            );
        }
        credential["proof"] = proof;
        Ok(credential)
    }
}

/// RFC 8785 canonical JSON: keys sorted by UTF-16 code units, no whitespace, strings escaped
/// as ECMAScript does. The credentials hold no fractional numbers.
pub fn canonical(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String((*k).clone()).to_string());
                out.push(':');
                write_canonical(&map[*k], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// A short public code: `TW-` and eight characters of Crockford's base32 (no I, L, O, U).
pub fn new_code() -> Result<String, AppError> {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut bytes = [0u8; 8];
    getrandom::getrandom(&mut bytes).map_err(|e| AppError::internal(format!("no randomness: {e}")))?;
    let chars: String = bytes.iter().map(|b| ALPHABET[(*b as usize) % 32] as char).collect();
    Ok(format!("TW-{}-{}", &chars[..4], &chars[4..]))
}

/// Whether a text has the shape of a certificate code (checked before any lookup).
pub fn is_code(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 12
        && text.starts_with("TW-")
        && bytes[7] == b'-'
        && text[3..7].chars().chain(text[8..].chars()).all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
}

/// The QR code of a URL as an inline SVG element.
pub fn qr_svg(url: &str) -> String {
    match qrcode::QrCode::new(url.as_bytes()) {
        Ok(code) => {
            let svg = code.render::<qrcode::render::svg::Color>().min_dimensions(180, 180).quiet_zone(true).build();
            match svg.find("<svg") {
                Some(start) => svg[start..].to_string(),
                None => svg,
            }
        }
        Err(_) => String::new(),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect()
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_json_sorts_keys_and_keeps_unicode() {
        let v = json!({"b": 1, "a": ["ش", {"d": true, "c": null}], "é": "x\ny"});
        assert_eq!(canonical(&v), r#"{"a":["ش",{"c":null,"d":true}],"b":1,"é":"x\ny"}"#);
    }

    #[test]
    fn codes_have_their_shape() {
        let code = new_code().unwrap();
        assert!(is_code(&code), "{code}");
        assert!(!is_code("TW-ABCD-EFG"));
        assert!(!is_code("../etc/passwd"));
    }

    #[test]
    fn a_signature_covers_every_character() {
        let dir = tempfile::tempdir().unwrap();
        let issuer = Issuer::load(None, dir.path(), "Test", "http://localhost").unwrap();
        let again = Issuer::load(None, dir.path(), "Test", "http://localhost").unwrap();
        assert_eq!(issuer.did(), again.did(), "the key is kept in the data directory");
        assert!(issuer.did().starts_with("did:key:z6Mk"), "{}", issuer.did());
        let signed = issuer.sign(json!({"@context": ["x"], "name": "Fatima"}), "2026-11-30T00:00:00Z").unwrap();
        assert!(signed["proof"]["proofValue"].as_str().unwrap().starts_with('z'));
    }
}
