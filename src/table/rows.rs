//! A page of responses decoded for the column builders: borrowed straight from the page's bytes
//! where the JSON has no escapes, and lenient about types the API reference leaves open (an id
//! may be a number, a text field may come as a number, a list field may be `null` or absent).
//! Nothing here builds a JSON tree: each field lands in its typed slot in one pass.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

/// The part of a page the table needs.
#[derive(Debug, Deserialize)]
pub(crate) struct PageRows<'a> {
    #[serde(borrow, default)]
    pub results: Option<Vec<ResponseRow<'a>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ResponseRow<'a> {
    #[serde(borrow)]
    pub id: Text<'a>,
    #[serde(borrow)]
    pub created_time: Text<'a>,
    pub is_complete: Flag,
    #[serde(borrow)]
    pub hotjar_user_id: Text<'a>,
    #[serde(borrow)]
    pub country: Text<'a>,
    #[serde(borrow)]
    pub device: Text<'a>,
    #[serde(borrow)]
    pub browser: Text<'a>,
    #[serde(borrow)]
    pub os: Text<'a>,
    pub window_size: Lenient<WindowSize>,
    /// The webhook spelling of the window size (API reference §2).
    pub window_width: Whole,
    pub window_height: Whole,
    #[serde(borrow)]
    pub response_origin_url: Text<'a>,
    #[serde(borrow)]
    pub recording_url: Text<'a>,
    #[serde(borrow)]
    pub user_attributes: Attributes<'a>,
    #[serde(borrow)]
    pub answers: List<AnswerRow<'a>>,
}

impl ResponseRow<'_> {
    pub fn window_width(&self) -> Option<i32> {
        self.window_size
            .0
            .as_ref()
            .and_then(|w| w.width.0)
            .or(self.window_width.0)
    }

    pub fn window_height(&self) -> Option<i32> {
        self.window_size
            .0
            .as_ref()
            .and_then(|w| w.height.0)
            .or(self.window_height.0)
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct WindowSize {
    pub width: Whole,
    pub height: Whole,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Attribute<'a> {
    #[serde(borrow)]
    pub name: Text<'a>,
    /// A string as is; a number, boolean or anything else as its JSON text.
    #[serde(borrow)]
    pub value: JsonText<'a>,
}

/// `user_attributes`: a list of `{name, value}` (the API's shape), or leniently an object
/// `{name: value}`; a list item that is not an object is kept as a value without a name.
#[derive(Debug, Default)]
pub(crate) struct Attributes<'a>(pub Vec<Attribute<'a>>);

impl<'de: 'a, 'a> Deserialize<'de> for Attributes<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Item<'a>(Attribute<'a>);
        impl<'de: 'a, 'a> Deserialize<'de> for Item<'a> {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                read_lenient::<D, Attribute<'de>>(deserializer).map(Item)
            }
        }
        struct AttributesVisitor<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for AttributesVisitor<'a> {
            type Value = Attributes<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of user attributes")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(Item(attribute)) = seq.next_element()? {
                    out.push(attribute);
                }
                Ok(Attributes(out))
            }
            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
                let mut out = Vec::new();
                while let Some((name, value)) = map.next_entry::<Text<'a>, JsonText<'a>>()? {
                    out.push(Attribute { name, value });
                }
                Ok(Attributes(out))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Attributes::default())
            }
        }
        deserializer.deserialize_any(AttributesVisitor(std::marker::PhantomData))
    }
}

/// An attribute object as the API sends it; any other value is kept as a value without a name.
impl<'de> FromTextOrObject<'de> for Attribute<'de> {
    fn from_text(text: Text<'de>) -> Self {
        Attribute {
            name: Text(None),
            value: JsonText(text),
        }
    }
    fn from_object<M: MapAccess<'de>>(map: M) -> Result<Self, M::Error> {
        Attribute::deserialize(de::value::MapAccessDeserializer::new(map))
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct AnswerRow<'a> {
    #[serde(borrow)]
    pub question_id: Text<'a>,
    #[serde(borrow)]
    pub answer: Text<'a>,
    #[serde(borrow)]
    pub comment: Text<'a>,
    #[serde(borrow)]
    pub sentiment: Text<'a>,
    #[serde(borrow)]
    pub tags: List<Tag<'a>>,
}

impl AnswerRow<'_> {
    /// The answer as JSON, for the `other_answers` column: the shape the API sent, with the
    /// question id as a string.
    pub fn to_json(&self) -> serde_json::Value {
        let text = |t: &Text| {
            t.as_str()
                .map_or(serde_json::Value::Null, serde_json::Value::from)
        };
        serde_json::json!({
            "question_id": text(&self.question_id),
            "answer": text(&self.answer),
            "comment": text(&self.comment),
            "tags": self.tags.0.iter().map(|t| text(&t.0)).collect::<Vec<_>>(),
            "sentiment": text(&self.sentiment),
        })
    }
}

/// A tag: `{"name": "..."}`, or a bare string.
#[derive(Debug, Default)]
pub(crate) struct Tag<'a>(pub Text<'a>);

impl<'de: 'a, 'a> Deserialize<'de> for Tag<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        read_lenient::<D, Tag<'de>>(deserializer)
    }
}

impl<'de> FromTextOrObject<'de> for Tag<'de> {
    fn from_text(text: Text<'de>) -> Self {
        Tag(text)
    }
    fn from_object<M: MapAccess<'de>>(map: M) -> Result<Self, M::Error> {
        #[derive(Deserialize)]
        struct Named<'a> {
            #[serde(borrow, default)]
            name: Text<'a>,
        }
        let named = Named::deserialize(de::value::MapAccessDeserializer::new(map))?;
        Ok(Tag(named.name))
    }
}

