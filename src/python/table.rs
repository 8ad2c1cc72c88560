//! `hotjar_client.ResponseTable`: a survey's responses as Arrow columns. pandas, polars,
//! pyarrow and DuckDB read it through the Arrow PyCapsule interface (`__arrow_c_stream__`) with
//! no copy; `to_pydict` / `to_pylist` need no optional package.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::ffi_stream::FFI_ArrowArrayStream;
use arrow_array::types::{Int16Type, Int32Type, Int64Type, TimestampMicrosecondType};
use arrow_array::{Array, ArrayRef, RecordBatch, RecordBatchIterator};
use arrow_schema::ffi::FFI_ArrowSchema;
use arrow_schema::{DataType, Schema, TimeUnit};
use arrow_select::take::take;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyDict, PyList, PyString};

use crate::table::Shape;

/// A survey's responses as a table: ``shape="wide"`` gives one row per response, ``"long"``
/// one row per answer.
///
/// Hand it to ``pl.DataFrame(t)``, ``pa.table(t)`` or ``duckdb.sql("select * from t")``, or
/// call ``to_pandas()``, ``to_polars()``, ``to_pyarrow()``, ``to_pydict()`` or
/// ``to_pylist()``. For pandas prefer ``to_pandas()``: it keeps scores and window sizes as
/// nullable integers (``Int16``, ``Int32``), where ``pd.DataFrame.from_arrow(t)`` uses
/// pandas' defaults (an integer column with a gap becomes ``float64``).
#[pyclass(name = "ResponseTable", module = "hotjar_client", frozen)]
pub struct PyResponseTable {
    batch: RecordBatch,
    survey_id: String,
    layout: Shape,
}

impl PyResponseTable {
    pub fn new(batch: RecordBatch, survey_id: String, layout: Shape) -> Self {
        Self {
            batch,
            survey_id,
            layout,
        }
    }
}

/// An optional package a conversion needs; its import error names the extra to install.
fn require<'py>(py: Python<'py>, module: &str, method: &str) -> PyResult<Bound<'py, PyModule>> {
    py.import(module).map_err(|error| {
        let extra = match module {
            "pyarrow" => "arrow",
            other => other,
        };
        let hint = pyo3::exceptions::PyImportError::new_err(format!(
            "ResponseTable.{method}() needs {module}, which is not installed. Install it \
             with: pip install 'hotjar-client[{extra}]'"
        ));
        hint.set_cause(py, Some(error));
        hint
    })
}

/// HTML-escapes `text` as Python's `html.escape` does.
fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}

/// A cell of the HTML preview: long texts shortened to 60 characters.
fn short_cell(value: &Bound<'_, PyAny>) -> PyResult<String> {
    const LIMIT: usize = 60;
    let text = if value.is_none() {
        String::new()
    } else {
        value.str()?.to_string_lossy().into_owned()
    };
    Ok(if text.chars().count() <= LIMIT {
        text
    } else {
        text.chars().take(LIMIT - 1).chain(['…']).collect()
    })
}

