//! Uploaded documents on disk: content-addressed by SHA-256 under the data dir, written to a
//! temporary file and renamed so a crash never leaves half a document under its hash.

use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

#[derive(Debug, Clone)]
pub struct DocumentStore {
    dir: PathBuf,
}

impl DocumentStore {
    pub fn new(dir: &Path) -> DocumentStore {
        DocumentStore { dir: dir.to_path_buf() }
    }

    pub fn path_of(&self, sha256: &str) -> PathBuf {
        self.dir.join(&sha256[..2.min(sha256.len())]).join(sha256)
    }

    /// Stores the bytes (once per content) and returns their SHA-256 in hex.
    pub fn save(&self, bytes: &[u8]) -> std::io::Result<String> {
        let sha256: String = Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect();
        let path = self.path_of(&sha256);
        if path.exists() {
            return Ok(sha256);
        }
        let parent = path.parent().unwrap_or(&self.dir);
        std::fs::create_dir_all(parent)?;
        let mut tmp = tempfile_in(parent)?;
        tmp.1.write_all(bytes)?;
        tmp.1.sync_all()?;
        std::fs::rename(&tmp.0, &path)?;
        Ok(sha256)
    }
}

fn tempfile_in(dir: &Path) -> std::io::Result<(PathBuf, std::fs::File)> {
    let mut random = [0u8; 8];
    getrandom::getrandom(&mut random).map_err(std::io::Error::other)?;
    let name: String = random.iter().map(|b| format!("{b:02x}")).collect();
    let path = dir.join(format!(".upload-{name}"));
    let file = std::fs::OpenOptions::new().write(true).create_new(true).open(&path)?;
    Ok((path, file))
}

/// The type the bytes really are (PDF, PNG or JPEG), whatever the client claimed.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else {
        None
    }
}

/// Whether a file sniffed as `content_type` is whole and only that: a PDF ends with its
/// `%%EOF` and carries no web page, a PNG ends with its IEND chunk, a JPEG with its end
/// marker. A `%PDF-` header in front of HTML is not a PDF.
pub fn is_whole(content_type: &str, bytes: &[u8]) -> bool {
    let trimmed = {
        let end = bytes.iter().rposition(|b| !b.is_ascii_whitespace()).map_or(0, |i| i + 1);
        &bytes[..end]
    };
    match content_type {
        "application/pdf" => {
            let lower: Vec<u8> = bytes.iter().map(u8::to_ascii_lowercase).collect();
            let markup = [&b"<html"[..], b"<script", b"<!doctype", b"<body", b"<iframe"];
            trimmed.ends_with(b"%%EOF") && !markup.iter().any(|m| lower.windows(m.len()).any(|w| w == *m))
        }
        "image/png" => bytes.ends_with(&[0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82]),
        "image/jpeg" => bytes.ends_with(&[0xFF, 0xD9]),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saves_once_by_content_and_sniffs_types() {
        let dir = tempfile::tempdir().unwrap();
        let store = DocumentStore::new(dir.path());
        let a = store.save(b"%PDF-1.7 statutes").unwrap();
        assert_eq!(a, store.save(b"%PDF-1.7 statutes").unwrap());
        assert_eq!(std::fs::read(store.path_of(&a)).unwrap(), b"%PDF-1.7 statutes");
        assert_eq!(a.len(), 64);
        assert_eq!(sniff(b"%PDF-1.4"), Some("application/pdf"));
        assert!(is_whole("application/pdf", b"%PDF-1.7\n1 0 obj\n%%EOF\n"));
        assert!(!is_whole("application/pdf", b"%PDF-1.7\n<html><script>alert(1)</script>"));
        assert!(!is_whole("application/pdf", b"%PDF-1.7\n<HTML>\n%%EOF"));
        assert!(!is_whole("image/jpeg", b"\xFF\xD8\xFF\xE0 truncated"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(sniff(b"MZ\x90\x00"), None);
    }
}