/// A text field: a string (borrowed when it has no escapes), `null`, or another JSON value
/// kept as its JSON text (a number id becomes its digits, so ids match however they were sent).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Text<'a>(pub Option<Cow<'a, str>>);

impl Text<'_> {
    pub fn as_str(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        read_lenient::<D, Text<'de>>(deserializer)
    }
}

impl<'de> FromTextOrObject<'de> for Text<'de> {
    // An id sent as 1.0 is the id "1", as in the list-of-dicts output.
    const FLOATS_AS_JSON: bool = false;
    fn from_text(text: Text<'de>) -> Self {
        text
    }
}

/// A value kept as text the way a JSON reader would show it: a string as is, anything else
/// as its JSON text (`759.0` stays "759.0"; only ids turn whole floats into digits).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct JsonText<'a>(pub Text<'a>);

impl JsonText<'_> {
    pub fn as_str(&self) -> Option<&str> {
        self.0.as_str()
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for JsonText<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        read_lenient::<D, JsonText<'de>>(deserializer)
    }
}

impl<'de> FromTextOrObject<'de> for JsonText<'de> {
    fn from_text(text: Text<'de>) -> Self {
        JsonText(text)
    }
}

/// What a lenient field makes of any JSON value: an object is read by `from_object`; anything
/// else goes through its text (a string as is, `null` as none, another value as its JSON
/// text) to `from_text`. One reader, so that every field is exactly as lenient as the next.
trait FromTextOrObject<'de>: Sized {
    /// Whether a whole float such as `1.0` keeps its JSON text rather than becoming the
    /// digits of an id (`"1"`).
    const FLOATS_AS_JSON: bool = true;

    fn from_text(text: Text<'de>) -> Self;

    /// By default an object is kept as its JSON text too.
    fn from_object<M: MapAccess<'de>>(map: M) -> Result<Self, M::Error> {
        let value = serde_json::Value::deserialize(de::value::MapAccessDeserializer::new(map))?;
        Ok(Self::from_text(Text(Some(Cow::Owned(value.to_string())))))
    }
}

fn read_lenient<'de, D: Deserializer<'de>, T: FromTextOrObject<'de>>(
    deserializer: D,
) -> Result<T, D::Error> {
    deserializer.deserialize_any(LenientVisitor(std::marker::PhantomData))
}

struct LenientVisitor<T>(std::marker::PhantomData<T>);

impl<T> LenientVisitor<T> {
    fn owned<'de>(text: String) -> T
    where
        T: FromTextOrObject<'de>,
    {
        T::from_text(Text(Some(Cow::Owned(text))))
    }
}

impl<'de, T: FromTextOrObject<'de>> Visitor<'de> for LenientVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<T, E> {
        Ok(T::from_text(Text(Some(Cow::Borrowed(v)))))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        Ok(Self::owned(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<T, E> {
        Ok(Self::owned(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<T, E> {
        Ok(T::from_text(Text(None)))
    }
    fn visit_none<E: de::Error>(self) -> Result<T, E> {
        Ok(T::from_text(Text(None)))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<T, E> {
        Ok(Self::owned(v.to_string()))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        Ok(Self::owned(v.to_string()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        Ok(Self::owned(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
        let text = if !T::FLOATS_AS_JSON && v.fract() == 0.0 && v.abs() < 9.0e15 {
            format!("{}", v as i64)
        } else {
            serde_json::Value::from(v).to_string()
        };
        Ok(Self::owned(text))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<T, A::Error> {
        let value = serde_json::Value::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
        Ok(Self::owned(value.to_string()))
    }
    fn visit_map<M: MapAccess<'de>>(self, map: M) -> Result<T, M::Error> {
        T::from_object(map)
    }
}

/// A boolean, or nothing when the field is absent, `null` or of another type.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Flag(pub Option<bool>);

impl<'de> Deserialize<'de> for Flag {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(deserializer)?;
        Ok(Flag(value.as_bool()))
    }
}

/// A whole number that fits an i32, or nothing.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Whole(pub Option<i32>);

impl<'de> Deserialize<'de> for Whole {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(deserializer)?;
        let whole = match &value {
            serde_json::Value::Number(n) => n
                .as_i64()
                .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64)),
            _ => None,
        };
        Ok(Whole(whole.and_then(|w| i32::try_from(w).ok())))
    }
}

/// A list that may be absent or `null` (both read as empty). Items of the wrong shape are an
/// error: the list itself is what the API promises.
#[derive(Debug)]
pub(crate) struct List<T>(pub Vec<T>);

impl<T> Default for List<T> {
    fn default() -> Self {
        List(Vec::new())
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for List<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(List(
            Option::<Vec<T>>::deserialize(deserializer)?.unwrap_or_default(),
        ))
    }
}

/// An object read as `T`, or nothing when the value is `null` or not an object.
#[derive(Debug)]
pub(crate) struct Lenient<T>(pub Option<T>);

impl<T> Default for Lenient<T> {
    fn default() -> Self {
        Lenient(None)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Lenient<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        read_lenient(deserializer)
    }
}

impl<'de, T: Deserialize<'de>> FromTextOrObject<'de> for Lenient<T> {
    fn from_text(_: Text<'de>) -> Self {
        Lenient(None)
    }
    fn from_object<M: MapAccess<'de>>(map: M) -> Result<Self, M::Error> {
        T::deserialize(de::value::MapAccessDeserializer::new(map)).map(|t| Lenient(Some(t)))
    }
}
