//! Timestamps: the RFC 3339 strings of the API, and the `since` bound a user gives.

use jiff::Timestamp;

use crate::error::{Error, Result};

/// Reads an API timestamp (`2024-06-20T17:42:05Z`, any offset, optional fraction). `None` for
/// anything else: an unreadable timestamp must never make us drop a response.
pub fn parse_api_timestamp(text: &str) -> Option<Timestamp> {
    text.trim().parse::<Timestamp>().ok()
}

/// Reads a user's `since`: an RFC 3339 timestamp with `Z` or an offset, or a bare date
/// (`2024-06-01`, meaning midnight UTC). A date-time without an offset is refused, because it
/// could be any time zone.
pub fn parse_since(text: &str) -> Result<Timestamp> {
    let text = text.trim();
    if let Ok(ts) = text.parse::<Timestamp>() {
        return Ok(ts);
    }
    if let Ok(date) = text.parse::<jiff::civil::Date>() {
        if text.len() == 10 {
            return date
                .to_datetime(jiff::civil::Time::midnight())
                .to_zoned(jiff::tz::TimeZone::UTC)
                .map(|z| z.timestamp())
                .map_err(|e| Error::config(format!("since {text:?} is out of range: {e}")));
        }
    }
    if text.parse::<jiff::civil::DateTime>().is_ok() {
        return Err(Error::config(format!(
            "since {text:?} has no time zone. Add one, e.g. {text}Z for UTC or {text}+02:00; \
             Hotjar's timestamps are in UTC."
        )));
    }
    Err(Error::config(format!(
        "since {text:?} is not a date or timestamp. Use an ISO 8601 value such as \
         2024-06-01T00:00:00Z, a date such as 2024-06-01 (midnight UTC), or a timezone-aware \
         datetime."
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_timestamps_are_read_leniently() {
        let a = parse_api_timestamp("2024-06-20T17:42:05Z").unwrap();
        let b = parse_api_timestamp("2024-06-20T19:42:05+02:00").unwrap();
        assert_eq!(a, b);
        assert!(parse_api_timestamp("2024-06-20T17:42:05.123456Z").unwrap() > a);
        assert_eq!(parse_api_timestamp("yesterday"), None);
        assert_eq!(parse_api_timestamp(""), None);
    }

    #[test]
    fn since_accepts_zoned_timestamps_and_dates() {
        assert_eq!(
            parse_since("2024-06-01").unwrap(),
            parse_since("2024-06-01T00:00:00Z").unwrap()
        );
        assert_eq!(
            parse_since(" 2024-06-01T02:00:00+02:00 ")
                .unwrap()
                .to_string(),
            "2024-06-01T00:00:00Z"
        );
    }

    #[test]
    fn since_refuses_naive_and_garbage() {
        let naive = parse_since("2024-06-01T10:00:00").unwrap_err();
        assert!(
            naive.message().contains("no time zone"),
            "{}",
            naive.message()
        );
        for bad in ["", "last week", "2024-13-01", "2024-06-01 junk"] {
            assert_eq!(
                parse_since(bad).unwrap_err().kind(),
                crate::ErrorKind::Configuration,
                "{bad:?}"
            );
        }
    }
}
