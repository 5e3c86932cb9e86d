//! How each layer's errors become an `AppError`, and so a status: one `From` per service error.

use crate::db::DbError;
use crate::services::catalogue::CatalogueError;

use super::AppError;

impl From<DbError> for AppError {
    fn from(e: DbError) -> Self {
        match e {
            e if e.is_outage() => {
                tracing::warn!(error = %e, "the database cannot serve this request now");
                AppError::Unavailable
            }
            DbError::Query(e) => AppError::internal(e),
            DbError::Pool(_) | DbError::Down => AppError::Unavailable,
        }
    }
}

impl From<CatalogueError> for AppError {
    fn from(e: CatalogueError) -> Self {
        match e {
            CatalogueError::NotFound => AppError::NotFound,
            CatalogueError::Db(e) => e.into(),
        }
    }
}

impl From<crate::services::accounts::AccountError> for AppError {
    fn from(e: crate::services::accounts::AccountError) -> Self {
        use crate::services::accounts::AccountError::*;
        match e {
            Invalid(errors) => AppError::Validation(errors),
            Db(e) => e.into(),
            EmailTaken => AppError::Conflict("That email address already has an account."),
            WrongCredentials => AppError::Unauthorized("Wrong email or password."),
            Hash(_) => AppError::internal(e),
        }
    }
}

impl From<crate::web::rate_limit::RetryAfter> for AppError {
    fn from(r: crate::web::rate_limit::RetryAfter) -> Self {
        AppError::TooManyRequests { retry_after: r.0 }
    }
}

impl From<crate::services::user_admin::UserAdminError> for AppError {
    fn from(e: crate::services::user_admin::UserAdminError) -> Self {
        use crate::services::user_admin::UserAdminError::*;
        match e {
            NotFound => AppError::NotFound,
            OwnAccount => AppError::Forbidden,
            Db(e) => e.into(),
        }
    }
}

/// Why a hold was refused while the event's waiting room is on.
pub(crate) const NOT_ADMITTED: &str = "This sale has a waiting room: join the queue for this event and hold your seats when it is your turn (API clients send the admission in a Queue-Token header). A turn ends when it runs out or the booking is paid.";

impl From<crate::services::holds::HoldError> for AppError {
    fn from(e: crate::services::holds::HoldError) -> Self {
        use crate::services::holds::HoldError::*;
        match e {
            EventNotFound => AppError::NotFound,
            NotOnSale(_) => AppError::Validation(
                [("event", "This event is not on sale.".to_owned())]
                    .into_iter()
                    .collect(),
            ),
            Invalid(errors) => AppError::Validation(errors),
            NotAdmitted => AppError::ForbiddenBecause(
                [("queue", NOT_ADMITTED.to_owned())].into_iter().collect(),
            ),
            TooMany { max, already } => AppError::Validation(
                [(
                    "quantity",
                    format!("At most {max} tickets per order; you already hold {already}."),
                )]
                .into_iter()
                .collect(),
            ),
            Unavailable { seat_ids } => {
                let mut extra = serde_json::Map::new();
                extra.insert(
                    "unavailable_seat_ids".to_owned(),
                    serde_json::json!(seat_ids),
                );
                AppError::ConflictWith {
                    detail: "Some of these seats were just taken; nothing was held.".to_owned(),
                    extra,
                }
            }
            NotEnough { available } => {
                let mut extra = serde_json::Map::new();
                extra.insert("available".to_owned(), serde_json::json!(available));
                AppError::ConflictWith {
                    detail: format!("Not enough tickets left together; {available} available."),
                    extra,
                }
            }
            Unverified { max, already } => AppError::Validation(
                [(
                    "quantity",
                    format!(
                        "Until its email address is confirmed, an account may hold at most {max} tickets at once (across all events); it holds {already}. Follow the link in the verification email, or ask for a new one, then try again."
                    ),
                )]
                .into_iter()
                .collect(),
            ),
            AccountLimit { max, already } => AppError::Validation(
                [(
                    "quantity",
                    format!(
                        "This event allows at most {max} tickets per account; you already have {already}."
                    ),
                )]
                .into_iter()
                .collect(),
            ),
            CoolingDown { retry_after } => {
                let mut extra = serde_json::Map::new();
                extra.insert("code".to_owned(), serde_json::json!("rehold_cooldown"));
                extra.insert("retry_after".to_owned(), serde_json::json!(retry_after));
                AppError::ConflictWith {
                    detail: format!(
                        "You gave these seats or places back moments ago; you can hold them again in {retry_after} seconds (other buyers may take them now)."
                    ),
                    extra,
                }
            }
            PaymentPending => {
                let mut extra = serde_json::Map::new();
                extra.insert("code".to_owned(), serde_json::json!("payment_pending"));
                AppError::ConflictWith {
                    detail: "Your time to pay has ended; a payment is being confirmed, so nothing more can be added to this booking.".to_owned(),
                    extra,
                }
            }
            Db(e) => e.into(),
            Relock(_) => AppError::internal("a hold ran out of lock retries"),
        }
    }
}

