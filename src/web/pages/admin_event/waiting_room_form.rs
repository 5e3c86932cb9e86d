//! The waiting room's settings form: its fields as typed (times in the venue's local time, as
//! the event form has them), read into a [`SettingsPatch`], and its values for re-rendering.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use chrono_tz::Tz;

use crate::domain::catalogue::FieldErrors;
use crate::domain::local_time::to_local;
use crate::domain::queue::OrderMode;
use crate::services::event_admin::When;
use crate::services::queue::RoomSettings;
use crate::services::queue::admin::SettingsPatch;

/// `datetime-local`'s format, as the event form uses it.
pub const TIME_FORMAT: &str = "%Y-%m-%dT%H:%M";

/// The checkboxes: absent from a posted form means off.
const CHECKBOXES: [&str; 3] = ["enabled", "require_verified", "auto_close"];

#[derive(Debug, Clone, Default)]
pub struct RoomForm {
    pub values: HashMap<String, String>,
    pub errors: FieldErrors,
}

impl RoomForm {
    pub fn value(&self, field: &str) -> &str {
        self.values.get(field).map_or("", String::as_str)
    }

    pub fn error(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }

    pub fn checked(&self, field: &str) -> bool {
        matches!(self.value(field), "on" | "true" | "1")
    }

    pub fn is_order(&self, mode: &str) -> bool {
        self.value("order") == mode
    }

    pub fn orders(&self) -> Vec<(&'static str, &'static str)> {
        vec![
            (
                OrderMode::RandomThenFifo.as_str(),
                "Random for everyone there before the sale, then first come, first served",
            ),
            (OrderMode::Fifo.as_str(), "First come, first served"),
        ]
    }

    /// The settings in force, times at the venue.
    pub fn of(s: &RoomSettings, tz: Tz) -> RoomForm {
        let local = |t: Option<NaiveDateTime>| {
            t.map(|t| to_local(t, tz).format(TIME_FORMAT).to_string())
                .unwrap_or_default()
        };
        let number = |n: Option<i32>| n.map(|n| n.to_string()).unwrap_or_default();
        let flag = |b: bool| if b { "on" } else { "" }.to_owned();
        let values = [
            ("enabled", flag(s.enabled)),
            ("prequeue_opens_at", local(s.prequeue_opens_at)),
            ("order", s.order_mode.as_str().to_owned()),
            ("rate_per_minute", number(s.rate_per_minute)),
            ("max_active", number(s.max_active)),
            ("turn_minutes", s.admission_minutes.to_string()),
            ("claim_seconds", s.claim_seconds.to_string()),
            ("grace_minutes", s.grace_minutes.to_string()),
            ("require_verified", flag(s.require_account)),
            ("auto_close", flag(s.auto_close)),
            ("message", s.message.clone().unwrap_or_default()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        RoomForm {
            values,
            errors: FieldErrors::new(),
        }
    }

    /// What was posted, kept as typed.
    pub fn posted(fields: Vec<(String, String)>) -> RoomForm {
        let values = fields
            .into_iter()
            .filter(|(k, _)| k != "csrf_token")
            .collect();
        RoomForm {
            values,
            errors: FieldErrors::new(),
        }
    }

    /// The form read into a patch of every setting but the pause (a button of its own);
    /// what can't be read is in `patch.errors`.
    pub fn patch(&self) -> SettingsPatch {
        let mut errors = FieldErrors::new();
        let mut whole = |field: &'static str, optional: bool| -> Option<Option<i64>> {
            match self.value(field).trim() {
                "" if optional => Some(None),
                "" => {
                    errors.insert(field, "Give a whole number.".to_owned());
                    None
                }
                text => match text.parse::<i64>() {
                    Ok(n) => Some(Some(n)),
                    Err(_) => {
                        let also = if optional {
                            ", or leave it empty for no limit"
                        } else {
                            ""
                        };
                        errors.insert(field, format!("Give a whole number{also}."));
                        None
                    }
                },
            }
        };
        let rate_per_minute = whole("rate_per_minute", true);
        let max_active = whole("max_active", true);
        let turn_minutes = whole("turn_minutes", false).flatten();
        let claim_seconds = whole("claim_seconds", false).flatten();
        let grace_minutes = whole("grace_minutes", false).flatten();
        let prequeue_opens_at = match self.value("prequeue_opens_at").trim() {
            "" => Some(None),
            text => match NaiveDateTime::parse_from_str(text, TIME_FORMAT)
                .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S"))
            {
                Ok(t) => Some(Some(When::Local(t))),
                Err(_) => {
                    errors.insert(
                        "prequeue_opens_at",
                        "Give a date and time like 2027-03-20T09:30, or leave it empty to open \
                         the pre-queue at once."
                            .to_owned(),
                    );
                    None
                }
            },
        };
        let [enabled, require_verified, auto_close] = CHECKBOXES.map(|f| Some(self.checked(f)));
        SettingsPatch {
            enabled,
            prequeue_opens_at,
            order: Some(self.value("order").to_owned()),
            rate_per_minute,
            max_active,
            turn_minutes,
            claim_seconds,
            grace_minutes,
            require_verified,
            auto_close,
            paused: None,
            message: Some(Some(self.value("message").to_owned())),
            errors,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn posted(fields: &[(&str, &str)]) -> RoomForm {
        RoomForm::posted(
            fields
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }

    #[test]
    fn empty_limits_mean_none_and_words_are_field_errors() {
        let patch = posted(&[
            ("rate_per_minute", ""),
            ("max_active", "lots"),
            ("turn_minutes", "15"),
            ("claim_seconds", ""),
            ("grace_minutes", "15"),
            ("prequeue_opens_at", "tomorrow"),
            ("enabled", "on"),
        ])
        .patch();
        assert_eq!(patch.rate_per_minute, Some(None));
        assert_eq!(patch.max_active, None);
        assert_eq!(patch.turn_minutes, Some(15));
        assert_eq!(patch.enabled, Some(true));
        assert_eq!(patch.auto_close, Some(false), "an unticked box is off");
        let fields: Vec<_> = patch.errors.keys().copied().collect();
        assert_eq!(fields, ["claim_seconds", "max_active", "prequeue_opens_at"]);
    }
}