/// `1234567` as `1,234,567`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[pymethods]
impl PyResponseTable {
    /// The Arrow C stream of the table (the Arrow PyCapsule interface).
    ///
    /// A `requested_schema` is honoured as far as [`in_requested_schema`] can: the interface
    /// makes it best-effort, and the consumer sees the schema it got.
    #[pyo3(signature = (requested_schema = None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyCapsule>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let batch = match &requested_schema {
            Some(requested) => in_requested_schema(&self.batch, requested)?,
            None => self.batch.clone(),
        };
        let schema = batch.schema();
        let reader = RecordBatchIterator::new([Ok(batch)], schema);
        // The consumer moves the stream out of the capsule (leaving `release` null); if it
        // never does, dropping the capsule drops the stream, which releases it.
        let stream = FFI_ArrowArrayStream::new(Box::new(reader));
        PyCapsule::new_with_value(py, stream, c"arrow_array_stream")
    }

    /// The Arrow C schema of the table.
    fn __arrow_c_schema__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyCapsule>> {
        let schema = FFI_ArrowSchema::try_from(self.batch.schema().as_ref())
            .map_err(|e| PyValueError::new_err(format!("Cannot export the table's schema: {e}")))?;
        PyCapsule::new_with_value(py, schema, c"arrow_schema")
    }

    /// The number of rows.
    #[getter]
    fn num_rows(&self) -> usize {
        self.batch.num_rows()
    }

    /// The number of columns.
    #[getter]
    fn num_columns(&self) -> usize {
        self.batch.num_columns()
    }

    /// ``(rows, columns)``, as in pandas.
    #[getter]
    fn shape(&self) -> (usize, usize) {
        (self.batch.num_rows(), self.batch.num_columns())
    }

    /// ``"wide"`` (one row per response) or ``"long"`` (one row per answer).
    #[getter]
    fn layout(&self) -> &'static str {
        self.layout.name()
    }

    #[getter]
    fn survey_id(&self) -> String {
        self.survey_id.clone()
    }

    #[getter]
    fn column_names(&self) -> Vec<String> {
        self.batch
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect()
    }

    /// Per column, what it holds: ``{"type": ..., "question_id": ..., "question_type": ...,
    /// "part": "answer" | "sentiment" | "comment" | "tags"}`` (question keys only on
    /// question columns).
    #[getter]
    fn columns_info<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let info = PyDict::new(py);
        for field in self.batch.schema().fields() {
            let entry = PyDict::new(py);
            entry.set_item("type", field.data_type().to_string())?;
            for (key, value) in field.metadata() {
                entry.set_item(key.trim_start_matches("hotjar."), value)?;
            }
            info.set_item(field.name(), entry)?;
        }
        Ok(info)
    }

    fn __len__(&self) -> usize {
        self.batch.num_rows()
    }

    /// The first ``n`` rows, as a new table.
    #[pyo3(signature = (n = super::args::Int(5)), text_signature = "(self, n=5)")]
    fn head(&self, n: super::args::Int) -> PyResult<Self> {
        let n = usize::try_from(n.0).map_err(|_| {
            super::errors::configuration(format!("n must be 0 or more, got {}.", n.0))
        })?;
        Ok(Self {
            batch: self.batch.slice(0, n.min(self.batch.num_rows())),
            survey_id: self.survey_id.clone(),
            layout: self.layout,
        })
    }

    /// The table as ``{column: [values]}``, with no optional package needed. Timestamps
    /// become aware ``datetime`` objects (UTC), tags lists, user attributes dicts.
    fn to_pydict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let out = PyDict::new(py);
        let converter = Converter::new(py)?;
        for (field, array) in self
            .batch
            .schema()
            .fields()
            .iter()
            .zip(self.batch.columns())
        {
            out.set_item(field.name(), converter.column(array)?)?;
        }
        Ok(out)
    }

    /// The table as a list of row dicts, with no optional package needed.
    fn to_pylist<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let converter = Converter::new(py)?;
        let schema = self.batch.schema();
        let names: Vec<Bound<'py, PyString>> = schema
            .fields()
            .iter()
            .map(|f| PyString::new(py, f.name()))
            .collect();
        let columns = self
            .batch
            .columns()
            .iter()
            .map(|array| converter.column(array))
            .collect::<PyResult<Vec<_>>>()?;
        let rows = PyList::empty(py);
        for row in 0..self.batch.num_rows() {
            let dict = PyDict::new(py);
            for (name, column) in names.iter().zip(&columns) {
                dict.set_item(name, column.get_item(row)?)?;
            }
            rows.append(dict)?;
        }
        Ok(rows)
    }

    /// A pandas DataFrame (needs ``pip install 'hotjar-client[pandas]'``). Numbers and flags
    /// stay nullable (``Int16``, ``boolean``), country/device/browser/os become categoricals,
    /// user attributes dicts.
    fn to_pandas<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let pd = require(py, "pandas", "to_pandas")?;
        let pa = require(py, "pyarrow", "to_pandas")?;
        // Integers and flags stay integers and flags when some are missing (not float or
        // object); dictionary columns become categoricals; user attributes become dicts.
        let nullable = PyDict::new(py);
        for (arrow, pandas) in [
            ("int16", "Int16Dtype"),
            ("int32", "Int32Dtype"),
            ("int64", "Int64Dtype"),
            ("bool_", "BooleanDtype"),
        ] {
            nullable.set_item(pa.call_method0(arrow)?, pd.call_method0(pandas)?)?;
        }
        let options = PyDict::new(py);
        options.set_item("types_mapper", nullable.getattr("get")?)?;
        options.set_item("maps_as_pydicts", "lossy")?;
        pa.call_method1("table", (slf,))?
            .call_method("to_pandas", (), Some(&options))
    }

    /// A polars DataFrame (needs ``pip install 'hotjar-client[polars]'``).
    fn to_polars<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        require(slf.py(), "polars", "to_polars")?.call_method1("DataFrame", (slf,))
    }

    /// A ``pyarrow.Table`` (needs ``pip install 'hotjar-client[arrow]'``).
    fn to_pyarrow<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        require(slf.py(), "pyarrow", "to_pyarrow")?.call_method1("table", (slf,))
    }

    /// A small HTML preview for notebooks: the first rows, long texts shortened.
    fn _repr_html_(&self, py: Python<'_>) -> PyResult<String> {
        const ROWS: usize = 10;
        let names = self.column_names();
        let head = Self {
            batch: self.batch.slice(0, ROWS.min(self.batch.num_rows())),
            survey_id: self.survey_id.clone(),
            layout: self.layout,
        };
        let mut cells = String::new();
        for row in head.to_pylist(py)?.iter() {
            cells.push_str("<tr>");
            for name in &names {
                let value = row.get_item(name)?;
                cells.push_str(&format!("<td>{}</td>", escape_html(&short_cell(&value)?)));
            }
            cells.push_str("</tr>");
        }
        let header: String = names
            .iter()
            .map(|n| format!("<th>{}</th>", escape_html(n)))
            .collect();
        let rows = self.batch.num_rows();
        let caption = format!(
            "ResponseTable survey {}: {} rows, {} columns ({})",
            escape_html(&self.survey_id),
            thousands(rows),
            self.batch.num_columns(),
            self.layout.name()
        );
        let more = if rows > ROWS {
            format!("<p>… {} more rows</p>", thousands(rows - ROWS))
        } else {
            String::new()
        };
        Ok(format!(
            "<div><p><b>{caption}</b></p><table><thead><tr>{header}</tr></thead>\
             <tbody>{cells}</tbody></table>{more}</div>"
        ))
    }

    fn __repr__(&self) -> String {
        let schema = self.batch.schema();
        let mut shown: Vec<String> = schema
            .fields()
            .iter()
            .take(6)
            .map(|f| f.name().clone())
            .collect();
        if schema.fields().len() > 6 {
            shown.push(format!("… {} more", schema.fields().len() - 6));
        }
        format!(
            "<hotjar_client.ResponseTable survey_id='{}' layout='{}' rows={} columns={}: {}>",
            self.survey_id,
            self.layout.name(),
            self.batch.num_rows(),
            self.batch.num_columns(),
            shown.join(", ")
        )
    }
}

