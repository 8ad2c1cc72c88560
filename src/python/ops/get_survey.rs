//! `get_survey`: one survey, with its questions.

use std::future::Future;

use pyo3::prelude::*;

use crate::ids::IdKind;
use crate::python::aio::AsyncCall;
use crate::python::args;
use crate::python::convert::Json;
use crate::python::entry::{py_error, wait};
use crate::python::raw_client::RawClient;

impl RawClient {
    fn get_survey_body(
        &self,
        survey_id: &Bound<'_, PyAny>,
        site_id: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<impl Future<Output = PyResult<Json>> + Send + 'static> {
        let survey = args::id(survey_id, IdKind::Survey)?;
        let site = self.site(site_id)?;
        let core = self.core()?;
        Ok(async move {
            let survey = core.get_survey(&site, &survey).await;
            survey.map(Json).map_err(|e| py_error(&e))
        })
    }
}

#[pymethods]
impl RawClient {
    fn get_survey(
        &self,
        py: Python<'_>,
        survey_id: &Bound<'_, PyAny>,
        site_id: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Json> {
        wait(py, self.get_survey_body(survey_id, site_id)?)
    }

    fn get_survey_async(
        &self,
        survey_id: &Bound<'_, PyAny>,
        site_id: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<AsyncCall> {
        let body = self.get_survey_body(survey_id, site_id)?;
        Ok(AsyncCall::new("AsyncClient.get_survey", body))
    }
}
