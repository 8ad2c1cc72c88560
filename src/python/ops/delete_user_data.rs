//! `delete_user_data`: deletes everything Hotjar holds on one data subject. Without `confirm`
//! nothing is sent, and the error says what would have been deleted: raised when the method is
//! called, before there is anything to await.

use pyo3::prelude::*;

use crate::gdpr::LookupOutcome;
use crate::python::entry::py_error;
use crate::python::errors;
use crate::python::gdpr;

operation! {
    entries(delete_user_data, delete_user_data_async);
    fn delete_user_data_body(&self, py: Python<'_>, email: Option<&Bound<'_, PyAny>>,
        user_ids: Option<&Bound<'_, PyAny>>, organization_id: Option<&Bound<'_, PyAny>>,
        confirm: bool) -> LookupOutcome {
        let subject = gdpr::subject(py, email, user_ids)?;
        let organization = self.organization(organization_id)?;
        if !confirm {
            let error = crate::gdpr::confirmation_required(&subject.to_string(), &organization);
            return Err(errors::to_pyerr(py, &error));
        }
        let core = self.core()?;
        Ok(async move {
            let outcome = core.delete_user_data(&organization, &subject, true).await;
            outcome.map_err(|e| py_error(&e))
        })
    }
}
