//! `list_surveys`: every survey of a site, all pages, as dicts.

use std::future::Future;

use pyo3::prelude::*;

use crate::python::aio::AsyncCall;
use crate::python::convert::Values;
use crate::python::entry::{py_error, wait};
use crate::python::raw_client::RawClient;

impl RawClient {
    fn list_surveys_body(
        &self,
        site_id: Option<&Bound<'_, PyAny>>,
        with_questions: bool,
    ) -> PyResult<impl Future<Output = PyResult<Values>> + Send + 'static> {
        let site = self.site(site_id)?;
        let core = self.core()?;
        Ok(async move {
            let surveys = core.list_surveys(&site, with_questions).await;
            surveys.map(Values).map_err(|e| py_error(&e))
        })
    }
}

#[pymethods]
impl RawClient {
    fn list_surveys(
        &self,
        py: Python<'_>,
        site_id: Option<&Bound<'_, PyAny>>,
        with_questions: bool,
    ) -> PyResult<Values> {
        wait(py, self.list_surveys_body(site_id, with_questions)?)
    }

    fn list_surveys_async(
        &self,
        site_id: Option<&Bound<'_, PyAny>>,
        with_questions: bool,
    ) -> PyResult<AsyncCall> {
        let body = self.list_surveys_body(site_id, with_questions)?;
        Ok(AsyncCall::new("AsyncClient.list_surveys", body))
    }
}
