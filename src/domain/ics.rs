//! An event as an iCalendar file (RFC 5545), so a ticket email can put the event in the buyer's
//! calendar: one `VEVENT` in a `PUBLISH`ed `VCALENDAR`, times in UTC, CRLF line endings, text
//! escaped and long lines folded.

use chrono::NaiveDateTime;

/// What the calendar file says. Every time is UTC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IcsEvent<'a> {
    /// Globally unique and the same for every copy of the file: `<reference>@<host>`.
    pub uid: &'a str,
    pub summary: &'a str,
    pub location: &'a str,
    pub description: &'a str,
    pub url: &'a str,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    /// When this version of the event was made (`DTSTAMP`).
    pub stamp: NaiveDateTime,
}

/// The longest a line may be, in octets, before it is folded (RFC 5545 §3.1).
const MAX_LINE: usize = 75;

/// The `.ics` file of one event.
pub fn event_ics(e: &IcsEvent) -> String {
    let lines = [
        "BEGIN:VCALENDAR".to_owned(),
        "PRODID:-//boxoffice//tickets//EN".to_owned(),
        "VERSION:2.0".to_owned(),
        "CALSCALE:GREGORIAN".to_owned(),
        "METHOD:PUBLISH".to_owned(),
        "BEGIN:VEVENT".to_owned(),
        format!("UID:{}", escape_text(e.uid)),
        format!("DTSTAMP:{}", utc(e.stamp)),
        format!("DTSTART:{}", utc(e.starts_at)),
        format!("DTEND:{}", utc(e.ends_at)),
        format!("SUMMARY:{}", escape_text(e.summary)),
        format!("LOCATION:{}", escape_text(e.location)),
        format!("DESCRIPTION:{}", escape_text(e.description)),
        // A URI, not text: it is not escaped, only kept on one logical line.
        format!("URL:{}", one_line(e.url)),
        "END:VEVENT".to_owned(),
        "END:VCALENDAR".to_owned(),
    ];
    let mut out = String::new();
    for line in &lines {
        out.push_str(&fold(line));
        out.push_str("\r\n");
    }
    out
}

/// `20261212T193000Z`.
fn utc(t: NaiveDateTime) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

/// A TEXT value (RFC 5545 §3.3.11): backslash, semicolon and comma escaped, every line break
/// (CRLF, LF or CR) as `\n`.
fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' => {
                chars.next_if_eq(&'\n');
                out.push_str("\\n");
            }
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

fn one_line(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).collect()
}

/// Splits a content line into lines of at most 75 octets, each continuation starting with a
/// space (which counts), never inside a UTF-8 character. Joined with CRLF, without a final one.
fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + line.len() / MAX_LINE * 3);
    let mut used = 0;
    for c in line.chars() {
        if used + c.len_utf8() > MAX_LINE {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(c);
        used += c.len_utf8();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(h: u32, m: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 12, 12)
            .unwrap()
            .and_hms_opt(h, m, 0)
            .unwrap()
    }

    fn event<'a>(summary: &'a str, description: &'a str) -> IcsEvent<'a> {
        IcsEvent {
            uid: "BK7Q2M@tickets.example.org",
            summary,
            location: "Royal Albert Hall, London",
            description,
            url: "https://tickets.example.org/bookings/BK7Q2M",
            starts_at: at(19, 30),
            ends_at: at(22, 30),
            stamp: at(19, 30),
        }
    }

    fn unfold(ics: &str) -> String {
        ics.replace("\r\n ", "")
    }

    #[test]
    fn the_file_is_one_published_event_with_crlf_line_endings() {
        let ics = event_ics(&event("Hamlet", "Stalls, row F"));
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\nPRODID:-//boxoffice//tickets//EN\r\n"));
        assert!(ics.ends_with("END:VEVENT\r\nEND:VCALENDAR\r\n"));
        assert_eq!(ics.matches('\n').count(), ics.matches("\r\n").count());
        for needed in [
            "VERSION:2.0",
            "METHOD:PUBLISH",
            "UID:BK7Q2M@tickets.example.org",
            "URL:https://tickets.example.org/bookings/BK7Q2M",
            "SUMMARY:Hamlet",
        ] {
            assert!(
                ics.contains(&format!("\r\n{needed}\r\n")),
                "{needed} in {ics}"
            );
        }
        assert_eq!(ics.matches("BEGIN:VEVENT").count(), 1);
    }

    #[test]
    fn times_are_written_in_utc() {
        let ics = event_ics(&event("Hamlet", ""));
        assert!(ics.contains("\r\nDTSTART:20261212T193000Z\r\n"), "{ics}");
        assert!(ics.contains("\r\nDTEND:20261212T223000Z\r\n"));
        assert!(ics.contains("\r\nDTSTAMP:20261212T193000Z\r\n"));
    }

    #[test]
    fn text_values_are_escaped() {
        assert_eq!(
            escape_text("a\\b;c,d\ne\r\nf\rg"),
            "a\\\\b\\;c\\,d\\ne\\nf\\ng"
        );
        let ics = event_ics(&event("Rock; Roll, \\live\\", "line 1\nline 2"));
        assert!(
            ics.contains("\r\nSUMMARY:Rock\\; Roll\\, \\\\live\\\\\r\n"),
            "{ics}"
        );
        assert!(ics.contains("\r\nDESCRIPTION:line 1\\nline 2\r\n"), "{ics}");
    }

    #[test]
    fn long_lines_are_folded_at_75_octets_on_character_boundaries() {
        let description =
            "Stalls, row F, seat 12 · £65.00 — Zuschauerraum für Götterdämmerung ♪ ".repeat(6);
        let ics = event_ics(&event("Götterdämmerung", &description));
        for line in ics.split("\r\n") {
            assert!(line.len() <= 75, "{} octets: {line}", line.len());
        }
        let unfolded = unfold(&ics);
        let expected = format!("\r\nDESCRIPTION:{}\r\n", escape_text(&description));
        assert!(unfolded.contains(&expected), "{unfolded}");
        assert!(ics.lines().count() > unfolded.lines().count());
    }

    #[test]
    fn folding_leaves_short_lines_alone_and_splits_exactly_at_the_limit() {
        let exact = "x".repeat(75);
        assert_eq!(fold(&exact), exact);
        let over = "x".repeat(76);
        assert_eq!(fold(&over), format!("{}\r\n x", "x".repeat(75)));
        // A two-octet character that would straddle the limit moves to the next line.
        let straddle = format!("{}é", "x".repeat(74));
        assert_eq!(fold(&straddle), format!("{}\r\n é", "x".repeat(74)));
    }
}
