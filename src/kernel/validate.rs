//! Checks of what people type: email addresses, phone numbers, URLs.

pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

pub fn is_valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    email.len() <= 254
        && !local.is_empty()
        && local.len() <= 64
        && !domain.contains('@')
        && domain.contains('.')
        && domain.split('.').all(|label| !label.is_empty())
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
}

pub fn normalize_phone(phone: &str) -> String {
    phone.chars().filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')')).collect()
}

/// `+` and 8–15 digits (E.164), or a Moroccan national number of 10 digits starting with 0.
pub fn is_valid_phone(phone: &str) -> bool {
    match phone.strip_prefix('+') {
        Some(rest) => (8..=15).contains(&rest.len()) && rest.bytes().all(|b| b.is_ascii_digit()),
        None => phone.len() == 10 && phone.starts_with('0') && phone.bytes().all(|b| b.is_ascii_digit()),
    }
}

pub fn is_valid_url(url: &str) -> bool {
    (url.starts_with("https://") || url.starts_with("http://"))
        && url.len() <= 2048
        && url.len() > 8
        && !url.chars().any(|c| c.is_whitespace() || c.is_control())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_phones_and_urls() {
        assert!(is_valid_email("fatima@coop.ma"));
        assert!(!is_valid_email("fatima@coop"));
        assert!(!is_valid_email("fatima coop@x.ma"));
        assert!(!is_valid_email("@x.ma"));
        assert_eq!(normalize_email("  Fatima@Coop.MA "), "fatima@coop.ma");
        assert!(is_valid_phone(&normalize_phone("+212 6 12 34 56 78")));
        assert!(is_valid_phone("0612345678"));
        assert!(!is_valid_phone("12345"));
        assert!(is_valid_url("https://example.ma/a.jpg"));
        assert!(!is_valid_url("ftp://example.ma/a.jpg"));
    }
}
