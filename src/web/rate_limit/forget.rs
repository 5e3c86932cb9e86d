//! Forgetting an email address (issue 22: a deleted account's): the limits keyed by one are
//! the failed sign-ins counted against it (alone and per client address), and the emailed
//! sign-in links and password resets asked for it.

use super::{RateLimits, shared_key};

impl RateLimits {
    /// Drops what the limits keyed by `email` hold: on PostgreSQL the shared table's rows, and
    /// this process's failure buckets. (governor's in-process limiters cannot drop one key;
    /// what they keep is a time, in memory only, trimmed once it is as good as new.)
    pub fn forget_account(&self, email: &str) {
        let email = email.trim().to_lowercase();
        let per_address = format!("|{email}");
        self.login_failures.forget(|key| key == email);
        self.login_failures_per_ip_account
            .forget(|key| key.ends_with(&per_address));
        if let Some(shared) = &self.shared {
            let keys = [
                shared_key(self.login_failures.name, &email),
                shared_key(self.login_link_per_account.name, &email),
                shared_key(self.reset_per_account.name, &email),
            ];
            let prefix = format!("{}:", self.login_failures_per_ip_account.name);
            shared.forget(&keys, &prefix, &per_address);
        }
    }
}
