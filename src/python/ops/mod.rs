//! The operations of `_native.RawClient`, one file each: the checks of the arguments, one async
//! body, and its two entries side by side, `op` (blocking, for `Client`) and `op_async`
//! (awaitable, for `AsyncClient`). Arguments arrive as Python passed them; ids, `since`,
//! cursors and every other value are checked here, by the core's rules, before anything is
//! sent. Results are plain: lists and dicts, `ResponseTable`s, `(completed, failed)` pairs; the
//! Python classes wrap them.
//!
//! Two operations are taken in steps, and return an object whose methods are the two entries:
//! `response_pages` (`RawResponsePages.next_page` / `next_page_async`, a page at a time) and
//! `lookup_many` (`LookupRun.wait` / `wait_async`, whose blocking entry waits a result at a
//! time, so that Ctrl-C keeps the results in).

/// Declares an operation of `RawClient`: `fn <op>_body` checks the arguments (raising before
/// anything is sent) and returns the one async body; the macro adds its two entries, side by
/// side with the same parameters: `<op>` (blocking, `entry::wait`) and `<op>_async`
/// (awaitable, `aio::AsyncCall`, named `AsyncClient.<op>` in its repr).
macro_rules! operation {
    (
        entries($blocking:ident, $awaitable:ident);
        fn $body:ident(&$this:tt, $py:ident: Python<'_> $(, $arg:ident: $ty:ty)* $(,)?) -> $out:ty
        $block:block
    ) => {
        impl $crate::python::raw_client::RawClient {
            #[allow(clippy::too_many_arguments)]
            fn $body(
                &$this,
                $py: pyo3::Python<'_>
                $(, $arg: $ty)*
            ) -> pyo3::PyResult<
                impl std::future::Future<Output = pyo3::PyResult<$out>> + Send + 'static,
            > $block
        }

        #[pyo3::pymethods]
        impl $crate::python::raw_client::RawClient {
            #[allow(clippy::too_many_arguments)]
            fn $blocking(&self, py: pyo3::Python<'_> $(, $arg: $ty)*) -> pyo3::PyResult<$out> {
                let body = self.$body(py $(, $arg)*)?;
                $crate::python::entry::wait(py, body)
            }

            #[allow(clippy::too_many_arguments)]
            fn $awaitable(
                &self,
                py: pyo3::Python<'_>
                $(, $arg: $ty)*
            ) -> pyo3::PyResult<$crate::python::aio::AsyncCall> {
                let body = self.$body(py $(, $arg)*)?;
                let name = concat!("AsyncClient.", stringify!($blocking));
                Ok($crate::python::aio::AsyncCall::new(name, body))
            }
        }
    };
}

mod delete_user_data;
mod export_responses;
mod get_survey;
mod iter_responses;
mod list_surveys;
mod lookup_many;
mod responses;
mod responses_many;
mod responses_table;
mod responses_table_many;
mod test_connection;
mod user_lookup;

pub use iter_responses::RawResponsePages;
pub use lookup_many::LookupRun;
