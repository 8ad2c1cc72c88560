//! One page of a list endpoint, `{"results": [...], "next_cursor": "..." | null}`, read in one
//! pass that builds none of the items: only each item's `id` and `created_time` (all the
//! paginator needs) and the cursor. The body stays as bytes, to be decoded once, straight into
//! whatever the caller wants (Python dicts, JSON values, later Arrow columns).

use std::fmt;

use bytes::Bytes;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use crate::endpoint::Endpoint;
use crate::error::{Error, ErrorKind, Result};
use crate::ids::normalize_ids;

/// What the paginator needs of one item.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemMeta {
    /// The item's `id` as a string (a number is written in decimal), if it has one.
    pub id: Option<String>,
    pub created_time: Option<String>,
}

/// A fetched page: the raw body, and what was read of it.
#[derive(Debug, Clone)]
pub struct IndexedPage {
    pub body: Bytes,
    pub items: Vec<ItemMeta>,
    pub next_cursor: Option<String>,
}

impl IndexedPage {
    /// Reads a page leniently where the API is unknown (an absent or empty `next_cursor`
    /// means the last page, `results: null` means none) and strictly where it promises (an
    /// object with a `results` list of objects). A body that is not JSON at all (cut short,
    /// garbled) is worth fetching again; JSON of the wrong shape is not.
    pub fn parse(body: Bytes, endpoint: &Endpoint) -> Result<Self> {
        // JSON is UTF-8 (RFC 8259). The pass below skips the values it does not need without
        // checking their bytes, so a page garbled inside an unknown field would otherwise pass.
        if let Err(e) = std::str::from_utf8(&body) {
            return Err(Error::new(
                ErrorKind::InvalidResponse,
                format!(
                    "{}: the server's answer is not valid JSON (not UTF-8 at byte {}).",
                    endpoint.describe(),
                    e.valid_up_to()
                ),
            )
            .retryable(true));
        }
        let mut deserializer = serde_json::Deserializer::from_slice(&body);
        let envelope = EnvelopeVisitor
            .deserialize(&mut deserializer)
            .and_then(|envelope| deserializer.end().map(|()| envelope));
        match envelope {
            Ok(Envelope {
                results: Some(items),
                next_cursor,
            }) => Ok(Self {
                body,
                items,
                next_cursor,
            }),
            Ok(Envelope { results: None, .. }) => Err(invalid(endpoint, "`results` is missing")),
            Err(e) if e.is_syntax() || e.is_eof() => Err(Error::new(
                ErrorKind::InvalidResponse,
                format!(
                    "{}: the server's answer is not valid JSON ({e}).",
                    endpoint.describe()
                ),
            )
            .retryable(true)),
            Err(e) => Err(invalid(endpoint, &e.to_string())),
        }
    }

    /// The items as JSON values with ids normalised, keeping those whose flag in `keep` is
    /// set (all of them when `keep` is `None`).
    pub fn to_values(&self, keep: Option<&[bool]>) -> Result<Vec<Value>> {
        let parsed: ResultsOnly = serde_json::from_slice(&self.body).map_err(|e| {
            Error::new(
                ErrorKind::InvalidResponse,
                format!("Could not decode a page: {e}"),
            )
        })?;
        Ok(parsed
            .results
            .unwrap_or_default()
            .into_iter()
            .enumerate()
            .filter(|(i, _)| keep.is_none_or(|k| k.get(*i).copied().unwrap_or(false)))
            .map(|(_, mut value)| {
                normalize_ids(&mut value);
                value
            })
            .collect())
    }
}

#[derive(serde::Deserialize)]
struct ResultsOnly {
    #[serde(default)]
    results: Option<Vec<Value>>,
}

fn invalid(endpoint: &Endpoint, detail: &str) -> Error {
    Error::new(
        ErrorKind::InvalidResponse,
        format!(
            "{}: the server's page is not what the Hotjar API promises ({detail}).",
            endpoint.describe()
        ),
    )
}

struct Envelope {
    /// `None` when the key is absent; `null` reads as an empty list.
    results: Option<Vec<ItemMeta>>,
    next_cursor: Option<String>,
}

struct EnvelopeVisitor;

