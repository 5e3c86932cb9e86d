//! Live changes as `LISTEN/NOTIFY` payloads (`relay.rs`): `version|event|seat,seat|standing|
//! booking,booking`, the version put in front by PostgreSQL.

use crate::domain::ids::{BookingId, EventId, SeatId};

use super::Change;

/// NOTIFY takes payloads under 8,000 bytes; this leaves room for the version.
pub(super) const MAX_PAYLOAD: usize = 7_500;

/// A change as notification payloads: `event|seat,seat|standing|booking,booking`, split so
/// that each stays under [`MAX_PAYLOAD`].
pub(super) fn payloads(change: &Change) -> Vec<String> {
    let mut out = Vec::new();
    let mut seats = change.seats.iter().peekable();
    let mut bookings = change.bookings.iter().peekable();
    let mut first = true;
    while first || seats.peek().is_some() || bookings.peek().is_some() {
        let mut text = format!("{}|", change.event);
        let mut room = MAX_PAYLOAD - 64;
        fill(&mut text, &mut seats, &mut room);
        text.push_str(if change.standing && first {
            "|1|"
        } else {
            "|0|"
        });
        fill(&mut text, &mut bookings, &mut room);
        out.push(text);
        first = false;
    }
    out
}

/// Appends as many of `items` as fit in `room`, comma-separated.
fn fill<T: std::fmt::Display>(
    text: &mut String,
    items: &mut std::iter::Peekable<impl Iterator<Item = T>>,
    room: &mut usize,
) {
    let mut any = false;
    while let Some(next) = items.peek() {
        let item = next.to_string();
        if item.len() + 1 > *room {
            break;
        }
        if any {
            text.push(',');
        }
        text.push_str(&item);
        *room -= item.len() + 1;
        any = true;
        items.next();
    }
}

/// A notification's payload: its version and the change.
pub(super) fn parse(payload: &str) -> Option<(u64, Change)> {
    let mut fields = payload.split('|');
    let version = fields.next()?.parse().ok()?;
    let event = EventId(fields.next()?.parse().ok()?);
    let list = |field: &str| -> Option<Vec<i64>> {
        field
            .split(',')
            .filter(|s| !s.is_empty())
            .map(|s| s.parse().ok())
            .collect()
    };
    let seats = list(fields.next()?)?.into_iter().map(SeatId).collect();
    let standing = fields.next()? == "1";
    let bookings = list(fields.next()?)?.into_iter().map(BookingId).collect();
    Some((
        version,
        Change {
            event,
            seats,
            standing,
            bookings,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_goes_in_payloads_under_the_limit_and_reads_back_the_same() {
        let small = Change::seats(EventId(7), vec![SeatId(1), SeatId(22)]).of([BookingId(5)]);
        let sent = payloads(&small);
        assert_eq!(sent, vec!["7|1,22|0|5".to_owned()]);
        assert_eq!(parse(&format!("41|{}", sent[0])), Some((41, small)));
        let standing = Change::standing(EventId(3));
        assert_eq!(
            parse(&format!("1|{}", payloads(&standing)[0])),
            Some((1, standing))
        );
        // A cancellation of 20,000 seats: several payloads, every seat once.
        let big = Change::seats(EventId(9), (1_000_000..1_020_000).map(SeatId).collect())
            .of((1..3_000).map(BookingId));
        let parts = payloads(&big);
        assert!(parts.len() > 20);
        assert!(parts.iter().all(|p| p.len() < MAX_PAYLOAD));
        let (mut seats, mut bookings) = (Vec::new(), Vec::new());
        for p in &parts {
            let (_, c) = parse(&format!("1|{p}")).unwrap();
            assert_eq!(c.event, EventId(9));
            seats.extend(c.seats);
            bookings.extend(c.bookings);
        }
        assert_eq!(seats, big.seats);
        assert_eq!(bookings, big.bookings);
        assert_eq!(parse("x|1||0|"), None);
        assert_eq!(parse("1|2|3,a|0|"), None);
    }
}