/// Arrow arrays to Python lists.
struct Converter<'py> {
    py: Python<'py>,
    epoch: Bound<'py, PyAny>,
    timedelta: Bound<'py, PyAny>,
}

impl<'py> Converter<'py> {
    fn new(py: Python<'py>) -> PyResult<Self> {
        let datetime = py.import("datetime")?;
        let utc = datetime.getattr("timezone")?.getattr("utc")?;
        let epoch = datetime
            .getattr("datetime")?
            .call1((1970, 1, 1, 0, 0, 0, 0, utc))?;
        Ok(Self {
            py,
            epoch,
            timedelta: datetime.getattr("timedelta")?,
        })
    }

    fn column(&self, array: &ArrayRef) -> PyResult<Bound<'py, PyList>> {
        let py = self.py;
        let list = PyList::empty(py);
        match array.data_type() {
            DataType::Dictionary(_, _) => {
                let dictionary = array.as_dictionary::<Int32Type>();
                let values = self.column(dictionary.values())?;
                for key in dictionary.keys().iter() {
                    match key.and_then(|k| usize::try_from(k).ok()) {
                        Some(k) => list.append(values.get_item(k)?)?,
                        None => list.append(py.None())?,
                    }
                }
            }
            _ => {
                for row in 0..array.len() {
                    list.append(self.cell(array, row)?)?;
                }
            }
        }
        Ok(list)
    }

    fn cell(&self, array: &ArrayRef, row: usize) -> PyResult<Bound<'py, PyAny>> {
        let py = self.py;
        if array.is_null(row) {
            return Ok(py.None().into_bound(py));
        }
        Ok(match array.data_type() {
            DataType::Utf8 => PyString::new(py, array.as_string::<i32>().value(row)).into_any(),
            DataType::Boolean => array
                .as_boolean()
                .value(row)
                .into_pyobject(py)?
                .to_owned()
                .into_any(),
            DataType::Int16 => array
                .as_primitive::<Int16Type>()
                .value(row)
                .into_pyobject(py)?
                .into_any(),
            DataType::Int32 => array
                .as_primitive::<Int32Type>()
                .value(row)
                .into_pyobject(py)?
                .into_any(),
            DataType::Int64 => array
                .as_primitive::<Int64Type>()
                .value(row)
                .into_pyobject(py)?
                .into_any(),
            DataType::Timestamp(TimeUnit::Microsecond, _) => {
                let micros = array.as_primitive::<TimestampMicrosecondType>().value(row);
                let delta = self.timedelta.call1((0, 0, micros))?;
                self.epoch.call_method1("__add__", (delta,))?
            }
            DataType::List(_) => {
                let items: ArrayRef = array.as_list::<i32>().value(row);
                self.column(&items)?.into_any()
            }
            DataType::Map(_, _) => {
                let entries = array.as_map().value(row);
                let keys: ArrayRef = entries.column(0).clone();
                let values: ArrayRef = entries.column(1).clone();
                let dict = PyDict::new(py);
                for i in 0..entries.len() {
                    dict.set_item(self.cell(&keys, i)?, self.cell(&values, i)?)?;
                }
                dict.into_any()
            }
            DataType::Dictionary(_, _) => {
                let dictionary = array.as_dictionary::<Int32Type>();
                let key = dictionary.keys().value(row);
                match usize::try_from(key) {
                    Ok(k) if k < dictionary.values().len() => self.cell(dictionary.values(), k)?,
                    _ => py.None().into_bound(py),
                }
            }
            other => PyString::new(py, &format!("<{other}>")).into_any(),
        })
    }
}

