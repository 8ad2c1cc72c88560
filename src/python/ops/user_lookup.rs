//! `user_lookup`: asks Hotjar for a data report on one data subject.

use pyo3::prelude::*;

use crate::gdpr::LookupOutcome;
use crate::python::entry::py_error;
use crate::python::gdpr;

operation! {
    entries(user_lookup, user_lookup_async);
    fn user_lookup_body(&self, py: Python<'_>, email: Option<&Bound<'_, PyAny>>,
        user_ids: Option<&Bound<'_, PyAny>>, organization_id: Option<&Bound<'_, PyAny>>)
        -> LookupOutcome {
        let subject = gdpr::subject(py, email, user_ids)?;
        let organization = self.organization(organization_id)?;
        let core = self.core()?;
        Ok(async move {
            let outcome = core.user_lookup(&organization, &subject).await;
            outcome.map_err(|e| py_error(&e))
        })
    }
}
