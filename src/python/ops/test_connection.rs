//! `test_connection`: a new token, proving the key works.

use std::collections::HashMap;
use std::future::Future;

use pyo3::prelude::*;

use crate::python::aio::AsyncCall;
use crate::python::entry::{py_error, wait};
use crate::python::raw_client::RawClient;

type Info = HashMap<&'static str, f64>;

impl RawClient {
    fn test_connection_body(
        &self,
    ) -> PyResult<impl Future<Output = PyResult<Info>> + Send + 'static> {
        let core = self.core()?;
        Ok(async move {
            let info = core.test_connection().await.map_err(|e| py_error(&e))?;
            Ok(HashMap::from([(
                "expires_in",
                info.expires_in.as_secs_f64(),
            )]))
        })
    }
}

#[pymethods]
impl RawClient {
    fn test_connection(&self, py: Python<'_>) -> PyResult<Info> {
        wait(py, self.test_connection_body()?)
    }

    fn test_connection_async(&self) -> PyResult<AsyncCall> {
        Ok(AsyncCall::new(
            "AsyncClient.test_connection",
            self.test_connection_body()?,
        ))
    }
}