impl From<crate::services::holds::BookingError> for AppError {
    fn from(e: crate::services::holds::BookingError) -> Self {
        use crate::services::holds::BookingError::*;
        match e {
            NotFound => AppError::NotFound,
            NotPending(_) => AppError::Conflict("Only a pending booking can be cancelled."),
            Db(e) => e.into(),
        }
    }
}

impl From<crate::services::payments::PaymentError> for AppError {
    fn from(e: crate::services::payments::PaymentError) -> Self {
        use crate::services::payments::PaymentError::*;
        let field = |name: &'static str, message: &str| {
            AppError::Validation([(name, message.to_owned())].into_iter().collect())
        };
        match e {
            NotFound => AppError::NotFound,
            NotPayable(_) => AppError::Conflict("Only a booking awaiting payment can be paid."),
            HoldExpired => AppError::Conflict(
                "The hold on these seats has run out; choose seats again to book them.",
            ),
            AlreadyPaid => AppError::Conflict("This booking is already paid."),
            BasketChanged => {
                let mut extra = serde_json::Map::new();
                extra.insert("code".to_owned(), serde_json::json!("basket_changed"));
                AppError::ConflictWith {
                    detail: "The booking's seats changed since this payment was started; start a new payment (with a new Idempotency-Key) for the booking as it is now.".to_owned(),
                    extra,
                }
            }
            KeyReused => field(
                "idempotency_key",
                "This Idempotency-Key was already used for a different payment request.",
            ),
            Invalid(message) => field("payment", message),
            Provider(e) => AppError::internal(format!("the payment provider refused: {e}")),
            Db(e) => e.into(),
        }
    }
}

impl From<crate::services::payments::WebhookError> for AppError {
    fn from(e: crate::services::payments::WebhookError) -> Self {
        use crate::services::payments::WebhookError::*;
        match e {
            Refused(why) => AppError::BadRequest(why),
            Body(e) => AppError::BadRequest(format!("The body is not a notification: {e}")),
            Db(e) => e.into(),
        }
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        AppError::internal(e)
    }
}

impl From<crate::services::queue::QueueError> for AppError {
    fn from(e: crate::services::queue::QueueError) -> Self {
        use crate::services::queue::QueueError::*;
        match e {
            Db(e) => e.into(),
            NoEvent | NoRoom | NoTicket => AppError::NotFound,
            NotJoinable(_) => AppError::Conflict("This waiting room takes nobody now."),
            AccountRequired => {
                AppError::Unauthorized("Joining this waiting room needs an account.")
            }
            Invalid(why) => AppError::Validation([("queue", why.to_owned())].into_iter().collect()),
            Excluded => AppError::ForbiddenBecause(
                [(
                    "queue",
                    "The box office has excluded this account from this sale's queue.".to_owned(),
                )]
                .into_iter()
                .collect(),
            ),
        }
    }
}

impl From<crate::providers::ProviderError> for AppError {
    fn from(e: crate::providers::ProviderError) -> Self {
        use crate::providers::ProviderError::*;
        match e {
            NotFound | NotConfigured(_) => AppError::NotFound,
            Db(e) => e.into(),
            other => AppError::internal(format!("the payment provider: {other}")),
        }
    }
}
