//! Email verification (`/account/verify`) and password reset (`/password/forgot`,
//! `/password/reset`). Asking for a reset answers the same whether or not the address has an
//! account.

mod login_link;
mod password;
mod verification;

use actix_web::web;

use crate::web::rate_limit::RetryAfter;
use login_link::{login_link_confirm, login_link_page, login_link_request, login_link_use};
use password::{forgot, forgot_page, reset, reset_page};
use verification::{resend_verification, verify};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(login_link_page)
        .service(login_link_request)
        .service(login_link_confirm)
        .service(login_link_use)
        .service(verify)
        .service(resend_verification)
        .service(forgot_page)
        .service(forgot)
        .service(reset_page)
        .service(reset);
}

/// What an emailing form says when it is asked too often (a reset or a sign-in link).
fn check_your_inbox(wait: RetryAfter) -> String {
    format!(
        "Too many requests. Please check your inbox, or wait {} seconds and try again.",
        wait.0
    )
}
