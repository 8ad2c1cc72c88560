//! `responses_table`: every response of a survey as Arrow columns, a `ResponseTable`.

use pyo3::prelude::*;

use crate::error::ExportError;
use crate::ids::IdKind;
use crate::python::entry::{attach_in_worker, Bar};
use crate::python::table::PyResponseTable;
use crate::python::{args, errors};
use crate::table::{Shape, TableRequest};

/// A survey's failed table as the exception, its `partial` the table of what was read.
pub fn table_error(
    py: Python<'_>,
    failure: ExportError<Option<arrow_array::RecordBatch>>,
    survey: &str,
    shape: Shape,
) -> PyErr {
    let partial = failure
        .partial
        .map(|batch| Bound::new(py, PyResponseTable::new(batch, survey.to_string(), shape)))
        .transpose();
    match partial {
        Ok(partial) => errors::export_error(
            py,
            &failure.error,
            partial.as_ref().map(|p| p.as_any()),
            failure.resume_cursor,
        ),
        Err(error) => error,
    }
}

operation! {
    entries(responses_table, responses_table_async);
    fn responses_table_body(&self, _py: Python<'_>, survey_id: &Bound<'_, PyAny>,
        site_id: Option<&Bound<'_, PyAny>>, shape: &str, since: Option<&Bound<'_, PyAny>>,
        resume_cursor: Option<String>, progress: Option<Bound<'_, PyAny>>) -> PyResponseTable {
        let survey = args::id(survey_id, IdKind::Survey)?;
        let site = self.site(site_id)?;
        let shape = Shape::parse(shape).map_err(|e| errors::core_error(&e))?;
        let since = args::since(since)?;
        let cursor = args::cursor(resume_cursor)?;
        let core = self.core()?;
        let bar = Bar::new(progress);
        Ok(async move {
            let name = survey.to_string();
            let table = core.responses_table(TableRequest {
                site: &site, survey: &survey, shape, since, resume_cursor: cursor,
            });
            match bar.watch(table).await {
                Ok(batch) => Ok(PyResponseTable::new(batch, name, shape)),
                Err(failure) => Err(attach_in_worker(|py| {
                    table_error(py, failure, &name, shape)
                })),
            }
        })
    }
}