/// `batch` in the schema a consumer asked for, as far as the table can give it: a
/// dictionary-encoded column (`country`, `device`, ...) asked for as its value type (plain
/// strings) is decoded; every other column, and a request that does not list the table's
/// columns in order, is handed over as it is (the PyCapsule interface makes the request
/// best-effort).
fn in_requested_schema(
    batch: &RecordBatch,
    requested: &Bound<'_, PyCapsule>,
) -> PyResult<RecordBatch> {
    let pointer = requested
        .pointer_checked(Some(c"arrow_schema"))?
        .cast::<FFI_ArrowSchema>();
    // SAFETY: a capsule named "arrow_schema" holds an ArrowSchema (the interface's contract),
    // which lives as long as the capsule, borrowed here for the whole call.
    let wanted = Schema::try_from(unsafe { pointer.as_ref() })
        .map_err(|e| PyValueError::new_err(format!("Cannot read the requested schema: {e}")))?;
    let schema = batch.schema();
    let same_columns = wanted.fields().len() == schema.fields().len()
        && wanted
            .fields()
            .iter()
            .zip(schema.fields())
            .all(|(w, f)| w.name() == f.name());
    if !same_columns {
        return Ok(batch.clone());
    }
    let mut fields = Vec::with_capacity(schema.fields().len());
    let mut columns = Vec::with_capacity(schema.fields().len());
    for ((field, column), want) in schema
        .fields()
        .iter()
        .zip(batch.columns())
        .zip(wanted.fields())
    {
        match field.data_type() {
            DataType::Dictionary(_, values) if values.as_ref() == want.data_type() => {
                let dictionary = column.as_any_dictionary();
                let decoded =
                    take(dictionary.values().as_ref(), dictionary.keys(), None).map_err(|e| {
                        PyValueError::new_err(format!("Cannot decode {}: {e}", field.name()))
                    })?;
                fields.push(Arc::new(
                    field
                        .as_ref()
                        .clone()
                        .with_data_type(want.data_type().clone()),
                ));
                columns.push(decoded);
            }
            _ => {
                fields.push(field.clone());
                columns.push(column.clone());
            }
        }
    }
    let schema = Schema::new_with_metadata(fields, schema.metadata().clone());
    RecordBatch::try_new(Arc::new(schema), columns)
        .map_err(|e| PyValueError::new_err(format!("Cannot build the requested table: {e}")))
}

/// How answers to a question type are stored in a table: `"number"`, `"text"` or `"none"`
/// (no column: statements, thank-you pages), and whether the library knows the type (an
/// unknown one is kept as text). The one rule the tables follow, for `check_api`.
#[pyfunction]
#[pyo3(name = "_question_column_kind")]
pub fn question_column_kind(kind: &str) -> (&'static str, bool) {
    let column = match crate::table::answer_kind(kind) {
        crate::table::AnswerKind::Number => "number",
        crate::table::AnswerKind::Text => "text",
        crate::table::AnswerKind::None => "none",
    };
    (column, crate::table::is_known_type(kind))
}
