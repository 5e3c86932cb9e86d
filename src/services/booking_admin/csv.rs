//! RFC 4180 CSV for spreadsheets, written by hand: one quoting rule and one neutralising rule
//! are all the attendee list needs, so no `csv` dependency for ~30 lines.

/// One cell: a cell that a spreadsheet would run as a formula (starting with `=`, `+`, `-`,
/// `@`, a tab or a carriage return) gets a leading `'`; a cell with a comma, a semicolon (the
/// separator of spreadsheets in many locales), a quote or a line break is quoted, its quotes
/// doubled.
pub fn cell(raw: &str) -> String {
    let neutral = if raw.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{raw}")
    } else {
        raw.to_owned()
    };
    if neutral.contains([',', ';', '"', '\n', '\r']) {
        format!("\"{}\"", neutral.replace('"', "\"\""))
    } else {
        neutral
    }
}

/// One record, CRLF-terminated (RFC 4180).
pub fn record<S: AsRef<str>>(cells: &[S]) -> String {
    let mut line = cells
        .iter()
        .map(|c| cell(c.as_ref()))
        .collect::<Vec<_>>()
        .join(",");
    line.push_str("\r\n");
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_cells_are_left_alone() {
        assert_eq!(cell("Ada Lovelace"), "Ada Lovelace");
        assert_eq!(cell(""), "");
    }

    #[test]
    fn commas_quotes_and_line_breaks_are_quoted() {
        assert_eq!(cell("Lovelace, Ada"), "\"Lovelace, Ada\"");
        assert_eq!(cell("the \"Countess\""), "\"the \"\"Countess\"\"\"");
        assert_eq!(cell("two\nlines"), "\"two\nlines\"");
    }

    #[test]
    fn semicolons_are_quoted_for_semicolon_locales() {
        assert_eq!(cell("Lovelace; Ada"), "\"Lovelace; Ada\"");
        assert_eq!(cell("=1;=cmd()"), "\"'=1;=cmd()\"");
    }

    #[test]
    fn formulas_are_neutralised() {
        assert_eq!(cell("=cmd()"), "'=cmd()");
        assert_eq!(cell("+1"), "'+1");
        assert_eq!(cell("-1"), "'-1");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("\tx"), "'\tx");
        assert_eq!(cell("\rx"), "\"'\rx\"");
        assert_eq!(
            cell("=HYPERLINK(\"a\",\"b\")"),
            "\"'=HYPERLINK(\"\"a\"\",\"\"b\"\")\""
        );
    }

    #[test]
    fn a_record_ends_with_crlf() {
        assert_eq!(record(&["a", "b,c"]), "a,\"b,c\"\r\n");
    }
}
