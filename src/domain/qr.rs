//! A ticket's code as a QR code, drawn as a small SVG that can be inlined in a page or attached
//! to an email. The `qrcode` crate encodes; the drawing is ours, because its SVG renderer starts
//! with an XML declaration (not allowed inside HTML) and has no room for an accessible label.

use std::fmt::Write;

use qrcode::{Color, QrCode};

/// The width and height the SVG asks for, in CSS pixels; it scales cleanly to any size.
pub const SIZE_PX: u32 = 160;
/// Light modules around the code, as the QR specification asks for so scanners find its edges.
const QUIET_ZONE: usize = 4;

/// Text that no QR code can hold (more than about 2,300 bytes at the default error correction).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{bytes} bytes do not fit in a QR code")]
pub struct TooLong {
    pub bytes: usize,
}

/// The QR code of `text` as a standalone `<svg>` element (no XML declaration), labelled
/// "QR code for ticket {text}". Text too long for any QR code gives [`TooLong`].
pub fn try_svg(text: &str) -> Result<String, TooLong> {
    // With the version left to the encoder, running out of room is the only way to fail.
    let code = QrCode::new(text.as_bytes()).map_err(|_| TooLong { bytes: text.len() })?;
    let modules = code.width();
    let colors = code.to_colors();
    let side = modules + 2 * QUIET_ZONE;
    let mut path = String::new();
    for (y, row) in colors.chunks(modules).enumerate() {
        let mut x = 0;
        while x < modules {
            let run = row[x..].iter().take_while(|c| **c == Color::Dark).count();
            if run == 0 {
                x += 1;
                continue;
            }
            // Writing to a String cannot fail.
            let _ = write!(
                path,
                "M{} {}h{run}v1h-{run}z",
                x + QUIET_ZONE,
                y + QUIET_ZONE
            );
            x += run;
        }
    }
    Ok(frame(side, &label(text), &path))
}

/// [`try_svg`], or for text too long for a QR code a blank square saying so, for callers that
/// only ever pass short codes.
pub fn svg(text: &str) -> String {
    try_svg(text).unwrap_or_else(|_| {
        frame(
            2 * QUIET_ZONE,
            "No QR code: the ticket code is too long",
            "",
        )
    })
}

fn label(text: &str) -> String {
    format!("QR code for ticket {text}")
}

fn frame(side: usize, label: &str, path: &str) -> String {
    format!(
        concat!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{px}" height="{px}""#,
            r#" viewBox="0 0 {side} {side}" role="img" aria-label="{label}""#,
            r#" shape-rendering="crispEdges">"#,
            r##"<rect width="{side}" height="{side}" fill="#fff"/>"##,
            r##"<path fill="#000" d="{path}"/></svg>"##,
        ),
        px = SIZE_PX,
        side = side,
        label = escape_attribute(label),
        path = path,
    )
}

fn escape_attribute(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sixteen_character_ticket_code_gives_a_standalone_labelled_svg() {
        let svg = try_svg("ABCD2345EFGH6789").expect("16 characters fit");
        assert!(svg.starts_with("<svg "), "{svg}");
        assert!(svg.ends_with("</svg>"), "{svg}");
        assert!(!svg.contains("<?xml"));
        assert!(svg.contains(r#"viewBox="0 0 "#), "{svg}");
        assert!(svg.contains(r#"width="160" height="160""#), "{svg}");
        assert!(svg.contains(r#"role="img""#));
        assert!(svg.contains(r#"aria-label="QR code for ticket ABCD2345EFGH6789""#));
        assert!(svg.contains(r#"shape-rendering="crispEdges""#));
    }

    #[test]
    fn the_drawing_keeps_a_quiet_zone_and_fits_the_view_box() {
        // Version 1 is 21 modules across; with four light modules on each side, 29.
        let svg = try_svg("A").unwrap();
        assert!(svg.contains(r#"viewBox="0 0 29 29""#), "{svg}");
        assert!(
            svg.contains("M4 4h7v1h-7z"),
            "the finder pattern starts inside the zone"
        );
    }

    #[test]
    fn the_same_code_always_gives_the_same_svg_and_different_codes_differ() {
        assert_eq!(svg("ABCD2345EFGH6789"), svg("ABCD2345EFGH6789"));
        assert_ne!(svg("ABCD2345EFGH6789"), svg("ABCD2345EFGH678X"));
    }

    #[test]
    fn labels_are_escaped_and_overlong_text_is_refused() {
        let svg = svg(r#"a"<b>&"#);
        assert!(svg.contains(r#"aria-label="QR code for ticket a&quot;&lt;b&gt;&amp;""#));
        let long = "x".repeat(8_000);
        assert_eq!(try_svg(&long), Err(TooLong { bytes: 8_000 }));
        assert!(super::svg(&long).starts_with("<svg "));
    }
}
