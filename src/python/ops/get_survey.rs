//! `get_survey`: one survey, with its questions.

use pyo3::prelude::*;

use crate::ids::IdKind;
use crate::python::args;
use crate::python::convert::Json;
use crate::python::entry::py_error;

operation! {
    entries(get_survey, get_survey_async);
    fn get_survey_body(&self, _py: Python<'_>, survey_id: &Bound<'_, PyAny>,
        site_id: Option<&Bound<'_, PyAny>>) -> Json {
        let survey = args::id(survey_id, IdKind::Survey)?;
        let site = self.site(site_id)?;
        let core = self.core()?;
        Ok(async move {
            let survey = core.get_survey(&site, &survey).await;
            survey.map(Json).map_err(|e| py_error(&e))
        })
    }
}
