//! Identifiers: the ids a user passes in (checked before anything is sent), the ids the API
//! sends (opaque strings, kept as sent), and the normalisation of ids in API bodies (a number
//! or a string on the wire, always a string to us).

use std::fmt;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::Value;

use crate::error::{Error, Result};

/// Which id it is, for messages that tell the user where to find the right one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdKind {
    Site,
    Survey,
    Organization,
}

impl IdKind {
    pub fn param(self) -> &'static str {
        match self {
            IdKind::Site => "site_id",
            IdKind::Survey => "survey_id",
            IdKind::Organization => "organization_id",
        }
    }

    pub fn where_to_find(self) -> &'static str {
        match self {
            IdKind::Site => {
                "The Site ID is the number shown for your site on the Sites & Organizations page \
                 in Hotjar's settings."
            }
            IdKind::Survey => "Survey ids are the `id` of each survey that list_surveys() returns.",
            IdKind::Organization => {
                "The Organization ID is shown on the Sites & Organizations page in \
                 Hotjar's settings; it is not the Site ID."
            }
        }
    }
}

/// The longest id accepted from a user (no real id comes near it; a longer one is a mistake,
/// such as a whole URL or a pasted response).
pub const MAX_ID_CHARS: usize = 256;

/// Characters that stay as they are in a path segment: RFC 3986 unreserved ones. Everything
/// else in an id is percent-encoded, so an opaque id can never change the path it goes into.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// A validated id. Site and organization ids are the numbers Hotjar shows in its settings
/// (digits, as the API reference records with high confidence); survey ids are opaque strings
/// (the real API may send `1234567` or `survey_3f2b…`), kept exactly as given.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Id {
    kind: IdKind,
    text: String,
}

impl Id {
    /// Parses a user-supplied id. Surrounding whitespace is ignored. Site and organization ids
    /// must be digits, not zero; a survey id may be any text that can be an id: not empty, no
    /// whitespace, `/` or control characters inside, at most [`MAX_ID_CHARS`] characters.
    pub fn parse(kind: IdKind, raw: &str) -> Result<Self> {
        let trimmed = raw.trim();
        let param = kind.param();
        if trimmed.is_empty() {
            return Err(Error::config(format!(
                "{param} is empty. {}",
                kind.where_to_find()
            )));
        }
        let shown: String = trimmed.chars().take(40).collect();
        let shown = if trimmed.chars().count() > 40 {
            format!("{shown}…")
        } else {
            shown
        };
        if kind == IdKind::Survey {
            let problem = if trimmed.chars().count() > MAX_ID_CHARS {
                Some(format!("is longer than {MAX_ID_CHARS} characters"))
            } else if trimmed.contains('/') {
                Some("contains '/' (pass the id, not a URL or a path)".to_string())
            } else if trimmed.chars().any(char::is_control) {
                Some("contains a control character".to_string())
            } else if trimmed.chars().any(char::is_whitespace) {
                Some("contains whitespace".to_string())
            } else {
                None
            };
            return match problem {
                Some(problem) => Err(Error::config(format!(
                    "{param} {problem}, got {shown:?}. {}",
                    kind.where_to_find()
                ))),
                None => Ok(Self {
                    kind,
                    text: trimmed.to_string(),
                }),
            };
        }
        if !trimmed.bytes().all(|b| b.is_ascii_digit()) || trimmed.len() > 20 {
            return Err(Error::config(format!(
                "{param} must be a number like 1234567, got {shown:?}. {}",
                kind.where_to_find()
            )));
        }
        if trimmed.bytes().all(|b| b == b'0') {
            return Err(Error::config(format!(
                "{param} must be a positive number, got {trimmed:?}. {}",
                kind.where_to_find()
            )));
        }
        Ok(Self {
            kind,
            text: trimmed.to_string(),
        })
    }

    /// Builds an id from an integer (negative and zero are refused: no id is).
    pub fn from_i128(kind: IdKind, value: i128) -> Result<Self> {
        if value <= 0 {
            return Err(Error::config(format!(
                "{} must be a positive number, got {value}. {}",
                kind.param(),
                kind.where_to_find()
            )));
        }
        Self::parse(kind, &value.to_string())
    }

    /// An id the API sent, kept exactly as sent (opaque: never parsed, never refused, since a
    /// guess about its shape must not fail an export). `None` only for an empty one.
    pub fn from_api(kind: IdKind, text: &str) -> Option<Self> {
        (!text.is_empty()).then(|| Self {
            kind,
            text: text.to_string(),
        })
    }

