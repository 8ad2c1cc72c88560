//! `test_connection`: a new token, proving the key works.

use std::collections::HashMap;

use crate::python::entry::py_error;

type Info = HashMap<&'static str, f64>;

operation! {
    entries(test_connection, test_connection_async);
    fn test_connection_body(&self, _py: Python<'_>) -> Info {
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
