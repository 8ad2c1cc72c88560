//! Table cells as JSON values, for the text formats (CSV, JSON Lines): timestamps as RFC 3339
//! in UTC, tags as arrays, user attributes as objects, `other_answers` as the JSON it holds.

use arrow_array::cast::AsArray;
use arrow_array::types::{Int16Type, Int32Type, Int64Type, TimestampMicrosecondType};
use arrow_array::{Array, ArrayRef};
use arrow_schema::{DataType, TimeUnit};
use serde_json::{Map, Value};

/// Reads the cells of one column. Built once per column and batch, so the type dispatch
/// happens once, not per cell.
pub(super) struct CellReader<'a> {
    array: &'a ArrayRef,
    /// The column holds JSON text (other_answers) to embed as JSON, not as a string.
    holds_json: bool,
}

impl<'a> CellReader<'a> {
    pub fn new(array: &'a ArrayRef, holds_json: bool) -> Self {
        Self { array, holds_json }
    }

    /// The cell as JSON (`null` for a null cell).
    pub fn value(&self, row: usize) -> Value {
        let array = self.array;
        if array.is_null(row) {
            return Value::Null;
        }
        match array.data_type() {
            DataType::Utf8 => {
                let text = array.as_string::<i32>().value(row);
                if self.holds_json {
                    serde_json::from_str(text).unwrap_or_else(|_| Value::from(text))
                } else {
                    Value::from(text)
                }
            }
            DataType::Dictionary(_, _) => {
                dictionary_text(array, row).map_or(Value::Null, Value::from)
            }
            DataType::Boolean => Value::from(array.as_boolean().value(row)),
            DataType::Int16 => Value::from(array.as_primitive::<Int16Type>().value(row)),
            DataType::Int32 => Value::from(array.as_primitive::<Int32Type>().value(row)),
            DataType::Int64 => Value::from(array.as_primitive::<Int64Type>().value(row)),
            DataType::Timestamp(TimeUnit::Microsecond, _) => {
                let micros = array.as_primitive::<TimestampMicrosecondType>().value(row);
                jiff::Timestamp::from_microsecond(micros)
                    .map_or(Value::Null, |t| Value::from(t.to_string()))
            }
            DataType::List(_) => {
                let list = array.as_list::<i32>().value(row);
                let items = list.as_string::<i32>();
                Value::Array(
                    (0..items.len())
                        .map(|i| {
                            if items.is_null(i) {
                                Value::Null
                            } else {
                                Value::from(items.value(i))
                            }
                        })
                        .collect(),
                )
            }
            DataType::Map(_, _) => {
                let entries = array.as_map().value(row);
                let keys = entries.column(0).as_string::<i32>();
                let values = entries.column(1).as_string::<i32>();
                let mut map = Map::new();
                for i in 0..entries.len() {
                    let value = if values.is_null(i) {
                        Value::Null
                    } else {
                        Value::from(values.value(i))
                    };
                    map.insert(keys.value(i).to_string(), value);
                }
                Value::Object(map)
            }
            other => Value::from(format!("<{other}>")),
        }
    }

    /// The cell as CSV text: scalars as text, lists and maps as JSON, null as empty.
    pub fn text(&self, row: usize) -> String {
        match self.value(row) {
            Value::Null => String::new(),
            Value::String(s) => s,
            Value::Bool(b) => b.to_string(),
            Value::Number(n) => n.to_string(),
            nested => nested.to_string(),
        }
    }
}

fn dictionary_text(array: &ArrayRef, row: usize) -> Option<&str> {
    let dictionary = array.as_dictionary_opt::<Int32Type>()?;
    let key = usize::try_from(dictionary.keys().value(row)).ok()?;
    let values = dictionary.values().as_string_opt::<i32>()?;
    (key < values.len() && !values.is_null(key)).then(|| values.value(key))
}
