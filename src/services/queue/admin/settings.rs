//! A room's settings as an admin changes them (§3.13): any subset of the fields (the form sends
//! them all, the API's PUT any of them), laid over the room's current settings, each problem a
//! message on its field. The field names are the API's (API.md, "Waiting room").

use chrono::{NaiveDateTime, TimeDelta};
use chrono_tz::Tz;
use serde_json::{Map, Value, json};

use super::super::RoomSettings;
use crate::db::queue::RoomRow;
use crate::domain::catalogue::FieldErrors;
use crate::domain::local_time::{from_local, to_local};
use crate::domain::queue::OrderMode;
use crate::services::event_admin::When;

/// The pre-queue opens this long before the sale unless an admin says otherwise (§3.13).
pub const PREQUEUE_LEAD: TimeDelta = TimeDelta::minutes(30);
/// ...and never less than this (Cloudflare's rule, §3.13).
pub const PREQUEUE_MIN_LEAD: TimeDelta = TimeDelta::minutes(5);
pub const MAX_RATE: i64 = 100_000;
pub const MAX_ACTIVE: i64 = 1_000_000;
pub const MAX_TURN_MINUTES: i64 = 24 * 60;
pub const MAX_CLAIM_SECONDS: i64 = 24 * 3600;
pub const MAX_GRACE_MINUTES: i64 = 7 * 24 * 60;
pub const MESSAGE_MAX: usize = 500;

/// What an admin sent: `None` leaves a field as it is. A nullable field is `Some(None)` when
/// cleared (no rate, no cap, no message, the pre-queue at once).
#[derive(Debug, Clone, Default)]
pub struct SettingsPatch {
    pub enabled: Option<bool>,
    pub prequeue_opens_at: Option<Option<When>>,
    pub order: Option<String>,
    pub rate_per_minute: Option<Option<i64>>,
    pub max_active: Option<Option<i64>>,
    pub turn_minutes: Option<i64>,
    pub claim_seconds: Option<i64>,
    pub grace_minutes: Option<i64>,
    pub require_verified: Option<bool>,
    pub auto_close: Option<bool>,
    pub paused: Option<bool>,
    pub message: Option<Option<String>>,
    /// What the edge could not even read (a word where a number goes), by field.
    pub errors: FieldErrors,
}

/// What the settings are checked against: the event's sale and its venue's clock, and the room
/// as it stands (a drawn room's pre-queue time no longer matters).
pub struct Context<'a> {
    pub sales_start: Option<NaiveDateTime>,
    pub tz: Tz,
    pub room: Option<&'a RoomRow>,
    pub now: NaiveDateTime,
}

/// A room never configured, as the box office first sees it: off, with the design's defaults
/// (§3.13: R = 120 a minute, M = 100, the pre-queue 30 minutes before the sale).
pub fn admin_defaults(sales_start: Option<NaiveDateTime>) -> RoomSettings {
    RoomSettings {
        enabled: false,
        prequeue_opens_at: sales_start.map(|t| t - PREQUEUE_LEAD),
        rate_per_minute: Some(120),
        max_active: Some(100),
        ..super::super::default_settings()
    }
}

/// The room's settings as they are stored.
pub fn settings_of(room: &RoomRow) -> RoomSettings {
    RoomSettings {
        enabled: room.enabled,
        prequeue_opens_at: room.prequeue_opens_at,
        order_mode: room.order_mode,
        rate_per_minute: room.rate_per_minute,
        max_active: room.max_active,
        admission_minutes: room.admission_minutes,
        claim_seconds: room.claim_seconds,
        grace_minutes: room.grace_minutes,
        require_account: room.require_account,
        auto_close: room.auto_close,
        paused: room.paused,
        message: room.message.clone(),
    }
}

fn within(
    errors: &mut FieldErrors,
    field: &'static str,
    value: i64,
    min: i64,
    max: i64,
    what: &str,
) -> i32 {
    if !(min..=max).contains(&value) {
        errors.insert(field, format!("Give {what} from {min} to {max}."));
    }
    i32::try_from(value.clamp(min, max)).unwrap_or(i32::MAX)
}

