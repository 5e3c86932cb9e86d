//! Users and roles.

use super::text_enum;

text_enum! {
    pub enum Role {
        User => "user",
        Admin => "admin",
    }
}
