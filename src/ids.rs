//! Identifiers: the numeric ids a user passes in (checked before anything is sent), and the
//! normalisation of ids in API bodies (a number or a string on the wire, always a string to us).

use std::fmt;

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

/// A validated numeric id, kept as its digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Id {
    kind: IdKind,
    digits: String,
}

impl Id {
    /// Parses a user-supplied id: digits only (surrounding whitespace is ignored), not zero.
    pub fn parse(kind: IdKind, raw: &str) -> Result<Self> {
        let trimmed = raw.trim();
        let param = kind.param();
        if trimmed.is_empty() {
            return Err(Error::config(format!(
                "{param} is empty. {}",
                kind.where_to_find()
            )));
        }
        if !trimmed.bytes().all(|b| b.is_ascii_digit()) || trimmed.len() > 20 {
            let shown: String = trimmed.chars().take(40).collect();
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
            digits: trimmed.to_string(),
        })
    }

    /// Builds an id from an integer (negative and zero are refused).
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

    pub fn kind(&self) -> IdKind {
        self.kind
    }

    pub fn as_str(&self) -> &str {
        &self.digits
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.digits)
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
            let err = Id::parse(IdKind::Survey, bad).unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::Configuration, "{bad:?}");
            assert!(err.message().starts_with("survey_id"), "{}", err.message());
        }
        let err = Id::from_i128(IdKind::Site, -3).unwrap_err();
        assert!(err.message().contains("Sites & Organizations"));
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
