//! The label values: fixed sets, so no label ever carries a raw path, an email address, an id or
//! a reference (issue 21), and the number of series stays what this file says.

use std::fmt;

use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue, LabelValueEncoder};

/// An enum whose variants are label values, with the text each one shows and the list of all
/// of them (every series is created at start-up, so a counter reads 0 before its first event
/// and `rate()` sees the first one).
macro_rules! label_values {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl EncodeLabelValue for $name {
            fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), fmt::Error> {
                EncodeLabelValue::encode(&self.as_str(), encoder)
            }
        }
    };
}

label_values! {
    /// A sign-in with a password (the HTML form and the JSON API alike).
    Login { Ok => "ok", Failed => "failed", Throttled => "throttled" }
}

label_values! {
    /// What a hold request came to: made, or refused and why (`throttled`: the account's
    /// holds-per-minute limit, before the hold was tried; `queue`: no running turn in the
    /// waiting room).
    Hold {
        Made => "made",
        Taken => "taken",
        Limit => "limit",
        NotOnSale => "not_on_sale",
        LockTimeout => "lock_timeout",
        Queue => "queue",
        Throttled => "throttled",
        CoolingDown => "cooling_down",
        Invalid => "invalid",
        Error => "error",
    }
}

label_values! {
    /// A payment as the gateway's webhook settled it. `refunded`: it succeeded, but the booking
    /// could not take it (its seats went to someone else, or it was paid twice) and the money
    /// is being given back.
    Payment { Succeeded => "succeeded", Failed => "failed", Refunded => "refunded" }
}

label_values! {
    /// A refund: confirmed (by the gateway's answer or its webhook, counted once), or refused
    /// by the gateway (the job retries it).
    Refund { Succeeded => "succeeded", Failed => "failed" }
}

label_values! {
    /// An outbox email's attempt: sent, failed for now (it will be retried), or given up on.
    Email { Sent => "sent", Retried => "retried", Failed => "failed" }
}

label_values! {
    /// A job's attempt: `run` finished, `retried` failed and will run again, `dead` failed for
    /// good (dead-lettered with its error kept).
    Job { Run => "run", Retried => "retried", Dead => "dead" }
}

label_values! {
    /// A gateway webhook: applied, seen before (at-least-once delivery), or rejected (a bad or
    /// stale signature, or a body that is not a gateway event).
    Webhook { Received => "received", Duplicate => "duplicate", Rejected => "rejected" }
}

label_values! {
    /// A ticket code at the door.
    CheckIn {
        Admitted => "admitted",
        AlreadyCheckedIn => "already_checked_in",
        WrongEvent => "wrong_event",
        Refunded => "refunded",
        Unknown => "unknown",
    }
}

label_values! {
    /// The database pool's connections.
    PoolState { InUse => "in_use", Idle => "idle" }
}

label_values! {
    /// The two durable queues the worker drains.
    Backlog { Jobs => "jobs", Emails => "emails" }
}

label_values! {
    /// Places held right now: numbered seats and standing places.
    Place { Seated => "seated", Standing => "standing" }
}

label_values! {
    /// HTTP methods; anything else is `other`, so a client cannot make new series.
    Method {
        Get => "GET",
        Head => "HEAD",
        Post => "POST",
        Put => "PUT",
        Patch => "PATCH",
        Delete => "DELETE",
        Options => "OPTIONS",
        Other => "other",
    }
}

impl Method {
    pub fn of(method: &str) -> Method {
        Method::ALL
            .iter()
            .copied()
            .find(|m| m.as_str() == method)
            .unwrap_or(Method::Other)
    }
}

label_values! {
    /// The class of a response's status.
    Status { Informational => "1xx", Success => "2xx", Redirect => "3xx", ClientError => "4xx", ServerError => "5xx" }
}

impl Status {
    pub fn of(code: u16) -> Status {
        match code {
            ..=199 => Status::Informational,
            200..=299 => Status::Success,
            300..=399 => Status::Redirect,
            400..=499 => Status::ClientError,
            _ => Status::ServerError,
        }
    }
}

/// The labels of the HTTP families. `route` is the pattern the request matched (`/events/{id}`),
/// or [`UNMATCHED`]: never the path as requested.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Http {
    pub method: Method,
    pub route: String,
    pub status: Status,
}

/// The route of a request no route matched (404s for made-up paths, scanners).
pub const UNMATCHED: &str = "unmatched";

/// A one-label set: `{outcome="…"}`, `{state="…"}`, `{queue="…"}`.
pub type One<T> = [(&'static str, T); 1];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_classes_and_methods_are_bounded() {
        assert_eq!(Status::of(200).as_str(), "2xx");
        assert_eq!(Status::of(302).as_str(), "3xx");
        assert_eq!(Status::of(429).as_str(), "4xx");
        assert_eq!(Status::of(503).as_str(), "5xx");
        assert_eq!(Method::of("GET"), Method::Get);
        assert_eq!(Method::of("BREW"), Method::Other);
    }
}
