//! Email verification and password reset: single-use tokens that expire, stored hashed, whose
//! emails go through the outbox in the same transaction that creates them.

mod common;
mod reset;
mod verify;

pub use common::{KEEP_EXPIRED, purge_expired_tokens};
pub use reset::{ResetError, request_reset, reset_password, reset_token_is_live};
pub use verify::{Verification, resend_verification, verify_email};

pub use crate::services::notify::{
    enqueue_reset, mask_address, queue_password_changed, queue_verification,
};
pub use crate::services::tokens::{RESET_PURPOSE, RESET_TTL, VERIFY_PURPOSE, VERIFY_TTL};