    pub fn kind(&self) -> IdKind {
        self.kind
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The id as one URL path segment: percent-encoded, so that `/`, `?`, `#`, `%` or spaces in
    /// an id the API sent stay inside the segment.
    pub fn path_segment(&self) -> String {
        utf8_percent_encode(&self.text, SEGMENT).to_string()
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Rewrites, in place and at any depth, every `id` and `*_id` field sent as a whole number into
/// a string, so that callers see one type whatever the server chose (the API reference's open
/// question 1). A number with a fraction is no id and stays as it came.
pub fn normalize_ids(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, field) in map.iter_mut() {
                if is_id_key(key) {
                    if let Some(id) = field.as_number().and_then(number_to_id) {
                        *field = Value::String(id);
                        continue;
                    }
                }
                normalize_ids(field);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(normalize_ids),
        _ => {}
    }
}

/// Whether a key names an id: `id` or `*_id`.
pub fn is_id_key(key: &str) -> bool {
    key == "id" || key.ends_with("_id")
}

fn number_to_id(n: &serde_json::Number) -> Option<String> {
    if let Some(i) = n.as_i64() {
        return Some(i.to_string());
    }
    if let Some(u) = n.as_u64() {
        return Some(u.to_string());
    }
    n.as_f64().and_then(float_id)
}

/// A float as an id: `123.0` is the id "123" (written as Python's `str(int(x))` would);
/// a float with a fraction, or too large to be exact, is no id.
pub fn float_id(f: f64) -> Option<String> {
    (f.fract() == 0.0 && f.abs() < 1e38).then(|| (f as i128).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parse_accepts_digits_and_trims() {
        let id = Id::parse(IdKind::Site, " 987654\n").unwrap();
        assert_eq!(id.as_str(), "987654");
        assert_eq!(Id::from_i128(IdKind::Survey, 12).unwrap().to_string(), "12");
    }

    #[test]
    fn parse_refuses_what_cannot_be_an_id() {
        for bad in [
            "",
            "  ",
            "abc",
            "12a",
            "-5",
            "1.5",
            "0",
            "000",
            "123456789012345678901",
        ] {
            let err = Id::parse(IdKind::Site, bad).unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::Configuration, "{bad:?}");
            assert!(err.message().starts_with("site_id"), "{}", err.message());
        }
        let too_long = "s".repeat(MAX_ID_CHARS + 1);
        for bad in [
            "",
            " \t",
            "a/b",
            "https://x/1",
            "a\u{0}b",
            "a\nb",
            "a b",
            &too_long,
        ] {
            let err = Id::parse(IdKind::Survey, bad).unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::Configuration, "{bad:?}");
            assert!(err.message().starts_with("survey_id"), "{}", err.message());
        }
        assert!(Id::from_i128(IdKind::Survey, 0).is_err());
        let err = Id::from_i128(IdKind::Site, -3).unwrap_err();
        assert!(err.message().contains("Sites & Organizations"));
    }

    #[test]
    fn survey_ids_are_opaque_and_percent_encoded_in_paths() {
        for good in [
            "1234567",
            "survey_3f2b9c1e-0a4d-4e8c-9b31-f0e6a2d5c7b8",
            "abc",
            "0",
            "-5",
        ] {
            assert_eq!(Id::parse(IdKind::Survey, good).unwrap().as_str(), good);
        }
        let id = Id::parse(IdKind::Survey, " q?x#1%é \n").unwrap();
        assert_eq!(id.as_str(), "q?x#1%é");
        assert_eq!(id.path_segment(), "q%3Fx%231%25%C3%A9");
        let from_api = Id::from_api(IdKind::Survey, "a/b c").unwrap();
        assert_eq!(from_api.path_segment(), "a%2Fb%20c");
        assert!(Id::from_api(IdKind::Survey, "").is_none());
        let long = "x".repeat(MAX_ID_CHARS);
        assert!(Id::parse(IdKind::Survey, &long).is_ok());
    }

    #[test]
    fn normalize_turns_numeric_ids_into_strings_at_any_depth() {
        let mut v = json!({
            "id": 8812345678u64,
            "answers": [{"question_id": 5550001, "answer": 9}],
            "site_id": 1.0,
            "x_id": 1.5,
            "name": "keep",
            "hotjar_user_id": "3f9c",
            "nested": {"survey_id": -1}
        });
        normalize_ids(&mut v);
        assert_eq!(
            v,
            json!({
                "id": "8812345678",
                "answers": [{"question_id": "5550001", "answer": 9}],
                "site_id": "1",
                "x_id": 1.5,
                "name": "keep",
                "hotjar_user_id": "3f9c",
                "nested": {"survey_id": "-1"}
            })
        );
    }
}