impl<'de> DeserializeSeed<'de> for EnvelopeVisitor {
    type Value = Envelope;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Envelope, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for EnvelopeVisitor {
    type Value = Envelope;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object with `results`")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Envelope, A::Error> {
        let mut envelope = Envelope {
            results: None,
            next_cursor: None,
        };
        while let Some(key) = map.next_key::<KeyName>()? {
            match key.0 {
                Key::Results => {
                    if envelope.results.is_some() {
                        // Decoders would disagree on which one counts.
                        return Err(de::Error::custom("`results` appears twice"));
                    }
                    envelope.results = Some(map.next_value::<Results>()?.0);
                }
                Key::NextCursor => {
                    envelope.next_cursor = match map.next_value::<Scalar>()? {
                        Scalar::Null => None,
                        Scalar::Text(s) if s.is_empty() => None,
                        Scalar::Text(s) | Scalar::Number(s) => Some(s),
                        Scalar::Other => {
                            return Err(de::Error::custom(
                                "`next_cursor` is neither a string nor null",
                            ))
                        }
                    };
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(envelope)
    }
}

/// The keys of a page that the readers look at, compared without allocating.
pub(crate) enum Key {
    Results,
    NextCursor,
    Id,
    CreatedTime,
    Other,
}

pub(crate) struct KeyName(pub(crate) Key);

impl<'de> de::Deserialize<'de> for KeyName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = KeyName;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E: de::Error>(self, key: &str) -> Result<KeyName, E> {
                Ok(KeyName(match key {
                    "results" => Key::Results,
                    "next_cursor" => Key::NextCursor,
                    "id" => Key::Id,
                    "created_time" => Key::CreatedTime,
                    _ => Key::Other,
                }))
            }
        }
        d.deserialize_str(V)
    }
}

/// `results`: a list of objects, or null for none.
struct Results(Vec<ItemMeta>);

impl<'de> de::Deserialize<'de> for Results {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Results;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("`results` as a list")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Results, E> {
                Ok(Results(Vec::new()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Results, A::Error> {
                let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(100));
                while let Some(item) = seq.next_element::<Item>()? {
                    items.push(item.0);
                }
                Ok(Results(items))
            }
        }
        d.deserialize_any(V)
    }
}

struct Item(ItemMeta);

impl<'de> de::Deserialize<'de> for Item {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Item;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("each item of `results` to be an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Item, A::Error> {
                let mut meta = ItemMeta::default();
                while let Some(key) = map.next_key::<KeyName>()? {
                    match key.0 {
                        Key::Id => {
                            meta.id = match map.next_value::<Scalar>()? {
                                Scalar::Text(s) | Scalar::Number(s) => Some(s),
                                Scalar::Null | Scalar::Other => None,
                            }
                        }
                        Key::CreatedTime => {
                            meta.created_time = match map.next_value::<Scalar>()? {
                                Scalar::Text(s) => Some(s),
                                _ => None,
                            }
                        }
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(Item(meta))
            }
        }
        d.deserialize_any(V)
    }
}

/// A JSON value reduced to what ids, times and cursors can be.
enum Scalar {
    Null,
    Text(String),
    /// A number, written the way `normalize_ids` writes it.
    Number(String),
    Other,
}

