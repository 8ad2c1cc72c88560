//! `list_surveys`: every survey of a site, all pages, as dicts.

use pyo3::prelude::*;

use serde_json::Value;

use crate::python::convert::Json;
use crate::python::entry::py_error;

operation! {
    entries(list_surveys, list_surveys_async);
    fn list_surveys_body(&self, _py: Python<'_>, site_id: Option<&Bound<'_, PyAny>>,
        with_questions: bool) -> Json {
        let site = self.site(site_id)?;
        let core = self.core()?;
        Ok(async move {
            let surveys = core.list_surveys(&site, with_questions).await;
            surveys.map(|surveys| Json(Value::Array(surveys))).map_err(|e| py_error(&e))
        })
    }
}