impl SettingsPatch {
    /// The patch laid over `base`, checked; every problem is a message on its field.
    pub fn apply(
        &self,
        base: &RoomSettings,
        cx: &Context<'_>,
    ) -> Result<RoomSettings, FieldErrors> {
        let mut errors = self.errors.clone();
        let mut s = base.clone();
        s.enabled = self.enabled.unwrap_or(s.enabled);
        s.require_account = self.require_verified.unwrap_or(s.require_account);
        s.auto_close = self.auto_close.unwrap_or(s.auto_close);
        s.paused = self.paused.unwrap_or(s.paused);
        if let Some(order) = &self.order {
            match order.trim().parse::<OrderMode>() {
                Ok(mode) => s.order_mode = mode,
                Err(_) => {
                    errors.insert("order", "Give random_then_fifo or fifo.".to_owned());
                }
            }
        }
        let mut limit = |field: &'static str,
                         value: Option<Option<i64>>,
                         max: i64,
                         what: &str,
                         old: Option<i32>|
         -> Option<i32> {
            match value {
                None => old,
                Some(None) => None,
                Some(Some(n)) => Some(within(&mut errors, field, n, 1, max, what)),
            }
        };
        s.rate_per_minute = limit(
            "rate_per_minute",
            self.rate_per_minute,
            MAX_RATE,
            "a rate per minute",
            s.rate_per_minute,
        );
        s.max_active = limit(
            "max_active",
            self.max_active,
            MAX_ACTIVE,
            "a number of buyers",
            s.max_active,
        );
        if let Some(t) = self.turn_minutes {
            s.admission_minutes = within(
                &mut errors,
                "turn_minutes",
                t,
                1,
                MAX_TURN_MINUTES,
                "minutes",
            );
        }
        if let Some(w) = self.claim_seconds {
            s.claim_seconds = within(
                &mut errors,
                "claim_seconds",
                w,
                1,
                MAX_CLAIM_SECONDS,
                "seconds",
            );
        }
        if let Some(g) = self.grace_minutes {
            s.grace_minutes = within(
                &mut errors,
                "grace_minutes",
                g,
                1,
                MAX_GRACE_MINUTES,
                "minutes",
            );
        }
        if let Some(message) = &self.message {
            let text = message.as_deref().map(str::trim).filter(|m| !m.is_empty());
            if text.is_some_and(|m| m.chars().count() > MESSAGE_MAX) {
                errors.insert(
                    "message",
                    format!("Keep the message to {MESSAGE_MAX} characters."),
                );
            }
            s.message = text.map(str::to_owned);
        }
        if let Some(when) = self.prequeue_opens_at {
            s.prequeue_opens_at = when.map(|w| match w {
                When::Utc(t) => t,
                When::Local(t) => from_local(t, cx.tz),
            });
        }
        cross_checks(&mut errors, base, &s, cx);
        if errors.is_empty() {
            Ok(s)
        } else {
            Err(errors)
        }
    }
}

/// The rules between fields: the claim window is shorter than a turn, the grace at least the
/// claim window, and a pre-queue set anew opens at least 5 minutes before a sale to come.
fn cross_checks(errors: &mut FieldErrors, base: &RoomSettings, s: &RoomSettings, cx: &Context<'_>) {
    let (turn, claim, grace) = (
        i64::from(s.admission_minutes) * 60,
        i64::from(s.claim_seconds),
        i64::from(s.grace_minutes) * 60,
    );
    if claim >= turn && !errors.contains_key("claim_seconds") {
        errors.insert(
            "claim_seconds",
            format!("The claim window must be shorter than a turn ({turn} seconds)."),
        );
    }
    if grace < claim && !errors.contains_key("grace_minutes") {
        errors.insert(
            "grace_minutes",
            format!("The grace must be at least the claim window ({claim} seconds)."),
        );
    }
    let drawn = cx.room.is_some_and(|r| r.drawn_at.is_some());
    let changed = s.prequeue_opens_at != base.prequeue_opens_at;
    if let (Some(opens), Some(sale), false, true) =
        (s.prequeue_opens_at, cx.sales_start, drawn, changed)
        && sale > cx.now
        && opens > sale - PREQUEUE_MIN_LEAD
    {
        let local = to_local(sale, cx.tz).format("%Y-%m-%d %H:%M %Z");
        errors.insert(
            "prequeue_opens_at",
            format!("Open the pre-queue at least 5 minutes before the sale starts ({local})."),
        );
    }
}

/// What a save changed, field by field as `[before, after]` (the audit's summary); a room
/// created shows every field against the defaults it started from.
pub fn changes(before: &RoomSettings, after: &RoomSettings) -> Map<String, Value> {
    let a = document(before);
    let b = document(after);
    b.into_iter()
        .filter(|(k, v)| a.get(k) != Some(v))
        .map(|(k, v)| {
            let old = a.get(&k).cloned().unwrap_or(Value::Null);
            (k, json!([old, v]))
        })
        .collect()
}

/// The settings under the API's names; times RFC 3339 in UTC.
pub fn document(s: &RoomSettings) -> Map<String, Value> {
    let doc = json!({
        "enabled": s.enabled,
        "prequeue_opens_at": s.prequeue_opens_at.map(crate::domain::local_time::rfc3339_utc),
        "order": s.order_mode,
        "rate_per_minute": s.rate_per_minute,
        "max_active": s.max_active,
        "turn_minutes": s.admission_minutes,
        "claim_seconds": s.claim_seconds,
        "grace_minutes": s.grace_minutes,
        "require_verified": s.require_account,
        "auto_close": s.auto_close,
        "paused": s.paused,
        "message": s.message,
    });
    match doc {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}