impl<'de> de::Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Scalar, E> {
                Ok(Scalar::Null)
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Scalar, E> {
                Ok(Scalar::Other)
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Scalar, E> {
                Ok(Scalar::Text(s.to_string()))
            }
            fn visit_string<E: de::Error>(self, s: String) -> Result<Scalar, E> {
                Ok(Scalar::Text(s))
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Scalar, E> {
                Ok(Scalar::Number(n.to_string()))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Scalar, E> {
                Ok(Scalar::Number(n.to_string()))
            }
            fn visit_f64<E: de::Error>(self, n: f64) -> Result<Scalar, E> {
                Ok(Scalar::Number(
                    crate::ids::float_id(n).unwrap_or_else(|| n.to_string()),
                ))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Scalar, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Scalar::Other)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Scalar, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Scalar::Other)
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{Id, IdKind};
    use serde_json::json;

    fn endpoint() -> Endpoint {
        Endpoint::Responses {
            site: Id::parse(IdKind::Site, "1").unwrap(),
            survey: Id::parse(IdKind::Survey, "2").unwrap(),
        }
    }

    fn parse(body: Value) -> Result<IndexedPage> {
        IndexedPage::parse(Bytes::from(body.to_string()), &endpoint())
    }

    #[test]
    fn reads_ids_times_and_cursor_without_building_items() {
        let page = parse(json!({
            "results": [
                {"id": 7, "created_time": "2024-01-01T00:00:00Z", "answers": [{"id": 1}]},
                {"created_time": 5, "id": "x"},
                {}
            ],
            "next_cursor": "abc"
        }))
        .unwrap();
        assert_eq!(
            page.items,
            vec![
                ItemMeta {
                    id: Some("7".into()),
                    created_time: Some("2024-01-01T00:00:00Z".into())
                },
                ItemMeta {
                    id: Some("x".into()),
                    created_time: None
                },
                ItemMeta::default(),
            ]
        );
        assert_eq!(page.next_cursor.as_deref(), Some("abc"));
        assert_eq!(
            page.to_values(Some(&[true, false, true])).unwrap(),
            vec![
                json!({"id": "7", "created_time": "2024-01-01T00:00:00Z", "answers": [{"id": "1"}]}),
                json!({})
            ]
        );
    }

    #[test]
    fn is_lenient_where_the_api_is_unknown() {
        let cursor = |body| parse(body).unwrap().next_cursor;
        assert_eq!(cursor(json!({"results": []})), None);
        assert_eq!(cursor(json!({"results": [], "next_cursor": null})), None);
        assert_eq!(cursor(json!({"results": [], "next_cursor": ""})), None);
        assert_eq!(
            cursor(json!({"next_cursor": 42, "results": []})),
            Some("42".into())
        );
        let empty = parse(json!({"results": null, "extra": {"a": [1]}})).unwrap();
        assert!(empty.items.is_empty());
        assert!(empty.to_values(None).unwrap().is_empty());
    }

    #[test]
    fn is_strict_where_the_api_promises() {
        for body in [
            json!([1, 2]),
            json!({"data": []}),
            json!({"results": {"id": 1}}),
            json!({"results": [1]}),
            json!({"results": [], "next_cursor": {"a": 1}}),
        ] {
            let error = parse(body.clone()).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::InvalidResponse, "{body}");
            assert!(!error.retryable, "{body}");
            assert!(error
                .message()
                .starts_with("Fetching the responses of survey 2"));
        }
    }

    #[test]
    fn a_page_with_two_results_keys_is_refused() {
        let body = Bytes::from_static(br#"{"results": [{"id": 1}], "results": []}"#);
        let error = IndexedPage::parse(body, &endpoint()).unwrap_err();
        assert!(error.message().contains("appears twice"), "{error}");
    }

    #[test]
    fn broken_json_is_worth_another_try() {
        for body in [
            &b"{\"results\": [{\"id\": 1"[..],
            b"<html>",
            b"",
            b"{\"results\": []} x",
            // Found by src/fuzz.rs: a byte that is not UTF-8 inside a skipped field.
            b"{\"results\":[],\"0ext_cursor\":\"\x80100\"}",
        ] {
            let error = IndexedPage::parse(Bytes::from_static(body), &endpoint()).unwrap_err();
            assert!(error.retryable, "{:?}", String::from_utf8_lossy(body));
        }
    }

    #[test]
    fn mutated_pages_never_panic_and_agree_with_serde_json() {
        let valid = json!({
            "results": [
                {"id": 1, "created_time": "2024-01-01T00:00:00Z", "answers": [{"question_id": 2}]},
                {"id": "x", "nested": {"a": [1, 2.5, null, true, "é\n"]}}
            ],
            "next_cursor": "abc"
        })
        .to_string()
        .into_bytes();
        let mut rng = fastrand::Rng::with_seed(7);
        for _ in 0..20_000 {
            let mut body = valid.clone();
            for _ in 0..rng.usize(1..4) {
                match rng.u8(0..3) {
                    0 => body.truncate(rng.usize(0..=body.len())),
                    1 if !body.is_empty() => {
                        let i = rng.usize(0..body.len());
                        body[i] = rng.u8(..);
                    }
                    _ => {
                        let i = rng.usize(0..=body.len());
                        body.insert(i, *b"{}[],:\"0-e.\\".get(rng.usize(0..13)).unwrap_or(&b'x'));
                    }
                }
            }
            let Ok(page) = IndexedPage::parse(Bytes::from(body.clone()), &endpoint()) else {
                continue;
            };
            // What the index saw is what a full decode sees, or the decode says why not (the
            // index skips strings without checking their escapes, e.g. a lone surrogate).
            match page.to_values(None) {
                Ok(values) => assert_eq!(values.len(), page.items.len()),
                Err(error) => {
                    assert_eq!(error.kind(), ErrorKind::InvalidResponse);
                    assert!(serde_json::from_slice::<Value>(&body).is_err());
                }
            }
        }
    }
}
