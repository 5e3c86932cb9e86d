//! Parsing what people type about themselves: emails, names, passwords.

/// A syntactically valid email address, lower-cased (emails compare case-insensitively).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let email = raw.trim().to_lowercase();
        if email.is_empty() {
            return Err("Enter your email address.");
        }
        if email.len() > 254 {
            return Err("That email address is too long.");
        }
        let Some((local, domain)) = email.rsplit_once('@') else {
            return Err("Enter an email address like name@example.com.");
        };
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '.');
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.contains(char::is_whitespace)
            && !local.contains(['@', '<', '>', '"', ',', ';']);
        if !(domain_ok && local_ok) {
            return Err("Enter an email address like name@example.com.");
        }
        // `.invalid` never receives mail (RFC 2606); deleted accounts' addresses live there.
        if domain == "invalid" || domain.ends_with(".invalid") {
            return Err("That address can't receive email.");
        }
        Ok(EmailAddress(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A display name: 1–100 characters after trimming, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName(String);

impl PersonName {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let name = raw.trim();
        if name.is_empty() {
            return Err("Enter your name.");
        }
        if name.chars().count() > 100 {
            return Err("Use at most 100 characters.");
        }
        if name.chars().any(char::is_control) {
            return Err("Use letters, spaces and punctuation only.");
        }
        Ok(PersonName(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

pub const MIN_PASSWORD_CHARS: usize = 10;
pub const MAX_PASSWORD_BYTES: usize = 72;

/// A password good enough to accept: long enough, not absurdly long for bcrypt, not a
/// well-known one.
pub struct NewPassword(String);

impl NewPassword {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        if raw.chars().count() < MIN_PASSWORD_CHARS {
            return Err("Use at least 10 characters.");
        }
        if raw.len() > MAX_PASSWORD_BYTES {
            return Err("Use at most 72 bytes (bcrypt's limit).");
        }
        if is_common_password(raw) {
            return Err("That password is too common; choose another.");
        }
        Ok(NewPassword(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(…)")
    }
}

/// The ~20,000 most common passwords, one a line, lower case: Django's
/// `django/contrib/auth/common-passwords.txt.gz` (Django 5.2.19, from Royce Williams' list),
/// decompressed. BSD-3-Clause, copyright the Django Software Foundation and individual
/// contributors; the licence is in `common-passwords.LICENSE` beside the list.
const COMMON_PASSWORD_LIST: &str = include_str!("common-passwords.txt");

/// A few more, of this site's own (the list above has few long ones).
const SITE_PASSWORDS: &[&str] = &[
    "12345678910",
    "123456789a",
    "1q2w3e4r5t",
    "1qaz2wsx3edc",
    "abc1234567",
    "baseball123",
    "football123",
    "iloveyou123",
    "letmein123",
    "monkey1234",
    "password1!",
    "passw0rd123",
    "qwerty12345",
    "qwertyuiop123",
    "starwars123",
    "sunshine123",
    "superman123",
    "trustno1234",
    "welcome123",
    "welcome1234",
    "changeme123",
    "boxoffice123",
    "tickets1234",
    "asdfghjkl;",
    "1q2w3e4r5t6y",
    "princess123",
    "dragon1234",
    "michael123",
    "jennifer123",
    "computer123",
    "whatever123",
    "internet123",
];

static COMMON_PASSWORDS: std::sync::LazyLock<std::collections::HashSet<&'static str>> =
    std::sync::LazyLock::new(|| {
        COMMON_PASSWORD_LIST
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .chain(SITE_PASSWORDS.iter().copied())
            .collect()
    });

/// Whether a password is a well-known one, ignoring case and surrounding spaces.
pub fn is_common_password(raw: &str) -> bool {
    COMMON_PASSWORDS.contains(raw.trim().to_lowercase().as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_lower_cased_and_checked() {
        assert_eq!(
            EmailAddress::parse("  Ada@Example.COM ").unwrap().as_str(),
            "ada@example.com"
        );
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a b@example.com",
            "ada@exa..mple.com",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn passwords_need_length_and_must_not_be_common() {
        assert!(NewPassword::parse("short").is_err());
        assert!(NewPassword::parse("Password123").is_err());
        assert!(NewPassword::parse(&"x".repeat(73)).is_err());
        assert!(NewPassword::parse("correct horse battery").is_ok());
    }

    #[test]
    fn the_common_password_list_is_the_real_one_and_ignores_case() {
        assert!(
            COMMON_PASSWORDS.len() > 19_000,
            "{}",
            COMMON_PASSWORDS.len()
        );
        // Long entries of Django's list that the old 48-entry list did not have.
        for common in [
            "1qaz2wsx3edc4rfv",
            "Christopher",
            "MANCHESTERUNITED",
            "qazwsxedcrfv",
        ] {
            assert!(is_common_password(common), "{common}");
            assert!(NewPassword::parse(common).is_err(), "{common}");
        }
        assert!(is_common_password(" PassWord123 "));
        assert!(!is_common_password("a long enough password"));
    }

    #[test]
    fn names_are_bounded() {
        assert!(PersonName::parse("   ").is_err());
        assert!(PersonName::parse(&"n".repeat(101)).is_err());
        assert_eq!(
            PersonName::parse(" Ada Lovelace ").unwrap().as_str(),
            "Ada Lovelace"
        );
    }
}
