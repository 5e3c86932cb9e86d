//! Users and roles.

use super::text_enum;

text_enum! {
    pub enum Role {
        User => "user",
        Admin => "admin",
    }
}

/// What a deleted account is called (the `users` row stays for the accounts' sake; see
/// `services::accounts::erase`).
pub const DELETED_NAME: &str = "Deleted user";

/// The domain of a deleted account's address: `.invalid` is reserved (RFC 2606) and never
/// receives mail, and [`super::user_input::EmailAddress`] refuses it, so nobody registers one.
pub const DELETED_DOMAIN: &str = "deleted.invalid";

/// The address a deleted account is left with: its own id's, unique as the id is.
pub fn deleted_address(id: i64) -> String {
    format!("deleted-{id}@{DELETED_DOMAIN}")
}

/// Whether `email` is a deleted account's address (no email goes there).
pub fn is_deleted_address(email: &str) -> bool {
    email
        .rsplit_once('@')
        .is_some_and(|(_, domain)| domain.eq_ignore_ascii_case(DELETED_DOMAIN))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deleted_accounts_address_is_its_ids_at_the_reserved_domain() {
        assert_eq!(deleted_address(42), "deleted-42@deleted.invalid");
        assert!(is_deleted_address(&deleted_address(42)));
        assert!(!is_deleted_address("ada@example.com"));
        assert!(super::super::user_input::EmailAddress::parse(&deleted_address(7)).is_err());
    }
}
