//! `responses_table_many`: each survey's `ResponseTable`, `concurrency` surveys at a time under
//! the client's one rate limit. Returns `(completed, failed)` as `responses_many` does; a
//! failed survey's exception carries its table so far (`partial`) and `resume_cursor`.

use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::many::ManyRequest;
use crate::python::entry::{attach_in_worker, py_error, Bar};
use crate::python::table::PyResponseTable;
use crate::python::{args, errors};
use crate::table::Shape;

use super::responses_many::{Many, Outcomes};
use super::responses_table::table_error;

operation! {
    entries(responses_table_many, responses_table_many_async);
    fn responses_table_many_body(&self, _py: Python<'_>, survey_ids: Option<&Bound<'_, PyAny>>,
        site_id: Option<&Bound<'_, PyAny>>, shape: &str, since: Option<&Bound<'_, PyAny>>,
        concurrency: args::Int, progress: Option<Bound<'_, PyAny>>) -> Outcomes {
        let shape = Shape::parse(shape).map_err(|e| errors::core_error(&e))?;
        let Many { core, site, surveys, since, concurrency } =
            self.many(survey_ids, site_id, since, concurrency)?;
        let bar = Bar::new(progress);
        Ok(async move {
            let request = ManyRequest { site: &site, surveys, since, concurrency };
            let tables = core.responses_table_many(request, shape);
            let tables = bar.watch(tables).await.map_err(|e| py_error(&e))?;
            attach_in_worker(|py| {
                let completed = PyDict::new(py);
                let failed = PyDict::new(py);
                for (survey, table) in tables {
                    let name = survey.to_string();
                    match table {
                        Ok(batch) => {
                            let table = PyResponseTable::new(batch, name.clone(), shape);
                            completed.set_item(&name, table)?;
                        }
                        Err(failure) => {
                            let exception = table_error(py, failure, &name, shape);
                            failed.set_item(&name, exception.value(py))?;
                        }
                    }
                }
                Ok((completed.unbind(), failed.unbind()))
            })
        })
    }
}
