//! The spreadsheet-formula guard of CSV files (OWASP's "CSV injection" advice): a cell that
//! begins with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula to Excel,
//! LibreOffice and Google Sheets, which run it when the file is opened. Such a cell is
//! written with a `'` in front, which those programs show as text.
//!
//! The rule is exact both ways: [`unguard`] gives back every cell [`guard`] wrote. A cell
//! that already begins with quotes followed by a formula character gets one more quote, so
//! that removing one quote is always right; any other cell is written as it is (a plain
//! number such as `-5` too: it is no formula, and stays a number in a spreadsheet).

use std::borrow::Cow;

const QUOTE: char = '\'';

fn starts_a_formula(text: &str) -> bool {
    matches!(
        text.chars().next(),
        Some('=' | '+' | '-' | '@' | '\t' | '\r')
    ) && !is_number(text)
}

/// A plain decimal number (`-5`, `+1.5`, `-2e3`), which no spreadsheet runs.
fn is_number(text: &str) -> bool {
    text.bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.' | b'e' | b'E'))
        && text.parse::<f64>().is_ok()
}

/// Whether the cell would be guarded: it starts a formula, after any leading quotes.
fn needs_guard(text: &str) -> bool {
    starts_a_formula(text.trim_start_matches(QUOTE))
}

/// The cell as a CSV file should hold it.
pub fn guard(text: &str) -> Cow<'_, str> {
    if needs_guard(text) {
        Cow::Owned(format!("{QUOTE}{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// The cell as it was before [`guard`].
#[cfg(any(test, feature = "python"))]
pub fn unguard(text: &str) -> &str {
    match text.strip_prefix(QUOTE) {
        Some(rest) if needs_guard(rest) => rest,
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_become_text_and_come_back_exactly() {
        for (cell, written) in [
            ("=1+2", "'=1+2"),
            ("+1+2", "'+1+2"),
            ("-1+2", "'-1+2"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("'=1", "''=1"),
            ("''@x", "'''@x"),
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
        ] {
            assert_eq!(guard(cell), written);
            assert_eq!(unguard(written), cell);
        }
    }

    #[test]
    fn other_cells_are_untouched() {
        for cell in [
            "",
            "'",
            "''",
            "'abc",
            "abc=1",
            "-5",
            "+1.5",
            "-2e3",
            "jane@example.com",
            "{\"a\":1}",
            "- ",
            "--",
            "-inf",
        ] {
            let written = guard(cell);
            let expected = if cell.starts_with('-') && !is_number(cell) {
                format!("'{cell}")
            } else {
                cell.to_string()
            };
            assert_eq!(written, expected, "{cell:?}");
            assert_eq!(unguard(&written), cell, "{cell:?}");
        }
    }
}
