//! `export_responses`: a survey's responses streamed to a Parquet, CSV or JSON Lines file, page
//! by page, in constant memory (`crate::export`). Returns the summary dict.

use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

use crate::export::{check_target, ExportRequest, ExportStart, ExportSummary, FileFormat};
use crate::ids::IdKind;
use crate::python::entry::{attach_in_worker, Bar};
use crate::python::{args, errors};
use crate::table::Shape;

/// The summary, a dict when it reaches Python.
pub struct Summary(ExportSummary);

impl<'py> IntoPyObject<'py> for Summary {
    type Target = PyDict;
    type Output = Bound<'py, PyDict>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let summary = self.0;
        let result = PyDict::new(py);
        result.set_item("path", summary.path.to_string_lossy())?;
        result.set_item("format", summary.format.name())?;
        result.set_item("shape", summary.shape.name())?;
        result.set_item("responses", summary.responses)?;
        result.set_item("rows", summary.rows)?;
        result.set_item("pages", summary.pages)?;
        result.set_item("bytes", summary.bytes)?;
        Ok(result)
    }
}

operation! {
    entries(export_responses, export_responses_async);
    fn export_responses_body(&self, _py: Python<'_>, survey_id: &Bound<'_, PyAny>, path: PathBuf,
        site_id: Option<&Bound<'_, PyAny>>, format: Option<String>, shape: &str,
        since: Option<&Bound<'_, PyAny>>, resume_cursor: Option<String>, resume: bool,
        csv_formula_guard: bool, progress: Option<Bound<'_, PyAny>>) -> Summary {
        let survey = args::id(survey_id, IdKind::Survey)?;
        if resume && resume_cursor.is_some() {
            return Err(errors::configuration(
                "Pass resume=True (continue <path>.partial, which knows where it stopped) or \
                 resume_cursor= (export the rest to path), not both.",
            ));
        }
        let site = self.site(site_id)?;
        let shape = Shape::parse(shape).map_err(|e| errors::core_error(&e))?;
        // The target first: "is a folder" says more than "cannot tell the format of '.'".
        let format = check_target(&path)
            .and_then(|()| FileFormat::resolve(&path, format.as_deref()))
            .map_err(|e| errors::core_error(&e))?;
        let since = args::since(since)?;
        let start = match args::cursor(resume_cursor)? {
            Some(cursor) => ExportStart::Cursor(cursor),
            None if resume => ExportStart::Resume,
            None => ExportStart::Newest,
        };
        let core = self.core()?;
        let bar = Bar::new(progress);
        Ok(async move {
            let request = ExportRequest {
                site: &site, survey: &survey, path: &path, format, shape, since, start,
                csv_formula_guard,
            };
            bar.watch(core.export_responses(request)).await.map(Summary).map_err(|e| {
                attach_in_worker(|py| {
                    let partial = e
                        .partial
                        .map(|p| PyString::new(py, &p.to_string_lossy()).into_any());
                    errors::export_error(py, &e.error, partial.as_ref(), e.resume_cursor)
                })
            })
        })
    }
}
