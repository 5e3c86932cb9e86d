//! The emails themselves: askama text + HTML pairs over one layout (`templates/email/`), with
//! absolute links built from `BOXOFFICE_BASE_URL`. The outbox stores a kind and a JSON payload;
//! the message is rendered when it is sent.
//!
//! - `payload.rs`: the kinds, their payloads and the rendered result;
//! - `account.rs` and `booking/`: the two families of emails.

mod account;
mod booking;
mod payload;
mod team;

use url::Url;

pub use payload::{
    AccountEmail, BookingEmail, EmailKind, INVITATION_VALID_FOR, LOGIN_LINK_VALID_FOR,
    RESET_VALID_FOR, Rendered, TicketLine, VERIFY_VALID_FOR, absolute,
};

/// Renders an email from its outbox kind and payload. An `Err` means it can never be sent.
pub fn render(kind: &str, payload: &str, base_url: &Url) -> Result<Rendered, String> {
    let kind = EmailKind::parse(kind).ok_or_else(|| format!("unknown email kind `{kind}`"))?;
    if kind.is_booking() {
        let data: BookingEmail =
            serde_json::from_str(payload).map_err(|e| format!("unreadable payload: {e}"))?;
        return booking::render(kind, &data, base_url);
    }
    let data: AccountEmail =
        serde_json::from_str(payload).map_err(|e| format!("unreadable payload: {e}"))?;
    account::render(kind, &data, base_url)
}

#[cfg(test)]
mod tests;
